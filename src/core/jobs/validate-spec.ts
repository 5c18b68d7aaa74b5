import { DEVICES, type Device } from '../../shared/devices';
import {
  JOB_ORIGINS,
  METRIC_DIRECTIONS,
  OUTPUT_NAMINGS,
  type JobOrigin,
  type JobSpec,
  type MetricDirection,
  type MetricModelRef,
  type ModelSource,
  type OutputNaming,
} from '../../shared/jobs';
import type { PythonOptions } from '../../shared/pytorch';
import type { Result } from '../../shared/result';
import { SHARD_SOURCES, type ShardSource, type ShardSpec } from '../../shared/shard';
import { isPlainRecord } from '../guards';
import { predictConfigFrom } from '../keypoints/predict-config';
import { err, ok } from '../result';

/** Check a job spec that arrived from outside the engine before it is queued. */
export function validateJobSpec(value: unknown): Result<JobSpec> {
  if (typeof value !== 'object' || value === null) return err('INVALID_ARGUMENT', 'a job spec must be an object');
  const s = value as Record<string, unknown>;
  switch (s.kind) {
    case 'scan-images':
      if (typeof s.folder !== 'string' || !s.folder) return err('INVALID_ARGUMENT', 'scan-images needs a folder');
      if (s.recursive !== undefined && typeof s.recursive !== 'boolean')
        return err('INVALID_ARGUMENT', 'recursive must be a boolean');
      if (
        s.thumbnailSize !== undefined &&
        !(Number.isInteger(s.thumbnailSize) && (s.thumbnailSize as number) >= 32 && (s.thumbnailSize as number) <= 2048)
      ) {
        return err('INVALID_ARGUMENT', 'thumbnailSize must be an integer from 32 to 2048');
      }
      if (s.thumbnails !== undefined && s.thumbnails !== 'lazy' && s.thumbnails !== 'eager')
        return err('INVALID_ARGUMENT', "thumbnails is 'lazy' or 'eager'");
      return ok({
        kind: 'scan-images',
        folder: s.folder,
        ...(s.recursive !== undefined ? { recursive: s.recursive as boolean } : {}),
        ...(s.thumbnailSize !== undefined ? { thumbnailSize: s.thumbnailSize as number } : {}),
        ...(s.thumbnails !== undefined ? { thumbnails: s.thumbnails as 'lazy' | 'eager' } : {}),
      });
    case 'benchmark-model':
      if (typeof s.modelId !== 'string' || !s.modelId)
        return err('INVALID_ARGUMENT', 'benchmark-model needs a modelId');
      if (!(Number.isInteger(s.iterations) && (s.iterations as number) >= 1 && (s.iterations as number) <= 100_000)) {
        return err('INVALID_ARGUMENT', 'iterations must be an integer from 1 to 100000');
      }
      if (s.device !== undefined && !DEVICES.includes(s.device as Device)) {
        return err('INVALID_ARGUMENT', `device must be one of ${DEVICES.join(', ')}`);
      }
      return ok({
        kind: 'benchmark-model',
        modelId: s.modelId,
        iterations: s.iterations as number,
        ...(s.device !== undefined ? { device: s.device as Device } : {}),
      });
    case 'predict-keypoints': {
      for (const key of ['imagesDir', 'outputDir', 'labelsDir'] as const) {
        if (typeof s[key] !== 'string' || !s[key]) return err('INVALID_ARGUMENT', `predict-keypoints needs ${key}`);
      }
      const config = predictConfigFrom(s.config ?? {});
      if (!config.ok) return config;
      if (s.device !== undefined && !DEVICES.includes(s.device as Device)) {
        return err('INVALID_ARGUMENT', `device must be one of ${DEVICES.join(', ')}`);
      }
      const shard = validateShard(s.shard);
      if (!shard.ok) return shard;
      if (
        s.checkpointFreq !== undefined &&
        !(Number.isInteger(s.checkpointFreq) && (s.checkpointFreq as number) >= 1)
      ) {
        return err('INVALID_ARGUMENT', 'checkpointFreq must be a positive integer');
      }
      if (s.workers !== undefined && !(Number.isInteger(s.workers) && (s.workers as number) >= 0)) {
        return err('INVALID_ARGUMENT', 'workers must be a whole number (0: from the core count)');
      }
      if (
        s.relabelFrom !== undefined &&
        !(Array.isArray(s.relabelFrom) && s.relabelFrom.every((k) => typeof k === 'string' && k.length > 0))
      ) {
        return err('INVALID_ARGUMENT', 'relabelFrom must be a list of image keys');
      }
      const relabelFrom = (s.relabelFrom as string[] | undefined) ?? [];
      return ok({
        kind: 'predict-keypoints',
        imagesDir: s.imagesDir as string,
        outputDir: s.outputDir as string,
        labelsDir: s.labelsDir as string,
        config: config.value,
        ...(s.device !== undefined ? { device: s.device as Device } : {}),
        ...(typeof s.watchId === 'string' && s.watchId ? { watchId: s.watchId } : {}),
        ...(typeof s.templateModel === 'string' && s.templateModel ? { templateModel: s.templateModel } : {}),
        ...(relabelFrom.length > 0 ? { relabelFrom } : {}),
        ...(typeof s.resume === 'boolean' ? { resume: s.resume } : {}),
        ...(typeof s.retryFailed === 'boolean' ? { retryFailed: s.retryFailed } : {}),
        ...(typeof s.force === 'boolean' ? { force: s.force } : {}),
        ...(s.checkpointFreq !== undefined ? { checkpointFreq: s.checkpointFreq as number } : {}),
        ...(shard.value ? { shard: shard.value } : {}),
        ...(s.workers !== undefined ? { workers: s.workers as number } : {}),
      });
    }
    case 'restore-frames': {
      for (const key of ['inputDir', 'outputDir'] as const) {
        if (typeof s[key] !== 'string' || !s[key]) return err('INVALID_ARGUMENT', `restore-frames needs ${key}`);
      }
      if (s.gtDir !== undefined && (typeof s.gtDir !== 'string' || !s.gtDir))
        return err('INVALID_ARGUMENT', 'gtDir must be a folder path');
      const sources = validateSources(s.sources);
      if (!sources.ok) return sources;
      for (const key of ['tileSize', 'tileOverlap'] as const) {
        if (
          s[key] !== undefined &&
          !(
            Number.isInteger(s[key]) &&
            (s[key] as number) >= (key === 'tileSize' ? 16 : 0) &&
            (s[key] as number) <= 8192
          )
        ) {
          return err('INVALID_ARGUMENT', `${key} must be an integer number of pixels`);
        }
      }
      if (s.device !== undefined && !DEVICES.includes(s.device as Device))
        return err('INVALID_ARGUMENT', `device must be one of ${DEVICES.join(', ')}`);
      if (s.outputNames !== undefined && !OUTPUT_NAMINGS.includes(s.outputNames as OutputNaming))
        return err('INVALID_ARGUMENT', `outputNames must be one of ${OUTPUT_NAMINGS.join(', ')}`);
      if (s.origin !== undefined && !JOB_ORIGINS.includes(s.origin as JobOrigin))
        return err('INVALID_ARGUMENT', `origin must be one of ${JOB_ORIGINS.join(', ')}`);
      const pytorch = validatePythonOptions(s.pytorch);
      if (!pytorch.ok) return pytorch;
      const shard = validateShard(s.shard);
      if (!shard.ok) return shard;
      const metricModels = validateMetricModels(s.metricModels);
      if (!metricModels.ok) return metricModels;
      if (metricModels.value.length && !s.gtDir)
        return err('INVALID_ARGUMENT', 'metricModels score frames against the ground truth: give gtDir too');
      return ok({
        kind: 'restore-frames',
        inputDir: s.inputDir as string,
        outputDir: s.outputDir as string,
        sources: sources.value,
        ...(s.gtDir ? { gtDir: s.gtDir as string } : {}),
        ...(s.device !== undefined ? { device: s.device as Device } : {}),
        ...(typeof s.tiled === 'boolean' ? { tiled: s.tiled } : {}),
        ...(s.tileSize !== undefined ? { tileSize: s.tileSize as number } : {}),
        ...(s.tileOverlap !== undefined ? { tileOverlap: s.tileOverlap as number } : {}),
        ...(typeof s.resume === 'boolean' ? { resume: s.resume } : {}),
        ...(typeof s.retryFailed === 'boolean' ? { retryFailed: s.retryFailed } : {}),
        ...(pytorch.value ? { pytorch: pytorch.value } : {}),
        ...(shard.value ? { shard: shard.value } : {}),
        ...(s.outputNames !== undefined ? { outputNames: s.outputNames as OutputNaming } : {}),
        ...(metricModels.value.length ? { metricModels: metricModels.value } : {}),
        ...(s.origin !== undefined ? { origin: s.origin as JobOrigin } : {}),
      });
    }
    case 'export-models': {
      const sources = validateSources(s.sources);
      if (!sources.ok) return sources;
      const pytorch = validatePythonOptions(s.pytorch);
      if (!pytorch.ok) return pytorch;
      for (const key of ['outputDir', 'sample'] as const) {
        if (s[key] !== undefined && (typeof s[key] !== 'string' || !s[key]))
          return err('INVALID_ARGUMENT', `${key} must be a path`);
      }
      return ok({
        kind: 'export-models',
        sources: sources.value,
        ...(s.outputDir ? { outputDir: s.outputDir as string } : {}),
        ...(s.sample ? { sample: s.sample as string } : {}),
        ...(pytorch.value ? { pytorch: pytorch.value } : {}),
        ...(s.force === true ? { force: true } : {}),
      });
    }
    default:
      return err('INVALID_ARGUMENT', `unknown job kind ${JSON.stringify(s.kind)}`);
  }
}

