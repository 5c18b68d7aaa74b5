import type { TensorElementType, TensorInfo } from '../../shared/models';
import { decodeString, ProtobufError, readFields, WIRE_LEN, WIRE_VARINT } from './protobuf';

/** The header of an ONNX model: what Loupe needs to list it and decide how to feed it. */
export interface OnnxModelInfo {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  modelVersion: number;
  docString: string;
  /** Default-domain opset (ai.onnx), or null when absent. */
  opset: number | null;
  opsets: { domain: string; version: number }[];
  graphName: string;
  /** Graph inputs that are real inputs (initializers excluded, as IR < 4 lists them too). */
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  metadata: Record<string, string>;
  nodeCount: number;
  opTypes: string[];
  initializerCount: number;
  /** Initializers stored in external files (`location` of external_data). */
  externalData: string[];
}

/** ONNX TensorProto.DataType → name. */
export const ELEMENT_TYPES: Record<number, TensorElementType> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

export const ELEMENT_TYPE_CODES: Record<TensorElementType, number> = Object.fromEntries(
  Object.entries(ELEMENT_TYPES).map(([code, name]) => [name, Number(code)]),
) as Record<TensorElementType, number>;

export class OnnxParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxParseError';
  }
}

/**
 * Parse the parts of a ModelProto that describe the model. Throws OnnxParseError when the bytes
 * are not an ONNX model (e.g. a truncated download, an HTML error page saved as .onnx).
 */
export function parseOnnxModel(bytes: Uint8Array): OnnxModelInfo {
  if (bytes.length === 0) throw new OnnxParseError('the file is empty');
  const info: OnnxModelInfo = {
    irVersion: 0,
    producerName: '',
    producerVersion: '',
    modelVersion: 0,
    docString: '',
    opset: null,
    opsets: [],
    graphName: '',
    inputs: [],
    outputs: [],
    metadata: {},
    nodeCount: 0,
    opTypes: [],
    initializerCount: 0,
    externalData: [],
  };
  let graph: Uint8Array | null = null;
  try {
    for (const f of readFields(bytes)) {
      switch (f.no) {
        case 1:
          expectWire(f.wire, WIRE_VARINT, 'ir_version');
          info.irVersion = f.int;
          break;
        case 2:
          info.producerName = stringField(f.wire, f.bytes, 'producer_name');
          break;
        case 3:
          info.producerVersion = stringField(f.wire, f.bytes, 'producer_version');
          break;
        case 5:
          info.modelVersion = f.int;
          break;
        case 6:
          info.docString = stringField(f.wire, f.bytes, 'doc_string');
          break;
        case 7:
          expectWire(f.wire, WIRE_LEN, 'graph');
          graph = f.bytes;
          break;
        case 8: {
          expectWire(f.wire, WIRE_LEN, 'opset_import');
          const opset = parseOpset(f.bytes);
          info.opsets.push(opset);
          if (opset.domain === '' || opset.domain === 'ai.onnx') info.opset = opset.version;
          break;
        }
        case 14: {
          expectWire(f.wire, WIRE_LEN, 'metadata_props');
          const [key, value] = parseStringEntry(f.bytes);
          info.metadata[key] = value;
          break;
        }
        default:
          break;
      }
    }
  } catch (e) {
    if (e instanceof ProtobufError || e instanceof OnnxParseError) {
      throw new OnnxParseError(`not a valid ONNX model: ${e.message}`);
    }
    throw e;
  }
  if (info.irVersion <= 0 || graph === null) {
    throw new OnnxParseError('not a valid ONNX model: no ir_version or no graph');
  }
  parseGraph(graph, info);
  return info;
}

