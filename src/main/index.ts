/**
 * Electron main: windows, menu, dialogs, the image protocol and the broker between the renderer
 * and the engine. It never decodes pixels or runs models; the engine (a utility process) does.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, Menu, MessageChannelMain, Notification, protocol, session } from 'electron';
import { PUSH_CHANNELS, type AppEvent, type MenuCommand } from '../shared/ipc';
import type { JobSnapshot } from '../shared/jobs';
import { taskbarProgress } from '../core/jobs/aggregate';
import { createHost, type Host } from '../host/host';
import { lineLogger } from '../host/verb';
import { utilityEngineSpawner } from './engine-process';
import { bindIpc } from './ipc';
import { buildMenu } from './menu';
import { imageCorsOrigins, imageSchemePrivileges, registerImageProtocol } from './protocol';
import {
  APP_INDEX_URL,
  appSchemePrivileges,
  createAppHandler,
  isAppOrigin,
  isAppPageUrl,
  registerAppProtocol,
} from './app-protocol';
import { devRenderer, electronCsp } from './csp';
import { applyPermissionPolicy } from './permissions';
import { createMainWindow, hardenContents } from './window';

const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
const enginePath = here('./engine.js');
const preloadPath = here('../preload/index.cjs');
const rendererDir = here('../renderer');
// `npm run dev`: the renderer comes from Vite's dev server, under a CSP carrying its nonce.
const dev = devRenderer(process.env, app.isPackaged);

// The page is app://loupe/index.html (app-protocol.ts), never a file:// URL.
const isTrustedUrl = (url: string): boolean =>
  dev ? url.startsWith(dev.origin + '/') || url === dev.origin : isAppPageUrl(url);

// Both custom schemes in the one call Electron allows, before the app is ready.
protocol.registerSchemesAsPrivileged([appSchemePrivileges(), imageSchemePrivileges()]);
// A separate data folder (settings, job journal, cache) for tests and side-by-side profiles.
if (process.env.LOUPE_DATA_DIR) app.setPath('userData', process.env.LOUPE_DATA_DIR);

// One window per app: a second launch focuses it. The lock is taken and the listener added before
// anything is awaited, so a launch while this one is still starting is answered too.
if (app.requestSingleInstanceLock()) void main();
else app.quit();

function focus(win: BrowserWindow): void {
  if (win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

async function main(): Promise<void> {
  const windows = new Set<BrowserWindow>();
  // Launched again before the first window exists: focus that window once it is ready.
  let focusWhenOpen = false;
  app.on('second-instance', () => {
    const win = [...windows][0];
    if (win) focus(win);
    else focusWhenOpen = true;
  });

  await app.whenReady();
  const userData = app.getPath('userData');
  const jobs = new Map<string, JobSnapshot>();

  const host: Host = await createHost({
    kind: 'electron',
    name: app.getName(),
    version: app.getVersion(),
    paths: {
      dataDir: userData,
      cacheDir: join(userData, 'cache'),
      resourcesDir: app.isPackaged ? process.resourcesPath : join(app.getAppPath(), 'resources'),
    },
    spawn: utilityEngineSpawner(enginePath),
    resumeQuitJobs: true,
    // Verb failures to main's stderr; every call's time too under LOUPE_DEBUG_VERBS=1.
    logger: lineLogger((line) => console.warn(line), { debug: process.env.LOUPE_DEBUG_VERBS === '1' }),
    chooseFolder: async ({ title }) => {
      const parent = BrowserWindow.getFocusedWindow() ?? [...windows][0];
      const options: Electron.OpenDialogOptions = {
        title: title ?? 'Open a folder',
        properties: ['openDirectory', 'createDirectory'],
      };
      const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
  });

  // Strict CSP on every response the renderer session loads (the dev server's too, with its nonce).
  const csp = electronCsp(dev);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
  // No web permission for any page, asked for (request) or only checked (check).
  applyPermissionPolicy(session.defaultSession, (url) =>
    dev ? url === dev.origin || url.startsWith(dev.origin + '/') : isAppOrigin(url),
  );
  app.on('web-contents-created', (_e, contents) => hardenContents(contents, isTrustedUrl));

  registerAppProtocol(protocol, createAppHandler(rendererDir, csp));
  registerImageProtocol(protocol, host.images, imageCorsOrigins(dev?.url));
  bindIpc(host.handlers, isTrustedUrl);

  const pushHostEvent = (event: AppEvent): void => {
    for (const w of windows) if (!w.isDestroyed()) w.webContents.send(PUSH_CHANNELS.HOST_EVENT, event);
  };
  // A MessagePort straight from the engine to the renderer: job events never pass through main.
  // It carries events only (the engine refuses requests on it); verbs go through ipc.ts.
  const connectRenderer = (win: BrowserWindow): void => {
    if (host.engine.state !== 'ready' || win.isDestroyed()) return;
    const { port1, port2 } = new MessageChannelMain();
    host.engine.post({ type: 'connect', label: `window-${win.id}` }, [port1]);
    win.webContents.postMessage(PUSH_CHANNELS.ENGINE_PORT, null, [port2]);
  };

  host.engine.subscribe((event) => {
    if (event.name === 'engine:status') {
      pushHostEvent(event);
      if (event.payload.state === 'ready') for (const w of windows) connectRenderer(w);
    }
    if (event.name === 'job:progress') {
      const before = jobs.get(event.payload.id)?.status;
      jobs.set(event.payload.id, event.payload);
      updateTaskbar();
      if (before && before !== 'completed' && event.payload.status === 'completed') notifyDone(event.payload);
    }
    if (event.name === 'job:removed') jobs.delete(event.payload.jobId);
  });

  const updateTaskbar = (): void => {
    const p = taskbarProgress([...jobs.values()]);
    for (const w of windows) {
      if (w.isDestroyed()) continue;
      w.setProgressBar(p.value, { mode: p.mode === 'none' ? 'none' : p.mode === 'paused' ? 'paused' : p.mode });
    }
  };
  const notifyDone = (job: JobSnapshot): void => {
    if (!Notification.isSupported() || BrowserWindow.getFocusedWindow()) return;
    const failed = job.counts.failed ? `, ${job.counts.failed} failed` : '';
    new Notification({ title: `${job.title} finished`, body: `${job.counts.ok} done${failed}` }).show();
  };

  const sendMenu = (command: MenuCommand): void => pushHostEvent({ name: 'menu:command', payload: { command } });
  Menu.setApplicationMenu(buildMenu(sendMenu));

  const openWindow = (): BrowserWindow => {
    const win = createMainWindow({
      preloadPath,
      isTrustedUrl,
      load: (w) => w.loadURL(dev ? dev.url : APP_INDEX_URL),
    });
    windows.add(win);
    if (focusWhenOpen) {
      focusWhenOpen = false;
      win.once('ready-to-show', () => focus(win));
    }
    // Every (re)load of the page gets a fresh engine port; jobs live in the engine and survive it.
    win.webContents.on('did-finish-load', () => connectRenderer(win));
    win.on('closed', () => windows.delete(win));
    return win;
  };

  await host.engine.start().catch((e: unknown) => {
    dialog.showErrorBox('Loupe', `The engine could not start: ${(e as Error).message}`);
  });
  openWindow();

  app.on('activate', () => {
    if (windows.size === 0) openWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    // Let the engine journal running jobs as interrupted, then quit for real.
    void host.stop().finally(() => app.quit());
  });
}
