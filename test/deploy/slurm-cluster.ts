import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers';

/*
 * A real single-node Slurm cluster for one test file, from Debian's `slurm-wlm` and `munge`, with
 * everything it writes under one temp folder: its own munge key and socket, a slurm.conf naming
 * this machine as the only node (select/cons_tres, proctrack/linuxproc, no accounting), state and
 * spool folders, free ports. Clients (sbatch, squeue, sinfo) find it through `SLURM_CONF` in
 * `env`. `stop()` ends every daemon it started (and the jobs they run).
 */

export interface SlurmCluster {
  /** The environment for Slurm's clients: process.env plus SLURM_CONF. */
  env: NodeJS.ProcessEnv;
  dir: string;
  /** `sbatch --wait …`: resolves when every task of the job has ended. */
  sbatchWait: (args: readonly string[], opts?: { cwd?: string; env?: NodeJS.ProcessEnv }) => CommandResult;
  /** Daemon logs, for a failing test's message. */
  logs: () => Promise<string>;
  stop: () => Promise<void>;
}

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

const DAEMONS = ['munged', 'slurmctld', 'slurmd', 'sbatch'] as const;

/** Why a real cluster cannot start here (packages missing, not root), or null when it can. */
export function slurmUnavailable(): string | null {
  for (const cmd of DAEMONS) {
    if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) return `${cmd} is not installed (slurm-wlm, munge)`;
  }
  // slurmd starts job steps as the submitting user, which needs root.
  if (process.getuid?.() !== 0) return 'slurmd needs root to run job steps';
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function slurmConf(dir: string, node: string, ports: [number, number]): string {
  const user = userInfo().username;
  return [
    'ClusterName=loupetest',
    `SlurmctldHost=${node}`,
    `SlurmUser=${user}`,
    `SlurmdUser=${user}`,
    'AuthType=auth/munge',
    'CredType=cred/munge',
    `AuthInfo=socket=${join(dir, 'munge.sock')}`,
    `SlurmctldPort=${ports[0]}`,
    `SlurmdPort=${ports[1]}`,
    `StateSaveLocation=${join(dir, 'state')}`,
    `SlurmdSpoolDir=${join(dir, 'spool')}`,
    `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
    `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
    `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
    `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_Core',
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none',
    'MpiDefault=none',
    'ReturnToService=2',
    'SchedulerType=sched/backfill',
    // Array tasks are scheduled a few at a time; keep the test's small arrays moving.
    'SchedulerParameters=bf_interval=1',
    `NodeName=${node} CPUs=${spawnSync('nproc').stdout.toString().trim() || '1'} State=UNKNOWN`,
    `PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP`,
    '',
  ].join('\n');
}

function startDaemon(command: string, args: string[], env: NodeJS.ProcessEnv, log: string): ChildProcess {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (d: Buffer) => chunks.push(d));
  child.stderr?.on('data', (d: Buffer) => chunks.push(d));
  child.on('exit', () => void writeFile(log, Buffer.concat(chunks)).catch(() => undefined));
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Start munged, slurmctld and slurmd in `dir`; resolves once the node is idle (ready for jobs). */
export async function startSlurmCluster(dir: string): Promise<SlurmCluster> {
  for (const sub of ['state', 'spool', 'log']) await mkdir(join(dir, sub), { recursive: true });
  const key = join(dir, 'munge.key');
  await writeFile(key, randomBytes(1024));
  await chmod(key, 0o400);
  const node = hostname().split('.')[0]!;
  const conf = join(dir, 'slurm.conf');
  await writeFile(conf, slurmConf(dir, node, [await freePort(), await freePort()]));
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf };
  const children: ChildProcess[] = [];
  const logs = async (): Promise<string> => {
    const parts: string[] = [];
    for (const f of ['munged.out', 'slurmctld.log', 'slurmd.log', 'slurmctld.out', 'slurmd.out']) {
      const text = await readFile(join(dir, 'log', f), 'utf8').catch(() => '');
      if (text) parts.push(`== ${f}\n${text.split('\n').slice(-40).join('\n')}`);
    }
    return parts.join('\n');
  };
  const stop = async (): Promise<void> => {
    // scancel what is left, then the daemons in reverse order of their start.
    spawnSync('scancel', ['--full', '--user', userInfo().username], { env, timeout: 10_000 });
    for (const child of children.reverse()) await stopChild(child);
  };
  try {
    const sock = join(dir, 'munge.sock');
    children.push(
      startDaemon(
        'munged',
        [
          '-F',
          '-f',
          `--socket=${sock}`,
          `--key-file=${key}`,
          `--pid-file=${join(dir, 'munged.pid')}`,
          `--seed-file=${join(dir, 'munged.seed')}`,
          `--log-file=${join(dir, 'log', 'munged.log')}`,
        ],
        env,
        join(dir, 'log', 'munged.out'),
      ),
    );
    await waitFor(async () => spawnSync('munge', ['-S', sock, '-n']).status === 0 || undefined, 10_000, 'munged');
    children.push(startDaemon('slurmctld', ['-D', '-f', conf], env, join(dir, 'log', 'slurmctld.out')));
    await waitFor(
      async () => spawnSync('scontrol', ['ping'], { env }).stdout?.toString().includes('UP') || undefined,
      20_000,
      'slurmctld',
    );
    children.push(startDaemon('slurmd', ['-D', '-f', conf, '-N', node], env, join(dir, 'log', 'slurmd.out')));
    await waitFor(
      async () => /idle/.test(spawnSync('sinfo', ['-h', '-o', '%T'], { env }).stdout?.toString() ?? '') || undefined,
      30_000,
      'the node to be idle',
    );
  } catch (e) {
    const text = await logs();
    await stop();
    throw new Error(`${(e as Error).message}\n${text}`, { cause: e });
  }
  const sbatchWait: SlurmCluster['sbatchWait'] = (args, opts = {}) => {
    const r = spawnSync('sbatch', ['--wait', ...args], {
      cwd: opts.cwd ?? dir,
      env: { ...env, ...opts.env, SLURM_CONF: conf },
      encoding: 'utf8',
      timeout: 600_000,
    });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  return { env, dir, sbatchWait, logs, stop };
}
