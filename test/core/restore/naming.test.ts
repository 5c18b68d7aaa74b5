import { describe, expect, it } from 'vitest';
import { outputFrameNames } from '../../../src/core/restore/naming';

describe('outputFrameNames', () => {
  it('keeps each input stem, always as .png', () => {
    expect(outputFrameNames(['frame_0000.png', 'frame_0001.jpg', 'clip.v2.tif', 'sub/x.JPEG'])).toEqual([
      'frame_0000.png',
      'frame_0001.png',
      'clip.v2.png',
      'sub/x.png',
    ]);
  });

  it('keeps the extension of inputs whose stems collide, so no output overwrites another', () => {
    expect(outputFrameNames(['a.jpg', 'a.png', 'A.tif', 'b.jpg'])).toEqual([
      'a.jpg.png',
      'a.png.png',
      'A.tif.png',
      'b.png',
    ]);
  });

  it('numbers the frames by index under index naming', () => {
    expect(outputFrameNames(['x.png', 'y.jpg'], 'index')).toEqual(['frame_000000.png', 'frame_000001.png']);
  });
});
