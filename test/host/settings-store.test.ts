import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppInfo } from '../../src/shared/ipc';
import type { Result } from '../../src/shared/result';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import { invokeHandler } from '../../src/host/verb';
import { createHost } from '../../src/host/host';
import { nodeEngineSpawner } from '../../src/host/node-spawn';
import { SettingsStore } from '../../src/host/settings-store';
import { builtEngine, repoRoot, tempDir } from '../helpers';

/** settings.json that cannot be used is kept, the user is told, and it is never written over. */
describe('settings store', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let path: string;
  const broken = '{ "device": "cpu", "threads": 4,, oops\n';
  const now = () => new Date('2026-03-04T05:06:07.890Z');
  beforeEach(async () => {
    tmp = await tempDir();
    path = join(tmp.path, 'settings.json');
  });
  afterEach(() => tmp.cleanup());

  it('moves an unparseable file aside, warns, and starts a new one beside it', async () => {
    await writeFile(path, broken);
    const store = new SettingsStore(path, { now });
    expect(await store.get()).toEqual(DEFAULT_SETTINGS);
    const aside = join(tmp.path, 'settings.json.bad-2026-03-04T05-06-07-890Z');
    expect(await readFile(aside, 'utf8')).toBe(broken);
    expect(store.warnings()).toEqual([
      expect.objectContaining({ code: 'IO_ERROR', details: expect.objectContaining({ keptAt: aside }) }),
    ]);
    expect(store.warnings()[0]?.message).toMatch(/settings\.json is not valid JSON.*kept at .*bad-2026/);
    expect(await store.update({ threads: 2 })).toMatchObject({ ok: true });
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ threads: 2 });
    expect(await readFile(aside, 'utf8')).toBe(broken);
  });

  it('never writes over a file it could not read', async () => {
    await mkdir(path); // EISDIR: not readable as a file, and not movable aside as one
    await writeFile(join(path, 'inside'), 'x');
    const store = new SettingsStore(path, { now });
    expect(await store.get()).toEqual(DEFAULT_SETTINGS);
    expect(store.warnings()[0]?.message).toMatch(/could not be read.*not be saved/);
    expect(await store.update({ threads: 2 })).toMatchObject({ ok: false, error: { code: 'IO_ERROR' } });
    await expect(store.replace({ ...DEFAULT_SETTINGS, threads: 3 })).rejects.toThrow(/not overwriting/);
    expect(await readdir(path)).toEqual(['inside']);
    // What the user changed holds for this run.
    expect(store.peek().threads).toBe(3);
  });

  it('tells the renderer (app:info) and keeps the bad file through folders:open', async () => {
    const dataDir = join(tmp.path, 'data');
    await mkdir(dataDir);
    await writeFile(join(dataDir, 'settings.json'), broken);
    const host = await createHost({
      kind: 'web',
      name: 'Loupe',
      version: 'test',
      paths: { dataDir, cacheDir: join(tmp.path, 'cache'), resourcesDir: join(repoRoot, 'resources') },
      spawn: nodeEngineSpawner(builtEngine, { silent: true }),
    });
    try {
      const photos = join(tmp.path, 'photos');
      await mkdir(photos);
      expect((await invokeHandler(host.handlers, 'folders:open', [photos])).ok).toBe(true);
      const info = (await invokeHandler(host.handlers, 'app:info', [])) as Result<AppInfo>;
      expect(info.ok && info.value.warnings.map((w) => w.message)).toEqual([
        expect.stringMatching(/settings\.json is not valid JSON/),
      ]);
      const names = await readdir(dataDir);
      const aside = names.find((n) => n.startsWith('settings.json.bad-'));
      expect(aside).toBeDefined();
      expect(await readFile(join(dataDir, aside as string), 'utf8')).toBe(broken);
    } finally {
      await host.stop();
    }
  });
});
