import { KEYPOINT_NAMES, type KeypointName, type Keypoints } from '../../shared/labels';

/** Keypoints in pixels of the displayed image (the editor's working units; sub-pixel). */
export type PixelPoint = readonly [number, number];
export type PixelKeypoints = Readonly<Record<KeypointName, PixelPoint>>;

export function toPixels(k: Keypoints, size: readonly [number, number]): PixelKeypoints {
  const out = {} as Record<KeypointName, PixelPoint>;
  for (const n of KEYPOINT_NAMES) out[n] = [k[n][0] * size[0], k[n][1] * size[1]];
  return out;
}

export function toNormalised(k: PixelKeypoints, size: readonly [number, number]): Keypoints {
  const out = {} as Keypoints;
  for (const n of KEYPOINT_NAMES) out[n] = [k[n][0] / size[0], k[n][1] / size[1]];
  return out;
}

/**
 * The dial's outline as the editor draws it: the ellipse whose conjugate semi-diameters are the
 * 12–6 and 9–3 half-chords, centred on the centre point. A circle seen in (weak) perspective is
 * exactly such an ellipse, so a point off the drawn rim stands out at a glance.
 */
export function dialEllipse(k: PixelKeypoints, segments = 72): [number, number][] {
  const [cx, cy] = k.center;
  const u: [number, number] = [(k.top[0] - k.bottom[0]) / 2, (k.top[1] - k.bottom[1]) / 2];
  const v: [number, number] = [(k.right[0] - k.left[0]) / 2, (k.right[1] - k.left[1]) / 2];
  const out: [number, number][] = [];
  for (let i = 0; i < segments; i++) {
    const t = (2 * Math.PI * i) / segments;
    const c = Math.cos(t);
    const s = Math.sin(t);
    out.push([cx + u[0] * c + v[0] * s, cy + u[1] * c + v[1] * s]);
  }
  return out;
}

/** Mean of the 12–6 and 9–3 distances: the scale movements are measured against. */
export function dialDiameter(k: PixelKeypoints): number {
  return (
    (Math.hypot(k.top[0] - k.bottom[0], k.top[1] - k.bottom[1]) +
      Math.hypot(k.left[0] - k.right[0], k.left[1] - k.right[1])) /
    2
  );
}
