import { exportLayout, fitLayout, type ExportLayout } from '../../../core/compare/export-layout';
import type { Rect } from '../../../core/compare/layout';
import { colourMap } from '../../../core/image/heatmap';
import { pixelsOf } from '../../lib/pixels';
import type { HeatmapClient, Pixels } from './heatmap-compute';
import { compareSlots, slotSources, type Slot } from './render-frame';
import type { CompareMode, CompareState, Pane, PaneId } from './store';

/**
 * Exported comparisons, frame by frame: the view (the grid, the wipe at its position, or the
 * difference heatmaps) or one pane, every pane at the frame's own resolution (or a chosen scale),
 * labels and per-frame metrics in strips outside the images, a footer with the frame, and in
 * difference mode the colour bar. The PNG export and the video export draw the same frames.
 */

export type ExportTarget = { kind: 'view' } | { kind: 'pane'; pane: PaneId };

export interface ExportOptions {
  target: ExportTarget;
  /** Label strips (name and the frame's metrics) and the footer. */
  labels: boolean;
  /** Difference mode: the colour bar below the heatmaps. */
  colourBar: boolean;
  /** Output pixels per frame pixel (1: native). */
  scale: number;
  /** Longest side allowed (a video encoder's limit); the scale shrinks to fit. */
  maxSide?: number;
  /** Even width and height (4:2:0 video). */
  even?: boolean;
}

/** What of the comparison an export reads (a snapshot of the compare store). */
export type ExportView = Pick<CompareState, 'session' | 'panes' | 'shown' | 'mode' | 'wipe' | 'diff'>;

export interface ExportPlan {
  mode: CompareMode;
  slots: Slot[];
  layout: ExportLayout;
  /** The wipe divider as a fraction of the width (wipe only). */
  wipe: number | null;
  frames: number;
  view: ExportView;
  labels: boolean;
}

/** The slots an export draws: the view's, or one pane (against the reference in difference mode). */
export function exportSlots(view: ExportView, target: ExportTarget): Slot[] {
  const base = {
    panes: view.panes,
    wipe: { a: view.wipe.a, b: view.wipe.b },
    diff: { reference: view.diff.reference },
  };
  if (target.kind === 'view') return compareSlots({ ...base, shown: view.shown, mode: view.mode });
  const asDiff = view.mode === 'diff' && target.pane !== view.diff.reference;
  return compareSlots({ ...base, shown: [target.pane], mode: asDiff ? 'diff' : 'grid' });
}

export function planExport(
  view: ExportView,
  options: ExportOptions,
  /** The columns the screen shows (the export keeps its arrangement). */
  cols: number,
  frame: { width: number; height: number },
): ExportPlan {
  const slots = exportSlots(view, options.target);
  const mode: CompareMode = options.target.kind === 'view' ? view.mode : slots[0]?.against ? 'diff' : 'grid';
  const input = {
    panes: mode === 'wipe' ? 1 : slots.length,
    cols: options.target.kind === 'view' && mode !== 'wipe' ? cols : 1,
    frame,
    scale: options.scale,
    labels: options.labels,
    labelsPerPane: mode === 'wipe' ? 2 : 1,
    footer: options.labels,
    colourBar: mode === 'diff' && options.colourBar,
    even: options.even ?? false,
  };
  const layout = options.maxSide ? fitLayout(input, options.maxSide) : exportLayout(input);
  return {
    mode,
    slots,
    layout,
    wipe: mode === 'wipe' ? view.wipe.position : null,
    frames: view.session.frames.length,
    view,
    labels: options.labels,
  };
}

/** A pane's numbers for frame k, as the pane labels show them. */
export function paneMetrics(view: ExportView, pane: Pane, k: number): string {
  if (pane.id === 'gt') return 'reference';
  const psnr = pane.id === 'input' ? view.session.baseline?.psnr[k] : pane.psnr?.[k];
  const ssim = pane.id === 'input' ? view.session.baseline?.ssim[k] : pane.ssim?.[k];
  const parts: string[] = [];
  if (psnr !== null && psnr !== undefined) parts.push(`${psnr.toFixed(2)} dB`);
  if (ssim !== null && ssim !== undefined) parts.push(`SSIM ${ssim.toFixed(4)}`);
  return parts.join(' · ');
}

export interface ExportDeps {
  /** A frame decoded at full resolution for the export alone (the caller closes it). */
  decode: (path: string) => Promise<ImageBitmap>;
  heatmaps: Pick<HeatmapClient, 'compute'>;
}

type Ctx = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;

