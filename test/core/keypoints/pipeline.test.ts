import { describe, expect, it } from 'vitest';
import type { Detection } from '../../../src/core/detect/yolo';
import { compose, project, type Homography } from '../../../src/core/geometry/homography';
import type { Pt } from '../../../src/core/geometry/polygon';
import type { GrayImage } from '../../../src/core/match/matcher';
import { highPass } from '../../../src/core/match/verify';
import {
  confidenceFor,
  DEFAULT_PIPELINE,
  frontality,
  keypointsFromBox,
  quarterTurnScores,
  rankTemplates,
  runPipeline,
  type PipelinePorts,
  type TemplateRef,
} from '../../../src/core/keypoints/pipeline';
import { calibrate } from '../../../src/core/keypoints/calibration';

const size: [number, number] = [1000, 800];
const template: TemplateRef = {
  key: 'T_nab_1_01',
  templateModel: 'nab',
  crop: highPass(templateCrop()),
  keypoints: { top: [100, 20], bottom: [100, 180], left: [20, 100], right: [180, 100], center: [100, 100] },
};
// Template crop → query crop: scale 1.5, shift (10, 5).
const H: Homography = [1.5, 0, 10, 0, 1.5, 5, 0, 0, 1];

/** An asymmetric dial-like pattern: rings, a bright "logo" near 12 o'clock. */
function templateCrop(): GrayImage {
  const w = 200;
  const data = new Uint8Array(w * w);
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      const r = Math.hypot(x - 100, y - 100);
      const logo = y > 40 && y < 70 && x > 70 && x < 130 ? 120 : 0;
      data[y * w + x] = Math.min(255, 60 + 40 * Math.sin(r / 6) + logo + ((x * 13 + y * 7) % 17));
    }
  }
  return { data, width: w, height: w };
}

/** The photo's crop: the template seen through H (nearest neighbour is enough here). */
function queryCrop(t: GrayImage): GrayImage {
  const w = 320;
  const h = 310;
  const data = new Uint8Array(w * h).fill(30);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = Math.round((x - 10) / 1.5);
      const v = Math.round((y - 5) / 1.5);
      if (u >= 0 && v >= 0 && u < t.width && v < t.height) data[y * w + x] = t.data[v * t.width + u] as number;
    }
  }
  return { data, width: w, height: h };
}

function ports({
  dets,
  tpl,
  ...over
}: Partial<PipelinePorts<string>> & { dets?: Detection[]; tpl?: TemplateRef[] }): PipelinePorts<string> {
  let t = 0;
  return {
    detect: async () => dets ?? [],
    crop: async () => ({
      image: queryCrop(templateCrop()),
      scale: 2,
      offsetX: 300,
      offsetY: 200,
    }),
    templates: async () => (tpl ?? []).map((ref) => ({ ref, prepared: ref.key, sameWatch: true })),
    prepareQuery: async () => 'query',
    release: () => undefined,
    match: async () => {
      const from: Pt[] = Array.from({ length: 40 }, (_, i) => [i * 4, (i * 7) % 200]);
      return { template: from, query: from.map((p) => project(H, p)), features: [500, 480] };
    },
    fitHomography: (from) => ({ H, inliers: new Uint8Array(from.length).fill(1), inlierCount: from.length }),
    now: () => (t += 1),
    ...over,
  };
}

const det = (over: Partial<Detection> = {}): Detection => ({ box: [300, 200, 700, 600], score: 0.9, cls: 0, ...over });
const pose = [
  { x: 500, y: 210, v: 0.9 },
  { x: 500, y: 590, v: 0.9 },
  { x: 310, y: 400, v: 0.9 },
  { x: 690, y: 400, v: 0.9 },
  { x: 500, y: 400, v: 0.9 },
];

