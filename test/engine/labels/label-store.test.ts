import { mkdir, readdir, readFile, rename, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LabelFile } from '../../../src/shared/labels';
import { LabelStore, lockPathFor } from '../../../src/engine/labels/label-store';
import { designRecord } from '../../fixtures/labels';
import { tempDir } from '../../helpers';

describe('label store', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let file: string;
  const read = async (): Promise<LabelFile> => JSON.parse(await readFile(file, 'utf8')) as LabelFile;
  const rec = (annotator: string, extra: Record<string, unknown> = {}) => ({ ...designRecord(), annotator, ...extra });
  beforeEach(async () => {
    tmp = await tempDir();
    file = join(tmp.path, 'labels', 'PATEK_nab_001.json');
  });
  afterEach(() => tmp.cleanup());

  it('creates the file and its folder, and leaves no lock or temp file behind', async () => {
    await new LabelStore().merge(file, { A_1: rec('alice') });
    expect(Object.keys(await read())).toEqual(['A_1']);
    expect(await readdir(join(tmp.path, 'labels'))).toEqual(['PATEK_nab_001.json']);
  });

  it('removes a file under its lock only when its content on disk says so', async () => {
    const store = new LabelStore();
    await mkdir(join(tmp.path, 'labels'));
    await writeFile(file, '{"keep": true}');
    expect(await store.removeText(file, (text) => !text.includes('keep'))).toBe(false);
    expect(await readFile(file, 'utf8')).toBe('{"keep": true}');
    expect(await store.removeText(file, (text) => text.includes('keep'))).toBe(true);
    expect(await readdir(join(tmp.path, 'labels'))).toEqual([]);
    expect(await store.removeText(file, () => true)).toBe(false);
  });

  it('compare-before-rename: an edit made between the read and the rename is merged, not lost', async () => {
    await mkdir(join(tmp.path, 'labels'));
    await writeFile(file, JSON.stringify({ OLD_1: rec('bob') }));
    const seen: number[] = [];
    const store = new LabelStore({
      // Another tool, taking no lock, replaces the file while Loupe's new version is in its temp file.
      beforeCommit: async (_path, attempt) => {
        seen.push(attempt);
        if (attempt >= 2) return;
        const text = JSON.parse(await readFile(file, 'utf8')) as LabelFile;
        text[`TOOL_${attempt}`] = rec('tool', { tool_field: attempt });
        await writeFile(`${file}.other`, JSON.stringify(text));
        await rename(`${file}.other`, file);
      },
    });
    await store.merge(file, { A_1: rec('alice') });
    expect(seen).toEqual([0, 1, 2]);
    const onDisk = await read();
    expect(Object.keys(onDisk).sort()).toEqual(['A_1', 'OLD_1', 'TOOL_0', 'TOOL_1']);
    expect(onDisk.TOOL_1).toMatchObject({ tool_field: 1 });
  });

  it('gives up with an error, writing nothing, when the file never holds still', async () => {
    await mkdir(join(tmp.path, 'labels'));
    await writeFile(file, '{}');
    let n = 0;
    const store = new LabelStore({
      maxAttempts: 3,
      beforeCommit: async () => writeFile(file, JSON.stringify({ [`X_${n++}`]: rec('tool') })),
    });
    await expect(store.merge(file, { A_1: rec('alice') })).rejects.toMatchObject({
      error: { code: 'IO_ERROR', message: expect.stringMatching(/kept changing/) },
    });
    expect(Object.keys(await read())).toEqual(['X_2']);
    expect((await readdir(join(tmp.path, 'labels'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('never overwrites a file that does not parse, and keeps unknown fields of one that does', async () => {
    await mkdir(join(tmp.path, 'labels'));
    await writeFile(file, '{ "A_1": ');
    await expect(new LabelStore().merge(file, { A_1: rec('alice') })).rejects.toMatchObject({
      error: { code: 'IO_ERROR', message: expect.stringMatching(/malformed; not overwriting/) },
    });
    expect(await readFile(file, 'utf8')).toBe('{ "A_1": ');
    await writeFile(file, JSON.stringify({ A_1: rec('bob', { theirs: [1, 2] }) }));
    await new LabelStore().merge(file, { A_1: rec('alice') });
    expect((await read()).A_1).toMatchObject({ annotator: 'alice', theirs: [1, 2] });
  });

  it('keeps protected records (human labels in a predictions file) as they are on disk', async () => {
    await mkdir(join(tmp.path, 'labels'));
    const { debug_info: _d, ...human } = rec('alice');
    await writeFile(file, JSON.stringify({ A_1: human }));
    await new LabelStore().merge(file, { A_1: rec('ml-model'), A_2: rec('ml-model') }, (r) => !r.debug_info);
    const onDisk = await read();
    expect(onDisk.A_1?.annotator).toBe('alice');
    expect(onDisk.A_2?.annotator).toBe('ml-model');
  });

  it('runs the writes of one file one at a time, each on the result of the last', async () => {
    const store = new LabelStore();
    await Promise.all(
      Array.from({ length: 25 }, (_, i) => store.merge(file, { [`K_${String(i).padStart(2, '0')}`]: rec(`r${i}`) })),
    );
    expect(Object.keys(await read())).toHaveLength(25);
  });

  it('takes over the lock of a writer that died holding it, once it is stale', async () => {
    await mkdir(lockPathFor(file), { recursive: true });
    const old = new Date(Date.now() - 60_000);
    await utimes(lockPathFor(file), old, old);
    await new LabelStore({ staleMs: 2000 }).merge(file, { A_1: rec('alice') });
    expect(Object.keys(await read())).toEqual(['A_1']);
  });
});
