import { describe, expect, it } from 'vitest';
import { EXPORT_GAP, exportFontSize, exportLayout, fitLayout } from '../../../src/core/compare/export-layout';

const base = {
  panes: 3,
  cols: 3,
  frame: { width: 1280, height: 720 },
  scale: 1,
  labels: true,
  footer: true,
  colourBar: false,
  even: false,
};

describe('exportLayout: every pane at the frame’s own size, text outside the images', () => {
  it('places native panes in the screen’s columns with a label strip above each and a footer below', () => {
    const l = exportLayout(base);
    expect(l.panes).toHaveLength(3);
    for (const p of l.panes) expect([p.width, p.height]).toEqual([1280, 720]);
    expect(l.width).toBe(3 * 1280 + 2 * EXPORT_GAP);
    // No label overlaps an image: each strip ends where its pane begins.
    for (const [i, p] of l.panes.entries()) {
      const s = l.labels[i]!;
      expect(s.y + s.height).toBe(p.y);
      expect(s.x).toBe(p.x);
    }
    expect(l.footer!.y).toBeGreaterThanOrEqual(l.panes[0]!.y + 720);
    expect(l.height).toBe(l.footer!.y + l.footer!.height);
    expect(l.labelLines).toBe(1);
  });

  it('wraps into rows, adds the colour bar strip below the panes, and rounds to even sizes for video', () => {
    const l = exportLayout({
      ...base,
      panes: 5,
      cols: 3,
      colourBar: true,
      even: true,
      frame: { width: 321, height: 181 },
    });
    expect(new Set(l.panes.map((p) => p.y)).size).toBe(2);
    const bottom = Math.max(...l.panes.map((p) => p.y + p.height));
    expect(l.colourBar!.y).toBeGreaterThan(bottom);
    expect(l.footer!.y).toBeGreaterThan(l.colourBar!.y);
    expect(l.width % 2).toBe(0);
    expect(l.height % 2).toBe(0);
    // A 321 px pane has no room for its name and numbers on one line.
    expect(l.labelLines).toBe(2);
  });

  it('without labels the export is the panes alone: one pane is the frame exactly', () => {
    const l = exportLayout({ ...base, panes: 1, cols: 1, labels: false, footer: false });
    expect([l.width, l.height]).toEqual([1280, 720]);
    expect(l.panes[0]).toEqual({ x: 0, y: 0, width: 1280, height: 720 });
  });

  it('fitLayout shrinks the panes until the longer side fits an encoder’s limit', () => {
    const native = exportLayout({ ...base, frame: { width: 1920, height: 1080 } });
    expect(native.width).toBeGreaterThan(4096);
    const fitted = fitLayout({ ...base, frame: { width: 1920, height: 1080 } }, 4096);
    expect(fitted.width).toBeLessThanOrEqual(4096);
    expect(fitted.width).toBeGreaterThan(4000);
    expect(fitted.panes[0]!.width / fitted.panes[0]!.height).toBeCloseTo(16 / 9, 2);
  });

  it('scales its text with the panes, within readable bounds', () => {
    expect(exportFontSize(1280)).toBe(13);
    expect(exportFontSize(160)).toBe(11);
    expect(exportFontSize(3840)).toBe(28);
  });
});
