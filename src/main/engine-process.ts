import { utilityProcess, type MessagePortMain } from 'electron';
import type { EngineToHostMessage } from '../shared/engine-protocol';
import type { EngineChild, SpawnEngine } from '../host/engine-client';

/** Start the engine as an Electron utility process (a Node process Chromium manages). */
export function utilityEngineSpawner(enginePath: string): SpawnEngine {
  return (config) => {
    const proc = utilityProcess.fork(enginePath, ['--config', JSON.stringify(config)], {
      serviceName: 'Loupe Engine',
      stdio: 'inherit',
    });
    // A V8 fatal error in the engine: Electron emits 'error' (type, location, report), then
    // 'exit'. An 'error' with no listener would throw in main; here it becomes the reason the
    // exit reports, and the exit is reported once, whichever event comes first.
    let fatal: string | undefined;
    let exited = false;
    const exitHandlers: ((code: number | null, signal: string | null, output?: string) => void)[] = [];
    const reportExit = (code: number | null): void => {
      if (exited) return;
      exited = true;
      for (const h of exitHandlers) h(code, null, fatal);
    };
    proc.on('error', (type, location) => {
      fatal = `${type} at ${location}`;
      reportExit(null);
      proc.kill();
    });
    proc.once('exit', (code) => reportExit(code));
    const child: EngineChild = {
      get pid() {
        return proc.pid ?? null;
      },
      send: (message, transfer) => proc.postMessage(message, (transfer ?? []) as MessagePortMain[]),
      onMessage: (handler) => {
        proc.on('message', (m: unknown) => handler(m as EngineToHostMessage));
      },
      onExit: (handler) => {
        exitHandlers.push(handler);
      },
      kill: () => {
        proc.kill();
      },
    };
    return child;
  };
}
