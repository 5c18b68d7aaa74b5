import { z } from 'zod';
import { RUN_STATUSES } from '../../shared/mlflow';
import { verb, type NamespaceVerbs } from '../verb';
import { fromEngine, text, type HandlerDeps } from './common';

const trackingUri = text('an MLflow tracking URI (a mlruns folder or http[s] URL) is required');

const runsQuery = z.object(
  {
    uri: trackingUri,
    experiment: text('an experiment name is required'),
    status: z.enum(RUN_STATUSES, { error: `status is one of ${RUN_STATUSES.join(', ')}, or null` }).nullish(),
    maxRuns: z.number({ error: 'maxRuns is a number of runs' }).optional(),
  },
  { error: 'an MLflow tracking URI (a mlruns folder or http[s] URL) is required' },
);

/** `mlflow:*`: an experiment's runs (with what model each holds), a store's experiments. */
export function mlflowVerbs(deps: Pick<HandlerDeps, 'engine'>): NamespaceVerbs<'mlflow'> {
  return {
    'mlflow:runs': verb(z.tuple([runsQuery]), async (query) => fromEngine(deps.engine.request('mlflow.runs', query))),
    'mlflow:experiments': verb(z.tuple([text('a tracking URI is required')]), async (uri) =>
      fromEngine(deps.engine.request('mlflow.experiments', { uri })),
    ),
  };
}
