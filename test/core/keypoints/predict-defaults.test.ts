import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE } from '../../../src/core/keypoints/pipeline';
import { DEFAULT_PREDICT_CONFIG, predictConfigFrom } from '../../../src/core/keypoints/predict-config';
import { PREDICT_DEFAULTS } from '../../../src/core/keypoints/predict-defaults';
import { DEFAULT_SETTINGS } from '../../../src/shared/settings';

describe('PREDICT_DEFAULTS', () => {
  it("holds the seed's values, the ones the runs and tests use", () => {
    expect(PREDICT_DEFAULTS.config).toMatchObject({
      model: 'loupe-dial-pose',
      conf: 0.25,
      iou: 0.7,
      matcher: 'orb',
      maxFeatures: 1000,
      ratio: 0.7,
      minInliers: 10,
      ransacThreshold: 4,
      maxTemplates: 3,
      keypointMap: null,
      annotator: 'loupe-dial-v1',
    });
    expect(PREDICT_DEFAULTS.checkpointFreq).toBe(10);
  });

  it('is the one source: the settings, the config and the pipeline agree with it', () => {
    expect(DEFAULT_PREDICT_CONFIG).toBe(PREDICT_DEFAULTS.config);
    expect(PREDICT_DEFAULTS.config).toMatchObject(DEFAULT_SETTINGS.predict);
    expect(PREDICT_DEFAULTS.config.namingPattern).toBe(DEFAULT_SETTINGS.namingPattern);
    const { conf, minInliers, ransacThreshold, maxTemplates } = PREDICT_DEFAULTS.config;
    expect(DEFAULT_PIPELINE).toMatchObject({ conf, minInliers, ransacThreshold, maxTemplates });
  });

  it('cannot be changed by a caller that edits its config', () => {
    expect(Object.isFrozen(PREDICT_DEFAULTS.config)).toBe(true);
    const parsed = predictConfigFrom(null);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    parsed.value.model = 'mine.onnx';
    expect(PREDICT_DEFAULTS.config.model).toBe('loupe-dial-pose');
  });
});
