import { createContext, useContext } from 'react';
import type { AppApi } from '../../shared/ipc';
import { createWebApi } from '../../web/client/web-api';

/**
 * The only file that touches `window.api`. In Electron the preload put it there; in a browser
 * served by `loupe serve` there is none and the web adapter takes its place. Either way the rest
 * of the renderer sees one AppApi, passed down through context.
 */
export function resolveApi(win: Window = window): AppApi {
  const injected = (win as Window & { api?: AppApi }).api;
  return injected ?? createWebApi(win);
}

export const ApiContext = createContext<AppApi | null>(null);

export function useApi(): AppApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside <ApiContext.Provider>');
  return api;
}
