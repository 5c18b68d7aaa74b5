import { Circle, Group, Image as KImage, Line, Rect, Text } from 'react-konva';
import type { DialInfo } from '../../../core/keypoints/dials';
import { dialEllipse, type PixelKeypoints } from '../../../core/geometry/dial';
import { KEYPOINT_NAMES, type KeypointName } from '../../../shared/labels';
import { imageToView, type Point, type View } from '../../canvas/view';
import { POINT_STYLE } from './points';

const LOUPE_RADIUS = 72;

/** The points over the photo: the dial ellipse, the two diameters, where the prediction was, the five points. */
export function Overlay({
  view,
  points,
  prediction,
  selected,
  hover,
}: {
  view: View;
  points: PixelKeypoints;
  prediction: PixelKeypoints | null;
  selected: KeypointName | null;
  hover: KeypointName | null;
}) {
  const s = (p: Point): [number, number] => imageToView(view, p);
  const ring = dialEllipse(points).flatMap((p) => s(p));
  const seg = (a: KeypointName, b: KeypointName): number[] => [...s(points[a]), ...s(points[b])];
  return (
    <Group>
      <Line
        points={ring}
        closed
        stroke="rgba(255,255,255,0.55)"
        strokeWidth={1}
        dash={[6, 4]}
        perfectDrawEnabled={false}
      />
      <Line points={seg('top', 'bottom')} stroke="rgba(0,0,0,0.55)" strokeWidth={3} />
      <Line points={seg('top', 'bottom')} stroke="rgba(255,255,255,0.9)" strokeWidth={1.2} />
      <Line points={seg('left', 'right')} stroke="rgba(0,0,0,0.55)" strokeWidth={3} />
      <Line points={seg('left', 'right')} stroke="rgba(255,255,255,0.9)" strokeWidth={1.2} />
      {prediction &&
        KEYPOINT_NAMES.map((n) => {
          const [px, py] = s(prediction[n]);
          const [x, y] = s(points[n]);
          if (Math.hypot(px - x, py - y) < 1.5) return null;
          return (
            <Group key={`p-${n}`}>
              <Line points={[px, py, x, y]} stroke={POINT_STYLE[n].color} strokeWidth={1} dash={[3, 3]} />
              <Circle x={px} y={py} radius={4} stroke={POINT_STYLE[n].color} strokeWidth={1.2} />
            </Group>
          );
        })}
      {KEYPOINT_NAMES.map((n) => {
        const [x, y] = s(points[n]);
        const active = n === selected;
        const r = active ? 7 : n === hover ? 6.5 : 5.5;
        return (
          <Group key={n} x={x} y={y}>
            <Circle radius={r + 2} fill="rgba(0,0,0,0.6)" />
            <Circle radius={r} fill={POINT_STYLE[n].color} stroke="#fff" strokeWidth={active ? 2.5 : 1.2} />
            <Circle radius={0.9} fill="#000" />
            <Text
              x={10}
              y={-22}
              text={POINT_STYLE[n].label}
              fontSize={12}
              fontStyle="bold"
              fill="#fff"
              stroke="rgba(0,0,0,0.8)"
              strokeWidth={3}
              fillAfterStrokeEnabled
            />
          </Group>
        );
      })}
    </Group>
  );
}

/**
 * Several dials: each detection's box, the one the points are on solid, the others dashed with
 * what a click on them does.
 */
export function DialBoxes({
  view,
  dials,
  active,
  imageSize,
}: {
  view: View;
  dials: readonly DialInfo[];
  active: number;
  imageSize: readonly [number, number];
}) {
  return (
    <Group>
      {dials.map((d, i) => {
        const [x1, y1] = imageToView(view, [d.box_norm[0] * imageSize[0], d.box_norm[1] * imageSize[1]]);
        const [x2, y2] = imageToView(view, [d.box_norm[2] * imageSize[0], d.box_norm[3] * imageSize[1]]);
        const on = i === active;
        const text = `Dial ${i + 1} · ${d.score.toFixed(2)}${on ? '' : ' · click or D to switch'}`;
        return (
          <Group key={i}>
            <Rect
              x={x1}
              y={y1}
              width={x2 - x1}
              height={y2 - y1}
              stroke={on ? 'rgba(255,214,102,0.95)' : 'rgba(255,255,255,0.7)'}
              strokeWidth={on ? 2 : 1.5}
              dash={on ? undefined : [8, 6]}
              shadowColor="#000"
              shadowBlur={2}
              shadowOpacity={0.8}
            />
            <Text
              x={x1 + 4}
              y={Math.max(2, y1 - 18)}
              text={text}
              fontSize={12}
              fontStyle="bold"
              fill={on ? 'rgb(255,214,102)' : '#fff'}
              stroke="rgba(0,0,0,0.85)"
              strokeWidth={3}
              fillAfterStrokeEnabled
            />
          </Group>
        );
      })}
    </Group>
  );
}

/** Magnification of the loupe: 4× the view, at least 2 image pixels per device pixel, at most 32. */
export function loupeScale(view: View, dpr: number): number {
  return Math.min(32, Math.max(view.scale * 4, 2 / dpr));
}

/** A round loupe near the cursor while dragging: the image around the point, magnified, with a crosshair. */
export function Magnifier({
  view,
  viewport,
  image,
  imageSize,
  at,
  pointer,
  color,
  dpr,
}: {
  view: View;
  viewport: { width: number; height: number };
  image: HTMLImageElement;
  imageSize: [number, number];
  at: readonly [number, number];
  pointer: [number, number];
  color: string;
  dpr: number;
}) {
  const R = LOUPE_RADIUS;
  const m = loupeScale(view, dpr);
  const gap = R + 28;
  const cx = pointer[0] - gap < R ? pointer[0] + gap : pointer[0] - gap;
  const cy = pointer[1] - gap < R ? Math.min(viewport.height - R, pointer[1] + gap) : pointer[1] - gap;
  // The source rectangle around the point, in the element's pixels (preview or full).
  const k = image.naturalWidth / imageSize[0];
  const half = R / m;
  const crop = { x: (at[0] - half) * k, y: (at[1] - half) * k, width: 2 * half * k, height: 2 * half * k };
  return (
    <Group>
      <Circle x={cx} y={cy} radius={R + 3} fill="rgba(0,0,0,0.75)" />
      <Group clipFunc={(ctx) => ctx.arc(cx, cy, R, 0, Math.PI * 2)}>
        <KImage image={image} x={cx - R} y={cy - R} width={2 * R} height={2 * R} crop={crop} />
      </Group>
      <Line points={[cx - R, cy, cx - 6, cy]} stroke={color} strokeWidth={1} />
      <Line points={[cx + 6, cy, cx + R, cy]} stroke={color} strokeWidth={1} />
      <Line points={[cx, cy - R, cx, cy - 6]} stroke={color} strokeWidth={1} />
      <Line points={[cx, cy + 6, cx, cy + R]} stroke={color} strokeWidth={1} />
      <Circle x={cx} y={cy} radius={R} stroke="#fff" strokeWidth={2} />
    </Group>
  );
}
