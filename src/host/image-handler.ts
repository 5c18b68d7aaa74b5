import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import type { FolderGrants } from './folder-grants';

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.avif': 'image/avif',
  '.bmp': 'image/bmp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
};

export interface ImageRequestOptions {
  /**
   * The page origins allowed to read images cross-origin (`fetch()` + `createImageBitmap`, as
   * Compare does), when the images are served from another origin than the page's: the desktop
   * app's `loupe-image://` scheme under its `app://loupe` page, or the web host's second image port.
   * A request whose `Origin` is listed gets it back in `Access-Control-Allow-Origin`; one without
   * an `Origin` gets the first; a foreign `Origin` is refused (403). Omitted: same-origin serving,
   * no CORS headers.
   */
  corsOrigins?: readonly string[];
}

export type ImageHandler = (request: Request, options?: ImageRequestOptions) => Promise<Response>;

/**
 * Serve a local image for a request URL carrying `?path=`. Shared by Electron's protocol handler
 * and the web host's image route: only image files inside granted folders are served; anything
 * else is 403 (outside, or not an image) or 404 (missing).
 */
export function createImageHandler(grants: FolderGrants): ImageHandler {
  return async (request, options = {}) => {
    const cors = corsHeaders(request, options.corsOrigins);
    if (cors === 'foreign') return text(403, 'foreign origin', {});
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'method not allowed', cors);
    const requested = new URL(request.url).searchParams.get('path');
    if (!requested) return text(400, 'missing path', cors);
    const type = CONTENT_TYPES[extname(requested).toLowerCase()];
    if (!type) return text(403, 'not an image', cors);
    const resolved = await grants.resolve(requested);
    if (resolved === null) return text(403, 'outside the opened folders', cors);
    const st = await stat(resolved).catch(() => null);
    if (!st?.isFile()) return text(404, 'not found', cors);
    const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
    const headers = {
      ...cors,
      'content-type': type,
      'cache-control': 'no-cache',
      etag,
      'last-modified': st.mtime.toUTCString(),
      'x-content-type-options': 'nosniff',
    };
    if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers });
    if (request.method === 'HEAD')
      return new Response(null, { status: 200, headers: { ...headers, 'content-length': String(st.size) } });
    const body = Readable.toWeb(createReadStream(resolved)) as ReadableStream<Uint8Array>;
    return new Response(body, { status: 200, headers: { ...headers, 'content-length': String(st.size) } });
  };
}

/**
 * The CORS headers of a response: the allowed origin named explicitly (never `*`), and `Vary:
 * Origin` since the answer depends on it. Errors carry them too, so the page can read the status.
 */
function corsHeaders(request: Request, allowed: readonly string[] | undefined): Record<string, string> | 'foreign' {
  if (!allowed?.length) return {};
  const origin = request.headers.get('origin');
  if (origin !== null && !allowed.includes(origin)) return 'foreign';
  return { 'access-control-allow-origin': origin ?? (allowed[0] as string), vary: 'Origin' };
}

function text(status: number, message: string, cors: Record<string, string>): Response {
  return new Response(message, { status, headers: { ...cors, 'content-type': 'text/plain; charset=utf-8' } });
}
