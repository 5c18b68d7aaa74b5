import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabelFile } from '../../../src/shared/labels';
import type { PipelineResult } from '../../../src/core/keypoints/pipeline';
import { pipelineSettings } from '../../../src/core/keypoints/predict-config';
import { PREDICT_DEFAULTS } from '../../../src/core/keypoints/predict-defaults';
import {
  DEFAULT_RESOLUTIONS,
  decodeAndDetect,
  predictDials,
  templatesFor,
  type TemplateCandidate,
} from '../../../src/engine/keypoints/predictor';
import { createMatchHandler, openWorkerDetector, type MatchHandler } from '../../../src/engine/match/match-task';
import { createOpenCvLoader } from '../../../src/engine/match/opencv';
import { ModelCatalog } from '../../../src/engine/models/catalog';
import type { SessionHandle } from '../../../src/engine/ort/session-pool';
import { sampleTruth, writeTwoDialPhoto } from '../../fixtures/sample-truth';
import { repoRoot, tempDir } from '../../helpers';

const samples = join(repoRoot, 'resources', 'samples');
const detectorPath = join(repoRoot, 'resources', 'models', 'loupe-dial-pose', 'model.onnx');

/** A result without its timings (the only thing that differs between two runs of one photo). */
function stable(r: PipelineResult): unknown {
  const { timings_ms: _t, ...debug } = r.debug;
  return { ...r, debug };
}

/**
 * A predict worker's two kinds of task (real opencv.js, the bundled detector on real ONNX Runtime
 * sessions, the bundled sample photos): a whole photo decoded, detected and matched in the worker
 * (`predict`, the CPU case) gives the same dials as the engine detecting and the worker only
 * matching (`run`, the accelerator case), with a detector session of 1 intra-op thread against 2.
 */
describe('match worker tasks: predict (worker detects) = run (engine detects)', () => {
  let handler: MatchHandler;
  let engineDetector: SessionHandle;
  let workerDetector: SessionHandle;
  const candidates: TemplateCandidate[] = [];
  const config = pipelineSettings(PREDICT_DEFAULTS.config);
  let model: Awaited<ReturnType<ModelCatalog['describe']>>;
  let tmp: { path: string; cleanup: () => Promise<void> };
  let pair: string;

  beforeAll(async () => {
    model = await new ModelCatalog().describe(detectorPath, 'bundled');
    tmp = await tempDir('loupe-match-task-');
    pair = join(tmp.path, 'HALDEN_tonneau_001_90_pair.jpg');
    await writeTwoDialPhoto(pair, 'HALDEN_tonneau_001_02', 'HALDEN_tonneau_001_04', await sampleTruth());
    const data = {
      matcher: { type: 'orb' as const, maxFeatures: 1000, ratio: 0.7 },
      resolutions: DEFAULT_RESOLUTIONS,
      margin: 0.15,
      templateBudgetBytes: 64 * 1024 * 1024,
      detector: { model, keypoints: null, threads: 1 },
    };
    [engineDetector, workerDetector] = await Promise.all([
      openWorkerDetector({ ...data.detector, threads: 2 }),
      openWorkerDetector(data.detector),
    ]);
    handler = await createMatchHandler(data, createOpenCvLoader(), workerDetector);
    for (const f of (await readdir(join(samples, 'alignment_labels'))).filter((n) => n.endsWith('.json'))) {
      const labels = JSON.parse(await readFile(join(samples, 'alignment_labels', f), 'utf8')) as LabelFile;
      for (const [key, record] of Object.entries(labels)) {
        candidates.push({
          key,
          path: join(samples, 'watches', record.full_image_name),
          watchId: f.replace(/\.json$/, ''),
          templateModel: null,
          record,
          coords: record.coords_norm,
          size: record.image_size,
        });
      }
    }
  }, 120_000);
  afterAll(async () => {
    await handler?.close();
    await engineDetector?.session.release();
    await workerDetector?.session.release();
    await tmp?.cleanup();
  });

  it('gives the same records for photos of several watches, several dials included', async () => {
    const photos = (await readdir(join(samples, 'watches')))
      .filter((n) => n.endsWith('.jpg') && !candidates.some((c) => c.record.full_image_name === n))
      .sort()
      .filter((_, i) => i % 6 === 0)
      .map((n) => join(samples, 'watches', n));
    expect(photos.length).toBeGreaterThanOrEqual(6);
    let full = 0;
    let several = 0;
    for (const path of [...photos, pair]) {
      const name = basename(path);
      const watchId = name.split('_').slice(0, 3).join('_');
      const input = {
        path,
        imageKey: name.replace(/\.jpg$/, ''),
        watchId,
        templateModel: null,
      };
      const templates = templatesFor(input, candidates, config.maxTemplates);
      const whole = await handler.predict({ kind: 'predict', path: input.path, templates, watchId, config });
      if (!whole.ok) throw new Error(whole.error.message);
      // The engine's half on its own session, then the worker's matching half, dial by dial.
      const detected = await decodeAndDetect(input, {
        detector: { handle: engineDetector, model, keypoints: null },
        config,
        resolutions: DEFAULT_RESOLUTIONS,
      });
      const { img } = detected;
      const split = await predictDials(detected.detections, config, async (detections, cfg) => {
        const image = { ...img, gray: img.gray.slice() } as Partial<typeof img>;
        delete image.rgb;
        const o = await handler.run({
          kind: 'match',
          image: image as Parameters<MatchHandler['run']>[0]['image'],
          detections,
          templates,
          watchId,
          config: { ...config, ...cfg },
        });
        if (!o.ok) throw new Error(o.error.message);
        return o.value;
      });
      const photo = whole.value;
      expect(photo.size, name).toEqual([img.width, img.height]);
      expect(stable(photo.results.result), name).toEqual(stable(split.result));
      expect(
        photo.results.dials.map((d) => d.detection),
        name,
      ).toEqual(split.dials.map((d) => d.detection));
      expect(
        photo.results.dials.map((d) => stable(d.result)),
        name,
      ).toEqual(split.dials.map((d) => stable(d.result)));
      expect(photo.detectorRunMs).toBeGreaterThan(0);
      if (photo.results.result.tier === 'full') full++;
      if (photo.results.dials.length > 1) several++;
    }
    expect(full).toBeGreaterThan(photos.length / 2);
    expect(several).toBeGreaterThanOrEqual(1);
  }, 300_000);

  it('a handler without a detector refuses a whole photo, with a typed error', async () => {
    const plain = await createMatchHandler(
      {
        matcher: { type: 'orb', maxFeatures: 1000, ratio: 0.7 },
        resolutions: DEFAULT_RESOLUTIONS,
        margin: 0.15,
        templateBudgetBytes: 1 << 20,
      },
      createOpenCvLoader(),
    );
    const o = await plain.predict({
      kind: 'predict',
      path: join(samples, 'watches', 'x.jpg'),
      templates: [],
      watchId: 'x',
      config,
    });
    expect(o.ok).toBe(false);
    if (!o.ok) expect(o.error.code).toBe('INTERNAL');
    await plain.close();
  }, 120_000);

  it('says which model failed to load when a worker cannot open the detector', async () => {
    await expect(
      openWorkerDetector({ model: { ...model, path: join(samples, 'missing.onnx') }, keypoints: null, threads: 1 }),
    ).rejects.toMatchObject({
      error: { code: 'MODEL_LOAD_FAILED' },
    });
  });
});
