import { describe, expect, it, vi } from 'vitest';
import type { EngineToHostMessage, HostToEngineMessage } from '../../src/shared/engine-protocol';
import { EngineServer, type EngineHandlers } from '../../src/engine/server';
import type { MessagePortLike, Transport } from '../../src/engine/transport';

/** A MessagePortMain stand-in: what the renderer would post arrives as `{ data }`. */
class FakePort implements MessagePortLike {
  readonly sent: EngineToHostMessage[] = [];
  private readonly listeners = new Map<string, ((e: { data: unknown }) => void)[]>();
  postMessage(message: unknown): void {
    this.sent.push(message as EngineToHostMessage);
  }
  on(event: 'message' | 'close', listener: ((e: { data: unknown }) => void) | (() => void)): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener as (e: { data: unknown }) => void]);
    return this;
  }
  start(): void {}
  close(): void {}
  /** The other end (the renderer) posts a message. */
  deliver(data: unknown): void {
    for (const l of this.listeners.get('message') ?? []) l({ data });
  }
}

/** The host's own connection (parentPort / process.send). */
function parent(): Transport & {
  sent: EngineToHostMessage[];
  deliver(m: HostToEngineMessage, ports?: MessagePortLike[]): void;
} {
  const sent: EngineToHostMessage[] = [];
  let handler: ((m: HostToEngineMessage, ports: MessagePortLike[]) => void) | null = null;
  return {
    label: 'parent',
    sent,
    send: (m) => sent.push(m),
    onMessage: (h) => (handler = h),
    onClose: () => undefined,
    deliver: (m, ports = []) => handler?.(m, ports),
  };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

function server() {
  const submit = vi.fn(async () => ({ id: 'job-1' }));
  const list = vi.fn(async () => []);
  const handlers = { 'jobs.submit': submit, 'jobs.list': list } as unknown as EngineHandlers;
  const shutdown = vi.fn();
  const s = new EngineServer(handlers, shutdown);
  const host = parent();
  s.attach(host);
  return { s, host, submit, list, shutdown };
}

describe('EngineServer: a renderer port carries events only', () => {
  it('answers requests from the host', async () => {
    const { host, list } = server();
    host.deliver({ type: 'request', id: 7, method: 'jobs.list', params: null });
    await settle();
    expect(list).toHaveBeenCalledTimes(1);
    expect(host.sent).toEqual([{ type: 'response', id: 7, result: { ok: true, value: [] } }]);
  });

  it('refuses a request sent on a renderer port, without calling the handler', async () => {
    const { s, host, submit } = server();
    const port = new FakePort();
    host.deliver({ type: 'connect', label: 'window-1' }, [port]);
    expect(s.connectionCount).toBe(2);
    // A request that would bypass the host's folder grants: scan any folder into the granted cache.
    port.deliver({ type: 'request', id: 1, method: 'jobs.submit', params: { kind: 'scan-images', folder: '/' } });
    await settle();
    expect(submit).not.toHaveBeenCalled();
    expect(port.sent).toEqual([
      {
        type: 'response',
        id: 1,
        result: {
          ok: false,
          error: {
            code: 'PERMISSION_DENIED',
            message: 'window-1 carries engine events only; requests go through the host',
            details: { connection: 'window-1', method: 'jobs.submit' },
          },
        },
      },
    ]);
    // Events still reach it.
    s.emit({ name: 'job:removed', payload: { jobId: 'job-0' } });
    expect(port.sent.at(-1)).toEqual({ type: 'event', event: { name: 'job:removed', payload: { jobId: 'job-0' } } });
  });

  it('ignores shutdown and connect messages from a renderer port', async () => {
    const { s, host, shutdown } = server();
    const port = new FakePort();
    host.deliver({ type: 'connect', label: 'window-1' }, [port]);
    port.deliver({ type: 'shutdown' });
    port.deliver({ type: 'connect', label: 'parent' });
    port.deliver('not a message');
    await settle();
    expect(shutdown).not.toHaveBeenCalled();
    expect(s.connectionCount).toBe(2);
    // The host's shutdown still works.
    host.deliver({ type: 'shutdown' });
    expect(shutdown).toHaveBeenCalledTimes(1);
  });

  it('treats a port as a renderer whatever label it is given', async () => {
    const { host, submit } = server();
    const port = new FakePort();
    host.deliver({ type: 'connect', label: 'parent' }, [port]);
    port.deliver({ type: 'request', id: 2, method: 'jobs.submit', params: { kind: 'benchmark-model' } });
    await settle();
    expect(submit).not.toHaveBeenCalled();
    expect(port.sent[0]).toMatchObject({
      type: 'response',
      id: 2,
      result: { ok: false, error: { code: 'PERMISSION_DENIED' } },
    });
  });
});
