import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from '../helpers';

/**
 * src/main/index.ts run against a stand-in for Electron (no binary here): what it registers before
 * the app is ready, and what it does once it is. The engine answers `ready` at once.
 */
const fake = vi.hoisted(() => {
  type Listener = (...args: unknown[]) => void;
  const state = {
    ready: null as null | (() => void),
    appListeners: new Map<string, Listener[]>(),
    schemes: [] as unknown[],
    schemeCalls: 0,
    handled: new Map<string, (request: Request) => Promise<Response>>(),
    ipc: new Map<string, (event: unknown, ...args: unknown[]) => unknown>(),
    permissionCheck: null as null | ((...args: unknown[]) => boolean),
    permissionRequest: null as null | ((...args: unknown[]) => void),
    loaded: [] as { how: string; target: string }[],
    headerHooks: [] as ((details: unknown, cb: (r: unknown) => void) => void)[],
    windows: [] as FakeWindow[],
    userData: '',
    order: [] as string[],
  };
  class Emitter {
    listeners = new Map<string, Listener[]>();
    on(event: string, l: Listener): this {
      this.listeners.set(event, [...(this.listeners.get(event) ?? []), l]);
      return this;
    }
    once(event: string, l: Listener): this {
      return this.on(event, l);
    }
    emit(event: string, ...args: unknown[]): void {
      for (const l of this.listeners.get(event) ?? []) l(...args);
    }
  }
  class FakeWindow extends Emitter {
    static nextId = 1;
    id = FakeWindow.nextId++;
    webContents = Object.assign(new Emitter(), {
      setWindowOpenHandler: () => undefined,
      postMessage: () => undefined,
      send: () => undefined,
    });
    focused = 0;
    constructor(public options: unknown) {
      super();
      state.windows.push(this);
    }
    static getFocusedWindow(): null {
      return null;
    }
    isDestroyed = () => false;
    isMinimized = () => false;
    restore = () => undefined;
    show = () => undefined;
    focus = () => {
      this.focused++;
    };
    setProgressBar = () => undefined;
    loadFile = async (target: string) => void state.loaded.push({ how: 'loadFile', target });
    loadURL = async (target: string) => void state.loaded.push({ how: 'loadURL', target });
  }
  const app = {
    isPackaged: false,
    getName: () => 'Loupe',
    getVersion: () => '0.0.0-test',
    getAppPath: () => '/app',
    getPath: () => state.userData,
    setPath: () => undefined,
    requestSingleInstanceLock: () => true,
    quit: () => undefined,
    whenReady: () => {
      state.order.push('whenReady');
      return new Promise<void>((resolve) => (state.ready = resolve));
    },
    on: (event: string, l: Listener) => {
      state.order.push(`on:${event}`);
      state.appListeners.set(event, [...(state.appListeners.get(event) ?? []), l]);
    },
  };
  const module = {
    app,
    BrowserWindow: FakeWindow,
    dialog: { showErrorBox: () => undefined, showOpenDialog: async () => ({ canceled: true, filePaths: [] }) },
    Menu: { buildFromTemplate: () => ({}), setApplicationMenu: () => undefined },
    MessageChannelMain: class {
      port1 = {};
      port2 = {};
    },
    Notification: { isSupported: () => false },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown[]) => {
        state.schemeCalls++;
        state.schemes.push(...s);
      },
      handle: (scheme: string, h: (request: Request) => Promise<Response>) => state.handled.set(scheme, h),
    },
    session: {
      defaultSession: {
        webRequest: {
          onHeadersReceived: (h: (d: unknown, cb: (r: unknown) => void) => void) => state.headerHooks.push(h),
        },
        setPermissionRequestHandler: (h: (...args: unknown[]) => void) => (state.permissionRequest = h),
        setPermissionCheckHandler: (h: (...args: unknown[]) => boolean) => (state.permissionCheck = h),
      },
    },
    ipcMain: {
      handle: (channel: string, h: (event: unknown, ...args: unknown[]) => unknown) => state.ipc.set(channel, h),
      removeHandler: () => undefined,
    },
    shell: { openExternal: async () => undefined },
    utilityProcess: {
      fork: () => {
        const proc = Object.assign(new Emitter(), { pid: 1, kill: () => undefined, postMessage: () => undefined });
        setTimeout(() => proc.emit('message', { type: 'ready', info: {} }), 0);
        return proc;
      },
    },
  };
  return { state, module };
});
vi.mock('electron', () => fake.module);

