import { randomBytes } from 'node:crypto';
import type { ProviderReport } from '../../shared/devices';
import type { ItemsPage } from '../../shared/engine-protocol';
import type { EngineEvent, LogLevel } from '../../shared/events';
import type { JobItem, JobKind, JobKinds, JobSnapshot, JobSpec, JobSpecOf } from '../../shared/jobs';
import type { AppError } from '../../shared/result';
import {
  canTransition,
  countItem,
  isActive,
  newSnapshot,
  recount,
  restoreAfterRestart,
} from '../../core/jobs/job-record';
import { RateEstimator } from '../../core/jobs/rate';
import { PROGRESS_INTERVAL_MS, Throttle } from '../../core/jobs/throttle';
import { appError, AppFailure, toAppError } from '../../core/result';
import type { JobJournal } from './journal';

/** Marks a job the engine interrupted because the app quit (not because it crashed). */
const QUIT = 'quit';
/** Distinct warnings kept per job. */
const MAX_WARNINGS = 10;

/** What a running job sees. Runners never touch the manager's state directly. */
export interface JobContext<K extends JobKind> {
  readonly jobId: string;
  readonly spec: JobSpecOf<K>;
  /** Aborted when the job is cancelled or the engine stops. */
  readonly signal: AbortSignal;
  /** The item finished before under this key (a resumed job skips it), if any. */
  previous(key: string): JobItem<K> | undefined;
  setTotal(total: number): void;
  /** Call before each item: waits while paused, throws when cancelled. */
  checkpoint(): Promise<void>;
  item(item: JobItem<K>): void;
  setProvider(provider: ProviderReport): void;
  /** Say what the job is doing now (shown beside its progress); null when it is back to items. */
  setPhase(phase: string | null): void;
  log(level: LogLevel, message: string, details?: Record<string, unknown>): void;
}

export type JobRunner<K extends JobKind> = (ctx: JobContext<K>) => Promise<JobKinds[K]['result']>;
export type JobRunners = { [K in JobKind]: JobRunner<K> };

/** What the manager needs of the journal (JobJournal on disk; tests pass one in memory). */
export type JournalPort = Pick<JobJournal, 'load' | 'save' | 'append' | 'remove' | 'drain'>;

export interface JobManagerDeps {
  runners: JobRunners;
  journal: JournalPort;
  emit: (event: EngineEvent) => void;
  now: () => number;
  /** Snapshot writes during a run happen at most this often (status changes always write). */
  checkpointMs?: number;
}

class StopSignal extends Error {
  constructor(readonly reason: 'cancelled' | 'interrupted') {
    super(reason);
  }
}

