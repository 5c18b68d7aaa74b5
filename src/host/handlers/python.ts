import { z } from 'zod';
import { verb, type NamespaceVerbs } from '../verb';
import { fromEngine, text, type HandlerDeps } from './common';

/** `python:*`: the Python that exports PyTorch models, probed afresh. */
export function pythonVerbs(deps: Pick<HandlerDeps, 'engine'>): NamespaceVerbs<'python'> {
  return {
    'python:check': verb(z.tuple([text('a Python is a path or a command name').optional()]), async (python) =>
      fromEngine(deps.engine.request('python.check', { ...(python ? { python: python.trim() } : {}), fresh: true })),
    ),
  };
}
