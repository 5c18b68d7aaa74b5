import { appendFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobItem, JobSnapshot } from '../../shared/jobs';
import { writeJsonAtomic } from '../fs/atomic';

export interface JournalEntry {
  snapshot: JobSnapshot;
  items: JobItem[];
}

/**
 * Jobs on disk, so they survive a renderer reload, an engine crash and an app restart:
 * `<id>.json` (the snapshot, replaced atomically) and `<id>.items.jsonl` (finished items, appended).
 * Writes for one job are chained so they land in order.
 */
export class JobJournal {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly dir: string) {}

  save(snapshot: JobSnapshot): Promise<void> {
    return this.chain(snapshot.id, () => writeJsonAtomic(this.snapshotPath(snapshot.id), snapshot));
  }

  append(jobId: string, items: readonly JobItem[]): Promise<void> {
    if (items.length === 0) return this.chains.get(jobId) ?? Promise.resolve();
    const text = items.map((i) => JSON.stringify(i)).join('\n') + '\n';
    return this.chain(jobId, async () => {
      await mkdir(this.dir, { recursive: true });
      await appendFile(this.itemsPath(jobId), text);
    });
  }

  remove(jobId: string): Promise<void> {
    return this.chain(jobId, async () => {
      await rm(this.snapshotPath(jobId), { force: true });
      await rm(this.itemsPath(jobId), { force: true });
    });
  }

  /** Wait for every pending write. */
  async drain(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }

  async load(): Promise<JournalEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const out: JournalEntry[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const id = name.slice(0, -'.json'.length);
      let snapshot: JobSnapshot;
      try {
        snapshot = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as JobSnapshot;
      } catch {
        continue; // an unreadable snapshot is skipped, never fatal
      }
      out.push({ snapshot, items: await this.readItems(id) });
    }
    return out.sort((a, b) => a.snapshot.createdAt - b.snapshot.createdAt);
  }

  private async readItems(jobId: string): Promise<JobItem[]> {
    let text: string;
    try {
      text = await readFile(this.itemsPath(jobId), 'utf8');
    } catch {
      return [];
    }
    const items: JobItem[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        items.push(JSON.parse(line) as JobItem);
      } catch {
        // The last line of a killed process can be cut short; the item is redone on resume.
      }
    }
    return items;
  }

  private chain(jobId: string, op: () => Promise<void>): Promise<void> {
    const prev = this.chains.get(jobId) ?? Promise.resolve();
    const next = prev.then(op, op);
    const settled = next.catch(() => undefined);
    this.chains.set(jobId, settled);
    void settled.then(() => {
      if (this.chains.get(jobId) === settled) this.chains.delete(jobId);
    });
    return next;
  }

  private snapshotPath(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  private itemsPath(id: string): string {
    return join(this.dir, `${id}.items.jsonl`);
  }
}
