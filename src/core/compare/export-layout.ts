import type { Rect } from './layout';

/**
 * Where things go in an exported comparison (a PNG or a video frame): every pane at the frame's
 * own resolution (times `scale`, 1 for a native PNG), a label strip above each pane so no text
 * covers the image, a footer with the frame's name and number, and in difference mode a strip for
 * the colour bar. Pure geometry in output pixels.
 */
export interface ExportLayoutInput {
  /** Panes drawn (a wipe is one pane showing two models). */
  panes: number;
  /** Columns, as the screen shows them (clamped to 1..panes). */
  cols: number;
  frame: { width: number; height: number };
  /** Output pixels per frame pixel: 1 is native. */
  scale: number;
  labels: boolean;
  /** Labels side by side in one strip (a wipe names both its models): 1 unless given. */
  labelsPerPane?: number;
  footer: boolean;
  colourBar: boolean;
  /** Round the canvas up to even sizes (what 4:2:0 video encoders need). */
  even: boolean;
}

export interface ExportLayout {
  width: number;
  height: number;
  /** The image area of each pane. */
  panes: Rect[];
  /** The label strip above each pane (height 0 without labels). */
  labels: Rect[];
  footer: Rect | null;
  colourBar: Rect | null;
  /** Lines of text in a label strip: the name and the numbers side by side, or one above the other. */
  labelLines: 1 | 2;
  /** Text size in output pixels, scaled with the output so a 4K export stays readable. */
  fontSize: number;
}

export const EXPORT_GAP = 6;

/** The text size for an output whose panes are `paneWidth` wide: 13 px at 1280, within 11–28. */
export function exportFontSize(paneWidth: number): number {
  return Math.round(Math.min(28, Math.max(11, (13 * paneWidth) / 1280)));
}

export function exportLayout(input: ExportLayoutInput): ExportLayout {
  const n = Math.max(1, Math.floor(input.panes));
  const cols = Math.min(n, Math.max(1, Math.floor(input.cols)));
  const rows = Math.ceil(n / cols);
  const w = Math.max(1, Math.round(input.frame.width * input.scale));
  const h = Math.max(1, Math.round(input.frame.height * input.scale));
  const fontSize = exportFontSize(w);
  // A pane too narrow for its name and numbers on one line gets two.
  const labelLines = w / (input.labelsPerPane ?? 1) < fontSize * 34 ? 2 : 1;
  const labelH = input.labels ? Math.round(fontSize * (0.9 + 1.3 * labelLines)) : 0;
  const gap = EXPORT_GAP;
  const cellH = labelH + h;
  const panes: Rect[] = [];
  const labels: Rect[] = [];
  for (let i = 0; i < n; i++) {
    const x = (i % cols) * (w + gap);
    const y = Math.floor(i / cols) * (cellH + gap);
    labels.push({ x, y, width: w, height: labelH });
    panes.push({ x, y: y + labelH, width: w, height: h });
  }
  let width = cols * w + (cols - 1) * gap;
  let y = rows * cellH + (rows - 1) * gap;
  let colourBar: Rect | null = null;
  if (input.colourBar) {
    const barH = Math.round(fontSize * 3.8);
    colourBar = { x: 0, y: y + gap, width, height: barH };
    y += gap + barH;
  }
  let footer: Rect | null = null;
  if (input.footer) {
    const footH = Math.round(fontSize * 2.2);
    footer = { x: 0, y: y + gap, width, height: footH };
    y += gap + footH;
  }
  let height = y;
  if (input.even) {
    width += width % 2;
    height += height % 2;
  }
  return { width, height, panes, labels, labelLines, footer, colourBar, fontSize };
}

/** The columns of an on-screen grid (its distinct pane rows' x positions). */
export function columnsOf(panes: readonly Rect[]): number {
  return Math.max(1, new Set(panes.map((p) => p.x)).size);
}

/**
 * The layout at the largest scale ≤ `input.scale` whose longer side is at most `max` pixels (video
 * encoders have limits: H.264 level 5.2 is 4096 wide). Labels and gaps do not shrink with the
 * panes, so the scale is refined until it fits.
 */
export function fitLayout(input: ExportLayoutInput, max: number): ExportLayout {
  let scale = input.scale;
  let layout = exportLayout(input);
  for (let i = 0; i < 8 && Math.max(layout.width, layout.height) > max; i++) {
    scale *= (max - 1) / Math.max(layout.width, layout.height);
    layout = exportLayout({ ...input, scale });
  }
  return layout;
}
