import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Engine, CLI and web-host tests run the built bundles in out/ (real child processes), so the
 * build must exist and be newer than the sources it came from: `npm test` builds first.
 */
export default function setup(): void {
  const engine = fileURLToPath(new URL('../out/main/engine.js', import.meta.url));
  if (!existsSync(engine)) {
    throw new Error('out/main/engine.js is missing: run `npm run build` before `vitest` (npm test does).');
  }
  const age = Date.now() - statSync(engine).mtimeMs;
  if (age > 1000 * 60 * 60 * 24 * 7) console.warn(`note: out/ was built ${Math.round(age / 3600000)} h ago`);
}
