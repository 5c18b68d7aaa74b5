import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';

/** A stand-in for Electron's UtilityProcess: an EventEmitter, as the real one is. */
const electron = vi.hoisted(() => {
  const forked: (EventEmitter & { kill: () => void; pid: number })[] = [];
  return {
    forked,
    module: {
      utilityProcess: {
        // Called in the tests, after the imports above are bound.
        fork: () => {
          const proc = Object.assign(new EventEmitter(), { pid: 4242, kill: vi.fn(), postMessage: vi.fn() });
          forked.push(proc);
          return proc;
        },
      },
    },
  };
});
vi.mock('electron', () => electron.module);

const { utilityEngineSpawner } = await import('../../src/main/engine-process');

const config = {} as Parameters<ReturnType<typeof utilityEngineSpawner>>[0];

describe('main/engine-process', () => {
  it("reports a V8 fatal error ('error') as the engine's exit, once, and ends the process", () => {
    const child = utilityEngineSpawner('/app/out/main/engine.js')(config);
    const proc = electron.forked.at(-1)!;
    const exits: unknown[][] = [];
    child.onExit((...a) => exits.push(a));
    // Electron 45: error(type: 'FatalError', location: string, report: string), then exit(code).
    expect(() =>
      proc.emit('error', 'FatalError', 'v8::ToLocalChecked Empty MaybeLocal', '{"header":{}}'),
    ).not.toThrow();
    expect(exits).toEqual([[null, null, 'FatalError at v8::ToLocalChecked Empty MaybeLocal']]);
    expect(proc.kill).toHaveBeenCalled();
    proc.emit('exit', 134);
    expect(exits).toHaveLength(1);
  });

  it('reports a plain exit with its code', () => {
    const child = utilityEngineSpawner('/app/out/main/engine.js')(config);
    const proc = electron.forked.at(-1)!;
    const exits: unknown[][] = [];
    child.onExit((...a) => exits.push(a));
    expect(child.pid).toBe(4242);
    proc.emit('exit', 1);
    proc.emit('exit', 1);
    expect(exits).toEqual([[1, null, undefined]]);
  });

  it("has a listener for 'error' (an EventEmitter without one throws it into main)", () => {
    utilityEngineSpawner('/app/out/main/engine.js')(config);
    const proc = electron.forked.at(-1)!;
    expect(proc.listenerCount('error')).toBeGreaterThan(0);
    const bare = new EventEmitter();
    expect(() => bare.emit('error', 'FatalError')).toThrow();
  });
});
