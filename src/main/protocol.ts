import type { Protocol } from 'electron';
import { IMAGE_SCHEME } from '../core/contract/image-url';

/** Must run before `app.ready`: the image scheme behaves like https (fetch, streaming, CSP). */
export function imageSchemePrivileges(): Electron.CustomScheme {
  return {
    scheme: IMAGE_SCHEME,
    privileges: {
      standard: true,
      secure: true,
      supportFetchAPI: true,
      stream: true,
      corsEnabled: false,
      bypassCSP: false,
    },
  };
}

/**
 * Serve `loupe-image://local/?path=…` from the folders the user opened. The handler itself (path
 * confinement, content types, ETags) is shared with the web host; see engine/host/image-handler.
 */
export function registerImageProtocol(protocol: Protocol, handler: (request: Request) => Promise<Response>): void {
  protocol.handle(IMAGE_SCHEME, (request) => handler(request));
}
