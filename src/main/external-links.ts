/**
 * The only hosts Loupe opens in the system browser (`shell.openExternal`), over https: the
 * projects whose documentation the app may link to. Everything else a page tries to open is
 * dropped: a link to `file:`, a custom scheme, another host or plain http never leaves the app.
 */
export const EXTERNAL_LINK_HOSTS: readonly string[] = [
  'github.com',
  'onnxruntime.ai',
  'mlflow.org',
  'pytorch.org',
  'docs.pytorch.org',
];

/** Whether `url` may be opened in the system browser: https, a listed host exactly, nothing else. */
export function isAllowedExternalUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return (
    u.protocol === 'https:' &&
    u.username === '' &&
    u.password === '' &&
    u.port === '' &&
    EXTERNAL_LINK_HOSTS.includes(u.hostname.toLowerCase())
  );
}
