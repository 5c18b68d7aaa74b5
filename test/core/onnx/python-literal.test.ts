import { describe, expect, it } from 'vitest';
import { parsePythonLiteral, PyLiteralError, tryParsePythonLiteral } from '../../../src/core/onnx/python-literal';

describe('parsePythonLiteral', () => {
  it('parses what Ultralytics writes into metadata_props', () => {
    expect(parsePythonLiteral('{0: \'dial\', 1: "bezel"}')).toEqual({ 0: 'dial', 1: 'bezel' });
    expect(parsePythonLiteral('[640, 640]')).toEqual([640, 640]);
    expect(parsePythonLiteral('(5, 3)')).toEqual([5, 3]);
    expect(parsePythonLiteral("{0: ['top', 'bottom', 'left']}")).toEqual({ 0: ['top', 'bottom', 'left'] });
    expect(parsePythonLiteral('{"half": False, "dynamic": True, "x": None, "lr": 1e-3, "n": -2}')).toEqual({
      half: false,
      dynamic: true,
      x: null,
      lr: 0.001,
      n: -2,
    });
    expect(parsePythonLiteral("'it\\'s'")).toBe("it's");
  });

  it('rejects malformed text', () => {
    expect(() => parsePythonLiteral('[1, 2')).toThrow(PyLiteralError);
    expect(() => parsePythonLiteral('{0: }')).toThrow(PyLiteralError);
    expect(() => parsePythonLiteral('[1] extra')).toThrow(PyLiteralError);
    expect(tryParsePythonLiteral('nope')).toBeUndefined();
    expect(tryParsePythonLiteral(undefined)).toBeUndefined();
  });
});
