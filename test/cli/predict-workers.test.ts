import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PredictKeypointsResult } from '../../src/shared/jobs';
import type { LabelFile } from '../../src/shared/labels';
import { repoRoot, tempDir } from '../helpers';

/**
 * `loupe predict --workers N` (the built CLI, a real engine process, real match worker threads
 * through piscina, the bundled detector and opencv.js): any N writes the same records.
 */
const bin = join(repoRoot, 'bin', 'loupe.js');
const samples = join(repoRoot, 'resources', 'samples');

/** Every record of a predictions folder, without what differs between runs (times). */
async function stableOutputs(dir: string): Promise<{ files: string[]; records: LabelFile }> {
  const files = (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  const records: LabelFile = {};
  for (const f of files) {
    const labels = JSON.parse(await readFile(join(dir, f), 'utf8')) as LabelFile;
    for (const [key, r] of Object.entries(labels)) {
      const { timings_ms: _t, ...debug } = (r.debug_info ?? {}) as Record<string, unknown>;
      records[key] = { ...r, timestamp: '', debug_info: debug as LabelFile[string]['debug_info'] };
    }
  }
  return { files, records };
}

describe('loupe predict --workers', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    tmp = await tempDir('loupe-predict-workers-');
  });
  afterAll(() => tmp.cleanup());

  /** `loupe predict` of a folder into `out`; it must exit 0, and its JSON summary is returned. */
  const predictIn = (run: { images: string; labels: string; out: string; timeoutMs: number }, ...extra: string[]) => {
    const r = spawnSync(
      process.execPath,
      [
        bin,
        'predict',
        '--images-dir',
        run.images,
        '--labels-dir',
        run.labels,
        '--output-dir',
        run.out,
        '--data-dir',
        join(tmp.path, 'data'),
        '--json',
        ...extra,
      ],
      { encoding: 'utf8', timeout: run.timeoutMs },
    );
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as PredictKeypointsResult;
  };
  const predict = (out: string, ...extra: string[]) =>
    predictIn(
      { images: join(samples, 'watches'), labels: join(samples, 'alignment_labels'), out, timeoutMs: 300_000 },
      ...extra,
    );

  it('writes the same records and files with 1 and 2 match workers, and says how many ran', async () => {
    const one = join(tmp.path, 'w1');
    const two = join(tmp.path, 'w2');
    const s1 = predict(one, '--workers', '1', '--checkpoint-freq', '3');
    const s2 = predict(two, '--workers', '2', '--checkpoint-freq', '3');
    expect(s1.predicted).toBeGreaterThan(40);
    const same = (s: PredictKeypointsResult) => ({ ...s, outputDir: '', elapsedMs: 0 });
    expect(same(s2)).toEqual(same(s1));
    const [a, b] = [await stableOutputs(one), await stableOutputs(two)];
    expect(b.files).toEqual(a.files);
    expect(Object.keys(b.records).sort()).toEqual(Object.keys(a.records).sort());
    for (const key of Object.keys(a.records)) expect(b.records[key], key).toEqual(a.records[key]);
    // The records were matched in worker threads, not in the engine's thread.
    expect(await readFile(join(one, 'predict.log'), 'utf8')).toMatch(/main thread: busy .*, 1 match workers/);
    expect(await readFile(join(two, 'predict.log'), 'utf8')).toMatch(/main thread: busy .*, 2 match workers/);
    // The detector runs on the CPU here, so each worker has its own session and takes whole photos.
    expect(await readFile(join(two, 'predict.log'), 'utf8')).toMatch(
      /2 match workers, each decoding and detecting too/,
    );
  }, 600_000);

  it('ends cleanly when the run is over before its workers have opened their detectors', async () => {
    // The only photo fails at once, so the pool closes while each worker is still creating or
    // warming up its detector session; terminating a thread inside that call used to abort the
    // engine (SIGABRT, about one run in three here). Eight runs: a regression passes them by chance
    // about once in twenty-five.
    const images = join(tmp.path, 'instant-images');
    const labels = join(tmp.path, 'instant-labels');
    await mkdir(images);
    await mkdir(labels);
    await writeFile(join(images, 'ORBIS_nab_001_03_tiltface_q3.jpg'), 'not a photo\n');
    for (let i = 0; i < 8; i++) {
      const out = join(tmp.path, `instant-${i}`);
      const summary = predictIn({ images, labels, out, timeoutMs: 120_000 }, '--workers', '2');
      expect(summary).toMatchObject({ failed: 1, predicted: 0 });
    }
  }, 600_000);

  it('refuses a --workers that is not a positive integer', () => {
    const r = spawnSync(process.execPath, [bin, 'predict', '--workers', '0'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--workers must be an integer from 1 to 256/);
  });
});
