import type { TensorElementType } from '../../shared/models';
import { ELEMENT_TYPE_CODES } from './model-info';
import { MessageWriter } from './protobuf';

/**
 * Writes small, valid ONNX models from code. The project's tests and fixture scripts use it to
 * make real models (identity, blur, synthetic detector heads) that run in ONNX Runtime, without
 * Python and without committing opaque binaries.
 */

export type AttributeValue =
  | { type: 'int'; value: number }
  | { type: 'ints'; value: number[] }
  | { type: 'float'; value: number }
  | { type: 'floats'; value: number[] }
  | { type: 'string'; value: string };

export const attr = {
  int: (value: number): AttributeValue => ({ type: 'int', value }),
  ints: (value: number[]): AttributeValue => ({ type: 'ints', value }),
  float: (value: number): AttributeValue => ({ type: 'float', value }),
  floats: (value: number[]): AttributeValue => ({ type: 'floats', value }),
  string: (value: string): AttributeValue => ({ type: 'string', value }),
};

type Dim = number | string;

interface ValueInfo {
  name: string;
  type: TensorElementType;
  dims: Dim[];
}

interface NodeDef {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttributeValue>;
  name: string;
}

interface InitializerDef {
  name: string;
  dims: number[];
  type: 'float32' | 'int64';
  data: Float32Array | BigInt64Array;
}

export interface OnnxBuilderOptions {
  opset?: number;
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  graphName?: string;
}

export class OnnxBuilder {
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly nodes: NodeDef[] = [];
  private readonly initializers: InitializerDef[] = [];
  private readonly metadataProps: [string, string][] = [];
  private counter = 0;

  constructor(private readonly options: OnnxBuilderOptions = {}) {}

  input(name: string, type: TensorElementType, dims: Dim[]): this {
    this.inputs.push({ name, type, dims });
    return this;
  }

  output(name: string, type: TensorElementType, dims: Dim[]): this {
    this.outputs.push({ name, type, dims });
    return this;
  }

  /** Add a float32 constant; returns its name. */
  floats(name: string, dims: number[], values: ArrayLike<number>): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (values.length !== count) throw new Error(`initializer ${name}: ${values.length} values for ${count}`);
    this.initializers.push({ name, dims, type: 'float32', data: Float32Array.from(values) });
    return name;
  }

  /** Add an int64 constant (shapes, axes); returns its name. */
  int64s(name: string, values: number[]): string {
    this.initializers.push({
      name,
      dims: [values.length],
      type: 'int64',
      data: BigInt64Array.from(values.map((v) => BigInt(v))),
    });
    return name;
  }

  /** Add a node; with no explicit outputs, one fresh output name is made and returned. */
  node(op: string, inputs: string[], outputs?: string[], attrs: Record<string, AttributeValue> = {}): string[] {
    const outs = outputs ?? [`${op.toLowerCase()}_${this.counter++}`];
    this.nodes.push({ op, inputs, outputs: outs, attrs, name: `${op}_${this.nodes.length}` });
    return outs;
  }

  metadata(props: Record<string, string>): this {
    for (const [k, v] of Object.entries(props)) this.metadataProps.push([k, v]);
    return this;
  }

  toBytes(): Uint8Array {
    const graph = new MessageWriter();
    for (const n of this.nodes) graph.message(1, writeNode(n));
    graph.string(2, this.options.graphName ?? 'loupe_graph');
    for (const init of this.initializers) graph.message(5, writeTensor(init));
    for (const i of this.inputs) graph.message(11, writeValueInfo(i));
    for (const o of this.outputs) graph.message(12, writeValueInfo(o));

    const model = new MessageWriter()
      .varint(1, this.options.irVersion ?? 8)
      .string(2, this.options.producerName ?? 'loupe')
      .string(3, this.options.producerVersion ?? '1')
      .message(7, graph)
      .message(8, new MessageWriter().string(1, '').varint(2, this.options.opset ?? 17));
    for (const [key, value] of this.metadataProps) {
      model.message(14, new MessageWriter().string(1, key).string(2, value));
    }
    return model.finish();
  }
}

function writeValueInfo(v: ValueInfo): MessageWriter {
  const shape = new MessageWriter();
  for (const d of v.dims) {
    const dim = new MessageWriter();
    if (typeof d === 'number') dim.varint(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new MessageWriter().varint(1, ELEMENT_TYPE_CODES[v.type]).message(2, shape);
  return new MessageWriter().string(1, v.name).message(2, new MessageWriter().message(1, tensorType));
}

const ATTR_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7 } as const;

function writeNode(n: NodeDef): MessageWriter {
  const w = new MessageWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.op);
  for (const [name, a] of Object.entries(n.attrs)) {
    const aw = new MessageWriter().string(1, name).varint(20, ATTR_TYPE[a.type]);
    switch (a.type) {
      case 'float':
        aw.float(2, a.value);
        break;
      case 'int':
        aw.varint(3, a.value);
        break;
      case 'string':
        aw.string(4, a.value);
        break;
      case 'floats':
        aw.packedFloats(7, a.value);
        break;
      case 'ints':
        aw.packedVarints(8, a.value);
        break;
    }
    w.message(5, aw);
  }
  return w;
}

function writeTensor(t: InitializerDef): MessageWriter {
  const w = new MessageWriter().packedVarints(1, t.dims).varint(2, ELEMENT_TYPE_CODES[t.type]).string(8, t.name);
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return w.bytes(9, raw);
}
