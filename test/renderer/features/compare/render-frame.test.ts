import { describe, expect, it } from 'vitest';
import {
  compareSlots,
  frameOnScreen,
  renderCompareFrame,
  slotSources,
  stageColumns,
  stageLayout,
  COLOUR_BAR_STRIP,
  type CompareFrameInput,
  type Slot,
} from '../../../../src/renderer/features/compare/render-frame';
import { panesOf, type Pane } from '../../../../src/renderer/features/compare/store';
import { model, session } from '../../../fixtures/compare-session';

const PANES = panesOf(session(3, [model('a', 3, 30), model('b', 3, 31)]));
const byId = (id: string): Pane => PANES.find((p) => p.id === id)!;
const choice = {
  panes: PANES,
  shown: ['input', 'gt', 'model:a', 'model:b'] as const,
  wipe: { a: 'model:a', b: 'model:b' } as const,
  diff: { reference: 'gt' } as const,
};

/** A frame's plan with images named after their panes ("input@1"), 1:1 view of a 100×50 frame. */
function plan(over: Partial<CompareFrameInput<string>> & Pick<CompareFrameInput<string>, 'mode' | 'slots' | 'layout'>) {
  return renderCompareFrame<string>({
    view: { scale: 2, x: 10, y: 5 },
    frameSize: { width: 100, height: 50 },
    dpr: 1,
    flipped: false,
    wipePosition: 0.5,
    lossless: true,
    image: (p) => `${p.id}@1`,
    heat: null,
    ...over,
  });
}

describe('the compare stage’s slots', () => {
  it('are the shown panes in the grid, the wipe’s two panes, or each shown pane against the reference', () => {
    expect(compareSlots({ ...choice, mode: 'grid' }).map((s) => [s.key, s.label])).toEqual([
      ['input', 'Input'],
      ['gt', 'Ground truth'],
      ['model:a', 'a'],
      ['model:b', 'b'],
    ]);
    expect(compareSlots({ ...choice, mode: 'wipe' }).map((s) => s.key)).toEqual(['model:a', 'model:b']);
    expect(compareSlots({ ...choice, mode: 'diff' }).map((s) => [s.key, s.label])).toEqual([
      ['input~gt', 'Input − Ground truth'],
      ['model:a~gt', 'a − Ground truth'],
      ['model:b~gt', 'b − Ground truth'],
    ]);
    expect(compareSlots({ ...choice, mode: 'wipe', wipe: { a: 'model:a', b: 'model:gone' } })).toEqual([]);
    expect(compareSlots({ ...choice, mode: 'diff', diff: { reference: 'model:gone' } })).toEqual([]);
  });

  it('carry each pane’s colour, models coloured by their place in the list', () => {
    const [input, gt, a, b] = compareSlots({ ...choice, mode: 'grid' }).map((s) => s.colour);
    expect([input, gt]).toEqual(['#a2a9b4', '#ffffff']);
    expect(a).not.toBe(b);
  });

  it('need each source image once, a heatmap’s reference included', () => {
    const slots = compareSlots({ ...choice, mode: 'diff', shown: ['model:a', 'model:b'] });
    expect(slotSources(slots).map((p) => p.id)).toEqual(['model:a', 'gt', 'model:b']);
  });

  it('are laid out as the largest grid for the frame, or the whole stage for a wipe', () => {
    expect(stageLayout('wipe', 2, { width: 800, height: 600 }, { width: 100, height: 50 })).toEqual([
      { x: 0, y: 0, width: 800, height: 600 },
    ]);
    expect(stageLayout('grid', 4, { width: 806, height: 306 }, { width: 100, height: 50 })).toEqual([
      { x: 0, y: 0, width: 400, height: 150 },
      { x: 406, y: 0, width: 400, height: 150 },
      { x: 0, y: 156, width: 400, height: 150 },
      { x: 406, y: 156, width: 400, height: 150 },
    ]);
    // Difference mode keeps a strip below the panes for the colour bar: no pane reaches into it.
    const diff = stageLayout('diff', 4, { width: 806, height: 306 + COLOUR_BAR_STRIP }, { width: 100, height: 50 });
    expect(diff).toEqual(stageLayout('grid', 4, { width: 806, height: 306 }, { width: 100, height: 50 }));
    expect(Math.max(...diff.map((r) => r.y + r.height))).toBeLessThanOrEqual(306);
    expect(stageLayout('grid', 4, null, { width: 100, height: 50 })).toEqual([]);
    expect(stageLayout('grid', 4, { width: 800, height: 600 }, null)).toEqual([]);
  });

  it('give an export the columns the stage draws, whether or not a frame is on screen yet', () => {
    expect(stageColumns('grid', 4, { width: 806, height: 306 }, { width: 100, height: 50 })).toBe(2);
    expect(stageColumns('grid', 5, { width: 1300, height: 500 }, { width: 320, height: 192 })).toBe(3);
    expect(stageColumns('grid', 5, { width: 400, height: 1200 }, { width: 320, height: 192 })).toBe(1);
    expect(stageColumns('wipe', 2, { width: 800, height: 600 }, { width: 100, height: 50 })).toBe(1);
    expect(stageColumns('grid', 4, null, { width: 100, height: 50 })).toBe(1);
    expect(stageColumns('grid', 4, { width: 800, height: 600 }, null)).toBe(1);
  });
});

