import { describe, expect, it } from 'vitest';
import {
  availableProviders,
  planProviders,
  providerOption,
  readableProviderError,
  usableProviders,
} from '../../src/core/providers';

const mac = { platform: 'darwin', arch: 'arm64', cudaAvailable: false };
const linux = { platform: 'linux', arch: 'x64', cudaAvailable: false };
const linuxCuda = { ...linux, cudaAvailable: true };
const win = { platform: 'win32', arch: 'x64', cudaAvailable: false };
const macIntel = { platform: 'darwin', arch: 'x64', cudaAvailable: false };

describe('planProviders', () => {
  it('auto picks the accelerator each platform has, CPU last', () => {
    expect(planProviders('auto', mac)).toEqual({ plan: ['coreml', 'cpu'], reason: null });
    expect(planProviders('auto', linuxCuda)).toEqual({ plan: ['cuda', 'cpu'], reason: null });
    expect(planProviders('auto', win)).toEqual({ plan: ['dml', 'cpu'], reason: null });
    expect(planProviders('auto', linux)).toEqual({ plan: ['cpu'], reason: null });
  });

  it('an explicit device that is not here narrows to CPU and says why', () => {
    const cuda = planProviders('cuda', linux);
    expect(cuda.plan).toEqual(['cpu']);
    expect(cuda.reason).toMatch(/CUDA libraries were not found/);
    expect(planProviders('coreml', linux).reason).toMatch(/Apple silicon/);
    expect(planProviders('dml', mac).reason).toMatch(/Windows/);
    expect(planProviders('webgpu', macIntel).reason).toMatch(/no WebGPU/);
  });

  it('an explicit device that is here is tried first', () => {
    expect(planProviders('webgpu', linux)).toEqual({ plan: ['webgpu', 'cpu'], reason: null });
    expect(planProviders('cpu', mac)).toEqual({ plan: ['cpu'], reason: null });
  });

  it('a provider of the build that failed to start here is never planned, and says why', () => {
    const noAdapter = { ...linux, unusable: { webgpu: 'no GPU adapter for WebGPU (No supported adapters)' } };
    expect(planProviders('webgpu', noAdapter)).toEqual({
      plan: ['cpu'],
      reason: 'webgpu cannot run here: no GPU adapter for WebGPU (No supported adapters)',
    });
    expect(usableProviders(noAdapter)).toEqual(['cpu']);
    const cudaDown = { ...linuxCuda, unusable: { cuda: 'CUDA driver version is insufficient' } };
    expect(planProviders('auto', cudaDown)).toEqual({
      plan: ['cpu'],
      reason: 'cuda cannot run here: CUDA driver version is insufficient',
    });
  });

  it('turns ONNX Runtime provider errors into words', () => {
    // onnxruntime-node 1.30 on a Linux box without a GPU, as printed here.
    const raw =
      '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\n' +
      "Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory\n" +
      '    at operator() (/build/Release/_deps/dawn-src/src/dawn/native/vulkan/BackendVk.cpp:368)';
    expect(readableProviderError('webgpu', raw)).toBe(
      'no GPU adapter for WebGPU (No supported adapters); Vulkan could not be loaded (libvulkan.so.1 is missing)',
    );
    expect(
      readableProviderError(
        'cuda',
        '/onnxruntime_src/onnxruntime/core/providers/cuda/cuda_call.cc:123 std::conditional_t<THRW, void, common::Status> onnxruntime::CudaCall(...) CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version',
      ),
    ).toMatch(/^CUDA failure 35: CUDA driver version is insufficient/);
    expect(readableProviderError('coreml', 'Error in building plan')).toBe('Error in building plan');
  });

  it('lists what each build bundles', () => {
    expect(availableProviders(mac)).toEqual(['coreml', 'webgpu', 'cpu']);
    expect(availableProviders(linux)).toEqual(['webgpu', 'cpu']);
    expect(availableProviders(linuxCuda)).toEqual(['cuda', 'webgpu', 'cpu']);
  });
});

describe('providerOption', () => {
  it('asks CoreML for an ML Program, static shapes only when the model has them', () => {
    expect(providerOption('coreml')).toEqual({ name: 'coreml', coreMlFlags: 0x010 });
    expect(providerOption('coreml', { staticShapes: true })).toEqual({ name: 'coreml', coreMlFlags: 0x018 });
    expect(providerOption('cpu')).toBe('cpu');
    expect(providerOption('cuda')).toEqual({ name: 'cuda' });
  });
});