const BACKGROUND = '#08090b';
const TEXT = '#e6e8eb';
const DIM = '#a2a9b4';
const FONT = '-apple-system, "Segoe UI", Inter, sans-serif';

/**
 * Draw frame `k` of a plan into `ctx` (sized to the layout). Difference mode uses `heatScale`
 * when given, else the frame's own robust maximum; the scale used is returned, so a video can keep
 * the first frame's for every frame and its colours mean the same throughout.
 */
export async function drawExportFrame(
  ctx: Ctx,
  plan: ExportPlan,
  k: number,
  deps: ExportDeps,
  heatScale: number | null,
): Promise<{ heatScale: number | null }> {
  const { layout, slots, view } = plan;
  const sources = slotSources(slots);
  const bitmaps = new Map<Pane, ImageBitmap | null>();
  await Promise.all(
    sources.map(async (p) => {
      const path = p.paths[k];
      bitmaps.set(p, path ? await deps.decode(path).catch(() => null) : null);
    }),
  );
  let heat: (ImageBitmap | null)[] | null = null;
  let scale: number | null = null;
  try {
    if (plan.mode === 'diff') {
      const r = await heatmapsOf(slots, bitmaps, deps, heatScale ?? view.diff.scale);
      heat = r.images;
      scale = r.scale;
    }
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = BACKGROUND;
    ctx.fillRect(0, 0, layout.width, layout.height);
    ctx.imageSmoothingQuality = 'high';
    if (plan.mode === 'wipe') {
      const [a, b] = slots;
      const r = layout.panes[0];
      if (a && b && r) {
        const split = r.x + Math.round(r.width * Math.min(1, Math.max(0, plan.wipe ?? 0.5)));
        drawImage(ctx, bitmaps.get(a.pane) ?? null, r);
        ctx.save();
        ctx.beginPath();
        ctx.rect(split, r.y, r.x + r.width - split, r.height);
        ctx.clip();
        drawImage(ctx, bitmaps.get(b.pane) ?? null, r);
        ctx.restore();
        ctx.fillStyle = '#ffffff';
        ctx.fillRect(split - 1, r.y, 2, r.height);
        if (plan.labels)
          drawWipeLabels(ctx, layout, r, a, b, paneMetrics(view, a.pane, k), paneMetrics(view, b.pane, k));
      }
    } else {
      for (const [i, s] of slots.entries()) {
        const r = layout.panes[i];
        if (!r) continue;
        drawImage(ctx, plan.mode === 'diff' ? (heat?.[i] ?? null) : (bitmaps.get(s.pane) ?? null), r);
        const strip = layout.labels[i];
        if (plan.labels && strip) drawLabel(ctx, layout, strip, s.label, s.colour, paneMetrics(view, s.pane, k));
      }
    }
    if (layout.colourBar && scale !== null) drawColourBar(ctx, layout.fontSize, layout.colourBar, scale);
    if (layout.footer) {
      const f = view.session.frames[k];
      drawFooter(ctx, layout.fontSize, layout.footer, `${f?.name ?? `frame ${k}`}`, `frame ${k + 1} / ${plan.frames}`);
    }
    ctx.restore();
  } finally {
    for (const b of bitmaps.values()) b?.close();
    for (const b of heat ?? []) b?.close();
  }
  return { heatScale: scale };
}

async function heatmapsOf(
  slots: readonly Slot[],
  bitmaps: ReadonlyMap<Pane, ImageBitmap | null>,
  deps: ExportDeps,
  scale: number | null,
): Promise<{ images: (ImageBitmap | null)[]; scale: number }> {
  const images: Pixels[] = [];
  const index = new Map<Pane, number>();
  for (const [pane, b] of bitmaps) {
    if (b) index.set(pane, images.push(pixelsOf(b)) - 1);
  }
  const pairs = slots.map((s) => {
    const a = index.get(s.pane);
    const b = s.against ? index.get(s.against) : undefined;
    return a !== undefined && b !== undefined ? ([a, b] as const) : null;
  });
  return deps.heatmaps.compute(images, pairs, scale);
}