/** A job's shard: 0-based index below a count of at least 1, where it came from, and whether to merge. */
function validateShard(value: unknown): Result<ShardSpec | null> {
  if (value === undefined || value === null) return ok(null);
  if (!isPlainRecord(value)) return err('INVALID_ARGUMENT', 'shard must be an object');
  const { index, count, source, detail, merge } = value;
  if (!Number.isSafeInteger(count) || (count as number) < 1)
    return err('INVALID_ARGUMENT', 'shard.count must be a whole number of at least 1');
  if (!Number.isSafeInteger(index) || (index as number) < 0 || (index as number) >= (count as number))
    return err('INVALID_ARGUMENT', `shard.index must be a whole number from 0 to ${(count as number) - 1} (0-based)`);
  if (!SHARD_SOURCES.includes(source as ShardSource))
    return err('INVALID_ARGUMENT', `shard.source must be one of ${SHARD_SOURCES.join(', ')}`);
  if (typeof detail !== 'string') return err('INVALID_ARGUMENT', 'shard.detail must be a string');
  if (merge !== undefined && typeof merge !== 'boolean')
    return err('INVALID_ARGUMENT', 'shard.merge must be a boolean');
  return ok({
    index: index as number,
    count: count as number,
    source: source as ShardSource,
    detail,
    ...(merge !== undefined ? { merge } : {}),
  });
}

const STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

/** The exporter's options of a job, when it has any. */
function validatePythonOptions(value: unknown): Result<PythonOptions | null> {
  if (value === undefined || value === null) return ok(null);
  if (typeof value !== 'object' || Array.isArray(value)) return err('INVALID_ARGUMENT', 'pytorch must be an object');
  const v = value as Record<string, unknown>;
  const out: PythonOptions = {};
  if (v.python !== undefined) {
    if (typeof v.python !== 'string' || !v.python.trim())
      return err('INVALID_ARGUMENT', 'pytorch.python must be a path');
    out.python = v.python.trim();
  }
  if (v.modelFactory !== undefined) {
    if (typeof v.modelFactory !== 'string' || !/^[A-Za-z_][\w.]*:[A-Za-z_]\w*$/.test(v.modelFactory))
      return err('INVALID_ARGUMENT', 'pytorch.modelFactory must be module:function');
    out.modelFactory = v.modelFactory;
  }
  if (v.pythonPath !== undefined) {
    if (!Array.isArray(v.pythonPath) || !v.pythonPath.every((p) => typeof p === 'string' && p))
      return err('INVALID_ARGUMENT', 'pytorch.pythonPath must be a list of folders');
    out.pythonPath = v.pythonPath as string[];
  }
  if (v.timeoutSec !== undefined) {
    if (!(Number.isInteger(v.timeoutSec) && (v.timeoutSec as number) >= 10))
      return err('INVALID_ARGUMENT', 'pytorch.timeoutSec must be a whole number of seconds ≥ 10');
    out.timeoutSec = v.timeoutSec as number;
  }
  return ok(out);
}

