import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Protocol } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { electronImageUrl, IMAGE_SCHEME } from '../../src/core/contract/image-url';
import { FolderGrants } from '../../src/host/folder-grants';
import { createImageHandler } from '../../src/host/image-handler';
import { imageCorsOrigins, imageSchemePrivileges, registerImageProtocol } from '../../src/main/protocol';
import { jpeg } from '../fixtures/images';
import { tempDir } from '../helpers';

/** The loupe-image:// handler main registers, called as Electron would call it. */
describe('image protocol handler', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let handler: (request: Request) => Promise<Response>;
  let photos: string;

  beforeAll(async () => {
    tmp = await tempDir();
    photos = join(tmp.path, 'photos');
    await mkdir(join(photos, 'sub'), { recursive: true });
    await writeFile(join(photos, 'sub', 'a.jpg'), await jpeg(16, 16));
    await writeFile(join(tmp.path, 'private.jpg'), await jpeg(16, 16));
    await writeFile(join(photos, 'notes.txt'), 'not an image');
    await symlink(join(tmp.path, 'private.jpg'), join(photos, 'escape.jpg'));
    const grants = new FolderGrants();
    await grants.add(photos);
    const registered: { scheme: string; handler: (r: Request) => Promise<Response> }[] = [];
    const protocol = {
      handle: (scheme: string, h: (r: Request) => Promise<Response>) => registered.push({ scheme, handler: h }),
    };
    registerImageProtocol(protocol as unknown as Protocol, createImageHandler(grants), imageCorsOrigins(undefined));
    expect(registered.map((r) => r.scheme)).toEqual([IMAGE_SCHEME]);
    handler = (registered[0] as { handler: (r: Request) => Promise<Response> }).handler;
  });
  afterAll(() => tmp.cleanup());

  const get = (path: string, init?: RequestInit) => handler(new Request(electronImageUrl(path), init));

  it('serves an image inside an opened folder', async () => {
    const res = await get(join(photos, 'sub', 'a.jpg'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const etag = res.headers.get('etag') as string;
    expect((await get(join(photos, 'sub', 'a.jpg'), { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('refuses a path-traversal request', async () => {
    const res = await get(`${photos}/sub/../../private.jpg`);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/outside the opened folders/);
    // Encoded separators and dots arrive decoded in the query and are refused the same way.
    const encoded = await handler(new Request(`${IMAGE_SCHEME}://local/?path=${photos}%2F..%2Fprivate.jpg`));
    expect(encoded.status).toBe(403);
  });

  it('refuses symlinks that lead out, non-images and relative paths', async () => {
    expect((await get(join(photos, 'escape.jpg'))).status).toBe(403);
    expect((await get(join(photos, 'notes.txt'))).status).toBe(403);
    expect((await get('photos/sub/a.jpg')).status).toBe(403);
    expect((await handler(new Request(`${IMAGE_SCHEME}://local/`))).status).toBe(400);
    expect((await get(join(photos, 'sub', 'a.jpg'), { method: 'POST' })).status).toBe(405);
  });

  it('is CORS-enabled: the app:// page fetches frames from it cross-origin (Compare)', () => {
    expect(imageSchemePrivileges().privileges).toMatchObject({
      corsEnabled: true,
      supportFetchAPI: true,
      secure: true,
    });
  });

  it("answers CORS for the app's own page only, naming its origin", async () => {
    // The page is app://loupe (app-protocol.ts); the dev server's origin in development.
    expect(imageCorsOrigins(undefined)).toEqual(['app://loupe']);
    expect(imageCorsOrigins('http://localhost:5173')).toEqual(['http://localhost:5173']);
    const a = join(photos, 'sub', 'a.jpg');
    const res = await get(a, { headers: { origin: 'app://loupe' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('app://loupe');
    expect(res.headers.get('vary')).toBe('Origin');
    // No Origin (an <img> load): the app's origin all the same, never `*`.
    expect((await get(a)).headers.get('access-control-allow-origin')).toBe('app://loupe');
    // Not an opaque origin (every file:// page, a sandboxed frame), not file://, not another site.
    for (const origin of ['null', 'file://', 'https://evil.example', 'app://evil']) {
      const foreign = await get(a, { headers: { origin } });
      expect(foreign.status, origin).toBe(403);
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    }
    // Refusals are readable by the app (a 403 the frame cache can report, not a CORS error).
    const outside = await get(join(tmp.path, 'private.jpg'), { headers: { origin: 'app://loupe' } });
    expect(outside.status).toBe(403);
    expect(outside.headers.get('access-control-allow-origin')).toBe('app://loupe');
    const etag = (await get(a)).headers.get('etag') as string;
    const notModified = await get(a, { headers: { origin: 'app://loupe', 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('access-control-allow-origin')).toBe('app://loupe');
  });

  it('sends no CORS headers when serving its own origin (the web host)', async () => {
    const grants = new FolderGrants();
    await grants.add(photos);
    const res = await createImageHandler(grants)(new Request(electronImageUrl(join(photos, 'sub', 'a.jpg'))));
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
