import { describe, expect, it } from 'vitest';
import type { Detection } from '../../../src/core/detect/yolo';
import {
  canonicalModelKeypoint,
  describeKeypointMap,
  mapModelKeypoints,
  modelKeypointMap,
  parseKeypointMap,
  selectKeypoints,
  type ModelKeypointsInput,
} from '../../../src/core/keypoints/model-keypoints';
import type { ModelManifest } from '../../../src/shared/model-manifest';

const input = (over: Partial<ModelKeypointsInput>): ModelKeypointsInput => ({
  model: 'm',
  count: 5,
  names: [],
  namesSource: 'kpt_names',
  keypointMap: null,
  ...over,
});

/** The issue's example: another order, and the hands, which Loupe does not use. */
const SEVEN = ['12_oclock', 'centre', 'hour', 'minute', '3_oclock', '6_oclock', '9_oclock'];

describe('canonicalModelKeypoint', () => {
  it('knows clock positions and spellings, not hands', () => {
    expect(canonicalModelKeypoint("12 O'Clock")).toBe('top');
    expect(canonicalModelKeypoint('12_oclock')).toBe('top');
    expect(canonicalModelKeypoint('Clock-Centre')).toBe('center');
    expect(canonicalModelKeypoint('clock_center')).toBe('center');
    expect(canonicalModelKeypoint('3')).toBe('right');
    expect(canonicalModelKeypoint('VI')).toBe('bottom');
    expect(canonicalModelKeypoint('nine_oclock')).toBe('left');
    expect(canonicalModelKeypoint('hour')).toBeNull();
    expect(canonicalModelKeypoint('minute_tip')).toBeNull();
  });
});

