import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { arch, platform } from 'node:process';
import type { ProviderEnvironment } from '../../core/providers';

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
