import type { ActionTable, KeyBinding, KeyInput } from '../../actions/actions';
import { actualPixels, keepInView, zoomAt, type Size, type View } from '../../canvas/view';
import type { FolderState } from '../../store/folder';

/** What the editor's keys act on: the folder's editor, the view, and the editor's own bits of state. */
export interface EditorActionContext {
  /** The folder store's state, read when the key is pressed (and again after a change). */
  folder: () => Pick<
    FolderState,
    | 'selected'
    | 'draft'
    | 'select'
    | 'cycle'
    | 'undo'
    | 'redo'
    | 'nudge'
    | 'step'
    | 'accept'
    | 'reject'
    | 'reset'
    | 'switchDial'
  >;
  /** Dials the detector found in this photo (several dials), 0 or 1 when there is nothing to switch to. */
  dials: number;
  help: boolean;
  setHelp: (open: boolean) => void;
  close: () => void;
  fit: () => void;
  /** Change the view (nothing happens before the image is laid out). */
  updateView: (change: (v: View) => View) => void;
  viewport: Size | null;
  dpr: number;
  /** Space held: a drag pans even over a point. */
  setSpace: (held: boolean) => void;
}

type Ctx = EditorActionContext;

const ARROWS = ['ArrowLeft', 'ArrowUp', 'ArrowRight', 'ArrowDown'];
const plain = (key: string | readonly string[], more: Omit<KeyBinding, 'key'> = {}): KeyBinding => ({
  key,
  mod: false,
  ...more,
});

const pointSelected = (c: Ctx): boolean => {
  const s = c.folder();
  return !!s.selected && !!s.draft;
};

/** Move the selected point by `px` image pixels in the arrow's direction, and keep it in view. */
const nudge =
  (px: number) =>
  (c: Ctx, e: KeyInput): void => {
    const s = c.folder();
    const dx = e.key === 'ArrowLeft' ? -px : e.key === 'ArrowRight' ? px : 0;
    const dy = e.key === 'ArrowUp' ? -px : e.key === 'ArrowDown' ? px : 0;
    s.nudge(dx, dy);
    const moved = c.folder().draft;
    const viewport = c.viewport;
    if (moved && viewport && s.selected) {
      const at = moved[s.selected];
      c.updateView((v) => keepInView(v, viewport, at));
    }
  };

const zoomBy =
  (factor: number) =>
  (c: Ctx): void => {
    const vp = c.viewport!;
    c.updateView((v) => zoomAt(v, [vp.width / 2, vp.height / 2], factor));
  };

const hasViewport = (c: Ctx): boolean => c.viewport !== null;

/**
 * The keypoint editor's keys, in the order its help lists them. Bindings that share a key are
 * told apart by their modifiers or `when`, so at most one action matches a press; apart from
 * ?, Esc and Tab, no action runs with Ctrl/⌘ held except undo and redo.
 */
