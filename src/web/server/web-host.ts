import { timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EngineEvent } from '../../shared/events';
import { rendererCsp } from '../../core/contract/csp';
import type { IpcHandlers } from '../../engine/host/app-service';
import { invokeHandler } from '../../engine/host/app-service';

export interface WebHostOptions {
  /** 0 picks a free port. */
  port: number;
  /** The built renderer (index.html + assets). */
  rendererDir: string;
  token: string;
  handlers: IpcHandlers;
  subscribe: (listener: (event: EngineEvent) => void) => () => void;
  images: (request: Request) => Promise<Response>;
}

export interface WebHost {
  url: string;
  port: number;
  close(): Promise<void>;
}

const COOKIE = 'loupe_token';
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

/** The renderer's CSP when served by the web host (images come from its own origin). */
export const webContentSecurityPolicy = (): string => rendererCsp();

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

  const tokenOf = (req: IncomingMessage, url: URL): string | null =>
    url.searchParams.get('token') ??
    (req.headers['x-loupe-token'] as string | undefined) ??
    readCookie(req.headers.cookie, COOKIE);

  const authorised = (req: IncomingMessage, url: URL): boolean => {
    const given = tokenOf(req, url);
    if (!given) return false;
    const b = Buffer.from(given);
    return b.length === token.length && timingSafeEqual(b, token);
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
    const cookie = `${COOKIE}=${options.token}; HttpOnly; SameSite=Strict; Path=/`;

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
      const headers = new Headers();
      const inm = req.headers['if-none-match'];
      if (typeof inm === 'string') headers.set('if-none-match', inm);
      const response = await options.images(new Request(url, { method: req.method ?? 'GET', headers }));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) Readable.fromWeb(response.body as NodeReadableStream).pipe(res);
      else res.end();
      return;
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
        ? { 'content-security-policy': webContentSecurityPolicy(), 'cache-control': 'no-store', 'set-cookie': cookie }
        : {
            'cache-control': url.pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
          }),
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
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

  const attachEvents = (ws: WebSocket): void => {
    const unsubscribe = options.subscribe((event) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
    });
    ws.on('close', unsubscribe);
    ws.on('error', unsubscribe);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    url: `http://127.0.0.1:${port}/?token=${options.token}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
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
