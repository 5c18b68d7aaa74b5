import { vi, type Mock } from 'vitest';
import { findAction, type ActionTable, type KeyInput } from '../../src/renderer/actions/actions';

export type Press = KeyInput & { preventDefault: Mock<() => void> };

/** A key press as the window sees it. */
export function press(key: string, mods: Partial<Omit<KeyInput, 'key' | 'preventDefault'>> = {}): Press {
  return {
    key,
    ctrlKey: false,
    metaKey: false,
    shiftKey: false,
    altKey: false,
    ...mods,
    preventDefault: vi.fn<() => void>(),
  };
}

/** Every modifier combination of a key (Ctrl and ⌘ both stand for "mod"). */
export function everyChord(key: string): Press[] {
  const out: Press[] = [];
  for (let m = 0; m < 16; m++)
    out.push(press(key, { ctrlKey: !!(m & 1), metaKey: !!(m & 2), shiftKey: !!(m & 4), altKey: !!(m & 8) }));
  return out;
}

/** Keys worth trying against a table: everything bound, and a few that are not. */
export const KEYS = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  ...['?', '/', '+', '=', '-', ' ', 'Tab', 'Enter', 'Escape', 'Backspace', 'Delete', 'Home', 'End', 'Shift'],
  ...['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'],
];

/** Every press (of KEYS, with every chord) that more than one action of `table` would take in `ctx`. */
export function conflicts<C>(table: ActionTable<C>, ctx: C): string[] {
  const out: string[] = [];
  for (const key of KEYS)
    for (const e of everyChord(key)) {
      const ids = table.filter((a) => 'keys' in a && findAction([a], e, ctx) !== null).map((a) => a.id);
      if (ids.length > 1) out.push(`${JSON.stringify(e)}: ${ids.join(', ')}`);
    }
  return out;
}
