import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const builtEngine = join(repoRoot, 'out', 'main', 'engine.js');
export const builtCli = join(repoRoot, 'out', 'main', 'cli.js');
export const builtRenderer = join(repoRoot, 'out', 'renderer');

/** A pid no process can have (Linux's pid_max is at most 2^22): a killed writer's, in a planted temp file. */
export const NO_SUCH_PID = 2 ** 22 + 1;

/** A fresh temp folder, removed by the returned cleanup. */
export async function tempDir(prefix = 'loupe-test-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Poll until `check` returns a value (not undefined/false) or time runs out. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
