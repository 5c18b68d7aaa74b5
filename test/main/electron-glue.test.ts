import { beforeEach, describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS } from '../../src/shared/ipc';

/**
 * Electron cannot run on the build machines, so its module is mocked here (and only here); the
 * glue under test is kept thin enough that these checks cover what matters.
 */
const electron = vi.hoisted(() => {
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  const windows: { options: Record<string, unknown> }[] = [];
  class BrowserWindow {
    webContents: FakeContents;
    constructor(public options: Record<string, unknown>) {
      this.webContents = new FakeContents();
      windows.push({ options });
    }
    once(): void {}
  }
  class FakeContents {
    listeners = new Map<string, (...a: unknown[]) => void>();
    openHandler: ((d: { url: string }) => { action: string }) | null = null;
    setWindowOpenHandler(h: (d: { url: string }) => { action: string }): void {
      this.openHandler = h;
    }
    on(event: string, l: (...a: unknown[]) => void): void {
      this.listeners.set(event, l);
    }
  }
  return {
    handlers,
    windows,
    FakeContents,
    module: {
      ipcMain: {
        handle: (channel: string, h: (event: unknown, ...args: unknown[]) => unknown) => handlers.set(channel, h),
        removeHandler: (channel: string) => handlers.delete(channel),
      },
      BrowserWindow,
      shell: { openExternal: vi.fn(async () => undefined) },
    },
  };
});
vi.mock('electron', () => electron.module);

const { bindIpc } = await import('../../src/main/ipc');
const { createMainWindow, hardenContents } = await import('../../src/main/window');
const { ELECTRON_CSP } = await import('../../src/main/csp');

describe('main/ipc', () => {
  beforeEach(() => electron.handlers.clear());

  it('binds every contract verb and refuses frames that are not the app', async () => {
    const calls: unknown[][] = [];
    const handlers = Object.fromEntries(
      Object.values(IPC_CHANNELS).map((c) => [c, async (...args: unknown[]) => (calls.push([c, ...args]), 'done')]),
    );
    bindIpc(handlers as never, (url) => url === 'app://loupe/index.html');
    expect([...electron.handlers.keys()].sort()).toEqual(Object.values(IPC_CHANNELS).sort());
    const submit = electron.handlers.get('jobs:pause') as (e: unknown, ...a: unknown[]) => Promise<unknown>;
    expect(await submit({ senderFrame: { url: 'app://loupe/index.html' } }, 'job-1')).toEqual({
      ok: true,
      value: 'done',
    });
    expect(calls).toEqual([['jobs:pause', 'job-1']]);
    const evil = await submit({ senderFrame: { url: 'https://evil.example/' } }, 'job-1');
    expect(evil).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
    expect(calls).toHaveLength(1);
  });

  it('turns a throwing handler into a typed error', async () => {
    const handlers = Object.fromEntries(
      Object.values(IPC_CHANNELS).map((c) => [
        c,
        async () => {
          throw Object.assign(new Error('disk gone'), { code: 'EIO' });
        },
      ]),
    );
    bindIpc(handlers as never, () => true);
    const list = electron.handlers.get('jobs:list') as (e: unknown) => Promise<unknown>;
    expect(await list({ senderFrame: { url: 'file:///x' } })).toMatchObject({
      ok: false,
      error: { code: 'IO_ERROR', message: 'disk gone' },
    });
  });
});

describe('main/window', () => {
  it('creates an isolated, sandboxed window without Node', () => {
    createMainWindow({ preloadPath: '/app/preload/index.cjs', load: async () => undefined, isTrustedUrl: () => true });
    const prefs = electron.windows.at(-1)?.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      preload: '/app/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
  });

  it('blocks navigation, new windows and webviews; opens only allowlisted https links outside', () => {
    const contents = new electron.FakeContents();
    const openExternal = electron.module.shell.openExternal;
    openExternal.mockClear();
    hardenContents(contents as never, (url) => url === 'app://loupe/index.html');
    for (const url of ['https://evil.example', 'http://github.com/', 'file:///etc/passwd', 'smb://host/share'])
      expect(contents.openHandler?.({ url })).toEqual({ action: 'deny' });
    expect(openExternal).not.toHaveBeenCalled();
    expect(contents.openHandler?.({ url: 'https://github.com/loupe' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledWith('https://github.com/loupe');
    const prevent = vi.fn();
    contents.listeners.get('will-navigate')?.({ preventDefault: prevent }, 'https://evil.example');
    expect(prevent).toHaveBeenCalledTimes(1);
    expect(openExternal).toHaveBeenCalledTimes(1);
    contents.listeners.get('will-navigate')?.({ preventDefault: prevent }, 'https://onnxruntime.ai/docs/');
    expect(prevent).toHaveBeenCalledTimes(2);
    expect(openExternal).toHaveBeenLastCalledWith('https://onnxruntime.ai/docs/');
    contents.listeners.get('will-navigate')?.({ preventDefault: prevent }, 'app://loupe/index.html');
    expect(prevent).toHaveBeenCalledTimes(2);
    contents.listeners.get('will-navigate')?.({ preventDefault: prevent }, 'file:///app/out/renderer/index.html');
    expect(prevent).toHaveBeenCalledTimes(3);
    contents.listeners.get('will-attach-webview')?.({ preventDefault: prevent });
    expect(prevent).toHaveBeenCalledTimes(4);
  });

  it('has a strict CSP', () => {
    expect(ELECTRON_CSP).toContain("default-src 'self'");
    expect(ELECTRON_CSP).toContain("script-src 'self'");
    expect(ELECTRON_CSP).not.toContain('unsafe-eval');
    expect(ELECTRON_CSP).not.toContain('unsafe-inline');
    expect(ELECTRON_CSP).toContain("object-src 'none'");
  });
});
