import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isoTimestamp } from '../../../core/format';

export const LOG_FILE = 'predict.log';

/**
 * What a line is about, for a cluster shard that keeps predict.log's lines for the merge: an
 * image (its line goes in the image's place: after the image `after`, when it was held back for
 * its watch's sibling pass and so written after that watch's last image), the `start:` line
 * (whose "N already done" the merge sums), or `process`: this process's own resource and timing
 * figures (template cache, main-thread load), which stay in the shard's log and are not part of
 * the merged predict.log.
 */
export type LogTag =
  { image: { key: string; rel: string; after?: string } } | { start: { already: number } } | { process: true };

/** A line appended to the output folder's predict.log. */
export type PredictLog = (line: string, tag?: LogTag) => Promise<void>;

/**
 * The run's log file: one timestamped line per event. A log that cannot be written never stops
 * the batch (the outputs and the job's items say the same).
 */
export function predictLog(outputDir: string, now: () => number): PredictLog {
  return async (line) => {
    await appendFile(join(outputDir, LOG_FILE), `${isoTimestamp(now())} ${line}\n`).catch(() => undefined);
  };
}
