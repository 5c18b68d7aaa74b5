import type { Device, ExecutionProviderName } from '../shared/devices';

/** What the engine found out about this machine and this build of onnxruntime-node. */
export interface ProviderEnvironment {
  platform: string;
  arch: string;
  /** onnxruntime_providers_cuda and its CUDA/cuDNN libraries are loadable. */
  cudaAvailable: boolean;
}

/** CoreML flags (onnxruntime coreml_provider_factory.h). */
export const COREML_FLAG_CREATE_MLPROGRAM = 0x010;
export const COREML_FLAG_ONLY_ALLOW_STATIC_INPUT_SHAPES = 0x008;

/** Providers the onnxruntime-node 1.30 binaries carry for this platform (CPU always). */
export function availableProviders(env: ProviderEnvironment): ExecutionProviderName[] {
  const out: ExecutionProviderName[] = [];
  if (env.platform === 'darwin' && env.arch === 'arm64') out.push('coreml', 'webgpu');
  else if (env.platform === 'linux' && env.arch === 'x64') {
    if (env.cudaAvailable) out.push('cuda');
    out.push('webgpu');
  } else if (env.platform === 'win32') out.push('dml', 'webgpu');
  out.push('cpu');
  return out;
}

export interface ProviderPlan {
  plan: ExecutionProviderName[];
  /** Why the plan is not what was asked for; null when it is. */
  reason: string | null;
}

/**
 * Resolve a device choice into an ordered provider list. `auto` means CoreML on Apple silicon,
 * CUDA where its libraries are present, DirectML on Windows, else CPU; CPU is always last so a
 * node the accelerator cannot take still runs.
 */
export function planProviders(device: Device, env: ProviderEnvironment): ProviderPlan {
  const available = availableProviders(env);
  if (device === 'cpu') return { plan: ['cpu'], reason: null };
  if (device === 'auto') {
    if (env.platform === 'darwin' && env.arch === 'arm64') return { plan: ['coreml', 'cpu'], reason: null };
    if (env.cudaAvailable) return { plan: ['cuda', 'cpu'], reason: null };
    if (env.platform === 'win32') return { plan: ['dml', 'cpu'], reason: null };
    return { plan: ['cpu'], reason: null };
  }
  if (available.includes(device)) return { plan: [device, 'cpu'], reason: null };
  return { plan: ['cpu'], reason: unavailableReason(device, env) };
}

function unavailableReason(device: ExecutionProviderName, env: ProviderEnvironment): string {
  const where = `${env.platform}-${env.arch}`;
  switch (device) {
    case 'coreml':
      return `CoreML needs macOS on Apple silicon; this is ${where}`;
    case 'cuda':
      return env.platform === 'linux' || env.platform === 'win32'
        ? 'CUDA libraries were not found (install onnxruntime-node with --onnxruntime-node-install=cuda12 on a machine with an NVIDIA driver)'
        : `CUDA is not available on ${where}`;
    case 'dml':
      return `DirectML needs Windows; this is ${where}`;
    case 'webgpu':
      return `this onnxruntime-node build has no WebGPU provider for ${where}`;
    default:
      return `${device} is not available on ${where}`;
  }
}

/** The session option entry onnxruntime-node expects for a provider. */
export type ProviderOption = string | { name: string; [key: string]: unknown };

export function providerOption(name: ExecutionProviderName, opts: { staticShapes?: boolean } = {}): ProviderOption {
  switch (name) {
    case 'coreml':
      return {
        name: 'coreml',
        coreMlFlags:
          COREML_FLAG_CREATE_MLPROGRAM | (opts.staticShapes ? COREML_FLAG_ONLY_ALLOW_STATIC_INPUT_SHAPES : 0),
      };
    case 'cpu':
      return 'cpu';
    default:
      return { name };
  }
}
