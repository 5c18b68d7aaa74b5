import type { Device, ExecutionProviderName } from '../shared/devices';

/** What the engine found out about this machine and this build of onnxruntime-node. */
export interface ProviderEnvironment {
  platform: string;
  arch: string;
  /** onnxruntime_providers_cuda and its CUDA/cuDNN libraries are loadable. */
  cudaAvailable: boolean;
  /**
   * Providers this build carries that failed to start here (a session on a one-node model could
   * not be created), each with the reason in words: WebGPU on a Linux box with no GPU adapter.
   */
  unusable?: Partial<Record<ExecutionProviderName, string>>;
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

/** Providers that can run here: those of the build that did not fail to start. */
export function usableProviders(env: ProviderEnvironment): ExecutionProviderName[] {
  return availableProviders(env).filter((p) => !env.unusable?.[p]);
}

/**
 * An ONNX Runtime provider error in words: the message without the source path, function name
 * and assertion that prefix it, and for WebGPU what it lacked (an adapter; Vulkan). The raw text
 * stays in the logs; this is what the Settings page, a fallback note and a job's status show.
 */
export function readableProviderError(provider: ExecutionProviderName, message: string): string {
  const text = message.replace(/\r/g, '');
  if (provider === 'webgpu') {
    const adapter = /Failed to get a WebGPU adapter:\s*([^\n]+)/.exec(text)?.[1]?.trim();
    const vulkan = /Couldn't load Vulkan:\s*([^\s:]+)/.exec(text)?.[1];
    if (adapter) {
      return `no GPU adapter for WebGPU (${adapter.replace(/\.$/, '')})${vulkan ? `; Vulkan could not be loaded (${vulkan} is missing)` : ''}`;
    }
  }
  const first = text.split('\n').find((l) => l.trim()) ?? text;
  // "/onnxruntime_src/…/file.cc:136 fn(…)::<lambda()> cond was false. Reason" → "Reason"
  const afterAssert = /\bwas false\.\s*(.+)$/.exec(first)?.[1];
  const stripped = (
    afterAssert ?? first.replace(/^\S*\.(cc|cpp|h):\d+\s+.*?::[\w~]+\([^)]*\)(::<lambda\(\)>)?\s+/, '')
  ).trim();
  return stripped.length > 240 ? `${stripped.slice(0, 239)}…` : stripped || message.slice(0, 240);
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
  const unusable = (p: ExecutionProviderName): string | undefined => env.unusable?.[p];
  if (device === 'cpu') return { plan: ['cpu'], reason: null };
  if (device === 'auto') {
    const preferred: ExecutionProviderName | null =
      env.platform === 'darwin' && env.arch === 'arm64'
        ? 'coreml'
        : env.cudaAvailable
          ? 'cuda'
          : env.platform === 'win32'
            ? 'dml'
            : null;
    if (!preferred) return { plan: ['cpu'], reason: null };
    const why = unusable(preferred);
    return why
      ? { plan: ['cpu'], reason: `${preferred} cannot run here: ${why}` }
      : { plan: [preferred, 'cpu'], reason: null };
  }
  const why = unusable(device);
  if (why) return { plan: ['cpu'], reason: `${device} cannot run here: ${why}` };
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
