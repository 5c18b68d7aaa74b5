import { describe, expect, it } from 'vitest';
import {
  fileUriToPath,
  latestMetric,
  parseMetricHistory,
  runFromMeta,
  runStatus,
} from '../../../src/core/mlflow/format';
import { onnxFlavorFile } from '../../../src/core/mlflow/run-models';

describe('MLflow file formats', () => {
  it('maps MLflow run statuses from ints and names', () => {
    expect([1, 2, 3, 4, 5].map(runStatus)).toEqual(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);
    expect(runStatus('finished')).toBe('FINISHED');
    expect(runStatus('3')).toBe('FINISHED');
    expect(runStatus(9)).toBeNull();
  });

  it('parses metric lines (step optional, NaN kept) and picks the latest by step then time', () => {
    const h = parseMetricHistory('1700 0.5 0\n1800 0.25 1\n1750 0.3 1\nbroken\n1900 nan 2\n1600 0.9\n');
    expect(h).toHaveLength(5);
    expect(h[4]).toEqual({ timestamp: 1600, value: 0.9, step: 0 });
    expect(latestMetric(h)?.step).toBe(2);
    expect(Number.isNaN(latestMetric(h)?.value)).toBe(true);
    expect(latestMetric(h.slice(0, 3))).toEqual({ timestamp: 1800, value: 0.25, step: 1 });
    expect(latestMetric([])).toBeNull();
  });

  it('names a run from meta, then the runName tag, then its id', () => {
    const parts = { params: {}, metrics: {}, tags: { 'mlflow.runName': 'from-tag' } };
    expect(runFromMeta({ run_id: 'r', status: 3 }, 'dir', parts).runName).toBe('from-tag');
    expect(runFromMeta({ run_uuid: 'r2', run_name: 'n' }, 'dir', parts)).toMatchObject({
      runId: 'r2',
      runName: 'n',
      status: 'RUNNING',
    });
  });

  it('reads the onnx flavor of an MLmodel and file URIs', () => {
    expect(onnxFlavorFile({ flavors: { onnx: { data: 'model.onnx' }, python_function: {} } })).toBe('model.onnx');
    expect(onnxFlavorFile({ flavors: { pytorch: {} } })).toBeNull();
    expect(onnxFlavorFile({ flavors: { onnx: { data: '../../x.onnx' } } })).toBeNull();
    expect(fileUriToPath('file:///a/b%20c')).toBe('/a/b c');
    expect(fileUriToPath('file:///C:/runs')).toBe('C:/runs');
    expect(fileUriToPath('./mlruns')).toBe('./mlruns');
    expect(fileUriToPath('s3://bucket/x')).toBeNull();
  });
});
