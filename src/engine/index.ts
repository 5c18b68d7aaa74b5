/**
 * The engine process entry. The same file runs as an Electron utility process (it has
 * `process.parentPort`) and as a Node child process (`process.send`), for the CLI, the web host
 * and the tests.
 */
import type { EngineConfig } from '../shared/engine-protocol';
import { startEngine } from './engine';
import { parentPortTransport, processTransport, type ParentPortLike, type Transport } from './transport';

function readConfig(argv: readonly string[]): EngineConfig {
  const at = argv.indexOf('--config');
  const raw = at >= 0 ? argv[at + 1] : process.env.LOUPE_ENGINE_CONFIG;
  if (!raw) throw new Error('the engine needs --config <json> (it is started by a Loupe host)');
  return JSON.parse(raw) as EngineConfig;
}

function pickTransport(): Transport {
  const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  if (parentPort) return parentPortTransport(parentPort);
  if (typeof process.send === 'function') return processTransport(process);
  throw new Error('the engine must be started by a Loupe host (no parentPort, no IPC channel)');
}

try {
  const transport = pickTransport();
  await startEngine(transport, readConfig(process.argv), (code) => process.exit(code));
} catch (e) {
  console.error(`loupe engine: ${(e as Error).message}`);
  process.exit(2);
}
