import { HAMMING_WASM_BASE64 } from './hamming-wasm';

/** Binary descriptors, one row of `stride` bytes each (a multiple of 16, zero-padded past `bytes`). */
export interface BinaryDescriptors {
  rows: number;
  /** Bytes of a descriptor as its detector writes it (ORB 32, AKAZE 61). */
  bytes: number;
  stride: number;
  data: Uint8Array;
}

/** For each query row, its nearest train row and the distances of the two nearest. */
export interface Knn2 {
  /** Nearest train row per query row (-1 when there is no train row). */
  index: Int32Array;
  best: Int32Array;
  /** The second-nearest distance (0x7fffffff when there is one train row). */
  second: Int32Array;
}

const MAX_STRIDE = 496;

/** Rows of `bytes` bytes copied into rows of a 16-byte-multiple stride, zero-padded (Hamming distance unchanged). */
export function toBinaryDescriptors(data: Uint8Array, rows: number, bytes: number): BinaryDescriptors {
  const stride = Math.ceil(bytes / 16) * 16;
  if (stride > MAX_STRIDE) throw new RangeError(`descriptors of ${bytes} bytes are longer than ${MAX_STRIDE}`);
  if (stride === bytes) return { rows, bytes, stride, data: data.slice(0, rows * bytes) };
  const out = new Uint8Array(rows * stride);
  for (let r = 0; r < rows; r++) out.set(data.subarray(r * bytes, (r + 1) * bytes), r * stride);
  return { rows, bytes, stride, data: out };
}

interface Exports {
  memory: WebAssembly.Memory;
  knn2(q: number, nq: number, t: number, nt: number, stride: number, out: number): void;
  knn2_32(q: number, nq: number, t: number, nt: number, out: number): void;
}

/**
 * Brute-force Hamming 2-NN (hamming.wat, WebAssembly SIMD): the same nearest row and distances
 * as OpenCV's BFMatcher(NORM_HAMMING).knnMatch(k = 2), ties included, 5–7× faster than the
 * opencv.js builds (which have no SIMD). One instance per thread; it keeps its memory between
 * calls and grows it as needed.
 */
export class HammingKnn {
  private readonly wasm: Exports;

  constructor() {
    const bytes = Uint8Array.from(atob(HAMMING_WASM_BASE64), (c) => c.charCodeAt(0));
    this.wasm = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as Exports;
  }

  knn2(query: BinaryDescriptors, train: BinaryDescriptors): Knn2 {
    if (query.stride !== train.stride || query.bytes !== train.bytes) {
      throw new RangeError(`descriptors of ${query.bytes} and ${train.bytes} bytes cannot be compared`);
    }
    const stride = query.stride;
    const tOff = query.rows * stride;
    const outOff = tOff + train.rows * stride;
    const need = outOff + query.rows * 12;
    const memory = this.wasm.memory;
    if (need > memory.buffer.byteLength) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
    const heap = new Uint8Array(memory.buffer);
    heap.set(query.data.subarray(0, query.rows * stride), 0);
    heap.set(train.data.subarray(0, train.rows * stride), tOff);
    if (stride === 32) this.wasm.knn2_32(0, query.rows, tOff, train.rows, outOff);
    else this.wasm.knn2(0, query.rows, tOff, train.rows, stride, outOff);
    const out = new Int32Array(memory.buffer, outOff, query.rows * 3);
    const index = new Int32Array(query.rows);
    const best = new Int32Array(query.rows);
    const second = new Int32Array(query.rows);
    for (let i = 0; i < query.rows; i++) {
      index[i] = out[i * 3]!;
      best[i] = out[i * 3 + 1]!;
      second[i] = out[i * 3 + 2]!;
    }
    return { index, best, second };
  }
}
