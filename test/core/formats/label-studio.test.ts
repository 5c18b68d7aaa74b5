import { describe, expect, it } from 'vitest';
import type { LabelFile, LabelRecord } from '../../../src/shared/labels';
import { DEFAULT_NAMING_PATTERN } from '../../../src/shared/settings';
import {
  annotatorBase,
  labelingConfigXml,
  toLabelStudioTasks,
  type LsExportOptions,
} from '../../../src/core/formats/label-studio';
import { parseLabelingConfig } from '../../../src/core/formats/label-studio-config';
import { importLabelStudioExport } from '../../../src/core/formats/label-studio-import';
import { compileNamingPattern, identifyImage } from '../../../src/core/naming';
import { unwrap } from '../../../src/core/result';
import { designRecord } from '../../fixtures/labels';

const predicted = (annotator: string, confidence: number, name: string): LabelRecord => ({
  ...designRecord(),
  annotator,
  confidence,
  full_image_name: name,
});

const human = (): LabelRecord => {
  const { debug_info: _d, confidence: _c, ...rest } = designRecord();
  return {
    ...rest,
    full_image_name: 'PATEK_nab_001_05.jpg',
    annotator: 'human:ann@lab',
    timestamp: '2025-04-01T00:00:00Z',
    prediction: {
      coords_norm: designRecord().coords_norm,
      annotator: 'ml-model-v1.0-pipeline-fallback',
      confidence: 0.3,
    },
  };
};

const labels: LabelFile = {
  PATEK_nab_001_03: predicted('ml-model-v1.0', 0.9, 'PATEK_nab_001_03.jpg'),
  PATEK_nab_001_04: predicted('ml-model-v1.0-geometric-fallback', 0.05, 'PATEK_nab_001_04.jpg'),
  PATEK_nab_001_05: human(),
  PATEK_nab_001_10: predicted('ml-model-v1.0-pipeline-fallback', 0.4, 'PATEK_nab_001_10.jpg'),
};

const url: LsExportOptions['imageUrl'] = (r) => `/data/local-files/?d=photos/${r.full_image_name}`;

