import type { EngineToHostMessage, HostToEngineMessage } from '../shared/engine-protocol';

/**
 * One connection to the engine. The engine does not care whether the other end is Electron's main
 * process (parentPort), a Node parent (process.send) or a renderer holding a MessagePort.
 */
export interface Transport {
  readonly label: string;
  send(message: EngineToHostMessage): void;
  /** `ports` carries MessagePorts transferred with the message (Electron only). */
  onMessage(handler: (message: HostToEngineMessage, ports: MessagePortLike[]) => void): void;
  onClose(handler: () => void): void;
}

/** The part of Electron's MessagePortMain the engine uses. */
export interface MessagePortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  start(): void;
  close(): void;
}

/** Electron utilityProcess: `process.parentPort`. */
export interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown; ports: MessagePortLike[] }) => void): unknown;
}

export function parentPortTransport(parentPort: ParentPortLike): Transport {
  return {
    label: 'parent',
    send: (message) => parentPort.postMessage(message),
    onMessage: (handler) => {
      parentPort.on('message', (e) => handler(e.data as HostToEngineMessage, e.ports ?? []));
    },
    // The utility process ends with its parent; there is no close event to watch.
    onClose: () => undefined,
  };
}

/** Node child process started with `fork(…, { serialization: 'advanced' })`. */
export interface ProcessChannelLike {
  send?(message: unknown): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
}

export function processTransport(proc: ProcessChannelLike): Transport {
  return {
    label: 'parent',
    send: (message) => {
      proc.send?.(message);
    },
    onMessage: (handler) => {
      proc.on('message', (m) => handler(m as HostToEngineMessage, []));
    },
    onClose: (handler) => {
      proc.on('disconnect', handler);
    },
  };
}

export function messagePortTransport(port: MessagePortLike, label: string): Transport {
  const transport: Transport = {
    label,
    send: (message) => port.postMessage(message),
    onMessage: (handler) => {
      port.on('message', (e) => handler(e.data as HostToEngineMessage, []));
      port.start();
    },
    onClose: (handler) => {
      port.on('close', handler);
    },
  };
  return transport;
}
