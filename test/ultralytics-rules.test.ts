import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jpeg } from './fixtures/images';
import { tempDir } from './helpers';
import { checkUltralyticsPoseDataset, img2labelPath } from './ultralytics-rules';

/** The checker itself: each rule catches what Ultralytics would refuse. */
describe('Ultralytics pose dataset rules (test helper)', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    tmp = await tempDir('loupe-ultra-');
  });
  afterEach(() => tmp.cleanup());

  const GOOD = '0 0.5 0.5 0.4 0.4 0.5 0.3 2 0.5 0.7 2 0.3 0.5 2 0.7 0.5 2 0.5 0.5 2';
  const yaml = (extra = '') =>
    `path: ${JSON.stringify(tmp.path)}\ntrain: images/train\nval: images/val\nkpt_shape: [5, 3]\nflip_idx: [0, 1, 3, 2, 4]\nnames:\n  0: dial\n${extra}`;
  const dataset = async (labels: Record<string, string | null>, yamlText = yaml()): Promise<string> => {
    for (const split of ['train', 'val']) {
      await mkdir(join(tmp.path, 'images', split), { recursive: true });
      await mkdir(join(tmp.path, 'labels', split), { recursive: true });
    }
    for (const [rel, label] of Object.entries(labels)) {
      const [split, name] = rel.split('/') as [string, string];
      await writeFile(join(tmp.path, 'images', split, name), await jpeg(32, 24));
      if (label !== null) await writeFile(join(tmp.path, 'labels', split, name.replace(/\.[^.]+$/, '.txt')), label);
    }
    await writeFile(join(tmp.path, 'dataset.yaml'), yamlText);
    return join(tmp.path, 'dataset.yaml');
  };

  it('maps images to labels as img2label_paths does (the last /images/, the last dot)', () => {
    expect(img2labelPath(['', 'd', 'images', 'x', 'images', 'train', 'a.b.jpg'].join(sep))).toBe(
      ['', 'd', 'images', 'x', 'labels', 'train', 'a.b.txt'].join(sep),
    );
    expect(img2labelPath(['', 'd', 'photos', 'a.jpg'].join(sep))).toBe(['', 'd', 'photos', 'a.txt'].join(sep));
  });

  it('passes a well-formed dataset and lists each split', async () => {
    const r = await checkUltralyticsPoseDataset(await dataset({ 'train/a.jpg': GOOD, 'val/b.jpg': GOOD }));
    expect(r).toMatchObject({ errors: [], warnings: [], strict: [] });
    expect(r.splits.train?.found).toBe(1);
    expect(r.splits.val?.images).toEqual([join(tmp.path, 'images', 'val', 'b.jpg')]);
  });

  it('resolves path/train/val as check_det_dataset does: main’s yaml pointed at <images>/images', async () => {
    // What `convert --to yolo-pose --images-dir photos` wrote before issue 13.
    const photos = join(tmp.path, 'photos');
    await mkdir(photos);
    await writeFile(join(photos, 'a.jpg'), await jpeg(32, 24));
    await writeFile(
      join(tmp.path, 'dataset.yaml'),
      `path: ${JSON.stringify(photos)}\ntrain: images\nval: images\nkpt_shape: [5, 3]\nnames:\n  0: dial\n`,
    );
    const r = await checkUltralyticsPoseDataset(join(tmp.path, 'dataset.yaml'));
    expect(r.errors).toEqual([expect.stringContaining(`images not found, missing path '${join(photos, 'images')}'`)]);
    // A relative root that does not exist is looked for in the datasets folder.
    await writeFile(
      join(tmp.path, 'rel.yaml'),
      `path: nowhere\ntrain: images\nval: images\nkpt_shape: [5, 3]\nnames: [dial]\n`,
    );
    const rel = await checkUltralyticsPoseDataset(join(tmp.path, 'rel.yaml'), { cwd: tmp.path, datasetsDir: '/ds' });
    expect(rel.data.root).toBe(join('/ds', 'nowhere'));
  });

  it('drops labels as verify_image_label does: columns, out-of-range points, negatives, classes', async () => {
    const r = await checkUltralyticsPoseDataset(
      await dataset({
        'train/ok.jpg': GOOD,
        'train/cols.jpg': '0 0.5 0.5 0.4 0.4 0.5 0.3 2',
        'train/out.jpg': GOOD.replace('0.7 0.5 2', '1.05 0.5 2'),
        'train/neg.jpg': GOOD.replace('0.3 0.5 2', '-0.02 0.5 2'),
        'train/cls.jpg': GOOD.replace(/^0/, '1'),
        'val/b.jpg': GOOD,
      }),
    );
    expect(r.splits.train).toMatchObject({ found: 1, corrupt: 4 });
    expect(r.errors.join('\n')).toMatch(/cols\.jpg: ignoring corrupt image\/label: labels require 20 columns each/);
    expect(r.errors.join('\n')).toMatch(/out\.jpg: .*non-normalized or out of bounds coordinates 1\.05/);
    expect(r.errors.join('\n')).toMatch(/neg\.jpg: .*negative class labels or coordinate -0\.02/);
    expect(r.errors.join('\n')).toMatch(/cls\.jpg: .*Label class 1 exceeds dataset class count 1/);
  });

  it('warns where Ultralytics repairs, and holds Loupe to more (duplicates, missing labels, visibility, 1.01 tolerance)', async () => {
    const r = await checkUltralyticsPoseDataset(
      await dataset({
        'train/dup.jpg': `${GOOD}\n${GOOD}\n`,
        'train/nolabel.jpg': null,
        'train/vis.jpg': GOOD.replace(/2$/, '0.5'),
        'train/edge.jpg': GOOD.replace('0.7 0.5 2', '1.005 0.5 2'),
        'val/b.jpg': GOOD,
      }),
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings.join('\n')).toMatch(/dup\.jpg: 1 duplicate labels removed/);
    expect(r.warnings.join('\n')).toMatch(/nolabel\.jpg: missing label, used as a background/);
    expect(r.strict.join('\n')).toMatch(/dup\.txt: duplicate rows/);
    expect(r.strict.join('\n')).toMatch(/vis\.txt:1: keypoint 4 visibility 0\.5 not in \{0, 1, 2\}/);
    expect(r.strict.join('\n')).toMatch(/edge\.txt:1: keypoint 3 \(1\.005, 0\.5\) outside \[0, 1\]/);
  });

  it('checks kpt_shape, flip_idx and kpt_oks_sigmas, finds no images in hidden files, and follows links', async () => {
    const bad = await checkUltralyticsPoseDataset(
      await dataset(
        { 'train/a.jpg': GOOD, 'val/b.jpg': GOOD },
        yaml('kpt_oks_sigmas: [0.1, 0.1]\n').replace('flip_idx: [0, 1, 3, 2, 4]', 'flip_idx: [0, 1]'),
      ),
    );
    expect(bad.errors).toEqual([
      'data.yaml flip_idx=[0,1] length must be equal to kpt_shape[0]=5',
      "'kpt_oks_sigmas' must be 5 positive values, got [0.1,0.1]",
    ]);
    await writeFile(join(tmp.path, 'dataset.yaml'), yaml().replace('kpt_shape: [5, 3]', 'kpt_shape: [5, 4]'));
    expect((await checkUltralyticsPoseDataset(join(tmp.path, 'dataset.yaml'))).errors).toEqual([
      "'kpt_shape' in data.yaml missing or incorrect",
    ]);

    await tmp.cleanup();
    tmp = await tempDir('loupe-ultra-');
    const file = await dataset({ 'train/a.jpg': GOOD });
    await writeFile(join(tmp.path, 'images', 'val', '.hidden.jpg'), await jpeg(32, 24));
    const hidden = await checkUltralyticsPoseDataset(file);
    expect(hidden.errors).toEqual([expect.stringMatching(/^val: Error loading data from .*No images found/)]);
    const src = join(tmp.path, 'source.jpg');
    await writeFile(src, await jpeg(32, 24));
    await symlink(src, join(tmp.path, 'images', 'val', 'b.jpg'));
    await writeFile(join(tmp.path, 'labels', 'val', 'b.txt'), GOOD);
    expect(await checkUltralyticsPoseDataset(file)).toMatchObject({ errors: [], warnings: [], strict: [] });
  });
});
