import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LabelFile } from '../../../src/shared/labels';
import type { Result } from '../../../src/shared/result';
import type { FolderLabelDirs, KeypointFolder, ReviewEntry } from '../../../src/shared/review';
import { DEFAULT_PREDICT_SETTINGS } from '../../../src/shared/settings';
import { PREDICT_DEFAULTS } from '../../../src/core/keypoints/predict-defaults';
import { LabelStore } from '../../../src/engine/labels/label-store';
import { FolderGrants } from '../../../src/host/folder-grants';
import { keypointsVerbs } from '../../../src/host/handlers/keypoints';
import { requireJobGrants } from '../../../src/host/job-grants';
import { LABEL_DIR_CHOICES_FILE, LabelFolders } from '../../../src/host/label-dirs';
import { SettingsStore } from '../../../src/host/settings-store';
import { bindVerbs, invokeHandler, silentLogger, type HostVerbs } from '../../../src/host/verb';
import { designRecord } from '../../fixtures/labels';
import { jpeg } from '../../fixtures/images';
import { tempDir } from '../../helpers';

/** `keypoints:*` over real folders: the naming summary, and label folders shown, chosen and used. */
describe('keypoints verbs: naming and label folders', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let photos: string;
  let grants: FolderGrants;
  let labelFolders: LabelFolders;
  let call: <T>(channel: string, ...args: unknown[]) => Promise<Result<T>>;

  beforeEach(async () => {
    tmp = await tempDir();
    photos = join(tmp.path, 'brandA');
    await mkdir(join(photos, 'casio'), { recursive: true });
    await mkdir(join(tmp.path, 'brandB'));
    for (const n of ['PATEK_nab_001_01_front.jpg', 'PATEK_nab_001_02.jpg', 'IMG_0001.jpg', 'casio/DSC_7.jpg'])
      await writeFile(join(photos, n), await jpeg(16, 12));
    await writeFile(join(tmp.path, 'brandB', 'OMEGA_spm_001_01.jpg'), await jpeg(16, 12));
    // The sibling label folders both photo folders find by the rule.
    await mkdir(join(tmp.path, 'alignment_labels'));
    await mkdir(join(tmp.path, 'alignment_labels_predicted'));
    grants = new FolderGrants();
    await grants.add(photos);
    const store = new LabelStore();
    labelFolders = new LabelFolders(join(tmp.path, 'data', LABEL_DIR_CHOICES_FILE), store);
    const settings = new SettingsStore(join(tmp.path, 'data', 'settings.json'));
    const verbs = keypointsVerbs({
      grants,
      settings,
      labels: store,
      labelFolders,
      now: () => new Date('2026-12-02T12:00:00Z'),
    });
    const handlers = bindVerbs(verbs as unknown as HostVerbs, { logger: silentLogger, now: () => performance.now() });
    call = (channel, ...args) => invokeHandler(handlers, channel, args) as never;
  });
  afterEach(() => tmp.cleanup());

  it('says how many names the pattern missed, with examples of both kinds', async () => {
    const loaded = await call<KeypointFolder>('keypoints:load', photos);
    expect(loaded.ok && loaded.value.naming).toMatchObject({
      unmatched: 2,
      unmatchedExamples: ['casio/DSC_7.jpg', 'IMG_0001.jpg'],
      matchedExamples: ['PATEK_nab_001_01_front.jpg', 'PATEK_nab_001_02.jpg'],
    });
  });

  it('shows the label folders with full paths and the sibling that shares them', async () => {
    const dirs = await call<FolderLabelDirs>('keypoints:labelDirs', photos);
    expect(dirs).toEqual({
      ok: true,
      value: {
        imagesDir: photos,
        human: { path: join(tmp.path, 'alignment_labels'), found: true, source: 'beside' },
        predicted: { path: join(tmp.path, 'alignment_labels_predicted'), found: true, source: 'beside' },
        sharedWith: [{ path: join(tmp.path, 'brandB'), shares: ['human', 'predicted'] }],
      },
    });
  });

  it('uses the chosen folders for the load, the review writes and the predict job', async () => {
    const own = join(tmp.path, 'labels', 'brandA');
    const ownPredicted = join(tmp.path, 'labels', 'brandA-predicted');
    await mkdir(own, { recursive: true });
    await mkdir(ownPredicted);
    const predicted: LabelFile = {
      PATEK_nab_001_01: { ...designRecord(), full_image_name: 'PATEK_nab_001_01_front.jpg' },
    };
    await writeFile(join(ownPredicted, 'PATEK_nab_001.json'), JSON.stringify(predicted));

    const chosen = await call<FolderLabelDirs>('keypoints:chooseLabelDirs', photos, {
      human: own,
      predicted: ownPredicted,
    });
    expect(chosen.ok && [chosen.value.human, chosen.value.predicted, chosen.value.sharedWith]).toEqual([
      { path: own, found: true, source: 'chosen' },
      { path: ownPredicted, found: true, source: 'chosen' },
      [],
    ]);

    const loaded = await call<KeypointFolder>('keypoints:load', photos);
    expect(loaded.ok && [loaded.value.labelsDir, loaded.value.predictedDir]).toEqual([own, ownPredicted]);
    expect(loaded.ok && loaded.value.entries.find((e) => e.imageKey === 'PATEK_nab_001_01')?.predicted).toBeTruthy();

    const reviewed = await call<ReviewEntry>('keypoints:review', photos, {
      kind: 'accept',
      imageKey: 'PATEK_nab_001_01',
      coords: designRecord().coords_norm,
    });
    expect(reviewed.ok).toBe(true);
    const written = JSON.parse(await readFile(join(own, 'PATEK_nab_001.json'), 'utf8')) as LabelFile;
    expect(Object.keys(written)).toEqual(['PATEK_nab_001_01']);

    // Predict may write into the chosen folders (not granted themselves) and nowhere else ungranted.
    const spec = {
      kind: 'predict-keypoints' as const,
      imagesDir: photos,
      labelsDir: own,
      outputDir: ownPredicted,
      config: { ...PREDICT_DEFAULTS.config, ...DEFAULT_PREDICT_SETTINGS },
    };
    const dirsOf = (f: string) => labelFolders.dirs(f);
    await expect(requireJobGrants(spec, grants, dirsOf)).resolves.toBeUndefined();
    await expect(
      requireJobGrants({ ...spec, outputDir: join(tmp.path, 'alignment_labels_predicted') }, grants, dirsOf),
    ).rejects.toMatchObject({ error: { code: 'PERMISSION_DENIED' } });

    // Back to the rule: both null.
    const reset = await call<FolderLabelDirs>('keypoints:chooseLabelDirs', photos, { human: null, predicted: null });
    expect(reset.ok && reset.value.human.source).toBe('beside');
  });

  it('refuses bad choices with a reason, and folders that were not opened', async () => {
    const missing = await call('keypoints:chooseLabelDirs', photos, { human: join(tmp.path, 'nope'), predicted: null });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const same = join(tmp.path, 'one');
    await mkdir(same);
    expect(await call('keypoints:chooseLabelDirs', photos, { human: same, predicted: same })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: /cannot share one folder/ },
    });
    expect(await call('keypoints:chooseLabelDirs', photos, { human: 3 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(await call('keypoints:labelDirs', join(tmp.path, 'brandB'))).toMatchObject({
      ok: false,
      error: { code: 'PERMISSION_DENIED' },
    });
  });
});