function drawImage(ctx: Ctx, image: ImageBitmap | null, r: Rect): void {
  if (image) {
    // 1:1 at native scale (no resampling); smoothed only when the export is scaled down.
    ctx.imageSmoothingEnabled = image.width !== r.width || image.height !== r.height;
    ctx.drawImage(image, r.x, r.y, r.width, r.height);
    return;
  }
  ctx.fillStyle = '#15171b';
  ctx.fillRect(r.x, r.y, r.width, r.height);
  ctx.fillStyle = DIM;
  ctx.font = `${Math.max(11, Math.round(r.width / 60))}px ${FONT}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText('no output for this frame', r.x + r.width / 2, r.y + r.height / 2);
  ctx.textAlign = 'left';
}

function fit(ctx: Ctx, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let t = text;
  while (t.length > 1 && ctx.measureText(`${t}…`).width > width) t = t.slice(0, -1);
  return `${t}…`;
}

function drawLabel(ctx: Ctx, layout: ExportLayout, r: Rect, label: string, colour: string, metrics: string): void {
  const size = layout.fontSize;
  const pad = Math.round(size * 0.6);
  ctx.fillStyle = '#111317';
  ctx.fillRect(r.x, r.y, r.width, r.height);
  ctx.fillStyle = colour;
  ctx.fillRect(r.x, r.y, Math.max(3, Math.round(size / 4)), r.height);
  ctx.textBaseline = 'middle';
  const x = r.x + pad * 1.5;
  const room = r.width - pad * 2.5;
  const mono = `${size}px ui-monospace, Menlo, monospace`;
  const bold = `600 ${size}px ${FONT}`;
  if (layout.labelLines === 2) {
    // Name above, numbers below.
    const line = r.height / 2.6;
    ctx.font = bold;
    ctx.fillStyle = TEXT;
    ctx.textAlign = 'left';
    ctx.fillText(fit(ctx, label, room), x, r.y + line);
    ctx.font = mono;
    ctx.fillStyle = DIM;
    ctx.fillText(fit(ctx, metrics, room), x, r.y + r.height - line);
    return;
  }
  const mid = r.y + r.height / 2;
  ctx.font = mono;
  const mw = metrics ? ctx.measureText(metrics).width : 0;
  ctx.fillStyle = DIM;
  ctx.textAlign = 'right';
  if (metrics) ctx.fillText(metrics, r.x + r.width - pad, mid);
  ctx.textAlign = 'left';
  ctx.font = bold;
  ctx.fillStyle = TEXT;
  ctx.fillText(fit(ctx, label, room - mw - pad), x, mid);
}

function drawWipeLabels(ctx: Ctx, layout: ExportLayout, pane: Rect, a: Slot, b: Slot, ma: string, mb: string): void {
  const strip = layout.labels[0];
  if (!strip) return;
  const half = Math.floor(pane.width / 2);
  drawLabel(ctx, layout, { ...strip, width: half - 1 }, `◀ ${a.label}`, a.colour, ma);
  drawLabel(
    ctx,
    layout,
    { ...strip, x: strip.x + half + 1, width: strip.width - half - 1 },
    `${b.label} ▶`,
    b.colour,
    mb,
  );
}

function drawFooter(ctx: Ctx, size: number, r: Rect, left: string, right: string): void {
  ctx.font = `${size}px ui-monospace, Menlo, monospace`;
  ctx.textBaseline = 'middle';
  ctx.fillStyle = TEXT;
  const mid = r.y + r.height / 2;
  ctx.textAlign = 'right';
  ctx.fillText(right, r.x + r.width - size * 0.6, mid);
  ctx.textAlign = 'left';
  ctx.fillText(fit(ctx, left, r.width - ctx.measureText(right).width - size * 2), r.x + size * 0.6, mid);
}

function drawColourBar(ctx: Ctx, size: number, r: Rect, scale: number): void {
  const lut = colourMap();
  const pad = Math.round(size * 0.6);
  const barW = Math.min(512, Math.round(r.width * 0.4));
  const barH = Math.round(size * 0.9);
  const x0 = r.x + pad;
  ctx.font = `${size}px ${FONT}`;
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  ctx.fillStyle = DIM;
  ctx.fillText('mean |Δ| (8-bit levels)', x0, r.y + 2);
  const y = r.y + Math.round(size * 1.4);
  for (let i = 0; i < barW; i++) {
    const v = Math.round((i / Math.max(1, barW - 1)) * 255) * 3;
    ctx.fillStyle = `rgb(${lut[v]},${lut[v + 1]},${lut[v + 2]})`;
    ctx.fillRect(x0 + i, y, 1, barH);
  }
  // Ticks below the bar, at 0, half and the top of the scale.
  ctx.font = `${size}px ui-monospace, Menlo, monospace`;
  ctx.fillStyle = TEXT;
  ctx.textBaseline = 'top';
  const ty = y + barH + 2;
  ctx.fillText('0', x0, ty);
  ctx.textAlign = 'center';
  ctx.fillText(String(scale / 2), x0 + barW / 2, ty);
  ctx.textAlign = 'right';
  ctx.fillText(`≥ ${scale}`, x0 + barW, ty);
  ctx.textAlign = 'left';
}
