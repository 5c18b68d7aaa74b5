import { describe, expect, it } from 'vitest';
import { pairGroundTruth } from '../../../src/core/restore/ground-truth';

describe('pairGroundTruth', () => {
  it('pairs by file name, else by stem, preferring a lossless reference', () => {
    const pairs = pairGroundTruth(
      ['frame_000000.png', 'frame_000001.jpg', 'frame_000002.jpg', 'frame_000003.jpg', 'clip.v2.jpg'],
      ['frame_000000.png', 'frame_000001.png', 'frame_000002.jpg', 'frame_000002.tif', 'clip.v2.PNG'],
    );
    expect(Object.fromEntries(pairs)).toEqual({
      'frame_000000.png': 'frame_000000.png',
      'frame_000001.jpg': 'frame_000001.png',
      // the same name wins over a lossless file with the same stem
      'frame_000002.jpg': 'frame_000002.jpg',
      'clip.v2.jpg': 'clip.v2.PNG',
    });
  });

  it('leaves frames without a reference out', () => {
    expect(pairGroundTruth(['a.png', 'b.png'], ['a.png']).has('b.png')).toBe(false);
    expect(pairGroundTruth(['a.png'], []).size).toBe(0);
  });
});
