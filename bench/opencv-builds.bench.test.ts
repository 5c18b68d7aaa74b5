/**
 * Issue 15 item 3, the opencv.js half: the opencv.js builds the npm registry offers, measured on
 * the real-texture evaluation set of bench/predict-vs-opencv.bench.test.ts (the same generator and
 * photos). Each photo is decoded and run through the bundled detector once; then the matching half
 * of a prediction (matchDetected: the dial crop, ORB, kNN + ratio, USAC, the orientation NCC, the
 * whole photo when the crop gives no fit) runs with each build in turn, photo by photo, so every
 * build sees the same load. Per build: each stage's time (the cv module and the matcher are
 * wrapped, nothing is copied), its ratio to Loupe's own build in the same run, and the accuracy.
 * Then the same crops go through Debian's native OpenCV (bench/opencv_stages.py) for the same
 * stages.
 *
 * The candidates are not Loupe dependencies: they are installed into a scratch folder
 * (LOUPE_BENCH_OPENCV_DIR, default $TMPDIR/loupe-opencv-builds) with npm on the first run; one
 * that cannot be installed is skipped. LOUPE_BENCH_OPENCV_JS adds local builds (name=path;…).
 * LOUPE_BENCH_ROUNDS: passes over the set (default 3).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { it } from 'vitest';
import { bundledDetector, ensureEvalset, evalsetTemplates, evalsetTruth } from './evalset';
import { dialDiameter, meanKeypointError } from '../src/core/formats/labels';
import { DEFAULT_PIPELINE } from '../src/core/keypoints/pipeline';
import { DEFAULT_PREDICT_CONFIG, pipelineSettings } from '../src/core/keypoints/predict-config';
import type { GrayImage, Matcher } from '../src/core/match/matcher';
import { compileNamingPattern, identifyImage } from '../src/core/naming';
import { unwrap } from '../src/core/result';
import { configureSharp } from '../src/engine/images/sharp-codec';
import {
  decodeAndDetect,
  DEFAULT_RESOLUTIONS,
  matchDetected,
  TemplateCache,
  templatesFor,
} from '../src/engine/keypoints/predictor';
import {
  ClassicalMatcher,
  createOpenCvLoader,
  requireOpenCv,
  type Cv,
  type OpenCvModule,
} from '../src/engine/match/opencv';

const root = join(import.meta.dirname, '..');
const SCRATCH = process.env.LOUPE_BENCH_OPENCV_DIR ?? join(tmpdir(), 'loupe-opencv-builds');
const ROUNDS = Number(process.env.LOUPE_BENCH_ROUNDS ?? 3);

interface Build {
  name: string;
  /** npm spec installed into SCRATCH/<name>; null: Loupe's own dependency. */
  spec: string | null;
  /** The build's module from its install folder. */
  load(dir: string): OpenCvModule;
  /**
   * The build binds ORB's constructor only up to WTA_K (its ScoreType enum is unbound): the last
   * three arguments must be OpenCV's defaults (HARRIS, 31-px patch, FAST 20), as Loupe's are.
   */
  sixArgOrb?: boolean;
}

const req = (dir: string, id: string): unknown => createRequire(join(dir, 'package.json'))(id);
/** @opencvjs/* export `loadOpenCV()`, a promise of the module (ESM for /web, CommonJS for /node). */
const opencvjs = (dir: string, pkg: string): Promise<Cv> =>
  import(pathToFileURL(join(dir, 'node_modules', pkg, 'lib', 'index.js')).href).then(
    (m: { loadOpenCV(): Promise<Cv> }) => m.loadOpenCV(),
  );

