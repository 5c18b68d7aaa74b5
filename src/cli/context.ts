import { join, resolve } from 'node:path';
import { DEVICES, type Device } from '../shared/devices';
import { createHost, defaultDataDir, type Host, type HostPaths } from '../host/host';
import { nodeEngineSpawner } from '../host/node-spawn';
import { lineLogger } from '../host/verb';

/** Where the built files and resources are, as seen from the CLI bundle (out/main/cli.js). */
export interface CliLocations {
  enginePath: string;
  rendererDir: string;
  resourcesDir: string;
  version: string;
}

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function hostPaths(
  dataDirOption: string | undefined,
  locations: CliLocations,
  env: NodeJS.ProcessEnv,
): HostPaths {
  const dataDir = dataDirOption ?? defaultDataDir(env);
  return { dataDir, cacheDir: join(dataDir, 'cache'), resourcesDir: locations.resourcesDir };
}

/** Options every engine-backed command takes. */
/** What a command that runs an engine job is given besides its arguments. */
export interface JobCommandEnv {
  io: CliIo;
  loc: CliLocations;
  /** Registers what Ctrl-C does (the CLI's signal handler). */
  onInterrupt: (stop: () => void) => void;
}

export const HOST_OPTIONS = {
  device: { type: 'string' },
  'models-dir': { type: 'string', multiple: true },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface HostOptionValues {
  device?: string;
  'models-dir'?: string[];
  'data-dir'?: string;
}

/** A host for one CLI run: settings from the data folder, command-line overrides on top. */
export async function cliHost(
  values: HostOptionValues,
  io: CliIo,
  loc: CliLocations,
  options: { interactive?: boolean } = {},
): Promise<Host> {
  if (values.device !== undefined && !DEVICES.includes(values.device as Device)) {
    throw new UsageError(`--device must be one of ${DEVICES.join(', ')}`);
  }
  const host = await createHost({
    kind: 'web',
    name: 'Loupe',
    version: loc.version,
    paths: hostPaths(values['data-dir'], loc, io.env),
    spawn: nodeEngineSpawner(loc.enginePath),
    extraModelDirs: (values['models-dir'] ?? []).map((d) => resolve(d)),
    ...(values.device ? { device: values.device as Device } : {}),
    resumeQuitJobs: options.interactive ?? false,
    // The verbs `loupe serve` answers: failures to stderr, every call's time under LOUPE_DEBUG_VERBS=1.
    logger: lineLogger((line) => io.err(`${line}\n`), { debug: io.env.LOUPE_DEBUG_VERBS === '1' }),
  });
  // A settings.json that could not be used: said once, before the command's own output.
  for (const w of host.settings.warnings()) io.err(`loupe: warning: ${w.message}\n`);
  return host;
}
