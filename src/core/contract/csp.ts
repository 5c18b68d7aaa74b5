export interface CspOptions {
  /** Electron's image scheme (`loupe-image`): images and fetches come from it. */
  imageScheme?: string;
  /** Other origins images come from (the web host's image port, see web-host.ts `imagePort`). */
  imageOrigins?: readonly string[];
  /** The policy for a `<meta>` tag, which cannot carry `frame-ancestors`. */
  meta?: boolean;
}

/**
 * The renderer's Content-Security-Policy, one definition for both hosts: Electron adds its image
 * scheme; the web host serves images from its own origin. (src/renderer/index.html carries the
 * same policy as a meta tag for the first paint; a test keeps them in step.)
 */
export function rendererCsp(options: CspOptions = {}): string {
  const images = [...(options.imageScheme ? [`${options.imageScheme}:`] : []), ...(options.imageOrigins ?? [])].map(
    (s) => ` ${s}`,
  );
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob:${images.join('')}`,
    `connect-src 'self'${images.join('')}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    ...(options.meta ? [] : ["frame-ancestors 'none'"]),
  ].join('; ');
}
