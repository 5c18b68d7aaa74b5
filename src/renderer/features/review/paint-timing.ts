/**
 * How long an image takes to appear in the editor, measured with the User Timing API: a mark
 * when the image opens, a measure at its first paint (any source, the thumbnail included) and at
 * the first paint of its preview or full resolution. bench/editor.bench.ts reads the numbers
 * (the editor also writes them on its canvas element); the performance timeline holds the
 * current image's entries only.
 */
export const OPEN_MARK = 'loupe:editor:open';
export const FIRST_PAINT = 'loupe:editor:first-paint';
export const PREVIEW_PAINT = 'loupe:editor:preview-paint';

export type PaintKind = 'first' | 'preview';

export interface PaintTimes {
  first?: number;
  preview?: number;
}

type Timeline = Pick<Performance, 'mark' | 'measure' | 'clearMarks' | 'clearMeasures'>;

export interface PaintTimer {
  /** An image opened: the clock starts for it. */
  open: (key: string) => void;
  /** Whether a paint of `kind` for `key` is still to be measured. */
  wants: (key: string, kind: PaintKind) => boolean;
  /** The image painted: the times measured so far, or null if nothing was new. */
  painted: (key: string, kind: PaintKind) => PaintTimes | null;
}

export function createPaintTimer(timeline: Timeline = performance): PaintTimer {
  let current: { key: string; times: PaintTimes } | null = null;
  const measure = (name: string, key: string): PerformanceMeasure =>
    timeline.measure(name, { start: OPEN_MARK, detail: { key } });
  const wants = (key: string, kind: PaintKind): boolean =>
    current?.key === key && (kind === 'preview' ? current.times.preview : current.times.first) === undefined;
  return {
    open: (key) => {
      timeline.clearMarks(OPEN_MARK);
      timeline.clearMeasures(FIRST_PAINT);
      timeline.clearMeasures(PREVIEW_PAINT);
      timeline.mark(OPEN_MARK, { detail: { key } });
      current = { key, times: {} };
    },
    wants,
    painted: (key, kind) => {
      if (!current || !wants(key, kind)) return null;
      const t = current.times;
      const m = measure(kind === 'preview' ? PREVIEW_PAINT : FIRST_PAINT, key);
      if (kind === 'preview') t.preview = m.duration;
      // A preview painted before anything else is the first paint too (the same span).
      if (t.first === undefined) {
        if (kind === 'preview')
          timeline.measure(FIRST_PAINT, { start: m.startTime, duration: m.duration, detail: { key } });
        t.first = m.duration;
      }
      return { ...t };
    },
  };
}
