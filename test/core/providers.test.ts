import { describe, expect, it } from 'vitest';
import { availableProviders, planProviders, providerOption } from '../../src/core/providers';

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
