/**
 * The resume manifest every batch runner keeps beside its outputs: what a rerun may reuse of the
 * runs before it. Each runner stores it in its own progress file (restore-frames'
 * `.loupe-infer.json`, predict-keypoints' `.loupe-predict.json`); the rules are the same for all:
 *
 * - The **config key** says what makes earlier progress reusable (the model, the settings that
 *   change outputs, the input folder). A rerun with another key, or one that asks not to resume,
 *   starts from nothing.
 * - Each item, by its key, is either **done** (with what the runner needs to report it again
 *   without redoing it) or **failed** (with why). The latest outcome replaces the earlier one.
 * - A failure stays recorded until the item is tried again. An item that failed is tried again,
 *   unless the rerun asks to keep failures (`retryFailed: false`): then it is reported failed again
 *   with the reason it had.
 * - Done means done when the runner last wrote it: a runner checks that the output is still there
 *   (`retainDone`, or per item) before it skips the item.
 */

import { isPlainRecord, isRecordOf } from '../guards';

/** The manifest as plain data (what a progress file holds, whatever its layout on disk). */
export interface ResumeState<Done, Failure> {
  configKey: string;
  done: Record<string, Done>;
  failed: Record<string, Failure>;
}

/** The manifest as a JSON file holds it, when the runner keeps it in this shape. */
export interface ResumeManifestFile<Done, Failure> {
  version: 1;
  configKey: string;
  done: Record<string, Done>;
  /** Absent in files written before failures were recorded. */
  failed?: Record<string, Failure>;
}

export interface ResumeOptions {
  /** Reuse the earlier progress (default true). */
  resume?: boolean | undefined;
}

export class ResumeManifest<Done, Failure> {
  private constructor(
    /** What made this progress: a rerun reuses it only under the same key. */
    readonly configKey: string,
    private readonly doneItems: Map<string, Done>,
    private readonly failedItems: Map<string, Failure>,
  ) {}

  /** Nothing done yet. */
  static fresh<D, F>(configKey: string): ResumeManifest<D, F> {
    return new ResumeManifest<D, F>(configKey, new Map(), new Map());
  }

  /**
   * The progress to go on from: `previous` when it was made under the same config key and the
   * rerun resumes, else nothing.
   */
  static resume<D, F>(
    previous: ResumeState<D, F> | null,
    configKey: string,
    options: ResumeOptions = {},
  ): ResumeManifest<D, F> {
    if (options.resume === false || !previous || previous.configKey !== configKey)
      return ResumeManifest.fresh<D, F>(configKey);
    return new ResumeManifest<D, F>(
      configKey,
      new Map(Object.entries(previous.done)),
      new Map(Object.entries(previous.failed)),
    );
  }

  /** What the item left when it was done, if it was. */
  done(key: string): Done | undefined {
    return this.doneItems.get(key);
  }

  /** Why the item failed, if its last outcome was a failure. */
  failure(key: string): Failure | undefined {
    return this.failedItems.get(key);
  }

  /**
   * The failure an item is kept failed with instead of being tried again: only when the rerun
   * asks to keep failures (`retryFailed: false`).
   */
  keptFailure(key: string, retryFailed: boolean | undefined): Failure | undefined {
    return retryFailed === false ? this.failedItems.get(key) : undefined;
  }

  markDone(key: string, value: Done): void {
    this.failedItems.delete(key);
    this.doneItems.set(key, value);
  }

  markFailed(key: string, failure: Failure): void {
    this.doneItems.delete(key);
    this.failedItems.set(key, failure);
  }

  /** Neither done nor failed: tried again on the next run whatever it asks. */
  forget(key: string): void {
    this.doneItems.delete(key);
    this.failedItems.delete(key);
  }

  /** Keep only the done items `keep` accepts (e.g. those whose output is still on disk). */
  retainDone(keep: (key: string, value: Done) => boolean): void {
    for (const [key, value] of this.doneItems) if (!keep(key, value)) this.doneItems.delete(key);
  }

  get doneCount(): number {
    return this.doneItems.size;
  }

  get failedCount(): number {
    return this.failedItems.size;
  }

  /** A copy as plain data, to write: later changes to the manifest do not show in it. */
  toState(): ResumeState<Done, Failure> {
    return {
      configKey: this.configKey,
      done: Object.fromEntries(this.doneItems),
      failed: Object.fromEntries(this.failedItems),
    };
  }

  /** The copy in the file shape of {@link ResumeManifestFile}. */
  toFile(): ResumeManifestFile<Done, Failure> {
    return { version: 1, ...this.toState() };
  }
}

/**
 * Parsed JSON that is a manifest file of version 1 whose done and failed entries the guards
 * accept. Anything else (another version, a hand-edited file, a truncated write) is not progress:
 * the runner starts afresh.
 */
export function isResumeManifestFile<D, F>(
  value: unknown,
  isDone: (v: unknown) => v is D,
  isFailure: (v: unknown) => v is F,
): value is ResumeManifestFile<D, F> {
  return (
    isPlainRecord(value) &&
    value.version === 1 &&
    typeof value.configKey === 'string' &&
    isRecordOf(value.done, isDone) &&
    (value.failed === undefined || isRecordOf(value.failed, isFailure))
  );
}

/** A manifest file's content as the state to resume from (an absent failure map is empty). */
export function stateOfFile<D, F>(file: ResumeManifestFile<D, F>): ResumeState<D, F> {
  return { configKey: file.configKey, done: file.done, failed: file.failed ?? {} };
}
