import ort from 'onnxruntime-node';
import { concreteInputShape } from '../../core/models/describe';
import { AppFailure } from '../../core/result';
import type { ModelInfo } from '../../shared/models';
import type { JobRunner } from '../jobs/manager';
import type { EngineServices } from '../services';

const MAX_ITERATIONS = 100_000;

/**
 * Time a model on this machine: session creation (with the provider that actually runs), warm-up,
 * then N runs on a fixed random input at the model's working size.
 */
export function benchmarkModelRunner(svc: EngineServices): JobRunner<'benchmark-model'> {
  return async (ctx) => {
    const iterations = Math.round(ctx.spec.iterations);
    if (!(iterations >= 1 && iterations <= MAX_ITERATIONS)) {
      throw new AppFailure('INVALID_ARGUMENT', `iterations must be between 1 and ${MAX_ITERATIONS}`);
    }
    ctx.setTotal(iterations);
    // Each step before the first run says what it waits for (the card shows it, the log times
    // it): a session waits behind any other being created, and a model's first load can be slow.
    const started = svc.now();
    ctx.setPhase('Reading the model');
    const model = await svc.catalog.get(svc.modelDirs(), ctx.spec.modelId);
    const device = ctx.spec.device ?? svc.config().device;
    ctx.setPhase(`Loading ${model.name} on ${device}`);
    const read = svc.now();
    const handle = await svc.sessions.acquire(model, device);
    ctx.setProvider(handle.provider);
    ctx.setPhase(null);
    const [readMs, sessionMs] = [read - started, svc.now() - read];
    ctx.log('info', `${model.name}: read in ${Math.round(readMs)} ms, session ready in ${Math.round(sessionMs)} ms`, {
      readMs,
      sessionMs,
      loadMs: handle.loadMs,
      warmupMs: handle.warmupMs,
      provider: handle.provider.active,
    });

    const { feeds, inputShape } = benchmarkFeeds(model);

    for (let i = 0; i < iterations; i++) {
      await ctx.checkpoint();
      const key = `run-${i + 1}`;
      if (ctx.previous(key)) continue;
      const started = performance.now();
      try {
        await handle.session.run(feeds);
      } catch (e) {
        throw new AppFailure('INFERENCE_FAILED', `run ${i + 1} failed: ${(e as Error).message}`, { model: model.id });
      }
      const ms = performance.now() - started;
      ctx.item({ index: i, key, status: 'ok', ms, data: { ms } });
    }

    const times: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const item = ctx.previous(`run-${i + 1}`);
      if (item?.data) times.push(item.data.ms);
    }
    times.sort((a, b) => a - b);
    const pick = (q: number): number => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
    return {
      modelId: model.id,
      provider: handle.provider,
      inputShape,
      loadMs: handle.loadMs,
      warmupMs: handle.warmupMs ?? 0,
      medianMs: pick(0.5),
      p90Ms: pick(0.9),
      meanMs: times.reduce((a, b) => a + b, 0) / Math.max(1, times.length),
      minMs: times[0] ?? 0,
    };
  };
}

/** A fixed pseudo-random float32 input per model input, at the model's working size. */
function benchmarkFeeds(model: ModelInfo): { feeds: Record<string, ort.Tensor>; inputShape: number[] } {
  const feeds: Record<string, ort.Tensor> = {};
  let inputShape: number[] = [];
  for (const input of model.inputs) {
    if (input.type !== 'float32') {
      throw new AppFailure('UNSUPPORTED', `input ${input.name} is ${input.type}; benchmarks feed float32 inputs only`);
    }
    const shape = concreteInputShape(input, model.manifest, model.metadata);
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    let seed = 12345;
    for (let i = 0; i < data.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      data[i] = seed / 4294967296;
    }
    feeds[input.name] = new ort.Tensor('float32', data, shape);
    if (inputShape.length === 0) inputShape = shape;
  }
  return { feeds, inputShape };
}
