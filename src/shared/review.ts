import type { Keypoints, LabelProblem, LabelRecord } from './labels';

/**
 * The review of predicted keypoints. Accepting or correcting writes a human label (the reviewer
 * as annotator, the prediction kept beside it); rejecting is recorded beside the human labels
 * (`<labels>/rejected/{WATCH_ID}.json`, with the rejected prediction), so the image stays
 * unlabelled but out of the queue, whatever becomes of the predictions folder.
 */
export type ReviewState = 'unreviewed' | 'accepted' | 'corrected' | 'rejected' | 'labelled';

export interface ReviewEntry {
  imageKey: string;
  watchId: string;
  templateModel: string | null;
  /** Absolute path of the image. */
  path: string;
  fullImageName: string;
  human: LabelRecord | null;
  predicted: LabelRecord | null;
  rejected: boolean;
}

export interface KeypointFolder {
  imagesDir: string;
  /** Human labels (alignment_labels): written by reviews. */
  labelsDir: string;
  /** Predictions (alignment_labels_predicted): written by the predict job. */
  predictedDir: string;
  entries: ReviewEntry[];
  /** Label files that could not be read (reported, never overwritten). */
  problems: LabelProblem[];
  /** How the file names met the naming pattern. */
  naming: NamingSummary;
}

/** How many file names of a folder the naming pattern did not match, with a few of each kind. */
export interface NamingSummary {
  /** The pattern the names were read with (the settings' at the time of the load). */
  pattern: string;
  /** Images whose names did not match: each is grouped under its folder's name. */
  unmatched: number;
  /** The first unmatched names (paths relative to the folder), at most NAMING_EXAMPLES. */
  unmatchedExamples: string[];
  /** The first names that did match, at most NAMING_EXAMPLES (to check a new pattern against). */
  matchedExamples: string[];
}

/** How many example names a NamingSummary carries of each kind. */
export const NAMING_EXAMPLES = 8;

/**
 * Where one of a folder's label folders is, and why there: chosen for this folder by the user,
 * or found by the rule (inside the images folder, else beside it).
 */
export interface LabelDirInfo {
  path: string;
  /** The folder exists (else it is made by the first write). */
  found: boolean;
  source: 'chosen' | 'inside' | 'beside';
}

/** The label folders an images folder uses, and the other images folders that use them too. */
export interface FolderLabelDirs {
  imagesDir: string;
  human: LabelDirInfo;
  predicted: LabelDirInfo;
  /** Other folders of images whose labels go to the same folders (which of the two each shares). */
  sharedWith: { path: string; shares: ('human' | 'predicted')[] }[];
}

/** The user's choice of label folders for one images folder; null = found by the rule. */
export interface LabelDirChoice {
  human: string | null;
  predicted: string | null;
}

export type ReviewAction =
  /** Accept the points (as predicted, or as the reviewer moved them). */
  | {
      kind: 'accept';
      imageKey: string;
      coords: Keypoints;
      /**
       * Several dials: the dial the points are on (its index in the prediction's
       * debug_info.detections); the label's `prediction` is then that dial's. Absent: the first.
       */
      dial?: number;
    }
  /** Reject the prediction (kept in `<labels>/rejected/{WATCH_ID}.json`), with a reason if given. */
  | { kind: 'reject'; imageKey: string; reason?: string }
  /** Take a rejection back. */
  | { kind: 'unreject'; imageKey: string };

export interface ExportRequest {
  format: 'coco' | 'yolo-pose';
  /** Only images whose prediction a reviewer corrected (the ones worth retraining on). */
  onlyCorrected: boolean;
  /** Output file (COCO) or folder (YOLO-pose). */
  out: string;
  /**
   * Replace what is at `out` (a file, a folder that is not empty). Without it an export refuses
   * with ALREADY_EXISTS, and the app asks before it sends it.
   */
  overwrite?: boolean;
  /** YOLO-pose: copy the images instead of linking them (default false). */
  copy?: boolean;
  /** YOLO-pose: the share of watch IDs held out for validation (default 0.2). */
  valFraction?: number;
  /** YOLO-pose: the seed of the split (default 0). */
  seed?: number;
}

/** Import a Label Studio export (JSON or JSON-MIN) into the folder's human labels. */
export interface LabelStudioImportRequest {
  /** The export file (absolute path). */
  input: string;
  /** Project labels → keypoints, e.g. `Top=top,Center=center` (else the synonyms). */
  labelMap?: string;
  /** Import labels that lack some of the five keypoints. */
  allowPartial?: boolean;
  /** Import tasks that only have predictions, as predictions. */
  predictions?: boolean;
  /** Merge into label files that exist (default true in the app). */
  merge?: boolean;
}

export interface LabelStudioImportResult {
  imported: number;
  files: number;
  labelsDir: string;
  /** Label files that exist and were left alone (merge: false). */
  clashes: string[];
  /** Tasks that could not be imported, with why. */
  failed: { task: string; message: string }[];
  /** What the import did, in lines (the same as `loupe convert --from label-studio` prints). */
  summary: string[];
}

export interface ExportResult {
  images: number;
  out: string;
  /** Images left out, with why (no dial box, no image file, a format Ultralytics does not load). */
  skipped: { imageKey: string; reason: string }[];
  /** YOLO-pose: images and watch IDs per split. */
  split?: { train: { images: number; watches: number }; val: { images: number; watches: number } };
}
