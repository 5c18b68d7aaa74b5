import { copyFile, readFile, rename, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { AppError, Result } from '../shared/result';
import type { Settings } from '../shared/settings';
import { addedSettingsPaths, applySettingsPatch, readSettingsFile, type SettingsPath } from '../core/settings';
import { appError, AppFailure, err, ok, toAppError } from '../core/result';
import { writeJsonAtomic } from '../engine/fs/atomic';

export interface SettingsStoreOptions {
  /** For the name of a file kept aside (`settings.json.bad-<time>`). */
  now?: () => Date;
}

/**
 * settings.json in the data folder: read once, validated patches written atomically. A file that
 * cannot be used is never lost: one that does not parse is moved aside to
 * `settings.json.bad-<time>` (and the defaults start a new one), one with values Loupe cannot use
 * is copied there before the first write, and one that cannot be read at all (or moved aside) is
 * never written over. Each case is a warning the hosts show (`warnings()`: app:info, the CLI).
 */
export class SettingsStore {
  private current: Settings | null = null;
  private loading: Promise<Settings> | null = null;
  private writes: Promise<void> = Promise.resolve();
  private readonly problems: AppError[] = [];
  /** False when the file on disk could not be read or kept aside: then it is never replaced. */
  private writable = true;

  constructor(
    private readonly path: string,
    private readonly options: SettingsStoreOptions = {},
  ) {}

  get(): Promise<Settings> {
    if (this.current) return Promise.resolve(this.current);
    this.loading ??= this.load().then((s) => (this.current = s));
    return this.loading;
  }

  /** The settings as last read or written (call `get()` once first). */
  peek(): Settings {
    if (!this.current) throw new Error('SettingsStore.peek() before get()');
    return this.current;
  }

  /** What went wrong reading the file, for the user (empty when nothing did). */
  warnings(): AppError[] {
    return [...this.problems];
  }

  /** Whether changes are saved (false after a file that could not be read or kept aside). */
  get saves(): boolean {
    return this.writable;
  }

  async update(patch: unknown): Promise<Result<Settings>> {
    const current = await this.get();
    const next = applySettingsPatch(current, patch);
    if (!next.ok) return next;
    // Folders and files the change adds must exist (a typo is refused, not saved and ignored).
    const missing = await findMissing(addedSettingsPaths(current, next.value));
    if (missing.length) {
      const first = missing[0]!;
      return err('NOT_FOUND', missing.map(describeMissing).join('; '), { path: first.path, field: first.field });
    }
    if (!this.writable) return err('IO_ERROR', this.notSaved());
    await this.replace(next.value);
    return ok(next.value);
  }

  /** Hold these settings and write them; throws (keeping them for this run) when the file is not to be written. */
  async replace(settings: Settings): Promise<void> {
    this.current = settings;
    if (!this.writable) throw new AppFailure('IO_ERROR', this.notSaved(), { path: this.path });
    // Writes land in order; a failed write is reported to its caller and does not block the next.
    const write = this.writes.then(() => writeJsonAtomic(this.path, settings));
    this.writes = write.catch(() => undefined);
    await write;
  }

  private notSaved(): string {
    return `${this.path} could not be read; not overwriting it (changes hold until Loupe quits)`;
  }

  private async load(): Promise<Settings> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return readSettingsFile(null).settings;
      this.writable = false;
      this.warn(
        `${this.path} could not be read (${toAppError(e).message}); Loupe uses the default settings, and changes will not be saved over it`,
      );
      return readSettingsFile(null).settings;
    }
    let json: unknown;
    let bad: string | null = null;
    try {
      json = JSON.parse(text);
      if (typeof json !== 'object' || json === null || Array.isArray(json)) bad = 'not a JSON object';
    } catch (e) {
      bad = `not valid JSON (${(e as Error).message})`;
    }
    if (bad) {
      const aside = this.asidePath();
      try {
        await rename(this.path, aside);
      } catch (e) {
        this.writable = false;
        this.warn(
          `${basename(this.path)} is ${bad} and could not be moved aside (${toAppError(e).message}); Loupe uses the default settings and will not overwrite ${this.path}`,
        );
        return readSettingsFile(null).settings;
      }
      this.warn(
        `${basename(this.path)} is ${bad}; it was kept at ${aside} and Loupe starts from the default settings`,
        aside,
      );
      return readSettingsFile(null).settings;
    }
    const { settings, refused } = readSettingsFile(json);
    if (refused.length > 0) {
      const aside = this.asidePath();
      try {
        await copyFile(this.path, aside);
      } catch (e) {
        this.writable = false;
        this.warn(
          `${basename(this.path)} has values Loupe cannot use (${refused.join('; ')}) and could not be copied aside (${toAppError(e).message}); it will not be overwritten`,
        );
        return settings;
      }
      this.warn(
        `${basename(this.path)} has values Loupe cannot use (${refused.join('; ')}); they are ignored, and the file as it was is kept at ${aside}`,
        aside,
      );
    }
    return settings;
  }

  private asidePath(): string {
    const stamp = (this.options.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-');
    return `${this.path}.bad-${stamp}`;
  }

  private warn(message: string, keptAt?: string): void {
    this.problems.push(appError('IO_ERROR', message, { path: this.path, ...(keptAt ? { keptAt } : {}) }));
  }
}

const FIELD_NAMES: Record<SettingsPath['field'], string> = {
  modelDirs: 'model folder',
  'python.pythonPath': 'Python path folder',
  'python.executable': 'Python interpreter',
};

function describeMissing(m: SettingsPath & { problem: string }): string {
  return `${FIELD_NAMES[m.field]} ${m.path}: ${m.problem}`;
}

async function findMissing(paths: SettingsPath[]): Promise<(SettingsPath & { problem: string })[]> {
  const out: (SettingsPath & { problem: string })[] = [];
  for (const p of paths) {
    const st = await stat(p.path).catch(() => null);
    if (!st) out.push({ ...p, problem: 'does not exist' });
    else if (p.kind === 'folder' && !st.isDirectory()) out.push({ ...p, problem: 'is not a folder' });
    else if (p.kind === 'file' && !st.isFile()) out.push({ ...p, problem: 'is not a file' });
  }
  return out;
}
