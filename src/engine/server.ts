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
 * What a connection may do. `host`: the engine's parent (Electron main, the web host, the CLI),
 * which checks every path against the folder grants before it asks; it sends requests, connects
 * renderers and shuts the engine down. `events`: a port handed to a renderer, which only receives
 * events; a request on it would bypass the host's checks, so it is refused.
 */
export type ConnectionRole = 'host' | 'events';

/**
 * Routes requests from the host's connection to the handlers and broadcasts events to every
 * connection. A handler that throws answers `{ ok: false, error }`; nothing escapes as a bare string.
 */
export class EngineServer {
  private readonly connections = new Map<Transport, ConnectionRole>();

  constructor(
    private readonly handlers: EngineHandlers,
    private readonly onShutdown: () => void,
  ) {}

  attach(transport: Transport, role: ConnectionRole = 'host'): void {
    this.connections.set(transport, role);
    transport.onClose(() => this.connections.delete(transport));
    transport.onMessage((message, ports) => this.receive(transport, role, message, ports));
  }

  announce(transport: Transport, info: EngineInfo): void {
    transport.send({ type: 'ready', info });
  }

  emit(event: EngineEvent): void {
    for (const c of this.connections.keys()) {
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

  private receive(from: Transport, role: ConnectionRole, message: HostToEngineMessage, ports: MessagePortLike[]): void {
    if (role === 'events') {
      // A renderer's port: requests are answered with a refusal, anything else is ignored.
      if (isRequest(message)) this.refuse(from, message.id, String(message.method));
      return;
    }
    switch (message.type) {
      case 'request':
        void this.dispatch(from, message.id, message.method, message.params);
        return;
      case 'connect':
        // Whatever its label says, a port the host hands over is a renderer's: events only.
        for (const port of ports) this.attach(messagePortTransport(port, message.label), 'events');
        return;
      case 'shutdown':
        this.onShutdown();
        return;
    }
  }

  private refuse(from: Transport, id: number, method: string): void {
    const error = appError(
      'PERMISSION_DENIED',
      `${from.label} carries engine events only; requests go through the host`,
      {
        connection: from.label,
        method,
      },
    );
    try {
      from.send({ type: 'response', id, result: { ok: false, error } });
    } catch {
      this.connections.delete(from);
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

function isRequest(message: unknown): message is { type: 'request'; id: number; method: unknown } {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === 'request' &&
    typeof (message as { id?: unknown }).id === 'number'
  );
}