const BUILDS: Build[] = [
  { name: '@opencvjs/node 4.13.0-release.1 (Loupe)', spec: null, load: () => requireOpenCv() },
  {
    name: '@techstark/opencv-js 4.12.0-release.1',
    spec: '@techstark/opencv-js@4.12.0-release.1',
    load: (dir) => req(dir, '@techstark/opencv-js') as Cv,
  },
  {
    name: '@techstark/opencv-js 5.0.0-release.1',
    spec: '@techstark/opencv-js@5.0.0-release.1',
    load: (dir) => req(dir, '@techstark/opencv-js') as Cv,
  },
  {
    name: '@opencvjs/web 5.0.0-release.2',
    spec: '@opencvjs/web@5.0.0-release.2',
    load: (d) => opencvjs(d, '@opencvjs/web'),
  },
  {
    name: 'opencv-js-wasm 5.0.0-alpha',
    spec: 'opencv-js-wasm@5.0.0-alpha',
    // Its loader hands the build a global `Module` and leaves it there, where the next
    // non-modular build (opencv-bindings) would register into it: dropped once loaded.
    load: (dir) =>
      (req(dir, 'opencv-js-wasm') as () => Promise<Cv>)().then((cv) => {
        delete (globalThis as { Module?: unknown }).Module;
        return cv;
      }),
    sixArgOrb: true,
  },
  {
    name: 'opencv-bindings 4.5.5 (OpenCV 4.5.4)',
    spec: 'opencv-bindings@4.5.5',
    load: (dir) => req(dir, 'opencv-bindings') as Cv,
    sixArgOrb: true,
  },
  // Local builds, e.g. one made with OpenCV's platforms/js/build_js.py --simd (bench/BENCHMARKS.md
  // says how): LOUPE_BENCH_OPENCV_JS="name=/path/opencv.js[;name=/path/opencv.js]".
  ...(process.env.LOUPE_BENCH_OPENCV_JS ?? '')
    .split(';')
    .filter(Boolean)
    .map((entry): Build => {
      const at = entry.indexOf('=');
      const path = entry.slice(at + 1);
      return {
        name: entry.slice(0, at),
        spec: null,
        // build_js.py's output registers into a global `Module` when there is one (an earlier
        // build's) and leaves its own there: dropped before and after (as for opencv-js-wasm).
        // Its module has a `then` of its own, dropped so the promise does not adopt the module.
        load: () => {
          delete (globalThis as { Module?: unknown }).Module;
          return createOpenCvLoader(() => createRequire(path)(path) as Cv)().then(({ cv }) => {
            delete (globalThis as { Module?: unknown }).Module;
            delete (cv as { then?: unknown }).then;
            return cv;
          });
        },
        // build_js.py's whitelist leaves ORB's ScoreType unbound (as in the 4.5 and 5.0-alpha builds).
        sixArgOrb: true,
      };
    }),
];

/** Milliseconds per stage, summed over a build's photos. */
interface Stages {
  /** ORB detectAndCompute alone (in wasm). */
  orb: number;
  /** The whole of prepare: the grey Mat in, ORB, the keypoints copied out to JS. */
  features: number;
  /**
   * BFMatcher.knnMatch alone (in wasm). 0 since the matcher's kNN is Loupe's own (hamming.wat,
   * SIMD): the builds then differ in ORB and the homography only, and `match` is that kNN and
   * the ratio test.
   */
  knn: number;
  /** The whole of match: the kNN and Lowe's ratio test. */
  match: number;
  /** findHomography alone (USAC_MAGSAC). */
  homography: number;
  /** debug_info.timings_ms.match: everything above plus the crop, high-pass and orientation NCC. */
  total: number;
}
const noStages = (): Stages => ({ orb: 0, features: 0, knn: 0, match: 0, homography: 0, total: 0 });

function timeInto<A extends unknown[], R>(s: Stages, k: keyof Stages, f: (...a: A) => R): (...a: A) => R {
  return (...a) => {
    const t = performance.now();
    try {
      return f(...a);
    } finally {
      s[k] += performance.now() - t;
    }
  };
}

/** The build's module with ORB, kNN and the homography timed (everything else is the module's own). */
function timedCv(cv: Cv, s: Stages, sixArgOrb: boolean): Cv {
  const w = Object.create(cv) as Cv;
  const { ORB, BFMatcher } = cv;
  w.ORB = function (n: number, ...rest: number[]) {
    if (sixArgOrb && rest.slice(5).join() !== '0,31,20') throw new Error('this build binds ORB to 6 arguments');
    const orb = new ORB(n, ...(sixArgOrb ? rest.slice(0, 5) : rest));
    return { detectAndCompute: timeInto(s, 'orb', orb.detectAndCompute.bind(orb)), delete: () => orb.delete() };
  } as unknown as Cv['ORB'];
  w.BFMatcher = function (norm: number, crossCheck: boolean) {
    const m = new BFMatcher(norm, crossCheck);
    return { knnMatch: timeInto(s, 'knn', m.knnMatch.bind(m)), delete: () => m.delete() };
  } as unknown as Cv['BFMatcher'];
  w.findHomography = timeInto(s, 'homography', cv.findHomography.bind(cv));
  return w;
}

