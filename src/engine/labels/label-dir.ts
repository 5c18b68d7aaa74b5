import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabelFile, LabelProblem, LabelRecord } from '../../shared/labels';
import { parseLabelFile } from '../../core/formats/labels';
import { AppFailure } from '../../core/result';

export interface ReadLabels {
  watchId: string;
  path: string;
  exists: boolean;
  /** null when the file is missing or unreadable (see problems). */
  labels: LabelFile | null;
  problems: LabelProblem[];
}

/**
 * A folder of `{WATCH_ID}.json` label files, for reading: problems are reported instead of thrown.
 * Writes go through `LabelStore` (label-store.ts), the one writer of label files.
 */
export class LabelDir {
  constructor(readonly dir: string) {}

  async watchIds(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names
      .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
      .map((n) => n.slice(0, -'.json'.length))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  }

  path(watchId: string): string {
    if (!watchId || /[\\/\0]/.test(watchId) || watchId === '..' || watchId === '.') {
      throw new AppFailure('INVALID_ARGUMENT', `not a valid watch ID for a file name: ${JSON.stringify(watchId)}`);
    }
    return join(this.dir, `${watchId}.json`);
  }

  async read(watchId: string): Promise<ReadLabels> {
    const path = this.path(watchId);
    const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) =>
      e.code === 'ENOENT' ? null : Promise.reject(e),
    );
    if (text === null) return { watchId, path, exists: false, labels: null, problems: [] };
    const { labels, problems } = parseLabelFile(text, `${watchId}.json`);
    return { watchId, path, exists: true, labels, problems };
  }

  async readAll(): Promise<ReadLabels[]> {
    const out: ReadLabels[] = [];
    for (const id of await this.watchIds()) out.push(await this.read(id));
    return out;
  }

  /** All records of all readable files, keyed by image key, with the watch ID they came from. */
  async records(): Promise<Map<string, { watchId: string; record: LabelRecord }>> {
    const out = new Map<string, { watchId: string; record: LabelRecord }>();
    for (const file of await this.readAll()) {
      for (const [key, record] of Object.entries(file.labels ?? {})) out.set(key, { watchId: file.watchId, record });
    }
    return out;
  }

  async exists(): Promise<boolean> {
    return (await stat(this.dir).catch(() => null))?.isDirectory() ?? false;
  }
}
