/**
 * Calibrated confidence (issue 17 item 2): fits src/core/keypoints/calibration-table.ts, the map
 * from each method's raw score and sanity features to P(error ≤ 2 % of the dial diameter), and
 * reports its reliability on held-out watches. `npm run calibrate` (the CLI must be built).
 *
 * Observations: the real pipeline (`loupe predict`, the bundled ONNX detector) over the project's
 * evaluation sets with exact truth, with and without templates so every method gets data:
 *   - the bundled samples (resources/samples, training/make_samples.py: 6 watch IDs × 10 views):
 *     once with no labels (pose and box fallbacks), once with the first view of each watch
 *     labelled from the truth (template fits of the other nine);
 *     and once with the fourth (tilted) view as the template instead, as a reviewer might pick;
 *   - warps of the real photos in /work/shared/data/watches (bench/make_keypoint_evalset.py,
 *     9 IDs × 12 warps + the photo, seeds 15 (the default, as the other benches) and 16): once
 *     with no labels, once with the photo as the template;
 *   - the samples and the seed-15 warps again with a detector threshold no box reaches (conf 1):
 *     the whole-photo template fit with templates, the geometric default without.
 * Each prediction's debug_info.calibration_input and its error against the truth go to
 * bench/calibration/observations.json (committed: the table is a pure function of it, which
 * test/core/keypoints/calibration.test.ts checks). LOUPE_CALIBRATE_REFIT=1 refits from that file
 * without predicting. Only `npm run calibrate` (or LOUPE_CALIBRATE_WRITE=1) writes the two files.
 *
 * Reported (stdout and $TMPDIR/loupe-bench-calibrate.md): per method the held-out Brier score of
 * each candidate and the one chosen; over all predictions, raw score vs held-out calibrated
 * probability: Brier, ECE and the ten-bin reliability table (folds by watch ID: no watch is
 * scored by a fit that saw it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';
import { ensureEvalset, PHOTOS } from './evalset';
import type { LabelFile } from '../src/shared/labels';
import {
  brier,
  ece,
  fitCalibration,
  isRight,
  METHODS,
  observationsId,
  reliability,
  type CalibrationInput,
  type Observation,
  type ReliabilityBin,
} from '../src/core/keypoints/calibration';
import { copySamplePhotos, errorPercent, sampleTruth, writeTruthLabels } from '../test/fixtures/sample-truth';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'loupe.js');
const OBSERVATIONS = join(root, 'bench', 'calibration', 'observations.json');
const TABLE = join(root, 'src', 'core', 'keypoints', 'calibration-table.ts');
const PER_ID = 12;
const SEEDS = [15, 16];

const watchOf = (key: string): string => key.replace(/_\d+$/, '');

async function readOutputs(dir: string): Promise<LabelFile> {
  const all: LabelFile = {};
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.')))
    Object.assign(all, JSON.parse(await readFile(join(dir, f), 'utf8')) as LabelFile);
  return all;
}

/** One `loupe predict` run into a fresh output folder; its predictions as observations. */
async function observe(
  set: string,
  images: string,
  labels: string,
  truth: LabelFile,
  work: string,
  run: string,
  extra: readonly string[] = [],
): Promise<Observation[]> {
  const out = join(work, `out-${run}`);
  await rm(out, { recursive: true, force: true });
  await mkdir(labels, { recursive: true });
  const r = spawnSync(
    process.execPath,
    [bin, 'predict', '--images-dir', images, '--labels-dir', labels, '--output-dir', out].concat(
      ['--data-dir', join(work, 'data'), '--json'],
      extra,
    ),
    { encoding: 'utf8', timeout: 1_200_000 },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  const predicted = await readOutputs(out);
  const obs: Observation[] = [];
  for (const [key, rec] of Object.entries(predicted)) {
    const t = truth[key];
    const input = rec.debug_info?.calibration_input as CalibrationInput | undefined;
    if (!t || !input) continue;
    obs.push({
      image: `${set}/${run}/${key}`,
      // Warps of one photo are one watch whatever the seed: never split between fit and test.
      group: `${set.replace(/-seed\d+$/, '')}/${watchOf(key)}`,
      ...input,
      errorPct: Math.round(errorPercent(rec, t) * 1e4) / 1e4,
    });
  }
  return obs.sort((a, b) => a.image.localeCompare(b.image, 'en', { numeric: true }));
}

async function collect(): Promise<Observation[]> {
  const work = join(tmpdir(), 'loupe-bench-calibrate');
  await mkdir(work, { recursive: true });
  const obs: Observation[] = [];

  // The samples: no labels, then the first view of each watch labelled from the truth.
  const truth = await sampleTruth();
  const sImages = join(work, 'samples', 'images');
  await rm(join(work, 'samples'), { recursive: true, force: true });
  await copySamplePhotos(sImages);
  obs.push(...(await observe('samples', sImages, join(work, 'samples', 'none'), truth, work, 'no-labels')));
  const keys = Object.keys(truth).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const firsts = [...new Set(keys.map(watchOf))].map((w) => keys.find((k) => watchOf(k) === w)!);
  const sLabels = join(work, 'samples', 'labels');
  await writeTruthLabels(sLabels, truth, firsts);
  obs.push(...(await observe('samples', sImages, sLabels, truth, work, 'templates')));
  // A template a reviewer might label first, not the frontal view: the fourth (a tilted face).
  const fourths = [...new Set(keys.map(watchOf))].map((w) => keys.filter((k) => watchOf(k) === w)[3]!);
  const tLabels = join(work, 'samples', 'labels-tilted');
  await rm(tLabels, { recursive: true, force: true });
  await writeTruthLabels(tLabels, truth, fourths);
  obs.push(...(await observe('samples', sImages, tLabels, truth, work, 'tilted-template')));
  // Nothing detected (a detector threshold no box reaches): the whole-photo template fit, or with
  // no template the geometric default, on the same photos.
  const noDetection = join(work, 'no-detection.yaml');
  await writeFile(noDetection, 'detector:\n  conf: 1\n');
  const blind = ['--config', noDetection];
  obs.push(...(await observe('samples', sImages, join(work, 'samples', 'none'), truth, work, 'no-detection', blind)));
  obs.push(...(await observe('samples', sImages, sLabels, truth, work, 'no-detection-templates', blind)));

  // The real-photo warps (two seeds): no labels, then the unwarped photo as each watch's template.
  if (existsSync(PHOTOS)) {
    for (const seed of SEEDS) {
      const set = join(work, `warps-${PER_ID}-seed${seed}`);
      ensureEvalset(set, ['--per-id', String(PER_ID), '--seed', String(seed)]);
      const wTruth = JSON.parse(await readFile(join(set, 'truth.json'), 'utf8')) as LabelFile;
      for (const f of await readdir(join(set, 'labels')))
        Object.assign(wTruth, JSON.parse(await readFile(join(set, 'labels', f), 'utf8')) as LabelFile);
      const wImages = join(work, 'warps', 'images');
      await rm(join(work, 'warps'), { recursive: true, force: true });
      await cp(join(set, 'images'), wImages, { recursive: true });
      const none = join(work, 'warps', 'none');
      obs.push(...(await observe(`warps-seed${seed}`, wImages, none, wTruth, work, 'no-labels')));
      obs.push(...(await observe(`warps-seed${seed}`, wImages, join(set, 'labels'), wTruth, work, 'templates')));
      if (seed === SEEDS[0]) {
        obs.push(...(await observe(`warps-seed${seed}`, wImages, none, wTruth, work, 'no-detection', blind)));
        const labels = join(set, 'labels');
        obs.push(
          ...(await observe(`warps-seed${seed}`, wImages, labels, wTruth, work, 'no-detection-templates', blind)),
        );
      }
    }
  }
  return obs;
}

const f3 = (v: number | null): string => (v === null ? '–' : v.toFixed(3));

function binsTable(raw: ReliabilityBin[], cal: ReliabilityBin[]): string {
  const rows = raw.map((r, i) => {
    const c = cal[i]!;
    const range = `${r.lo.toFixed(1)}–${r.hi.toFixed(1)}`;
    return `| ${range} | ${r.count} | ${f3(r.meanPredicted)} | ${f3(r.observed)} | ${c.count} | ${f3(c.meanPredicted)} | ${f3(c.observed)} |`;
  });
  return [
    '| bin | raw: count | raw: mean predicted | raw: observed | calibrated: count | calibrated: mean predicted | calibrated: observed |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

it('calibrated confidence: fit the table and its held-out reliability', async () => {
  const refit = process.env.LOUPE_CALIBRATE_REFIT === '1';
  const observations = refit ? (JSON.parse(await readFile(OBSERVATIONS, 'utf8')) as Observation[]) : await collect();
  // Only `npm run calibrate` (or LOUPE_CALIBRATE_WRITE=1) rewrites the committed files; as part
  // of `npm run bench:node` the fit is reported, not shipped.
  const write = process.env.npm_lifecycle_event === 'calibrate' || process.env.LOUPE_CALIBRATE_WRITE === '1';
  if (!refit && write) {
    await mkdir(join(root, 'bench', 'calibration'), { recursive: true });
    await writeFile(OBSERVATIONS, JSON.stringify(observations, null, 1) + '\n');
  }
  const id = observationsId(observations);
  const fit = fitCalibration(observations, id);
  const source =
    '// Written by bench/calibrate.bench.test.ts (`npm run calibrate`) from bench/calibration/observations.json.\n' +
    '// Do not edit: refit instead (test/core/keypoints/calibration.test.ts checks it is that fit).\n' +
    "import type { CalibrationTable } from './calibration';\n\n" +
    `export const CALIBRATION: CalibrationTable = ${JSON.stringify(fit.table, null, 2)};\n`;
  if (write) {
    await writeFile(TABLE, source);
    const prettier = join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
    spawnSync(process.execPath, [prettier, '--write', TABLE, OBSERVATIONS]);
  }

  const y = observations.map((o) => (isRight(o) ? 1 : 0));
  const raw = observations.map((o) => o.raw);
  const cal = fit.heldOut;
  const lines: string[] = [];
  lines.push(`Calibration ${id}: ${observations.length} predictions, ${y.filter(Boolean).length} right (≤ 2 %).`);
  lines.push(
    `Load average at the end: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}.`,
    '',
  );
  lines.push('| method | predictions | right | held-out Brier: constant | isotonic | logistic | chosen |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const m of METHODS) {
    const s = fit.selection[m];
    const b = s.heldOutBrier;
    const src = fit.table.methods[m].source;
    const own = observations.filter((o) => o.method === m);
    const chosen = src === 'own' ? s.chosen : `none: the rate of ${src}`;
    lines.push(
      `| ${m} | ${own.length} | ${own.filter(isRight).length} | ${f3(b.constant ?? null)} | ${f3(b.isotonic ?? null)} | ${f3(b.logistic ?? null)} | ${chosen} |`,
    );
  }
  lines.push('');
  lines.push(
    `| | Brier | ECE |`,
    '| --- | ---: | ---: |',
    `| raw score | ${brier(raw, y).toFixed(3)} | ${ece(raw, y).toFixed(3)} |`,
    `| calibrated (held out) | ${brier(cal, y).toFixed(3)} | ${ece(cal, y).toFixed(3)} |`,
    '',
  );
  lines.push(binsTable(reliability(raw, y), reliability(cal, y)));
  const report = lines.join('\n');
  console.log(report);
  await writeFile(join(tmpdir(), 'loupe-bench-calibrate.md'), report + '\n');
}, 1_800_000);
