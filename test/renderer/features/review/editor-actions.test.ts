import { describe, expect, it } from 'vitest';
import type { PixelKeypoints } from '../../../../src/core/geometry/dial';
import type { KeypointName } from '../../../../src/shared/labels';
import { handleKeyDown, handleKeyUp, helpRows } from '../../../../src/renderer/actions/actions';
import type { View } from '../../../../src/renderer/canvas/view';
import { EDITOR_ACTIONS, type EditorActionContext } from '../../../../src/renderer/features/review/editor-actions';
import { conflicts, press } from '../../keys';

const POINTS: PixelKeypoints = {
  top: [100, 20],
  right: [180, 100],
  bottom: [100, 180],
  left: [20, 100],
  center: [100, 100],
};

/** An editor as the keys see it: a folder whose editor records what it was asked to do. */
function editor(options: { selected?: KeypointName | null; help?: boolean; viewport?: boolean; dials?: number } = {}) {
  const calls: unknown[][] = [];
  const record =
    (name: string) =>
    (...args: unknown[]): void =>
      void calls.push([name, ...args]);
  let draft: PixelKeypoints = POINTS;
  const folder = {
    selected: options.selected ?? null,
    draft,
    select: record('select'),
    cycle: record('cycle'),
    undo: record('undo'),
    redo: record('redo'),
    step: record('step'),
    accept: async () => {
      calls.push(['accept']);
      return true;
    },
    reject: async () => {
      calls.push(['reject']);
      return true;
    },
    reset: record('reset'),
    switchDial: record('switchDial'),
    nudge: (dx: number, dy: number) => {
      calls.push(['nudge', dx, dy]);
      const n = folder.selected!;
      draft = { ...draft, [n]: [draft[n][0] + dx, draft[n][1] + dy] };
      folder.draft = draft;
    },
  };
  let view: View = { scale: 1, x: 0, y: 0 };
  const ctx: EditorActionContext = {
    folder: () => folder,
    help: options.help ?? false,
    setHelp: record('setHelp'),
    close: record('close'),
    fit: record('fit'),
    updateView: (change) => {
      view = change(view);
      calls.push(['view', view]);
    },
    viewport: options.viewport === false ? null : { width: 200, height: 200 },
    dpr: 2,
    setSpace: record('setSpace'),
    dials: options.dials ?? 0,
  };
  return { ctx, calls, view: () => view };
}