describe('runPipeline', () => {
  it('falls back to the geometric default without a detection', async () => {
    const r = await runPipeline(ports({}), size, DEFAULT_PIPELINE);
    expect(r).toMatchObject({ tier: 'geometric-fallback', method: 'geometric' });
    expect(r.debug.raw_confidence).toBe(0);
    expect(r.confidence).toBe(calibrate(DEFAULT_PIPELINE.calibration, r.debug.calibration_input));
    expect(r.coords.top).toEqual([0.5, 0.1]);
    expect(r.debug.yolo_detections).toBe(0);
  });

  it('projects the template keypoints through the homography (full tier)', async () => {
    const r = await runPipeline(ports({ dets: [det()], tpl: [template] }), size, DEFAULT_PIPELINE);
    expect(r.tier).toBe('full');
    expect(r.method).toBe('homography');
    // top (100, 20) → crop (160, 35) → source (620, 270)
    expect(r.coords.top).toEqual([0.62, 0.3375]);
    expect(r.debug).toMatchObject({
      template_key: 'T_nab_1_01',
      homography_inliers: 40,
      matches: 40,
      inlier_ratio: 1,
      reprojection_error: 0,
    });
    expect(r.debug.raw_confidence).toBe(0.9);
  });

  it('refuses too few inliers, then uses pose keypoints as a fallback', async () => {
    const p = ports({
      dets: [det({ keypoints: pose })],
      tpl: [template],
      fitHomography: () => ({ H, inliers: new Uint8Array(40), inlierCount: 3 }),
    });
    const r = await runPipeline(p, size, DEFAULT_PIPELINE);
    expect(r).toMatchObject({ tier: 'pipeline-fallback', method: 'pose-fallback' });
    expect(r.debug.rejected[0]).toMatch(/3 inliers of 40 matches/);
    expect(r.debug.raw_confidence).toBeCloseTo(0.75 * 0.9 * 0.9, 3);
  });

  // The print of a small or low-texture dial barely survives warping (a real 500-px photo: the
  // right fit scored NCC 0.19, the wrong turns about 0). Here minNcc is set above what this
  // fit scores, to stand for that case.
  const lowPrint = { ...DEFAULT_PIPELINE, minNcc: 0.999, strongFitMinNcc: 0.1 };

  it('accepts a strong fit whose orientation is sure though its print correlates weakly', async () => {
    const r = await runPipeline(ports({ dets: [det()], tpl: [template] }), size, lowPrint);
    expect(r).toMatchObject({ tier: 'full', method: 'homography' });
    expect(r.debug.ncc).toBeLessThan(0.999);
  });

  it('refuses a weak print without strong inliers, or with an unsure orientation', async () => {
    const weak = ports({
      dets: [det()],
      tpl: [template],
      fitHomography: (from) => ({ H, inliers: new Uint8Array(from.length).fill(1), inlierCount: 20 }),
    });
    const r = await runPipeline(weak, size, lowPrint);
    expect(r.tier).toBe('pipeline-fallback');
    expect(r.debug.rejected.join(' ')).toMatch(/does not look like the photo/);
    const unsure = await runPipeline(ports({ dets: [det()], tpl: [template] }), size, {
      ...lowPrint,
      orientationMargin: 5,
    });
    expect(unsure.tier).toBe('pipeline-fallback');
    expect(unsure.debug.rejected.join(' ')).toMatch(/does not look like the photo/);
  });

  /** Ports whose detector crop matches poorly (3 matches) and whose whole photo matches well. */
  const wholeImageMatches = (over: Partial<PipelinePorts<string>> & { dets?: Detection[] } = {}) => {
    const boxes: number[][] = [];
    const base = ports({ tpl: [template], ...over });
    return {
      boxes,
      ports: {
        ...base,
        crop: async (box: [number, number, number, number]) => {
          boxes.push([...box]);
          return { ...(await base.crop(box)), whole: box[0] === 0 && box[2] === size[0] };
        },
        prepareQuery: async (image: GrayImage) => (image.width === 320 ? 'query' : 'other'),
        match: async (query: string) => {
          const all = await base.match(query, template.key);
          const whole = boxes.at(-1)?.[2] === size[0];
          const n = whole ? 40 : 3;
          return { ...all, template: all.template.slice(0, n), query: all.query.slice(0, n) };
        },
      } as PipelinePorts<string>,
    };
  };

  it('matches the whole photo when the detector crop yields no fit, and says which region fitted', async () => {
    const { ports: p, boxes } = wholeImageMatches({ dets: [det({ keypoints: pose })] });
    const r = await runPipeline(p, size, DEFAULT_PIPELINE);
    expect(r).toMatchObject({ tier: 'full', method: 'homography' });
    expect(r.debug.match_region).toBe('whole-image');
    expect(boxes[1]).toEqual([0, 0, 1000, 800]);
    expect(r.debug.rejected[0]).toMatch(/^T_nab_1_01: 3 inliers of 3 matches/);
    expect(r.debug.raw_confidence).toBe(0.9);
  });

  it('matches the whole photo when nothing was detected, weighing the fit without a detector score', async () => {
    const { ports: p } = wholeImageMatches();
    const r = await runPipeline(p, size, DEFAULT_PIPELINE);
    expect(r).toMatchObject({ tier: 'full', method: 'homography' });
    expect(r.debug.raw_confidence).toBe(0.5);
    expect(r.debug).toMatchObject({ match_region: 'whole-image', yolo_detections: 0 });
  });

  it('records the detector crop as the region of an ordinary fit, and tries no second region then', async () => {
    const r = await runPipeline(ports({ dets: [det()], tpl: [template] }), size, DEFAULT_PIPELINE);
    expect(r.debug).toMatchObject({ match_region: 'detection', templates_tried: 1 });
  });

  it('does not match the whole photo twice when the detection already covers it', async () => {
    const { ports: p, boxes } = wholeImageMatches({ dets: [det({ box: [0, 0, 1000, 800], keypoints: pose })] });
    const r = await runPipeline(p, size, DEFAULT_PIPELINE);
    expect(boxes).toHaveLength(1);
    expect(r.tier).toBe('full'); // the detection's crop is the whole photo, and it fits
  });

  it('keeps the old fallbacks with matchWholeImage off', async () => {
    const off = { ...DEFAULT_PIPELINE, matchWholeImage: false };
    const withDetection = await runPipeline(wholeImageMatches({ dets: [det({ keypoints: pose })] }).ports, size, off);
    expect(withDetection).toMatchObject({ tier: 'pipeline-fallback', method: 'pose-fallback' });
    expect(withDetection.debug.match_region).toBeNull();
    const without = await runPipeline(wholeImageMatches().ports, size, off);
    expect(without).toMatchObject({ tier: 'geometric-fallback', method: 'geometric' });
  });

  it('reports a pose detector’s keypoints without a template as the pipeline-fallback tier, with their own confidence', async () => {
    const r = await runPipeline(ports({ dets: [det({ keypoints: pose })] }), size, DEFAULT_PIPELINE);
    // The full tier is template matching + homography only (issue 13: tiers mean what they say).
    expect(r).toMatchObject({ tier: 'pipeline-fallback', method: 'pose' });
    expect(r.debug.method).toBe('pose');
    expect(r.debug.templates_tried).toBe(0);
    // detector score × mean visibility, not discounted like a fallback after failed matching.
    expect(r.debug.raw_confidence).toBeCloseTo(0.9 * 0.9, 3);
    expect(r.coords.left).toEqual([0.31, 0.5]);
  });

  it('never takes more than five keypoints by position (they must be mapped by name first)', async () => {
    const seven = [...pose, { x: 1, y: 1, v: 1 }, { x: 2, y: 2, v: 1 }];
    const r = await runPipeline(ports({ dets: [det({ keypoints: seven })] }), size, DEFAULT_PIPELINE);
    expect(r.method).toBe('box');
  });

  it('rejects an implausible homography and falls back to box geometry', async () => {
    const mirror: Homography = [-1.5, 0, 300, 0, 1.5, 5, 0, 0, 1];
    const r = await runPipeline(
      ports({
        dets: [det()],
        tpl: [template],
        fitHomography: (f) => ({ H: mirror, inliers: new Uint8Array(f.length).fill(1), inlierCount: f.length }),
      }),
      size,
      DEFAULT_PIPELINE,
    );
    expect(r).toMatchObject({ tier: 'pipeline-fallback', method: 'box' });
    expect(r.debug.rejected[0]).toMatch(/mirrored/);
    expect(r.coords.top).toEqual([0.5, 0.25]);
    expect(r.debug.raw_confidence).toBe(0.36);
  });
});

