import type { PaneId } from './store';

/** One colour per pane, the same in the labels, the timeline and the ranking. */
const MODEL_COLOURS = ['#4da3ff', '#f0b43c', '#3fcf8e', '#e36bff', '#ff6b6b', '#7fd6e8', '#c3e86b', '#ff9e6b'];

export function paneColour(id: PaneId, modelIndex: number): string {
  if (id === 'input') return '#a2a9b4';
  if (id === 'gt') return '#ffffff';
  return MODEL_COLOURS[modelIndex % MODEL_COLOURS.length]!;
}
