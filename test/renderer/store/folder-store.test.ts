import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { OpenedFolder } from '../../../src/shared/ipc';
import type { LabelFile, LabelRecord } from '../../../src/shared/labels';
import { wrongnessScore } from '../../../src/core/keypoints/review';
import { reviewCounts } from '../../../src/core/keypoints/review-list';
import { createFolderStore, type FolderStore } from '../../../src/renderer/store/folder';
import { dialsState, dialUnder, isDirty } from '../../../src/renderer/store/folder/editor';
import { designRecord } from '../../fixtures/labels';
import { jpeg } from '../../fixtures/images';
import {} from '../../helpers';
import { hostApiForSuite } from '../host-api';

const W = 400;
const H = 300;

function predicted(name: string, confidence: number, annotator: string, shift = 0): LabelRecord {
  const r = designRecord();
  return {
    ...r,
    image_size: [W, H],
    full_image_name: name,
    annotator,
    confidence,
    coords_norm: { ...r.coords_norm, center: [r.coords_norm.center[0] + shift, r.coords_norm.center[1]] },
  };
}

/**
 * The Keypoints document store, driven through a real host and engine on real files: the grid's
 * filters and "most likely wrong" order, and the editor's undo, nudges, resets and reviews.
 */
describe('folder store', () => {
  const suite = hostApiForSuite();
  let photos: string;
  let store: FolderStore;
  const notices: string[] = [];

  beforeEach(async () => {
    photos = join(suite.dir, `photos-${Date.now()}`, 'photos');
    await mkdir(photos, { recursive: true });
    const names = [
      'PATEK_nab_001_01_front.jpg',
      'PATEK_nab_001_02_tilt.jpg',
      'PATEK_nab_001_03_side.jpg',
      'PATEK_nab_001_04_far.jpg',
      'ROLEX_sub_002_01_front.jpg',
      'ROLEX_sub_002_02_front.jpg',
    ];
    for (const n of names) await writeFile(join(photos, n), await jpeg(W, H));
    const root = join(photos, '..');
    await mkdir(join(root, 'alignment_labels_predicted'));
    await mkdir(join(root, 'alignment_labels'));
    const patek: LabelFile = {
      PATEK_nab_001_01: predicted(names[0]!, 0.95, 'loupe-dial-v1'),
      PATEK_nab_001_02: predicted(names[1]!, 0.6, 'loupe-dial-v1-pipeline-fallback'),
      PATEK_nab_001_03: predicted(names[2]!, 0.4, 'loupe-dial-v1-geometric-fallback', 0.08),
      PATEK_nab_001_04: predicted(names[3]!, 0.9, 'loupe-dial-v1'),
    };
    const rolex: LabelFile = { ROLEX_sub_002_01: predicted(names[4]!, 0.8, 'loupe-dial-v1') };
    await writeFile(join(root, 'alignment_labels_predicted', 'PATEK_nab_001.json'), JSON.stringify(patek));
    await writeFile(join(root, 'alignment_labels_predicted', 'ROLEX_sub_002.json'), JSON.stringify(rolex));
    await writeFile(
      join(root, 'alignment_labels', 'ROLEX_sub_002.json'),
      JSON.stringify({ ROLEX_sub_002_02: { ...predicted(names[5]!, 1, 'carol'), confidence: undefined } }),
    );
    const opened = await suite.api.folders.open(photos);
    if (!opened.ok) throw new Error(opened.error.message);
    await suite.api.settings.update({ reviewer: 'alice' });
    notices.length = 0;
    store = createFolderStore({
      api: suite.api,
      folder: opened.value as OpenedFolder,
      settings: () => null,
      notify: (_kind, message) => notices.push(message),
    });
    await store.getState().reload();
  });

  it('loads every image with its state, tier and counts', () => {
    const s = store.getState();
    expect(s.loadState).toBe('ready');
    const counts = reviewCounts(Object.values(s.items));
    expect(counts).toMatchObject({ images: 6, humanLabelled: 1, predicted: 5, unlabelled: 0 });
    expect(counts.byTier).toEqual({ full: 3, 'pipeline-fallback': 1, 'geometric-fallback': 1 });
    expect(counts.byWatch.map((w) => [w.watchId, w.images])).toEqual([
      ['PATEK_nab_001', 4],
      ['ROLEX_sub_002', 2],
    ]);
    expect(s.items.ROLEX_sub_002_02?.state).toBe('labelled');
  });

  it('filters by tier, state, watch, confidence and text, and sorts the most likely wrong first', () => {
    const keys = (): string[] =>
      store
        .getState()
        .visible()
        .map((i) => i.imageKey);
    const s = store.getState();
    s.toggleTier('pipeline-fallback');
    s.toggleTier('geometric-fallback');
    expect(keys()).toEqual(['PATEK_nab_001_02', 'PATEK_nab_001_03']);
    s.clearFilters();
    s.toggleState('labelled');
    expect(keys()).toEqual(['ROLEX_sub_002_02']);
    s.clearFilters();
    s.setFilters({ watchId: 'PATEK_nab_001', confidence: [0.5, 0.92] });
    expect(keys()).toEqual(['PATEK_nab_001_02', 'PATEK_nab_001_04']);
    s.clearFilters();
    s.setFilters({ query: 'sub_002_01' });
    expect(keys()).toEqual(['ROLEX_sub_002_01']);
    s.clearFilters();

    // The memoised list is stable between calls (React selectors rely on it).
    expect(store.getState().visible()).toBe(store.getState().visible());

    s.setFilters({ sort: 'wrongness' });
    const order = keys();
    const scores = order.map((k) => store.getState().items[k]!.score);
    // Images without a prediction (a human label made elsewhere) have nothing to review: last.
    expect(scores.at(-1)).toBeNull();
    expect(order.at(-1)).toBe('ROLEX_sub_002_02');
    const scored = scores.slice(0, -1) as number[];
    expect(scored).toEqual([...scored].sort((a, b) => b - a));
    // The geometric fallback with a displaced centre is worst; a confident full-tier one is best.
    expect(order[0]).toBe('PATEK_nab_001_03');
    expect(order.at(-2)).toBe('PATEK_nab_001_01');
    expect(store.getState().items.PATEK_nab_001_03!.score).toBe(
      wrongnessScore(store.getState().items.PATEK_nab_001_03!.predicted!),
    );
  });

  it('undoes and redoes point edits; a drag is one step; opening another image forgets the history', () => {
    const s = store.getState();
    s.open('PATEK_nab_001_01');
    const start = store.getState().draft!;
    expect(start.top[0]).toBeCloseTo(0.442 * W, 9);
    expect(store.getState().canUndo).toBe(false);

    s.beginDrag();
    for (let i = 1; i <= 10; i++) s.move('top', [start.top[0] + i * 0.5, start.top[1] + i * 0.25]);
    s.endDrag();
    s.select('left');
    s.nudge(0.1, 0);
    s.nudge(-10, 0);
    expect(store.getState().draft!.top).toEqual([start.top[0] + 5, start.top[1] + 2.5]);
    expect(store.getState().draft!.left[0]).toBeCloseTo(start.left[0] - 9.9, 9);
    expect(store.getState().canUndo).toBe(true);

    s.undo(); // the second nudge
    expect(store.getState().draft!.left[0]).toBeCloseTo(start.left[0] + 0.1, 9);
    s.undo(); // the first nudge
    s.undo(); // the whole drag
    expect(store.getState().draft).toEqual(start);
    expect(store.getState().canUndo).toBe(false);
    s.redo();
    expect(store.getState().draft!.top).toEqual([start.top[0] + 5, start.top[1] + 2.5]);
    expect(store.getState().canRedo).toBe(true);
    s.nudge(1, 1); // a new edit drops the redo stack
    expect(store.getState().canRedo).toBe(false);

    s.reset(false); // R: the selected point (left) back to the prediction
    expect(store.getState().draft!.left).toEqual(start.left);
    s.reset(true); // Shift+R: all of them
    expect(store.getState().draft).toEqual(start);
    expect(isDirty(store.getState())).toBe(false);

    s.move('center', [10, 10]);
    s.step(1); // unsaved edits are kept per image
    expect(store.getState().current).toBe('PATEK_nab_001_02');
    expect(store.getState().canUndo).toBe(false);
    s.step(-1);
    expect(store.getState().draft!.center).toEqual([10, 10]);
  });

  it('accepts a correction into the labels folder with the prediction kept, then moves to the next image', async () => {
    const s = store.getState();
    s.toggleTier('full');
    s.open('PATEK_nab_001_01');
    const start = store.getState().draft!;
    s.move('right', [start.right[0] + 12.25, start.right[1] - 3.5]);
    expect(await s.accept()).toBe(true);
    expect(store.getState().current).toBe('PATEK_nab_001_04'); // next in the filtered order
    expect(store.getState().items.PATEK_nab_001_01?.state).toBe('corrected');

    const file = JSON.parse(
      await readFile(join(photos, '..', 'alignment_labels', 'PATEK_nab_001.json'), 'utf8'),
    ) as LabelFile;
    const label = file.PATEK_nab_001_01!;
    expect(label.annotator).toBe('alice');
    expect(label.coords_norm.right[0]).toBeCloseTo((start.right[0] + 12.25) / W, 7);
    expect(label.coords_norm.right[1]).toBeCloseTo((start.right[1] - 3.5) / H, 7);
    expect(label.prediction).toEqual({
      coords_norm: designRecord().coords_norm,
      annotator: 'loupe-dial-v1',
      confidence: 0.95,
    });

    // Accepting unmoved points writes them exactly as predicted.
    expect(await store.getState().accept()).toBe(true);
    expect(store.getState().items.PATEK_nab_001_04?.state).toBe('accepted');

    // Backspace: rejected, recorded, moved on (nothing left in the filter: stays).
    store.getState().open('ROLEX_sub_002_01');
    expect(await store.getState().reject()).toBe(true);
    expect(store.getState().items.ROLEX_sub_002_01?.state).toBe('rejected');
    const reloaded = createFolderStore({
      api: suite.api,
      folder: store.getState().folder,
      settings: () => null,
      notify: () => undefined,
    });
    await reloaded.getState().reload();
    expect(reloaded.getState().items.ROLEX_sub_002_01?.state).toBe('rejected');
    expect(reloaded.getState().items.PATEK_nab_001_01?.state).toBe('corrected');
    expect(notices).toEqual([]);
  });

  it('switches between the dials of a photo with several (key or click), undoably, and saves the chosen one', async () => {
    // The prediction follows the first (most confident) dial; the second has its own points.
    const second = { top: [0.75, 0.2], bottom: [0.75, 0.8], left: [0.6, 0.5], right: [0.9, 0.5], center: [0.75, 0.5] };
    const base = predicted('PATEK_nab_001_04_far.jpg', 0.9, 'loupe-dial-v1');
    const two: LabelRecord = {
      ...base,
      debug_info: {
        yolo_detections: 2,
        detections: [
          {
            box_norm: [0.1, 0.1, 0.55, 0.8],
            score: 0.9,
            tier: 'full',
            method: 'YOLO-Match-Homography',
            confidence: 0.9,
            coords_norm: base.coords_norm,
            template_key: null,
          },
          {
            box_norm: [0.58, 0.15, 0.95, 0.85],
            score: 0.7,
            tier: 'pipeline-fallback',
            method: 'pose',
            confidence: 0.6,
            coords_norm: second,
            template_key: null,
          },
        ],
      },
    };
    const file = join(photos, '..', 'alignment_labels_predicted', 'PATEK_nab_001.json');
    const patek = JSON.parse(await readFile(file, 'utf8')) as LabelFile;
    await writeFile(file, JSON.stringify({ ...patek, PATEK_nab_001_04: two }));
    await store.getState().reload();
    const s = store.getState();
    s.open('PATEK_nab_001_04');
    const start = store.getState().draft!;
    expect(dialsState(store.getState().items.PATEK_nab_001_04, start).active).toBe(0);

    s.switchDial('next'); // D
    expect(store.getState().draft!.center[0]).toBeCloseTo(0.75 * W, 9);
    expect(dialsState(store.getState().items.PATEK_nab_001_04, store.getState().draft).active).toBe(1);
    // Reset goes back to the prediction of the dial the points are on, not the record's.
    s.select('top');
    s.nudge(3, 0);
    s.reset(false);
    expect(store.getState().draft!.top).toEqual([0.75 * W, 0.2 * H]);
    s.undo(); // the reset
    s.undo(); // the nudge
    s.undo(); // the switch
    expect(store.getState().draft).toEqual(start);

    // A click: the box under an image pixel, none between the dials.
    const item = store.getState().items.PATEK_nab_001_04;
    expect(dialUnder(item, [0.8 * W, 0.5 * H])).toBe(1);
    expect(dialUnder(item, [0.565 * W, 0.5 * H])).toBe(-1);
    s.switchDial(1);
    expect(await store.getState().accept()).toBe(true);
    const saved = JSON.parse(
      await readFile(join(photos, '..', 'alignment_labels', 'PATEK_nab_001.json'), 'utf8'),
    ) as LabelFile;
    expect(saved.PATEK_nab_001_04!.coords_norm).toEqual(second);
    // Its prediction is the chosen dial's: the Corrections tab measures against that one.
    expect(saved.PATEK_nab_001_04!.prediction).toEqual({
      coords_norm: second,
      annotator: 'loupe-dial-v1-pipeline-fallback',
      confidence: 0.6,
      dial: 1,
    });
    expect(notices).toEqual([]);
  });
});