describe('pipeline pieces', () => {
  it('turns an oriented box into keypoints', () => {
    const k = keypointsFromBox({
      box: [0, 0, 0, 0],
      score: 1,
      cls: 0,
      obb: { cx: 100, cy: 100, w: 40, h: 80, angle: Math.PI / 2 },
    });
    expect(k.top[0]).toBeCloseTo(140);
    expect(k.top[1]).toBeCloseTo(100);
    expect(k.center).toEqual([100, 100]);
  });

  it('documents confidence', () => {
    expect(confidenceFor('homography', 0.8, { inlierRatio: 0.5, reprojError: 0 })).toBe(0.4);
    expect(confidenceFor('homography', 0.8, { inlierRatio: 0.5, reprojError: 4 })).toBeCloseTo(0.147, 3);
    expect(confidenceFor('geometric', 1)).toBe(0);
  });

  it('ranks templates: same watch first, frontal first', () => {
    const frontal = {
      top: [0.5, 0.1],
      bottom: [0.5, 0.9],
      left: [0.1, 0.5],
      right: [0.9, 0.5],
      center: [0.5, 0.5],
    } as const;
    const tilted = {
      top: [0.5, 0.3],
      bottom: [0.5, 0.7],
      left: [0.1, 0.5],
      right: [0.9, 0.5],
      center: [0.5, 0.5],
    } as const;
    expect(frontality(frontal as never, [100, 100])).toBeCloseTo(1);
    expect(frontality(tilted as never, [100, 100])).toBeCloseTo(0.5);
    const c = (id: string, watchId: string, model: string, coords: unknown) => ({
      id,
      watchId,
      templateModel: model,
      coords: coords as never,
      size: [100, 100] as [number, number],
    });
    const ranked = rankTemplates(
      [
        c('a', 'X_nab_2', 'nab', frontal),
        c('b', 'X_nab_1', 'nab', tilted),
        c('c', 'X_nab_1', 'nab', frontal),
        c('d', 'Y_sub_1', 'sub', frontal),
      ],
      { watchId: 'X_nab_1', templateModel: 'nab' },
    );
    expect(ranked.map((r) => r.id)).toEqual(['c', 'b', 'a']);
    // A label with a keypoint outside the image, or not a number, is never a template.
    const outside = { ...frontal, top: [1.2, 0.1] };
    const infinite = { ...frontal, left: [Number.POSITIVE_INFINITY, 0.5] };
    const refused = rankTemplates(
      [c('e', 'X_nab_1', 'nab', outside), c('f', 'X_nab_1', 'nab', infinite), c('g', 'X_nab_1', 'nab', frontal)],
      { watchId: 'X_nab_1', templateModel: 'nab' },
    );
    expect(refused.map((r) => r.id)).toEqual(['g']);
  });
});

