/**
 * Issue 15 item 3: ORB settings (pyramid levels, FAST threshold, working size) measured at equal
 * accuracy on the real-texture evaluation set of bench/predict-vs-opencv.bench.test.ts (the same
 * generator and photos). In one process: the whole per-image pipeline (decode, the bundled
 * detector, matching, homography, orientation check), one settings row after the other, each with
 * a fresh template cache; the matching time (debug_info.timings_ms.match) against the defaults'
 * in the same run, and the accuracy (full tier, error as a share of the dial diameter).
 */
import { readdir, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';
import { bundledDetector, ensureEvalset, evalsetTemplates, evalsetTruth } from './evalset';
import { dialDiameter, meanKeypointError } from '../src/core/formats/labels';
import { DEFAULT_PIPELINE } from '../src/core/keypoints/pipeline';
import { DEFAULT_PREDICT_CONFIG, pipelineSettings } from '../src/core/keypoints/predict-config';
import type { MatcherConfig } from '../src/core/match/matcher';
import { compileNamingPattern, identifyImage } from '../src/core/naming';
import { unwrap } from '../src/core/result';
import { configureSharp } from '../src/engine/images/sharp-codec';
import { DEFAULT_RESOLUTIONS, predictImage, TemplateCache, type Resolutions } from '../src/engine/keypoints/predictor';
import { ClassicalMatcher, createOpenCvLoader } from '../src/engine/match/opencv';

const ROWS: { name: string; orb?: MatcherConfig['orb']; resolutions?: Partial<Resolutions> }[] = [
  { name: 'defaults (8 levels, FAST 20, crop 512, working 1280)' },
  { name: '4 levels', orb: { nlevels: 4 } },
  { name: '6 levels', orb: { nlevels: 6 } },
  { name: 'FAST 30', orb: { fastThreshold: 30 } },
  { name: 'FAST 10', orb: { fastThreshold: 10 } },
  { name: 'crop 384', resolutions: { cropSide: 384 } },
  { name: 'crop 640', resolutions: { cropSide: 640 } },
  { name: 'working 960', resolutions: { workingLongSide: 960 } },
];

it('ORB settings: matching time and accuracy on the real-texture evaluation set', async () => {
  configureSharp(availableParallelism());
  const set = join(tmpdir(), 'loupe-bench-vs-opencv', 'set');
  ensureEvalset(set);
  const truth = await evalsetTruth(set);
  const c = DEFAULT_PREDICT_CONFIG;
  const pattern = unwrap(compileNamingPattern(c.namingPattern));
  const detector = await bundledDetector();
  const { cv } = await createOpenCvLoader()();
  const candidates = await evalsetTemplates(set, pattern);
  const names = (await readdir(join(set, 'images'))).filter((n) => n.includes('_warp')).sort();
  const rows: Record<string, unknown>[] = [];
  let baseMatch = 0;
  for (const row of ROWS) {
    const resolutions = { ...DEFAULT_RESOLUTIONS, ...row.resolutions };
    const matcher = new ClassicalMatcher(cv, {
      type: 'orb',
      maxFeatures: c.maxFeatures,
      ratio: c.ratio,
      ...(row.orb ? { orb: row.orb } : {}),
    });
    const templates = new TemplateCache(matcher, resolutions, DEFAULT_PIPELINE.cropMargin);
    for (const t of candidates) await templates.get(t);
    let matchMs = 0;
    let full = 0;
    const errors: number[] = [];
    for (const n of names) {
      const id = identifyImage(n, pattern, '');
      const p = await predictImage(
        { path: join(set, 'images', n), ...id, fullImageName: n },
        {
          cv,
          detector,
          matcher,
          templates,
          candidates,
          config: pipelineSettings(c),
          resolutions,
          now: () => new Date(),
        },
      );
      matchMs += p.result.debug.timings_ms.match ?? 0;
      const t = truth[id.imageKey]!;
      if (p.result.tier === 'full') {
        full++;
        errors.push(
          (100 * meanKeypointError(p.result.coords, t.coords_norm, t.image_size)) /
            dialDiameter(t.coords_norm, t.image_size),
        );
      }
    }
    await templates.clear();
    errors.sort((a, b) => a - b);
    if (rows.length === 0) baseMatch = matchMs;
    rows.push({
      settings: row.name,
      matchMsPerImage: matchMs / names.length,
      matchVsDefaults: matchMs / baseMatch,
      full: `${full} / ${names.length}`,
      medianErrorPct: errors[Math.floor(errors.length / 2)],
      meanErrorPct: errors.reduce((a, b) => a + b, 0) / errors.length,
    });
    console.log(JSON.stringify(rows.at(-1)));
  }
  await writeFile(join(tmpdir(), 'loupe-bench-orb-settings.json'), JSON.stringify(rows, null, 2));
}, 3_000_000);
