import { readFile } from 'node:fs/promises';

/**
 * Whether process `pid` of this machine can still run. Signal 0 answers for a zombie too: a
 * process that was killed but not yet reaped, which is what an engine killed with its CLI
 * becomes, orphaned, until PID 1 reaps it (about a second here; never in a container whose PID 1
 * is not an init, such as Docker without `--init`). On Linux the zombie is told apart by its state
 * in /proc; elsewhere signal 0 is the whole answer.
 */
export async function processAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !(await isZombie(pid));
}

async function isZombie(pid: number): Promise<boolean> {
  if (process.platform !== 'linux') return false;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return false;
  // `pid (comm) state …`: comm may hold spaces and parentheses, so the state follows the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2).charAt(0);
  return state === 'Z' || state === 'X';
}