describe('orientation', () => {
  it('renames keypoints when the homography matched the print a quarter turn off', async () => {
    // A symmetric dial can match a quarter turn off: the fit maps the template turned 90° about
    // its centre onto the photo. The rim points land in the right places with the wrong names.
    const about = (cx: number, cy: number): Homography => [0, -1, cx + cy, 1, 0, cy - cx, 0, 0, 1];
    const turned = compose(H, about(100, 100));
    const p = ports({
      dets: [det()],
      tpl: [template],
      fitHomography: (from) => ({ H: turned, inliers: new Uint8Array(from.length).fill(1), inlierCount: from.length }),
    });
    const r = await runPipeline(p, size, DEFAULT_PIPELINE);
    expect(r.tier).toBe('full');
    expect(r.debug.orientation_turns).not.toBe(0);
    expect(r.coords.top[0]).toBeCloseTo(0.62, 6);
    expect(r.coords.top[1]).toBeCloseTo(0.3375, 6);
  });

  it('scores the four turns by how well the print lines up', () => {
    const scores = quarterTurnScores(highPass(queryCrop(templateCrop())), template, H);
    expect(scores[0]).toBeGreaterThan(0.6);
    expect(Math.max(...scores.slice(1))).toBeLessThan((scores[0] as number) - 0.2);
  });
});
