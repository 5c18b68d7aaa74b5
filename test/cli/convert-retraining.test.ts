import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { LabelFile, LabelRecord } from '../../src/shared/labels';
import { runCli } from '../../src/cli/index';
import type { CliIo, CliLocations } from '../../src/cli/context';
import { jpeg } from '../fixtures/images';
import { designRecord } from '../fixtures/labels';
import { tempDir } from '../helpers';
import { checkUltralyticsPoseDataset } from '../ultralytics-rules';

/**
 * `convert --to yolo-pose | coco` on a labels folder of several watches with real images: the
 * dataset passes Ultralytics' own rules (test/ultralytics-rules.ts) as it is.
 */
describe('loupe convert --to yolo-pose / coco', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let labelsDir: string;
  let imagesDir: string;
  const run = async (...argv: string[]) => {
    let out = '';
    let err = '';
    const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), isTTY: false, env: {} };
    const loc = { enginePath: '', rendererDir: '', resourcesDir: '', version: 'test' } satisfies CliLocations;
    const code = await runCli(argv, io, loc, { waitForStop: async () => undefined, onInterrupt: () => undefined });
    return { code, out, err };
  };
  /** Watch → its images; the first image of BRAND_m_003 has its right keypoint outside the photo. */
  const WATCHES = ['BRAND_m_001', 'BRAND_m_002', 'BRAND_m_003', 'BRAND_m_004', 'BRAND_m_005', 'OTHER_x_001'];
  const record = (name: string, over: Partial<LabelRecord> = {}): LabelRecord => ({
    ...designRecord(),
    image_size: [64, 48],
    full_image_name: name,
    annotator: 'human:alice',
    ...over,
  });

  beforeEach(async () => {
    tmp = await tempDir('loupe-yolo-');
    labelsDir = join(tmp.path, 'alignment_labels');
    imagesDir = join(tmp.path, 'photos');
    await mkdir(labelsDir);
    await mkdir(join(imagesDir, 'sub'), { recursive: true });
    for (const [i, watch] of WATCHES.entries()) {
      const file: LabelFile = {};
      for (const k of [1, 2]) {
        const name = `${watch}_0${k}_front.jpg`;
        // One image in a subfolder: found by name below --images-dir.
        await writeFile(join(imagesDir, i === 0 && k === 2 ? 'sub' : '', name), await jpeg(64, 48));
        file[`${watch}_0${k}`] = record(name);
      }
      await writeFile(join(labelsDir, `${watch}.json`), JSON.stringify(file));
    }
    const edge = JSON.parse(await readFile(join(labelsDir, 'BRAND_m_003.json'), 'utf8')) as LabelFile;
    (edge.BRAND_m_003_01 as LabelRecord).coords_norm.right = [1.06, 0.43];
    await writeFile(join(labelsDir, 'BRAND_m_003.json'), JSON.stringify(edge));
  });
  afterEach(() => tmp.cleanup());

  const watchOf = (file: string) => basename(file).split('_').slice(0, 3).join('_');

  it('writes images/ and labels/ per split by watch ID and a dataset.yaml that passes Ultralytics’ rules', async () => {
    const out = join(tmp.path, 'yolo');
    const r = await run(
      'convert',
      '--to',
      'yolo-pose',
      '--labels-dir',
      labelsDir,
      '--images-dir',
      imagesDir,
      '--out-dir',
      out,
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/12 images \(symlinks\)/);
    expect(r.out).toMatch(/train: 10 images of 5 watches · val: 2 images of 1 watch \(by watch ID, seed 0\)/);
    expect(r.err).toMatch(/note BRAND_m_003_01: right outside the image: clamped to its edge, not visible \(v=0\)/);

    // Ultralytics' own rules, with the working directory elsewhere: path is absolute.
    const report = await checkUltralyticsPoseDataset(join(out, 'dataset.yaml'), { cwd: tmp.path });
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.strict).toEqual([]);
    expect(report.data.root).toBe(out);
    expect(report.data.kptShape).toEqual([5, 3]);
    expect(report.data.flipIdx).toEqual([0, 1, 3, 2, 4]);
    expect(report.data.names).toEqual(['dial']);
    const train = report.splits.train?.images ?? [];
    const val = report.splits.val?.images ?? [];
    expect(train).toHaveLength(10);
    expect(val).toHaveLength(2);
    expect(report.splits.train?.found).toBe(10);
    // No watch in both splits.
    const trainWatches = new Set(train.map(watchOf));
    expect(val.map(watchOf).filter((w) => trainWatches.has(w))).toEqual([]);

    const yaml = parseYaml(await readFile(join(out, 'dataset.yaml'), 'utf8')) as Record<string, unknown>;
    expect(yaml).toMatchObject({ path: out, train: 'images/train', val: 'images/val', kpt_shape: [5, 3] });
    // Symlinks by default, to the images where they are.
    const linked = join(out, 'images', 'train', 'BRAND_m_001_02_front.jpg');
    const where = train.includes(linked) ? linked : join(out, 'images', 'val', 'BRAND_m_001_02_front.jpg');
    expect((await lstat(where)).isSymbolicLink()).toBe(true);
    // The clamped keypoint: on the edge, not visible.
    const edgeLabel = [...train, ...val].find((f) => basename(f) === 'BRAND_m_003_01_front.jpg') as string;
    const cols = (
      await readFile(
        report.splits.train?.labels.get(edgeLabel) ?? report.splits.val?.labels.get(edgeLabel) ?? '',
        'utf8',
      )
    )
      .trim()
      .split(' ');
    expect(cols.slice(14, 17)).toEqual(['1', '0.43', '0']);
  });

  it('copies with --copy, splits by --val-fraction and --seed, and replaces an earlier export’s splits', async () => {
    const out = join(tmp.path, 'yolo');
    const args = [
      'convert',
      '--to',
      'yolo-pose',
      '--labels-dir',
      labelsDir,
      '--images-dir',
      imagesDir,
      '--out-dir',
      out,
    ];
    expect((await run(...args, '--copy', '--val-fraction', '0.5', '--seed', '3')).code).toBe(0);
    const first = await checkUltralyticsPoseDataset(join(out, 'dataset.yaml'));
    expect(first).toMatchObject({ errors: [], warnings: [], strict: [] });
    expect(first.splits.val?.images).toHaveLength(6);
    expect((await lstat(first.splits.val?.images[0] as string)).isFile()).toBe(true);
    const valWatches = (first.splits.val?.images ?? []).map(watchOf);

    // Another seed moves watches between splits; nothing of the first export stays behind.
    expect((await run(...args, '--val-fraction', '0.5', '--seed', '4')).code).toBe(0);
    const second = await checkUltralyticsPoseDataset(join(out, 'dataset.yaml'));
    expect(second).toMatchObject({ errors: [], warnings: [], strict: [] });
    const train2 = new Set((second.splits.train?.images ?? []).map(watchOf));
    expect((second.splits.val?.images ?? []).map(watchOf).filter((w) => train2.has(w))).toEqual([]);
    expect((second.splits.val?.images ?? []).map(watchOf)).not.toEqual(valWatches);
    expect(
      (await readdir(join(out, 'labels', 'train'))).length + (await readdir(join(out, 'labels', 'val'))).length,
    ).toBe(12);
  });

  it('refuses a folder it did not write, a single watch, and bad options; skips what it cannot export', async () => {
    const foreign = join(tmp.path, 'theirs');
    await mkdir(join(foreign, 'images'), { recursive: true });
    await writeFile(join(foreign, 'images', 'keep.jpg'), 'x');
    const base = ['convert', '--to', 'yolo-pose', '--labels-dir', labelsDir, '--images-dir', imagesDir];
    const refused = await run(...base, '--out-dir', foreign);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/was not written by a Loupe export/);
    expect(await readdir(join(foreign, 'images'))).toEqual(['keep.jpg']);

    expect((await run(...base, '--out-dir', join(tmp.path, 'y'), '--val-fraction', '1')).code).toBe(2);
    expect(
      (await run('convert', '--to', 'yolo-pose', '--labels-dir', labelsDir, '--out-dir', join(tmp.path, 'y'))).code,
    ).toBe(2);

    const single = join(tmp.path, 'single');
    await mkdir(single);
    await writeFile(join(single, 'BRAND_m_001.json'), await readFile(join(labelsDir, 'BRAND_m_001.json')));
    const one = await run(
      'convert',
      '--to',
      'yolo-pose',
      '--labels-dir',
      single,
      '--images-dir',
      imagesDir,
      '--out-dir',
      join(tmp.path, 'z'),
    );
    expect(one.code).toBe(1);
    expect(one.err).toMatch(/needs at least two watch IDs; these labels have 1 \(BRAND_m_001\)/);

    // An image that is not there is left out with the reason; the rest is exported.
    const extra: LabelFile = { BRAND_m_009_01: record('BRAND_m_009_01_front.jpg') };
    await writeFile(join(labelsDir, 'BRAND_m_009.json'), JSON.stringify(extra));
    const partial = await run(...base, '--out-dir', join(tmp.path, 'p'));
    expect(partial.code).toBe(0);
    expect(partial.err).toMatch(/skipped BRAND_m_009_01: image BRAND_m_009_01_front\.jpg not found/);
    expect(await checkUltralyticsPoseDataset(join(tmp.path, 'p', 'dataset.yaml'))).toMatchObject({
      errors: [],
      warnings: [],
    });
  });

  it('exports COCO keypoints with info, licenses and kpt_oks_sigmas', async () => {
    const out = join(tmp.path, 'coco.json');
    expect((await run('convert', '--to', 'coco', '--labels-dir', labelsDir, '--out', out)).code).toBe(0);
    const c = JSON.parse(await readFile(out, 'utf8'));
    expect(c.info).toMatchObject({ version: '1.0', contributor: 'Loupe', date_created: expect.any(String) });
    expect(c.licenses).toEqual([{ id: 1, name: 'unspecified', url: '' }]);
    expect(c.categories[0].kpt_oks_sigmas).toHaveLength(5);
    expect(c.images).toHaveLength(12);
    const edge = c.images.find((i: { file_name: string }) => i.file_name === 'BRAND_m_003_01_front.jpg');
    const ann = c.annotations.find((a: { image_id: number }) => a.image_id === edge.id);
    expect(ann.keypoints.slice(9, 12)).toEqual([0, 0, 0]);
    expect(ann.num_keypoints).toBe(4);
  });
});
