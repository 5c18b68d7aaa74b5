import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PREDICT_CONFIG,
  predictConfigFrom,
  predictConfigKey,
} from '../../../src/core/keypoints/predict-config';

describe('predict config: keypoint_map', () => {
  it('reads a keypoint map as NAME=keypoint pairs or a YAML mapping', () => {
    const text = predictConfigFrom({ detector: { model: 'x.onnx' }, keypoint_map: '12_oclock=top, centre=center' });
    expect(text.ok && text.value.keypointMap).toBe('12_oclock=top,centre=center');
    const mapping = predictConfigFrom({ keypoint_map: { '12_oclock': 'top', 0: 'Center' } });
    expect(mapping.ok && mapping.value.keypointMap).toBe('0=center,12_oclock=top');
    expect(predictConfigFrom({ keypoint_map: null })).toMatchObject({ ok: true, value: { keypointMap: null } });
    const bad = predictConfigFrom({ keypoint_map: ['top'] });
    expect(!bad.ok && bad.error.message).toMatch(/keypoint_map must be NAME=keypoint pairs or a mapping/);
  });

  it('keeps the resume key of a run without a map as it was, and changes it with one', () => {
    const without = predictConfigKey(DEFAULT_PREDICT_CONFIG, 'sha');
    const c = DEFAULT_PREDICT_CONFIG;
    // The key as it was before keypoint maps: progress files of earlier runs still resume.
    expect(without).toBe(
      JSON.stringify([
        'sha',
        c.conf,
        c.iou,
        c.matcher,
        c.maxFeatures,
        c.ratio,
        c.minInliers,
        c.ransacThreshold,
        c.maxTemplates,
        c.namingPattern,
        c.annotator,
      ]),
    );
    expect(predictConfigKey({ ...DEFAULT_PREDICT_CONFIG, keypointMap: '0=top' }, 'sha')).not.toBe(without);
  });
});