describe('renderCompareFrame', () => {
  const grid = compareSlots({ ...choice, mode: 'grid' });
  const layout = stageLayout('grid', grid.length, { width: 806, height: 306 }, { width: 100, height: 50 });

  it('draws every slot’s image in its pane under the one shared view', () => {
    const p = plan({ mode: 'grid', slots: grid, layout })!;
    expect(p.quality).toBe('high');
    expect(p.panes.map((x) => [x.canvas, x.width, x.height, x.layers.map((l) => l.image)])).toEqual([
      [0, 400, 150, ['input@1']],
      [1, 400, 150, ['gt@1']],
      [2, 400, 150, ['model:a@1']],
      [3, 400, 150, ['model:b@1']],
    ]);
    for (const pane of p.panes) expect(pane.layers[0]!.dest).toEqual({ x: 10, y: 5, width: 200, height: 100 });
  });

  it('leaves a pane empty while its image is not loaded, and one without a rectangle out', () => {
    const p = plan({
      mode: 'grid',
      slots: grid,
      layout: layout.slice(0, 3),
      image: (pane) => (pane.id === 'gt' ? null : pane.id),
    })!;
    expect(p.panes.map((x) => x.layers.length)).toEqual([1, 0, 1]);
  });

  it('smooths minified frames only, and draws moving (proxy) frames with the cheap filter', () => {
    const minified = plan({ mode: 'grid', slots: grid, layout, view: { scale: 0.4, x: 0, y: 0 }, dpr: 2 })!;
    expect(minified.panes[0]!.layers[0]!.smoothing).toBe(true);
    const magnified = plan({ mode: 'grid', slots: grid, layout, view: { scale: 0.5, x: 0, y: 0 }, dpr: 2 })!;
    expect(magnified.panes[0]!.layers[0]!.smoothing).toBe(false);
    expect(plan({ mode: 'grid', slots: grid, layout, lossless: false })!.quality).toBe('low');
  });

  it('wipes the right pane over the left from the divider on, or shows the right one alone when flipped', () => {
    const slots = compareSlots({ ...choice, mode: 'wipe' });
    const wipeLayout = stageLayout('wipe', 2, { width: 800, height: 600 }, { width: 100, height: 50 });
    const p = plan({ mode: 'wipe', slots, layout: wipeLayout, wipePosition: 0.25 })!;
    expect(p.panes).toHaveLength(1);
    expect(p.panes[0]!.layers.map((l) => [l.image, l.clipX])).toEqual([
      ['model:a@1', undefined],
      ['model:b@1', 200],
    ]);
    const flipped = plan({ mode: 'wipe', slots, layout: wipeLayout, flipped: true })!;
    expect(flipped.panes[0]!.layers.map((l) => [l.image, l.clipX])).toEqual([['model:b@1', undefined]]);
    expect(plan({ mode: 'wipe', slots: slots.slice(0, 1), layout: wipeLayout })).toBeNull();
    expect(plan({ mode: 'wipe', slots, layout: [] })).toBeNull();
  });

  it('draws heatmaps in difference mode, nothing until they are computed', () => {
    const slots: Slot[] = compareSlots({ ...choice, mode: 'diff' });
    const diffLayout = stageLayout('diff', slots.length, { width: 800, height: 600 }, { width: 100, height: 50 });
    expect(plan({ mode: 'diff', slots, layout: diffLayout })!.panes.every((x) => x.layers.length === 0)).toBe(true);
    const p = plan({ mode: 'diff', slots, layout: diffLayout, heat: ['h0', null, 'h2'] })!;
    expect(p.panes.map((x) => x.layers.map((l) => l.image))).toEqual([['h0'], [], ['h2']]);
  });
});

describe('frameOnScreen', () => {
  it('is the loaded frame when the images are the panes’ own for it, else -1 (the panes just changed)', () => {
    const sources = [byId('input'), byId('model:a')];
    const key = ['/in/1.png', '/out/a/1.png'].join('|');
    expect(frameOnScreen({ key, frame: 1, images: [], lossless: true }, sources)).toBe(1);
    expect(frameOnScreen({ key, frame: 1, images: [], lossless: true }, [byId('gt'), byId('model:a')])).toBe(-1);
  });
});
