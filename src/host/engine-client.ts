import type {
  EngineConfig,
  EngineInfo,
  EngineMethod,
  EngineParams,
  EngineResult,
  EngineToHostMessage,
  HostToEngineMessage,
} from '../shared/engine-protocol';
import type { EngineEvent, EngineState } from '../shared/events';
import type { JobSnapshot, JobSpec } from '../shared/jobs';
import type { Result } from '../shared/result';
import { canTransition } from '../core/jobs/job-record';
import { validateJobSpec } from '../core/jobs/validate-spec';
import { appError, toAppError } from '../core/result';

/** A started engine process, whatever started it (Electron utilityProcess, Node fork). */
export interface EngineChild {
  readonly pid: number | null;
  send(message: HostToEngineMessage, transfer?: unknown[]): void;
  onMessage(handler: (message: EngineToHostMessage) => void): void;
  /** `output` is the tail of the child's stderr when the host captured it. */
  onExit(handler: (code: number | null, signal: string | null, output?: string) => void): void;
  kill(): void;
}

export type SpawnEngine = (config: EngineConfig) => EngineChild;

export interface EngineClientDeps {
  spawn: SpawnEngine;
  config: () => EngineConfig;
  /** Restarts allowed within `restartWindowMs` before the client gives up. */
  maxRestarts?: number;
  restartWindowMs?: number;
  /** How long `start()` waits for the engine's ready message. */
  startTimeoutMs?: number;
  now?: () => number;
  /** Called with each new child, before it is ready (Electron main wires renderer ports here). */
  onChild?: (child: EngineChild) => void;
}

interface Pending {
  resolve: (r: Result<unknown>) => void;
  method: string;
}

/**
 * The host's handle on the engine: typed requests, the event stream, and crash recovery. When the
 * engine dies unexpectedly, pending requests fail with ENGINE_CRASHED, the engine is restarted
 * (its journal marks the running job `interrupted`) and listeners hear about both.
 */
export class EngineClient {
  private child: EngineChild | null = null;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private nextId = 1;
  private restarts = 0;
  private restartTimes: number[] = [];
  private stopping = false;
  private ready: Promise<EngineInfo> | null = null;
  private lastInfo: EngineInfo | null = null;
  /** Last known status of every job, from progress events (to name the interrupted ones). */
  private readonly jobStatus = new Map<string, JobSnapshot['status']>();
  state: EngineState = 'stopped';

  constructor(private readonly deps: EngineClientDeps) {}

