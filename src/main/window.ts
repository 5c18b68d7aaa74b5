import { BrowserWindow, shell, type WebContents } from 'electron';
import { isAllowedExternalUrl } from './external-links';

export interface WindowOptions {
  preloadPath: string;
  /** app://loupe/index.html in production, the dev server URL in development. */
  load: (win: BrowserWindow) => Promise<void>;
  isTrustedUrl: (url: string) => boolean;
}

/** The main window: isolated, sandboxed, no Node in the renderer. */
export function createMainWindow(options: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 920,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Loupe',
    backgroundColor: '#111317',
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  hardenContents(win.webContents, options.isTrustedUrl);
  win.once('ready-to-show', () => win.show());
  void options.load(win);
  return win;
}

/**
 * No navigation away from the app, no new windows, no webviews. A link to one of the allowed
 * https hosts (external-links.ts) opens in the system browser; any other is dropped. Applied to
 * every WebContents the app creates.
 */
export function hardenContents(contents: WebContents, isTrustedUrl: (url: string) => boolean): void {
  const openOutside = (url: string): void => {
    if (isAllowedExternalUrl(url)) void shell.openExternal(url);
  };
  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (isTrustedUrl(url)) return;
    event.preventDefault();
    openOutside(url);
  });
  contents.on('will-redirect', (event, url) => {
    if (!isTrustedUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