function validateSources(value: unknown): Result<ModelSource[]> {
  if (!Array.isArray(value) || value.length === 0)
    return err('INVALID_ARGUMENT', 'sources must list at least one model source');
  const out: ModelSource[] = [];
  for (const v of value as Record<string, unknown>[]) {
    switch (v?.type) {
      case 'folder':
        if (typeof v.dir !== 'string' || !v.dir) return err('INVALID_ARGUMENT', 'a folder source needs dir');
        out.push({ type: 'folder', dir: v.dir });
        break;
      case 'bundled':
        out.push({ type: 'bundled' });
        break;
      case 'torch':
        if (typeof v.path !== 'string' || !v.path) return err('INVALID_ARGUMENT', 'a torch source needs a path');
        for (const key of ['name', 'architecture'] as const) {
          if (v[key] !== undefined && (typeof v[key] !== 'string' || !v[key]))
            return err('INVALID_ARGUMENT', `a torch source's ${key} must be a non-empty string`);
        }
        out.push({
          type: 'torch',
          path: v.path,
          ...(v.name ? { name: v.name as string } : {}),
          ...(v.architecture ? { architecture: v.architecture as string } : {}),
        });
        break;
      case 'models':
        if (!Array.isArray(v.ids) || !v.ids.every((id) => typeof id === 'string'))
          return err('INVALID_ARGUMENT', 'a models source needs ids');
        out.push({ type: 'models', ids: v.ids as string[] });
        break;
      case 'mlflow':
        if (typeof v.uri !== 'string' || !v.uri || typeof v.experiment !== 'string' || !v.experiment) {
          return err('INVALID_ARGUMENT', 'an mlflow source needs uri and experiment');
        }
        if (v.status !== undefined && v.status !== null && !STATUSES.includes(v.status as string)) {
          return err('INVALID_ARGUMENT', `status must be one of ${STATUSES.join(', ')} or null`);
        }
        if (v.maxRuns !== undefined && !(Number.isInteger(v.maxRuns) && (v.maxRuns as number) >= 1)) {
          return err('INVALID_ARGUMENT', 'maxRuns must be a positive integer');
        }
        if (
          v.runIds !== undefined &&
          !(Array.isArray(v.runIds) && v.runIds.length > 0 && v.runIds.every((r) => typeof r === 'string' && r))
        ) {
          return err('INVALID_ARGUMENT', 'runIds must be a non-empty list of run ids');
        }
        if (
          v.timeoutSec !== undefined &&
          !(typeof v.timeoutSec === 'number' && v.timeoutSec > 0 && v.timeoutSec <= 3600)
        ) {
          return err('INVALID_ARGUMENT', 'timeoutSec must be a number of seconds, more than 0 and at most 3600');
        }
        out.push({
          type: 'mlflow',
          uri: v.uri,
          experiment: v.experiment,
          ...(v.status !== undefined ? { status: v.status as Extract<ModelSource, { type: 'mlflow' }>['status'] } : {}),
          ...(v.maxRuns !== undefined ? { maxRuns: v.maxRuns as number } : {}),
          ...(v.runIds !== undefined ? { runIds: v.runIds as string[] } : {}),
          ...(v.timeoutSec !== undefined ? { timeoutSec: v.timeoutSec as number } : {}),
        });
        break;
      default:
        return err('INVALID_ARGUMENT', `unknown model source ${JSON.stringify(v?.type)}`);
    }
  }
  return ok(out);
}

/** restore-frames `metricModels`: paths of ONNX metric models, with optional overrides of their metadata. */
function validateMetricModels(v: unknown): Result<MetricModelRef[]> {
  if (v === undefined) return ok([]);
  if (!Array.isArray(v)) return err('INVALID_ARGUMENT', 'metricModels must be a list');
  const out: MetricModelRef[] = [];
  for (const m of v as unknown[]) {
    if (typeof m !== 'object' || m === null) return err('INVALID_ARGUMENT', 'each of metricModels is { path, … }');
    const r = m as Record<string, unknown>;
    if (typeof r.path !== 'string' || !r.path) return err('INVALID_ARGUMENT', 'a metric model needs a path');
    if (r.name !== undefined && (typeof r.name !== 'string' || !r.name))
      return err('INVALID_ARGUMENT', 'a metric model name must be a non-empty string');
    if (r.better !== undefined && !METRIC_DIRECTIONS.includes(r.better as MetricDirection))
      return err('INVALID_ARGUMENT', `a metric model's better must be one of ${METRIC_DIRECTIONS.join(', ')}`);
    const range = r.inputRange;
    if (
      range !== undefined &&
      !(
        Array.isArray(range) &&
        range.length === 2 &&
        range.every((x) => typeof x === 'number' && Number.isFinite(x)) &&
        (range[0] as number) < (range[1] as number)
      )
    )
      return err('INVALID_ARGUMENT', "a metric model's inputRange is [low, high], low < high");
    out.push({
      path: r.path,
      ...(typeof r.name === 'string' ? { name: r.name } : {}),
      ...(r.better !== undefined ? { better: r.better as MetricDirection } : {}),
      ...(range !== undefined ? { inputRange: range as [number, number] } : {}),
    });
  }
  return ok(out);
}
