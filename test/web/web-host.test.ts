import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AppEvent } from '../../src/shared/ipc';
import { createHost, type Host } from '../../src/host/host';
import { nodeEngineSpawner } from '../../src/host/node-spawn';
import { startWebHost, type WebHost } from '../../src/web/server/web-host';
import { writeFixtureModels } from '../fixtures/onnx-models';
import { jpeg } from '../fixtures/images';
import { builtEngine, builtRenderer, repoRoot, tempDir, waitFor } from '../helpers';

const TOKEN = 'test-token-0123456789abcdef';

describe('local web host', () => {
  let host: Host;
  let web: WebHost;
  let tmp: { path: string; cleanup: () => Promise<void> };
  let base: string;
  let photos: string;

  beforeAll(async () => {
    tmp = await tempDir();
    await writeFixtureModels(join(tmp.path, 'models'));
    photos = join(tmp.path, 'photos');
    await mkdir(photos);
    await writeFile(join(photos, 'a.jpg'), await jpeg(32, 24));
    await writeFile(join(tmp.path, 'secret.jpg'), await jpeg(8, 8));
    await symlink(join(tmp.path, 'secret.jpg'), join(photos, 'link.jpg'));
    host = await createHost({
      kind: 'web',
      name: 'Loupe',
      version: 'test',
      paths: {
        dataDir: join(tmp.path, 'data'),
        cacheDir: join(tmp.path, 'data', 'cache'),
        resourcesDir: join(repoRoot, 'resources'),
      },
      spawn: nodeEngineSpawner(builtEngine, { silent: true }),
      extraModelDirs: [join(tmp.path, 'models')],
    });
    await host.engine.start();
    web = await startWebHost({
      port: 0,
      rendererDir: builtRenderer,
      token: TOKEN,
      handlers: host.handlers,
      subscribe: (l) => host.engine.subscribe(l),
      images: host.images,
    });
    base = `http://127.0.0.1:${web.port}`;
  });
  afterAll(async () => {
    await web.close();
    await host.stop();
    await tmp.cleanup();
  });

  const invoke = (channel: string, args: unknown[], headers: Record<string, string> = {}) =>
    fetch(`${base}/api/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-loupe-token': TOKEN, ...headers },
      body: JSON.stringify({ channel, args }),
    });

  it('binds 127.0.0.1 and prints a URL carrying the token', () => {
    expect(web.url).toBe(`http://127.0.0.1:${web.port}/?token=${TOKEN}`);
  });

  it('refuses requests without the token (401)', async () => {
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/?token=wrong`)).status).toBe(401);
    const noToken = await fetch(`${base}/api/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(noToken.status).toBe(401);
    expect((await fetch(`${base}/api/image?path=${encodeURIComponent(join(photos, 'a.jpg'))}`)).status).toBe(401);
  });

  it('serves the app with the token, sets an HttpOnly cookie and a strict CSP', async () => {
    const res = await fetch(`${base}/?token=${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(new RegExp(`^loupe_token_${web.port}=.*HttpOnly; SameSite=Strict`));
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('<div id="root">');
    const cookie = `loupe_token_${web.port}=${TOKEN}`;
    const viaCookie = await fetch(`${base}/api/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ channel: 'jobs:list', args: [] }),
    });
    expect(await viaCookie.json()).toEqual({ ok: true, value: [] });
  });

  it('names its token cookie per port: a second host on this machine neither overwrites nor opens it', async () => {
    // Browsers do not keep cookies apart by port: under one name, the host opened last would
    // overwrite the first one's cookie and that tab would lose its session.
    const other = await startWebHost({
      port: 0,
      rendererDir: builtRenderer,
      token: 'other-token-0123456789abcdef',
      handlers: host.handlers,
      subscribe: (l) => host.engine.subscribe(l),
      images: host.images,
    });
    try {
      const name = (setCookie: string | null): string => (setCookie ?? '').split('=')[0] ?? '';
      const mine = name((await fetch(`${base}/?token=${TOKEN}`)).headers.get('set-cookie'));
      const theirs = name(
        (await fetch(`http://127.0.0.1:${other.port}/?token=other-token-0123456789abcdef`)).headers.get('set-cookie'),
      );
      expect(mine).toBe(`loupe_token_${web.port}`);
      expect(theirs).toBe(`loupe_token_${other.port}`);
      // The browser sends both cookies to both ports; each host reads its own.
      const both = `${theirs}=other-token-0123456789abcdef; ${mine}=${TOKEN}`;
      const list = (port: number, cookie: string) =>
        fetch(`http://127.0.0.1:${port}/api/invoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie },
          body: JSON.stringify({ channel: 'jobs:list', args: [] }),
        });
      expect((await list(web.port, both)).status).toBe(200);
      expect((await list(other.port, both)).status).toBe(200);
      expect((await list(web.port, `${theirs}=other-token-0123456789abcdef`)).status).toBe(401);
      // The old shared name opens nothing.
      expect((await list(web.port, `loupe_token=${TOKEN}`)).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('refuses foreign origins and hosts (CSRF, DNS rebinding) and non-JSON posts', async () => {
    expect((await invoke('jobs:list', [], { origin: 'https://evil.example' })).status).toBe(403);
    expect((await invoke('jobs:list', [], { origin: `http://localhost:${web.port}` })).status).toBe(200);
    // fetch() will not forge a Host header; a raw request can, as a rebinding page's would be.
    const rebinding = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: web.port,
          path: '/api/invoke',
          method: 'POST',
          headers: { host: `evil.example:${web.port}`, 'content-type': 'application/json', 'x-loupe-token': TOKEN },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    expect(rebinding).toBe(403);
    const form = await fetch(`${base}/api/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-loupe-token': TOKEN },
      body: '{}',
    });
    expect(form.status).toBe(415);
  });

  it('answers verbs with Results, errors typed', async () => {
    const unknown = await (await invoke('jobs:explode', [])).json();
    expect(unknown).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    const missing = await (await invoke('folders:open', [join(tmp.path, 'nope')])).json();
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const info = await (await invoke('app:info', [])).json();
    expect(info.value).toMatchObject({ host: 'web', engineState: 'ready' });
    const models = await (await invoke('models:list', [{ probe: false }])).json();
    // The fixture models (the user's folder) beside the bundled ones.
    expect(
      models.value
        .filter((m: { source: string }) => m.source === 'user')
        .map((m: { id: string }) => m.id)
        .sort(),
    ).toEqual(['corrupt', 'fixture-blur', 'tiny-pose']);
    const listing = await (await invoke('folders:list', [photos])).json();
    expect(listing.value.entries.map((e: { name: string }) => e.name)).toEqual(['a.jpg', 'link.jpg']);
  });

  it('serves images only from opened folders: traversal and symlink escapes are refused', async () => {
    const image = (p: string) =>
      fetch(`${base}/api/image?path=${encodeURIComponent(p)}`, { headers: { 'x-loupe-token': TOKEN } });
    expect((await image(join(photos, 'a.jpg'))).status).toBe(403); // not opened yet
    const opened = await (await invoke('folders:open', [photos])).json();
    expect(opened.value).toMatchObject({ path: photos, imageCount: 2 });
    const res = await image(join(photos, 'a.jpg'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    expect((await image(`${photos}/../secret.jpg`)).status).toBe(403);
    expect((await image(join(photos, 'link.jpg'))).status).toBe(403);
    expect((await image(join(photos, 'missing.jpg'))).status).toBe(403);
    expect((await image('/etc/passwd')).status).toBe(403);
  });

  it('streams engine events over the WebSocket, only with the token', async () => {
    const refused = new WebSocket(`ws://127.0.0.1:${web.port}/api/events`);
    const refusal = await new Promise<string>((resolve) => {
      refused.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      refused.on('error', (e) => resolve(e.message));
    });
    expect(refusal).toMatch(/401/);

    const ws = new WebSocket(`ws://127.0.0.1:${web.port}/api/events`, {
      headers: { cookie: `loupe_token_${web.port}=${TOKEN}` },
    });
    const events: AppEvent[] = [];
    ws.on('message', (m) => events.push(JSON.parse(String(m)) as AppEvent));
    await new Promise((resolve) => ws.once('open', resolve));
    const submitted = await (
      await invoke('jobs:submit', [{ kind: 'benchmark-model', modelId: 'fixture-blur', iterations: 30 }])
    ).json();
    expect(submitted.ok).toBe(true);
    await waitFor(
      () => events.find((e) => e.name === 'job:progress' && e.payload.status === 'completed'),
      20_000,
      'completed event',
    );
    expect(events.some((e) => e.name === 'job:items')).toBe(true);
    ws.close();
  });

  it('carries events only: a request sent on the WebSocket is refused and the socket closed', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${web.port}/api/events`, { headers: { 'x-loupe-token': TOKEN } });
    await new Promise((resolve) => ws.once('open', resolve));
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    // What the engine protocol's request looks like, and the web API's verb shape: neither is answered.
    ws.send(JSON.stringify({ type: 'request', id: 1, method: 'jobs.submit', params: { kind: 'scan-images' } }));
    expect(await closed).toEqual({ code: 1008, reason: 'events only: call verbs through /api/invoke' });
  });

  describe('with images on a second origin (imagePort, the cross-origin test configuration)', () => {
    let cross: WebHost;
    let page: string;
    let imageBase: string;
    const raw = (port: number, path: string, headers: Record<string, string>) =>
      new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, headers: res.headers });
        });
        req.on('error', reject);
        req.end();
      });

    beforeAll(async () => {
      cross = await startWebHost({
        port: 0,
        rendererDir: builtRenderer,
        token: TOKEN,
        handlers: host.handlers,
        subscribe: (l) => host.engine.subscribe(l),
        images: host.images,
        imagePort: 0,
      });
      page = `http://127.0.0.1:${cross.port}`;
      await host.grants.add(photos);
      const html = await (await fetch(`${page}/?token=${TOKEN}`)).text();
      imageBase = /<meta name="loupe-image-base" content="([^"]+)"/.exec(html)?.[1] ?? '';
    });
    afterAll(() => cross.close());

    const image = (p: string, headers: Record<string, string> = {}) =>
      fetch(`${imageBase}&path=${encodeURIComponent(p)}`, { headers });

    it('listens on another port of 127.0.0.1 and names it in the page and its CSP', async () => {
      expect(cross.imageOrigin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(cross.imageOrigin).not.toBe(page);
      expect(imageBase).toMatch(new RegExp(`^${cross.imageOrigin}/api/image\\?token=[\\w-]{32}$`));
      expect(imageBase).not.toContain(TOKEN);
      const res = await fetch(`${page}/?token=${TOKEN}`);
      const header = res.headers.get('content-security-policy') ?? '';
      expect(header).toContain(`img-src 'self' data: blob: ${cross.imageOrigin}`);
      expect(header).toContain(`connect-src 'self' ${cross.imageOrigin}`);
      // The meta policy applies besides the header's, so it names the image origin too.
      const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(await res.text())?.[1];
      expect(meta).toBe(header.replace("; frame-ancestors 'none'", ''));
    });

    it("serves images only there, to the page's origin, with its own token", async () => {
      const a = join(photos, 'a.jpg');
      // The page's own origin no longer serves images: a page asking there is wrong.
      const own = await fetch(`${page}/api/image?path=${encodeURIComponent(a)}`, {
        headers: { 'x-loupe-token': TOKEN },
      });
      expect(own.status).toBe(404);
      for (const origin of [page, `http://localhost:${cross.port}`]) {
        const res = await image(a, { origin });
        expect(res.status).toBe(200);
        expect(res.headers.get('access-control-allow-origin')).toBe(origin);
        expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
      }
      expect((await image(a)).headers.get('access-control-allow-origin')).toBe(page);
      expect((await image(a, { origin: 'https://evil.example' })).status).toBe(403);
      expect((await image(a, { origin: 'null' })).status).toBe(403);
      // Still confined to the granted folders.
      expect((await image(`${photos}/../secret.jpg`, { origin: page })).status).toBe(403);
      expect((await image(join(photos, 'link.jpg'), { origin: page })).status).toBe(403);
    });

    it('refuses requests without the image token, other paths and foreign hosts', async () => {
      const imagePort = Number(new URL(cross.imageOrigin as string).port);
      const path = `/api/image?path=${encodeURIComponent(join(photos, 'a.jpg'))}`;
      expect((await fetch(`${cross.imageOrigin}${path}`)).status).toBe(401);
      // The session token opens the app, not this origin (nor a cookie, which a CORS fetch omits).
      expect((await fetch(`${cross.imageOrigin}${path}&token=${TOKEN}`)).status).toBe(401);
      expect(
        (await fetch(`${cross.imageOrigin}${path}`, { headers: { cookie: `loupe_token_${cross.port}=${TOKEN}` } }))
          .status,
      ).toBe(401);
      const token = new URL(imageBase).searchParams.get('token') as string;
      expect((await fetch(`${cross.imageOrigin}/api/invoke?token=${token}`)).status).toBe(404);
      expect((await fetch(`${cross.imageOrigin}/?token=${token}`)).status).toBe(404);
      const rebinding = await raw(imagePort, `${path}&token=${token}`, { host: `evil.example:${imagePort}` });
      expect(rebinding.status).toBe(403);
      // The image token does not open the app either.
      expect((await fetch(`${page}/?token=${token}`)).status).toBe(401);
    });
  });
});
