import { DEVICES, type Device } from '../../shared/devices';
import type { JobSpec } from '../../shared/jobs';
import type { Result } from '../../shared/result';
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
      return ok({
        kind: 'scan-images',
        folder: s.folder,
        ...(s.recursive !== undefined ? { recursive: s.recursive as boolean } : {}),
        ...(s.thumbnailSize !== undefined ? { thumbnailSize: s.thumbnailSize as number } : {}),
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
      if (
        s.checkpointFreq !== undefined &&
        !(Number.isInteger(s.checkpointFreq) && (s.checkpointFreq as number) >= 1)
      ) {
        return err('INVALID_ARGUMENT', 'checkpointFreq must be a positive integer');
      }
      return ok({
        kind: 'predict-keypoints',
        imagesDir: s.imagesDir as string,
        outputDir: s.outputDir as string,
        labelsDir: s.labelsDir as string,
        config: config.value,
        ...(s.device !== undefined ? { device: s.device as Device } : {}),
        ...(typeof s.watchId === 'string' && s.watchId ? { watchId: s.watchId } : {}),
        ...(typeof s.resume === 'boolean' ? { resume: s.resume } : {}),
        ...(typeof s.force === 'boolean' ? { force: s.force } : {}),
        ...(s.checkpointFreq !== undefined ? { checkpointFreq: s.checkpointFreq as number } : {}),
      });
    }
    default:
      return err('INVALID_ARGUMENT', `unknown job kind ${JSON.stringify(s.kind)}`);
  }
}
