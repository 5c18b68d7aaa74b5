import { rendererCsp } from '../core/contract/csp';
import { IMAGE_SCHEME } from '../core/contract/image-url';

/** The CSP of the Electron renderer: the shared policy plus the image scheme. */
export const ELECTRON_CSP = rendererCsp({ imageScheme: IMAGE_SCHEME });

/** The Vite dev server the renderer loads from under `npm run dev`. */
export interface DevRenderer {
  url: string;
  origin: string;
  /** Vite's `html.cspNonce` for this dev server (electron.vite.config.ts passes it on). */
  nonce: string;
}

/** Where the environment names one, the dev server to load instead of the built renderer. */
export function devRenderer(env: NodeJS.ProcessEnv, isPackaged: boolean): DevRenderer | null {
  const url = isPackaged ? undefined : env.ELECTRON_RENDERER_URL;
  if (!url) return null;
  const nonce = env.LOUPE_DEV_CSP_NONCE;
  if (!nonce) {
    throw new Error(
      'ELECTRON_RENDERER_URL is set but LOUPE_DEV_CSP_NONCE is not: start the dev mode with `npm run dev`, whose Vite config sets both',
    );
  }
  return { url, origin: new URL(url).origin, nonce };
}

/**
 * The CSP main sends with every response the renderer loads: ELECTRON_CSP, or in development the
 * same policy letting in the dev server's nonce-carrying inline script and styles and its HMR socket.
 */
export function electronCsp(dev: DevRenderer | null): string {
  return dev ? rendererCsp({ imageScheme: IMAGE_SCHEME, dev }) : ELECTRON_CSP;
}
