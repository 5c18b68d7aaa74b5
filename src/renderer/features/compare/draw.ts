import type { FramePlan, Layer } from './render-frame';

/** Paint a frame plan (render-frame.ts) into the panes' canvases. */
export function paintCompareFrame(
  plan: FramePlan<CanvasImageSource>,
  canvases: readonly (HTMLCanvasElement | null)[],
  dpr: number,
): void {
  for (const pane of plan.panes) {
    const c = canvases[pane.canvas];
    if (!c) continue;
    sizeCanvas(c, pane.width, pane.height, dpr);
    const ctx = c.getContext('2d')!;
    clear(ctx);
    for (const layer of pane.layers) drawLayer(ctx, layer, dpr, plan.quality);
  }
}

function drawLayer(
  ctx: CanvasRenderingContext2D,
  layer: Layer<CanvasImageSource>,
  dpr: number,
  quality: ImageSmoothingQuality,
): void {
  ctx.save();
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  if (layer.clipX !== undefined) {
    ctx.beginPath();
    ctx.rect(layer.clipX, 0, ctx.canvas.width / dpr - layer.clipX, ctx.canvas.height / dpr);
    ctx.clip();
  }
  ctx.imageSmoothingEnabled = layer.smoothing;
  ctx.imageSmoothingQuality = quality;
  const d = layer.dest;
  ctx.drawImage(layer.image, d.x, d.y, d.width, d.height);
  ctx.restore();
}

/** Size a canvas to CSS pixels × device pixels; true if it changed (and was cleared). */
export function sizeCanvas(canvas: HTMLCanvasElement, width: number, height: number, dpr: number): boolean {
  const w = Math.max(1, Math.round(width * dpr));
  const h = Math.max(1, Math.round(height * dpr));
  if (canvas.width === w && canvas.height === h) return false;
  canvas.width = w;
  canvas.height = h;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  return true;
}

export function clear(ctx: CanvasRenderingContext2D): void {
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = '#08090b';
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.restore();
}
