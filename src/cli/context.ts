import { join } from 'node:path';
import { defaultDataDir, type HostPaths } from '../engine/host/host';

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
