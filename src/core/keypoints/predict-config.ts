import type { PredictConfig } from '../../shared/jobs';
import type { Result } from '../../shared/result';
import { compileNamingPattern } from '../naming';
import { parseKeypointMap } from './model-keypoints';
import { DEFAULT_PIPELINE, type PipelineConfig } from './pipeline';
import { PREDICT_DEFAULTS } from './predict-defaults';
import { err, ok } from '../result';

/** `PREDICT_DEFAULTS.config` (predict-defaults.ts), the config a run starts from. */
export const DEFAULT_PREDICT_CONFIG: Readonly<PredictConfig> = PREDICT_DEFAULTS.config;

/**
 * A `--config` YAML (already parsed) → PredictConfig. Accepts the nested form
 * (`detector: { conf }`, `matcher: { type, max_features, ratio }`, `homography: { min_inliers,
 * ransac_threshold }`) and flat snake_case or camelCase keys; unknown keys are errors, so a typo
 * does not silently fall back to a default.
 */
export function predictConfigFrom(
  yaml: unknown,
  base: Readonly<PredictConfig> = DEFAULT_PREDICT_CONFIG,
): Result<PredictConfig> {
  // A copy, so a caller that changes the result never changes the defaults.
  if (yaml === null || yaml === undefined) return ok({ ...base });
  if (typeof yaml !== 'object' || Array.isArray(yaml))
    return err('INVALID_ARGUMENT', 'the config must be a YAML mapping');
  const flat: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [k, v] of Object.entries(yaml as Record<string, unknown>)) {
    if (
      ['detector', 'matcher', 'homography', 'matching'].includes(k) &&
      v &&
      typeof v === 'object' &&
      !Array.isArray(v)
    ) {
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) {
        flat[k === 'matcher' && k2 === 'type' ? 'matcher' : k === 'detector' && k2 === 'model' ? 'model' : k2] = v2;
      }
    } else flat[k] = v;
  }
  const out: PredictConfig = { ...base };
  const num = (key: keyof PredictConfig, v: unknown, min: number, max: number, integer = false): void => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      problems.push(`${key} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    } else (out as unknown as Record<string, number>)[key] = v;
  };
  for (const [rawKey, v] of Object.entries(flat)) {
    const key = rawKey.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    switch (key) {
      case 'model':
      case 'annotator':
        if (typeof v === 'string' && v.trim()) out[key] = v.trim();
        else problems.push(`${rawKey} must be a non-empty string`);
        break;
      case 'conf':
      case 'confidence':
        num('conf', v, 0, 1);
        break;
      case 'iou':
      case 'nmsIou':
        num('iou', v, 0, 1);
        break;
      case 'matcher':
        if (v === 'orb' || v === 'akaze') out.matcher = v;
        else if (typeof v === 'string' && /^onnx:.+/.test(v)) out.matcher = v as `onnx:${string}`;
        else problems.push('matcher must be orb, akaze or onnx:<model id or path>');
        break;
      case 'maxFeatures':
      case 'features':
        num('maxFeatures', v, 50, 20000, true);
        break;
      case 'ratio':
        num('ratio', v, 0.3, 1);
        break;
      case 'minInliers':
        num('minInliers', v, 4, 10000, true);
        break;
      case 'ransacThreshold':
        num('ransacThreshold', v, 0.5, 50);
        break;
      case 'maxTemplates':
        num('maxTemplates', v, 1, 20, true);
        break;
      case 'keypointMap': {
        // `12_oclock=top,centre=center`, or the same as a YAML mapping; null or '' = none.
        const text =
          v === null || v === ''
            ? null
            : typeof v === 'string'
              ? v
              : v && typeof v === 'object' && !Array.isArray(v)
                ? Object.entries(v as Record<string, unknown>)
                    .map(([from, to]) => `${from}=${String(to)}`)
                    .join(',')
                : undefined;
        const parsed = text ? parseKeypointMap(text) : null;
        if (text === undefined) problems.push('keypoint_map must be NAME=keypoint pairs or a mapping');
        else if (parsed && !parsed.ok) problems.push(parsed.error.message);
        else out.keypointMap = parsed ? parsed.value.map((e) => `${e.from}=${e.to}`).join(',') : null;
        break;
      }
      case 'namingPattern': {
        const compiled = typeof v === 'string' ? compileNamingPattern(v) : null;
        if (compiled?.ok) out.namingPattern = v as string;
        else problems.push(compiled && !compiled.ok ? compiled.error.message : 'naming_pattern must be a string');
        break;
      }
      default:
        problems.push(`unknown setting ${rawKey}`);
    }
  }
  if (problems.length > 0) return err('INVALID_ARGUMENT', `invalid config: ${problems.join('; ')}`, { problems });
  return ok(out);
}

/** A stable fingerprint of what changes predictions (resume refuses to mix configs). */
export function predictConfigKey(c: PredictConfig, modelSha: string): string {
  return JSON.stringify([
    modelSha,
    c.conf,
    c.iou,
    c.matcher,
    c.maxFeatures,
    c.ratio,
    c.minInliers,
    c.ransacThreshold,
    c.maxTemplates,
    c.namingPattern,
    c.annotator,
    // Only when set, so the keys of runs from before keypoint maps existed still match.
    ...(c.keypointMap ? [c.keypointMap] : []),
  ]);
}

/** The pipeline settings of one prediction run: the defaults with the user's thresholds. */
export function pipelineSettings(c: PredictConfig): PipelineConfig & { iou: number; annotator: string } {
  return {
    ...DEFAULT_PIPELINE,
    conf: c.conf,
    minInliers: c.minInliers,
    ransacThreshold: c.ransacThreshold,
    maxTemplates: c.maxTemplates,
    iou: c.iou,
    annotator: c.annotator,
  };
}
