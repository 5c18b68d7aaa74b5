import { describe, expect, it } from 'vitest';
import type { ModelManifest } from '../../../src/shared/model-manifest';
import {
  concreteInputShape,
  describeModel,
  modelIdFromFileName,
  readUltralyticsMetadata,
  unknownModelReason,
  validateManifest,
} from '../../../src/core/models/describe';
import { OnnxBuilder } from '../../../src/core/onnx/builder';
import { parseOnnxModel } from '../../../src/core/onnx/model-info';
import { blurModel, rank3Model, tinyPoseModel } from '../../fixtures/onnx-models';

function headModel(outDims: (number | string)[], metadata: Record<string, string> = {}) {
  const b = new OnnxBuilder();
  b.input('images', 'float32', [1, 3, 640, 640]);
  b.node('Identity', ['images'], ['output0']);
  b.output('output0', 'float32', outDims);
  b.metadata(metadata);
  return parseOnnxModel(b.toBytes());
}

describe('readUltralyticsMetadata', () => {
  it('parses names, imgsz, kpt_shape and kpt_names', () => {
    const meta = readUltralyticsMetadata(parseOnnxModel(tinyPoseModel()).metadata);
    expect(meta).toEqual({
      task: 'pose',
      imgsz: [64, 64],
      stride: 8,
      names: ['dial'],
      kptShape: [5, 3],
      kptNames: ['top', 'bottom', 'left', 'right', 'center'],
    });
  });
});

describe('describeModel', () => {
  it('trusts the manifest first', () => {
    const manifest = { task: 'restoration', output: { layout: 'image' } } as ModelManifest;
    expect(describeModel(parseOnnxModel(tinyPoseModel()), manifest)).toEqual({
      task: 'restoration',
      taskSource: 'manifest',
      layout: 'image',
    });
  });

  it('reads the task from Ultralytics metadata', () => {
    expect(describeModel(parseOnnxModel(tinyPoseModel()), null)).toEqual({
      task: 'pose',
      taskSource: 'metadata',
      layout: 'yolo-pose',
    });
    expect(describeModel(headModel([1, 84, 8400], { task: 'detect', names: "{0: 'a'}" }), null).layout).toBe(
      'yolo-detect',
    );
    expect(describeModel(headModel([1, 6, 8400], { task: 'obb', names: "{0: 'a'}" }), null).layout).toBe('yolo-obb');
  });

  it('recognises exports with NMS in the graph', () => {
    expect(describeModel(headModel([1, 300, 6], { task: 'detect', names: "{0: 'a'}" }), null).layout).toBe('yolo-nms');
    expect(describeModel(headModel([1, 300, 21], { task: 'pose', kpt_shape: '[5, 3]' }), null).layout).toBe('yolo-nms');
  });

  it('falls back to shapes', () => {
    expect(describeModel(parseOnnxModel(blurModel()), null)).toEqual({
      task: 'restoration',
      taskSource: 'shapes',
      layout: 'image',
    });
    expect(describeModel(headModel([1, 5, 8400], { names: "{0: 'dial'}" }), null).task).toBe('detect');
    expect(describeModel(headModel([1, 20, 8400], { names: "{0: 'dial'}" }), null).task).toBe('pose');
    expect(describeModel(headModel([7]), null).task).toBe('unknown');
  });
});

describe('concreteInputShape', () => {
  it('keeps fixed dims, uses imgsz for dynamic ones, rounds the fallback to the pad multiple', () => {
    const pose = parseOnnxModel(tinyPoseModel());
    expect(concreteInputShape(pose.inputs[0]!, null, pose.metadata)).toEqual([1, 3, 64, 64]);
    const blur = parseOnnxModel(blurModel());
    expect(concreteInputShape(blur.inputs[0]!, null, {}, 100)).toEqual([1, 3, 100, 100]);
    const manifest = { input: { padMultiple: 16 } } as ModelManifest;
    expect(concreteInputShape(blur.inputs[0]!, manifest, {}, 100)).toEqual([1, 3, 112, 112]);
    const sized = { input: { size: [320, 240] } } as ModelManifest;
    expect(concreteInputShape(blur.inputs[0]!, sized, {}, 100)).toEqual([1, 3, 240, 320]);
  });
});

describe('modelIdFromFileName', () => {
  it('makes stable ids', () => {
    expect(modelIdFromFileName('My Model v2.onnx')).toBe('my-model-v2');
    expect(modelIdFromFileName('yolo11n-pose.ONNX')).toBe('yolo11n-pose');
    expect(modelIdFromFileName('___.onnx')).toBe('model');
  });
});

describe('validateManifest', () => {
  const good = {
    schema: 1,
    id: 'x',
    displayName: 'X',
    version: '1',
    task: 'restoration',
    input: { padMultiple: 8, mean: [0, 0, 0] },
    output: { layout: 'image' },
  };
  it('accepts a well-formed manifest', () => {
    expect(validateManifest(good).ok).toBe(true);
  });
  it('names every problem of a bad one', () => {
    const r = validateManifest({
      ...good,
      schema: 2,
      task: 'segment',
      file: '../escape.onnx',
      input: { padMultiple: 0, std: [1] },
      output: { layout: 'x' },
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('INVALID_ARGUMENT');
      expect(r.error.details?.problems).toHaveLength(6);
    }
    expect(validateManifest([]).ok).toBe(false);
  });
});

describe('unknownModelReason', () => {
  const t = (name: string, dims: (number | string)[], type: 'float32' | 'int64' = 'float32') => ({ name, type, dims });
  it('names the inputs of a model Loupe cannot feed, and what it needs instead', () => {
    const rank3 = parseOnnxModel(rank3Model());
    expect(describeModel(rank3, null).task).toBe('unknown');
    expect(unknownModelReason(rank3)).toBe(
      'its input "signal" is [1, 3, W] (rank 3); Loupe runs image models with one NCHW input [N, 3, H, W]',
    );
    expect(unknownModelReason({ inputs: [t('a', [1, 3, 8, 8]), t('b', [1])], outputs: [] })).toMatch(
      /^it has 2 inputs \("a" \[1, 3, 8, 8\], "b" \[1\]\)/,
    );
    expect(unknownModelReason({ inputs: [t('x', [1, 1, 'H', 'W'])], outputs: [] })).toMatch(
      /\[1, 1, H, W\], 1 channel;/,
    );
    expect(unknownModelReason({ inputs: [t('ids', [1, 3, 8, 8], 'int64')], outputs: [] })).toMatch(/int64/);
    expect(unknownModelReason({ inputs: [t('x', [1, 3, 8, 8])], outputs: [t('y', [1, 10])] })).toMatch(
      /its output "y" is \[1, 10\]/,
    );
  });
});
