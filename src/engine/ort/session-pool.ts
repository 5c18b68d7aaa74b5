import ort from 'onnxruntime-node';
import type { Device, ExecutionProviderName, ProviderReport } from '../../shared/devices';
import type { ModelInfo, TensorInfo } from '../../shared/models';
import { concreteInputShape } from '../../core/models/describe';
import { planProviders, providerOption, readableProviderError, type ProviderEnvironment } from '../../core/providers';
import { AppFailure } from '../../core/result';

export interface SessionHandle {
  session: ort.InferenceSession;
  provider: ProviderReport;
  /** InferenceSession.create time. */
  loadMs: number;
  /** First run on a small input (shaders, kernels and arenas get built here, not on item 1). */
  warmupMs: number | null;
}

export interface SessionPoolDeps {
  env: ProviderEnvironment;
  /** Intra-op threads for new sessions. */
  threads: () => number;
  /** Called when a session runs on another provider than the first one asked for. */
  onFallback: (model: ModelInfo, report: ProviderReport) => void;
  now: () => number;
}

/**
 * The options every Loupe session of `model` is created with (the pool's, and a predict worker's
 * own detector session): the providers told whether its inputs have static shapes, graph
 * optimisation `all`, `threads` intra-op threads, one inter-op thread, sequential execution;
 * `spinning: false` lets the intra-op threads sleep between runs.
 */
export function sessionOptions(
  model: ModelInfo,
  providers: readonly ExecutionProviderName[],
  o: { threads: number; spinning: boolean },
): ort.InferenceSession.SessionOptions {
  const staticShapes = model.inputs.every((i) => i.dims.every((d) => typeof d === 'number'));
  return {
    executionProviders: providers.map((p) =>
      providerOption(p, { staticShapes }),
    ) as ort.InferenceSession.ExecutionProviderConfig[],
    intraOpNumThreads: o.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    ...(o.spinning ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
  };
}

/**
 * Owns ONNX Runtime sessions, one per (model file hash, device). Creating a session tries the
 * device's providers in order and falls back to CPU when the accelerator cannot be initialised,
 * recording why, so the UI and `loupe models` can say which provider actually runs.
 */
export class SessionPool {
  private readonly sessions = new Map<string, Promise<SessionHandle>>();
  private creating: Promise<void> = Promise.resolve();

  constructor(private readonly deps: SessionPoolDeps) {}

  /**
   * `options.spinning: false`: ONNX Runtime's intra-op threads sleep between runs instead of
   * spinning (for a session that shares the cores with other busy threads, such as predict's
   * match workers: spinning threads take their CPU away).
   */
  acquire(model: ModelInfo, device: Device, options: { spinning?: boolean } = {}): Promise<SessionHandle> {
    if (model.error) {
      return Promise.reject(new AppFailure('MODEL_LOAD_FAILED', model.error.message, { model: model.id }));
    }
    const spinning = options.spinning ?? true;
    const key = `${model.sha256}|${device}${spinning ? '' : '|no-spin'}`;
    let pending = this.sessions.get(key);
    if (!pending) {
      // One session creation (and its warm-up run) at a time: a page listing models and a job
      // starting can ask together, and concurrent creations only compete for the same cores.
      pending = this.creating.then(() => this.create(model, device, spinning));
      this.creating = pending.then(
        () => undefined,
        () => undefined,
      );
      this.sessions.set(key, pending);
      pending.catch(() => this.sessions.delete(key));
    }
    return pending;
  }

  /** Release every session (device or thread settings changed). */
  async clear(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const p of all) {
      try {
        await (await p).session.release();
      } catch {
        // A session that failed to create has nothing to release.
      }
    }
  }

  get size(): number {
    return this.sessions.size;
  }

  private async create(model: ModelInfo, device: Device, spinning: boolean): Promise<SessionHandle> {
    const { plan, reason } = planProviders(device, this.deps.env);
    const attempts: ExecutionProviderName[][] = plan[0] === 'cpu' ? [['cpu']] : [plan, ['cpu']];
    let fallbackReason: string | null = reason;
    let lastError: unknown = null;
    for (const providers of attempts) {
      const started = this.deps.now();
      try {
        const session = await ort.InferenceSession.create(
          model.path,
          sessionOptions(model, providers, { threads: this.deps.threads(), spinning }),
        );
        const loadMs = this.deps.now() - started;
        const provider: ProviderReport = {
          requested: device,
          plan,
          active: providers[0] as ExecutionProviderName,
          ...(fallbackReason ? { fallbackReason } : {}),
        };
        if (fallbackReason) this.deps.onFallback(model, provider);
        const warmupMs = await warmUp(session, model, this.deps.now);
        return { session, provider, loadMs, warmupMs };
      } catch (e) {
        lastError = e;
        if (providers[0] !== 'cpu') {
          fallbackReason = `${providers[0]} could not run this model: ${readableProviderError(providers[0] as ExecutionProviderName, (e as Error).message)}`;
        }
      }
    }
    throw new AppFailure(
      'MODEL_LOAD_FAILED',
      `could not load ${model.name}: ${(lastError as Error)?.message ?? lastError}`,
      {
        model: model.id,
        path: model.path,
      },
    );
  }
}

/** One run on zeros at a small concrete shape; failures are not fatal (the real input may differ). */
export async function warmUp(
  session: ort.InferenceSession,
  model: ModelInfo,
  now: () => number,
): Promise<number | null> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of model.inputs) {
    const tensor = zeroTensor(input, model);
    if (!tensor) return null;
    feeds[input.name] = tensor;
  }
  const started = now();
  try {
    await session.run(feeds);
    return now() - started;
  } catch {
    return null;
  }
}

export function zeroTensor(input: TensorInfo, model: ModelInfo, side = 64): ort.Tensor | null {
  if (input.type !== 'float32') return null;
  const shape = concreteInputShape(input, model.manifest, model.metadata, side);
  const size = shape.reduce((a, b) => a * b, 1);
  return new ort.Tensor('float32', new Float32Array(size), shape);
}
