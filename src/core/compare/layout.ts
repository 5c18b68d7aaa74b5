/**
 * Where the panes of the compare view go: the grid that makes every pane as large as possible
 * for the frame's aspect ratio, and which pane a point falls in. Pure geometry, in CSS pixels.
 */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GridLayout {
  cols: number;
  rows: number;
  panes: Rect[];
}

export function gridLayout(
  n: number,
  viewport: { width: number; height: number },
  frame: { width: number; height: number },
  gap = 6,
): GridLayout {
  if (n <= 0) return { cols: 0, rows: 0, panes: [] };
  let best: { cols: number; rows: number; scale: number } = { cols: 1, rows: n, scale: -1 };
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const w = (viewport.width - gap * (cols - 1)) / cols;
    const h = (viewport.height - gap * (rows - 1)) / rows;
    const scale = Math.min(w / frame.width, h / frame.height);
    // Prefer fewer empty cells when two layouts are as large.
    if (scale > best.scale + 1e-9) best = { cols, rows, scale };
  }
  const { cols, rows } = best;
  const w = Math.floor((viewport.width - gap * (cols - 1)) / cols);
  const h = Math.floor((viewport.height - gap * (rows - 1)) / rows);
  const panes: Rect[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % cols;
    const r = Math.floor(i / cols);
    panes.push({ x: c * (w + gap), y: r * (h + gap), width: w, height: h });
  }
  return { cols, rows, panes };
}

/** The pane containing `p`, with `p` relative to that pane; null in the gaps. */
export function paneAt(
  panes: readonly Rect[],
  p: readonly [number, number],
): { index: number; local: [number, number] } | null {
  for (const [index, r] of panes.entries()) {
    if (p[0] >= r.x && p[0] < r.x + r.width && p[1] >= r.y && p[1] < r.y + r.height) {
      return { index, local: [p[0] - r.x, p[1] - r.y] };
    }
  }
  return null;
}

/** The wipe divider at `fraction` of the width, clamped so the handle stays reachable. */
export function wipeX(width: number, fraction: number): number {
  return Math.round(Math.min(1, Math.max(0, fraction)) * width);
}

export function wipeFraction(width: number, x: number): number {
  return width > 0 ? Math.min(1, Math.max(0, x / width)) : 0.5;
}
