import { describe, expect, it } from 'vitest';
import { handleKeyDown, handleKeyUp, helpRows } from '../../../../src/renderer/actions/actions';
import { COMPARE_ACTIONS, type CompareActionContext } from '../../../../src/renderer/features/compare/compare-actions';
import { createCompareStore, type CompareStore } from '../../../../src/renderer/features/compare/store';
import { conflicts, press } from '../../keys';
import { model, session } from '../../../fixtures/compare-session';

/** Compare's keys on a real comparison store, with a 400×300 pane. */
function compare(frames = 30): { store: CompareStore; ctx: CompareActionContext; help: () => boolean } {
  const store = createCompareStore(session(frames, [model('a', frames, 30), model('b', frames, 31)]));
  let help = false;
  const ctx: CompareActionContext = {
    compare: store.getState,
    frames,
    paneSize: () => ({ width: 400, height: 300 }),
    dpr: 2,
    get help() {
      return help;
    },
    setHelp: (open) => {
      help = open;
    },
  };
  return { store, ctx, help: () => help };
}

describe('Compare’s keys', () => {
  it('step frames with ← → (Shift: ten at a time), jump with Home and End', () => {
    const { store, ctx } = compare();
    const frame = (): number => store.getState().frame;
    handleKeyDown(COMPARE_ACTIONS, press('ArrowRight'), ctx);
    handleKeyDown(COMPARE_ACTIONS, press('ArrowRight'), ctx);
    expect(frame()).toBe(2);
    handleKeyDown(COMPARE_ACTIONS, press('ArrowRight', { shiftKey: true }), ctx);
    expect(frame()).toBe(12);
    handleKeyDown(COMPARE_ACTIONS, press('ArrowLeft', { shiftKey: true }), ctx);
    handleKeyDown(COMPARE_ACTIONS, press('ArrowLeft'), ctx);
    expect(frame()).toBe(1);
    handleKeyDown(COMPARE_ACTIONS, press('End'), ctx);
    expect(frame()).toBe(29);
    handleKeyDown(COMPARE_ACTIONS, press('Home'), ctx);
    expect(frame()).toBe(0);
  });

  it('play and pause with Space; switch modes with g, w and d', () => {
    const { store, ctx } = compare();
    handleKeyDown(COMPARE_ACTIONS, press(' '), ctx);
    expect(store.getState().playing).toBe(true);
    handleKeyDown(COMPARE_ACTIONS, press(' '), ctx);
    expect(store.getState().playing).toBe(false);
    const modes: string[] = [];
    for (const k of ['w', 'd', 'g']) {
      handleKeyDown(COMPARE_ACTIONS, press(k), ctx);
      modes.push(store.getState().mode);
    }
    expect(modes).toEqual(['wipe', 'diff', 'grid']);
    // Capitals (Shift held) are not the mode keys.
    expect(handleKeyDown(COMPARE_ACTIONS, press('W', { shiftKey: true }), ctx)).toBe(false);
  });

  it('hold Shift in the wipe to flip it; outside the wipe Shift is left alone, and letting go always unflips', () => {
    const { store, ctx } = compare();
    const shift = press('Shift', { shiftKey: true });
    expect(handleKeyDown(COMPARE_ACTIONS, shift, ctx)).toBe(false);
    expect(store.getState().flipped).toBe(false);
    store.getState().setMode('wipe');
    expect(handleKeyDown(COMPARE_ACTIONS, press('Shift', { shiftKey: true }), ctx)).toBe(true);
    expect(store.getState().flipped).toBe(true);
    store.getState().setMode('grid');
    handleKeyUp(COMPARE_ACTIONS, press('Shift'), ctx);
    expect(store.getState().flipped).toBe(false);
  });

  it('fit with f (the stage fits a reset view), actual pixels with 1, zoom about the pane’s centre with + = −', () => {
    const { store, ctx } = compare();
    // Before there is a view the zoom keys do nothing, but they are still Compare's.
    expect(handleKeyDown(COMPARE_ACTIONS, press('1'), ctx)).toBe(true);
    expect(store.getState().view).toBeNull();
    store.getState().setView({ scale: 0.25, x: 0, y: 0 });
    handleKeyDown(COMPARE_ACTIONS, press('1'), ctx);
    expect(store.getState().view?.scale).toBe(0.5);
    handleKeyDown(COMPARE_ACTIONS, press('+'), ctx);
    expect(store.getState().view?.scale).toBeCloseTo(0.625);
    handleKeyDown(COMPARE_ACTIONS, press('-'), ctx);
    handleKeyDown(COMPARE_ACTIONS, press('='), ctx);
    const v = store.getState().view!;
    expect(v.scale).toBeCloseTo(0.625);
    // The centre of the pane stays on the same image pixel.
    expect((200 - v.x) / v.scale).toBeCloseTo((200 - 0) / 0.25);
    handleKeyDown(COMPARE_ACTIONS, press('f'), ctx);
    expect(store.getState().view).toBeNull();
  });

  it('leave every Ctrl/⌘ chord, and keys typed into a field, to the page', () => {
    const { store, ctx } = compare();
    for (const k of ['ArrowRight', ' ', 'g', 'f', '?', 'End'])
      expect(handleKeyDown(COMPARE_ACTIONS, press(k, { ctrlKey: true }), ctx)).toBe(false);
    const typed = press('ArrowRight', { target: { tagName: 'SELECT' } as unknown as EventTarget });
    expect(handleKeyDown(COMPARE_ACTIONS, typed, ctx)).toBe(false);
    expect(store.getState().frame).toBe(0);
  });

  it('? shows and hides the help; Esc closes it and is otherwise left to the page', () => {
    const { ctx, help } = compare();
    expect(handleKeyDown(COMPARE_ACTIONS, press('Escape'), ctx)).toBe(false);
    handleKeyDown(COMPARE_ACTIONS, press('?', { shiftKey: true }), ctx);
    expect(help()).toBe(true);
    handleKeyDown(COMPARE_ACTIONS, press('Escape'), ctx);
    expect(help()).toBe(false);
  });

  it('never has two actions for one press', () => {
    for (const mode of ['grid', 'wipe', 'diff'] as const)
      for (const open of [false, true]) {
        const { store, ctx } = compare();
        store.getState().setMode(mode);
        ctx.setHelp(open);
        expect(conflicts(COMPARE_ACTIONS, ctx)).toEqual([]);
      }
  });

  it('list their keys and gestures in the help', () => {
    const rows = helpRows(COMPARE_ACTIONS).map((r) => r.keys);
    expect(rows).toEqual([
      '← / →',
      'Shift+← / →',
      'Home',
      'End',
      'Space',
      'G',
      'W',
      'D',
      'Shift (hold)',
      'Wheel / pinch',
      'Drag',
      '+ / −',
      'F',
      '1',
      '?',
    ]);
  });
});
