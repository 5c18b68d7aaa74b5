import { workerData } from 'piscina';
import { matchWorkerEntry, type MatchWorkerData } from './match-task';

/**
 * A match worker thread (piscina loads this file, built as out/main/match-worker.js): one
 * opencv.js instance and one template cache for this thread, created once when the thread
 * starts, then one task per photo. The default export is a promise of the handler (piscina
 * awaits it); the opencv.js module itself is never awaited (it has a `then`).
 */
export default matchWorkerEntry(workerData as MatchWorkerData);
