import { describe, expect, it } from 'vitest';
import {
  partitionByGroup,
  partitionRanges,
  type GroupPartition,
  type RangePartition,
} from '../../../src/core/shard/partition';

/** A small seeded PRNG (mulberry32), so the shuffles are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function groups(random: () => number, n: number): { key: string; weight: number }[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `BRAND${i % 7}_nab_${String(i).padStart(3, '0')}`,
    weight: 1 + Math.floor(random() * 40),
  }));
}

function byGroup(gs: readonly { key: string; weight: number }[], count: number): GroupPartition {
  const r = partitionByGroup(gs, count);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function ranges(models: readonly string[], frames: number, count: number): RangePartition {
  const r = partitionRanges(models, frames, count);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('partitionByGroup', () => {
  it('assigns every group to exactly one shard, and the shards agree with shardOf', () => {
    const gs = groups(rng(1), 50);
    const p = byGroup(gs, 4);
    expect(p.shardOf.size).toBe(50);
    const listed = p.shards.flatMap((s) => s.keys);
    expect([...listed].sort()).toEqual(gs.map((g) => g.key).sort());
    for (const s of p.shards) {
      for (const key of s.keys) expect(p.shardOf.get(key)).toBe(s.index);
      expect(s.weight).toBe(gs.filter((g) => s.keys.includes(g.key)).reduce((sum, g) => sum + g.weight, 0));
    }
  });

  it('depends only on the set of groups, never on their order', () => {
    const random = rng(2);
    const gs = groups(random, 80);
    const reference = byGroup(gs, 6);
    for (let i = 0; i < 20; i++) {
      const again = byGroup(shuffled(gs, random), 6);
      expect(again.shards).toEqual(reference.shards);
      expect([...again.shardOf].sort()).toEqual([...reference.shardOf].sort());
    }
  });

  it('keeps equal weights deterministic: ties go by key', () => {
    const gs = ['d', 'b', 'a', 'c'].map((key) => ({ key, weight: 5 }));
    expect(byGroup(gs, 2).shards.map((s) => s.keys)).toEqual([
      ['a', 'c'],
      ['b', 'd'],
    ]);
  });

  it('orders keys by code units, not by locale', () => {
    const gs = ['b', 'B', 'a', 'A', 'é'].map((key) => ({ key, weight: 1 }));
    expect(byGroup(gs, 5).shards.map((s) => s.keys)).toEqual([['A'], ['B'], ['a'], ['b'], ['é']]);
  });

  it('stays within ideal + the heaviest group on every shard, over many random batches', () => {
    const random = rng(3);
    for (let trial = 0; trial < 200; trial++) {
      const gs = groups(random, 1 + Math.floor(random() * 60));
      const count = 1 + Math.floor(random() * 12);
      const p = byGroup(gs, count);
      const heaviest = Math.max(...gs.map((g) => g.weight));
      const total = gs.reduce((sum, g) => sum + g.weight, 0);
      expect(p.ideal).toBeCloseTo(total / count, 9);
      for (const s of p.shards) expect(s.weight).toBeLessThanOrEqual(p.ideal + heaviest);
    }
  });

  it('balances a skewed archive: one big watch on its own, the small ones spread', () => {
    const gs = [
      { key: 'BIG', weight: 100 },
      ...Array.from({ length: 20 }, (_, i) => ({ key: `s${String(i).padStart(2, '0')}`, weight: 10 })),
    ];
    const p = byGroup(gs, 3);
    expect(p.shards.map((s) => s.weight).sort((a, b) => a - b)).toEqual([100, 100, 100]);
    expect(p.shards.find((s) => s.keys.includes('BIG'))?.keys).toEqual(['BIG']);
  });

  it('leaves empty shards when there are more shards than groups, and reports them', () => {
    const p = byGroup(
      [
        { key: 'x', weight: 3 },
        { key: 'y', weight: 1 },
      ],
      5,
    );
    expect(p.shards.map((s) => s.keys)).toEqual([['x'], ['y'], [], [], []]);
    expect(p.empty).toEqual([2, 3, 4]);
    expect(byGroup([], 3).empty).toEqual([0, 1, 2]);
  });

  it('spreads zero-weight groups instead of piling them on shard 0', () => {
    const p = byGroup(
      ['a', 'b', 'c', 'd'].map((key) => ({ key, weight: 0 })),
      2,
    );
    expect(p.shards.map((s) => s.keys)).toEqual([
      ['a', 'c'],
      ['b', 'd'],
    ]);
    expect(p.empty).toEqual([]);
  });

  it('is the identity for one shard', () => {
    const gs = groups(rng(4), 30);
    const p = byGroup(gs, 1);
    expect(p.shards).toHaveLength(1);
    expect(p.shards[0]?.keys).toEqual(gs.map((g) => g.key).sort());
    expect(p.shards[0]?.weight).toBe(p.ideal);
    expect(p.empty).toEqual([]);
  });

  it.each<[string, { key: string; weight: number }[], number, string]>([
    ['a count of 0', [], 0, 'at least 1'],
    ['a fractional count', [], 1.5, 'at least 1'],
    ['a NaN count', [], Number.NaN, 'at least 1'],
    ['a negative weight', [{ key: 'a', weight: -1 }], 2, 'weights must be ≥ 0'],
    ['an infinite weight', [{ key: 'a', weight: Infinity }], 2, 'weights must be ≥ 0'],
    ['a NaN weight', [{ key: 'a', weight: Number.NaN }], 2, 'weights must be ≥ 0'],
    [
      'a key given twice',
      [
        { key: 'a', weight: 1 },
        { key: 'a', weight: 2 },
      ],
      2,
      '"a" is given twice',
    ],
  ])('refuses %s', (_, gs, count, says) => {
    const r = partitionByGroup(gs, count);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('INVALID_ARGUMENT');
    expect(!r.ok && r.error.message).toContain(says);
  });
});

/** Every (model, frame) pair exactly once: a grid of counts over all shards' ranges. */
function coverage(p: RangePartition): number[][] {
  const grid = p.models.map(() => Array.from({ length: p.frames }, () => 0));
  for (const s of p.shards) {
    for (const r of s.ranges) {
      const row = grid[p.models.indexOf(r.model)] as number[];
      for (let f = r.start; f < r.end; f++) row[f] = (row[f] as number) + 1;
    }
  }
  return grid;
}

