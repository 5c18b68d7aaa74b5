import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EngineEvent } from '../../shared/events';
import { rendererCsp } from '../../core/contract/csp';
import { IMAGE_BASE_META } from '../../core/contract/image-url';
import type { IpcHandlers } from '../../host/verb';
import { invokeHandler } from '../../host/verb';
import type { ImageHandler, ImageRequestOptions } from '../../host/image-handler';

export interface WebHostOptions {
  /** 0 picks a free port. */
  port: number;
  /** The built renderer (index.html + assets). */
  rendererDir: string;
  token: string;
  handlers: IpcHandlers;
  subscribe: (listener: (event: EngineEvent) => void) => () => void;
  images: ImageHandler;
  /**
   * Serve the image route from this second port of 127.0.0.1 (a second origin) instead of the
   * page's own: the desktop app's `loupe-image://` is cross-origin to its `app://loupe` page, and this
   * test configuration (`loupe serve --image-port`) puts the browser under the same CORS rules.
   * 0 picks a free port. The page learns the route (with a token of its own) from a meta tag.
   */
  imagePort?: number;
}

export interface WebHost {
  url: string;
  port: number;
  /** The origin images are served from when it is not the page's (`imagePort`), else null. */
  imageOrigin: string | null;
  close(): Promise<void>;
}

/**
 * The token cookie's name, per port: browsers keep cookies apart by host but not by port, so under
 * one name a second `loupe serve` on this machine would overwrite the first one's cookie.
 */
export const tokenCookieName = (port: number): string => `loupe_token_${port}`;
const MAX_BODY = 1024 * 1024;

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/** The renderer's CSP when served by the web host (images come from its own origin, or `imageOrigin`). */
export const webContentSecurityPolicy = (imageOrigin: string | null = null, meta = false): string =>
  rendererCsp({ ...(imageOrigin ? { imageOrigins: [imageOrigin] } : {}), meta });

