import { spawn } from 'node:child_process';
import type { PythonCheck, PythonOrigin } from '../../shared/pytorch';

export interface PythonChoice {
  executable: string;
  origin: PythonOrigin;
}

/** The settings a user changes to point Loupe at another Python (named in every error). */
export const PYTHON_SETTING_HINT = 'set --python, LOUPE_PYTHON or Settings → Python to a Python that has torch';

/**
 * Which Python runs the exporter: the job's option (CLI `--python`), else the app's setting, else
 * `LOUPE_PYTHON`, else `python3` on PATH (`python` on Windows, where `python3` is often the Store stub).
 */
export function choosePython(
  option: string | undefined,
  setting: string | null | undefined,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): PythonChoice {
  if (option?.trim()) return { executable: option.trim(), origin: 'option' };
  if (setting?.trim()) return { executable: setting.trim(), origin: 'settings' };
  if (env.LOUPE_PYTHON?.trim()) return { executable: env.LOUPE_PYTHON.trim(), origin: 'LOUPE_PYTHON' };
  return { executable: platform === 'win32' ? 'python' : 'python3', origin: 'default' };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The last few kilobytes of stderr. */
  stderr: string;
  /** The executable could not be started (ENOENT, EACCES). */
  spawnError: NodeJS.ErrnoException | null;
  timedOut: boolean;
}

/**
 * Run a command to completion with a time limit and an abort signal (both kill it with SIGKILL).
 * Output is kept within bounds: a chatty script cannot fill the engine's memory.
 */
export function runProcess(
  executable: string,
  args: readonly string[],
  options: { timeoutMs: number; signal?: AbortSignal; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(executable, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let spawnError: NodeJS.ErrnoException | null = null;
    child.stdout.on('data', (d: Buffer) => {
      stdout = (stdout + d.toString()).slice(-256_000);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-16_000);
    });
    const kill = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    options.signal?.addEventListener('abort', kill, { once: true });
    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = e;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', kill);
      resolve({ code, signal, stdout, stderr, spawnError, timedOut });
    });
  });
}

/**
 * Asks a Python what it has (`loupe_export.py probe`): its version and torch's, mlflow's, onnx's.
 * Answers are kept per executable for the engine's life (a Test in Settings asks again).
 */
export class PythonProbe {
  private readonly known = new Map<string, Promise<PythonCheck>>();

  constructor(
    private readonly script: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  check(choice: PythonChoice, fresh = false): Promise<PythonCheck> {
    let p = this.known.get(choice.executable);
    if (!p || fresh) {
      p = this.run(choice);
      this.known.set(choice.executable, p);
    }
    return p;
  }

  private async run(choice: PythonChoice): Promise<PythonCheck> {
    const none: PythonCheck = {
      executable: choice.executable,
      origin: choice.origin,
      resolved: null,
      python: null,
      torch: null,
      mlflow: null,
      onnx: null,
      cloudpickle: null,
      ok: false,
      error: null,
    };
    const r = await runProcess(choice.executable, [this.script, 'probe'], {
      timeoutMs: 60_000,
      env: { ...this.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    const where = `${choice.executable}${choice.origin === 'default' ? ' (the default, on PATH)' : ''}`;
    if (r.spawnError) {
      const why = r.spawnError.code === 'ENOENT' ? 'not found' : r.spawnError.message;
      return { ...none, error: `no Python at ${where}: ${why}; ${PYTHON_SETTING_HINT}` };
    }
    if (r.timedOut) return { ...none, error: `${where} did not answer within 60 s; ${PYTHON_SETTING_HINT}` };
    let found: Record<string, unknown> | null = null;
    try {
      const last = r.stdout.trim().split('\n').pop() ?? '';
      found = JSON.parse(last) as Record<string, unknown>;
    } catch {
      found = null;
    }
    if (!found) {
      const said = (r.stderr.trim().split('\n').pop() ?? '').slice(0, 300);
      return {
        ...none,
        error: `${where} did not run Loupe's exporter as Python (exit ${r.code ?? r.signal}${said ? `: ${said}` : ''}); ${PYTHON_SETTING_HINT}`,
      };
    }
    const s = (k: string): string | null => (typeof found?.[k] === 'string' ? (found[k] as string) : null);
    const check: PythonCheck = {
      ...none,
      resolved: s('executable'),
      python: s('python'),
      torch: s('torch'),
      mlflow: s('mlflow'),
      onnx: s('onnx'),
      cloudpickle: s('cloudpickle'),
      ok: s('torch') !== null,
    };
    if (!check.ok) {
      check.error = `${where} (Python ${check.python ?? '?'} at ${check.resolved ?? '?'}) cannot import torch (${s('torch_error') ?? 'not installed'}); ${PYTHON_SETTING_HINT}`;
    }
    return check;
  }
}
