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
  type Case = [
    provider: Parameters<typeof planMatching>[0]['provider'],
    requested: number,
    ortThreads: number,
    cores: number,
  ];
  const plan = ([provider, requested, ortThreads, cores]: Case) =>
    planMatching({ provider, requested, ortThreads, cores });

  it('on the CPU: a worker per core, each detecting on its share of the ONNX Runtime threads', () => {
    const cases: [Case, { workers: number; detectorThreads: number }][] = [
      [['cpu', 0, 2, 2], { workers: 2, detectorThreads: 1 }],
      [['cpu', 1, 2, 2], { workers: 1, detectorThreads: 2 }],
      // ONNX Runtime threads 0: one per core.
      [['cpu', 0, 0, 16], { workers: 16, detectorThreads: 1 }],
      [['cpu', 3, 8, 8], { workers: 3, detectorThreads: 2 }],
      // More workers than threads: still one thread each.
      [['cpu', 4, 2, 2], { workers: 4, detectorThreads: 1 }],
    ];
    for (const [c, want] of cases) expect(plan(c), c.join(' ')).toEqual(want);
  });

  it('on an accelerator: the engine keeps the one detector session, the workers only match', () => {
    for (const provider of ['webgpu', 'coreml', 'cuda', 'dml'] as const) {
      expect(plan([provider, 0, 8, 8])).toEqual({ workers: 6, detectorThreads: null });
    }
    expect(plan(['webgpu', 0, 0, 2])).toEqual({ workers: 1, detectorThreads: null });
  });
});
