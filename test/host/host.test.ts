import { startTestHost } from '../engine/engine-harness';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '../../src/shared/result';
import { invokeHandler } from '../../src/host/verb';
import type { Host } from '../../src/host/host';
import { jpeg } from '../fixtures/images';
import { writeFixtureModels } from '../fixtures/onnx-models';
import { tempDir, waitFor } from '../helpers';

/** The verbs every host binds, over a real engine, real settings file and real folders. */
describe('host verbs', () => {
  let host: Host;
  let tmp: { path: string; cleanup: () => Promise<void> };
  let extra: string;
  let other: string;
  const call = (channel: string, ...args: unknown[]): Promise<Result<unknown>> =>
    invokeHandler(host.handlers, channel, args);

  beforeEach(async () => {
    tmp = await tempDir();
    extra = join(tmp.path, 'extra-models');
    other = join(tmp.path, 'other-models');
    await writeFixtureModels(extra);
    await mkdir(other);
    await writeFile(join(other, 'second.onnx'), await readFile(join(extra, 'tiny-pose.onnx')));
    host = await startTestHost(tmp.path, { extraModelDirs: [extra] });
  });
  afterEach(async () => {
    await host.stop();
    await tmp.cleanup();
  });

  it('validates settings, persists them, and keeps command-line model folders', async () => {
    const bad = await call('settings:update', { threads: -4 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    // A folder that does not exist (or is a file) is refused and says which, before anything is saved.
    const typo = await call('settings:update', { modelDirs: [other, join(tmp.path, 'nope')], threads: 1 });
    expect(typo).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND', message: `model folder ${join(tmp.path, 'nope')}: does not exist` },
    });
    const python = await call('settings:update', { python: { executable: join(tmp.path, 'no', 'python3') } });
    expect(python).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND', message: /^Python interpreter .*: does not exist$/ },
    });
    // A bare command is looked up on PATH when it runs, not here.
    expect((await call('settings:update', { python: { executable: 'python3' } })).ok).toBe(true);
    const good = await call('settings:update', { modelDirs: [other], threads: 1 });
    expect(good.ok).toBe(true);
    const onDisk = JSON.parse(await readFile(join(tmp.path, 'data', 'settings.json'), 'utf8'));
    expect(onDisk).toMatchObject({ modelDirs: [other], threads: 1 });
    const models = (await call('models:list', { probe: false })) as Result<{ id: string; source: string }[]>;
    // The user's folders (from the settings and the command line), beside the bundled models.
    expect(
      models.ok &&
        models.value
          .filter((m) => m.source === 'user')
          .map((m) => m.id)
          .sort(),
    ).toEqual(['corrupt', 'fixture-blur', 'second', 'tiny-pose']);
  });

  it('restarts a killed engine with the settings as they are now', async () => {
    await call('settings:update', { threads: 1 });
    const pid = host.engine.pid as number;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => host.engine.state === 'ready' && host.engine.pid !== pid, 20_000, 'restart');
    const info = await host.engine.request('engine.info', null);
    expect(info.ok && info.value.config.threads).toBe(1);
    expect(info.ok && info.value.config.modelDirs).toEqual([extra]);
  });

  it('opens folders (granting them, remembering them) and lists directories for the path field', async () => {
    const photos = join(tmp.path, 'photos');
    await mkdir(join(photos, 'b-dir'), { recursive: true });
    await mkdir(join(tmp.path, 'alignment_labels'));
    for (const name of ['img10.jpg', 'img2.jpg', 'b-dir/x.jpg']) await writeFile(join(photos, name), await jpeg(8, 8));
    await writeFile(join(photos, 'readme.txt'), 'x');
    const opened = await call('folders:open', photos);
    expect(opened).toEqual({
      ok: true,
      value: {
        path: photos,
        name: 'photos',
        imageCount: 3,
        labelDirs: { human: join(tmp.path, 'alignment_labels'), predicted: null },
      },
    });
    expect(await host.grants.resolve(join(photos, 'img2.jpg'))).toBe(join(photos, 'img2.jpg'));
    const settings = (await call('settings:get')) as Result<{ recentFolders: string[] }>;
    expect(settings.ok && settings.value.recentFolders[0]).toBe(photos);

    const listing = (await call('folders:list', photos)) as Result<{
      entries: { name: string; kind: string }[];
      parent: string;
      places: { label: string }[];
    }>;
    expect(listing.ok && listing.value.entries.map((e) => e.name)).toEqual(['b-dir', 'img2.jpg', 'img10.jpg']);
    expect(listing.ok && listing.value.parent).toBe(tmp.path);
    expect(listing.ok && listing.value.places.map((p) => p.label)).toContain('Home');
    expect(await call('folders:open', 'relative/path')).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(await call('folders:open', join(photos, 'img2.jpg'))).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(await call('folders:choose')).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED' } });
  });

  it('refuses malformed calls before they reach the engine', async () => {
    expect(await call('jobs:submit', { kind: 'scan-images' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(await call('jobs:items', 'job-x', -1, 10)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await call('jobs:cancel', 42)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await invokeHandler(host.handlers, 'jobs:list', 'not-a-list')).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
  });
});