/** The crops a build's matcher was given, for the native run: templates and queries with their pairs. */
interface Recording {
  on: boolean;
  crops: GrayImage[];
  ids: WeakMap<object, number>;
  pairs: [number, number][];
  templates: Set<number>;
}

function timedMatcher<T extends object>(m: Matcher<T>, s: Stages, rec: Recording | null): Matcher<T> {
  return {
    name: m.name,
    prepare: async (image) => {
      const t = performance.now();
      const p = await m.prepare(image);
      s.features += performance.now() - t;
      if (rec?.on) {
        rec.ids.set(p, rec.crops.length);
        rec.crops.push({ ...image, data: image.data.slice() });
      }
      return p;
    },
    match: async (q, t) => {
      const t0 = performance.now();
      const c = await m.match(q, t);
      s.match += performance.now() - t0;
      if (rec?.on) rec.pairs.push([rec.ids.get(q)!, rec.ids.get(t)!]);
      return c;
    },
    release: (p) => m.release(p),
    bytes: (p) => m.bytes?.(p) ?? 0,
  };
}

const pgm = (g: GrayImage): Buffer =>
  Buffer.concat([Buffer.from(`P5\n${g.width} ${g.height}\n255\n`), Buffer.from(g.data)]);

it('opencv.js builds: per-stage matching time and accuracy on the real-texture evaluation set', async () => {
  configureSharp(availableParallelism());
  const load: number[][] = [loadavg()];
  const set = join(tmpdir(), 'loupe-bench-vs-opencv', 'set');
  ensureEvalset(set);
  const truth = await evalsetTruth(set);
  const c = DEFAULT_PREDICT_CONFIG;
  const config = pipelineSettings(c);
  const resolutions = DEFAULT_RESOLUTIONS;
  const pattern = unwrap(compileNamingPattern(c.namingPattern));
  const detector = await bundledDetector();
  const candidates = await evalsetTemplates(set, pattern);
  const names = (await readdir(join(set, 'images'))).filter((n) => n.includes('_warp')).sort();

  // Decode and detect once: every build matches the same grey images and detections.
  const photos = [];
  for (const n of names) {
    const id = identifyImage(n, pattern, '');
    const d = await decodeAndDetect({ path: join(set, 'images', n) }, { detector, config, resolutions });
    photos.push({
      id,
      img: { ...d.img, rgb: new Uint8Array(0) },
      detections: d.detections,
      templates: templatesFor(id, candidates, config.maxTemplates),
    });
  }

  const rec: Recording = { on: true, crops: [], ids: new WeakMap(), pairs: [], templates: new Set() };
  const runs = [];
  for (const [i, b] of BUILDS.entries()) {
    const dir = join(SCRATCH, b.name.split(' ')[0]!.replace(/[@/]/g, '_') + '-' + b.spec?.split('@').at(-1));
    if (b.spec && !existsSync(join(dir, 'node_modules'))) {
      await mkdir(dir, { recursive: true });
      const npm = spawnSync(
        'npm',
        ['install', '--prefix', dir, '--no-audit', '--no-fund', '--ignore-scripts', b.spec],
        { encoding: 'utf8' },
      );
      if (npm.status !== 0) {
        // Offline, or gone from the registry: the other builds are still measured.
        console.warn(`skipped ${b.name}: npm install failed`, npm.stderr);
        continue;
      }
    }
    const t0 = performance.now();
    const { cv } = await createOpenCvLoader(() => b.load(dir))();
    const loadMs = performance.now() - t0;
    const stages = noStages();
    const tcv = timedCv(cv, stages, b.sixArgOrb ?? false);
    const matcher = timedMatcher(
      new ClassicalMatcher(tcv, { type: 'orb', maxFeatures: c.maxFeatures, ratio: c.ratio }),
      stages,
      i === 0 ? rec : null,
    );
    const templates = new TemplateCache(matcher, resolutions, DEFAULT_PIPELINE.cropMargin);
    for (const t of candidates) await templates.get(t);
    if (i === 0) for (let k = 0; k < rec.crops.length; k++) rec.templates.add(k);
    Object.assign(stages, noStages());
    runs.push({ build: b, cv: tcv, matcher, templates, stages, loadMs, full: 0, errors: [] as number[] });
  }

  for (let round = 0; round < ROUNDS; round++) {
    for (const [k, p] of photos.entries()) {
      // Photo by photo, each build in turn (the order turned each photo): the same load for all.
      for (let j = 0; j < runs.length; j++) {
        const r = runs[(j + k) % runs.length]!;
        const result = await matchDetected(p.img, p.detections, p.templates, p.id.watchId, {
          cv: r.cv,
          matcher: r.matcher,
          templates: r.templates,
          config,
          resolutions,
        });
        r.stages.total += result.debug.timings_ms.match ?? 0;
        if (round > 0) continue;
        const t = truth[p.id.imageKey]!;
        if (result.tier === 'full') {
          r.full++;
          r.errors.push(
            (100 * meanKeypointError(result.coords, t.coords_norm, t.image_size)) /
              dialDiameter(t.coords_norm, t.image_size),
          );
        }
      }
    }
    // The native run repeats the first round's crops and pairs.
    rec.on = false;
    load.push(loadavg());
  }
  const per = (v: number): number => Math.round((v / (photos.length * ROUNDS)) * 10) / 10;
  const base = runs[0]!.stages;
  const rows = runs.map((r) => {
    r.errors.sort((a, b) => a - b);
    const s = r.stages;
    return {
      build: r.build.name,
      loadMs: Math.round(r.loadMs),
      msPerImage: {
        orb: per(s.orb),
        featuresJs: per(s.features - s.orb),
        knn: per(s.knn),
        ratioJs: per(s.match - s.knn),
        homography: per(s.homography),
        rest: per(s.total - s.features - s.match - s.homography),
        total: per(s.total),
      },
      vsLoupe: {
        orb: s.orb / base.orb,
        knn: s.knn / base.knn,
        homography: s.homography / base.homography,
        total: s.total / base.total,
      },
      full: `${r.full} / ${photos.length}`,
      medianErrorPct: r.errors[Math.floor(r.errors.length / 2)],
      meanErrorPct: r.errors.reduce((a, b) => a + b, 0) / r.errors.length,
    };
  });
  for (const r of runs) await r.templates.clear();

  // The same crops and pairs through Debian's native OpenCV, stage by stage.
  const dump = join(tmpdir(), 'loupe-bench-opencv-builds');
  await mkdir(dump, { recursive: true });
  await Promise.all(rec.crops.map((g, k) => writeFile(join(dump, `${k}.pgm`), pgm(g))));
  await writeFile(
    join(dump, 'pairs.json'),
    JSON.stringify({
      queries: rec.crops.map((_, k) => k).filter((k) => !rec.templates.has(k)),
      templates: [...rec.templates],
      pairs: rec.pairs,
      photos: photos.length,
      maxFeatures: c.maxFeatures,
      ratio: c.ratio,
      threshold: config.ransacThreshold,
    }),
  );
  const py = spawnSync('/usr/bin/python3', [join(root, 'bench', 'opencv_stages.py'), dump], { encoding: 'utf8' });
  if (py.status !== 0) throw new Error(py.stderr);
  const native = JSON.parse(py.stdout) as Record<string, number>;
  const out = {
    date: new Date().toISOString(),
    loadavg: load,
    rounds: ROUNDS,
    photos: photos.length,
    crops: rec.crops.length,
    pairs: rec.pairs.length,
    rows,
    native,
  };
  for (const r of rows) console.log(JSON.stringify(r));
  console.log(
    'native (Debian OpenCV, ms per photo, the same crops and pairs):',
    JSON.stringify(native),
    'load',
    JSON.stringify(load),
  );
  await writeFile(join(tmpdir(), 'loupe-bench-opencv-builds.json'), JSON.stringify(out, null, 2));
}, 3_000_000);
