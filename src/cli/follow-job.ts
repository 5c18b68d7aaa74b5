import type { EngineEvent } from '../shared/events';
import type { JobSnapshot } from '../shared/jobs';
import type { Host } from '../host/host';
import { isFinished } from '../core/jobs/job-record';

export interface FollowJobOptions {
  /** Registers what Ctrl-C does (the CLI's signal handler). */
  onInterrupt: (stop: () => void) => void;
  /** Printed when Ctrl-C asks the job to stop. */
  stopping: string;
  /** Progress lines go here (stderr under --json). */
  progressOut: (s: string) => void;
  /** Every engine event while the job runs (item results, logs). */
  onEvent?: (event: EngineEvent) => void;
  /** Each progress snapshot of this job, the last one included. */
  onProgress?: (job: JobSnapshot, finished: boolean) => void;
}

/**
 * Follows a submitted job to its end: progress and events to the callbacks, Ctrl-C cancels it
 * (the engine stops after the current item and keeps what is done), an engine crash ends it as
 * failed. Resolves with the final snapshot.
 */
export function followJob(host: Host, submitted: JobSnapshot, o: FollowJobOptions): Promise<JobSnapshot> {
  const jobId = submitted.id;
  const warned = new Set<string>();
  return new Promise<JobSnapshot>((resolveFinal) => {
    o.onInterrupt(() => {
      o.progressOut(`\n${o.stopping}\n`);
      void host.engine.request('jobs.cancel', { jobId });
    });
    const unsubscribe = host.engine.subscribe((event) => {
      if (event.name === 'engine:status' && event.payload.state === 'crashed') {
        unsubscribe();
        resolveFinal({ ...submitted, status: 'failed', error: event.payload.error ?? null });
        return;
      }
      o.onEvent?.(event);
      if (event.name !== 'job:progress' || event.payload.id !== jobId) return;
      const job = event.payload;
      // Warnings beside the items (e.g. the job journal could not be written), each said once.
      for (const w of job.warnings ?? []) {
        if (warned.has(w.message)) continue;
        warned.add(w.message);
        o.progressOut(`warning: ${w.message}\n`);
      }
      const finished = isFinished(job.status);
      o.onProgress?.(job, finished);
      if (finished) {
        unsubscribe();
        resolveFinal(job);
      }
    });
  });
}
