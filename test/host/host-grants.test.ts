import { startTestHost } from '../engine/engine-harness';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompareSession } from '../../src/shared/compare';
import type { Result } from '../../src/shared/result';
import { electronImageUrl } from '../../src/core/contract/image-url';
import { invokeHandler } from '../../src/host/verb';
import type { Host } from '../../src/host/host';
import { jpeg } from '../fixtures/images';
import { writeFixtureModels } from '../fixtures/onnx-models';
import { tempDir } from '../helpers';

/**
 * Only a user's act grants a folder; paths read from files never do, and every verb that reads or
 * writes a path checks it (issue 12, item 4). A real host over a real engine.
 */
describe('host verbs and folder grants', () => {
  let host: Host;
  let tmp: { path: string; cleanup: () => Promise<void> };
  let secret: string;
  let secretModel: string;
  let photos: string;
  const call = <T = unknown>(channel: string, ...args: unknown[]): Promise<Result<T>> =>
    invokeHandler(host.handlers, channel, args) as Promise<Result<T>>;
  const image = async (path: string): Promise<number> =>
    (await host.images(new Request(electronImageUrl(path)))).status;
  const png = (seed: number) =>
    sharp({ create: { width: 8, height: 6, channels: 3, background: { r: seed, g: 40, b: 90 } } })
      .png()
      .toBuffer();

  beforeAll(async () => {
    tmp = await tempDir('loupe-grants-');
    secret = join(tmp.path, 'secret');
    secretModel = join(tmp.path, 'secret-model');
    photos = join(tmp.path, 'photos');
    for (const d of [secret, secretModel, photos]) await mkdir(d);
    await writeFile(join(secret, 'a.png'), await png(1));
    await writeFile(join(secretModel, 'frame_000000.png'), await png(2));
    await writeFile(join(secretModel, 'metadata.json'), JSON.stringify({ params: { leaked: 'yes' } }));
    await writeFile(join(photos, 'PATEK_nab_001_01_view.jpg'), await jpeg(64, 48));
    const models = join(tmp.path, 'models');
    await writeFixtureModels(models);
    host = await startTestHost(tmp.path, { extraModelDirs: [models] });
  });
  afterAll(async () => {
    await host.stop();
    await tmp.cleanup();
  });

  /** An output folder whose batch_summary.json names folders the user never opened. */
  const craftedOutput = async (name: string): Promise<string> => {
    const out = join(tmp.path, name);
    const own = join(out, 'own_10ep_loss0.1');
    await mkdir(own, { recursive: true });
    await writeFile(join(own, 'frame_000000.png'), await png(3));
    await writeFile(
      join(own, 'metadata.json'),
      JSON.stringify({ frames: [{ index: 0, input: 'a.png', output: 'frame_000000.png' }] }),
    );
    await writeFile(
      join(out, 'batch_summary.json'),
      JSON.stringify({
        input_dir: '/',
        gt_dir: secret,
        models: [
          { run_name: 'own', output_dir: own, status: 'success' },
          { run_name: 'elsewhere', output_dir: secretModel, status: 'success' },
        ],
      }),
    );
    return out;
  };

  it('compare:open grants the output folder the user opened, never the folders its summary names', async () => {
    const out = await craftedOutput('crafted');
    const opened = await call<CompareSession>('compare:open', out);
    expect(opened.ok).toBe(true);
    // Nothing the summary names became readable: not `/`, not the ground truth, not a model folder.
    expect(host.grants.list()).not.toContain('/');
    expect(await image(join(secret, 'a.png'))).toBe(403);
    expect(await image(join(secretModel, 'frame_000000.png'))).toBe(403);
    expect(await host.grants.resolve('/')).toBeNull();
    // The output folder itself is, with the model folder inside it.
    expect(await image(join(out, 'own_10ep_loss0.1', 'frame_000000.png'))).toBe(200);
    if (!opened.ok) return;
    const session = opened.value;
    expect(session.inputDir).toBeNull();
    expect(session.gtDir).toBeNull();
    expect(session.frames).toEqual([{ index: 0, name: 'a.png', input: null, gt: null }]);
    expect(session.ungranted).toEqual([
      { role: 'frames', path: '/' },
      { role: 'ground-truth', path: secret },
      // An older summary has no `name`: the model is known by its output folder's name.
      { role: 'model', path: secretModel, model: 'secret-model' },
    ]);
    const elsewhere = session.models.find((m) => m.name === 'secret-model');
    expect(elsewhere?.params).toEqual({});
    expect(elsewhere?.outputs).toEqual([null]);
  });

  it('a folder the user then opens is read when the comparison is opened again', async () => {
    const out = await craftedOutput('crafted-2');
    expect((await call('folders:open', secret)).ok).toBe(true);
    const again = await call<CompareSession>('compare:open', out);
    expect(again.ok && again.value.gtDir).toBe(secret);
    expect(again.ok && again.value.frames[0]?.gt).toBe(join(secret, 'a.png'));
    expect(again.ok && again.value.ungranted.map((u) => u.path)).toEqual(['/', secretModel]);
  });

  it('folders:grant grants a folder the user named and remembers it, without describing it', async () => {
    const frames = join(tmp.path, 'frames-to-grant');
    await mkdir(frames);
    await writeFile(join(frames, 'f.png'), await png(4));
    expect(await image(join(frames, 'f.png'))).toBe(403);
    // Only the grant: no image count, no label folders (what folders:open adds for a photo folder).
    expect(await call('folders:grant', frames)).toEqual({ ok: true, value: { path: frames } });
    expect(await image(join(frames, 'f.png'))).toBe(200);
    const settings = await call<{ recentFolders: string[] }>('settings:get');
    expect(settings.ok && settings.value.recentFolders[0]).toBe(frames);
    expect(await call('folders:grant', 'relative/frames')).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(await call('folders:grant', join(tmp.path, 'nope'))).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });

  it('models:try refuses an image outside the opened folders and copies nothing into the cache', async () => {
    const outside = join(tmp.path, 'loose', 'photo.jpg');
    await mkdir(dirname(outside));
    await writeFile(outside, await jpeg(64, 48));
    const before = await readdir(join(tmp.path, 'cache'), { recursive: true });
    const refused = await call('models:try', 'fixture-blur', outside);
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'PERMISSION_DENIED', details: { path: outside, grant: dirname(outside) } },
    });
    expect(await readdir(join(tmp.path, 'cache'), { recursive: true })).toEqual(before);
    // Opening its folder (the user's act) lets it run.
    expect((await call('folders:open', dirname(outside))).ok).toBe(true);
    expect((await call('models:try', 'fixture-blur', outside)).ok).toBe(true);
  });

  it('keypoints verbs and jobs read and write only the folders the user opened', async () => {
    const unopened = join(tmp.path, 'unopened');
    await mkdir(unopened);
    await writeFile(join(unopened, 'x.jpg'), await jpeg(16, 16));
    const denied = { ok: false, error: { code: 'PERMISSION_DENIED' } };
    expect(await call('keypoints:load', unopened)).toMatchObject(denied);
    expect(
      await call('keypoints:export', unopened, {
        format: 'coco',
        onlyCorrected: false,
        out: join(tmp.path, 'x.json'),
      }),
    ).toMatchObject(denied);
    await writeFile(join(tmp.path, 'ls-export.json'), '[]');
    expect(
      await call('keypoints:import', unopened, { input: join(tmp.path, 'ls-export.json'), allowPartial: true }),
    ).toMatchObject(denied);
    expect(await call('jobs:submit', { kind: 'scan-images', folder: unopened })).toMatchObject(denied);
    expect(
      await call('jobs:submit', {
        kind: 'restore-frames',
        inputDir: unopened,
        outputDir: join(tmp.path, 'restored'),
        sources: [{ type: 'bundled' }],
      }),
    ).toMatchObject(denied);
    expect((await call('folders:open', photos)).ok).toBe(true);
    expect(
      await call('jobs:submit', {
        kind: 'restore-frames',
        inputDir: photos,
        gtDir: secretModel,
        outputDir: join(tmp.path, 'restored'),
        sources: [{ type: 'bundled' }],
      }),
    ).toMatchObject(denied);
    // Predictions go into the opened folder's own label folders, nowhere else.
    expect(
      await call('jobs:submit', {
        kind: 'predict-keypoints',
        imagesDir: photos,
        outputDir: unopened,
        labelsDir: join(tmp.path, 'alignment_labels'),
      }),
    ).toMatchObject(denied);
    expect(
      await call('jobs:submit', {
        kind: 'predict-keypoints',
        imagesDir: unopened,
        outputDir: join(tmp.path, 'alignment_labels_predicted'),
        labelsDir: join(tmp.path, 'alignment_labels'),
      }),
    ).toMatchObject(denied);
    expect((await call('jobs:submit', { kind: 'scan-images', folder: photos })).ok).toBe(true);
    expect((await call('keypoints:load', photos)).ok).toBe(true);
  });

  it('keypoints:export never replaces an existing file unless the request says overwrite', async () => {
    expect((await call('folders:open', photos)).ok).toBe(true);
    const out = join(tmp.path, 'export.coco.json');
    await writeFile(out, 'my own file\n');
    const refused = await call('keypoints:export', photos, { format: 'coco', onlyCorrected: false, out });
    expect(refused).toMatchObject({ ok: false, error: { code: 'ALREADY_EXISTS', details: { path: out } } });
    expect(await readFile(out, 'utf8')).toBe('my own file\n');
    const yolo = join(tmp.path, 'yolo');
    await mkdir(yolo);
    await writeFile(join(yolo, 'dataset.yaml'), 'mine\n');
    expect(
      await call('keypoints:export', photos, { format: 'yolo-pose', onlyCorrected: false, out: yolo }),
    ).toMatchObject({ ok: false, error: { code: 'ALREADY_EXISTS' } });
    expect(await readFile(join(yolo, 'dataset.yaml'), 'utf8')).toBe('mine\n');
    // Asked to, it does; a new path needs no asking.
    const replaced = await call('keypoints:export', photos, {
      format: 'coco',
      onlyCorrected: false,
      out,
      overwrite: true,
    });
    expect(replaced).toMatchObject({ ok: true, value: { out } });
    expect(JSON.parse(await readFile(out, 'utf8'))).toHaveProperty('images');
    const fresh = join(tmp.path, 'fresh.coco.json');
    expect(await call('keypoints:export', photos, { format: 'coco', onlyCorrected: false, out: fresh })).toMatchObject({
      ok: true,
    });
  });
});
