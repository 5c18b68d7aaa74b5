import type { AppApi, AppEvent, AppEventListener } from '../../shared/ipc';
import { IMAGE_BASE_META, webImageUrl } from '../../core/contract/image-url';
import { buildInvokeApi } from '../../core/contract/invoke-api';
import { err } from '../../core/result';

/**
 * AppApi for a renderer served by `loupe serve`: verbs are POSTs to /api/invoke, events arrive on
 * a WebSocket that reconnects by itself. The session token travels in an HttpOnly cookie set
 * when the page was opened with `?token=`, which is then removed from the address bar.
 */
export function createWebApi(win: Window = window): AppApi {
  const url = new URL(win.location.href);
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token');
    win.history.replaceState(null, '', url.pathname + url.search + url.hash);
  }

  const invoke = buildInvokeApi(async (channel, args) => {
    try {
      const res = await fetch('/api/invoke', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        credentials: 'same-origin',
        body: JSON.stringify({ channel, args }),
      });
      if (res.status === 401)
        return err('UNAUTHORIZED', 'the session token was refused; open the URL that `loupe serve` printed');
      if (!res.ok) return err('INTERNAL', `the host answered ${res.status}: ${await res.text()}`);
      return await res.json();
    } catch (e) {
      return err('ENGINE_UNAVAILABLE', `cannot reach the Loupe host: ${(e as Error).message}`);
    }
  });

  // Where the host serves images from another origin than the page's (see web-host.ts imagePort).
  const imageBase =
    win.document.querySelector<HTMLMetaElement>(`meta[name="${IMAGE_BASE_META}"]`)?.content || undefined;

  const listeners = new Set<AppEventListener>();
  let socket: WebSocket | null = null;
  let retry = 0;
  const connect = (): void => {
    const ws = new WebSocket(`${win.location.protocol === 'https:' ? 'wss' : 'ws'}://${win.location.host}/api/events`);
    socket = ws;
    ws.onopen = () => {
      // After a lost connection, say so: the renderer refetches what it may have missed.
      if (retry > 0) {
        const back: AppEvent = { name: 'engine:status', payload: { state: 'ready', pid: null, restarts: 0 } };
        for (const l of listeners) l(back);
      }
      retry = 0;
    };
    ws.onmessage = (m) => {
      let event: AppEvent;
      try {
        event = JSON.parse(String(m.data)) as AppEvent;
      } catch {
        return;
      }
      for (const l of listeners) l(event);
    };
    ws.onclose = () => {
      socket = null;
      if (listeners.size === 0) return;
      const wasConnected = retry === 0;
      retry = Math.min(retry + 1, 6);
      if (wasConnected) {
        const lost: AppEvent = { name: 'engine:status', payload: { state: 'restarting', pid: null, restarts: 0 } };
        for (const l of listeners) l(lost);
      }
      win.setTimeout(connect, 200 * 2 ** retry);
    };
  };

  return {
    ...invoke,
    host: { kind: 'web', capabilities: { nativeDialogs: false, droppedFilePaths: false } },
    events: {
      subscribe(listener) {
        listeners.add(listener);
        if (!socket) connect();
        return () => {
          listeners.delete(listener);
          if (listeners.size === 0 && socket) {
            socket.close();
            socket = null;
          }
        };
      },
    },
    images: { ...invoke.images, url: (path) => webImageUrl(path, imageBase) },
    files: { pathForFile: () => null },
  };
}
