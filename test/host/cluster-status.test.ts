import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterStatus } from '../../src/shared/shard';
import type { Result } from '../../src/shared/result';
import { SHARDS_DIR } from '../../src/core/shard/manifest';
import { mergeShardFolder, ShardManifestFile } from '../../src/engine/fs/shards';
import { FolderGrants } from '../../src/host/folder-grants';
import { clusterVerbs } from '../../src/host/handlers/cluster';
import { LabelFolders } from '../../src/host/label-dirs';
import { LabelStore } from '../../src/engine/labels/label-store';
import { bindVerbs, invokeHandler, silentLogger, type HostVerbs } from '../../src/host/verb';
import { tempDir } from '../helpers';

/** `cluster:status` on real manifests, written by the shards' own writer into a temp folder. */
describe('cluster:status', () => {
  // No chosen label folders: the predictions folder is found by the rule.
  const labelFolders = new LabelFolders(null, new LabelStore());
  let tmp: { path: string; cleanup: () => Promise<void> };
  let grants: FolderGrants;
  let clock = 0;
  let call: (...args: unknown[]) => Promise<Result<ClusterStatus>>;

  beforeAll(async () => {
    tmp = await tempDir('loupe-cluster-');
    grants = new FolderGrants();
    const handlers = bindVerbs(
      clusterVerbs({ grants, labelFolders, now: () => new Date(clock) }) as unknown as HostVerbs,
      {
        logger: silentLogger,
        now: () => performance.now(),
      },
    );
    call = (...args) => invokeHandler(handlers, 'cluster:status', args) as Promise<Result<ClusterStatus>>;
  });
  afterAll(() => tmp.cleanup());

  const T0 = Date.parse('2026-12-02T12:00:00.000Z');
  const batch = { input_dir: '/in', gt_dir: null, output_dir: '/out', frames: 0, input_problems: [], models: 0 };
  const shard = async (out: string, index: number, count: number, at: number, state: 'running' | 'done') => {
    const file = await ShardManifestFile.open(
      out,
      { index, count, source: 'flag', detail: `--shard ${index}/${count}` },
      { kind: 'infer', infer: { batch, parts: [] } },
      () => at,
      false,
    );
    file.counts(10, state === 'done' ? 10 : 3, 0);
    if (state === 'done') await file.finish('done');
    else await file.write();
  };

  it('refuses a folder the user has not opened', async () => {
    const out = join(tmp.path, 'ungranted');
    await mkdir(out);
    const r = await call(out);
    expect(r.ok || r.error.code).toBe('PERMISSION_DENIED');
  });

  it('reads the predictions folder beside an opened folder of photos, not another folder beside it', async () => {
    const photos = join(tmp.path, 'photos');
    const predicted = join(tmp.path, 'alignment_labels_predicted');
    const other = join(tmp.path, 'other');
    for (const d of [photos, predicted, other]) await mkdir(d);
    const g = new FolderGrants();
    await g.add(photos);
    const handlers = bindVerbs(
      clusterVerbs({ grants: g, labelFolders, now: () => new Date(T0) }) as unknown as HostVerbs,
      {
        logger: silentLogger,
        now: () => performance.now(),
      },
    );
    const r = (await invokeHandler(handlers, 'cluster:status', [predicted])) as Result<ClusterStatus>;
    expect(r.ok && r.value.phase).toBe('none');
    const denied = (await invokeHandler(handlers, 'cluster:status', [other])) as Result<ClusterStatus>;
    expect(denied.ok || denied.error.code).toBe('PERMISSION_DENIED');
  });

  it('reads the predictions folder chosen for an opened folder of photos', async () => {
    const photos = join(tmp.path, 'shoot');
    const chosen = join(tmp.path, 'runs', 'shoot-predicted');
    for (const d of [photos, chosen]) await mkdir(d, { recursive: true });
    const g = new FolderGrants();
    await g.add(photos);
    const chosenFolders = new LabelFolders(join(tmp.path, 'data', 'label-folders.json'), new LabelStore());
    const handlers = bindVerbs(
      clusterVerbs({ grants: g, labelFolders: chosenFolders, now: () => new Date(T0) }) as unknown as HostVerbs,
      { logger: silentLogger, now: () => performance.now() },
    );
    const status = (): Promise<Result<ClusterStatus>> =>
      invokeHandler(handlers, 'cluster:status', [chosen]) as Promise<Result<ClusterStatus>>;
    const before = await status();
    expect(before.ok || before.error.code).toBe('PERMISSION_DENIED');
    await chosenFolders.choose(photos, { human: null, predicted: chosen });
    const after = await status();
    expect(after.ok && after.value.phase).toBe('none');
  });

  it('refuses a bad threshold with the schema’s words', async () => {
    await grants.add(tmp.path);
    const r = await call(tmp.path, { staleAfterMs: -1 });
    expect(r.ok || r.error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/positive/) });
  });

  it('a folder without shards: phase none', async () => {
    const out = join(tmp.path, 'plain');
    await mkdir(out);
    await grants.add(out);
    const r = await call(out);
    expect(r.ok && r.value).toMatchObject({ phase: 'none', manifests: [], count: null });
  });

  it('follows a run from 2 of 4 done to merged, naming missing, stale and unreadable shards', async () => {
    const out = join(tmp.path, 'run');
    await mkdir(out);
    await grants.add(out);
    await shard(out, 0, 4, T0 - 60_000, 'done');
    await shard(out, 1, 4, T0 - 30_000, 'done');
    await shard(out, 2, 4, T0 - 12_000, 'running');
    clock = T0;
    let r = await call(out);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value).toMatchObject({ phase: 'running', kind: 'infer', count: 4, missing: [3], total: 30, done: 23 });
    expect(r.value.shardsDir).toBe(join(out, SHARDS_DIR));
    const running = r.value.manifests[2];
    expect(running?.ok && running.shard).toMatchObject({
      index: 2,
      state: 'running',
      host: hostname(),
      pid: process.pid,
      ageMs: 12_000,
      stale: false,
    });

    // Ten minutes without a write: stale (default threshold 5 min), or not with a longer one.
    clock = T0 + 10 * 60_000;
    r = await call(out);
    expect(r.ok && r.value.stale).toBe(1);
    r = await call(out, { staleAfterMs: 60 * 60_000 });
    expect(r.ok && r.value.stale).toBe(0);

    // A manifest that is not JSON is its own error row.
    await writeFile(join(out, SHARDS_DIR, 'shard-3-of-4.json'), '{"version": 1, "kind": "in');
    r = await call(out);
    expect(r.ok && r.value.manifests[3]).toMatchObject({ index: 3, ok: false, error: { code: 'IO_ERROR' } });
    expect(r.ok && r.value.missing).toEqual([]);

    await shard(out, 2, 4, T0 + 60_000, 'done');
    await shard(out, 3, 4, T0 + 90_000, 'done');
    r = await call(out);
    expect(r.ok && r.value).toMatchObject({ phase: 'unmerged', done: 40, stale: 0 });
    const merged = await mergeShardFolder(out);
    expect(merged.ok).toBe(true);
    r = await call(out);
    expect(r.ok && r.value.phase).toBe('merged');
  });
});
