import { describe, expect, it } from 'vitest';
import { confine, isInside, normalizeAbsolute } from '../../src/core/paths';

describe('normalizeAbsolute', () => {
  it('resolves dots and separators, never above the root', () => {
    expect(normalizeAbsolute('/a//b/./c/../d', 'posix')).toBe('/a/b/d');
    expect(normalizeAbsolute('/../../etc/passwd', 'posix')).toBe('/etc/passwd');
    expect(normalizeAbsolute('relative/x', 'posix')).toBeNull();
    expect(normalizeAbsolute('/a/b\0c', 'posix')).toBeNull();
    expect(normalizeAbsolute('c:/Users/me/../you', 'win32')).toBe('C:\\Users\\you');
    expect(normalizeAbsolute('\\\\server\\share\\x\\..\\y', 'win32')).toBe('\\\\server\\share\\y');
    expect(normalizeAbsolute('\\no-drive', 'win32')).toBeNull();
  });
});

describe('confine', () => {
  const roots = ['/data/photos', '/cache'];
  it('accepts paths inside an opened folder', () => {
    expect(confine('/data/photos/a/b.jpg', roots, 'posix')).toBe('/data/photos/a/b.jpg');
    expect(confine('/cache/thumbs/x.webp', roots, 'posix')).toBe('/cache/thumbs/x.webp');
  });
  it('refuses traversal out of it and look-alike prefixes', () => {
    expect(confine('/data/photos/../../etc/passwd', roots, 'posix')).toBeNull();
    expect(confine('/data/photos-secret/a.jpg', roots, 'posix')).toBeNull();
    expect(confine('/etc/passwd', roots, 'posix')).toBeNull();
    expect(confine('data/photos/a.jpg', roots, 'posix')).toBeNull();
  });
  it('compares Windows paths case-insensitively', () => {
    expect(isInside('C:\\Data\\Photos\\a.jpg', 'c:\\data\\photos', 'win32')).toBe(true);
    expect(confine('C:\\data\\photos\\..\\secret.jpg', ['C:\\data\\photos'], 'win32')).toBeNull();
  });
});