describe('the editor’s keys', () => {
  it('nudge the selected point 1, 10 (Shift, also with Alt) or 0.1 px (Alt) along the arrow', () => {
    const { ctx, calls } = editor({ selected: 'top' });
    handleKeyDown(EDITOR_ACTIONS, press('ArrowRight'), ctx);
    handleKeyDown(EDITOR_ACTIONS, press('ArrowDown', { shiftKey: true }), ctx);
    handleKeyDown(EDITOR_ACTIONS, press('ArrowUp', { shiftKey: true, altKey: true }), ctx);
    handleKeyDown(EDITOR_ACTIONS, press('ArrowLeft', { altKey: true }), ctx);
    expect(calls.filter((c) => c[0] === 'nudge')).toEqual([
      ['nudge', 1, 0],
      ['nudge', 0, 10],
      ['nudge', 0, -10],
      ['nudge', -0.1, 0],
    ]);
  });

  it('pan the view to keep a nudged point in sight', () => {
    const { ctx, view } = editor({ selected: 'right' });
    // The right point at x 180 is inside the 40 px margin of a 200 px viewport: one nudge brings the view along.
    handleKeyDown(EDITOR_ACTIONS, press('ArrowRight', { shiftKey: true }), ctx);
    expect(view().x).toBeCloseTo(200 - 40 - 190);
  });

  it('step through the images with ← and → when no point is selected; ↑ and ↓ then do nothing', () => {
    const { ctx, calls } = editor();
    handleKeyDown(EDITOR_ACTIONS, press('ArrowLeft'), ctx);
    handleKeyDown(EDITOR_ACTIONS, press('ArrowRight', { shiftKey: true }), ctx);
    const up = press('ArrowUp');
    expect(handleKeyDown(EDITOR_ACTIONS, up, ctx)).toBe(false);
    expect(up.preventDefault).not.toHaveBeenCalled();
    expect(calls).toEqual([
      ['step', -1],
      ['step', 1],
    ]);
  });

  it('switch dial with D (next) and Shift+D (previous) only when the photo holds several', () => {
    const several = editor({ dials: 2 });
    expect(handleKeyDown(EDITOR_ACTIONS, press('d'), several.ctx)).toBe(true);
    handleKeyDown(EDITOR_ACTIONS, press('D', { shiftKey: true }), several.ctx);
    expect(several.calls).toEqual([
      ['switchDial', 'next'],
      ['switchDial', 'previous'],
    ]);
    const one = editor({ dials: 1 });
    expect(handleKeyDown(EDITOR_ACTIONS, press('d'), one.ctx)).toBe(false);
    expect(one.calls).toEqual([]);
  });

  it('undo with Ctrl/⌘+Z, redo with Shift+Ctrl/⌘+Z or Ctrl+Y; other Ctrl chords are left to the browser', () => {
    const { ctx, calls } = editor({ selected: 'top' });
    handleKeyDown(EDITOR_ACTIONS, press('z', { ctrlKey: true }), ctx);
    handleKeyDown(EDITOR_ACTIONS, press('Z', { metaKey: true, shiftKey: true }), ctx);
    handleKeyDown(EDITOR_ACTIONS, press('y', { ctrlKey: true }), ctx);
    for (const k of ['r', 'f', '1', 'Enter', 'ArrowLeft', ' ', 'Backspace', 'a'])
      expect(handleKeyDown(EDITOR_ACTIONS, press(k, { ctrlKey: true }), ctx)).toBe(false);
    expect(calls).toEqual([['undo'], ['redo'], ['redo']]);
  });

  it('review with Enter (accept) and Backspace or Delete (reject); R resets the point, Shift+R all', async () => {
    const { ctx, calls } = editor({ selected: 'top' });
    for (const k of ['Enter', 'Backspace', 'Delete']) handleKeyDown(EDITOR_ACTIONS, press(k), ctx);
    handleKeyDown(EDITOR_ACTIONS, press('r'), ctx);
    handleKeyDown(EDITOR_ACTIONS, press('R', { shiftKey: true }), ctx);
    await Promise.resolve();
    expect(calls).toEqual([['accept'], ['reject'], ['reject'], ['reset', false], ['reset', true]]);
  });

  it('Tab cycles the points (Shift+Tab backwards), even with a modifier held', () => {
    const { ctx, calls } = editor();
    handleKeyDown(EDITOR_ACTIONS, press('Tab'), ctx);
    handleKeyDown(EDITOR_ACTIONS, press('Tab', { shiftKey: true, ctrlKey: true }), ctx);
    expect(calls).toEqual([
      ['cycle', 1],
      ['cycle', -1],
    ]);
  });

  it('Esc closes the help first, then deselects, then goes back to the grid', () => {
    const withHelp = editor({ selected: 'top', help: true });
    handleKeyDown(EDITOR_ACTIONS, press('Escape'), withHelp.ctx);
    const selected = editor({ selected: 'top' });
    handleKeyDown(EDITOR_ACTIONS, press('Escape'), selected.ctx);
    const none = editor();
    handleKeyDown(EDITOR_ACTIONS, press('Escape'), none.ctx);
    expect([withHelp.calls, selected.calls, none.calls]).toEqual([
      [['setHelp', false]],
      [['select', null]],
      [['close']],
    ]);
  });

  it('? (or Shift+/) toggles the help', () => {
    const closed = editor();
    handleKeyDown(EDITOR_ACTIONS, press('?', { shiftKey: true }), closed.ctx);
    const open = editor({ help: true });
    handleKeyDown(EDITOR_ACTIONS, press('/', { shiftKey: true }), open.ctx);
    expect(handleKeyDown(EDITOR_ACTIONS, press('/'), open.ctx)).toBe(false);
    expect([closed.calls, open.calls]).toEqual([[['setHelp', true]], [['setHelp', false]]]);
  });

  it('F fits; 1 shows actual pixels on the selected point; + = − zoom about the centre, once laid out', () => {
    const { ctx, calls, view } = editor({ selected: 'center' });
    handleKeyDown(EDITOR_ACTIONS, press('F'), ctx);
    handleKeyDown(EDITOR_ACTIONS, press('1'), ctx);
    expect(view()).toEqual({ scale: 0.5, x: 100 - 50, y: 100 - 50 });
    handleKeyDown(EDITOR_ACTIONS, press('+'), ctx);
    expect(view().scale).toBeCloseTo(0.625);
    handleKeyDown(EDITOR_ACTIONS, press('-'), ctx);
    handleKeyDown(EDITOR_ACTIONS, press('='), ctx);
    expect(view().scale).toBeCloseTo(0.625);
    expect(calls[0]).toEqual(['fit']);
    const early = editor({ viewport: false });
    for (const k of ['1', '+', '-']) expect(handleKeyDown(EDITOR_ACTIONS, press(k), early.ctx)).toBe(false);
  });

  it('Space held pans until it is let go', () => {
    const { ctx, calls } = editor();
    handleKeyDown(EDITOR_ACTIONS, press(' '), ctx);
    handleKeyUp(EDITOR_ACTIONS, press(' '), ctx);
    expect(calls).toEqual([
      ['setSpace', true],
      ['setSpace', false],
    ]);
  });

  it('never has two actions for one press, in any state of the editor', () => {
    for (const selected of [null, 'top'] as const)
      for (const help of [false, true])
        for (const viewport of [false, true])
          for (const dials of [1, 2])
            expect(conflicts(EDITOR_ACTIONS, editor({ selected, help, viewport, dials }).ctx)).toEqual([]);
  });

  it('list every shortcut in the help, as it always read', () => {
    expect(helpRows(EDITOR_ACTIONS).map((r) => [r.keys, r.label])).toEqual([
      ['Tab / Shift+Tab', 'Select the next / previous point'],
      ['← ↑ → ↓', 'Nudge the selected point 1 px'],
      ['Shift + arrows', 'Nudge 10 px'],
      ['Alt + arrows', 'Nudge 0.1 px'],
      ['← / →', 'Previous / next image (no point selected)'],
      ['Enter', 'Accept (or save the correction) and go to the next image'],
      ['Backspace', 'Reject the prediction and go to the next image'],
      ['R / Shift+R', 'Reset the selected point / all points to the prediction'],
      ['D / Shift+D', 'Several dials: put the points on the next / previous dial (or click its box)'],
      ['Ctrl/⌘+Z', 'Undo'],
      ['Shift+Ctrl/⌘+Z, Ctrl+Y', 'Redo'],
      ['Wheel / pinch', 'Zoom to the pointer'],
      ['Space + drag, drag the background', 'Pan'],
      ['+ / −', 'Zoom in / out'],
      ['F', 'Fit the image'],
      ['1', 'Actual pixels (100 %), on the selected point'],
      ['Esc', 'Deselect, then back to the grid'],
      ['?', 'Show or hide this help'],
    ]);
  });
});
