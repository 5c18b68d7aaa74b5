/** The custom scheme Electron registers for local images (see src/main/protocol.ts). */
export const IMAGE_SCHEME = 'loupe-image';

/** The URL the Electron renderer loads for a local image. */
export function electronImageUrl(path: string): string {
  return `${IMAGE_SCHEME}://local/?path=${encodeURIComponent(path)}`;
}

/** The URL the browser renderer loads for a local image from the web host. */
export function webImageUrl(path: string): string {
  return `/api/image?path=${encodeURIComponent(path)}`;
}
