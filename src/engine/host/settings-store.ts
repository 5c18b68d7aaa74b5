import { readFile } from 'node:fs/promises';
import type { Result } from '../../shared/result';
import type { Settings } from '../../shared/settings';
import { applySettingsPatch, settingsFromFile } from '../../core/settings';
import { ok } from '../../core/result';
import { writeJsonAtomic } from '../fs/atomic';

/** settings.json in the data folder: read once, validated patches written atomically. */
export class SettingsStore {
  private current: Settings | null = null;
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  async get(): Promise<Settings> {
    if (!this.current) {
      let json: unknown = null;
      try {
        json = JSON.parse(await readFile(this.path, 'utf8'));
      } catch {
        // Missing or unreadable settings: start from the defaults.
      }
      this.current = settingsFromFile(json);
    }
    return this.current;
  }

  /** The settings as last read or written (call `get()` once first). */
  peek(): Settings {
    if (!this.current) throw new Error('SettingsStore.peek() before get()');
    return this.current;
  }

  async update(patch: unknown): Promise<Result<Settings>> {
    const next = applySettingsPatch(await this.get(), patch);
    if (!next.ok) return next;
    await this.replace(next.value);
    return ok(next.value);
  }

  async replace(settings: Settings): Promise<void> {
    this.current = settings;
    // Writes land in order; a failed write is reported to its caller and does not block the next.
    const write = this.writes.then(() => writeJsonAtomic(this.path, settings));
    this.writes = write.catch(() => undefined);
    await write;
  }
}