describe('Label Studio export', () => {
  it('puts every tier under one model_version, tier and confidence in score and meta', () => {
    const { tasks, modelVersion, notes } = toLabelStudioTasks(labels, { imageUrl: url });
    expect(modelVersion).toBe('ml-model-v1.0');
    expect(notes).toEqual([]);
    expect(tasks.map((t) => t.data.image_key)).toEqual([
      'PATEK_nab_001_03',
      'PATEK_nab_001_04',
      'PATEK_nab_001_05',
      'PATEK_nab_001_10',
    ]);
    const geometric = tasks[1]!;
    expect(geometric.data).toEqual({
      image: '/data/local-files/?d=photos/PATEK_nab_001_04.jpg',
      image_key: 'PATEK_nab_001_04',
      full_image_name: 'PATEK_nab_001_04.jpg',
    });
    expect(geometric.annotations).toBeUndefined();
    expect(geometric.predictions).toHaveLength(1);
    const p = geometric.predictions![0]!;
    expect(p).toMatchObject({ model_version: 'ml-model-v1.0', score: 0.05 });
    expect(p.result).toHaveLength(5);
    expect(p.result[0]).toEqual({
      id: 'PATEK_nab_001_04_top',
      from_name: 'kp',
      to_name: 'image',
      type: 'keypointlabels',
      original_width: 2228,
      original_height: 2066,
      image_rotation: 0,
      value: { x: 44.2, y: 18.4, width: 0.75, keypointlabels: ['top'] },
      score: 0.05,
      meta: {
        annotator: 'ml-model-v1.0-geometric-fallback',
        tier: 'geometric-fallback',
        confidence: 0.05,
        text: ['ml-model-v1.0-geometric-fallback · tier geometric-fallback · confidence 0.05'],
      },
    });
    expect(tasks[3]!.predictions![0]!.result[0]!.meta?.tier).toBe('pipeline-fallback');
  });

  it("sends a person's label as the annotation, with the prediction it started from as the prediction", () => {
    const task = toLabelStudioTasks(labels, { imageUrl: url }).tasks[2]!;
    expect(task.annotations).toHaveLength(1);
    expect(task.annotations![0]!.result[0]).toMatchObject({
      id: 'PATEK_nab_001_05_top',
      value: { x: 44.2, y: 18.4, keypointlabels: ['top'] },
      meta: { annotator: 'human:ann@lab' },
    });
    expect(task.annotations![0]!.result[0]!.score).toBeUndefined();
    expect(task.predictions![0]).toMatchObject({ model_version: 'ml-model-v1.0', score: 0.3 });
    expect(task.predictions![0]!.result[0]!.meta).toMatchObject({ tier: 'pipeline-fallback' });
  });

  it('names things as an existing project does, leaving out keypoints it has no label for', () => {
    const projectLabels: Record<string, string> = { top: 'Top', center: 'Center' };
    const { tasks, notes } = toLabelStudioTasks(labels, {
      imageUrl: url,
      fromName: 'dial',
      toName: 'photo',
      dataKey: 'img',
      labelFor: (n) => projectLabels[n] ?? null,
    });
    expect(Object.keys(tasks[0]!.data)).toEqual(['img', 'image_key', 'full_image_name']);
    const result = tasks[0]!.predictions![0]!.result;
    expect(result.map((r) => [r.from_name, r.to_name, r.value.keypointlabels[0]])).toEqual([
      ['dial', 'photo', 'Top'],
      ['dial', 'photo', 'Center'],
    ]);
    expect(notes).toEqual(['keypoints with no label in the project left out: bottom, left, right']);
  });

  it('says when the batch holds several models, and takes --model-version', () => {
    const mixed = {
      ...labels,
      ROLEX_sub_002_01: predicted('yolo-pose-v2-pipeline-fallback', 0.5, 'ROLEX_sub_002_01.jpg'),
    };
    const auto = toLabelStudioTasks(mixed, { imageUrl: url });
    expect(auto.modelVersion).toBe('ml-model-v1.0');
    expect(auto.notes[0]).toMatch(
      /several models \(ml-model-v1\.0 ×4, yolo-pose-v2 ×1\) go out as model_version "ml-model-v1\.0"/,
    );
    expect(new Set(auto.tasks.flatMap((t) => t.predictions ?? []).map((p) => p.model_version))).toEqual(
      new Set(['ml-model-v1.0']),
    );
    const set = toLabelStudioTasks(mixed, { imageUrl: url, modelVersion: 'loupe-2026-11' });
    expect(set.modelVersion).toBe('loupe-2026-11');
    expect(set.notes).toEqual([]);
  });

  it('exports the points a partial record has', () => {
    const partial = designRecord();
    delete (partial.coords_norm as Partial<LabelRecord['coords_norm']>).left;
    const { tasks } = toLabelStudioTasks({ K_a_1_01: partial }, { imageUrl: url });
    expect(tasks[0]!.predictions![0]!.result.map((r) => r.value.keypointlabels[0])).toEqual([
      'top',
      'bottom',
      'right',
      'center',
    ]);
  });

  it('strips the tier suffix for the base', () => {
    expect(annotatorBase('ml-model-v1.0-pipeline-fallback')).toBe('ml-model-v1.0');
    expect(annotatorBase('ml-model-v1.0-geometric-fallback')).toBe('ml-model-v1.0');
    expect(annotatorBase('ml-model-v1.0')).toBe('ml-model-v1.0');
  });

  it('writes a labeling config that reads back as the export names it', () => {
    const xml = labelingConfigXml({
      fromName: 'dial',
      toName: 'photo',
      dataKey: 'img',
      labelFor: (n) => (n === 'top' ? 'Top & "12"' : n),
    });
    expect(xml).toContain('<Label value="Top &amp; &quot;12&quot;"');
    const config = unwrap(parseLabelingConfig(xml));
    expect(config.keypointControls[0]).toMatchObject({ name: 'dial', toName: 'photo', imageDataKey: 'img' });
    expect(config.keypointControls[0]!.labels.map((l) => l.value)).toEqual([
      'Top & "12"',
      'bottom',
      'left',
      'right',
      'center',
    ]);
    expect(labelingConfigXml()).toContain('<KeyPointLabels name="kp" toName="image"');
  });

  it('round-trips: predictions reviewed in Label Studio come back as human labels, the tier kept', () => {
    const { tasks } = toLabelStudioTasks(labels, { imageUrl: url });
    // What Label Studio exports after a reviewer submits the pre-filled prediction with `top`
    // moved: the prediction's results become the annotation's (their meta and score kept).
    const exported = tasks.map((t, i) => {
      const source = t.annotations?.[0]?.result ?? t.predictions![0]!.result;
      const result = structuredClone(source);
      if (i === 3) result[0]!.value.x = 45;
      return {
        id: 200 + i,
        data: t.data,
        annotations: [
          {
            id: i + 1,
            completed_by: { id: 7, email: 'rev@lab' },
            result,
            was_cancelled: false,
            updated_at: '2026-11-20T10:00:00Z',
          },
        ],
        predictions: (t.predictions ?? []).map((p) => ({ ...p, id: 300 + i })),
      };
    });
    const pattern = unwrap(compileNamingPattern(DEFAULT_NAMING_PATTERN));
    const report = unwrap(
      importLabelStudioExport(JSON.parse(JSON.stringify(exported)), {
        allowPartial: false,
        predictions: false,
        identify: (p) => identifyImage(p, pattern, 'unsorted'),
        annotator: (who) => `human:${(who as { email: string }).email}`,
        now: () => 'now',
      }),
    );
    expect(report.failed).toEqual([]);
    const back = Object.fromEntries(report.imported.map((i) => [i.imageKey, i.record]));
    expect(Object.keys(back)).toEqual(Object.keys(labels));
    const moved = back.PATEK_nab_001_10!;
    expect(moved.annotator).toBe('human:rev@lab');
    expect(moved.coords_norm.top[0]).toBeCloseTo(0.45, 10);
    expect(moved.coords_norm.center).toEqual([0.51, 0.436]);
    expect(moved.prediction).toEqual({
      coords_norm: designRecord().coords_norm,
      annotator: 'ml-model-v1.0-pipeline-fallback',
      confidence: 0.4,
    });
  });
});
