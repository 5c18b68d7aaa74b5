import { useEffect, useLayoutEffect, useRef } from 'react';

/**
 * Keyboard actions as data: one table per view drives its keydown handling and its help overlay,
 * so what a key does and what the help says it does cannot drift apart.
 */

/** One way to press an action. A modifier left out matches either way (held or not). */
export interface KeyBinding {
  /** `KeyboardEvent.key` values (a letter's two cases are two values). */
  key: string | readonly string[];
  /** Ctrl or ⌘. */
  mod?: boolean;
  shift?: boolean;
  alt?: boolean;
}

/** The parts of a keyboard event an action looks at. */
export interface KeyInput {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  target?: EventTarget | null;
  preventDefault: () => void;
}

export interface Action<C> {
  id: string;
  keys: readonly KeyBinding[];
  /** What it does, as the help says it. */
  label: string;
  /** The keys as the help shows them (default: from `keys`); null: not listed on its own. */
  shortcut?: string | null;
  /** Whether it applies now; when not, the key falls through to the next action (or the page). */
  when?: (ctx: C) => boolean;
  run: (ctx: C, e: KeyInput) => void;
  /** A held key let go (Space to pan, Shift to flip): called on keyup whatever the modifiers. */
  release?: (ctx: C) => void;
}

/** A pointer gesture, listed in the help among the actions (nothing to match on the keyboard). */
export interface Gesture {
  id: string;
  gesture: string;
  label: string;
}

export type ActionTable<C> = readonly (Action<C> | Gesture)[];

export interface HelpRow {
  id: string;
  keys: string;
  label: string;
}

const isAction = <C>(entry: Action<C> | Gesture): entry is Action<C> => 'keys' in entry;

const keysOf = (b: KeyBinding): readonly string[] => (typeof b.key === 'string' ? [b.key] : b.key);

export function bindingMatches(b: KeyBinding, e: KeyInput): boolean {
  if (!keysOf(b).includes(e.key)) return false;
  const mod = e.ctrlKey || e.metaKey;
  return (
    (b.mod === undefined || b.mod === mod) &&
    (b.shift === undefined || b.shift === e.shiftKey) &&
    (b.alt === undefined || b.alt === e.altKey)
  );
}

/** The action a key press runs: the first in the table with a matching binding that applies now. */
export function findAction<C>(table: ActionTable<C>, e: KeyInput, ctx: C): Action<C> | null {
  for (const entry of table) {
    if (!isAction(entry)) continue;
    if (entry.keys.some((b) => bindingMatches(b, e)) && (entry.when?.(ctx) ?? true)) return entry;
  }
  return null;
}

/** Keys typed into a field belong to the field. */
export function isTyping(target: EventTarget | null | undefined): boolean {
  const tag = (target as { tagName?: string } | null | undefined)?.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
}

/** Run the action for a key press (and keep the browser's default from it); false if none. */
export function handleKeyDown<C>(table: ActionTable<C>, e: KeyInput, ctx: C): boolean {
  if (isTyping(e.target)) return false;
  const action = findAction(table, e, ctx);
  if (!action) return false;
  action.run(ctx, e);
  e.preventDefault();
  return true;
}

/** A key let go: every action held on that key is released. */
export function handleKeyUp<C>(table: ActionTable<C>, e: Pick<KeyInput, 'key'>, ctx: C): void {
  for (const entry of table) {
    if (isAction(entry) && entry.release && entry.keys.some((b) => keysOf(b).includes(e.key))) entry.release(ctx);
  }
}

const KEY_NAMES: Record<string, string> = {
  ' ': 'Space',
  ArrowLeft: '←',
  ArrowUp: '↑',
  ArrowRight: '→',
  ArrowDown: '↓',
  Escape: 'Esc',
  '-': '−',
};

const keyName = (key: string): string => KEY_NAMES[key] ?? (key.length === 1 ? key.toUpperCase() : key);

/** How the help writes a binding: `Shift+Ctrl/⌘+Z`. */
export function formatBinding(b: KeyBinding): string {
  const names = [...new Set(keysOf(b).map(keyName))].join(' / ');
  return `${b.shift ? 'Shift+' : ''}${b.alt ? 'Alt+' : ''}${b.mod ? 'Ctrl/⌘+' : ''}${names}`;
}

/** The help's rows, in the table's order. */
export function helpRows<C>(table: ActionTable<C>): HelpRow[] {
  const rows: HelpRow[] = [];
  for (const entry of table) {
    if (!isAction(entry)) rows.push({ id: entry.id, keys: entry.gesture, label: entry.label });
    else if (entry.shortcut !== null)
      rows.push({
        id: entry.id,
        keys: entry.shortcut ?? [...new Set(entry.keys.map(formatBinding))].join(', '),
        label: entry.label,
      });
  }
  return rows;
}

/**
 * Drive a table from the window's key events while `enabled`. `context` is read at each key
 * press, so it may close over the component's current state.
 */
export function useActionKeys<C>(table: ActionTable<C>, context: () => C, enabled = true): void {
  const latest = useRef(context);
  useLayoutEffect(() => {
    latest.current = context;
  });
  useEffect(() => {
    if (!enabled) return;
    const onKeyDown = (e: KeyboardEvent): void => void handleKeyDown(table, e, latest.current());
    const onKeyUp = (e: KeyboardEvent): void => handleKeyUp(table, e, latest.current());
    window.addEventListener('keydown', onKeyDown);
    window.addEventListener('keyup', onKeyUp);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      window.removeEventListener('keyup', onKeyUp);
    };
  }, [table, enabled]);
}
