import { describe, expect, it } from 'vitest';
import { rafBatch, type FrameScheduler } from '../../../src/renderer/canvas/use-raf-pointer';

/** Frames that come when the test says so. */
function manualFrames(): FrameScheduler & { tick: () => void; pending: () => number } {
  const queue = new Map<number, () => void>();
  let next = 1;
  return {
    request: (cb) => {
      queue.set(next, cb);
      return next++;
    },
    cancel: (id) => void queue.delete(id),
    tick: () => {
      const due = [...queue.values()];
      queue.clear();
      for (const cb of due) cb();
    },
    pending: () => queue.size,
  };
}

describe('rafBatch', () => {
  it('applies the newest value once per frame, asking for one frame however many values come', () => {
    const frames = manualFrames();
    const applied: number[] = [];
    const batch = rafBatch<number>((v) => applied.push(v), frames);
    for (let i = 1; i <= 8; i++) batch.push(i);
    expect(frames.pending()).toBe(1);
    expect(applied).toEqual([]);
    frames.tick();
    expect(applied).toEqual([8]);
    frames.tick();
    expect(applied).toEqual([8]);
    batch.push(9);
    frames.tick();
    expect(applied).toEqual([8, 9]);
  });

  it('flush applies the pending value now and drops its frame; with nothing pending it does nothing', () => {
    const frames = manualFrames();
    const applied: number[] = [];
    const batch = rafBatch<number>((v) => applied.push(v), frames);
    batch.flush();
    expect(applied).toEqual([]);
    batch.push(1);
    batch.push(2);
    batch.flush();
    expect(applied).toEqual([2]);
    expect(frames.pending()).toBe(0);
  });

  it('cancel drops the pending value', () => {
    const frames = manualFrames();
    const applied: number[] = [];
    const batch = rafBatch<number>((v) => applied.push(v), frames);
    batch.push(1);
    batch.cancel();
    frames.tick();
    batch.flush();
    expect(applied).toEqual([]);
  });
});
