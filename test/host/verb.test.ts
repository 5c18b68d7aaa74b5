import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppFailure } from '../../src/core/result';
import {
  bindVerbs,
  invokeHandler,
  lineLogger,
  verb,
  type HostLogger,
  type HostVerbs,
  type IpcHandlers,
  type VerbLogEntry,
} from '../../src/host/verb';

/** A logger that keeps what it is told, and a clock that moves 5 ms on each reading. */
function recorder(): { logger: HostLogger; debug: VerbLogEntry[]; warn: { message: string; entry: VerbLogEntry }[] } {
  const debug: VerbLogEntry[] = [];
  const warn: { message: string; entry: VerbLogEntry }[] = [];
  return {
    logger: { debug: (_m, entry) => debug.push(entry), warn: (message, entry) => warn.push({ message, entry }) },
    debug,
    warn,
  };
}
const steppingClock = (step = 5): (() => number) => {
  let t = 1000;
  return () => (t += step);
};

/** One verb bound as `jobs:items` (a three-argument verb of the contract), the others absent. */
function bindOne(def: HostVerbs['jobs:items'], logger: HostLogger): IpcHandlers {
  return bindVerbs({ 'jobs:items': def } as HostVerbs, { logger, now: steppingClock() });
}

const itemsArgs = z.tuple([
  z.string().min(1, 'a job id is required'),
  z.number().int().min(0),
  z.number().int().min(0),
]);

describe('verb(schema, fn)', () => {
  it('runs the verb with the checked arguments and times the call', async () => {
    const log = recorder();
    const seen: unknown[][] = [];
    const handlers = bindOne(
      verb(itemsArgs, async (jobId, offset, limit) => {
        seen.push([jobId, offset, limit]);
        return { total: 0, items: [] };
      }),
      log.logger,
    );
    expect(await invokeHandler(handlers, 'jobs:items', ['job-1', 0, 10])).toEqual({
      ok: true,
      value: { total: 0, items: [] },
    });
    expect(seen).toEqual([['job-1', 0, 10]]);
    expect(log.debug).toEqual([{ channel: 'jobs:items', ms: 5 }]);
    expect(log.warn).toEqual([]);
  });

  it('refuses arguments the schema does not accept with a typed INVALID_ARGUMENT, before the verb runs', async () => {
    const log = recorder();
    let ran = false;
    const handlers = bindOne(
      verb(itemsArgs, async () => {
        ran = true;
        return { total: 0, items: [] };
      }),
      log.logger,
    );
    const bad = await invokeHandler(handlers, 'jobs:items', ['', -1, 10]);
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(!bad.ok && bad.error.message).toContain('a job id is required');
    // Serialisable all the way: what crosses IPC or HTTP is the same object.
    expect(JSON.parse(JSON.stringify(bad))).toEqual(bad);
    expect(await invokeHandler(handlers, 'jobs:items', ['job-1'])).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(await invokeHandler(handlers, 'jobs:items', ['job-1', 0, 10, 'extra'])).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(ran).toBe(false);
    expect(log.warn).toHaveLength(3);
    expect(log.warn[0]?.entry).toMatchObject({ channel: 'jobs:items', ms: 5, error: { code: 'INVALID_ARGUMENT' } });
    expect(log.warn[0]?.message).toMatch(/^jobs:items failed after 5 ms: INVALID_ARGUMENT: /);
  });

  it('logs a failure of the verb itself with its time, and the caller gets the typed error', async () => {
    const log = recorder();
    const handlers = bindOne(
      verb(itemsArgs, async (jobId) => {
        throw new AppFailure('JOB_NOT_FOUND', `no job ${jobId}`);
      }),
      log.logger,
    );
    expect(await invokeHandler(handlers, 'jobs:items', ['job-9', 0, 1])).toEqual({
      ok: false,
      error: { code: 'JOB_NOT_FOUND', message: 'no job job-9' },
    });
    expect(log.debug).toEqual([]);
    expect(log.warn).toEqual([
      {
        message: 'jobs:items failed after 5 ms: JOB_NOT_FOUND: no job job-9',
        entry: { channel: 'jobs:items', ms: 5, error: { code: 'JOB_NOT_FOUND', message: 'no job job-9' } },
      },
    ]);
  });

  it('turns an unexpected throw into a typed error too', async () => {
    const log = recorder();
    const handlers = bindOne(
      verb(itemsArgs, async () => {
        throw Object.assign(new Error('disk gone'), { code: 'EIO' });
      }),
      log.logger,
    );
    expect(await invokeHandler(handlers, 'jobs:items', ['job-1', 0, 1])).toMatchObject({
      ok: false,
      error: { code: 'IO_ERROR', message: 'disk gone' },
    });
    expect(log.warn[0]?.entry.error).toMatchObject({ code: 'IO_ERROR' });
  });

  it('refuses unknown verbs and argument lists that are not lists', async () => {
    const handlers = bindOne(
      verb(itemsArgs, async () => ({ total: 0, items: [] })),
      recorder().logger,
    );
    expect(await invokeHandler(handlers, 'jobs:frobnicate', [])).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(await invokeHandler(handlers, 'jobs:items', 'job-1')).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
  });
});

describe('lineLogger', () => {
  it('writes failures as lines, and times only when asked', () => {
    const lines: string[] = [];
    const quiet = lineLogger((l) => lines.push(l));
    quiet.debug('jobs:list 1 ms', { channel: 'jobs:list', ms: 1 });
    quiet.warn('jobs:list failed after 1 ms: IO_ERROR: x', { channel: 'jobs:list', ms: 1 });
    lineLogger((l) => lines.push(l), { debug: true }).debug('jobs:list 2 ms', { channel: 'jobs:list', ms: 2 });
    expect(lines).toEqual(['loupe: jobs:list failed after 1 ms: IO_ERROR: x', 'loupe: jobs:list 2 ms']);
  });
});