const CSP_META = /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")[^"]*(")/;

/**
 * The local web host: the built renderer and the AppApi over HTTP (verbs) and a WebSocket (events),
 * on 127.0.0.1 only. Every request needs the session token (the `?token=` of the printed URL, then
 * an HttpOnly cookie); foreign Origins and Host headers are refused, so another site open in the
 * same browser cannot drive it.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = Buffer.from(options.token);
  let port = options.port;
  const allowedHosts = (): Set<string> => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = (): Set<string> => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  // The second origin's own capability: it opens images only, nothing else of the host.
  const imageToken = Buffer.from(randomBytes(24).toString('base64url'));
  let imagePort = options.imagePort ?? null;
  const imageOrigin = (): string | null => (imagePort === null ? null : `http://127.0.0.1:${imagePort}`);

  const tokenOf = (req: IncomingMessage, url: URL): string | null =>
    url.searchParams.get('token') ??
    (req.headers['x-loupe-token'] as string | undefined) ??
    readCookie(req.headers.cookie, tokenCookieName(port));

  const authorised = (req: IncomingMessage, url: URL): boolean => matches(tokenOf(req, url), token);

  /** An image of the granted folders, answered by the shared handler (confinement, ETags, CORS). */
  const serveImage = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    cors: ImageRequestOptions = {},
  ): Promise<void> => {
    const headers = new Headers();
    for (const name of ['if-none-match', 'origin']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers.set(name, value);
    }
    const response = await options.images(new Request(url, { method: req.method ?? 'GET', headers }), cors);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) Readable.fromWeb(response.body as NodeReadableStream).pipe(res);
    else res.end();
  };

  /** Host and Origin checks: refuse DNS rebinding and cross-site requests. */
  const sameSite = (req: IncomingMessage): boolean => {
    if (!req.headers.host || !allowedHosts().has(req.headers.host)) return false;
    const origin = req.headers.origin;
    return origin === undefined || allowedOrigins().has(origin);
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `internal error: ${(e as Error).message}`);
      else res.destroy();
    });
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    if (!sameSite(req)) return send(res, 403, 'text/plain; charset=utf-8', 'forbidden: foreign host or origin');
    if (!authorised(req, url)) {
      return send(
        res,
        401,
        'text/plain; charset=utf-8',
        'unauthorised: open the URL that `loupe serve` printed (it carries the token)',
      );
    }
    const cookie = `${tokenCookieName(port)}=${options.token}; HttpOnly; SameSite=Strict; Path=/`;

    if (url.pathname === '/api/invoke') {
      if (req.method !== 'POST') return send(res, 405, 'text/plain; charset=utf-8', 'POST only');
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        return send(res, 415, 'text/plain; charset=utf-8', 'application/json only');
      }
      let body: { channel?: unknown; args?: unknown };
      try {
        body = JSON.parse(await readBody(req)) as typeof body;
      } catch (e) {
        return send(res, 400, 'text/plain; charset=utf-8', `bad request: ${(e as Error).message}`);
      }
      const result = await invokeHandler(options.handlers, body.channel, body.args);
      return send(res, 200, 'application/json', JSON.stringify(result));
    }

    if (url.pathname === '/api/image') {
      // With a second image origin, images come from there only (a page asking here is a bug).
      if (imageOrigin()) return send(res, 404, 'text/plain; charset=utf-8', `images are served from ${imageOrigin()}`);
      return serveImage(req, res, url);
    }

    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed');
    const file = await staticFile(options.rendererDir, url.pathname);
    if (!file) return send(res, 404, 'text/plain; charset=utf-8', 'not found');
    const isIndex = file.endsWith('index.html');
    res.writeHead(200, {
      'content-type': STATIC_TYPES[extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      ...(isIndex
        ? {
            'content-security-policy': webContentSecurityPolicy(imageOrigin()),
            'cache-control': 'no-store',
            'set-cookie': cookie,
          }
        : {
            'cache-control': url.pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
          }),
    });
    if (req.method === 'HEAD') return void res.end();
    const origin = imageOrigin();
    if (isIndex && origin) return void res.end(await crossOriginIndex(file, origin));
    createReadStream(file).pipe(res);
  };

  /**
   * index.html for a second image origin: its meta CSP lets that origin in (a meta policy applies
   * besides the header's), and a meta tag names the image route, with the image token.
   */
  const crossOriginIndex = async (file: string, origin: string): Promise<string> => {
    const html = await readFile(file, 'utf8');
    const base = `${origin}/api/image?token=${imageToken.toString()}`;
    return html
      .replace(
        CSP_META,
        (_m, open: string, close: string) => `${open}${webContentSecurityPolicy(origin, true)}${close}`,
      )
      .replace('</head>', `  <meta name="${IMAGE_BASE_META}" content="${base}" />\n  </head>`);
  };

  /**
   * The second origin (imagePort): only the image route, for its own Host, with the image token
   * in the URL (a cross-origin fetch sends no cookie); the handler answers CORS for the page's
   * origins and refuses others.
   */
  const handleImage = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const hosts = new Set([`127.0.0.1:${imagePort}`, `localhost:${imagePort}`]);
    if (!req.headers.host || !hosts.has(req.headers.host))
      return send(res, 403, 'text/plain; charset=utf-8', 'forbidden: foreign host');
    if (!matches(url.searchParams.get('token'), imageToken))
      return send(res, 401, 'text/plain; charset=utf-8', 'unauthorised: no image token');
    if (url.pathname !== '/api/image') return send(res, 404, 'text/plain; charset=utf-8', 'not found');
    return serveImage(req, res, url, { corsOrigins: [...allowedOrigins()] });
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    if (url.pathname !== '/api/events' || !sameSite(req) || !authorised(req, url)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attachEvents(ws));
  });

  /**
   * The page's event stream, the web host's counterpart of the desktop app's engine port: events
   * only. Anything the page sends on it is refused (1008, policy violation) and the socket closed;
   * verbs go through /api/invoke, where the host checks them.
   */
  const attachEvents = (ws: WebSocket): void => {
    const unsubscribe = options.subscribe((event) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
    });
    ws.on('message', () => {
      unsubscribe();
      ws.close(1008, 'events only: call verbs through /api/invoke');
    });
    ws.on('close', unsubscribe);
    ws.on('error', unsubscribe);
  };

  port = await listen(server, options.port);
  let imageServer: Server | null = null;
  if (imagePort !== null) {
    imageServer = createServer((req, res) => {
      void handleImage(req, res).catch((e: unknown) => {
        if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `internal error: ${(e as Error).message}`);
        else res.destroy();
      });
    });
    imagePort = await listen(imageServer, imagePort).catch(async (e: unknown) => {
      await close(server);
      throw e;
    });
  }

  return {
    port,
    url: `http://127.0.0.1:${port}/?token=${options.token}`,
    imageOrigin: imageOrigin(),
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await Promise.all([close(server), imageServer ? close(imageServer) : undefined]);
    },
  };
}

/** Listen on 127.0.0.1 only; resolves to the port (a free one for 0). */
async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** A token given in a request equals the expected one (constant time). */
function matches(given: string | null, expected: Buffer): boolean {
  if (!given) return false;
  const b = Buffer.from(given);
  return b.length === expected.length && timingSafeEqual(b, expected);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
  res.end(body);
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A file of the built renderer for a URL path; unknown paths fall back to index.html (SPA). */
async function staticFile(root: string, pathname: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const candidate = normalize(join(root, decoded));
  if (candidate !== root && !candidate.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  const st = await stat(candidate).catch(() => null);
  if (st?.isFile()) return candidate;
  if (decoded.startsWith('/assets/')) return null;
  const index = join(root, 'index.html');
  return (await stat(index).catch(() => null))?.isFile() ? index : null;
}
