import { describe, expectTypeOf, it } from 'vitest';
import type { ENGINE_EVENT_NAMES, EngineEventMap, EngineEventName } from '../../src/shared/events';
import type { ENGINE_METHODS, EngineMethod, EngineMethods, EngineParams } from '../../src/shared/engine-protocol';
import type { AppApi, InvokeApi, IPC_CHANNELS, IpcChannel, IpcContract, IpcParams, Verb } from '../../src/shared/ipc';
import type { JOB_VERBS, JobSnapshot, JobVerb, JobVerbs } from '../../src/shared/jobs';
import type { Result } from '../../src/shared/result';

describe('the IPC contract', () => {
  it('lists exactly the channels the constants name', () => {
    expectTypeOf<keyof IpcContract>().toEqualTypeOf<IpcChannel>();
    expectTypeOf<(typeof IPC_CHANNELS)[keyof typeof IPC_CHANNELS]>().toEqualTypeOf<keyof IpcContract>();
  });

  it('derives the renderer API from the channels', () => {
    expectTypeOf<InvokeApi['jobs']['submit']>().toEqualTypeOf<Verb<'jobs:submit'>>();
    expectTypeOf<AppApi['jobs']['pause']>().parameters.toEqualTypeOf<[jobId: string]>();
    expectTypeOf<ReturnType<AppApi['jobs']['pause']>>().toEqualTypeOf<Promise<Result<JobSnapshot>>>();
    expectTypeOf<keyof InvokeApi>().toEqualTypeOf<
      | 'app'
      | 'settings'
      | 'folders'
      | 'models'
      | 'images'
      | 'mlflow'
      | 'python'
      | 'compare'
      | 'cluster'
      | 'jobs'
      | 'keypoints'
    >();
    // A namespace shared with the host-specific half keeps both: verbs and the URL builder.
    expectTypeOf<AppApi['images']['view']>().toEqualTypeOf<Verb<'images:view'>>();
    expectTypeOf<AppApi['images']['url']>().toEqualTypeOf<(path: string) => string>();
  });

  it('lists the engine methods and events the maps define', () => {
    expectTypeOf<(typeof ENGINE_METHODS)[number]>().toEqualTypeOf<EngineMethod>();
    expectTypeOf<keyof EngineMethods>().toEqualTypeOf<(typeof ENGINE_METHODS)[number]>();
    expectTypeOf<(typeof ENGINE_EVENT_NAMES)[number]>().toEqualTypeOf<EngineEventName>();
    expectTypeOf<keyof EngineEventMap>().toEqualTypeOf<(typeof ENGINE_EVENT_NAMES)[number]>();
  });

  it('derives the job verbs of both contracts from JobVerbs', () => {
    expectTypeOf<(typeof JOB_VERBS)[number]>().toEqualTypeOf<JobVerb>();
    expectTypeOf<Extract<IpcChannel, `jobs:${string}`>>().toEqualTypeOf<`jobs:${JobVerb}`>();
    expectTypeOf<Extract<EngineMethod, `jobs.${string}`>>().toEqualTypeOf<`jobs.${JobVerb}`>();
    expectTypeOf<IpcParams<'jobs:items'>>().toEqualTypeOf<JobVerbs['items']['args']>();
    expectTypeOf<EngineParams<'jobs.items'>>().toEqualTypeOf<JobVerbs['items']['params']>();
    expectTypeOf<(typeof IPC_CHANNELS)['JOBS_ITEMS']>().toEqualTypeOf<'jobs:items'>();
  });
});
