import { describe, expect, it } from 'vitest';
import { attr, OnnxBuilder } from '../../../src/core/onnx/builder';
import { OnnxParseError, parseOnnxModel } from '../../../src/core/onnx/model-info';
import { encodeVarint, readVarint } from '../../../src/core/onnx/protobuf';
import { blurModel, tinyPoseModel } from '../../fixtures/onnx-models';

describe('protobuf varints', () => {
  it('round-trips small, large and negative int64 values', () => {
    for (const v of [0, 1, 127, 128, 300, 2 ** 31, 2 ** 40 + 5, -1, -300]) {
      const bytes = encodeVarint(v);
      expect(readVarint(bytes, 0)[0]).toBe(v);
    }
  });
});

describe('parseOnnxModel', () => {
  it('reads inputs, outputs, opset and producer of a built model', () => {
    const info = parseOnnxModel(blurModel());
    expect(info.opset).toBe(17);
    expect(info.producerName).toBe('loupe-fixtures');
    expect(info.inputs).toEqual([{ name: 'input', type: 'float32', dims: ['N', 3, 'H', 'W'] }]);
    expect(info.outputs).toEqual([{ name: 'output', type: 'float32', dims: ['N', 3, 'H', 'W'] }]);
    expect(info.opTypes).toEqual(['Conv']);
    expect(info.initializerCount).toBe(1);
  });

  it('reads Ultralytics metadata_props', () => {
    const info = parseOnnxModel(tinyPoseModel());
    expect(info.metadata.task).toBe('pose');
    expect(info.metadata.kpt_shape).toBe('[5, 3]');
    expect(info.outputs[0]?.dims).toEqual([1, 20, 64]);
  });

  it('leaves initializers listed as graph inputs (IR < 4) out of the inputs', () => {
    const b = new OnnxBuilder({ irVersion: 3 });
    b.input('x', 'float32', [1, 4]);
    b.input('w', 'float32', [4, 4]);
    b.floats('w', [4, 4], new Array(16).fill(0));
    b.node('MatMul', ['x', 'w'], ['y']);
    b.output('y', 'float32', [1, 4]);
    expect(parseOnnxModel(b.toBytes()).inputs.map((i) => i.name)).toEqual(['x']);
  });

  it('records attributes without breaking the graph walk', () => {
    const b = new OnnxBuilder();
    b.input('x', 'float32', [1, 3, 8, 8]);
    b.node('MaxPool', ['x'], ['y'], {
      kernel_shape: attr.ints([2, 2]),
      auto_pad: attr.string('VALID'),
      ceil_mode: attr.int(0),
    });
    b.output('y', 'float32', [1, 3, 4, 4]);
    expect(parseOnnxModel(b.toBytes()).opTypes).toEqual(['MaxPool']);
  });

  it.each([
    ['an empty file', new Uint8Array(0)],
    ['a text file', new TextEncoder().encode('<html>404 Not Found</html>')],
    ['a truncated model', blurModel().subarray(0, 40)],
    ['random bytes', Uint8Array.from({ length: 256 }, (_, i) => (i * 97 + 13) % 256)],
  ])('refuses %s with OnnxParseError', (_name, bytes) => {
    expect(() => parseOnnxModel(bytes)).toThrow(OnnxParseError);
  });
});
