import { fork } from 'node:child_process';
import type { EngineConfig, EngineToHostMessage } from '../shared/engine-protocol';
import type { EngineChild, SpawnEngine } from './engine-client';

/**
 * Start the engine as a Node child process (CLI, web host, tests). `advanced` serialisation is
 * structured clone, the same as Electron's ports, so typed arrays arrive as typed arrays.
 */
export function nodeEngineSpawner(enginePath: string, options: { silent?: boolean } = {}): SpawnEngine {
  return (config: EngineConfig): EngineChild => {
    const child = fork(enginePath, ['--config', JSON.stringify(config)], {
      serialization: 'advanced',
      stdio: options.silent ? ['ignore', 'ignore', 'pipe', 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    return {
      get pid() {
        return child.pid ?? null;
      },
      send: (message) => {
        if (child.connected) child.send(message);
        else throw new Error('the engine process is not connected');
      },
      onMessage: (handler) => {
        child.on('message', (m) => handler(m as EngineToHostMessage));
      },
      onExit: (handler) => {
        child.once('exit', (code, signal) => handler(code, signal, stderr.trim() || undefined));
      },
      kill: () => {
        child.kill('SIGKILL');
      },
    };
  };
}