  get info(): EngineInfo | null {
    return this.lastInfo;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get restartCount(): number {
    return this.restarts;
  }

  /** Start the engine (idempotent); resolves when it has announced itself. */
  start(): Promise<EngineInfo> {
    if (this.ready) return this.ready;
    this.stopping = false;
    this.ready = this.launch();
    this.ready.catch(() => {
      this.ready = null;
    });
    return this.ready;
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Ask the engine. A job spec goes through `submitJob`, so it is checked whoever sends it (the
   * host's verbs, the CLI's commands).
   */
  request<M extends EngineMethod>(method: M, params: EngineParams<M>): Promise<Result<EngineResult<M>>> {
    if (method === 'jobs.submit') return this.submitJob(params) as Promise<Result<EngineResult<M>>>;
    return this.send(method, params);
  }

  /**
   * Submit a job. Its spec is checked here, once, for every host (core validateJobSpec: the
   * engine queues what it is sent), then `authorize` sees the checked spec before it leaves (the
   * renderer's verbs check its folders against the grants; the CLI asks the engine itself).
   */
  async submitJob(spec: unknown, authorize?: (spec: JobSpec) => Promise<void>): Promise<Result<JobSnapshot>> {
    const valid = validateJobSpec(spec);
    if (!valid.ok) return valid;
    if (authorize) {
      try {
        await authorize(valid.value);
      } catch (e) {
        return { ok: false, error: toAppError(e) };
      }
    }
    return this.send('jobs.submit', valid.value);
  }

  private async send<M extends EngineMethod>(method: M, params: EngineParams<M>): Promise<Result<EngineResult<M>>> {
    try {
      await this.start();
    } catch (e) {
      return { ok: false, error: appError('ENGINE_UNAVAILABLE', `the engine is not running: ${(e as Error).message}`) };
    }
    const child = this.child;
    if (!child) return { ok: false, error: appError('ENGINE_UNAVAILABLE', 'the engine is not running') };
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve: resolve as (r: Result<unknown>) => void, method });
      try {
        child.send({ type: 'request', id, method, params } as HostToEngineMessage);
      } catch (e) {
        this.pending.delete(id);
        resolve({
          ok: false,
          error: appError('ENGINE_UNAVAILABLE', `could not reach the engine: ${(e as Error).message}`),
        });
      }
    });
  }

  /** Send a message with transferred ports (Electron: connect a renderer). */
  post(message: HostToEngineMessage, transfer: unknown[]): void {
    this.child?.send(message, transfer);
  }

  /** Ask the engine to stop (it journals running jobs as interrupted); kill it if it does not. */
  async stop(timeoutMs = 5000): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve();
      }, timeoutMs);
      child.onExit(() => {
        clearTimeout(timer);
        resolve();
      });
      try {
        child.send({ type: 'shutdown' });
      } catch {
        child.kill();
      }
    });
    this.child = null;
    this.ready = null;
    this.setState('stopped', {});
  }

  private launch(): Promise<EngineInfo> {
    this.setState(this.restarts > 0 ? 'restarting' : 'starting', {});
    const child = this.deps.spawn(this.deps.config());
    this.child = child;
    return new Promise<EngineInfo>((resolve, reject) => {
      let announced = false;
      const timer = setTimeout(() => {
        if (!announced) {
          reject(new Error('the engine did not start in time'));
          child.kill();
        }
      }, this.deps.startTimeoutMs ?? 30_000);
      child.onMessage((message) => {
        switch (message.type) {
          case 'ready':
            announced = true;
            clearTimeout(timer);
            this.lastInfo = message.info;
            resolve(message.info);
            this.setState('ready', {});
            return;
          case 'response': {
            const p = this.pending.get(message.id);
            if (p) {
              this.pending.delete(message.id);
              p.resolve(message.result);
            }
            return;
          }
          case 'event':
            this.track(message.event);
            this.dispatch(message.event);
            return;
        }
      });
      child.onExit((code, signal, output) => {
        clearTimeout(timer);
        if (this.child === child) this.child = null;
        if (!announced) {
          reject(
            new Error(
              `the engine exited before it was ready (code ${code}, signal ${signal})${output ? `: ${output}` : ''}`,
            ),
          );
        }
        if (!this.stopping) this.crashed(code, signal, output);
      });
      this.deps.onChild?.(child);
    });
  }

  private crashed(code: number | null, signal: string | null, output?: string): void {
    const error = appError('ENGINE_CRASHED', `the engine stopped unexpectedly (code ${code}, signal ${signal})`, {
      code,
      signal,
      ...(output ? { output } : {}),
    });
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.resolve({ ok: false, error: { ...error, details: { ...error.details, method: p.method } } });
    }
    // The jobs the crash interrupted: those whose status may become `interrupted` (core's rules).
    const interrupted = [...this.jobStatus].filter(([, s]) => canTransition(s, 'interrupted')).map(([id]) => id);
    this.ready = null;
    this.setState('crashed', { error, interruptedJobs: interrupted });

    const now = (this.deps.now ?? Date.now)();
    const windowMs = this.deps.restartWindowMs ?? 60_000;
    this.restartTimes = this.restartTimes.filter((t) => now - t < windowMs);
    if (this.restartTimes.length >= (this.deps.maxRestarts ?? 5)) {
      this.setState('stopped', {
        error: appError(
          'ENGINE_CRASHED',
          `the engine crashed ${this.restartTimes.length + 1} times in a minute; not restarting`,
        ),
      });
      return;
    }
    this.restartTimes.push(now);
    this.restarts++;
    const delay = Math.min(2000, 100 * 2 ** (this.restartTimes.length - 1));
    setTimeout(() => {
      if (this.stopping) return;
      this.start()
        .then(() => this.announceInterrupted(interrupted))
        .catch(() => undefined);
    }, delay);
  }

  /** After a restart the engine's journal has the interrupted jobs; push their snapshots out. */
  private async announceInterrupted(ids: string[]): Promise<void> {
    const list = await this.request('jobs.list', null);
    if (!list.ok) return;
    for (const job of list.value) {
      this.track({ name: 'job:progress', payload: job });
      this.dispatch({ name: 'job:progress', payload: job });
    }
    this.setState('ready', { interruptedJobs: ids });
  }

  private track(event: EngineEvent): void {
    if (event.name === 'job:progress') this.jobStatus.set(event.payload.id, event.payload.status);
    else if (event.name === 'job:removed') this.jobStatus.delete(event.payload.jobId);
  }

  private setState(
    state: EngineState,
    extra: { error?: ReturnType<typeof appError>; interruptedJobs?: string[] },
  ): void {
    this.state = state;
    this.dispatch({
      name: 'engine:status',
      payload: { state, pid: this.child?.pid ?? null, restarts: this.restarts, ...extra },
    });
  }

  private dispatch(event: EngineEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A listener's failure must not break the stream for the others.
      }
    }
  }
}
