/**
 * Entry of the `loupe` command, built to out/main/cli.js (bin/loupe.js runs it). Paths are
 * resolved from this file's location in out/main.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli, type CliSignals } from './index';
import type { CliIo, CliLocations } from './context';

const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
const pkg = JSON.parse(readFileSync(here('../../package.json'), 'utf8')) as { version: string };
const locations: CliLocations = {
  enginePath: here('./engine.js'),
  rendererDir: here('../renderer'),
  resourcesDir: here('../../resources'),
  version: pkg.version,
};
const io: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTTY: Boolean(process.stdout.isTTY),
  env: process.env,
};
const signals: CliSignals = {
  waitForStop: () =>
    new Promise((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }),
  onInterrupt: (stop) => {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
};

process.exitCode = await runCli(process.argv.slice(2), io, locations, signals);
