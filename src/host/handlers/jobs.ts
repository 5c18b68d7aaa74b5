import { z } from 'zod';
import { requireJobGrants } from '../job-grants';
import { verb, type NamespaceVerbs } from '../verb';
import { fromEngine, type HandlerDeps } from './common';

const jobId = z.string({ error: 'a job id is required' }).min(1, 'a job id is required');
const index = z
  .number({ error: 'offset and limit must be non-negative integers' })
  .int('offset and limit must be non-negative integers')
  .min(0, 'offset and limit must be non-negative integers');

/**
 * `jobs:*` (the verbs of JobVerbs, src/shared/jobs.ts): each renderer verb is the engine's
 * `jobs.<verb>` with its arguments as the engine's params. A submitted spec is checked once, by
 * the engine client (the door every host's jobs pass), and its folders against the grants
 * before it leaves for the engine.
 */
export function jobsVerbs(deps: Pick<HandlerDeps, 'engine' | 'grants' | 'labelFolders'>): NamespaceVerbs<'jobs'> {
  const { engine } = deps;
  return {
    'jobs:submit': verb(z.tuple([z.unknown()]), async (spec) =>
      fromEngine(
        engine.submitJob(spec, (valid) => requireJobGrants(valid, deps.grants, (f) => deps.labelFolders.dirs(f))),
      ),
    ),
    'jobs:cancel': verb(z.tuple([jobId]), async (id) => fromEngine(engine.request('jobs.cancel', { jobId: id }))),
    'jobs:pause': verb(z.tuple([jobId]), async (id) => fromEngine(engine.request('jobs.pause', { jobId: id }))),
    'jobs:resume': verb(z.tuple([jobId]), async (id) => fromEngine(engine.request('jobs.resume', { jobId: id }))),
    'jobs:remove': verb(z.tuple([jobId]), async (id) => fromEngine(engine.request('jobs.remove', { jobId: id }))),
    'jobs:list': verb(z.tuple([]), async () => fromEngine(engine.request('jobs.list', null))),
    'jobs:items': verb(z.tuple([jobId, index, index]), async (id, offset, limit) =>
      fromEngine(engine.request('jobs.items', { jobId: id, offset, limit })),
    ),
  };
}
