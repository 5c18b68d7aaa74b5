import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { IPC_CHANNELS } from '../shared/ipc';
import { err } from '../core/result';
import { invokeHandler, type IpcHandlers } from '../host/verb';

/**
 * The only place that touches ipcMain: every contract verb is bound to its handler, and calls from
 * anything but Loupe's own renderer are refused.
 */
export function bindIpc(handlers: IpcHandlers, isTrustedUrl: (url: string) => boolean): () => void {
  const channels = Object.values(IPC_CHANNELS);
  for (const channel of channels) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, ...args: unknown[]) => {
      const url = event.senderFrame?.url ?? '';
      if (!isTrustedUrl(url)) return err('PERMISSION_DENIED', `refused ${channel} from ${url || 'an unknown frame'}`);
      return invokeHandler(handlers, channel, args);
    });
  }
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
  };
}
