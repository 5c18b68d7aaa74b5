import { IPC_CHANNELS, type InvokeApi, type IpcChannel } from '../../shared/ipc';
import type { Result } from '../../shared/result';

/** Sends one verb to the host and resolves to its Result (never rejects). */
export type Invoke = (channel: IpcChannel, args: unknown[]) => Promise<Result<unknown>>;

/**
 * Build `{ namespace: { verb } }` from the channel list, so the preload and the web adapter expose
 * exactly the contract's verbs through one code path.
 */
export function buildInvokeApi(invoke: Invoke): InvokeApi {
  const api: Record<string, Record<string, (...args: unknown[]) => Promise<Result<unknown>>>> = {};
  for (const channel of Object.values(IPC_CHANNELS)) {
    const [namespace, verb] = splitChannel(channel);
    const group = (api[namespace] ??= {});
    group[verb] = (...args: unknown[]) => invoke(channel, args);
  }
  return api as unknown as InvokeApi;
}

export function splitChannel(channel: IpcChannel): [namespace: string, verb: string] {
  const at = channel.indexOf(':');
  return [channel.slice(0, at), channel.slice(at + 1)];
}

const CHANNEL_SET: ReadonlySet<string> = new Set(Object.values(IPC_CHANNELS));

export function isIpcChannel(value: unknown): value is IpcChannel {
  return typeof value === 'string' && CHANNEL_SET.has(value);
}
