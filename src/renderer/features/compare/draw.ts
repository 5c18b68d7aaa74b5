import type { View } from '../../canvas/view';

/**
 * Draw a frame into a pane's canvas under the shared view: smooth when minified, nearest
 * neighbour from 100 % up (pixels stay pixels). `clipX` keeps only x ≥ clipX (the wipe's B side).
 */
export function drawFrame(
  ctx: CanvasRenderingContext2D,
  source: CanvasImageSource,
  frame: { width: number; height: number },
  view: View,
  dpr: number,
  quality: ImageSmoothingQuality = 'high',
  clipX?: number,
): void {
  ctx.save();
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  if (clipX !== undefined) {
    ctx.beginPath();
    ctx.rect(clipX, 0, ctx.canvas.width / dpr - clipX, ctx.canvas.height / dpr);
    ctx.clip();
  }
  ctx.imageSmoothingEnabled = view.scale * dpr < 1;
  ctx.imageSmoothingQuality = quality;
  ctx.drawImage(source, view.x, view.y, frame.width * view.scale, frame.height * view.scale);
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
