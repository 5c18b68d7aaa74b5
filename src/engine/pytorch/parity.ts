import ort from 'onnxruntime-node';

/**
 * One run of an ONNX file on ONNX Runtime's CPU provider, in a session of its own that is released
 * afterwards: the exporter's check compares the export with torch, not an accelerator's rounding.
 */
export function onnxCpuRunner(
  threads: () => number,
): (path: string, input: Float32Array, dims: number[]) => Promise<{ data: Float32Array; dims: number[] }> {
  return async (path, input, dims) => {
    const session = await ort.InferenceSession.create(path, {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads(),
      graphOptimizationLevel: 'all',
    });
    try {
      const name = session.inputNames[0] as string;
      const out = await session.run({ [name]: new ort.Tensor('float32', input, dims) });
      const t = out[session.outputNames[0] as string] as ort.Tensor;
      return { data: t.data as Float32Array, dims: [...t.dims] };
    } finally {
      await session.release();
    }
  };
}
