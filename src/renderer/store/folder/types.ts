import type { StateCreator } from 'zustand';
import type { PixelKeypoints, PixelPoint } from '../../../core/geometry/dial';
import type { ReviewFilters, ReviewItem, TierFilter } from '../../../core/keypoints/review-list';
import type { AppApi, OpenedFolder } from '../../../shared/ipc';
import type { JobItem, JobSnapshot } from '../../../shared/jobs';
import type { KeypointName, LabelProblem, LabelRecord } from '../../../shared/labels';
import type { NamingSummary, ReviewEntry, ReviewState } from '../../../shared/review';
import type { Settings } from '../../../shared/settings';
import type { HistoryControl, UndoSlice } from '../undo';

/** What a folder store needs from outside: the API, the folder, the current settings, a way to tell the user. */
export interface FolderDeps {
  api: AppApi;
  folder: OpenedFolder;
  settings: () => Settings | null;
  notify: (kind: 'error' | 'info', message: string) => void;
  /**
   * Before the first review: make sure the reviewer has a name (labels carry it as `annotator`);
   * false when they declined, and nothing is written. Absent: reviews go ahead as they are.
   */
  confirmReviewer?: () => Promise<boolean>;
}

/** What every slice gets: the deps, and a way to release subscriptions when the folder closes. */
export interface SliceDeps extends FolderDeps {
  onDispose: (release: () => void) => void;
}

/** Reading the folder: the scan job's images, their thumbnails and displayed sizes. */
export interface ScanSlice {
  folder: OpenedFolder;
  scanJobId: string | null;
  /** image path → cached thumbnail path. */
  thumbs: Record<string, string>;
  /** image path → why its thumbnail could not be made (the file's header read, its pixels did not). */
  thumbErrors: Record<string, string>;
  /** image path → displayed size. */
  sizes: Record<string, [number, number]>;
  scanned: number;
  unnamed: number;
  failures: JobItem<'scan-images'>[];
  scanError: string | null;
  /** Attach to the newest usable scan of this folder, or start one (always, with `rescan`). */
  startScan: (jobs: readonly JobSnapshot[], rescan?: boolean) => Promise<void>;
  /**
   * Have the engine make an image's thumbnail (a grid cell came on screen) and record its path;
   * once per image, a no-op when the scan already named one.
   */
  ensureThumbnail: (path: string) => void;
}

/** The labels: every image with its human label, prediction and review state. */
export interface ReviewSlice {
  loadState: 'loading' | 'ready' | 'error';
  loadError: string | null;
  labelsDir: string | null;
  predictedDir: string | null;
  problems: LabelProblem[];
  /** How the names met the naming pattern at the last load (null before it). */
  naming: NamingSummary | null;
  /** imageKey → item. Replaced (not mutated) on every change. */
  items: Record<string, ReviewItem>;
  reload: () => Promise<void>;
  /** Predictions as the predict job reports them. */
  applyPredictions: (records: { imageKey: string; record: LabelRecord }[]) => void;
}

/** The predict job of this folder. */
export interface PredictSlice {
  predictJobId: string | null;
  /** The background re-predicts after reviews that this folder started or found running. */
  relabelJobIds: string[];
  /** Submit a predict job with the current settings (images without a human label or prediction). */
  predict: () => Promise<void>;
  /** Follow the newest predict job of this folder, if there is one, and its running re-predicts. */
  attachPredict: (jobs: readonly JobSnapshot[]) => void;
  /**
   * A human label was saved: predict again, in the background, the images of its watch ID (then
   * of its template model) whose prediction did not come from a template of their own watch
   * (a predict-keypoints job with `relabelFrom`; the engine decides which, and never touches
   * human labels or reviewed items). Saves close together go in one job.
   */
  relabel: (entry: ReviewEntry) => void;
}

export interface FilterSlice {
  filters: ReviewFilters;
  setFilters: (patch: Partial<ReviewFilters>) => void;
  toggleTier: (tier: TierFilter) => void;
  toggleState: (state: ReviewState) => void;
  clearFilters: () => void;
  /** The grid's images in order (memoised on items and filters: a stable reference). */
  visible: () => ReviewItem[];
}

export interface EditorSlice {
  /** The image open in the editor. */
  current: string | null;
  /** Its points in image pixels (the undoable document). */
  draft: PixelKeypoints | null;
  /** Unsaved edits of images the reviewer moved away from. */
  drafts: Record<string, PixelKeypoints>;
  selected: KeypointName | null;
  busy: boolean;
  open: (imageKey: string | null) => void;
  close: () => void;
  select: (name: KeypointName | null) => void;
  /** Tab / Shift+Tab. */
  cycle: (direction: 1 | -1) => void;
  move: (name: KeypointName, to: PixelPoint) => void;
  /** Arrow keys: move the selected point by (dx, dy) image pixels. */
  nudge: (dx: number, dy: number) => void;
  /** R: the selected point back to the prediction; Shift+R (`all`): every point. */
  reset: (all: boolean) => void;
  /**
   * Several dials in the photo: put the points on another dial (its index in the prediction's
   * debug_info.detections, or the next / previous one), as one undoable edit.
   */
  switchDial: (to: number | 'next' | 'previous') => void;
  beginDrag: () => void;
  endDrag: () => void;
  /** ←/→: the previous or next image of the grid's order. */
  step: (delta: 1 | -1) => void;
  /** Enter: write the label (as predicted or corrected), then the next image. */
  accept: () => Promise<boolean>;
  /** Backspace: mark the prediction wrong, then the next image. */
  reject: () => Promise<boolean>;
  unreject: () => Promise<boolean>;
}

export interface LifecycleSlice {
  /** Stop every subscription (the folder was closed). */
  dispose: () => void;
}

export type FolderState = ScanSlice &
  ReviewSlice &
  PredictSlice &
  FilterSlice &
  EditorSlice &
  LifecycleSlice &
  UndoSlice;

type SetState = Parameters<StateCreator<FolderState>>[0];
export type FolderSlice<T> = (set: SetState, get: () => FolderState, deps: SliceDeps, history: HistoryControl) => T;
