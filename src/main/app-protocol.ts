import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Protocol } from 'electron';

/**
 * The renderer is served from Loupe's own scheme, `app://loupe/`, rather than `file://`: a page
 * whose origin is its own (not the opaque origin every local file shares), that reaches no file
 * outside the built renderer, and a CORS origin the image scheme can name.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'loupe';
/** The page's origin, as Chromium sends it in `Origin` (a standard scheme serialises so). */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/** Whether a URL is Loupe's page (IPC senders, navigation): the index, whatever its query or hash. */
export function isAppPageUrl(url: string): boolean {
  return url.split('#')[0]?.split('?')[0] === APP_INDEX_URL;
}

/** Whether a URL or origin is the app's (`app://loupe`, any path): permission checks name origins. */
export function isAppOrigin(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * Must run before `app.ready`, with the image scheme's (one registerSchemesAsPrivileged call):
 * standard (an origin, relative URLs), secure (like https: module scripts, crypto), fetch for the
 * renderer's own assets, V8's code cache; no service workers, and the CSP applies.
 */
export function appSchemePrivileges(): Electron.CustomScheme {
  return {
    scheme: APP_SCHEME,
    privileges: {
      standard: true,
      secure: true,
      supportFetchAPI: true,
      codeCache: true,
      allowServiceWorkers: false,
      bypassCSP: false,
      corsEnabled: false,
      stream: false,
    },
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export type AppRequestHandler = (request: Request) => Promise<Response>;

/**
 * Answer `app://loupe/<path>` with a file of the built renderer (`rendererDir`), and nothing
 * else: another host, `..` or an encoded separator that leads out, a folder, a missing file or a
 * type not listed is refused. index.html carries the CSP (besides the header main adds to every
 * response) and is never cached.
 */
export function createAppHandler(rendererDir: string, csp: string): AppRequestHandler {
  const root = normalize(rendererDir);
  const rootWithSep = root.endsWith(sep) ? root : root + sep;
  return async (request) => {
    const url = new URL(request.url);
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return text(404, 'not found');
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'method not allowed');
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return text(400, 'bad path');
    }
    if (path.includes('\0')) return text(400, 'bad path');
    if (path === '/' || path === '') path = '/index.html';
    const file = normalize(join(root, path));
    if (!file.startsWith(rootWithSep)) return text(403, 'outside the app');
    const type = TYPES[extname(file).toLowerCase()];
    if (!type) return text(403, 'not served');
    if (!(await stat(file).catch(() => null))?.isFile()) return text(404, 'not found');
    const isIndex = file === join(root, 'index.html');
    const headers: Record<string, string> = {
      'content-type': type,
      'x-content-type-options': 'nosniff',
      'cache-control': isIndex ? 'no-store' : 'no-cache',
      ...(isIndex ? { 'content-security-policy': csp } : {}),
    };
    if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
    return new Response(new Uint8Array(await readFile(file)), { status: 200, headers });
  };
}

export function registerAppProtocol(protocol: Protocol, handler: AppRequestHandler): void {
  protocol.handle(APP_SCHEME, handler);
}

function text(status: number, message: string): Response {
  return new Response(message, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
  });
}
