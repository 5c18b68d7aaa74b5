import { describe, expect, it } from 'vitest';
import { rendererCsp } from '../../../src/core/contract/csp';

describe('rendererCsp', () => {
  it('is the strict production policy by default (no inline code, no eval, no nonce)', () => {
    expect(rendererCsp({ imageScheme: 'loupe-image' })).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: loupe-image:; " +
        "connect-src 'self' loupe-image:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; " +
        "form-action 'none'; frame-ancestors 'none'",
    );
    expect(rendererCsp()).toBe(rendererCsp({ imageScheme: 'loupe-image' }).replaceAll(' loupe-image:', ''));
  });

  it('lets in a second image origin for images and fetches only', () => {
    const csp = rendererCsp({ imageOrigins: ['http://127.0.0.1:5001'] });
    expect(csp).toContain("img-src 'self' data: blob: http://127.0.0.1:5001;");
    expect(csp).toContain("connect-src 'self' http://127.0.0.1:5001;");
    expect(csp).toContain("script-src 'self';");
  });

  it("in development, allows only what carries the dev server's nonce, and its HMR socket", () => {
    const csp = rendererCsp({
      imageScheme: 'loupe-image',
      dev: { nonce: 'bm9uY2U', origin: 'http://localhost:5173' },
    });
    expect(csp).toContain("script-src 'self' 'nonce-bm9uY2U';");
    expect(csp).toContain("style-src 'self' 'nonce-bm9uY2U';");
    expect(csp).toContain("connect-src 'self' ws://localhost:5173 loupe-image:;");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
  });

  it('leaves frame-ancestors out of a meta policy (a meta tag cannot carry it)', () => {
    expect(rendererCsp({ meta: true })).toBe(rendererCsp().replace("; frame-ancestors 'none'", ''));
  });
});
