import { DEVICES, type Device } from '../shared/devices';
import type { Result } from '../shared/result';
import {
  DEFAULT_PREDICT_SETTINGS,
  DEFAULT_SETTINGS,
  MAX_RECENT_FOLDERS,
  type PredictSettings,
  type Settings,
} from '../shared/settings';
import { compileNamingPattern } from './naming';
import { DEFAULT_PREDICT_CONFIG, predictConfigFrom } from './keypoints/predict-config';
import { err, ok } from './result';

/**
 * Validate a settings patch from the renderer (or a hand-edited settings.json) and apply it.
 * Unknown keys are ignored; a bad value refuses the whole patch with a message naming it.
 */
export function applySettingsPatch(current: Settings, patch: unknown): Result<Settings> {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    return err('INVALID_ARGUMENT', 'settings must be an object');
  }
  const p = patch as Record<string, unknown>;
  const next: Settings = { ...current };
  const problems: string[] = [];
  if ('device' in p) {
    if (DEVICES.includes(p.device as Device)) next.device = p.device as Device;
    else problems.push(`device must be one of ${DEVICES.join(', ')}`);
  }
  if ('threads' in p) {
    if (Number.isInteger(p.threads) && (p.threads as number) >= 0 && (p.threads as number) <= 256)
      next.threads = p.threads as number;
    else problems.push('threads must be an integer from 0 (one per core) to 256');
  }
  if ('modelDirs' in p) {
    if (isStringArray(p.modelDirs)) next.modelDirs = unique(p.modelDirs);
    else problems.push('modelDirs must be a list of folder paths');
  }
  if ('recentFolders' in p) {
    if (isStringArray(p.recentFolders)) next.recentFolders = unique(p.recentFolders).slice(0, MAX_RECENT_FOLDERS);
    else problems.push('recentFolders must be a list of folder paths');
  }
  if ('namingPattern' in p) {
    const compiled = typeof p.namingPattern === 'string' ? compileNamingPattern(p.namingPattern) : null;
    if (compiled?.ok) next.namingPattern = p.namingPattern as string;
    else problems.push(compiled && !compiled.ok ? compiled.error.message : 'namingPattern must be a string');
  }
  if ('reviewer' in p) {
    if (typeof p.reviewer === 'string' && p.reviewer.trim().length > 0 && p.reviewer.length <= 100)
      next.reviewer = p.reviewer.trim();
    else problems.push('reviewer must be a name of 1 to 100 characters');
  }
  if ('thumbnailSize' in p) {
    if (Number.isInteger(p.thumbnailSize) && (p.thumbnailSize as number) >= 64 && (p.thumbnailSize as number) <= 1024) {
      next.thumbnailSize = p.thumbnailSize as number;
    } else problems.push('thumbnailSize must be an integer from 64 to 1024');
  }
  if ('predict' in p) {
    const parsed =
      typeof p.predict === 'object' && p.predict !== null && !Array.isArray(p.predict)
        ? predictConfigFrom(p.predict, { ...DEFAULT_PREDICT_CONFIG, ...current.predict })
        : null;
    if (parsed?.ok) {
      const c = parsed.value;
      const extra = Object.keys(p.predict as object).filter(
        (k) => !PREDICT_SETTING_KEYS.includes(k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) as never),
      );
      if (extra.length) problems.push(`predict: ${extra.join(', ')} cannot be set here`);
      else
        next.predict = {
          model: c.model,
          conf: c.conf,
          iou: c.iou,
          matcher: c.matcher,
          minInliers: c.minInliers,
          ransacThreshold: c.ransacThreshold,
          maxTemplates: c.maxTemplates,
        };
    } else problems.push(`predict: ${parsed && !parsed.ok ? parsed.error.message : 'must be an object'}`);
  }
  if (problems.length > 0) return err('INVALID_ARGUMENT', problems.join('; '), { problems });
  return ok(next);
}

const PREDICT_SETTING_KEYS = Object.keys(DEFAULT_PREDICT_SETTINGS) as (keyof PredictSettings)[];

/** Settings read from disk: start from the defaults and keep every valid field of the file. */
export function settingsFromFile(json: unknown): Settings {
  let out: Settings = { ...DEFAULT_SETTINGS };
  if (typeof json !== 'object' || json === null) return out;
  for (const [key, value] of Object.entries(json)) {
    const applied = applySettingsPatch(out, { [key]: value });
    if (applied.ok) out = applied.value;
  }
  return out;
}

/** Put `folder` first in the recent list. */
export function withRecentFolder(settings: Settings, folder: string): Settings {
  const recent = [folder, ...settings.recentFolders.filter((f) => f !== folder)].slice(0, MAX_RECENT_FOLDERS);
  return { ...settings, recentFolders: recent };
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string' && x.length > 0);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
