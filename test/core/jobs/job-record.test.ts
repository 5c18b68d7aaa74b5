import { describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../../src/shared/jobs';
import { taskbarProgress } from '../../../src/core/jobs/aggregate';
import {
  canTransition,
  countItem,
  jobTitle,
  newSnapshot,
  recount,
  restoreAfterRestart,
} from '../../../src/core/jobs/job-record';
import { validateJobSpec } from '../../../src/core/jobs/validate-spec';
import { PREDICT_DEFAULTS } from '../../../src/core/keypoints/predict-defaults';
import { appError } from '../../../src/core/result';

const spec = { kind: 'scan-images', folder: '/data/photos/' } as const;

describe('job records', () => {
  it('titles jobs from their spec', () => {
    expect(jobTitle(spec)).toBe('Scan photos');
    expect(jobTitle({ kind: 'benchmark-model', modelId: 'unet', iterations: 5 })).toBe('Benchmark unet');
  });

  it('allows only meaningful status changes', () => {
    expect(canTransition('queued', 'running')).toBe(true);
    expect(canTransition('running', 'paused')).toBe(true);
    expect(canTransition('interrupted', 'queued')).toBe(true);
    expect(canTransition('completed', 'running')).toBe(false);
    expect(canTransition('cancelled', 'queued')).toBe(false);
    expect(canTransition('running', 'queued')).toBe(false);
  });

  it('counts items by status and tag, and recounts from a journal', () => {
    let s = newSnapshot('j1', spec, 0);
    s = countItem(s, { status: 'ok', tag: 'full' });
    s = countItem(s, { status: 'failed' });
    s = countItem(s, { status: 'ok', tag: 'full' });
    expect(s.done).toBe(3);
    expect(s.counts).toEqual({ ok: 2, failed: 1, skipped: 0 });
    expect(s.tags).toEqual({ full: 2 });
    expect(recount({ ...s, done: 99 }, [{ status: 'skipped' }])).toMatchObject({
      done: 1,
      counts: { ok: 0, failed: 0, skipped: 1 },
      tags: {},
    });
  });

  it('marks jobs that were active when the engine died as interrupted', () => {
    const reason = appError('ENGINE_CRASHED', 'gone');
    const running = { ...newSnapshot('j', spec, 0), status: 'running' as const };
    expect(restoreAfterRestart(running, reason)).toMatchObject({ status: 'interrupted', error: reason });
    const done = { ...running, status: 'completed' as const };
    expect(restoreAfterRestart(done, reason)).toBe(done);
  });
});

describe('validateJobSpec', () => {
  it('accepts good specs and names what is wrong with bad ones', () => {
    expect(validateJobSpec({ kind: 'scan-images', folder: '/x', recursive: false }).ok).toBe(true);
    expect(validateJobSpec({ kind: 'scan-images', folder: '/x', thumbnails: 'eager' })).toMatchObject({
      ok: true,
      value: { thumbnails: 'eager' },
    });
    expect(validateJobSpec({ kind: 'benchmark-model', modelId: 'm', iterations: 10, device: 'cpu' }).ok).toBe(true);
    const bad = [
      null,
      { kind: 'nope' },
      { kind: 'scan-images' },
      { kind: 'scan-images', folder: '/x', thumbnailSize: 5 },
      { kind: 'scan-images', folder: '/x', thumbnails: 'all' },
      { kind: 'benchmark-model', modelId: 'm', iterations: 0 },
      { kind: 'benchmark-model', modelId: 'm', iterations: 1, device: 'tpu' },
    ];
    for (const b of bad) expect(validateJobSpec(b).ok).toBe(false);
  });

  it('keeps a re-predict’s scope and the labels that started it, and titles it after them', () => {
    const predict = {
      kind: 'predict-keypoints',
      imagesDir: '/data/photos',
      outputDir: '/data/alignment_labels_predicted',
      labelsDir: '/data/alignment_labels',
      config: PREDICT_DEFAULTS.config,
    };
    const r = validateJobSpec({
      ...predict,
      watchId: 'PATEK_nab_001',
      templateModel: 'nab',
      relabelFrom: ['PATEK_nab_001_03'],
    });
    expect(r.ok && r.value).toMatchObject({
      watchId: 'PATEK_nab_001',
      templateModel: 'nab',
      relabelFrom: ['PATEK_nab_001_03'],
    });
    expect(r.ok && jobTitle(r.value)).toBe('Re-predict PATEK_nab_001 from PATEK_nab_001_03');
    expect(validateJobSpec({ ...predict, relabelFrom: [3] }).ok).toBe(false);
    const plain = validateJobSpec(predict);
    expect(plain.ok && plain.value).not.toHaveProperty('relabelFrom');
    expect(plain.ok && jobTitle(plain.value)).toBe('Predict photos');
  });

  it('keeps an MLflow source’s request limit, and refuses one that is not a number of seconds', () => {
    const restore = (timeoutSec: unknown) =>
      validateJobSpec({
        kind: 'restore-frames',
        inputDir: '/in',
        outputDir: '/out',
        sources: [{ type: 'mlflow', uri: 'http://mlflow:5000', experiment: 'e', timeoutSec }],
      });
    const okSpec = restore(2.5);
    expect(okSpec.ok && okSpec.value.kind === 'restore-frames' && okSpec.value.sources[0]).toMatchObject({
      timeoutSec: 2.5,
    });
    for (const bad of [0, -1, '15', 7200]) expect(restore(bad).ok).toBe(false);
  });

  it('keeps a restore job’s output naming, and refuses one it does not know', () => {
    const restore = (outputNames: unknown) =>
      validateJobSpec({
        kind: 'restore-frames',
        inputDir: '/in',
        outputDir: '/out',
        sources: [{ type: 'bundled' }],
        outputNames,
      });
    const indexed = restore('index');
    expect(indexed.ok && indexed.value.kind === 'restore-frames' && indexed.value.outputNames).toBe('index');
    expect(restore('numbered')).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  it('keeps where a restore job was started from (Compare finds its runs by it), and refuses an unknown origin', () => {
    const restore = (origin: unknown) =>
      validateJobSpec({
        kind: 'restore-frames',
        inputDir: '/in',
        outputDir: '/out',
        sources: [{ type: 'bundled' }],
        ...(origin === undefined ? {} : { origin }),
      });
    const compare = restore('compare');
    expect(compare.ok && compare.value.kind === 'restore-frames' && compare.value.origin).toBe('compare');
    // `loupe infer` sends none, and its spec stays without one.
    const cli = restore(undefined);
    expect(cli.ok && 'origin' in cli.value).toBe(false);
    expect(restore('cli')).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });
});

describe('taskbarProgress', () => {
  const job = (over: Partial<JobSnapshot>): JobSnapshot => ({ ...newSnapshot('j', spec, 0), ...over });
  it('combines active jobs, hides when idle', () => {
    expect(taskbarProgress([])).toEqual({ value: -1, mode: 'none' });
    expect(taskbarProgress([job({ status: 'completed', total: 3, done: 3 })]).mode).toBe('none');
    expect(taskbarProgress([job({ status: 'running', total: null })]).mode).toBe('indeterminate');
    const p = taskbarProgress([
      job({ status: 'running', total: 10, done: 5 }),
      job({ status: 'queued', total: 30, done: 0 }),
    ]);
    expect(p).toEqual({ value: 5 / 40, mode: 'normal' });
    expect(taskbarProgress([job({ status: 'paused', total: 4, done: 1 })])).toEqual({ value: 0.25, mode: 'paused' });
  });
});
