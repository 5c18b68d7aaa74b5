/** Where a model runs. `auto` picks the best provider this machine has, CPU always works. */
export const DEVICES = ['auto', 'coreml', 'cuda', 'webgpu', 'dml', 'cpu'] as const;
export type Device = (typeof DEVICES)[number];

/** ONNX Runtime execution provider names as onnxruntime-node spells them. */
export type ExecutionProviderName = 'coreml' | 'cuda' | 'webgpu' | 'dml' | 'cpu';

/** Which provider a session asked for, which one actually runs it, and why they differ. */
export interface ProviderReport {
  requested: Device;
  /** Providers tried, in order of preference. */
  plan: ExecutionProviderName[];
  /** The provider that runs the session (CPU after a fallback). */
  active: ExecutionProviderName;
  /** Set when `active` is not the first provider of the plan, or the plan was narrowed. */
  fallbackReason?: string;
}