describe('mapModelKeypoints', () => {
  it('maps the standard names to themselves', () => {
    const r = mapModelKeypoints(input({ names: ['top', 'bottom', 'left', 'right', 'center'] }));
    expect(r).toMatchObject({
      ok: true,
      value: { source: 'kpt_names', indices: { top: 0, bottom: 1, left: 2, right: 3, center: 4 }, ignored: [] },
    });
  });

  it('finds the five among more keypoints in another order, by name with synonyms', () => {
    const r = mapModelKeypoints(input({ count: 7, names: SEVEN }));
    expect(r.ok && r.value.indices).toEqual({ top: 0, center: 1, right: 4, bottom: 5, left: 6 });
    expect(r.ok && r.value.ignored).toEqual([2, 3]);
    expect(r.ok && describeKeypointMap(r.value)).toBe(
      'top ← 12_oclock (0), bottom ← 6_oclock (5), left ← 9_oclock (6), right ← 3_oclock (4), center ← centre (1) · not used: hour (2), minute (3) · by kpt_names metadata',
    );
  });

  it('takes five unnamed keypoints in Loupe order, and refuses more without a map', () => {
    expect(mapModelKeypoints(input({ names: [], namesSource: null }))).toMatchObject({
      ok: true,
      value: { source: 'position', indices: { top: 0, center: 4 } },
    });
    // Names that only restate the order are no names.
    expect(mapModelKeypoints(input({ names: ['0', '1', '2', '3', '4'] }))).toMatchObject({
      ok: true,
      value: { source: 'position' },
    });
    const seven = mapModelKeypoints(input({ count: 7, names: [], namesSource: null }));
    expect(seven.ok).toBe(false);
    if (!seven.ok) {
      expect(seven.error.code).toBe('MODEL_LOAD_FAILED');
      expect(seven.error.message).toMatch(/7 unnamed keypoints/);
      expect(seven.error.message).toMatch(/--keypoint-map/);
    }
  });

  it('fails with what is missing when the names cannot be mapped', () => {
    const r = mapModelKeypoints(input({ model: 'hands.onnx', names: ['a', 'b', 'c', 'd', 'center'] }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('MODEL_LOAD_FAILED');
      expect(r.error.message).toMatch(/^hands\.onnx: cannot tell which keypoints are top, bottom, left, right/);
      expect(r.error.message).toMatch(/\(a, b, c, d, center\)/);
      expect(r.error.details).toMatchObject({ missing: ['top', 'bottom', 'left', 'right'] });
    }
  });

  it('refuses two names for one keypoint and names that do not match kpt_shape', () => {
    const twice = mapModelKeypoints(input({ names: ['top', '12_oclock', 'left', 'right', 'center'] }));
    expect(!twice.ok && twice.error.message).toMatch(/top and 12_oclock both name top/);
    const count = mapModelKeypoints(input({ count: 6, names: ['top', 'bottom', 'left', 'right', 'center'] }));
    expect(!count.ok && count.error.message).toMatch(/5 keypoint names \(kpt_names\) for 6 keypoints/);
  });

  it('lets a keypoint map name what the names do not, by name or index', () => {
    const names = ['a', 'b', 'c', 'd', 'center', 'hour'];
    const r = mapModelKeypoints(input({ count: 6, names, keypointMap: 'A=top, b=bottom,2=left,D=right' }));
    expect(r).toMatchObject({
      ok: true,
      value: { source: 'keypoint-map', indices: { top: 0, bottom: 1, left: 2, right: 3, center: 4 }, ignored: [5] },
    });
    // Indices alone, for a model without names.
    const byIndex = mapModelKeypoints(
      input({ count: 7, names: [], namesSource: null, keypointMap: '0=top,5=bottom,6=left,4=right,1=center' }),
    );
    expect(byIndex.ok && byIndex.value.indices).toEqual({ top: 0, bottom: 5, left: 6, right: 4, center: 1 });
    // The map wins over a name that says otherwise.
    const over = mapModelKeypoints(
      input({ names: ['top', 'bottom', 'left', 'right', 'center'], keypointMap: 'left=right,right=left' }),
    );
    expect(over.ok && over.value.indices).toMatchObject({ left: 3, right: 2 });
  });

  it('reports a map that names no keypoint of the model, or one point twice', () => {
    const missing = mapModelKeypoints(input({ names: SEVEN, count: 7, keypointMap: 'noon=top' }));
    expect(!missing.ok && missing.error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(!missing.ok && missing.error.message).toMatch(/"noon", which is not one of the model's keypoints/);
    const twice = mapModelKeypoints(input({ keypointMap: '0=top,0=bottom' }));
    expect(!twice.ok && twice.error.message).toMatch(/cannot be both top and bottom/);
  });
});

describe('parseKeypointMap', () => {
  it('reads NAME=keypoint pairs and rejects anything else', () => {
    expect(parseKeypointMap("12 o'clock=Top, centre=centre")).toEqual({
      ok: true,
      value: [
        { from: "12 o'clock", to: 'top' },
        { from: 'centre', to: 'center' },
      ],
    });
    expect(parseKeypointMap('top').ok).toBe(false);
    expect(parseKeypointMap('a=hour').ok).toBe(false);
    expect(parseKeypointMap(' , ').ok).toBe(false);
  });
});

describe('modelKeypointMap', () => {
  const manifest = (keypoints: string[] | undefined, task: ModelManifest['task'] = 'pose'): ModelManifest => ({
    schema: 1,
    id: 'x',
    displayName: 'x',
    version: '1',
    task,
    input: {},
    output: { layout: 'yolo-pose', kptShape: [keypoints?.length ?? 5, 3], ...(keypoints ? { keypoints } : {}) },
  });

  it('reads kpt_names from Ultralytics metadata, the manifest first, and nothing for detectors', () => {
    const meta = { task: 'pose', kpt_shape: '[7, 3]', kpt_names: `{0: [${SEVEN.map((n) => `'${n}'`).join(', ')}]}` };
    expect(modelKeypointMap({ name: 'm', manifest: null, metadata: meta }, null)).toMatchObject({
      ok: true,
      value: { source: 'kpt_names', indices: { center: 1 } },
    });
    const fromManifest = modelKeypointMap(
      { name: 'm', manifest: manifest(['center', 'top', 'bottom', 'left', 'right']), metadata: meta },
      null,
    );
    expect(fromManifest).toMatchObject({ ok: true, value: { source: 'manifest', indices: { center: 0, top: 1 } } });
    expect(modelKeypointMap({ name: 'm', manifest: manifest(undefined, 'detect'), metadata: {} }, null)).toBeNull();
    expect(modelKeypointMap({ name: 'm', manifest: null, metadata: { task: 'detect' } }, null)).toBeNull();
  });
});

describe('selectKeypoints', () => {
  it('reorders a detection’s keypoints to top, bottom, left, right, center and drops the rest', () => {
    const r = mapModelKeypoints(input({ count: 7, names: SEVEN }));
    if (!r.ok) throw new Error(r.error.message);
    const kp = (x: number) => ({ x, y: x, v: 1 });
    const det: Detection = { box: [0, 0, 1, 1], score: 1, cls: 0, keypoints: [0, 1, 2, 3, 4, 5, 6].map(kp) };
    const [out] = selectKeypoints([det], r.value);
    expect(out?.keypoints?.map((k) => k.x)).toEqual([0, 5, 6, 4, 1]);
    // A detection with fewer keypoints than the model declares keeps none rather than wrong ones.
    const [short] = selectKeypoints([{ ...det, keypoints: [kp(0)] }], r.value);
    expect(short?.keypoints).toBeUndefined();
  });
});
