/**
 * The renderer's Content-Security-Policy, one definition for both hosts: Electron adds its image
 * scheme; the web host serves images from its own origin. (src/renderer/index.html carries the
 * same policy as a meta tag for the first paint; a test keeps them in step.)
 */
export function rendererCsp(options: { imageScheme?: string } = {}): string {
  const extra = options.imageScheme ? ` ${options.imageScheme}:` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob:${extra}`,
    `connect-src 'self'${extra}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
