import { describe, expect, it } from 'vitest';
import { designRecord } from '../../fixtures/labels';
import {
  annotatorFor,
  dialDiameter,
  isHumanLabel,
  isSafeFileName,
  meanKeypointError,
  mergeInto,
  missingKeypoints,
  parseLabelFile,
  serializeLabelFile,
  templateProblem,
  tierOf,
  validateLabelFile,
} from '../../../src/core/formats/labels';

describe('label files', () => {
  it('accepts the DESIGN.md example', () => {
    expect(
      validateLabelFile({ PATEK_nab_001_03: designRecord() }, { file: 'PATEK_nab_001.json', watchId: 'PATEK_nab_001' }),
    ).toEqual([]);
  });

  it('reports one problem per finding, errors and warnings', () => {
    const bad = designRecord();
    bad.coords_norm = { ...bad.coords_norm, top: [1.2, 0.1], left: [3, 0.5], right: 'x' } as never;
    delete (bad.coords_norm as Record<string, unknown>).center;
    bad.image_size = [0, 10];
    bad.full_image_name = '../../etc/passwd';
    bad.confidence = 2;
    const problems = validateLabelFile({ OTHER_x_9_01: bad }, { file: 'f.json', watchId: 'PATEK_nab_001' });
    const lines = problems.map((p) => `${p.severity}: ${p.message}`);
    expect(lines).toEqual([
      'error: image_size must be [width, height] in positive whole pixels',
      'warning: keypoint top (1.2, 0.1) is outside [0, 1]',
      'error: keypoint left (3, 0.5) is far outside the image',
      'error: keypoint right is not [x, y] numbers',
      'warning: partial record: center absent',
      'error: full_image_name "../../etc/passwd" is not a plain file name',
      'error: confidence must be a number in [0, 1]',
      'warning: key does not belong to watch ID PATEK_nab_001',
    ]);
    expect(validateLabelFile([], { file: 'f.json' })[0]?.message).toMatch(/one JSON object/);
  });

  it('warns about a partial record (some keypoints absent), refuses one with none', () => {
    const partial = designRecord();
    const { top, center } = partial.coords_norm;
    partial.coords_norm = { top, center } as never;
    expect(validateLabelFile({ PATEK_nab_001_03: partial }, { file: 'f.json' })).toEqual([
      {
        severity: 'warning',
        file: 'f.json',
        key: 'PATEK_nab_001_03',
        message: 'partial record: bottom, left, right absent',
      },
    ]);
    expect(missingKeypoints(partial)).toEqual(['bottom', 'left', 'right']);
    expect(missingKeypoints(designRecord())).toEqual([]);
    partial.coords_norm = {} as never;
    expect(validateLabelFile({ K: partial }, { file: 'f.json' }).map((p) => `${p.severity}: ${p.message}`)).toEqual([
      'error: coords_norm holds none of the five keypoints',
    ]);
  });

  it('checks image references when it can', () => {
    const problems = validateLabelFile(
      { PATEK_nab_001_03: designRecord() },
      { file: 'f.json', imageExists: () => false, imageKeyOf: () => 'PATEK_nab_001_04' },
    );
    expect(problems.map((p) => p.message)).toEqual([
      'image PATEK_nab_001_03_tiltface_q1.jpg does not exist',
      'key does not match its image name (PATEK_nab_001_03_tiltface_q1.jpg → PATEK_nab_001_04)',
    ]);
  });

  it('parses, refuses malformed JSON, and writes stable text', () => {
    expect(parseLabelFile('{ nope', 'x.json').labels).toBeNull();
    const text = serializeLabelFile({ K_a_1_10: designRecord(), K_a_1_2: designRecord() });
    expect(Object.keys(JSON.parse(text))).toEqual(['K_a_1_2', 'K_a_1_10']);
    expect(text.endsWith('}\n')).toBe(true);
    expect(parseLabelFile(text, 'x.json').labels).toEqual(JSON.parse(text));
  });

  it('encodes tiers in the annotator', () => {
    expect(annotatorFor('ml-model-v1.0', 'geometric-fallback')).toBe('ml-model-v1.0-geometric-fallback');
    expect(tierOf('ml-model-v1.0-pipeline-fallback')).toBe('pipeline-fallback');
    expect(tierOf('ml-model-v1.0')).toBe('full');
  });

  it('merges into a file changed on disk: untouched records kept, unknown fields kept, protected records win', () => {
    const onDisk = {
      A: { ...designRecord(), reviewer_note: 'keep me' },
      B: { ...designRecord(), annotator: 'alice' },
      C: designRecord(),
    };
    const ours = {
      A: { ...designRecord(), confidence: 0.9 },
      B: { ...designRecord(), confidence: 0.1 },
      D: designRecord(),
    };
    const merged = mergeInto(onDisk, ours, (r) => r.annotator === 'alice');
    expect(merged.A).toMatchObject({ confidence: 0.9, reviewer_note: 'keep me' });
    expect(merged.B?.annotator).toBe('alice');
    expect(merged.C).toEqual(onDisk.C);
    expect(merged.D).toEqual(designRecord());
  });

  it('measures keypoint error against the dial size', () => {
    const a = designRecord();
    const b = designRecord();
    b.coords_norm = { ...b.coords_norm, center: [0.51 + 10 / 2228, 0.436] };
    expect(meanKeypointError(a.coords_norm, b.coords_norm, a.image_size)).toBeCloseTo(2, 6);
    expect(dialDiameter(a.coords_norm, a.image_size)).toBeGreaterThan(1000);
  });

  it('knows a safe file name', () => {
    expect(['a.jpg', 'PATEK_nab_001_03.jpg'].every(isSafeFileName)).toBe(true);
    expect(['../a.jpg', 'a/b.jpg', 'C:evil.jpg', '..', 'a\\b.jpg'].some(isSafeFileName)).toBe(false);
  });

  it('says why a human label cannot be a matching template', () => {
    const { debug_info: _d, ...human } = designRecord();
    expect(isHumanLabel(human)).toBe(true);
    expect(isHumanLabel(designRecord())).toBe(false);
    expect(templateProblem(human)).toBeNull();
    const at = (name: 'top' | 'center', p: [number, number]) => ({
      ...human,
      coords_norm: { ...human.coords_norm, [name]: p },
    });
    expect(templateProblem(at('top', [1.0001, 0.2]))).toBe('keypoint top (1.0001, 0.2) is outside [0, 1]');
    expect(templateProblem(at('center', [-0.01, 0.5]))).toMatch(/center .* outside/);
    expect(templateProblem(at('top', [Number.NaN, 0.2]))).toBe('keypoint top is not finite');
    expect(templateProblem({ ...human, image_size: [0, 10] })).toMatch(/image_size/);
    // validate: an error for a human label, a warning for a prediction.
    const problems = (r: unknown) => validateLabelFile({ K: r }, { file: 'f.json' }).map((p) => p.severity);
    expect(problems(at('top', [1.1, 0.2]))).toEqual(['error']);
    expect(problems({ ...at('top', [1.1, 0.2]), debug_info: {} })).toEqual(['warning']);
  });
});
