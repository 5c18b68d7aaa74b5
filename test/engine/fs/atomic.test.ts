import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../src/engine/fs/atomic';
import { mountSmallDisk, type SmallDisk } from '../../fixtures/tmpfs';
import { tempDir } from '../../helpers';

/** The atomic writer on a disk that is really full: the old file stays, no temp file is left. */
describe('writeFileAtomic on a full disk', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let disk: SmallDisk;
  beforeAll(async () => {
    tmp = await tempDir('loupe-atomic-');
    disk = await mountSmallDisk(join(tmp.path, 'disk'), 256 * 1024);
  });
  afterAll(async () => {
    if (disk.ok) await disk.cleanup();
    await tmp.cleanup();
  });

  it('fails with ENOSPC, keeps the previous content and removes its temp file', async (ctx) => {
    if (!disk.ok) return ctx.skip(disk.reason);
    const target = join(disk.dir, 'labels.json');
    await writeFile(target, 'old\n');
    await disk.fill(8 * 1024);
    await expect(writeFileAtomic(target, Buffer.alloc(64 * 1024, 1))).rejects.toMatchObject({
      error: { code: 'DISK_FULL', message: expect.stringMatching(/^disk full: .*labels\.json/) },
    });
    expect(await readFile(target, 'utf8')).toBe('old\n');
    expect((await readdir(disk.dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    // With nothing left at all the temp file cannot even get a block: still nothing left behind.
    await disk.fill(0);
    await expect(writeFileAtomic(join(disk.dir, 'new.json'), 'x'.repeat(10_000))).rejects.toMatchObject({
      error: { code: 'DISK_FULL' },
    });
    expect((await readdir(disk.dir)).sort()).toEqual(['.filler', 'labels.json']);
  });
});
