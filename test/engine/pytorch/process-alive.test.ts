import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processAlive } from '../../../src/engine/pytorch/process-alive';

/** The children of `parent` (ps --ppid), with their state letters. */
function children(parent: number): { pid: number; state: string }[] {
  const r = spawnSync('ps', ['-o', 'pid=,stat=', '--ppid', String(parent)], { encoding: 'utf8' });
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pid, state] = line.trim().split(/\s+/);
      return { pid: Number(pid), state: state ?? '' };
    });
}

describe('processAlive', () => {
  it('is true for a running process and for this one, false for one that has exited', async () => {
    expect(await processAlive(process.pid)).toBe(true);
    const child = spawn('sleep', ['5']);
    expect(await processAlive(child.pid!)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(await processAlive(child.pid!)).toBe(false);
  });

  it.runIf(process.platform === 'linux')('is false for a zombie: killed, not yet reaped', async () => {
    // bash starts `sleep 0` and becomes `sleep 5`, which never reaps it: a zombie for 5 s, as an
    // engine killed with its CLI is until PID 1 reaps it.
    const parent = spawn('bash', ['-c', 'sleep 0 & exec sleep 5']);
    try {
      let zombie: { pid: number; state: string } | undefined;
      for (let i = 0; i < 100 && !zombie; i++) {
        zombie = children(parent.pid!).find((c) => c.state.startsWith('Z'));
        if (!zombie) await new Promise((r) => setTimeout(r, 20));
      }
      expect(zombie, 'a zombie child').toBeDefined();
      // Signal 0 still answers for it…
      expect(() => process.kill(zombie!.pid, 0)).not.toThrow();
      // …but it will never run again.
      expect(await processAlive(zombie!.pid)).toBe(false);
      expect(await processAlive(parent.pid!)).toBe(true);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
