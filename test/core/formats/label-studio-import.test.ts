import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_NAMING_PATTERN } from '../../../src/shared/settings';
import { chooseKeypointControl, parseLabelingConfig } from '../../../src/core/formats/label-studio-config';
import {
  detectExportKind,
  importLabelStudioExport,
  taskLabel,
  type LsImportOptions,
  type LsImportReport,
} from '../../../src/core/formats/label-studio-import';
import { parseKeypointLabelMap } from '../../../src/core/keypoints/names';
import { compileNamingPattern, identifyImage } from '../../../src/core/naming';
import { unwrap } from '../../../src/core/result';
import { repoRoot } from '../../helpers';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/label-studio', name), 'utf8'));
const control = unwrap(
  chooseKeypointControl(
    unwrap(parseLabelingConfig(readFileSync(join(repoRoot, 'test/fixtures/label-studio/labeling-config.xml'), 'utf8'))),
  ),
);
const pattern = unwrap(compileNamingPattern(DEFAULT_NAMING_PATTERN));

const options = (extra: Partial<LsImportOptions> = {}): LsImportOptions => ({
  allowPartial: false,
  predictions: false,
  identify: (path) => identifyImage(path, pattern, 'unsorted'),
  annotator: (who) =>
    `human:${typeof who === 'object' && who !== null ? (who as { email: string }).email : String(who)}`,
  now: () => '2026-01-01T00:00:00.000Z',
  ...extra,
});

const run = (name: string, extra: Partial<LsImportOptions> = {}): LsImportReport =>
  unwrap(importLabelStudioExport(fixture(name), options(extra)));

const outcomes = (r: LsImportReport): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const i of r.imported) out[String(i.task.id)] = `imported ${i.imageKey}`;
  for (const s of r.skipped) out[String(s.task.id)] = `skipped ${s.code}`;
  for (const f of r.failed) out[String(f.task.id)] = `failed ${f.code}`;
  return out;
};

