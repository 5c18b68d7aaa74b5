import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_INDEX_URL,
  APP_ORIGIN,
  appSchemePrivileges,
  createAppHandler,
  isAppOrigin,
  isAppPageUrl,
} from '../../src/main/app-protocol';
import { ELECTRON_CSP } from '../../src/main/csp';
import { builtRenderer, tempDir } from '../helpers';

/** The app:// handler main registers for the renderer, called as Electron would call it. */
describe('app:// (the renderer scheme)', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let handler: (request: Request) => Promise<Response>;
  beforeAll(async () => {
    tmp = await tempDir('loupe-app-scheme-');
    const renderer = join(tmp.path, 'renderer');
    await mkdir(join(renderer, 'assets'), { recursive: true });
    await writeFile(join(renderer, 'index.html'), '<!doctype html><div id="root"></div>');
    await writeFile(join(renderer, 'assets', 'index.js'), 'console.log(1)');
    await writeFile(join(renderer, 'assets', 'index.js.map'), '{}');
    await writeFile(join(tmp.path, 'secret.json'), '{"secret":true}');
    await writeFile(join(tmp.path, 'renderer-evil.js'), 'evil()');
    handler = createAppHandler(renderer, ELECTRON_CSP);
  });
  afterAll(() => tmp.cleanup());

  it('is a standard, secure scheme with the CSP applied and no service workers', () => {
    expect(APP_ORIGIN).toBe('app://loupe');
    expect(appSchemePrivileges()).toEqual({
      scheme: 'app',
      privileges: expect.objectContaining({
        standard: true,
        secure: true,
        bypassCSP: false,
        allowServiceWorkers: false,
      }),
    });
  });

  it('serves the built renderer: index.html with the CSP, never cached; assets by type', async () => {
    for (const url of [APP_INDEX_URL, `${APP_ORIGIN}/`]) {
      const res = await handler(new Request(url));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toBe(ELECTRON_CSP);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.text()).toContain('<div id="root">');
    }
    const js = await handler(new Request(`${APP_ORIGIN}/assets/index.js`));
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('content-security-policy')).toBeNull();
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves nothing outside the renderer folder, of another host, or not listed', async () => {
    const status = async (url: string, init?: RequestInit): Promise<number> =>
      (await handler(new Request(url, init))).status;
    // `..` (and `%2e%2e`) is resolved by the URL parser, to /secret.json inside the folder: not
    // there. With an encoded separator it survives parsing, and is refused once decoded.
    expect(await status(`${APP_ORIGIN}/../secret.json`)).toBe(404);
    expect(await status(`${APP_ORIGIN}/%2e%2e/secret.json`)).toBe(404);
    expect(await status(`${APP_ORIGIN}/..%2Fsecret.json`)).toBe(403);
    expect(await status(`${APP_ORIGIN}/..%2Frenderer-evil.js`)).toBe(403);
    expect(await status(`${APP_ORIGIN}/assets/index.js.map`)).toBe(403);
    expect(await status(`${APP_ORIGIN}/assets`)).toBe(403);
    expect(await status(`${APP_ORIGIN}/missing.js`)).toBe(404);
    expect(await status(`${APP_ORIGIN}/%E0%A4%A`)).toBe(400);
    expect(await status('app://evil/index.html')).toBe(404);
    expect(await status(APP_INDEX_URL, { method: 'POST', body: 'x' })).toBe(405);
  });

  it('knows its page and its origin', () => {
    expect(isAppPageUrl('app://loupe/index.html')).toBe(true);
    expect(isAppPageUrl('app://loupe/index.html?x=1#frag')).toBe(true);
    expect(isAppPageUrl('app://loupe/other.html')).toBe(false);
    expect(isAppPageUrl('file:///app/out/renderer/index.html')).toBe(false);
    expect(isAppPageUrl('app://loupe.evil/index.html')).toBe(false);
    expect(isAppOrigin('app://loupe')).toBe(true);
    expect(isAppOrigin('app://loupe/assets/x.js')).toBe(true);
    expect(isAppOrigin('app://evil')).toBe(false);
    expect(isAppOrigin('null')).toBe(false);
    expect(isAppOrigin('file://')).toBe(false);
  });

  it('serves the real build output', async () => {
    const res = await createAppHandler(builtRenderer, ELECTRON_CSP)(new Request(APP_INDEX_URL));
    expect(res.status).toBe(200);
    const html = await res.text();
    // Relative asset URLs, which resolve against app://loupe/.
    const script = /<script type="module" crossorigin src="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(script).toMatch(/^\.\/assets\//);
    const asset = await createAppHandler(builtRenderer, ELECTRON_CSP)(new Request(new URL(script, APP_INDEX_URL)));
    expect(asset.status).toBe(200);
  });
});
