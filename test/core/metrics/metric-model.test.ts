import { describe, expect, it } from 'vitest';
import type { MetricModelRef } from '../../../src/shared/jobs';
import type { TensorInfo } from '../../../src/shared/models';
import {
  metricContract,
  formatMetricModelOption,
  parseMetricModelOption,
  parseMetricRange,
  type MetricModelProblem,
} from '../../../src/core/metrics/metric-model';
import { MetricScoreSheet, metricSection } from '../../../src/core/metrics/metric-scores';

const image = (name: string, dims: (number | string)[] = [1, 3, 'H', 'W'], type = 'float32'): TensorInfo => ({
  name,
  type: type as TensorInfo['type'],
  dims,
});

const model = (over: { inputs?: TensorInfo[]; outputs?: TensorInfo[]; metadata?: Record<string, string> } = {}) => ({
  path: '/m/lpips_alex.onnx',
  sha256: 'abcdef0123456789',
  inputs: over.inputs ?? [image('in0'), image('in1')],
  outputs: over.outputs ?? [image('out', [1, 1, 1, 1])],
  metadata: over.metadata ?? {},
});

function problemOf(m: ReturnType<typeof model>, ref = {}): MetricModelProblem | undefined {
  const r = metricContract(m, { path: m.path, ...ref });
  expect(r.ok).toBe(false);
  if (r.ok) return undefined;
  expect(r.error.code).toBe('METRIC_MODEL_INVALID');
  expect(r.error.message).toContain('/m/lpips_alex.onnx');
  return r.error.details?.problem as MetricModelProblem;
}

describe('the metric-model contract', () => {
  it('takes an LPIPS-shaped export with its defaults: lower is better, [0, 1], the file stem as its name', () => {
    const r = metricContract(model(), { path: '/m/lpips_alex.onnx' });
    expect(r.ok && r.value).toMatchObject({
      name: 'lpips_alex',
      better: 'lower',
      inputRange: [0, 1],
      inputs: ['in0', 'in1'],
      output: 'out',
      fixedSize: null,
    });
    expect(r.ok && r.value.definition).toContain('lower is better');
  });

  it('reads loupe.metric.* metadata, and the batch overrides it', () => {
    const metadata = {
      'loupe.metric.name': 'lpips',
      'loupe.metric.better': 'lower',
      'loupe.metric.input_range': '[-1, 1]',
      'loupe.metric.description': 'LPIPS (AlexNet, v0.1)',
    };
    const r = metricContract(model({ metadata }), { path: 'x' });
    expect(r.ok && r.value).toMatchObject({ name: 'lpips', better: 'lower', inputRange: [-1, 1] });
    expect(r.ok && r.value.definition).toMatch(/^LPIPS \(AlexNet, v0\.1\)\. .*\[-1, 1\]/);
    const o = metricContract(model({ metadata }), { path: 'x', name: 'dists', better: 'higher', inputRange: [0, 255] });
    expect(o.ok && o.value).toMatchObject({ name: 'dists', better: 'higher', inputRange: [0, 255] });
  });

  it('accepts a scalar or dynamic-shaped score and fixed-size inputs (recorded, to skip frames of another size)', () => {
    expect(metricContract(model({ outputs: [image('s', [])] }), { path: 'x' }).ok).toBe(true);
    expect(metricContract(model({ outputs: [image('s', ['N', 1])] }), { path: 'x' }).ok).toBe(true);
    const fixed = metricContract(model({ inputs: [image('a', [1, 3, 64, 96]), image('b', [1, 3, 64, 96])] }), {
      path: 'x',
    });
    expect(fixed.ok && fixed.value.fixedSize).toEqual([64, 96]);
  });

  it('names the part of the contract a model breaks', () => {
    expect(problemOf(model({ inputs: [image('a')] }))).toBe('inputs');
    expect(problemOf(model({ inputs: [image('a'), image('b'), image('c')] }))).toBe('inputs');
    expect(problemOf(model({ inputs: [image('a'), image('b', undefined, 'uint8')] }))).toBe('input_type');
    expect(problemOf(model({ inputs: [image('a', [1, 1, 'H', 'W']), image('b')] }))).toBe('input_shape');
    expect(problemOf(model({ inputs: [image('a', [1, 3, 'W']), image('b')] }))).toBe('input_shape');
    expect(problemOf(model({ inputs: [image('a', [1, 3, 64, 64]), image('b', [1, 3, 32, 32])] }))).toBe('input_shape');
    expect(problemOf(model({ outputs: [] }))).toBe('output');
    expect(problemOf(model({ outputs: [image('o', [1, 3, 'H', 'W'])] }))).toBe('output');
    expect(problemOf(model({ outputs: [image('o', [1], 'int64')] }))).toBe('output');
    expect(problemOf(model({ metadata: { 'loupe.metric.better': 'smaller' } }))).toBe('metadata');
    expect(problemOf(model({ metadata: { 'loupe.metric.input_range': '1,-1' } }))).toBe('metadata');
    expect(problemOf(model(), { inputRange: [1, 1] })).toBe('metadata');
    expect(problemOf(model({ metadata: { 'loupe.metric.name': 'psnr' } }))).toBe('name');
    expect(problemOf(model(), { name: 'my metric' })).toBe('name');
  });

  it('parses ranges and --metric-model options', () => {
    expect(parseMetricRange('-1,1')).toEqual([-1, 1]);
    expect(parseMetricRange('[0, 255]')).toEqual([0, 255]);
    expect(parseMetricRange('-1:1')).toEqual([-1, 1]);
    expect(parseMetricRange('1')).toBeNull();
    expect(parseMetricRange('a,b')).toBeNull();
    expect(parseMetricModelOption('/m/a,b.onnx')).toEqual({ ok: true, value: { path: '/m/a,b.onnx' } });
    expect(parseMetricModelOption('lpips.onnx,better=higher,range=-1:1,name=lp')).toEqual({
      ok: true,
      value: { path: 'lpips.onnx', better: 'higher', inputRange: [-1, 1], name: 'lp' },
    });
    // Written back as it is read (Compare restores its setup from a run's spec).
    for (const text of ['/m/a,b.onnx', 'lpips.onnx,name=lp,better=higher,range=-1:1'])
      expect(formatMetricModelOption((parseMetricModelOption(text) as { value: MetricModelRef }).value)).toBe(text);
    for (const bad of ['', 'x.onnx,better=up', 'x.onnx,range=2', 'x.onnx,name='])
      expect(parseMetricModelOption(bad).ok, bad).toBe(false);
  });
});

describe('metric score sections', () => {
  const summary = {
    name: 'mad',
    better: 'lower' as const,
    input_range: [-1, 1] as [number, number],
    path: '/m/mad.onnx',
    sha256: 'ff',
    definition: 'd',
  };
  it('sorts frames by name and means over the scored ones', () => {
    const sheet = new MetricScoreSheet([summary]);
    sheet.add('mad', 'b.png', 'b.jpg', { score: 0.3 });
    sheet.add('mad', 'a.png', 'a.jpg', { score: 0.1000004 });
    sheet.add('mad', 'c.png', 'c.jpg', { skipped: 'too small' });
    const s = sheet.sections().mad!;
    expect(s.frames.map((f) => f.frame)).toEqual(['a.png', 'b.png']);
    expect(s.frames[0]!.score).toBe(0.1);
    expect(s.mean).toBe(0.2);
    expect(s.skipped).toEqual([{ frame: 'c.png', input: 'c.jpg', reason: 'too small' }]);
    expect(sheet.means()).toEqual({ mad: 0.2 });
    expect(metricSection(summary, [], []).mean).toBeNull();
  });
});
