import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../fs/atomic';
import type { ImageHeader } from './image-header';

/** What a scan learns from an image's header: enough to list and lay it out without decoding. */
export type IndexedImage = ImageHeader;

interface IndexEntry extends IndexedImage {
  size: number;
  mtimeMs: number;
}

interface IndexFile {
  version: typeof INDEX_VERSION;
  folder: string;
  entries: Record<string, IndexEntry>;
}

const INDEX_VERSION = 1;

/**
 * A folder's image headers by relative path, valid while a file's size and mtime stay the same.
 * Kept in the cache dir (one versioned JSON per folder, written atomically) so reopening a big
 * folder costs a stat per file instead of a header read. A missing, corrupt or older-version index
 * is an empty one: the scan reads every header again and writes a fresh index.
 */
export class ScanIndex {
  private constructor(
    private readonly file: string,
    private readonly folder: string,
    private readonly old: Record<string, IndexEntry>,
  ) {}

  private readonly next: Record<string, IndexEntry> = {};
  private changed = false;

  static pathFor(cacheDir: string, folder: string): string {
    return join(cacheDir, 'scan-index', `${createHash('sha1').update(folder).digest('hex')}.json`);
  }

  static async load(cacheDir: string, folder: string): Promise<ScanIndex> {
    const file = ScanIndex.pathFor(cacheDir, folder);
    let entries: Record<string, IndexEntry> = {};
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<IndexFile> | null;
      if (parsed?.version === INDEX_VERSION && parsed.folder === folder && isRecord(parsed.entries)) {
        entries = parsed.entries;
      }
    } catch {
      // No index yet, or an unreadable one: start empty.
    }
    return new ScanIndex(file, folder, entries);
  }

  /** The header recorded for this file version, or undefined when the file is new or changed. */
  get(relPath: string, size: number, mtimeMs: number): IndexedImage | undefined {
    const e = this.old[relPath];
    if (!e || e.size !== size || e.mtimeMs !== mtimeMs || !validEntry(e)) return undefined;
    this.next[relPath] = e;
    const { width, height, format, orientation, bytes } = e;
    return { width, height, format, orientation, bytes };
  }

  put(relPath: string, size: number, mtimeMs: number, image: IndexedImage): void {
    this.next[relPath] = { ...image, size, mtimeMs };
    this.changed = true;
  }

  /** Write the files seen this scan (files gone since are dropped); nothing when nothing changed. */
  async save(): Promise<void> {
    const dropped = Object.keys(this.old).some((k) => !(k in this.next));
    if (!this.changed && !dropped) return;
    const body: IndexFile = { version: INDEX_VERSION, folder: this.folder, entries: this.next };
    await writeJsonAtomic(this.file, body);
  }
}

function isRecord(v: unknown): v is Record<string, IndexEntry> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validEntry(e: IndexEntry): boolean {
  return (
    Number.isFinite(e.width) &&
    Number.isFinite(e.height) &&
    e.width > 0 &&
    e.height > 0 &&
    typeof e.format === 'string' &&
    Number.isFinite(e.orientation) &&
    Number.isFinite(e.bytes)
  );
}
