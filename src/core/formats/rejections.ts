import type { LabelProblem, RejectionFile, RejectionRecord } from '../../shared/labels';
import { isPlainRecord } from '../guards';
import { serializeByImageKey } from './labels';

/**
 * Rejected predictions, kept next to the human labels: `<labels>/rejected/{WATCH_ID}.json`, one
 * object keyed by image key like a label file (README "Rejections"). A folder of its own, so a
 * pipeline that reads `alignment_labels/*.json` as label files never meets a rejection, and
 * outside the predictions folder, so deleting or regenerating predictions keeps them.
 */
export const REJECTED_DIR = 'rejected';

/** The hidden file earlier versions kept rejections in, in the predictions folder (read to migrate). */
export const LEGACY_REVIEW_FILE = '.loupe-review.json';

function isRejectionRecord(value: unknown): value is RejectionRecord {
  return (
    isPlainRecord(value) &&
    typeof value.reviewer === 'string' &&
    typeof value.timestamp === 'string' &&
    (value.reason === undefined || typeof value.reason === 'string') &&
    (value.prediction === undefined || isPlainRecord(value.prediction))
  );
}

/**
 * Parse a rejections file. A file that is not a JSON object reads as null (never rewritten: the
 * caller reports it); a record without a reviewer and a timestamp is reported and left out.
 */
export function parseRejectionFile(
  text: string,
  file: string,
): { rejections: RejectionFile | null; problems: LabelProblem[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return {
      rejections: null,
      problems: [{ severity: 'error', file, message: `not valid JSON: ${(e as Error).message}` }],
    };
  }
  if (!isPlainRecord(json)) {
    return {
      rejections: null,
      problems: [{ severity: 'error', file, message: 'a rejections file is one JSON object' }],
    };
  }
  const rejections: RejectionFile = {};
  const problems: LabelProblem[] = [];
  for (const [key, value] of Object.entries(json)) {
    if (isRejectionRecord(value)) rejections[key] = value;
    else problems.push({ severity: 'warning', file, key, message: 'a rejection needs a reviewer and a timestamp' });
  }
  return { rejections, problems };
}

/** Rejections-file text, written like a label file (serializeByImageKey). */
export function serializeRejectionFile(file: RejectionFile): string {
  return serializeByImageKey(file);
}

/**
 * The file with `key` rejected (`record`) or no longer rejected (null); every other entry, and
 * the fields of an entry this version does not know, stay as they are on disk.
 */
export function withRejection(onDisk: RejectionFile, key: string, record: RejectionRecord | null): RejectionFile {
  const out: RejectionFile = { ...onDisk };
  if (record) out[key] = { ...unknownFields(onDisk[key]), ...record };
  else delete out[key];
  return out;
}

const KNOWN_FIELDS = new Set(['full_image_name', 'reviewer', 'timestamp', 'reason', 'prediction']);

function unknownFields(record: RejectionRecord | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record ?? {}).filter(([k]) => !KNOWN_FIELDS.has(k)));
}

/** The legacy review file's rejections (`{ version: 1, rejected: { key: { reviewer, at } } }`). */
export function parseLegacyReviewFile(text: string | null): Record<string, { reviewer: string; at: string }> {
  if (text === null) return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  if (!isPlainRecord(json) || json.version !== 1 || !isPlainRecord(json.rejected)) return {};
  const out: Record<string, { reviewer: string; at: string }> = {};
  for (const [key, v] of Object.entries(json.rejected)) {
    if (isPlainRecord(v) && typeof v.reviewer === 'string' && typeof v.at === 'string')
      out[key] = { reviewer: v.reviewer, at: v.at };
  }
  return out;
}
