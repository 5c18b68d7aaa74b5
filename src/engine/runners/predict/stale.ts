import type { LabelRecord } from '../../../shared/labels';
import { isHumanLabel } from '../../../core/formats/labels';
import { repredictedInfo, staleness, type RepredictedInfo } from '../../../core/keypoints/template-provenance';
import { templatesFor, type TemplateCandidate } from '../../keypoints/predictor';
import type { PredictLog } from './log';
import type { PredictManifest } from './progress';
import type { PredictImage } from './setup';

/**
 * The earlier predictions of this run's images that are predicted again because their template
 * set has improved (core/keypoints/template-provenance.ts), by image key, with the note their
 * new record carries (`debug_info.repredicted`). Never a human-labelled image, a record a person
 * edited in the predictions folder, or a prediction a reviewer rejected: those are reviewed.
 */
export async function stalePredictions(
  o: {
    images: readonly PredictImage[];
    manifest: PredictManifest;
    predicted: ReadonlyMap<string, { record: LabelRecord }>;
    human: ReadonlyMap<string, unknown>;
    rejected: ReadonlySet<string>;
    candidates: readonly TemplateCandidate[];
    maxTemplates: number;
  },
  log: PredictLog,
): Promise<Map<string, RepredictedInfo>> {
  const stale = new Map<string, RepredictedInfo>();
  if (o.candidates.length === 0) return stale;
  for (const { id } of o.images) {
    const key = id.imageKey;
    if (!o.manifest.done(key) || o.human.has(key) || o.rejected.has(key)) continue;
    const record = o.predicted.get(key)?.record;
    if (!record || isHumanLabel(record)) continue;
    const now = templatesFor(id, o.candidates, o.maxTemplates);
    const why = staleness(record, id.watchId, now);
    if (why) stale.set(key, repredictedInfo(why, record));
  }
  if (stale.size > 0) {
    const own = [...stale.values()].filter((s) => s.reason === 'own-watch-template').length;
    await log(
      `re-predicting ${stale.size} earlier predictions whose templates improved: ${own} with a new template of their own watch ID, ${stale.size - own} with a first template of their template model`,
    );
  }
  return stale;
}
