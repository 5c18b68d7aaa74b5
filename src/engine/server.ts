import {
  ENGINE_METHODS,
  type EngineInfo,
  type EngineMethod,
  type EngineMethods,
  type HostToEngineMessage,
} from '../shared/engine-protocol';
import type { EngineEvent } from '../shared/events';
import { appError, toAppError } from '../core/result';
import { messagePortTransport, type MessagePortLike, type Transport } from './transport';

export type EngineHandlers = {
  [M in EngineMethod]: (params: EngineMethods[M]['params']) => Promise<EngineMethods[M]['result']>;
};

const METHOD_SET: ReadonlySet<string> = new Set(ENGINE_METHODS);

/**
 * Routes requests from every connection to the handlers and broadcasts events to all of them.
 * A handler that throws answers `{ ok: false, error }`; nothing escapes as a bare string.
 */
export class EngineServer {
  private readonly connections = new Set<Transport>();

  constructor(
    private readonly handlers: EngineHandlers,
    private readonly onShutdown: () => void,
  ) {}

  attach(transport: Transport): void {
    this.connections.add(transport);
    transport.onClose(() => this.connections.delete(transport));
    transport.onMessage((message, ports) => this.receive(transport, message, ports));
  }

  announce(transport: Transport, info: EngineInfo): void {
    transport.send({ type: 'ready', info });
  }

  emit(event: EngineEvent): void {
    for (const c of this.connections) {
      try {
        c.send({ type: 'event', event });
      } catch {
        // A closed renderer port: forget it.
        this.connections.delete(c);
      }
    }
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private receive(from: Transport, message: HostToEngineMessage, ports: MessagePortLike[]): void {
    switch (message.type) {
      case 'request':
        void this.dispatch(from, message.id, message.method, message.params);
        return;
      case 'connect':
        for (const port of ports) this.attach(messagePortTransport(port, message.label));
        return;
      case 'shutdown':
        this.onShutdown();
        return;
    }
  }

  private async dispatch(from: Transport, id: number, method: string, params: unknown): Promise<void> {
    let reply;
    if (!METHOD_SET.has(method)) {
      reply = { ok: false as const, error: appError('INVALID_ARGUMENT', `unknown engine method ${method}`) };
    } else {
      try {
        const handler = this.handlers[method as EngineMethod] as (p: unknown) => Promise<unknown>;
        reply = { ok: true as const, value: await handler(params) };
      } catch (e) {
        reply = { ok: false as const, error: toAppError(e) };
      }
    }
    try {
      from.send({ type: 'response', id, result: reply });
    } catch {
      this.connections.delete(from);
    }
  }
}
