import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScanIndex } from '../../../src/engine/images/scan-index';
import { tempDir } from '../../helpers';

const header = { width: 640, height: 480, format: 'jpeg', orientation: 1, bytes: 1234 };

describe('ScanIndex (real files in a temp cache dir)', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await dir.cleanup();
  });

  it('gives back a saved header while size and mtime are the same, and misses when either changes', async () => {
    const first = await ScanIndex.load(dir.path, '/photos');
    expect(first.get('a.jpg', 1234, 1000)).toBeUndefined();
    first.put('a.jpg', 1234, 1000, header);
    await first.save();

    const second = await ScanIndex.load(dir.path, '/photos');
    expect(second.get('a.jpg', 1234, 1000)).toEqual(header);
    expect(second.get('a.jpg', 1235, 1000)).toBeUndefined();
    expect(second.get('a.jpg', 1234, 1001)).toBeUndefined();
    // Another folder has its own index.
    expect((await ScanIndex.load(dir.path, '/other')).get('a.jpg', 1234, 1000)).toBeUndefined();
  });

  it('drops files not seen in the last scan and writes nothing when nothing changed', async () => {
    const a = await ScanIndex.load(dir.path, '/photos');
    a.put('a.jpg', 1, 1, header);
    a.put('b.jpg', 2, 2, header);
    await a.save();
    const file = ScanIndex.pathFor(dir.path, '/photos');

    const b = await ScanIndex.load(dir.path, '/photos');
    b.get('a.jpg', 1, 1);
    b.get('b.jpg', 2, 2);
    const before = await readFile(file, 'utf8');
    await writeFile(file, before.replace('"version": 1', '"version": 1 ')); // marker: untouched if not rewritten
    await b.save();
    expect(await readFile(file, 'utf8')).toContain('"version": 1 ');

    const c = await ScanIndex.load(dir.path, '/photos');
    c.get('a.jpg', 1, 1); // b.jpg is gone
    await c.save();
    const d = await ScanIndex.load(dir.path, '/photos');
    expect(d.get('a.jpg', 1, 1)).toEqual(header);
    expect(d.get('b.jpg', 2, 2)).toBeUndefined();
  });

  it('ignores a corrupt index, one of another version, and malformed entries', async () => {
    const file = ScanIndex.pathFor(dir.path, '/photos');
    await mkdir(dirname(file), { recursive: true });
    for (const body of [
      '{"version": 1, "folder": "/photos", "entries": {"a.jpg": ',
      JSON.stringify({ version: 0, folder: '/photos', entries: { 'a.jpg': { ...header, size: 1, mtimeMs: 1 } } }),
      JSON.stringify({ version: 1, folder: '/photos', entries: { 'a.jpg': { size: 1, mtimeMs: 1, width: 'x' } } }),
      'null',
    ]) {
      await writeFile(file, body);
      const index = await ScanIndex.load(dir.path, '/photos');
      expect(index.get('a.jpg', 1, 1)).toBeUndefined();
    }
    // And a scan after a corrupt one writes a good index again.
    const fresh = await ScanIndex.load(dir.path, '/photos');
    fresh.put('a.jpg', 1, 1, header);
    await fresh.save();
    expect((await ScanIndex.load(dir.path, '/photos')).get('a.jpg', 1, 1)).toEqual(header);
  });
});