function parseGraph(bytes: Uint8Array, info: OnnxModelInfo): void {
  const declaredInputs: TensorInfo[] = [];
  const initializerNames = new Set<string>();
  const opTypes = new Set<string>();
  try {
    for (const f of readFields(bytes)) {
      if (f.wire !== WIRE_LEN) continue;
      switch (f.no) {
        case 1: {
          info.nodeCount++;
          const op = nodeOpType(f.bytes);
          if (op) opTypes.add(op);
          break;
        }
        case 2:
          info.graphName = decodeString(f.bytes);
          break;
        case 5: {
          info.initializerCount++;
          const { name, external } = tensorNameAndLocation(f.bytes);
          initializerNames.add(name);
          if (external) info.externalData.push(external);
          break;
        }
        case 11:
          declaredInputs.push(parseValueInfo(f.bytes));
          break;
        case 12:
          info.outputs.push(parseValueInfo(f.bytes));
          break;
        default:
          break;
      }
    }
  } catch (e) {
    if (e instanceof ProtobufError) throw new OnnxParseError(`not a valid ONNX graph: ${e.message}`);
    throw e;
  }
  info.inputs = declaredInputs.filter((i) => !initializerNames.has(i.name));
  info.opTypes = [...opTypes].sort();
  info.externalData = [...new Set(info.externalData)];
}

function parseOpset(bytes: Uint8Array): { domain: string; version: number } {
  let domain = '';
  let version = 0;
  for (const f of readFields(bytes)) {
    if (f.no === 1 && f.wire === WIRE_LEN) domain = decodeString(f.bytes);
    else if (f.no === 2 && f.wire === WIRE_VARINT) version = f.int;
  }
  return { domain, version };
}

function parseStringEntry(bytes: Uint8Array): [string, string] {
  let key = '';
  let value = '';
  for (const f of readFields(bytes)) {
    if (f.no === 1 && f.wire === WIRE_LEN) key = decodeString(f.bytes);
    else if (f.no === 2 && f.wire === WIRE_LEN) value = decodeString(f.bytes);
  }
  return [key, value];
}

function nodeOpType(bytes: Uint8Array): string | null {
  for (const f of readFields(bytes)) {
    if (f.no === 4 && f.wire === WIRE_LEN) return decodeString(f.bytes);
  }
  return null;
}

function tensorNameAndLocation(bytes: Uint8Array): { name: string; external: string | null } {
  let name = '';
  let external: string | null = null;
  for (const f of readFields(bytes)) {
    if (f.no === 8 && f.wire === WIRE_LEN) name = decodeString(f.bytes);
    else if (f.no === 13 && f.wire === WIRE_LEN) {
      const [key, value] = parseStringEntry(f.bytes);
      if (key === 'location') external = value;
    }
  }
  return { name, external };
}

function parseValueInfo(bytes: Uint8Array): TensorInfo {
  const out: TensorInfo = { name: '', type: 'unknown', dims: [] };
  for (const f of readFields(bytes)) {
    if (f.wire !== WIRE_LEN) continue;
    if (f.no === 1) out.name = decodeString(f.bytes);
    else if (f.no === 2) parseType(f.bytes, out);
  }
  return out;
}

function parseType(bytes: Uint8Array, out: TensorInfo): void {
  for (const f of readFields(bytes)) {
    if (f.no !== 1 || f.wire !== WIRE_LEN) continue; // tensor_type only
    for (const t of readFields(f.bytes)) {
      if (t.no === 1 && t.wire === WIRE_VARINT) out.type = ELEMENT_TYPES[t.int] ?? 'unknown';
      else if (t.no === 2 && t.wire === WIRE_LEN) out.dims = parseShape(t.bytes);
    }
  }
}

function parseShape(bytes: Uint8Array): (number | string)[] {
  const dims: (number | string)[] = [];
  for (const f of readFields(bytes)) {
    if (f.no !== 1 || f.wire !== WIRE_LEN) continue;
    let dim: number | string = '?';
    for (const d of readFields(f.bytes)) {
      if (d.no === 1 && d.wire === WIRE_VARINT) dim = d.int;
      else if (d.no === 2 && d.wire === WIRE_LEN) dim = decodeString(d.bytes) || '?';
    }
    dims.push(dim);
  }
  return dims;
}

function expectWire(actual: number, expected: number, field: string): void {
  if (actual !== expected) throw new OnnxParseError(`field ${field} has wire type ${actual}`);
}

function stringField(wire: number, bytes: Uint8Array, field: string): string {
  expectWire(wire, WIRE_LEN, field);
  return decodeString(bytes);
}
