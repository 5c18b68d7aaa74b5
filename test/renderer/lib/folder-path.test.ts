import { describe, expect, it } from 'vitest';
import { browseStarts, parentFolder } from '../../../src/renderer/lib/folder-path';

describe('parentFolder', () => {
  it('goes one folder up, on POSIX and Windows paths, and stops at a root', () => {
    expect(parentFolder('/data/clip/frames')).toBe('/data/clip');
    expect(parentFolder('/data/clip/frames/')).toBe('/data/clip');
    expect(parentFolder('/data')).toBe('/');
    expect(parentFolder('/')).toBeNull();
    expect(parentFolder('C:\\clips\\frames')).toBe('C:\\clips');
    expect(parentFolder('C:\\clips')).toBe('C:\\');
    expect(parentFolder('C:\\')).toBeNull();
    expect(parentFolder('\\\\server\\share\\clips')).toBe('\\\\server\\share');
    expect(parentFolder('\\\\server\\share')).toBeNull();
    expect(parentFolder('frames')).toBeNull();
  });
});

describe('browseStarts', () => {
  it('tries the field’s folder, then the folders above it, then home', () => {
    expect(browseStarts('/data/clip/frames')).toEqual(['/data/clip/frames', '/data/clip', '/data', '/', null]);
    expect(browseStarts('  C:\\clips\\frames ')).toEqual(['C:\\clips\\frames', 'C:\\clips', 'C:\\', null]);
  });

  it('starts at home for an empty or relative path', () => {
    expect(browseStarts('')).toEqual([null]);
    expect(browseStarts('   ')).toEqual([null]);
    expect(browseStarts('clip/frames')).toEqual([null]);
  });

  it('tries a bounded number of folders up', () => {
    const deep = `/${Array.from({ length: 30 }, (_, i) => `d${i}`).join('/')}`;
    const starts = browseStarts(deep, 3);
    expect(starts).toHaveLength(5);
    expect(starts[0]).toBe(deep);
    expect(starts.at(-1)).toBeNull();
  });
});
