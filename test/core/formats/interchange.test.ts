import { describe, expect, it } from 'vitest';
import type { LabelRecord } from '../../../src/shared/labels';
import {
  fromLabelStudioExport,
  labelingConfigXml,
  taskImageName,
  toLabelStudioTasks,
  type LsTask,
} from '../../../src/core/formats/label-studio';
import { designRecord } from '../../fixtures/labels';

const labels = { PATEK_nab_001_03: designRecord() };

describe('Label Studio', () => {
  it('exports tasks with KeyPointLabels predictions in percent, with size, model version and score', () => {
    const [task] = toLabelStudioTasks(labels, (n) => `https://cdn.example/img/${n}`);
    expect(task?.data).toEqual({
      image: 'https://cdn.example/img/PATEK_nab_001_03_tiltface_q1.jpg',
      image_key: 'PATEK_nab_001_03',
      full_image_name: 'PATEK_nab_001_03_tiltface_q1.jpg',
    });
    const prediction = task?.predictions?.[0];
    expect(prediction).toMatchObject({ model_version: 'ml-model-v1.0', score: 0.289 });
    expect(prediction?.result).toHaveLength(5);
    expect(prediction?.result[0]).toMatchObject({
      from_name: 'kp',
      to_name: 'image',
      type: 'keypointlabels',
      original_width: 2228,
      original_height: 2066,
      value: { x: 44.2, y: 18.4, keypointlabels: ['top'] },
    });
  });

  it('writes a labeling config naming the five keypoints', () => {
    const xml = labelingConfigXml();
    expect(xml).toContain('<KeyPointLabels name="kp" toName="image"');
    for (const n of ['top', 'bottom', 'left', 'right', 'center']) expect(xml).toContain(`<Label value="${n}"`);
  });

  it('round-trips: an export of the corrected tasks comes back as human labels with the prediction kept', () => {
    const tasks = toLabelStudioTasks(labels, (n) => `/data/upload/3/1a2b3c4d-${n}`) as LsTask[];
    delete tasks[0]!.data.full_image_name;
    delete tasks[0]!.data.image_key;
    const corrected = structuredClone(tasks[0]!.predictions![0]!.result);
    corrected[0]!.value.x = 45; // the reviewer moved `top`
    tasks[0]!.annotations = [
      { result: corrected, completed_by: { email: 'ann@lab' }, updated_at: '2025-01-02T03:04:05Z' },
      { result: corrected, was_cancelled: true, updated_at: '2026-01-01T00:00:00Z' },
    ];
    expect(taskImageName(tasks[0]!)).toBe('PATEK_nab_001_03_tiltface_q1.jpg');
    const { records, problems } = fromLabelStudioExport(tasks, {
      imageKeyOf: (n) => n.slice(0, 16),
      annotator: (a) => `human:${(a.completed_by as { email: string }).email}`,
      now: () => 'now',
    });
    expect(problems).toEqual([]);
    const r = records.PATEK_nab_001_03 as LabelRecord;
    expect(r.coords_norm.top[0]).toBeCloseTo(0.45, 10);
    expect(r.coords_norm.center[1]).toBeCloseTo(0.436, 10);
    expect(r).toMatchObject({
      image_size: [2228, 2066],
      annotator: 'human:ann@lab',
      timestamp: '2025-01-02T03:04:05Z',
    });
    expect(r.prediction?.annotator).toBe('ml-model-v1.0');
    expect(r.prediction?.coords_norm.top[0]).toBeCloseTo(0.442, 10);
  });

  it('reports tasks whose annotation lacks keypoints', () => {
    const [task] = toLabelStudioTasks(labels, (n) => n);
    task!.annotations = [{ result: task!.predictions![0]!.result.slice(0, 3) }];
    const { records, problems } = fromLabelStudioExport([task!], {
      imageKeyOf: (n) => n,
      annotator: () => 'x',
      now: () => 'now',
    });
    expect(records).toEqual({});
    expect(problems[0]?.message).toBe('missing keypoints: right, center');
  });
});
