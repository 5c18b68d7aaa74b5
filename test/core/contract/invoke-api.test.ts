import { describe, expect, it } from 'vitest';
import { IPC_CHANNELS } from '../../../src/shared/ipc';
import { buildInvokeApi, isIpcChannel, splitChannel } from '../../../src/core/contract/invoke-api';

describe('buildInvokeApi', () => {
  it('exposes exactly one verb per channel and forwards the arguments', async () => {
    const calls: [string, unknown[]][] = [];
    const api = buildInvokeApi(async (channel, args) => {
      calls.push([channel, args]);
      return { ok: true, value: channel };
    });
    const verbs = Object.entries(api).flatMap(([ns, group]) => Object.keys(group).map((v) => `${ns}:${v}`));
    expect(verbs.sort()).toEqual(Object.values(IPC_CHANNELS).sort());
    expect(await api.jobs.items('j1', 0, 50)).toEqual({ ok: true, value: 'jobs:items' });
    expect(calls).toEqual([['jobs:items', ['j1', 0, 50]]]);
  });

  it('knows its channels', () => {
    expect(isIpcChannel('jobs:submit')).toBe(true);
    expect(isIpcChannel('jobs:evil')).toBe(false);
    expect(splitChannel('folders:open')).toEqual(['folders', 'open']);
  });
});
