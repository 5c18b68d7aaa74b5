import { describe, expect, it } from 'vitest';
import { resolveWorkers } from '../../../src/engine/runners/predict/run-images';

describe('resolveWorkers', () => {
  it('takes a requested count as it is', () => {
    expect(resolveWorkers(3, 2, 2)).toBe(3);
  });
  it('defaults to the cores less a quarter of the ONNX Runtime threads, keeping at least one core and one worker', () => {
    expect(resolveWorkers(0, 2, 2)).toBe(1);
    expect(resolveWorkers(0, 8, 8)).toBe(6);
    expect(resolveWorkers(0, 16, 16)).toBe(12);
    expect(resolveWorkers(0, 64, 16)).toBe(12);
    expect(resolveWorkers(0, 1, 1)).toBe(1);
  });
});
