import { describe, expect, it } from 'vitest';
import {
  isResumeManifestFile,
  ResumeManifest,
  stateOfFile,
  type ResumeState,
} from '../../../src/core/jobs/resume-manifest';

const isNumber = (v: unknown): v is number => typeof v === 'number';
const isString = (v: unknown): v is string => typeof v === 'string';

const previous: ResumeState<number, string> = {
  configKey: 'k1',
  done: { a: 1, b: 2 },
  failed: { c: 'bad pixels' },
};

describe('ResumeManifest', () => {
  it('goes on from earlier progress made under the same config key', () => {
    const m = ResumeManifest.resume(previous, 'k1');
    expect(m.done('a')).toBe(1);
    expect(m.failure('c')).toBe('bad pixels');
    expect(m.doneCount).toBe(2);
    expect(m.failedCount).toBe(1);
    expect(m.toState()).toEqual(previous);
  });

  it('starts from nothing under another config key, without a previous run, or when asked not to resume', () => {
    for (const m of [
      ResumeManifest.resume(previous, 'k2'),
      ResumeManifest.resume<number, string>(null, 'k1'),
      ResumeManifest.resume(previous, 'k1', { resume: false }),
    ]) {
      expect(m.doneCount + m.failedCount).toBe(0);
      expect(m.toState().done).toEqual({});
    }
    expect(ResumeManifest.resume(previous, 'k2').configKey).toBe('k2');
    expect(ResumeManifest.resume(previous, 'k1', { resume: true }).doneCount).toBe(2);
  });

  it('keeps one outcome per item: the latest', () => {
    const m = ResumeManifest.resume(previous, 'k1');
    m.markFailed('a', 'now it fails');
    expect(m.done('a')).toBeUndefined();
    expect(m.failure('a')).toBe('now it fails');
    m.markDone('c', 3);
    expect(m.failure('c')).toBeUndefined();
    expect(m.done('c')).toBe(3);
    m.forget('b');
    expect(m.toState()).toEqual({ configKey: 'k1', done: { c: 3 }, failed: { a: 'now it fails' } });
  });

  it('keeps a failure only when the rerun asks not to retry failed items', () => {
    const m = ResumeManifest.resume(previous, 'k1');
    expect(m.keptFailure('c', false)).toBe('bad pixels');
    expect(m.keptFailure('c', true)).toBeUndefined();
    expect(m.keptFailure('c', undefined)).toBeUndefined();
    expect(m.keptFailure('a', false)).toBeUndefined();
    // The failure stays recorded until the item is tried again.
    expect(m.failure('c')).toBe('bad pixels');
  });

  it('drops done items whose output is gone', () => {
    const m = ResumeManifest.resume(previous, 'k1');
    m.retainDone((key) => key !== 'a');
    expect(m.done('a')).toBeUndefined();
    expect(m.done('b')).toBe(2);
  });

  it('hands out copies: later changes do not show in a state already taken', () => {
    const m = ResumeManifest.fresh<number, string>('k');
    m.markDone('x', 1);
    const snapshot = m.toState();
    m.markDone('y', 2);
    expect(snapshot.done).toEqual({ x: 1 });
    expect(m.toFile()).toEqual({ version: 1, configKey: 'k', done: { x: 1, y: 2 }, failed: {} });
    // The earlier state is not changed by the manifest made from it either.
    expect(previous.done).toEqual({ a: 1, b: 2 });
  });
});

describe('isResumeManifestFile', () => {
  it('accepts a version 1 file whose entries the guards accept, with or without failures', () => {
    const file: unknown = { version: 1, configKey: 'k', done: { a: 1 }, failed: { b: 'why' } };
    expect(isResumeManifestFile(file, isNumber, isString)).toBe(true);
    const older: unknown = { version: 1, configKey: 'k', done: { a: 1 } };
    expect(isResumeManifestFile(older, isNumber, isString)).toBe(true);
    if (isResumeManifestFile(older, isNumber, isString))
      expect(stateOfFile(older)).toEqual({ configKey: 'k', done: { a: 1 }, failed: {} });
  });

  it('refuses anything else', () => {
    const bad: unknown[] = [
      null,
      [],
      'text',
      { version: 2, configKey: 'k', done: {} },
      { version: 1, done: {} },
      { version: 1, configKey: 'k' },
      { version: 1, configKey: 'k', done: null },
      { version: 1, configKey: 'k', done: [] },
      { version: 1, configKey: 'k', done: { a: 'not a number' } },
      { version: 1, configKey: 'k', done: {}, failed: { b: 3 } },
      { version: 1, configKey: 'k', done: {}, failed: null },
    ];
    for (const v of bad) expect(isResumeManifestFile(v, isNumber, isString), JSON.stringify(v)).toBe(false);
  });
});
