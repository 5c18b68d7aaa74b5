import { describe, expect, it } from 'vitest';
import {
  createCompareStore,
  defaultShown,
  drawnPanes,
  MAX_MODEL_PANES,
  panesOf,
} from '../../../../src/renderer/features/compare/store';
import { model, session } from '../../../fixtures/compare-session';

describe('the compare store', () => {
  it('makes a pane of the input, the ground truth and each model; a model with no output is unavailable, with why', () => {
    const s = session(3, [
      model('a', 3, 30),
      model('broken', 3, null, { outputs: [null, null, null], status: 'inference_failed', error: 'OOM' }),
    ]);
    const panes = panesOf(s);
    expect(panes.map((p) => [p.id, p.available, p.reason])).toEqual([
      ['input', true, null],
      ['gt', true, null],
      ['model:a', true, null],
      ['model:broken', false, 'inference_failed: OOM'],
    ]);
    expect(panesOf(session(2, [], false)).map((p) => p.id)).toEqual(['input']);
  });

  it('shows the input, the ground truth and the three best models by mean PSNR', () => {
    const s = session(2, [model('m1', 2, 28), model('m2', 2, 33), model('m3', 2, 31), model('m4', 2, 35)]);
    expect(defaultShown(s, panesOf(s))).toEqual(['input', 'gt', 'model:m4', 'model:m2', 'model:m3']);
  });

  it('starts on frame 0 in the grid, the wipe between the two best models, the difference against the ground truth', () => {
    const store = createCompareStore(session(4, [model('a', 4, 30), model('b', 4, 32)]));
    const s = store.getState();
    expect([s.frame, s.mode, s.wipe, s.diff, s.view, s.playing, s.fps]).toEqual([
      0,
      'grid',
      { a: 'model:b', b: 'model:a', position: 0.5 },
      { reference: 'gt', scale: null },
      null,
      false,
      12,
    ]);
    // One model: the wipe is between it and a shown pane; without ground truth, differences are against the input.
    expect(createCompareStore(session(4, [model('a', 4, 30)])).getState().wipe).toEqual({
      a: 'model:a',
      b: 'gt',
      position: 0.5,
    });
    expect(createCompareStore(session(4, [model('a', 4, 30)], false)).getState().diff.reference).toBe('input');
  });

  it('keeps the frame inside the sequence, stepping and jumping', () => {
    const store = createCompareStore(session(5, [model('a', 5, 30)]));
    const s = (): ReturnType<typeof store.getState> => store.getState();
    s().step(3);
    expect(s().frame).toBe(3);
    s().step(10);
    expect(s().frame).toBe(4);
    s().step(-10);
    expect(s().frame).toBe(0);
    s().setFrame(2.6);
    expect(s().frame).toBe(3);
    s().setFrame(-1);
    expect(s().frame).toBe(0);
  });

  it('toggles panes in the list’s order, never hiding the last one or showing an unavailable one', () => {
    const s = session(1, [model('a', 1, 30), model('b', 1, 31), model('x', 1, null, { outputs: [null] })]);
    const store = createCompareStore(s);
    const st = () => store.getState();
    expect(st().shown).toEqual(['input', 'gt', 'model:b', 'model:a']);
    st().togglePane('gt');
    st().togglePane('gt');
    expect(st().shown).toEqual(['input', 'gt', 'model:a', 'model:b']);
    st().togglePane('model:x');
    expect(st().shown).not.toContain('model:x');
    for (const id of ['input', 'gt', 'model:a', 'model:b'] as const) st().togglePane(id);
    expect(st().shown).toEqual(['model:b']);
  });

  it('shows at most MAX_MODEL_PANES models', () => {
    const models = Array.from({ length: MAX_MODEL_PANES + 2 }, (_, i) => model(`m${i}`, 1, 20 + i));
    const store = createCompareStore(session(1, models));
    for (const m of models) store.getState().togglePane(`model:${m.name}`);
    // Toggling hid the three shown ones and showed the others, up to the limit.
    const shownModels = store.getState().shown.filter((id) => id.startsWith('model:'));
    expect(shownModels.length).toBeLessThanOrEqual(MAX_MODEL_PANES);
    for (const m of models)
      if (!store.getState().shown.includes(`model:${m.name}`)) store.getState().togglePane(`model:${m.name}`);
    expect(store.getState().shown.filter((id) => id.startsWith('model:'))).toHaveLength(MAX_MODEL_PANES);
  });

  it('merges wipe and difference settings, bounds the rate, and notes the frame drawn only when it changes', () => {
    const store = createCompareStore(session(3, [model('a', 3, 30)]));
    const st = () => store.getState();
    st().setWipe({ position: 0.25 });
    st().setDiff({ scale: 16 });
    st().setFps(500);
    expect([st().wipe.position, st().wipe.a, st().diff, st().fps]).toEqual([
      0.25,
      'model:a',
      { reference: 'gt', scale: 16 },
      60,
    ]);
    st().setFps(0);
    expect(st().fps).toBe(1);
    let changes = 0;
    const stop = store.subscribe(() => changes++);
    st().setDrawnFrame(2);
    st().setDrawnFrame(2);
    stop();
    expect([st().drawnFrame, changes]).toEqual([2, 1]);
  });

  it('names the panes whose images each mode draws', () => {
    const store = createCompareStore(session(2, [model('a', 2, 30), model('b', 2, 31)]));
    const st = () => store.getState();
    expect(drawnPanes(st()).map((p) => p.id)).toEqual(['input', 'gt', 'model:a', 'model:b']);
    st().setMode('wipe');
    expect(drawnPanes(st()).map((p) => p.id)).toEqual(['model:a', 'model:b']);
    st().togglePane('gt');
    st().setMode('diff');
    // The reference is drawn even when it is not shown.
    expect(drawnPanes(st()).map((p) => p.id)).toEqual(['input', 'gt', 'model:a', 'model:b']);
  });
});
