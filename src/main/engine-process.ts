import { utilityProcess, type MessagePortMain } from 'electron';
import type { EngineToHostMessage } from '../shared/engine-protocol';
import type { EngineChild, SpawnEngine } from '../engine/host/engine-client';

/** Start the engine as an Electron utility process (a Node process Chromium manages). */
export function utilityEngineSpawner(enginePath: string): SpawnEngine {
  return (config) => {
    const proc = utilityProcess.fork(enginePath, ['--config', JSON.stringify(config)], {
      serviceName: 'Loupe Engine',
      stdio: 'inherit',
    });
    const child: EngineChild = {
      get pid() {
        return proc.pid ?? null;
      },
      send: (message, transfer) => proc.postMessage(message, (transfer ?? []) as MessagePortMain[]),
      onMessage: (handler) => {
        proc.on('message', (m: unknown) => handler(m as EngineToHostMessage));
      },
      onExit: (handler) => {
        proc.once('exit', (code) => handler(code, null));
      },
      kill: () => {
        proc.kill();
      },
    };
    return child;
  };
}
