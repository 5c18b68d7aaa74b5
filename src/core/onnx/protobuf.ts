/**
 * Just enough of the protobuf wire format to read ONNX model headers (inputs, outputs, opsets,
 * metadata_props) without a protobuf library, and to write small models for tests and fixtures.
 * Length-delimited fields are returned as views, never copied, so skipping a 100 MB initializer
 * costs nothing.
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

export interface Field {
  no: number;
  wire: number;
  /** For varint fields. */
  int: number;
  /** For length-delimited, i32 and i64 fields: a view into the buffer. */
  bytes: Uint8Array;
}

export class ProtobufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufError';
  }
}

/** Iterate the fields of one message. Throws ProtobufError on a malformed buffer. */
export function* readFields(buf: Uint8Array): Generator<Field> {
  let pos = 0;
  const end = buf.length;
  while (pos < end) {
    const [key, afterKey] = readVarint(buf, pos);
    pos = afterKey;
    const no = Math.floor(key / 8);
    const wire = key % 8;
    if (no === 0) throw new ProtobufError(`invalid field number 0 at byte ${pos}`);
    switch (wire) {
      case WIRE_VARINT: {
        const [value, next] = readVarint(buf, pos);
        pos = next;
        yield { no, wire, int: value, bytes: EMPTY };
        break;
      }
      case WIRE_I64: {
        if (pos + 8 > end) throw new ProtobufError('truncated 64-bit field');
        yield { no, wire, int: 0, bytes: buf.subarray(pos, pos + 8) };
        pos += 8;
        break;
      }
      case WIRE_LEN: {
        const [len, next] = readVarint(buf, pos);
        pos = next;
        if (pos + len > end) throw new ProtobufError(`field ${no} runs past the end (${len} bytes)`);
        yield { no, wire, int: 0, bytes: buf.subarray(pos, pos + len) };
        pos += len;
        break;
      }
      case WIRE_I32: {
        if (pos + 4 > end) throw new ProtobufError('truncated 32-bit field');
        yield { no, wire, int: 0, bytes: buf.subarray(pos, pos + 4) };
        pos += 4;
        break;
      }
      default:
        throw new ProtobufError(`unsupported wire type ${wire} for field ${no}`);
    }
  }
}

const EMPTY = new Uint8Array(0);

/** Read a varint as a JS number (int64 values beyond 2^53 lose precision; negatives are mapped back). */
export function readVarint(buf: Uint8Array, start: number): [value: number, next: number] {
  let value = 0;
  let multiplier = 1;
  let pos = start;
  // Fast path: up to 7 bytes (49 bits) fit a double exactly.
  for (let i = 0; i < 7; i++) {
    if (pos >= buf.length) throw new ProtobufError('truncated varint');
    const byte = buf[pos++] as number;
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return [value, pos];
    multiplier *= 128;
  }
  // Long varints (large or negative int64): exact arithmetic in BigInt.
  let big = BigInt(value);
  let shift = 49n;
  for (let i = 7; i < 10; i++) {
    if (pos >= buf.length) throw new ProtobufError('truncated varint');
    const byte = buf[pos++] as number;
    big |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [Number(BigInt.asIntN(64, big)), pos];
    shift += 7n;
  }
  throw new ProtobufError('varint longer than 10 bytes');
}

const decoder = new TextDecoder('utf-8');
export const decodeString = (bytes: Uint8Array): string => decoder.decode(bytes);

// ---------------------------------------------------------------------------------------------
// Writer

export type Chunk = Uint8Array;

export function encodeVarint(value: number): Uint8Array {
  if (!Number.isFinite(value) || !Number.isInteger(value)) {
    throw new ProtobufError(`varint must be an integer, got ${value}`);
  }
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Uint8Array.from(out);
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const encoder = new TextEncoder();

/** Small builder for one message. Fields are appended in call order. */
export class MessageWriter {
  private readonly chunks: Uint8Array[] = [];

  varint(no: number, value: number): this {
    this.chunks.push(encodeVarint(no * 8 + WIRE_VARINT), encodeVarint(value));
    return this;
  }

  bytes(no: number, value: Uint8Array): this {
    this.chunks.push(encodeVarint(no * 8 + WIRE_LEN), encodeVarint(value.length), value);
    return this;
  }

  string(no: number, value: string): this {
    return this.bytes(no, encoder.encode(value));
  }

  message(no: number, writer: MessageWriter): this {
    return this.bytes(no, writer.finish());
  }

  float(no: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.chunks.push(encodeVarint(no * 8 + WIRE_I32), b);
    return this;
  }

  packedVarints(no: number, values: readonly number[]): this {
    return this.bytes(no, concat(values.map(encodeVarint)));
  }

  packedFloats(no: number, values: readonly number[]): this {
    const b = new Uint8Array(values.length * 4);
    const view = new DataView(b.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return this.bytes(no, b);
  }

  finish(): Uint8Array {
    return concat(this.chunks);
  }
}
