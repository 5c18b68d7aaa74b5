import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planYoloPoseExport } from '../../src/core/formats/retraining';
import { EXPORT_MARKER, imagesByName, writeYoloPoseDataset } from '../../src/host/yolo-pose-export';
import { jpeg } from '../fixtures/images';
import { designRecord } from '../fixtures/labels';
import { tempDir } from '../helpers';
import { checkUltralyticsPoseDataset } from '../ultralytics-rules';

describe('YOLO-pose export writer', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    tmp = await tempDir('loupe-yolo-writer-');
  });
  afterEach(() => tmp.cleanup());

  it('finds images by name, not the links of an export inside the images folder', async () => {
    const photos = join(tmp.path, 'photos');
    await mkdir(join(photos, 'export', 'images', 'train'), { recursive: true });
    await writeFile(join(photos, 'A_m_1_01.jpg'), await jpeg(16, 16));
    await symlink(join(photos, 'A_m_1_01.jpg'), join(photos, 'export', 'images', 'train', 'B_m_1_01.jpg'));
    const found = await imagesByName(photos, join(photos, 'export'));
    expect([...found.entries()]).toEqual([['A_m_1_01.jpg', join(photos, 'A_m_1_01.jpg')]]);
  });

  it('replaces the splits of an export that died half way (its marker says incomplete)', async () => {
    const out = join(tmp.path, 'out');
    await mkdir(join(out, 'images', 'val'), { recursive: true });
    await mkdir(join(out, 'labels'), { recursive: true });
    await writeFile(join(out, 'images', 'val', 'stale.jpg'), 'left over');
    await writeFile(join(out, 'labels', 'val.cache'), 'Ultralytics cache');
    await writeFile(join(out, EXPORT_MARKER), JSON.stringify({ version: 1, complete: false }));
    const items = [];
    for (const w of ['A_m_1', 'B_m_1', 'C_m_1']) {
      const name = `${w}_01.jpg`;
      await writeFile(join(tmp.path, name), await jpeg(32, 32));
      items.push({
        imageKey: `${w}_01`,
        watchId: w,
        imagePath: join(tmp.path, name),
        record: { ...designRecord(), full_image_name: name },
      });
    }
    const plan = planYoloPoseExport(items, { valFraction: 0.34, seed: 1 });
    if (!plan.ok) throw new Error(plan.error.message);
    const r = await writeYoloPoseDataset(out, plan.value, { copy: false });
    expect(r).toMatchObject({ images: 3, images_as: 'symlinks', linkFallback: null });
    expect(r.train.images + r.val.images).toBe(3);
    expect(await readdir(join(out, 'labels'))).toEqual(['train', 'val']);
    expect(await readdir(join(out, 'images', 'val'))).not.toContain('stale.jpg');
    expect(JSON.parse(await readFile(join(out, EXPORT_MARKER), 'utf8'))).toMatchObject({ complete: true, images: 3 });
    expect(await checkUltralyticsPoseDataset(join(out, 'dataset.yaml'))).toMatchObject({
      errors: [],
      warnings: [],
      strict: [],
    });
  });
});
