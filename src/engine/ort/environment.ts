import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { arch, platform } from 'node:process';
import ort from 'onnxruntime-node';
import { attr, OnnxBuilder } from '../../core/onnx/builder';
import {
  availableProviders,
  providerOption,
  readableProviderError,
  type ProviderEnvironment,
} from '../../core/providers';
import type { ExecutionProviderName } from '../../shared/devices';

/**
 * What this machine's onnxruntime-node can offer. CUDA ships separately (the postinstall is
 * skipped by .npmrc), so it counts only when its provider library sits beside the binding.
 */
export function detectProviderEnvironment(): ProviderEnvironment {
  return { platform, arch, cudaAvailable: cudaProviderPresent() };
}

function cudaProviderPresent(): boolean {
  if (platform !== 'linux' && platform !== 'win32') return false;
  try {
    const require = createRequire(import.meta.url);
    const pkgDir = dirname(require.resolve('onnxruntime-node/package.json'));
    const lib = platform === 'linux' ? 'libonnxruntime_providers_cuda.so' : 'onnxruntime_providers_cuda.dll';
    return existsSync(join(pkgDir, 'bin', 'napi-v6', platform, arch, lib));
  } catch {
    return false;
  }
}

/** A one-node model (a 1×1 convolution) every provider can take: enough to start its device. */
function probeModel(): Uint8Array {
  const b = new OnnxBuilder({ producerName: 'loupe-provider-probe' });
  b.input('x', 'float32', [1, 1, 4, 4]);
  const w = b.floats('w', [1, 1, 1, 1], [1]);
  b.node('Conv', ['x', w], ['y'], { kernel_shape: attr.ints([1, 1]) });
  b.output('y', 'float32', [1, 1, 4, 4]);
  return b.toBytes();
}

/**
 * Start every accelerator provider of this build once on a one-node model, so that one which
 * cannot run here (WebGPU with no GPU adapter, CUDA without its driver) is marked before anyone
 * picks it, with the reason in words. A failure takes ~40 ms here; the raw message is logged.
 */
export async function probeProviders(
  env: ProviderEnvironment,
  log: (provider: ExecutionProviderName, message: string) => void = () => undefined,
): Promise<ProviderEnvironment> {
  const model = probeModel();
  const unusable: Partial<Record<ExecutionProviderName, string>> = {};
  for (const p of availableProviders(env)) {
    if (p === 'cpu') continue;
    try {
      const session = await ort.InferenceSession.create(model, {
        executionProviders: [
          providerOption(p, { staticShapes: true }),
        ] as ort.InferenceSession.ExecutionProviderConfig[],
      });
      await session.release();
    } catch (e) {
      const message = (e as Error)?.message ?? String(e);
      log(p, message);
      unusable[p] = readableProviderError(p, message);
    }
  }
  return Object.keys(unusable).length ? { ...env, unusable } : env;
}
