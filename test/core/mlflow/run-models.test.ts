import { describe, expect, it } from 'vitest';
import {
  chooseRunModel,
  classifyTorchArchive,
  findRunModels,
  nestedRunCounts,
  rankTorchFiles,
  type LocatedModels,
} from '../../../src/core/mlflow/run-models';

const files = (...paths: string[]) => paths.map((path) => ({ path, size: 10 }));
const pytorchMlmodel = {
  flavors: {
    python_function: {
      loader_module: 'mlflow.pytorch',
      pickle_module_name: 'mlflow.pytorch.pickle_module',
      code: 'code',
    },
    pytorch: { model_data: 'data', pytorch_version: '2.3.1', code: 'code' },
  },
};
const reader = (specs: Record<string, unknown>) => async (p: string) => (specs[p] as Record<string, unknown>) ?? null;
const place = (found: LocatedModels['found'], note: string | null = null): LocatedModels => ({
  source: 'run-artifacts',
  id: null,
  found,
  note,
});

describe('the models a run holds', () => {
  it('reads MLmodel flavors: onnx, pytorch (with its code/ and pickle module), and others', async () => {
    const found = await findRunModels(
      files(
        'model/MLmodel',
        'model/data/model.pth',
        'model/data/pickle_module_info.txt',
        'model/code/nets.py',
        'sk/MLmodel',
        'sk/model.pkl',
      ),
      reader({ 'model/MLmodel': pytorchMlmodel, 'sk/MLmodel': { flavors: { sklearn: {}, python_function: {} } } }),
    );
    expect(found.models).toEqual([
      {
        kind: 'mlflow-pytorch',
        dir: 'model',
        mlmodel: 'model/MLmodel',
        flavor: {
          modelData: 'data',
          pytorchVersion: '2.3.1',
          code: 'code',
          pickleModule: 'mlflow.pytorch.pickle_module',
        },
      },
    ]);
    expect(found.unsupported).toEqual([{ mlmodel: 'sk/MLmodel', flavors: ['sklearn', 'python_function'] }]);
  });

  it('prefers ONNX, then an MLflow model, then TorchScript, then checkpoints (best first)', async () => {
    const kinds: Record<string, 'torchscript' | 'checkpoint'> = {
      'ckpt/epoch_3.pth': 'checkpoint',
      'ckpt/best_model.pth': 'checkpoint',
      'scripted.pt': 'torchscript',
    };
    const found = await findRunModels(
      files(
        'ckpt/epoch_3.pth',
        'ckpt/best_model.pth',
        'scripted.pt',
        'onnx/model.onnx',
        'model/MLmodel',
        'model/data/model.pth',
      ),
      reader({ 'model/MLmodel': pytorchMlmodel }),
      async (p) => kinds[p] ?? null,
    );
    expect(found.models.map((m) => ('file' in m ? m.file : m.dir))).toEqual([
      'onnx/model.onnx',
      'model',
      'scripted.pt',
      'ckpt/best_model.pth',
      'ckpt/epoch_3.pth',
    ]);
  });

  it('ranks checkpoints as a user means them: best, final, last, then the highest epoch', () => {
    expect(
      rankTorchFiles(files('e/epoch_2.pth', 'e/epoch_10.pth', 'e/last.pth', 'e/model_final.ckpt', 'e/best.pt')).map(
        (f) => f.path,
      ),
    ).toEqual(['e/best.pt', 'e/model_final.ckpt', 'e/last.pth', 'e/epoch_10.pth', 'e/epoch_2.pth']);
  });

  it('tells TorchScript, checkpoints and pickled modules apart from the archive, without unpickling', () => {
    const pkl = (s: string) => new TextEncoder().encode(s);
    expect(classifyTorchArchive(['m/data.pkl', 'm/constants.pkl', 'm/code/__torch__/x.py'], null)).toBe('torchscript');
    expect(classifyTorchArchive(['m/data.pkl'], pkl('\x80\x02}q\x00(X\x10\x00\x00\x00model_state_dictq'))).toBe(
      'checkpoint',
    );
    expect(classifyTorchArchive(['m/data.pkl'], pkl('ctorch.nn.modules.conv\nConv2d\nq'))).toBe('pickled-model');
    expect(
      classifyTorchArchive(
        ['m/data.pkl'],
        pkl('cnets\nNet\nq\x00)\x81}(X\x0b\x00\x00\x00_parametersq\x01X\x08\x00\x00\x00_modules'),
      ),
    ).toBe('pickled-model');
    expect(
      classifyTorchArchive(
        ['m/data.pkl'],
        pkl('ccollections\nOrderedDict\nq\x00)Rq\x01ctorch._utils\n_rebuild_tensor_v2'),
      ),
    ).toBe('checkpoint');
    expect(classifyTorchArchive(['m/data.pkl'], null)).toBe('torch-file');
  });

  it('gives each run without a runnable model the status that says why', () => {
    const empty = { models: [], unsupported: [], missing: null };
    expect(chooseRunModel([place(empty, 'no artifacts')], { status: 'FAILED' }, 0)).toEqual({
      ok: false,
      status: 'skipped',
      reason: 'run failed: no artifacts',
    });
    expect(
      chooseRunModel(
        [place({ ...empty, missing: { mlmodel: 'model/MLmodel', file: 'model.onnx' } })],
        { status: 'FINISHED' },
        0,
      ),
    ).toEqual({ ok: false, status: 'download_failed', reason: 'model/MLmodel declares model.onnx, which is missing' });
    expect(chooseRunModel([place(empty)], { status: 'FINISHED' }, 3)).toEqual({
      ok: false,
      status: 'skipped',
      reason: 'a parent run of 3 nested runs, with no model of its own',
    });
    expect(
      chooseRunModel(
        [place({ ...empty, unsupported: [{ mlmodel: 'm/MLmodel', flavors: ['sklearn'] }] })],
        { status: 'FINISHED' },
        0,
      ),
    ).toMatchObject({ ok: false, status: 'unsupported_format', reason: expect.stringMatching(/sklearn flavor/) });
    expect(chooseRunModel([place(empty, 'its artifacts hold none')], { status: 'FINISHED' }, 0)).toEqual({
      ok: false,
      status: 'skipped',
      reason: 'the run logged no model (its artifacts hold none)',
    });
  });

  it('counts nested runs by their parent tag', () => {
    const n = nestedRunCounts([
      { tags: { 'mlflow.parentRunId': 'p' } },
      { tags: { 'mlflow.parentRunId': 'p' } },
      { tags: {} },
    ]);
    expect([...n]).toEqual([['p', 2]]);
  });
});
