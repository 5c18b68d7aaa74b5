import type { EngineConfig } from '../shared/engine-protocol';
import type { LabelStore } from './labels/label-store';
import type { ModelCatalog, ModelSourceDirs } from './models/catalog';
import type { SessionPool } from './ort/session-pool';
import type { TorchExporter } from './pytorch/exporter';

/** What job runners and handlers need from the engine, passed in (no module state). */
export interface EngineServices {
  config(): EngineConfig;
  modelDirs(): ModelSourceDirs;
  catalog: ModelCatalog;
  sessions: SessionPool;
  /** PyTorch models to ONNX, once, in the user's Python. */
  exporter: TorchExporter;
  /** The one writer of label files (predictions), shared with the host's by a file lock. */
  labels: LabelStore;
  /** libvips threads available for decoding in parallel. */
  ioConcurrency(): number;
  /**
   * The clock, in epoch milliseconds: every runner reads it (never Date.now() or new Date()) for
   * item durations and for the timestamps it writes (created_at, updatedAt, log lines), so a test
   * can pass its own. benchmark-model times session runs with performance.now(), a sub-millisecond
   * stopwatch, on purpose: that is the measurement, not the time of day.
   */
  now(): number;
}