describe('main/index (Electron glue, on a stand-in Electron)', () => {
  beforeEach(async () => {
    vi.resetModules();
    fake.state.userData = await mkdtemp(join(tmpdir(), 'loupe-main-'));
    fake.state.appListeners.clear();
    fake.state.schemes.length = 0;
    fake.state.schemeCalls = 0;
    fake.state.handled.clear();
    fake.state.ipc.clear();
    fake.state.permissionCheck = null;
    fake.state.permissionRequest = null;
    fake.state.loaded.length = 0;
    fake.state.headerHooks.length = 0;
    fake.state.windows.length = 0;
    fake.state.order.length = 0;
    delete process.env.ELECTRON_RENDERER_URL;
    delete process.env.LOUPE_DEV_CSP_NONCE;
  });
  afterEach(async () => {
    for (const l of fake.state.appListeners.get('before-quit') ?? []) l({ preventDefault: () => undefined });
    await rm(fake.state.userData, { recursive: true, force: true });
  });

  it("registers 'second-instance', the app:// scheme and the CORS-enabled image scheme before anything is awaited", async () => {
    await import('../../src/main/index');
    expect(fake.state.order.indexOf('on:second-instance')).toBeGreaterThanOrEqual(0);
    expect(fake.state.order.indexOf('on:second-instance')).toBeLessThan(fake.state.order.indexOf('whenReady'));
    // One call (Electron takes only one), both schemes.
    expect(fake.state.schemeCalls).toBe(1);
    expect(fake.state.schemes).toEqual([
      expect.objectContaining({
        scheme: 'app',
        privileges: expect.objectContaining({ standard: true, secure: true, bypassCSP: false }),
      }),
      expect.objectContaining({ scheme: 'loupe-image', privileges: expect.objectContaining({ corsEnabled: true }) }),
    ]);
  });

  it('loads the renderer from app://loupe, not file://, and trusts only that page', async () => {
    await import('../../src/main/index');
    fake.state.ready?.();
    await waitFor(() => fake.state.loaded[0], 20_000, 'the window to load');
    expect(fake.state.loaded).toEqual([{ how: 'loadURL', target: 'app://loupe/index.html' }]);
    // The scheme serves the built renderer, with its CSP.
    const app = fake.state.handled.get('app') as (request: Request) => Promise<Response>;
    const index = await app(new Request('app://loupe/index.html'));
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toMatch(/script-src 'self';/);
    expect(fake.state.handled.has('loupe-image')).toBe(true);
    // IPC answers the app:// page and refuses a file:// one (any local file would be that origin).
    const list = fake.state.ipc.get('settings:get') as (
      event: unknown,
    ) => Promise<{ ok: boolean; error?: { code: string } }>;
    expect(await list({ senderFrame: { url: 'file:///app/out/renderer/index.html' } })).toMatchObject({
      ok: false,
      error: { code: 'PERMISSION_DENIED' },
    });
    const fromApp = await list({ senderFrame: { url: 'app://loupe/index.html' } });
    expect(fromApp.error?.code).not.toBe('PERMISSION_DENIED');
  });

  it('refuses every web permission, both asked for and only checked', async () => {
    await import('../../src/main/index');
    fake.state.ready?.();
    const check = (await waitFor(() => fake.state.permissionCheck ?? undefined, 20_000, 'the check handler')) as (
      ...args: unknown[]
    ) => boolean;
    for (const permission of ['notifications', 'clipboard-read', 'media', 'hid', 'serial', 'geolocation'])
      for (const origin of ['app://loupe', 'https://evil.example', 'null'])
        expect(check(null, permission, origin, {}), `${permission} ${origin}`).toBe(false);
    const answers: boolean[] = [];
    fake.state.permissionRequest?.(null, 'notifications', (granted: boolean) => answers.push(granted), {
      requestingUrl: 'app://loupe/index.html',
    });
    fake.state.permissionRequest?.(null, 'media', (granted: boolean) => answers.push(granted), {
      requestingUrl: 'https://evil.example/',
    });
    expect(answers).toEqual([false, false]);
  });

  it('answers a second launch made while starting: the window is focused once it is ready', async () => {
    await import('../../src/main/index');
    for (const l of fake.state.appListeners.get('second-instance') ?? []) l();
    fake.state.ready?.();
    const win = await waitFor(() => fake.state.windows[0], 20_000, 'the main window');
    win.emit('ready-to-show');
    expect(win.focused).toBe(1);
    // Once the window exists, a later launch focuses it straight away.
    for (const l of fake.state.appListeners.get('second-instance') ?? []) l();
    expect(win.focused).toBe(2);
  });

  it('sends the production CSP, or the nonce dev policy when ELECTRON_RENDERER_URL is set', async () => {
    const cspOf = async (): Promise<string> => {
      fake.state.ready?.();
      const hook = await waitFor(() => fake.state.headerHooks[0], 20_000, 'the CSP hook');
      let headers: Record<string, string[]> = {};
      hook(
        { responseHeaders: {} },
        (r) => (headers = (r as { responseHeaders: Record<string, string[]> }).responseHeaders),
      );
      return headers['Content-Security-Policy']?.[0] ?? '';
    };
    await import('../../src/main/index');
    const production = await cspOf();
    expect(production).toMatch(/script-src 'self'; style-src 'self';/);
    expect(production).not.toContain('nonce');

    vi.resetModules();
    fake.state.headerHooks.length = 0;
    process.env.ELECTRON_RENDERER_URL = 'http://localhost:5173';
    process.env.LOUPE_DEV_CSP_NONCE = 'ZGV2LW5vbmNl';
    await import('../../src/main/index');
    const dev = await cspOf();
    expect(dev).toContain("script-src 'self' 'nonce-ZGV2LW5vbmNl'");
    expect(dev).toContain('ws://localhost:5173');
    expect(fake.state.windows.length).toBeGreaterThan(0);
  });
});
