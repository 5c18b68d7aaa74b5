import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { devRenderer, ELECTRON_CSP, electronCsp } from '../../src/main/csp';
import { repoRoot } from '../helpers';

/** The policy main sends with every response the renderer loads, in production and in `npm run dev`. */
describe('main/csp', () => {
  const dev = { ELECTRON_RENDERER_URL: 'http://localhost:5173', LOUPE_DEV_CSP_NONCE: 'cmFuZG9tLW5vbmNl' };

  it('is the strict production policy unless ELECTRON_RENDERER_URL is set', () => {
    expect(devRenderer({}, false)).toBeNull();
    // A packaged app never loads a dev server, whatever its environment says.
    expect(devRenderer(dev, true)).toBeNull();
    expect(electronCsp(null)).toBe(ELECTRON_CSP);
    expect(ELECTRON_CSP).toMatch(/script-src 'self'; style-src 'self';/);
    expect(ELECTRON_CSP).not.toMatch(/nonce|unsafe-|ws:/);
    // index.html's meta policy (the first paint, before any header applies) is the same one.
    const html = readFileSync(join(repoRoot, 'src', 'renderer', 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(ELECTRON_CSP.replace("; frame-ancestors 'none'", ''));
  });

  it('under the dev server, lets in only its nonce-carrying scripts and styles and its HMR socket', () => {
    const renderer = devRenderer(dev, false);
    expect(renderer).toEqual({
      url: dev.ELECTRON_RENDERER_URL,
      origin: 'http://localhost:5173',
      nonce: dev.LOUPE_DEV_CSP_NONCE,
    });
    const csp = electronCsp(renderer);
    expect(csp).toContain("script-src 'self' 'nonce-cmFuZG9tLW5vbmNl';");
    expect(csp).toContain("style-src 'self' 'nonce-cmFuZG9tLW5vbmNl';");
    expect(csp).toContain("connect-src 'self' ws://localhost:5173 loupe-image:;");
    expect(csp).not.toMatch(/unsafe-/);
    // Everything else as in production.
    expect(csp.replaceAll(" 'nonce-cmFuZG9tLW5vbmNl'", '').replace(' ws://localhost:5173', '')).toBe(ELECTRON_CSP);
  });

  it('refuses a dev server URL without the nonce the dev config hands main', () => {
    expect(() => devRenderer({ ELECTRON_RENDERER_URL: 'http://localhost:5173' }, false)).toThrow(/LOUPE_DEV_CSP_NONCE/);
  });
});
