import type { ActionTable, KeyBinding } from '../../actions/actions';
import { actualPixels, zoomAt, type Size } from '../../canvas/view';
import type { CompareState } from './store';

/** What Compare's keys act on: the comparison's store and the size of a pane (zoom keys work about its centre). */
export interface CompareActionContext {
  compare: () => Pick<
    CompareState,
    'view' | 'mode' | 'playing' | 'step' | 'setFrame' | 'setPlaying' | 'setFlipped' | 'setMode' | 'setView'
  >;
  frames: number;
  /** A pane's size now (all panes share the view), null before the stage has laid out. */
  paneSize: () => Size | null;
  dpr: number;
  help: boolean;
  setHelp: (open: boolean) => void;
}

type Ctx = CompareActionContext;

/** Compare ignores every key pressed with Ctrl or ⌘ (those are the browser's and the menu's). */
const key = (k: string | readonly string[], more: Omit<KeyBinding, 'key' | 'mod'> = {}): KeyBinding => ({
  key: k,
  mod: false,
  ...more,
});

const zoomBy =
  (factor: number) =>
  (c: Ctx): void => {
    const s = c.compare();
    const box = c.paneSize();
    if (s.view && box) s.setView(zoomAt(s.view, [box.width / 2, box.height / 2], factor));
  };

/** The comparison's keys, in the order its help lists them (at most one action matches a press). */
export const COMPARE_ACTIONS: ActionTable<Ctx> = [
  {
    id: 'step-frame',
    keys: [key(['ArrowLeft', 'ArrowRight'], { shift: false })],
    label: 'Previous / next frame',
    run: (c, e) => c.compare().step(e.key === 'ArrowLeft' ? -1 : 1),
  },
  {
    id: 'step-10-frames',
    keys: [key(['ArrowLeft', 'ArrowRight'], { shift: true })],
    label: '10 frames back / ahead',
    run: (c, e) => c.compare().step(e.key === 'ArrowLeft' ? -10 : 10),
  },
  {
    id: 'first-frame',
    keys: [key('Home')],
    label: 'First frame',
    run: (c) => c.compare().setFrame(0),
  },
  {
    id: 'last-frame',
    keys: [key('End')],
    label: 'Last frame',
    run: (c) => c.compare().setFrame(c.frames - 1),
  },
  {
    id: 'play',
    keys: [key(' ')],
    label: 'Play / pause',
    run: (c) => {
      const s = c.compare();
      s.setPlaying(!s.playing);
    },
  },
  { id: 'grid', keys: [key('g')], label: 'Side by side', run: (c) => c.compare().setMode('grid') },
  { id: 'wipe', keys: [key('w')], label: 'Wipe', run: (c) => c.compare().setMode('wipe') },
  { id: 'diff', keys: [key('d')], label: 'Difference', run: (c) => c.compare().setMode('diff') },
  {
    id: 'flip',
    keys: [key('Shift')],
    shortcut: 'Shift (hold)',
    label: 'Wipe: the right pane everywhere',
    when: (c) => c.compare().mode === 'wipe',
    run: (c) => c.compare().setFlipped(true),
    release: (c) => c.compare().setFlipped(false),
  },
  { id: 'wheel-zoom', gesture: 'Wheel / pinch', label: 'Zoom every pane about the pointer' },
  { id: 'drag-pan', gesture: 'Drag', label: 'Pan (the wipe’s divider: move it)' },
  {
    id: 'zoom-in',
    keys: [key(['+', '='])],
    shortcut: '+ / −',
    label: 'Zoom in / out',
    run: zoomBy(1.25),
  },
  { id: 'zoom-out', keys: [key('-')], shortcut: null, label: 'Zoom out', run: zoomBy(0.8) },
  { id: 'fit', keys: [key('f')], label: 'Fit the frame', run: (c) => c.compare().setView(null) },
  {
    id: 'actual-pixels',
    keys: [key('1')],
    label: 'Actual pixels (100 %)',
    run: (c) => {
      const s = c.compare();
      const box = c.paneSize();
      if (s.view && box) s.setView(actualPixels(s.view, box, c.dpr));
    },
  },
  {
    id: 'close-help',
    keys: [key('Escape')],
    shortcut: null,
    label: 'Close the help',
    when: (c) => c.help,
    run: (c) => c.setHelp(false),
  },
  {
    id: 'help',
    keys: [key('?'), key('/', { shift: true })],
    shortcut: '?',
    label: 'Show or hide this help',
    run: (c) => c.setHelp(!c.help),
  },
];
