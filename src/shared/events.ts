import type { ProviderReport } from './devices';
import type { JobItem, JobSnapshot } from './jobs';
import type { AppError } from './result';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  time: number;
  level: LogLevel;
  /** Where it came from: "engine", "jobs", "ort", "host". */
  source: string;
  message: string;
  jobId?: string;
  details?: Record<string, unknown>;
}

export type EngineState = 'starting' | 'ready' | 'crashed' | 'restarting' | 'stopped';

export interface EngineStatusEvent {
  state: EngineState;
  pid: number | null;
  /** Restarts since the host started. */
  restarts: number;
  error?: AppError;
  /** Jobs that were running when the engine died; they are now `interrupted`. */
  interruptedJobs?: string[];
}

/** Everything the engine (and its host) pushes to the renderer. */
export interface EngineEventMap {
  /** A job's snapshot: immediately on a status change, else at most 10 per second per job. */
  'job:progress': JobSnapshot;
  /** Items finished since the last progress event, in the same flush. */
  'job:items': { jobId: string; items: JobItem[] };
  'job:removed': { jobId: string };
  /** A session could not use the provider it asked for and runs on another. */
  'provider:fallback': { modelId: string; provider: ProviderReport };
  log: LogEntry;
  'engine:status': EngineStatusEvent;
}

export type EngineEventName = keyof EngineEventMap;

export type EngineEvent = {
  [K in EngineEventName]: { name: K; payload: EngineEventMap[K] };
}[EngineEventName];

export const ENGINE_EVENT_NAMES = [
  'job:progress',
  'job:items',
  'job:removed',
  'provider:fallback',
  'log',
  'engine:status',
] as const satisfies readonly EngineEventName[];