describe('Label Studio import: JSON export', () => {
  it('accounts for every task: imported, skipped or failed, and why', () => {
    const report = run('watch-project.json', { control });
    expect(report.kind).toBe('json');
    expect(report.tasks).toBe(15);
    expect(outcomes(report)).toEqual({
      '101': 'imported PATEK_nab_001_03', // local files; two annotators, the newest cancelled
      '102': 'imported PATEK_nab_001_04', // upload, hash prefix off; image_rotation 90
      '103': 'imported ROLEX_sub_002_01', // s3
      '104': 'failed partial', // Top and Center only
      '105': 'failed several-dials', // two dials by parent region
      '106': 'failed several-dials', // two dials by nearest points
      '107': 'skipped no-annotations',
      '108': 'skipped all-cancelled',
      '109': 'skipped predictions-only',
      '110': 'failed bad-rotation',
      '111': 'failed no-image', // /data/local-files/?d= with nothing after it
      '112': 'imported CARTIER_tnk_005_01', // plain path
      '113': 'imported CARTIER_tnk_005_02', // storage-data proxy of an upload
      '114': 'imported IWC_pil_006_01', // presign of an s3 key; image_rotation 270
      '115': 'failed unmapped-labels', // Hour and Minute only
    });
    // Labels that name no dial keypoint, counted over the annotations read; the other control's
    // results (brand/Logo) are not this control's and are not counted.
    expect(report.ignoredLabels).toEqual({ Hour: 3, Minute: 2 });
  });

  it('takes the newest non-cancelled annotation, by its annotator, with the prediction kept', () => {
    const report = run('watch-project.json', { control });
    const item = report.imported.find((i) => i.imageKey === 'PATEK_nab_001_03')!;
    expect(item.watchId).toBe('PATEK_nab_001');
    expect(item.source).toBe('annotation');
    const r = item.record;
    expect(r.annotator).toBe('human:3'); // bob (completed_by 3), not alice, not the cancelled one
    // Label Studio's `Z` becomes Loupe's one format, `+00:00`, with its microseconds kept.
    expect(r.timestamp).toBe('2025-03-02T10:04:31.550213+00:00');
    expect(r.full_image_name).toBe('PATEK_nab_001_03_tiltface_q1.jpg');
    expect(r.image_size).toEqual([2228, 2066]);
    expect(r.coords_norm.top[0]).toBeCloseTo(0.445, 10);
    expect(r.coords_norm.right).toEqual([0.841, 0.434]); // "R", the alias of "3 o'clock"
    expect(r.coords_norm.left[0]).toBeCloseTo(0.163, 10); // "9_oclock"
    expect(r.coords_norm.center[0]).toBeCloseTo(0.512, 10);
    expect(r.prediction).toEqual({
      coords_norm: expect.objectContaining({ top: [0.442, 0.184] }),
      annotator: 'ml-model-v1.0',
      confidence: 0.289,
    });
    expect(r.debug_info).toBeUndefined();
  });

  it('takes image_rotation as the view it is: the points are in the unrotated image', () => {
    const report = run('watch-project.json', { control });
    const rotated = report.imported.find((i) => i.imageKey === 'PATEK_nab_001_04')!.record;
    expect(rotated.image_size).toEqual([1500, 2000]);
    expect(rotated.coords_norm).toEqual({
      top: [0.5, 0.1],
      right: [0.9, 0.5],
      bottom: [0.5, 0.9],
      left: [0.1, 0.5],
      center: [0.5, 0.5],
    });
    const bad = report.failed.find((f) => f.code === 'bad-rotation')!;
    expect(bad.message).toMatch(/image_rotation 45 is not a multiple of 90°/);
    expect(bad.details).toEqual({ image_rotation: 45 });
  });

  it('reports several dials, grouped by parent region or by nearest points', () => {
    const report = run('watch-project.json', { control });
    const [byParent, byNearest] = report.failed.filter((f) => f.code === 'several-dials');
    expect(byParent!.message).toMatch(/^2 dials in one image \(grouped by parent region/);
    expect(byParent!.details).toEqual({
      dials: [
        ['top', 'center'],
        ['top', 'center'],
      ],
    });
    expect(byNearest!.message).toMatch(/grouped by nearest points/);
    expect(byNearest!.details).toEqual({
      dials: [
        ['center', 'top', 'bottom'],
        ['center', 'top', 'bottom'],
      ],
    });
  });

  it('says what a partial task had, and imports it with allowPartial (missing points absent)', () => {
    const strict = run('watch-project.json', { control });
    expect(strict.failed.find((f) => f.code === 'partial')?.message).toBe(
      'found top (Top), center (Center); missing bottom, left, right (import partial labels with --allow-partial)',
    );
    const lenient = run('watch-project.json', { control, allowPartial: true });
    const item = lenient.imported.find((i) => i.imageKey === 'ROLEX_sub_002_02')!;
    expect(item.missing).toEqual(['bottom', 'left', 'right']);
    expect(item.record.coords_norm).toEqual({ top: [0.501, 0.152], center: [0.503, 0.504] });
    expect(Object.keys(item.record.coords_norm)).not.toContain('bottom');
  });

  it('imports prediction-only tasks with predictions, as a model’s records', () => {
    const report = run('watch-project.json', { control, predictions: true });
    const item = report.imported.find((i) => i.imageKey === 'TUDOR_bb_004_01')!;
    expect(item.source).toBe('prediction');
    expect(item.record).toMatchObject({
      annotator: 'dial-pose-v2',
      confidence: 0.41,
      timestamp: '2025-02-20T09:00:00.000000+00:00',
      debug_info: { method: 'label-studio-prediction', model_version: 'dial-pose-v2', label_studio_task: 109 },
    });
    expect(report.skipped.map((s) => s.code)).not.toContain('predictions-only');
  });

  it('never writes an empty image key: a task with no image name fails with the reason', () => {
    const report = run('watch-project.json', { control });
    expect(report.imported.every((i) => i.imageKey.length > 0 && i.record.full_image_name.length > 0)).toBe(true);
    const noName = report.failed.find((f) => f.code === 'no-image')!;
    expect(taskLabel(noName.task)).toBe('111 (/data/local-files/?d=)');
    expect(noName.message).toBe('the local-files URL "/data/local-files/?d=" has an empty ?d= path');
  });

  it('without the config: the same labels through synonyms and a label map', () => {
    // "R" is an alias only the config knows; without it right is missing.
    const plain = run('watch-project.json', { fromName: 'dial' });
    expect(outcomes(plain)['101']).toBe('failed partial');
    expect(plain.failed.find((f) => f.task.id === 101)?.message).toMatch(/missing right/);
    const mapped = run('watch-project.json', { fromName: 'dial', labelMap: unwrap(parseKeypointLabelMap('r=Right')) });
    expect(outcomes(mapped)['101']).toBe('imported PATEK_nab_001_03');
    // Without a from_name, every keypoint control is read: Logo is one more unmapped label.
    expect(run('watch-project.json').ignoredLabels).toMatchObject({ Logo: 1 });
  });
});

describe('Label Studio import: JSON-MIN export', () => {
  it('reads the flat records, one per annotation, newest winning', () => {
    const report = run('watch-project-min.json', { control });
    expect(report.kind).toBe('json-min');
    expect(report.tasks).toBe(6); // 7 records, two of them task 101
    expect(outcomes(report)).toEqual({
      '101': 'imported PATEK_nab_001_03',
      '102': 'imported PATEK_nab_001_04',
      '104': 'failed partial',
      '106': 'failed several-dials',
      '107': 'skipped no-annotations',
      '112': 'imported CARTIER_tnk_005_01',
    });
    const r = report.imported.find((i) => i.imageKey === 'PATEK_nab_001_03')!.record;
    expect(r.annotator).toBe('human:3');
    expect(r.coords_norm.top[0]).toBeCloseTo(0.445, 10);
    expect(r.image_size).toEqual([2228, 2066]);
    const alice = report.imported.find((i) => i.imageKey === 'PATEK_nab_001_04')!.record;
    expect(alice.annotator).toBe('human:alice@lab.example');
    expect(report.ignoredLabels).toEqual({ Hour: 2, Minute: 1 });
  });

  it('finds keypoint controls by their values without a config', () => {
    const report = run('watch-project-min.json', { labelMap: unwrap(parseKeypointLabelMap('R=right')) });
    expect(outcomes(report)['112']).toBe('imported CARTIER_tnk_005_01');
    expect(report.ignoredLabels).toMatchObject({ Logo: 1 });
  });
});

describe('Label Studio import: a project labelled Top and Center only', () => {
  it('imports with a label map and allowPartial, and says what it left out', () => {
    const labelMap = unwrap(parseKeypointLabelMap('Top=top,Center=center'));
    const strict = run('top-center-project.json', { labelMap });
    expect(strict.imported).toEqual([]);
    expect(strict.failed.map((f) => f.code)).toEqual(['partial', 'partial']);
    const report = run('top-center-project.json', { labelMap, allowPartial: true });
    expect(report.imported.map((i) => [i.imageKey, i.missing])).toEqual([
      ['SEIKO_skx_010_01', ['bottom', 'left', 'right']],
      ['SEIKO_skx_010_02', ['bottom', 'left', 'right']],
    ]);
    expect(report.skipped).toEqual([
      {
        task: { index: 2, id: 3, image: '/data/local-files/?d=images/SEIKO_skx_011_01.jpg' },
        code: 'no-annotations',
        message: 'no annotations (an empty task)',
      },
    ]);
    expect(report.ignoredLabels).toEqual({ Hour: 1 });
  });
});

describe('Label Studio export shapes', () => {
  it('tells JSON from JSON-MIN, and refuses anything else with the reason', () => {
    const kind = (json: unknown): string => {
      const r = detectExportKind(json);
      return r.ok ? r.value.kind : r.error.message;
    };
    expect(kind(fixture('watch-project.json'))).toBe('json');
    expect(kind(fixture('watch-project-min.json'))).toBe('json-min');
    expect(kind({ id: 1, data: { image: 'a.jpg' }, annotations: [] })).toBe('json'); // one task file
    expect(kind({ tasks: [] })).toMatch(/expected a list of tasks \(JSON\) or of records \(JSON-MIN\)/);
    expect(kind('text')).toMatch(/found string/);
    expect(kind([])).toBe('the export holds no tasks');
    expect(kind([1, 2])).toMatch(/item 0 is number/);
    expect(kind([{ id: 1, annotations: [] }])).toMatch(/task 0 has no "data" object/);
    expect(kind([{ data: { image: 'a.jpg' } }, { image: 'b.jpg' }])).toMatch(/1 items are JSON tasks .* and 1 are not/);
  });

  it('reads the deprecated "completions" as annotations', () => {
    const report = unwrap(
      importLabelStudioExport(
        [
          {
            id: 9,
            data: { image: 'upload/1/0123abcd-OMEGA_spd_003_09.jpg' },
            completions: [
              {
                result: ['top', 'bottom', 'left', 'right', 'center'].map((l, i) => ({
                  type: 'keypointlabels',
                  from_name: 'kp',
                  to_name: 'image',
                  original_width: 100,
                  original_height: 100,
                  value: { x: 10 * i, y: 10, width: 1, keypointlabels: [l] },
                })),
              },
            ],
          },
        ],
        options(),
      ),
    );
    expect(report.imported[0]).toMatchObject({
      imageKey: 'OMEGA_spd_003_09',
      record: { timestamp: '2026-01-01T00:00:00.000Z' },
    });
  });
});

describe('Label Studio import: what else fails a task', () => {
  const kp = (label: string, x: number, y: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    type: 'keypointlabels',
    from_name: 'kp',
    to_name: 'image',
    original_width: 1000,
    original_height: 800,
    image_rotation: 0,
    value: { x, y, width: 0.5, keypointlabels: [label] },
    ...extra,
  });
  const five = (extra: Record<string, unknown> = {}): Record<string, unknown>[] => [
    kp('top', 50, 10, extra),
    kp('right', 90, 50, extra),
    kp('bottom', 50, 90, extra),
    kp('left', 10, 50, extra),
    kp('center', 50, 50, extra),
  ];
  const task = (id: number, image: unknown, result: unknown[], updated = '2025-01-01T00:00:00Z'): unknown => ({
    id,
    data: { image },
    annotations: [{ id, completed_by: 1, result, was_cancelled: false, updated_at: updated }],
  });
  const report = (tasks: unknown[], extra: Partial<LsImportOptions> = {}): LsImportReport =>
    unwrap(importLabelStudioExport(tasks, options(extra)));
  const failure = (t: unknown): string => {
    const r = report([t]);
    return r.failed.map((f) => `${f.code}: ${f.message}`).join('\n');
  };

  it('the results disagree on the image size, or do not give it', () => {
    const mixed = five();
    mixed[2] = kp('bottom', 50, 90, { original_width: 800, original_height: 1000 });
    expect(failure(task(1, 'a/X_y_1_01.jpg', mixed))).toBe(
      'size-mismatch: the results disagree on the image size (1000×800, 800×1000)',
    );
    const none = five({ original_width: undefined, original_height: undefined });
    expect(failure(task(2, 'a/X_y_1_02.jpg', none))).toMatch(/^no-image-size: the results carry no original_width/);
  });

  it('a point without numbers, two of one keypoint in a region', () => {
    const broken = five();
    broken[0] = kp('top', Number.NaN, 10);
    expect(failure(task(1, 'X_y_1_01.jpg', JSON.parse(JSON.stringify(broken))))).toBe(
      'bad-point: the top point has no numeric x/y',
    );
    const twice = [...five({ parentID: 'dial1' }), kp('top', 52, 11, { parentID: 'dial1' })];
    expect(failure(task(2, 'X_y_1_02.jpg', twice))).toBe('duplicate-keypoint: two top points in one region');
  });

  it('a task without a usable image field, or with several images', () => {
    expect(failure({ id: 1, data: { text: 'x' }, annotations: [{ result: five() }] })).toBe(
      'no-image: the task data has no image field (fields: text); say which with --config',
    );
    expect(failure({ id: 2, data: { image: ['a.jpg', 'b.jpg'] }, annotations: [{ result: five() }] })).toMatch(
      /^no-image: the image field holds a list/,
    );
    // Another field name is found when it is the only image-like one.
    const other = report([
      { id: 3, data: { photo: 's3://b/ROLEX_sub_002_09.jpg', note: 'hi' }, annotations: [{ result: five() }] },
    ]);
    expect(other.imported[0]?.imageKey).toBe('ROLEX_sub_002_09');
  });

  it('two tasks of one image: the newer label is kept, the other skipped', () => {
    const r = report([
      task(1, '/data/local-files/?d=a/ROLEX_sub_002_05.jpg', five(), '2025-01-01T00:00:00Z'),
      task(2, '/data/upload/3/0badf00d-ROLEX_sub_002_05.jpg', five(), '2025-02-01T00:00:00Z'),
    ]);
    expect(r.imported.map((i) => i.task.id)).toEqual([2]);
    expect(r.skipped).toMatchObject([
      { task: { id: 1 }, code: 'duplicate-image', message: expect.stringMatching(/also in task 2/) },
    ]);
  });

  it('an annotation with nothing of this control in it is skipped as empty', () => {
    const r = report([task(1, 'X_y_1_01.jpg', [])], { fromName: 'kp' });
    expect(r.skipped).toMatchObject([
      { code: 'no-keypoints', message: 'the newest annotation has no keypoints of "kp"' },
    ]);
  });
});

describe('Label Studio import: data fields that look like task keys', () => {
  it('reads a JSON-MIN export whose image field is called "data"', () => {
    const r = unwrap(
      importLabelStudioExport(
        [
          {
            data: '/data/local-files/?d=x/ROLEX_sub_002_07.jpg',
            id: 5,
            kp: ['top', 'bottom', 'left', 'right', 'center'].map((l, i) => ({
              x: 10 + i,
              y: 10,
              width: 1,
              keypointlabels: [l],
              original_width: 10,
              original_height: 10,
            })),
            annotator: 1,
            annotation_id: 9,
          },
        ],
        options(),
      ),
    );
    expect(r.kind).toBe('json-min');
    expect(r.imported.map((i) => i.imageKey)).toEqual(['ROLEX_sub_002_07']);
  });
});
