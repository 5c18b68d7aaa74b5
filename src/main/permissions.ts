import type { Session } from 'electron';

/**
 * The web permissions Loupe's page may use: none. Nothing in the renderer asks for one (job
 * notifications are main's native ones), so every request and every check is refused, from the
 * app's own page and from anything else. A permission a feature comes to need is added here, for
 * the app's own origin only.
 */
export const PAGE_PERMISSIONS: ReadonlySet<string> = new Set<string>();

/** Whether `permission` is allowed for a page at `url` (an origin or a full URL). */
export function permissionAllowed(permission: string, url: string, isTrustedOrigin: (url: string) => boolean): boolean {
  return PAGE_PERMISSIONS.has(permission) && isTrustedOrigin(url);
}

/**
 * Both of Chromium's permission paths: requests (a prompt would appear) and checks (an API asks
 * whether it may, without a prompt: `navigator.permissions.query`, clipboard, HID, serial…).
 */
export function applyPermissionPolicy(
  session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>,
  isTrustedOrigin: (url: string) => boolean,
): void {
  session.setPermissionRequestHandler((_wc, permission, callback, details) =>
    callback(permissionAllowed(permission, details.requestingUrl ?? '', isTrustedOrigin)),
  );
  session.setPermissionCheckHandler((_wc, permission, requestingOrigin) =>
    permissionAllowed(permission, requestingOrigin, isTrustedOrigin),
  );
}
