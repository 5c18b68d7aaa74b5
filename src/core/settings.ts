import { DEVICES, type Device } from '../shared/devices';
import type { Result } from '../shared/result';
import {
  DEFAULT_PREDICT_SETTINGS,
  DEFAULT_SETTINGS,
  MAX_RECENT_FOLDERS,
  type PredictSettings,
  type PythonSettings,
  type Settings,
} from '../shared/settings';
import type { PythonOptions } from '../shared/pytorch';
import { compileNamingPattern } from './naming';
import { predictConfigFrom } from './keypoints/predict-config';
import { PREDICT_DEFAULTS } from './keypoints/predict-defaults';
import { isPlainRecord } from './guards';
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
  if ('workers' in p) {
    if (Number.isInteger(p.workers) && (p.workers as number) >= 0 && (p.workers as number) <= 256)
      next.workers = p.workers as number;
    else problems.push('workers must be an integer from 0 (from the core count) to 256');
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
    const parsed = isPlainRecord(p.predict)
      ? predictConfigFrom(p.predict, { ...PREDICT_DEFAULTS.config, ...current.predict })
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
          keypointMap: c.keypointMap,
        };
    } else problems.push(`predict: ${parsed && !parsed.ok ? parsed.error.message : 'must be an object'}`);
  }
  if ('python' in p) {
    const parsed = pythonSettingsFrom(p.python, current.python);
    if (parsed.ok) next.python = parsed.value;
    else problems.push(`python: ${parsed.error.message}`);
  }
  if (problems.length > 0) return err('INVALID_ARGUMENT', problems.join('; '), { problems });
  return ok(next);
}

const PREDICT_SETTING_KEYS = Object.keys(DEFAULT_PREDICT_SETTINGS) as (keyof PredictSettings)[];

/** Settings read from disk: start from the defaults and keep every valid field of the file. */
export function settingsFromFile(json: unknown): Settings {
  return readSettingsFile(json).settings;
}

/**
 * Settings read from disk, and what of the file could not be used (one line per field: a bad
 * value, or a key Loupe does not know), so the host can tell the user before it writes the file.
 */
export function readSettingsFile(json: unknown): { settings: Settings; refused: string[] } {
  let out: Settings = { ...DEFAULT_SETTINGS };
  const refused: string[] = [];
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { settings: out, refused };
  for (const [key, value] of Object.entries(json)) {
    if (!(key in DEFAULT_SETTINGS)) {
      refused.push(`${key}: not a Loupe setting`);
      continue;
    }
    const applied = applySettingsPatch(out, { [key]: value });
    if (applied.ok) out = applied.value;
    else refused.push(`${key}: ${applied.error.message}`);
  }
  return { settings: out, refused };
}

/** A Python settings patch over the current ones. */
function pythonSettingsFrom(value: unknown, current: PythonSettings): Result<PythonSettings> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return err('INVALID_ARGUMENT', 'must be an object');
  const v = value as Record<string, unknown>;
  const next: PythonSettings = { ...current };
  const problems: string[] = [];
  const optionalString = (key: 'executable' | 'modelFactory', check?: (s: string) => string | null): void => {
    if (!(key in v)) return;
    const x = v[key];
    if (x === null || x === '') next[key] = null;
    else if (typeof x === 'string') {
      const problem = check?.(x.trim()) ?? null;
      if (problem) problems.push(problem);
      else next[key] = x.trim();
    } else problems.push(`${key} must be a string or null`);
  };
  optionalString('executable');
  optionalString('modelFactory', (s) =>
    /^[A-Za-z_][\w.]*:[A-Za-z_]\w*$/.test(s) ? null : 'modelFactory must be module:function, e.g. my_models:build',
  );
  if ('pythonPath' in v) {
    if (Array.isArray(v.pythonPath) && v.pythonPath.every((x) => typeof x === 'string'))
      next.pythonPath = unique((v.pythonPath as string[]).map((x) => x.trim()).filter(Boolean));
    else problems.push('pythonPath must be a list of folders');
  }
  if ('exportTimeoutSec' in v) {
    const t = v.exportTimeoutSec;
    if (Number.isInteger(t) && (t as number) >= 10 && (t as number) <= 86_400) next.exportTimeoutSec = t as number;
    else problems.push('exportTimeoutSec must be a whole number of seconds from 10 to 86400');
  }
  return problems.length ? err('INVALID_ARGUMENT', problems.join('; ')) : ok(next);
}

/** The exporter's options that follow from the Python settings. */
export function pythonOptionsOf(s: PythonSettings): PythonOptions {
  return {
    ...(s.executable ? { python: s.executable } : {}),
    ...(s.modelFactory ? { modelFactory: s.modelFactory } : {}),
    ...(s.pythonPath.length ? { pythonPath: s.pythonPath } : {}),
    timeoutSec: s.exportTimeoutSec,
  };
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

/**
 * A form's draft after the saved settings changed under it (a field was saved, or another window
 * saved): what the user has not touched follows the new saved value; what they changed and not yet
 * saved stays as they typed it. `base` is the saved value the draft started from. Objects (predict,
 * python) are rebased field by field; arrays and scalars are one field each.
 */
export function rebaseDraft<T>(draft: T, base: T, saved: T): T {
  if (sameValue(draft, base)) return saved;
  if (!isPlainRecord(draft) || !isPlainRecord(base) || !isPlainRecord(saved)) return draft;
  const out: Record<string, unknown> = { ...saved };
  for (const key of Object.keys(saved)) out[key] = rebaseDraft(draft[key], base[key], saved[key]);
  return out as T;
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** A path a settings change names that the host must find on disk before saving it. */
export interface SettingsPath {
  /** The setting, as the user knows it. */
  field: 'modelDirs' | 'python.pythonPath' | 'python.executable';
  path: string;
  kind: 'folder' | 'file';
}

/**
 * The paths `next` names that `current` did not: only those are checked, so a folder that has
 * since gone (an unplugged drive) never blocks saving another setting.
 */
export function addedSettingsPaths(current: Settings, next: Settings): SettingsPath[] {
  const added = (field: SettingsPath['field'], kind: SettingsPath['kind'], before: string[], after: string[]) =>
    after.filter((p) => !before.includes(p)).map((path) => ({ field, path, kind }));
  const exe = next.python.executable;
  return [
    ...added('modelDirs', 'folder', current.modelDirs, next.modelDirs),
    ...added('python.pythonPath', 'folder', current.python.pythonPath, next.python.pythonPath),
    // A bare command name (`python3`) is looked up on PATH by the exporter; a path must exist.
    ...(exe && exe !== current.python.executable && /[\\/]/.test(exe)
      ? [{ field: 'python.executable' as const, path: exe, kind: 'file' as const }]
      : []),
  ];
}
