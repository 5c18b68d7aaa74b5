import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot } from './helpers';

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? await bytesUnder(p) : (await stat(p)).size;
  }
  return total;
}

it('everything shipped in resources/ (models and samples) stays within 30 MB', async () => {
  const bytes = await bytesUnder(join(repoRoot, 'resources'));
  console.log(`resources/: ${(bytes / 1e6).toFixed(2)} MB`);
  expect(bytes).toBeLessThanOrEqual(30e6);
});