export const EDITOR_ACTIONS: ActionTable<Ctx> = [
  {
    id: 'cycle-point',
    keys: [{ key: 'Tab' }],
    shortcut: 'Tab / Shift+Tab',
    label: 'Select the next / previous point',
    run: (c, e) => c.folder().cycle(e.shiftKey ? -1 : 1),
  },
  {
    id: 'nudge',
    keys: [plain(ARROWS, { shift: false, alt: false })],
    shortcut: '← ↑ → ↓',
    label: 'Nudge the selected point 1 px',
    when: pointSelected,
    run: nudge(1),
  },
  {
    id: 'nudge-10',
    keys: [plain(ARROWS, { shift: true })],
    shortcut: 'Shift + arrows',
    label: 'Nudge 10 px',
    when: pointSelected,
    run: nudge(10),
  },
  {
    id: 'nudge-0.1',
    keys: [plain(ARROWS, { shift: false, alt: true })],
    shortcut: 'Alt + arrows',
    label: 'Nudge 0.1 px',
    when: pointSelected,
    run: nudge(0.1),
  },
  {
    id: 'step-image',
    keys: [plain(['ArrowLeft', 'ArrowRight'])],
    label: 'Previous / next image (no point selected)',
    when: (c) => !pointSelected(c),
    run: (c, e) => c.folder().step(e.key === 'ArrowLeft' ? -1 : 1),
  },
  {
    id: 'accept',
    keys: [plain('Enter')],
    label: 'Accept (or save the correction) and go to the next image',
    run: (c) => void c.folder().accept(),
  },
  {
    id: 'reject',
    keys: [plain(['Backspace', 'Delete'])],
    shortcut: 'Backspace',
    label: 'Reject the prediction and go to the next image',
    run: (c) => void c.folder().reject(),
  },
  {
    id: 'reset',
    keys: [plain(['r', 'R'])],
    shortcut: 'R / Shift+R',
    label: 'Reset the selected point / all points to the prediction',
    run: (c, e) => c.folder().reset(e.shiftKey),
  },
  {
    id: 'switch-dial',
    keys: [plain(['d', 'D'])],
    shortcut: 'D / Shift+D',
    label: 'Several dials: put the points on the next / previous dial (or click its box)',
    when: (c) => c.dials > 1,
    run: (c, e) => c.folder().switchDial(e.shiftKey ? 'previous' : 'next'),
  },
  {
    id: 'undo',
    keys: [{ key: ['z', 'Z'], mod: true, shift: false }],
    shortcut: 'Ctrl/⌘+Z',
    label: 'Undo',
    run: (c) => c.folder().undo(),
  },
  {
    id: 'redo',
    keys: [
      { key: ['z', 'Z'], mod: true, shift: true },
      { key: ['y', 'Y'], mod: true },
    ],
    shortcut: 'Shift+Ctrl/⌘+Z, Ctrl+Y',
    label: 'Redo',
    run: (c) => c.folder().redo(),
  },
  { id: 'wheel-zoom', gesture: 'Wheel / pinch', label: 'Zoom to the pointer' },
  {
    id: 'pan',
    keys: [plain(' ')],
    shortcut: 'Space + drag, drag the background',
    label: 'Pan',
    run: (c) => c.setSpace(true),
    release: (c) => c.setSpace(false),
  },
  {
    id: 'zoom-in',
    keys: [plain(['+', '='])],
    shortcut: '+ / −',
    label: 'Zoom in / out',
    when: hasViewport,
    run: zoomBy(1.25),
  },
  { id: 'zoom-out', keys: [plain('-')], shortcut: null, label: 'Zoom out', when: hasViewport, run: zoomBy(0.8) },
  { id: 'fit', keys: [plain(['f', 'F'])], label: 'Fit the image', run: (c) => c.fit() },
  {
    id: 'actual-pixels',
    keys: [plain('1')],
    label: 'Actual pixels (100 %), on the selected point',
    when: hasViewport,
    run: (c) => {
      const s = c.folder();
      const focus = s.selected && s.draft ? s.draft[s.selected] : undefined;
      const vp = c.viewport!;
      c.updateView((v) => actualPixels(v, vp, c.dpr, focus));
    },
  },
  {
    id: 'close-help',
    keys: [{ key: 'Escape' }],
    shortcut: null,
    label: 'Close the help',
    when: (c) => c.help,
    run: (c) => c.setHelp(false),
  },
  {
    id: 'deselect',
    keys: [{ key: 'Escape' }],
    label: 'Deselect, then back to the grid',
    when: (c) => !c.help && !!c.folder().selected,
    run: (c) => c.folder().select(null),
  },
  {
    id: 'close',
    keys: [{ key: 'Escape' }],
    shortcut: null,
    label: 'Back to the grid',
    when: (c) => !c.help && !c.folder().selected,
    run: (c) => c.close(),
  },
  {
    id: 'help',
    keys: [{ key: '?' }, { key: '/', shift: true }],
    shortcut: '?',
    label: 'Show or hide this help',
    run: (c) => c.setHelp(!c.help),
  },
];
