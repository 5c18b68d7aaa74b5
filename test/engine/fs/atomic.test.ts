import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atomicTempPath, parseAtomicTemp, removeStrayTemps, writeFileAtomic } from '../../../src/engine/fs/atomic';
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

/** The pid of a process that has exited (and been reaped): what a killed writer's pid is. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid as number;
}

describe('stray temp files of a killed writer', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    tmp = await tempDir('loupe-stray-');
  });
  afterAll(async () => {
    await tmp.cleanup();
  });

  it('names a temp file after its target and writer, and reads the name back', () => {
    const path = atomicTempPath('/data/out/f_001.png');
    expect(path.startsWith('/data/out/.f_001.png.')).toBe(true);
    expect(parseAtomicTemp(basename(path))).toEqual({ target: 'f_001.png', pid: process.pid });
    // A target name with dots of its own.
    expect(parseAtomicTemp('.a.b.json.123.0a1b2c3d.tmp')).toEqual({ target: 'a.b.json', pid: 123 });
    for (const other of ['f_001.png', '.f_001.png.lock', '.f.png.12.xyz.tmp', 'f.png.12.0a1b2c3d.tmp', '.f.png.12.tmp'])
      expect(parseAtomicTemp(other), other).toBeNull();
  });

  it('removes only the owned temp files of writers that are gone, never a live writer’s or this process’s', async () => {
    const dir = join(tmp.path, 'out');
    const dead = await deadPid();
    // A live writer: a process that runs until the test ends.
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const names = {
        deadOwned: `.f_001.png.${dead}.0a1b2c3d.tmp`,
        deadNotOwned: `.f_002.png.${dead}.0a1b2c3d.tmp`,
        liveOwned: `.f_001.png.${live.pid}.11111111.tmp`,
        mineOwned: `.f_001.png.${process.pid}.22222222.tmp`,
        output: 'f_001.png',
        lock: '.f_001.png.lock',
      };
      await writeFileAtomic(join(dir, 'f_001.png'), 'png');
      for (const n of Object.values(names))
        if (n !== names.output && n !== names.lock) await writeFile(join(dir, n), 'x');
      await writeFile(join(dir, names.lock), '');
      const removed = await removeStrayTemps(dir, new Set(['f_001.png']));
      expect(removed).toEqual([names.deadOwned]);
      expect((await readdir(dir)).sort()).toEqual(
        [names.deadNotOwned, names.liveOwned, names.mineOwned, names.output, names.lock].sort(),
      );
      // Owning everything: the dead writer's other file goes too; the live one and this process's stay.
      expect(await removeStrayTemps(dir, null)).toEqual([names.deadNotOwned]);
    } finally {
      live.kill();
    }
    // Once the writer is gone its file is stray too.
    await new Promise((resolve) => live.on('exit', resolve));
    expect(await removeStrayTemps(dir, null)).toEqual([`.f_001.png.${live.pid}.11111111.tmp`]);
  });

  it('finds nothing in a folder that does not exist', async () => {
    expect(await removeStrayTemps(join(tmp.path, 'none'), null)).toEqual([]);
  });
});
