import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LabelStore } from '../../src/engine/labels/label-store';
import { findLabelDirs, LABEL_DIR_CHOICES_FILE, LabelFolders } from '../../src/host/label-dirs';
import { jpeg } from '../fixtures/images';
import { tempDir } from '../helpers';

/** The one label-folder rule and the record of chosen folders, on real folders. */
describe('label folders', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let record: string;
  let folders: LabelFolders;
  const photosA = (): string => join(tmp.path, 'brandA');
  const photosB = (): string => join(tmp.path, 'brandB');
  beforeEach(async () => {
    tmp = await tempDir();
    record = join(tmp.path, 'data', LABEL_DIR_CHOICES_FILE);
    folders = new LabelFolders(record, new LabelStore());
    for (const d of [photosA(), photosB(), join(tmp.path, 'exports')]) await mkdir(d);
    await writeFile(join(photosA(), 'PATEK_nab_001_01.jpg'), await jpeg(8, 8));
    await writeFile(join(photosB(), 'OMEGA_spm_001_01.jpg'), await jpeg(8, 8));
    await mkdir(join(tmp.path, 'alignment_labels'));
  });
  afterEach(() => tmp.cleanup());

  it('finds them inside the images folder, else beside it, and says which', async () => {
    const beside = await findLabelDirs(photosA());
    expect(beside.human).toEqual({ path: join(tmp.path, 'alignment_labels'), found: true, source: 'beside' });
    expect(beside.predicted).toEqual({
      path: join(tmp.path, 'alignment_labels_predicted'),
      found: false,
      source: 'beside',
    });
    await mkdir(join(photosA(), 'alignment_labels_predicted'));
    expect((await findLabelDirs(photosA())).predicted).toEqual({
      path: join(photosA(), 'alignment_labels_predicted'),
      found: true,
      source: 'inside',
    });
  });

  it('warns of sibling folders of images that share them, not of folders without images', async () => {
    const a = await folders.describe(photosA());
    // brandB finds the same folders beside it; `exports` has no images and is no images folder.
    expect(a.sharedWith).toEqual([{ path: photosB(), shares: ['human', 'predicted'] }]);
    // The folder holding them counts once it has photos of its own (opening it would use them too).
    await writeFile(join(tmp.path, 'loose.jpg'), await jpeg(8, 8));
    expect((await folders.describe(photosA())).sharedWith.map((s) => s.path)).toEqual([tmp.path, photosB()]);
    // brandB with its own predictions inside shares only the human labels.
    await mkdir(join(photosB(), 'alignment_labels_predicted'));
    expect((await folders.describe(photosA())).sharedWith).toEqual([
      { path: tmp.path, shares: ['human'] },
      { path: photosB(), shares: ['human'] },
    ]);
  });

  it('remembers a choice per images folder in the data folder, and forgets it when both are null', async () => {
    const own = join(tmp.path, 'labels-a');
    const ownPredicted = join(tmp.path, 'predicted-a');
    await mkdir(own);
    await mkdir(ownPredicted);
    await folders.choose(photosA(), { human: own, predicted: ownPredicted });
    const a = await folders.describe(photosA());
    expect(a.human).toEqual({ path: own, found: true, source: 'chosen' });
    expect(a.predicted).toEqual({ path: ownPredicted, found: true, source: 'chosen' });
    expect(a.sharedWith).toEqual([]);
    // Another LabelFolders over the same record (another window, the next run) sees the choice.
    const again = new LabelFolders(record, new LabelStore());
    expect(await again.dirs(photosA())).toEqual({ labelsDir: own, predictedDir: ownPredicted });
    expect(await again.dirs(photosB())).toEqual({
      labelsDir: join(tmp.path, 'alignment_labels'),
      predictedDir: join(tmp.path, 'alignment_labels_predicted'),
    });
    expect(JSON.parse(await readFile(record, 'utf8'))).toEqual({
      version: 1,
      folders: { [photosA()]: { human: own, predicted: ownPredicted } },
    });
    // A folder that chose another's folders shares them with it.
    await folders.choose(photosB(), { human: own, predicted: null });
    expect((await folders.describe(photosA())).sharedWith).toEqual([{ path: photosB(), shares: ['human'] }]);
    await folders.choose(photosA(), { human: null, predicted: null });
    expect((await folders.find(photosA())).human.source).toBe('beside');
    expect(Object.keys(JSON.parse(await readFile(record, 'utf8')).folders)).toEqual([photosB()]);
  });

  it('refuses folders that do not exist, one folder for both, and a record it cannot read', async () => {
    await expect(folders.choose(photosA(), { human: join(tmp.path, 'nope'), predicted: null })).rejects.toMatchObject({
      error: { code: 'NOT_FOUND' },
    });
    // The human labels chosen to be where the predictions are found.
    await mkdir(join(tmp.path, 'alignment_labels_predicted'));
    await expect(
      folders.choose(photosA(), { human: join(tmp.path, 'alignment_labels_predicted'), predicted: null }),
    ).rejects.toMatchObject({ error: { code: 'INVALID_ARGUMENT', message: /cannot share one folder/ } });
    await mkdir(join(tmp.path, 'data'), { recursive: true });
    await writeFile(record, '{ not json');
    await expect(folders.find(photosA())).rejects.toMatchObject({
      error: { code: 'IO_ERROR', message: /fix or delete it/ },
    });
    await expect(folders.choose(photosA(), { human: null, predicted: null })).rejects.toMatchObject({
      error: { code: 'IO_ERROR' },
    });
    expect(await readFile(record, 'utf8')).toBe('{ not json');
  });
});
