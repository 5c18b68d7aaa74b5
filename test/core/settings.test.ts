import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import {
  applySettingsPatch,
  pythonOptionsOf,
  rebaseDraft,
  readSettingsFile,
  settingsFromFile,
  withRecentFolder,
} from '../../src/core/settings';

describe('settings', () => {
  it('applies a valid patch and refuses a bad one whole', () => {
    const ok = applySettingsPatch(DEFAULT_SETTINGS, { device: 'cpu', threads: 4, modelDirs: ['/m', '/m'] });
    expect(ok.ok && ok.value).toMatchObject({ device: 'cpu', threads: 4, modelDirs: ['/m'] });
    const bad = applySettingsPatch(DEFAULT_SETTINGS, { device: 'cpu', threads: -1, namingPattern: '(' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.details?.problems).toHaveLength(2);
  });

  it('keeps the valid fields of a hand-edited file', () => {
    expect(settingsFromFile({ device: 'tpu', threads: 2, extra: 1 })).toEqual({ ...DEFAULT_SETTINGS, threads: 2 });
    expect(settingsFromFile('garbage')).toEqual(DEFAULT_SETTINGS);
  });

  it('says which fields of a settings file it could not use', () => {
    const { settings, refused } = readSettingsFile({ device: 'tpu', threads: 2, extra: 1 });
    expect(settings).toEqual({ ...DEFAULT_SETTINGS, threads: 2 });
    expect(refused).toEqual([expect.stringMatching(/^device: device must be one of/), 'extra: not a Loupe setting']);
    expect(readSettingsFile(DEFAULT_SETTINGS).refused).toEqual([]);
  });

  it('keeps recent folders unique, newest first, bounded', () => {
    let s = DEFAULT_SETTINGS;
    for (let i = 0; i < 20; i++) s = withRecentFolder(s, `/f${i}`);
    s = withRecentFolder(s, '/f15');
    expect(s.recentFolders[0]).toBe('/f15');
    expect(s.recentFolders).toHaveLength(12);
    expect(new Set(s.recentFolders).size).toBe(12);
  });

  it('validates the prediction settings by the same rules as `loupe predict --config`', () => {
    const ok = applySettingsPatch(DEFAULT_SETTINGS, { predict: { conf: 0.4, min_inliers: 15 } });
    expect(ok.ok && ok.value.predict).toEqual({ ...DEFAULT_SETTINGS.predict, conf: 0.4, minInliers: 15 });
    // A later patch changes one key and keeps the others.
    const again = ok.ok ? applySettingsPatch(ok.value, { predict: { iou: 0.5 } }) : ok;
    expect(again.ok && again.value.predict).toMatchObject({ conf: 0.4, minInliers: 15, iou: 0.5 });
    const bad = applySettingsPatch(DEFAULT_SETTINGS, { predict: { conf: 2 } });
    expect(bad.ok).toBe(false);
    const notHere = applySettingsPatch(DEFAULT_SETTINGS, { predict: { annotator: 'x' } });
    expect(!notHere.ok && notHere.error.message).toMatch(/annotator cannot be set here/);
  });

  it('keeps a keypoint map for pose detectors, checked like --keypoint-map, and clears it', () => {
    const set = applySettingsPatch(DEFAULT_SETTINGS, { predict: { keypointMap: ' 12_oclock = top , centre=Centre' } });
    expect(set.ok && set.value.predict.keypointMap).toBe('12_oclock=top,centre=center');
    const bad = applySettingsPatch(DEFAULT_SETTINGS, { predict: { keypointMap: 'hour=minute' } });
    expect(!bad.ok && bad.error.message).toMatch(/"minute" is not one of top, bottom, left, right, center/);
    const cleared = set.ok ? applySettingsPatch(set.value, { predict: { keypointMap: null } }) : set;
    expect(cleared.ok && cleared.value.predict.keypointMap).toBeNull();
    expect(DEFAULT_SETTINGS.predict.keypointMap).toBeNull();
  });

  it('keeps the Python the exporter runs, its factory and its path; refuses what cannot work', () => {
    const ok = applySettingsPatch(DEFAULT_SETTINGS, {
      python: { executable: ' /opt/conda/bin/python ', modelFactory: 'my_models.nets:build', pythonPath: ['/src', ''] },
    });
    expect(ok.ok && ok.value.python).toEqual({
      executable: '/opt/conda/bin/python',
      modelFactory: 'my_models.nets:build',
      pythonPath: ['/src'],
      exportTimeoutSec: 600,
    });
    expect(ok.ok && pythonOptionsOf(ok.value.python)).toEqual({
      python: '/opt/conda/bin/python',
      modelFactory: 'my_models.nets:build',
      pythonPath: ['/src'],
      timeoutSec: 600,
    });
    const cleared = ok.ok ? applySettingsPatch(ok.value, { python: { executable: '', modelFactory: null } }) : ok;
    expect(cleared.ok && cleared.value.python).toMatchObject({
      executable: null,
      modelFactory: null,
      pythonPath: ['/src'],
    });
    const bad = applySettingsPatch(DEFAULT_SETTINGS, { python: { modelFactory: 'build', exportTimeoutSec: 1 } });
    expect(!bad.ok && bad.error.message).toMatch(/modelFactory must be module:function.*exportTimeoutSec must be/);
  });
});

describe('rebaseDraft', () => {
  const base = { reviewer: 'ann', threads: 0, modelDirs: ['/a'], predict: { conf: 0.25, iou: 0.7 } };

  it('takes the new saved value of every field the user has not touched', () => {
    const saved = { ...base, reviewer: 'bob', predict: { conf: 0.3, iou: 0.7 } };
    expect(rebaseDraft(base, base, saved)).toEqual(saved);
  });

  it('keeps what the user is typing in another field when one field is saved', () => {
    // The user typed a reviewer and a confidence; the threads field was saved meanwhile.
    const draft = { ...base, reviewer: 'carol', threads: 4, predict: { conf: 0.5, iou: 0.7 } };
    const saved = { ...base, threads: 4 };
    expect(rebaseDraft(draft, base, saved)).toEqual({
      reviewer: 'carol',
      threads: 4,
      modelDirs: ['/a'],
      predict: { conf: 0.5, iou: 0.7 },
    });
  });

  it('rebases nested settings field by field, and arrays as one field', () => {
    const draft = { ...base, modelDirs: ['/a', '/b'], predict: { conf: 0.5, iou: 0.7 } };
    const saved = { ...base, modelDirs: ['/c'], predict: { conf: 0.25, iou: 0.5 } };
    expect(rebaseDraft(draft, base, saved)).toEqual({
      ...base,
      modelDirs: ['/a', '/b'],
      predict: { conf: 0.5, iou: 0.5 },
    });
  });
});
