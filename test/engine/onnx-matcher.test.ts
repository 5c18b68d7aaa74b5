import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { project } from '../../src/core/geometry/homography';
import { ModelCatalog } from '../../src/engine/models/catalog';
import { createOpenCvLoader, fitHomography } from '../../src/engine/match/opencv';
import { OnnxMatcher } from '../../src/engine/match/onnx-matcher';
import { SessionPool } from '../../src/engine/ort/session-pool';
import { FIXTURE_MATCHER_MANIFEST, fixtureMatcherModel } from '../fixtures/onnx-models';
import { tempDir } from '../helpers';

/** A learned matcher through ONNX Runtime, behind the same interface as ORB. */
describe('ONNX matcher adapter', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    tmp = await tempDir();
    await mkdir(join(tmp.path, 'matcher'));
    await writeFile(join(tmp.path, 'matcher', 'model.onnx'), fixtureMatcherModel());
    await writeFile(join(tmp.path, 'matcher', 'model.json'), JSON.stringify(FIXTURE_MATCHER_MANIFEST));
  });
  afterAll(() => tmp.cleanup());

  it('feeds both images at the contract size, filters by confidence and maps points back', async () => {
    const model = await new ModelCatalog().get({ bundled: null, user: [tmp.path] }, 'fixture-matcher');
    expect(model).toMatchObject({ task: 'matcher', layout: 'matches', error: null });
    const pool = new SessionPool({
      env: { platform: 'linux', arch: 'x64', cudaAvailable: false },
      threads: () => 1,
      onFallback: () => undefined,
      now: () => performance.now(),
    });
    const { session } = await pool.acquire(model, 'cpu');
    const matcher = new OnnxMatcher(session, model);
    // Images of 128×96 are fed at 64×64: points come back in their own pixels (×2, ×1.5).
    const img = { data: new Uint8Array(128 * 96).fill(100), width: 128, height: 96 };
    const c = await matcher.match(matcher.prepare(img), matcher.prepare(img));
    expect(c.query).toHaveLength(18); // 24 matches, every fourth under minConfidence 0.5
    expect(c.template[0]).toEqual([10, 6]);
    expect(c.query[0]?.[0]).toBeCloseTo((5 * 0.8 + 12) * 2, 4);
    expect(c.query[0]?.[1]).toBeCloseTo((4 * 0.8 - 7) * 1.5, 4);
    // The matches feed the same robust homography as ORB's.
    const { cv } = await createOpenCvLoader()();
    const fit = fitHomography(cv, c.template, c.query, { threshold: 1 });
    expect(fit?.inlierCount).toBe(18);
    const [x, y] = project(fit!.H, [50, 30]);
    expect(x).toBeCloseTo((25 * 0.8 + 12) * 2, 3);
    expect(y).toBeCloseTo((20 * 0.8 - 7) * 1.5, 3);
    await pool.clear();
  });

  it('refuses a model without a matcher contract', async () => {
    const catalog = new ModelCatalog();
    const model = await catalog.get({ bundled: null, user: [tmp.path] }, 'fixture-matcher');
    expect(
      () => new OnnxMatcher({} as never, { ...model, manifest: { ...model.manifest!, matcher: undefined } }),
    ).toThrow(/matcher contract/);
  });
});
