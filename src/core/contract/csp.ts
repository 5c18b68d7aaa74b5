export interface CspOptions {
  /** Electron's image scheme (`loupe-image`): images and fetches come from it. */
  imageScheme?: string;
  /** Other origins images come from (the web host's image port, see web-host.ts `imagePort`). */
  imageOrigins?: readonly string[];
  /**
   * Development only (`npm run dev`, i.e. ELECTRON_RENDERER_URL set): Vite's dev server injects an
   * inline module script (React's refresh preamble) and `<style>` elements, which carry this nonce
   * (Vite's `html.cspNonce`, see electron.vite.config.ts), and its HMR WebSocket connects back to
   * `origin`. Never set in a packaged app or by the web host.
   */
  dev?: { nonce: string; origin: string };
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
  const nonce = options.dev ? ` 'nonce-${options.dev.nonce}'` : '';
  const hmr = options.dev ? ` ${options.dev.origin.replace(/^http/, 'ws')}` : '';
  return [
    "default-src 'self'",
    `script-src 'self'${nonce}`,
    `style-src 'self'${nonce}`,
    `img-src 'self' data: blob:${images.join('')}`,
    `connect-src 'self'${hmr}${images.join('')}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    ...(options.meta ? [] : ["frame-ancestors 'none'"]),
  ].join('; ');
}
