/**
 * Where a Label Studio task's image is, from the reference in its data, in every form Label Studio
 * writes (label_studio_sdk `get_local_path` lists them; the upload name is `uuid4()[:8] + "-" +
 * name` in label_studio/data_import/models.py `upload_name_generator`):
 *
 * - `/data/local-files/?d=dir/1.jpg` (and `/data/local-files?d=`), relative to the server's
 *   LOCAL_FILES_DOCUMENT_ROOT
 * - `/data/upload/<project>/<8 hex>-<name>`, and the raw keys `upload/<project>/…` of snapshots,
 *   and `/storage-data/uploaded/?filepath=upload/<project>/…`
 * - cloud storage keys `s3://bucket/key`, `gs://bucket/key`, `azure-blob://container/key`
 * - `/tasks/<id>/presign/?fileuri=<uri>` and `…/resolve/?fileuri=` (the URI raw or base64)
 * - http(s) URLs (query strings, such as presigned signatures, ignored), plain paths, `file://`
 *
 * Any of them may carry the server's origin in front.
 */

export type ImageRefKind = 'local-files' | 'upload' | 'cloud' | 'http' | 'path';

export interface ImageRef {
  kind: ImageRefKind;
  /** The file's path as the reference names it (relative to the storage), `/`-separated. */
  path: string;
  /** The file name (an upload's hash prefix removed). */
  name: string;
}

export type ImageRefResult = { ok: true; ref: ImageRef } | { ok: false; reason: string };

const UPLOAD_PREFIX = /^[0-9a-f]{8}-/;
const CLOUD = /^(s3|gs|azure-blob|azure):\/\/([^/]*)\/?(.*)$/i;

function fail(reason: string): ImageRefResult {
  return { ok: false, reason };
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The value of one query parameter, decoded as a server decodes a query (`+` is a space). */
function queryParam(query: string, name: string): string | null {
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const key = decode((eq >= 0 ? pair.slice(0, eq) : pair).replace(/\+/g, ' '));
    if (key === name) return decode((eq >= 0 ? pair.slice(eq + 1) : '').replace(/\+/g, ' '));
  }
  return null;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard or URL-safe base64 → UTF-8 text, or null. */
function fromBase64(value: string): string | null {
  const s = value.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(s) || s.length % 4 === 1) return null;
  const bytes: number[] = [];
  let bits = 0;
  let acc = 0;
  for (const ch of s) {
    acc = (acc << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((acc >> bits) & 0xff);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    return null;
  }
}

function lastSegment(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? '';
}

function fromPath(kind: ImageRefKind, rawPath: string, emptyReason: string): ImageRefResult {
  const path = rawPath.replace(/\\/g, '/').replace(/^\.\//, '');
  const name = lastSegment(path);
  if (!name || name === '.' || name === '..') return fail(emptyReason);
  return { ok: true, ref: { kind, path, name } };
}

function upload(rawPath: string): ImageRefResult {
  // upload/<project>/<8 hex>-<name>
  const r = fromPath('upload', rawPath, `the upload path "${rawPath}" names no file`);
  if (!r.ok) return r;
  const name = r.ref.name.replace(UPLOAD_PREFIX, '');
  if (!name) return fail(`the upload "${r.ref.name}" has nothing after its hash prefix`);
  return { ok: true, ref: { ...r.ref, name } };
}

/** A presign/resolve `fileuri`: the storage URI itself, or (Label Studio ≥ 1.8) its base64. */
function decodeFileUri(value: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  const text = fromBase64(value);
  return text !== null && /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : null;
}

/** Path and query of a server-relative or absolute http(s) reference. */
function splitUrl(ref: string): { path: string; query: string } {
  const withoutOrigin = ref.replace(/^https?:\/\/[^/?#]*/i, '');
  const hash = withoutOrigin.indexOf('#');
  const noHash = hash >= 0 ? withoutOrigin.slice(0, hash) : withoutOrigin;
  const q = noHash.indexOf('?');
  return q >= 0 ? { path: noHash.slice(0, q), query: noHash.slice(q + 1) } : { path: noHash, query: '' };
}

/** The image a task's data value refers to, or why none can be found. */
export function parseImageReference(value: unknown, depth = 0): ImageRefResult {
  if (typeof value !== 'string') {
    if (Array.isArray(value)) return fail('the image field holds a list (a multi-image task); Loupe takes one image');
    return fail(value === undefined || value === null ? 'the task has no image' : 'the image field is not a string');
  }
  const ref = value.trim();
  if (!ref) return fail('the image field is empty');
  if (/^data:/i.test(ref)) return fail('the image is inlined as a data: URI, which has no file name');

  const cloud = CLOUD.exec(ref);
  if (cloud) {
    const key = cloud[3] ?? '';
    return fromPath('cloud', decode(key.split('?')[0] ?? ''), `the storage URI "${ref}" names no object key`);
  }
  if (/^file:\/\//i.test(ref)) {
    return fromPath('path', decode(ref.replace(/^file:\/\/[^/]*/i, '')), `the file URL "${ref}" names no file`);
  }

  const isHttp = /^https?:\/\//i.test(ref);
  if (isHttp || ref.startsWith('/')) {
    const { path, query } = splitUrl(ref);
    const p = path.replace(/\/+$/, '');
    if (/^\/data\/local-files$/.test(p)) {
      const d = queryParam(query, 'd');
      if (d === null) return fail(`the local-files URL "${ref}" has no ?d= path`);
      return fromPath('local-files', d, `the local-files URL "${ref}" has an empty ?d= path`);
    }
    if (/^\/storage-data\/uploaded$/.test(p)) {
      const fp = queryParam(query, 'filepath');
      if (!fp) return fail(`the storage URL "${ref}" has no ?filepath=`);
      return upload(fp);
    }
    if (/^\/(tasks|projects)\/[^/]+\/(presign|resolve)$/.test(p)) {
      const fileuri = queryParam(query, 'fileuri');
      const inner = fileuri === null ? null : decodeFileUri(fileuri);
      if (!inner || depth > 0) return fail(`the presign URL "${ref}" has no readable ?fileuri=`);
      return parseImageReference(inner, depth + 1);
    }
    const uploadPath = /^(?:\/data)?\/(upload\/.*)$/.exec(p);
    if (uploadPath) return upload(decode(uploadPath[1] as string));
    if (isHttp) return fromPath('http', decode(path), `the URL "${ref}" names no file`);
    return fromPath('path', ref.split('?')[0] as string, `the path "${ref}" names no file`);
  }
  if (/^upload\//.test(ref)) return upload(decode(ref.split('?')[0] as string));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref) && !/^[a-z]:[\\/]/i.test(ref)) {
    return fail(`the image URI scheme of "${ref}" is not one Label Studio writes`);
  }
  return fromPath('path', ref, `the path "${ref}" names no file`);
}
