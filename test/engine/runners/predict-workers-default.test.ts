import { describe, expect, it } from 'vitest';
import { resolveWorkers } from '../../../src/engine/runners/predict/run-images';

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