describe('partitionRanges', () => {
  it('lays the models out in order and cuts equal shares (the documented rule)', () => {
    const p = ranges(['m-c', 'm-a', 'm-b'], 10, 4);
    expect(p.models).toEqual(['m-a', 'm-b', 'm-c']);
    expect(p.total).toBe(30);
    expect(p.shards.map((s) => s.ranges)).toEqual([
      [{ model: 'm-a', start: 0, end: 7 }],
      [
        { model: 'm-a', start: 7, end: 10 },
        { model: 'm-b', start: 0, end: 5 },
      ],
      [
        { model: 'm-b', start: 5, end: 10 },
        { model: 'm-c', start: 0, end: 2 },
      ],
      [{ model: 'm-c', start: 2, end: 10 }],
    ]);
    expect(p.shards.map((s) => s.units)).toEqual([7, 8, 7, 8]);
  });

  it('covers every (model, frame) exactly once, within one frame of equal, with bounded spread', () => {
    const random = rng(5);
    for (let trial = 0; trial < 300; trial++) {
      const m = 1 + Math.floor(random() * 9);
      const frames = Math.floor(random() * 250);
      const count = 1 + Math.floor(random() * 20);
      const models = Array.from({ length: m }, (_, i) => `run-${i}`);
      const p = ranges(models, frames, count);
      expect(
        coverage(p)
          .flat()
          .every((c) => c === 1),
      ).toBe(true);
      const units = p.shards.map((s) => s.units);
      expect(units.reduce((a, b) => a + b, 0)).toBe(m * frames);
      expect(Math.max(...units) - Math.min(...units)).toBeLessThanOrEqual(1);
      for (const s of p.shards) {
        expect(s.units).toBe(s.ranges.reduce((sum, r) => sum + r.end - r.start, 0));
        expect(new Set(s.ranges.map((r) => r.model)).size).toBe(s.ranges.length);
        expect(s.ranges.length).toBeLessThanOrEqual(Math.ceil(m / count) + 1);
        for (const r of s.ranges) expect(r.end).toBeGreaterThan(r.start);
      }
      for (const model of models) {
        const holders = p.shards.filter((s) => s.ranges.some((r) => r.model === model)).length;
        expect(holders).toBeLessThanOrEqual(Math.ceil(count / m) + 1);
      }
    }
  });

  it('depends only on the set of models and the frame count', () => {
    const random = rng(6);
    const models = Array.from({ length: 12 }, (_, i) => `mlflow-run-${(i * 7919) % 1000}`);
    const reference = ranges(models, 201, 5);
    for (let i = 0; i < 10; i++) expect(ranges(shuffled(models, random), 201, 5)).toEqual(reference);
  });

  it('gives whole models to shards when the counts divide', () => {
    const p = ranges(['a', 'b', 'c', 'd'], 201, 2);
    expect(p.shards.map((s) => s.ranges)).toEqual([
      [
        { model: 'a', start: 0, end: 201 },
        { model: 'b', start: 0, end: 201 },
      ],
      [
        { model: 'c', start: 0, end: 201 },
        { model: 'd', start: 0, end: 201 },
      ],
    ]);
  });

  it('leaves empty shards when there is less work than shards, and reports them', () => {
    const p = ranges(['a'], 3, 5);
    expect(p.shards.map((s) => s.units)).toEqual([0, 1, 0, 1, 1]);
    expect(p.empty).toEqual([0, 2]);
    expect(coverage(p)).toEqual([[1, 1, 1]]);
    expect(ranges([], 10, 3).empty).toEqual([0, 1, 2]);
    expect(ranges(['a', 'b'], 0, 2).empty).toEqual([0, 1]);
  });

  it('is the identity for one shard', () => {
    const p = ranges(['b', 'a'], 201, 1);
    expect(p.shards).toEqual([
      {
        index: 0,
        ranges: [
          { model: 'a', start: 0, end: 201 },
          { model: 'b', start: 0, end: 201 },
        ],
        units: 402,
      },
    ]);
    expect(p.empty).toEqual([]);
  });

  it.each<[string, string[], number, number, string]>([
    ['a count of 0', ['a'], 10, 0, 'at least 1'],
    ['a negative frame count', ['a'], -1, 2, 'frame count'],
    ['a fractional frame count', ['a'], 2.5, 2, 'frame count'],
    ['a model given twice', ['a', 'b', 'a'], 10, 2, '"a" is given twice'],
    ['a product past the safe integers', ['a'], 2 ** 52, 4, 'too large'],
  ])('refuses %s', (_, models, frames, count, says) => {
    const r = partitionRanges(models, frames, count);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('INVALID_ARGUMENT');
    expect(!r.ok && r.error.message).toContain(says);
  });
});
