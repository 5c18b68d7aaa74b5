import { resolve } from 'node:path';
import type { PythonOptions } from '../shared/pytorch';
import { UsageError } from './context';
import { listFlag, type Flags } from './model-sources';

/** The options of every command that may export PyTorch models (infer, export). */
export const PYTHON_FLAGS = {
  python: { type: 'string' },
  'model-factory': { type: 'string' },
  'python-path': { type: 'string', multiple: true },
  'export-timeout': { type: 'string' },
} as const;

export const PYTHON_HELP = `PyTorch models (MLflow pytorch flavor, MLflow 3 logged models, TorchScript, checkpoints) are
exported to ONNX once, in your Python, checked against torch on a frame, and cached:
  --python PATH           The Python with torch (default: LOUPE_PYTHON, else python3 on PATH)
  --model-factory M:F     For state-dict checkpoints: module:function called with architecture,
                          model_config and the checkpoint dict; returns the nn.Module
  --python-path DIR       Put DIR first on sys.path (repeatable): the factory's module, your code
  --export-timeout SEC    Stop an export after SEC seconds (default 600)
`;

/** PythonOptions from parsed flags (or --config keys in flag form). */
export function pythonOptionsFrom(flags: Flags): PythonOptions {
  const str = (k: string): string | undefined => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const out: PythonOptions = {};
  const python = str('python');
  if (python) out.python = python.includes('/') || python.includes('\\') ? resolve(python) : python;
  const factory = str('model-factory');
  if (factory !== undefined) {
    if (!/^[A-Za-z_][\w.]*:[A-Za-z_]\w*$/.test(factory))
      throw new UsageError('--model-factory must be module:function, e.g. my_models:build_model');
    out.modelFactory = factory;
  }
  const list = listFlag(flags, 'python-path');
  if (list.length) out.pythonPath = list.map((p) => resolve(p));
  const timeout = str('export-timeout');
  if (timeout !== undefined) {
    const n = Number(timeout);
    if (!Number.isInteger(n) || n < 10) throw new UsageError('--export-timeout must be a whole number of seconds ≥ 10');
    out.timeoutSec = n;
  }
  return out;
}
