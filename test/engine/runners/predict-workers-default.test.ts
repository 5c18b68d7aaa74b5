import { describe, expect, it } from 'vitest';
import { planMatching, resolveWorkers } from '../../../src/engine/runners/predict/run-images';

describe('resolveWorkers', () => {
  it('takes a requested count as it is', () => {
    expect(resolveWorkers(3, 2, 2)).toBe(3);
    expect(resolveWorkers(3, 2, 2, true)).toBe(3);
  });
  it('with the detector in the engine (an accelerator): the cores less a quarter of the ONNX Runtime threads, keeping at least one core and one worker', () => {
    expect(resolveWorkers(0, 2, 2)).toBe(1);
    expect(resolveWorkers(0, 8, 8)).toBe(6);
    expect(resolveWorkers(0, 16, 16)).toBe(12);
    expect(resolveWorkers(0, 64, 16)).toBe(12);
    expect(resolveWorkers(0, 1, 1)).toBe(1);
  });
  it('with the detector in the workers (the CPU): one per core, the engine thread only writing', () => {
    expect(resolveWorkers(0, 2, 2, true)).toBe(2);
    expect(resolveWorkers(0, 8, 8, true)).toBe(8);
    expect(resolveWorkers(0, 4, 16, true)).toBe(16);
    expect(resolveWorkers(0, 1, 1, true)).toBe(1);
  });
});

describe('planMatching', () => {
  it('on the CPU: a worker per core, each detecting on its share of the ONNX Runtime threads', () => {
    expect(planMatching({ provider: 'cpu', requested: 0, ortThreads: 2, cores: 2 })).toEqual({
      workers: 2,
      detectorThreads: 1,
    });
    expect(planMatching({ provider: 'cpu', requested: 1, ortThreads: 2, cores: 2 })).toEqual({
      workers: 1,
      detectorThreads: 2,
    });
    // ONNX Runtime threads 0: one per core.
    expect(planMatching({ provider: 'cpu', requested: 0, ortThreads: 0, cores: 16 })).toEqual({
      workers: 16,
      detectorThreads: 1,
    });
    expect(planMatching({ provider: 'cpu', requested: 3, ortThreads: 8, cores: 8 })).toEqual({
      workers: 3,
      detectorThreads: 2,
    });
    // More workers than threads: still one thread each.
    expect(planMatching({ provider: 'cpu', requested: 4, ortThreads: 2, cores: 2 }).detectorThreads).toBe(1);
  });

  it('on an accelerator: the engine keeps the one detector session, the workers only match', () => {
    for (const provider of ['webgpu', 'coreml', 'cuda', 'dml'] as const) {
      expect(planMatching({ provider, requested: 0, ortThreads: 8, cores: 8 })).toEqual({
        workers: 6,
        detectorThreads: null,
      });
    }
    expect(planMatching({ provider: 'webgpu', requested: 0, ortThreads: 0, cores: 2 })).toEqual({
      workers: 1,
      detectorThreads: null,
    });
  });
});
