import type { DetectedLayout } from '../../shared/models';
import { obbCorners, polygonIou } from '../geometry/polygon';

/**
 * Decoding Ultralytics YOLO ONNX outputs (detect, pose, OBB; raw heads or NMS inside the graph)
 * into detections in network-input pixels, with Ultralytics' non-maximum suppression.
 */

export interface Keypoint {
  x: number;
  y: number;
  /** Visibility/confidence in [0, 1]; 1 when the model gives none. */
  v: number;
}

export interface Detection {
  /** Axis-aligned box [x1, y1, x2, y2] (for OBB: the rotated box's bounds). */
  box: [number, number, number, number];
  score: number;
  cls: number;
  keypoints?: Keypoint[];
  /** OBB: centre, size and angle (radians). */
  obb?: { cx: number; cy: number; w: number; h: number; angle: number };
}

export interface DecodeOptions {
  layout: DetectedLayout;
  /** Number of classes (raw heads). */
  classes: number;
  /** Ultralytics kpt_shape [K, D] (pose). */
  kptShape?: [number, number] | null;
  confThreshold: number;
  iouThreshold: number;
  maxDetections?: number;
  /** Suppress across classes (Ultralytics' agnostic NMS); default per class. */
  agnostic?: boolean;
}

/**
 * `data` is the first output's buffer, `dims` its shape: [1, C, N] for raw heads (C = 4 + nc + …),
 * [1, N, F] for NMS-in-graph exports (x1, y1, x2, y2, score, class, …).
 */
export function decodeYolo(data: Float32Array, dims: readonly number[], options: DecodeOptions): Detection[] {
  const maxDet = options.maxDetections ?? 300;
  if (options.layout === 'yolo-nms') return decodeNms(data, dims, options).slice(0, maxDet);
  if (dims.length !== 3) throw new Error(`expected a [1, C, N] output, got [${dims.join(', ')}]`);
  const channels = dims[1] as number;
  const anchors = dims[2] as number;
  const nc = options.classes;
  const [k, d] = options.kptShape ?? [0, 0];
  const extra = options.layout === 'yolo-pose' ? k * d : options.layout === 'yolo-obb' ? 1 : 0;
  if (channels !== 4 + nc + extra) {
    throw new Error(`output has ${channels} channels; ${options.layout} with ${nc} classes needs ${4 + nc + extra}`);
  }
  const at = (c: number, i: number): number => data[c * anchors + i] as number;
  const candidates: Detection[] = [];
  for (let i = 0; i < anchors; i++) {
    let best = 0;
    let cls = 0;
    for (let c = 0; c < nc; c++) {
      const s = at(4 + c, i);
      if (s > best) {
        best = s;
        cls = c;
      }
    }
    if (best < options.confThreshold) continue;
    const cx = at(0, i);
    const cy = at(1, i);
    const w = at(2, i);
    const h = at(3, i);
    const det: Detection = { box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], score: best, cls };
    if (options.layout === 'yolo-pose') {
      det.keypoints = [];
      for (let j = 0; j < k; j++) {
        const base = 4 + nc + j * d;
        det.keypoints.push({ x: at(base, i), y: at(base + 1, i), v: d >= 3 ? at(base + 2, i) : 1 });
      }
    } else if (options.layout === 'yolo-obb') {
      const angle = at(4 + nc, i);
      det.obb = { cx, cy, w, h, angle };
      det.box = boundsOf(obbCorners(cx, cy, w, h, angle));
    }
    candidates.push(det);
  }
  return nms(candidates, options.iouThreshold, maxDet, options.agnostic ?? false);
}

function decodeNms(data: Float32Array, dims: readonly number[], options: DecodeOptions): Detection[] {
  if (dims.length !== 3) throw new Error(`expected a [1, N, F] output, got [${dims.join(', ')}]`);
  const rows = dims[1] as number;
  const f = dims[2] as number;
  const [k, d] = options.kptShape ?? [0, 0];
  const out: Detection[] = [];
  for (let r = 0; r < rows; r++) {
    const row = data.subarray(r * f, r * f + f);
    const score = row[4] as number;
    if (score < options.confThreshold) continue;
    const det: Detection = {
      box: [row[0], row[1], row[2], row[3]] as [number, number, number, number],
      score,
      cls: Math.round(row[5] as number),
    };
    if (k > 0 && f >= 6 + k * d) {
      det.keypoints = [];
      for (let j = 0; j < k; j++) {
        const base = 6 + j * d;
        det.keypoints.push({
          x: row[base] as number,
          y: row[base + 1] as number,
          v: d >= 3 ? (row[base + 2] as number) : 1,
        });
      }
    } else if (f === 7) {
      // OBB exported with NMS: cx, cy, w, h, score, class, angle.
      const [cx, cy, w, h] = [row[0], row[1], row[2], row[3]] as number[] as [number, number, number, number];
      det.obb = { cx, cy, w, h, angle: row[6] as number };
      det.box = boundsOf(obbCorners(cx, cy, w, h, row[6] as number));
    }
    out.push(det);
  }
  return out.sort((a, b) => b.score - a.score);
}

function boundsOf(points: readonly [number, number][]): [number, number, number, number] {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

export function boxIou(a: readonly number[], b: readonly number[]): number {
  const ix = Math.max(0, Math.min(a[2] as number, b[2] as number) - Math.max(a[0] as number, b[0] as number));
  const iy = Math.max(0, Math.min(a[3] as number, b[3] as number) - Math.max(a[1] as number, b[1] as number));
  const inter = ix * iy;
  const area = (r: readonly number[]): number =>
    Math.max(0, (r[2] as number) - (r[0] as number)) * Math.max(0, (r[3] as number) - (r[1] as number));
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

function iouOf(a: Detection, b: Detection): number {
  if (a.obb && b.obb) {
    return polygonIou(
      obbCorners(a.obb.cx, a.obb.cy, a.obb.w, a.obb.h, a.obb.angle),
      obbCorners(b.obb.cx, b.obb.cy, b.obb.w, b.obb.h, b.obb.angle),
    );
  }
  return boxIou(a.box, b.box);
}

/** Greedy NMS, highest score first, per class unless agnostic. */
export function nms(dets: Detection[], iouThreshold: number, maxDet = 300, agnostic = false): Detection[] {
  const sorted = [...dets].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const d of sorted) {
    if (kept.length >= maxDet) break;
    if (kept.some((k) => (agnostic || k.cls === d.cls) && iouOf(k, d) > iouThreshold)) continue;
    kept.push(d);
  }
  return kept;
}

/** Map detections from network-input pixels to source pixels (inverse letterbox). */
export function unletterboxDetections(
  dets: readonly Detection[],
  lb: { scale: number; left: number; top: number },
): Detection[] {
  const x = (v: number): number => (v - lb.left) / lb.scale;
  const y = (v: number): number => (v - lb.top) / lb.scale;
  return dets.map((d) => ({
    ...d,
    box: [x(d.box[0]), y(d.box[1]), x(d.box[2]), y(d.box[3])],
    ...(d.keypoints ? { keypoints: d.keypoints.map((k) => ({ x: x(k.x), y: y(k.y), v: k.v })) } : {}),
    ...(d.obb
      ? { obb: { cx: x(d.obb.cx), cy: y(d.obb.cy), w: d.obb.w / lb.scale, h: d.obb.h / lb.scale, angle: d.obb.angle } }
      : {}),
  }));
}
