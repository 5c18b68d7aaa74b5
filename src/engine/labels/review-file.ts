import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isPlainRecord } from '../../core/guards';
import { parseVersionedJson } from '../fs/versioned-json';

/**
 * The predictions folder's review file: which predictions a reviewer rejected (the image stays
 * unlabelled but out of the queue). Written by the host's reviews (host/keypoint-folder.ts);
 * read there and by the predict runner, which never predicts a rejected image again.
 */
export const REVIEW_FILE = '.loupe-review.json';

export interface ReviewFile {
  version: 1;
  /** image key → who rejected it and when. */
  rejected: Record<string, { reviewer: string; at: string }>;
}

function isReviewFile(value: unknown): value is ReviewFile {
  return isPlainRecord(value) && value.version === 1 && isPlainRecord(value.rejected);
}

/** The review file, or an empty one when it is missing, malformed or of another version. */
export function parseReviewFile(text: string | null): ReviewFile {
  return parseVersionedJson(text, isReviewFile) ?? { version: 1, rejected: {} };
}

export async function readReviewFile(predictedDir: string): Promise<ReviewFile> {
  return parseReviewFile(await readFile(join(predictedDir, REVIEW_FILE), 'utf8').catch(() => null));
}
