/** The custom scheme Electron registers for local images (see src/main/protocol.ts). */
export const IMAGE_SCHEME = 'loupe-image';

/** The URL the Electron renderer loads for a local image. */
export function electronImageUrl(path: string): string {
  return `${IMAGE_SCHEME}://local/?path=${encodeURIComponent(path)}`;
}

/**
 * The `<meta name=…>` through which a web host serving images from a second origin (its
 * `imagePort` test configuration) tells the page where the image route is.
 */
export const IMAGE_BASE_META = 'loupe-image-base';

/**
 * The URL the browser renderer loads for a local image from the web host: its own image route,
 * or `base`, the image route of another origin (which carries its own token).
 */
export function webImageUrl(path: string, base = '/api/image'): string {
  return `${base}${base.includes('?') ? '&' : '?'}path=${encodeURIComponent(path)}`;
}