/** An open/closed latch a paused runner waits on. */
class Gate {
  private waiters: (() => void)[] = [];
  open = true;
  close(): void {
    this.open = false;
  }
  release(): void {
    this.open = true;
    for (const w of this.waiters.splice(0)) w();
  }
  wait(): Promise<void> {
    return this.open ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

interface Entry {
  snapshot: JobSnapshot;
  items: JobItem[];
  byKey: Map<string, JobItem>;
  pending: JobItem[];
  unjournaled: JobItem[];
  throttle: Throttle;
  rate: RateEstimator;
  abort: AbortController | null;
  gate: Gate;
  /** The runner's promise while it exists (running, or paused mid-run). */
  run: Promise<void> | null;
  activeSince: number | null;
  elapsedBefore: number;
  lastSaved: number;
  timer: ReturnType<typeof setTimeout> | null;
}

/**
 * Runs engine jobs one at a time (sessions block the thread, so two would only compete), with
 * pause, resume, cancel, a journal on disk and progress events throttled to ten a second.
 */
export class JobManager {
  private readonly jobs = new Map<string, Entry>();
  /** The job holding the worker, if any. */
  private worker: string | null = null;
  private readonly checkpointMs: number;
  private revision = 0;

  constructor(private readonly deps: JobManagerDeps) {
    this.checkpointMs = deps.checkpointMs ?? 1000;
  }

  /** Load the journal; jobs that were active when the engine died become `interrupted`. */
  async restore(options: { resumeQuit?: boolean } = {}): Promise<void> {
    const reason = appError('ENGINE_CRASHED', 'The engine stopped while this job was running; resume to finish it.');
    const quit: string[] = [];
    for (const { snapshot, items } of await this.deps.journal.load()) {
      if (snapshot.status === 'interrupted' && snapshot.error?.details?.reason === QUIT) quit.push(snapshot.id);
      // An item retried after a failure is in the journal twice: the later line is its outcome.
      const latest = latestByKey(items);
      const restored = restoreAfterRestart(recount(snapshot, latest), reason);
      const entry = this.newEntry(restored);
      for (const item of latest) {
        entry.items.push(item);
        entry.byKey.set(item.key, item);
      }
      this.jobs.set(restored.id, entry);
      if (restored !== snapshot) await this.deps.journal.save(restored);
    }
    // Quitting the app paused its work; starting it again carries on (oldest first).
    if (options.resumeQuit) for (const id of quit) this.resume(id);
  }

  list(): JobSnapshot[] {
    return [...this.jobs.values()].map((e) => this.current(e));
  }

  get(jobId: string): JobSnapshot {
    return this.current(this.entry(jobId));
  }

  items(jobId: string, offset: number, limit: number): ItemsPage {
    const e = this.entry(jobId);
    const start = Math.max(0, Math.floor(offset));
    const count = Math.max(0, Math.min(5000, Math.floor(limit)));
    return { total: e.items.length, items: e.items.slice(start, start + count) };
  }

  /**
   * An item found to have failed after its job recorded it ok (a scan read an image's header, and
   * decoding its pixels for a thumbnail or a preview failed later: a truncated JPEG). Its outcome
   * becomes that failure, journaled and streamed like any item, so whoever follows the job sees
   * it. `revise` brings the job's result up to date when it has one (a completed scan's image
   * and failure totals). Returns false (and changes nothing) unless the job has that item, ok.
   */
  failItem(
    jobId: string,
    key: string,
    error: AppError,
    revise?: (result: NonNullable<JobSnapshot['result']>, items: readonly JobItem[]) => JobSnapshot['result'],
  ): boolean {
    const e = this.jobs.get(jobId);
    const was = e?.byKey.get(key);
    if (!e || !was || was.status !== 'ok') return false;
    const item: JobItem = { index: was.index, key, status: 'failed', error, ms: was.ms };
    e.byKey.set(key, item);
    e.items[e.items.indexOf(was)] = item;
    e.pending.push(item);
    e.unjournaled.push(item);
    e.snapshot = recount(e.snapshot, e.items);
    if (revise && e.snapshot.result) e.snapshot = { ...e.snapshot, result: revise(e.snapshot.result, e.items) };
    this.flush(e, true);
    return true;
  }

  submit(spec: JobSpec): JobSnapshot {
    if (!(spec.kind in this.deps.runners)) {
      throw new AppFailure('INVALID_ARGUMENT', `unknown job kind "${(spec as { kind: string }).kind}"`);
    }
    const id = `job-${this.deps.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const entry = this.newEntry(newSnapshot(id, spec, this.deps.now()));
    this.jobs.set(id, entry);
    this.changed(entry);
    this.pump();
    return this.current(entry);
  }

  pause(jobId: string): JobSnapshot {
    const e = this.entry(jobId);
    this.transition(e, 'paused');
    if (this.worker === jobId) {
      this.stopClock(e);
      e.gate.close();
      this.worker = null;
    }
    this.changed(e);
    this.pump();
    return this.current(e);
  }

  resume(jobId: string): JobSnapshot {
    const e = this.entry(jobId);
    const from = e.snapshot.status;
    this.transition(e, 'queued');
    if (from === 'interrupted' || from === 'failed') {
      e.snapshot = { ...e.snapshot, resumes: e.snapshot.resumes + 1, error: null, finishedAt: null };
    }
    this.changed(e);
    this.pump();
    return this.current(e);
  }

  cancel(jobId: string): JobSnapshot {
    const e = this.entry(jobId);
    this.transition(e, 'cancelled');
    this.stopClock(e);
    e.snapshot = { ...e.snapshot, finishedAt: this.deps.now(), etaSec: null };
    e.abort?.abort();
    e.gate.release();
    if (this.worker === jobId && !e.run) this.worker = null;
    this.changed(e);
    return this.current(e);
  }

  async remove(jobId: string): Promise<null> {
    const e = this.entry(jobId);
    if (isActive(e.snapshot.status)) {
      throw new AppFailure('JOB_STATE', `job ${jobId} is ${e.snapshot.status}; cancel it first`);
    }
    this.jobs.delete(jobId);
    if (e.timer) clearTimeout(e.timer);
    await this.deps.journal.remove(jobId);
    this.deps.emit({ name: 'job:removed', payload: { jobId } });
    return null;
  }

  /** Engine is stopping on purpose: record running work as interrupted so it can be resumed. */
  async shutdown(): Promise<void> {
    const reason = appError('ENGINE_CRASHED', 'Loupe quit while this job was running; resume to finish it.', {
      reason: QUIT,
    });
    for (const e of this.jobs.values()) {
      if (!isActive(e.snapshot.status)) {
        // A trailing flush still due is done now, so nothing is written after the drain.
        if (e.timer) this.flush(e, true);
        continue;
      }
      this.stopClock(e);
      e.snapshot = { ...e.snapshot, status: 'interrupted', error: reason, rate: null, etaSec: null };
      e.abort?.abort();
      e.gate.release();
      this.flush(e, true);
    }
    await this.deps.journal.drain();
  }

  // --- scheduling ------------------------------------------------------------------------------

  private pump(): void {
    if (this.worker !== null) return;
    const next = [...this.jobs.values()]
      .filter((e) => e.snapshot.status === 'queued')
      .sort((a, b) => a.snapshot.createdAt - b.snapshot.createdAt)[0];
    if (!next) return;
    this.worker = next.snapshot.id;
    this.transition(next, 'running');
    next.activeSince = this.deps.now();
    next.snapshot = { ...next.snapshot, startedAt: next.snapshot.startedAt ?? this.deps.now() };
    next.rate.reset();
    if (next.run) {
      next.gate.release(); // a paused run continues where it stopped
    } else {
      next.run = this.execute(next);
    }
    this.changed(next);
  }

  private async execute(e: Entry): Promise<void> {
    // A fresh run of a job that ran before (resumed after an interruption or a failure): the
    // items that failed are done again unless the spec says to keep them.
    if ((e.snapshot.spec as { retryFailed?: boolean }).retryFailed !== false && e.snapshot.counts.failed > 0) {
      e.items = e.items.filter((i) => i.status !== 'failed');
      e.byKey = new Map(e.items.map((i) => [i.key, i]));
      e.snapshot = recount(e.snapshot, e.items);
    }
    const abort = new AbortController();
    e.abort = abort;
    const runner = this.deps.runners[e.snapshot.kind] as JobRunner<JobKind>;
    let outcome:
      | { status: 'completed'; result: JobSnapshot['result'] }
      | { status: 'failed'; error: JobSnapshot['error'] }
      | null = null;
    try {
      const result = await runner(this.context(e, abort.signal));
      outcome = { status: 'completed', result };
    } catch (thrown) {
      if (!(thrown instanceof StopSignal)) outcome = { status: 'failed', error: toAppError(thrown) };
    }
    e.run = null;
    e.abort = null;
    // A runner can finish (or fail) after a pause was asked for; its outcome still counts.
    if (outcome && isActive(e.snapshot.status)) {
      this.stopClock(e);
      e.snapshot =
        outcome.status === 'completed'
          ? { ...e.snapshot, status: 'completed', result: outcome.result, finishedAt: this.deps.now(), etaSec: 0 }
          : { ...e.snapshot, status: 'failed', error: outcome.error, finishedAt: this.deps.now(), etaSec: null };
      this.changed(e);
    }
    if (this.worker === e.snapshot.id) this.worker = null;
    this.pump();
  }

  private context(e: Entry, signal: AbortSignal): JobContext<JobKind> {
    const id = e.snapshot.id;
    return {
      jobId: id,
      spec: e.snapshot.spec,
      signal,
      previous: (key) => e.byKey.get(key),
      setTotal: (total) => {
        e.snapshot = { ...e.snapshot, total };
        this.flush(e, true);
      },
      checkpoint: async () => {
        // onnxruntime-node runs block the thread and resolve at once; yield to the event loop so
        // pause/cancel messages and timers are handled between items.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (!e.gate.open) await e.gate.wait();
        if (signal.aborted || !isActive(e.snapshot.status)) {
          throw new StopSignal(e.snapshot.status === 'cancelled' ? 'cancelled' : 'interrupted');
        }
      },
      item: (item) => {
        if (e.byKey.has(item.key)) return;
        e.byKey.set(item.key, item);
        e.items.push(item);
        e.pending.push(item);
        e.unjournaled.push(item);
        e.snapshot = countItem(e.snapshot, item);
        e.rate.record(this.elapsed(e), e.snapshot.done);
        this.flush(e, e.snapshot.total !== null && e.snapshot.done >= e.snapshot.total);
      },
      setProvider: (provider) => {
        e.snapshot = { ...e.snapshot, provider };
        this.flush(e, true);
      },
      setPhase: (phase) => {
        if ((e.snapshot.phase ?? null) === phase) return;
        e.snapshot = { ...e.snapshot, phase };
        this.flush(e, true);
      },
      log: (level, message, details) => {
        this.deps.emit({
          name: 'log',
          payload: {
            time: this.deps.now(),
            level,
            source: 'jobs',
            message,
            jobId: id,
            ...(details ? { details } : {}),
          },
        });
      },
    };
  }

  // --- state -----------------------------------------------------------------------------------

  private entry(jobId: string): Entry {
    const e = this.jobs.get(jobId);
    if (!e) throw new AppFailure('JOB_NOT_FOUND', `no job ${jobId}`);
    return e;
  }

  private newEntry(snapshot: JobSnapshot): Entry {
    return {
      snapshot,
      items: [],
      byKey: new Map(),
      pending: [],
      unjournaled: [],
      throttle: new Throttle(PROGRESS_INTERVAL_MS, this.deps.now),
      rate: new RateEstimator(),
      abort: null,
      gate: new Gate(),
      run: null,
      activeSince: null,
      elapsedBefore: snapshot.elapsedMs,
      lastSaved: 0,
      timer: null,
    };
  }

  private transition(e: Entry, to: JobSnapshot['status']): void {
    const from = e.snapshot.status;
    if (!canTransition(from, to)) {
      throw new AppFailure('JOB_STATE', `job ${e.snapshot.id} is ${from}; it cannot become ${to}`, { from, to });
    }
    e.snapshot = { ...e.snapshot, status: to };
  }

  private elapsed(e: Entry): number {
    return e.elapsedBefore + (e.activeSince !== null ? this.deps.now() - e.activeSince : 0);
  }

  private stopClock(e: Entry): void {
    if (e.activeSince !== null) {
      e.elapsedBefore += this.deps.now() - e.activeSince;
      e.activeSince = null;
    }
  }

  /** A snapshot to hand out (an event, an answer), stamped with the next revision. */
  private current(e: Entry): JobSnapshot {
    const s = e.snapshot;
    const remaining = s.total !== null ? s.total - s.done : null;
    const running = s.status === 'running';
    return {
      ...s,
      elapsedMs: this.elapsed(e),
      rate: running ? e.rate.rate() : s.status === 'completed' ? s.rate : null,
      etaSec: running && remaining !== null ? e.rate.eta(remaining) : s.status === 'completed' ? 0 : null,
      revision: this.nextRevision(),
    };
  }

  /**
   * Grows with every snapshot handed out; it starts from the clock (epoch ms × 1000), so an engine
   * started after a crash hands out higher revisions than the one before it did.
   */
  private nextRevision(): number {
    this.revision = Math.max(this.revision + 1, Math.floor(this.deps.now() * 1000));
    return this.revision;
  }

  /** A status change: emit now and journal now. */
  private changed(e: Entry): void {
    this.flush(e, true);
  }

  /** Emit items + progress if the throttle allows (or forced); otherwise schedule a trailing flush. */
  private flush(e: Entry, force: boolean): void {
    if (!e.throttle.take(force)) {
      if (!e.timer) {
        e.timer = setTimeout(() => {
          e.timer = null;
          this.flush(e, false);
        }, e.throttle.wait());
      }
      return;
    }
    if (e.timer) {
      clearTimeout(e.timer);
      e.timer = null;
    }
    const snapshot = this.current(e);
    e.snapshot = { ...e.snapshot, rate: snapshot.rate, etaSec: snapshot.etaSec, elapsedMs: snapshot.elapsedMs };
    if (e.pending.length > 0) {
      this.deps.emit({ name: 'job:items', payload: { jobId: snapshot.id, items: e.pending.splice(0) } });
    }
    this.deps.emit({ name: 'job:progress', payload: snapshot });
    const toJournal = e.unjournaled.splice(0);
    void this.deps.journal.append(snapshot.id, toJournal).catch((thrown: unknown) => this.journalFailed(e, thrown));
    const now = this.deps.now();
    if (force || now - e.lastSaved >= this.checkpointMs) {
      e.lastSaved = now;
      void this.deps.journal.save(e.snapshot).catch((thrown: unknown) => this.journalFailed(e, thrown));
    }
  }

  /**
   * The journal could not be written: the job runs on, but the user is told (a warning log event
   * and the job's `warnings`, sent with its progress), once per distinct reason.
   */
  private journalFailed(e: Entry, thrown: unknown): void {
    const cause = toAppError(thrown, 'IO_ERROR');
    const message = `the job journal could not be written (${cause.message}); the job goes on, but could not be resumed after a crash`;
    const known = e.snapshot.warnings ?? [];
    if (known.some((w) => w.message === message)) return;
    const warning = appError('IO_ERROR', message, { ...(cause.details?.cause ? { cause: cause.details.cause } : {}) });
    e.snapshot = { ...e.snapshot, warnings: [...known, warning].slice(-MAX_WARNINGS) };
    this.deps.emit({
      name: 'log',
      payload: { time: this.deps.now(), level: 'warn', source: 'jobs', message, jobId: e.snapshot.id },
    });
    this.deps.emit({ name: 'job:progress', payload: this.current(e) });
  }
}

/** One item per key, the last one of each, in the order the last ones came. */
function latestByKey(items: readonly JobItem[]): JobItem[] {
  const last = new Map<string, JobItem>();
  for (const item of items) {
    last.delete(item.key);
    last.set(item.key, item);
  }
  return [...last.values()];
}
