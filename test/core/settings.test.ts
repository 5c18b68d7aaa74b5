import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import { applySettingsPatch, settingsFromFile, withRecentFolder } from '../../src/core/settings';

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

  it('keeps recent folders unique, newest first, bounded', () => {
    let s = DEFAULT_SETTINGS;
    for (let i = 0; i < 20; i++) s = withRecentFolder(s, `/f${i}`);
    s = withRecentFolder(s, '/f15');
    expect(s.recentFolders[0]).toBe('/f15');
    expect(s.recentFolders).toHaveLength(12);
    expect(new Set(s.recentFolders).size).toBe(12);
  });
});
