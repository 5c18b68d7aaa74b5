import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVersionedJson, readVersionedJson } from '../../../src/engine/fs/versioned-json';
import { tempDir } from '../../helpers';

interface Progress {
  version: 1;
  done: string[];
}
const isProgress = (v: unknown): v is Progress =>
  typeof v === 'object' &&
  v !== null &&
  (v as { version?: unknown }).version === 1 &&
  Array.isArray((v as { done?: unknown }).done);

describe('readVersionedJson', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    tmp = await tempDir('loupe-versioned-json-');
  });
  afterAll(async () => {
    await tmp.cleanup();
  });

  it('returns the value when the guard accepts it', async () => {
    const path = join(tmp.path, 'ok.json');
    await writeFile(path, JSON.stringify({ version: 1, done: ['a'], extra: true }));
    expect(await readVersionedJson(path, isProgress)).toEqual({ version: 1, done: ['a'], extra: true });
  });

  it('falls back to null for a missing file, malformed JSON, another version or a wrong shape', async () => {
    expect(await readVersionedJson(join(tmp.path, 'missing.json'), isProgress)).toBeNull();
    const cases = {
      'truncated.json': '{"version": 1, "done": [',
      'empty.json': '',
      'v2.json': JSON.stringify({ version: 2, done: [] }),
      'shape.json': JSON.stringify({ version: 1, done: 'a' }),
      'null.json': 'null',
    };
    for (const [name, text] of Object.entries(cases)) {
      await writeFile(join(tmp.path, name), text);
      expect(await readVersionedJson(join(tmp.path, name), isProgress), name).toBeNull();
    }
  });

  it('reads a folder where a file should be as no file', async () => {
    const dir = join(tmp.path, 'a-folder.json');
    await mkdir(dir);
    expect(await readVersionedJson(dir, isProgress)).toBeNull();
  });

  it('reads an unreadable file as no file', async (ctx) => {
    if (process.getuid?.() === 0) return ctx.skip('root reads every file');
    const path = join(tmp.path, 'locked.json');
    await writeFile(path, JSON.stringify({ version: 1, done: [] }));
    await chmod(path, 0o000);
    expect(await readVersionedJson(path, isProgress)).toBeNull();
    await chmod(path, 0o600);
  });
});

describe('parseVersionedJson', () => {
  it('parses text already read; null text is no file', () => {
    expect(parseVersionedJson('{"version":1,"done":[]}', isProgress)).toEqual({ version: 1, done: [] });
    expect(parseVersionedJson(null, isProgress)).toBeNull();
    expect(parseVersionedJson('not json', isProgress)).toBeNull();
  });
});
