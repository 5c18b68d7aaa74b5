/**
 * The preload (sandboxed, CommonJS): exposes exactly the AppApi on `window.api`. Verbs go to main
 * through ipcRenderer.invoke on the contract's channels; engine events arrive on a MessagePort
 * main hands over (a new one after every reload or engine restart); host events on one channel.
 * Nothing else of Electron reaches the page.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { PUSH_CHANNELS, type AppApi, type AppEvent, type AppEventListener } from '../shared/ipc';
import type { EngineToHostMessage } from '../shared/engine-protocol';
import type { Result } from '../shared/result';
import { electronImageUrl } from '../core/contract/image-url';
import { buildInvokeApi } from '../core/contract/invoke-api';

function createElectronApi(): AppApi {
  const listeners = new Set<AppEventListener>();
  const dispatch = (event: AppEvent): void => {
    for (const l of listeners) {
      try {
        l(event);
      } catch (e) {
        console.error('Loupe event listener failed', e);
      }
    }
  };

  let enginePort: MessagePort | null = null;
  ipcRenderer.on(PUSH_CHANNELS.ENGINE_PORT, (event) => {
    enginePort?.close();
    const port = event.ports[0];
    if (!port) return;
    enginePort = port;
    port.onmessage = (m: MessageEvent<EngineToHostMessage>) => {
      if (m.data?.type === 'event') dispatch(m.data.event);
    };
    port.start();
  });
  ipcRenderer.on(PUSH_CHANNELS.HOST_EVENT, (_event, appEvent: AppEvent) => dispatch(appEvent));

  const invoke = buildInvokeApi((channel, args) => ipcRenderer.invoke(channel, ...args) as Promise<Result<unknown>>);
  const api: AppApi = {
    ...invoke,
    host: { kind: 'electron', capabilities: { nativeDialogs: true, droppedFilePaths: true } },
    events: {
      subscribe(listener) {
        listeners.add(listener);
        return () => {
          listeners.delete(listener);
        };
      },
    },
    images: { ...invoke.images, url: electronImageUrl },
    files: {
      pathForFile: (file) => {
        try {
          return webUtils.getPathForFile(file as File) || null;
        } catch {
          return null;
        }
      },
    },
  };
  return api;
}

contextBridge.exposeInMainWorld('api', createElectronApi());
