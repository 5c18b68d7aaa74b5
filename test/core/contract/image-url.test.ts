import { describe, expect, it } from 'vitest';
import { electronImageUrl, webImageUrl } from '../../../src/core/contract/image-url';

describe('image URLs', () => {
  it('names a file for the desktop scheme and the web host, path encoded', () => {
    expect(electronImageUrl('/a b/c#1.jpg')).toBe('loupe-image://local/?path=%2Fa%20b%2Fc%231.jpg');
    expect(webImageUrl('/a b/c#1.jpg')).toBe('/api/image?path=%2Fa%20b%2Fc%231.jpg');
  });

  it("appends the path to another origin's image route, keeping its token", () => {
    expect(webImageUrl('/x/y.png', 'http://127.0.0.1:5001/api/image?token=abc')).toBe(
      'http://127.0.0.1:5001/api/image?token=abc&path=%2Fx%2Fy.png',
    );
  });
});
