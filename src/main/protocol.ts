import type { Protocol } from 'electron';
import { IMAGE_SCHEME } from '../core/contract/image-url';
import type { ImageHandler } from '../host/image-handler';
import { APP_ORIGIN } from './app-protocol';

/**
 * Must run before `app.ready`: the image scheme behaves like https (fetch, streaming, CSP).
 * `corsEnabled`: the page (`app://loupe`, or the dev server) is another origin than
 * `loupe-image://`, and Electron refuses a cross-origin `fetch()` of a custom scheme that is not
 * CORS-enabled (electron/electron#51152). `<img>` loads work either way; Compare's frames are
 * fetched and decoded (`createImageBitmap`, `getImageData`), so they need it.
 */
export function imageSchemePrivileges(): Electron.CustomScheme {
  return {
    scheme: IMAGE_SCHEME,
    privileges: {
      standard: true,
      secure: true,
      supportFetchAPI: true,
      stream: true,
      corsEnabled: true,
      bypassCSP: false,
    },
  };
}

/**
 * The origins of Loupe's own page, the only ones the image scheme answers cross-origin: the dev
 * server's in development, else the app's own `app://loupe` (app-protocol.ts). Never `null`: an
 * opaque origin is what every `file://` page and sandboxed frame has. Other pages cannot reach the
 * scheme: navigation, new windows and webviews are blocked (see window.ts).
 */
export function imageCorsOrigins(devServerUrl: string | undefined): string[] {
  return devServerUrl ? [new URL(devServerUrl).origin] : [APP_ORIGIN];
}

/**
 * Serve `loupe-image://local/?path=…` from the folders the user opened. The handler itself (path
 * confinement, content types, ETags, CORS) is shared with the web host; see host/image-handler.
 */
export function registerImageProtocol(protocol: Protocol, handler: ImageHandler, corsOrigins: readonly string[]): void {
  protocol.handle(IMAGE_SCHEME, (request) => handler(request, { corsOrigins }));
}
