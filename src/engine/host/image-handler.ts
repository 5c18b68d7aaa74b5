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

/**
 * Serve a local image for a request URL carrying `?path=`. Shared by Electron's protocol handler
 * and the web host's image route: only image files inside granted folders are served; anything
 * else is 403 (outside, or not an image) or 404 (missing).
 */
export function createImageHandler(grants: FolderGrants): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'method not allowed');
    const requested = new URL(request.url).searchParams.get('path');
    if (!requested) return text(400, 'missing path');
    const type = CONTENT_TYPES[extname(requested).toLowerCase()];
    if (!type) return text(403, 'not an image');
    const resolved = await grants.resolve(requested);
    if (resolved === null) return text(403, 'outside the opened folders');
    const st = await stat(resolved).catch(() => null);
    if (!st?.isFile()) return text(404, 'not found');
    const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
    const headers = {
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

function text(status: number, message: string): Response {
  return new Response(message, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}
