/**
 * Label files, exactly as users' tools already read them (DESIGN.md):
 * `alignment_labels/{WATCH_ID}.json` (human) and `alignment_labels_predicted/{WATCH_ID}.json`
 * (predictions), one object keyed by image key.
 */

export const KEYPOINT_NAMES = ['top', 'bottom', 'left', 'right', 'center'] as const;
export type KeypointName = (typeof KEYPOINT_NAMES)[number];

/** [x, y], normalised to the displayed image (EXIF orientation applied). */
export type NormPoint = [number, number];
export type Keypoints = Record<KeypointName, NormPoint>;

/** How much to trust a prediction; encoded as the annotator's suffix. */
export type Tier = 'full' | 'pipeline-fallback' | 'geometric-fallback';

/**
 * Why an earlier prediction was predicted again (`debug_info.repredicted.reason`): a human label
 * of its own watch ID became a template it had not had, or (for a fallback) one of its template
 * model did. See core/keypoints/template-provenance.ts.
 */
export type RepredictReason = 'own-watch-template' | 'model-template';

export interface LabelRecord {
  /** [width, height] of the image as displayed. */
  image_size: [number, number];
  coords_norm: Keypoints;
  full_image_name: string;
  annotator: string;
  confidence?: number;
  timestamp?: string;
  debug_info?: Record<string, unknown>;
  /** On a reviewed label: the prediction it started from. */
  prediction?: {
    coords_norm: Keypoints;
    annotator: string;
    confidence?: number;
    /** Several dials: which of the prediction's debug_info.detections the reviewer chose (absent: the first). */
    dial?: number;
  };
  /** Fields Loupe does not know are kept as they are. */
  [extra: string]: unknown;
}

/** One label file: image key → record. */
export type LabelFile = Record<string, LabelRecord>;

export type ProblemSeverity = 'error' | 'warning';

export interface LabelProblem {
  severity: ProblemSeverity;
  /** The label file (name or path). */
  file: string;
  /** The image key, when the problem is inside one record. */
  key?: string;
  message: string;
}

/**
 * One rejected prediction, in `<labels>/rejected/{WATCH_ID}.json` (keyed by image key like a label
 * file): who rejected it and when, why when they said, and the prediction as it was, so the
 * rejection outlives the predictions folder (deleted, regenerated) and a pipeline can read it.
 */
export interface RejectionRecord {
  full_image_name?: string;
  reviewer: string;
  /** ISO 8601, UTC, `+00:00` (core/format.ts `isoTimestamp`). */
  timestamp: string;
  reason?: string;
  /** The prediction that was rejected (absent when there was none to keep). */
  prediction?: LabelRecord;
  [extra: string]: unknown;
}

export type RejectionFile = Record<string, RejectionRecord>;
