import { describe, expect, it } from 'vitest';
import {
  bindingMatches,
  findAction,
  formatBinding,
  handleKeyDown,
  handleKeyUp,
  helpRows,
  type ActionTable,
} from '../../../src/renderer/actions/actions';
import { press } from '../keys';

interface Ctx {
  on: boolean;
  log: string[];
}

const TABLE: ActionTable<Ctx> = [
  { id: 'a', keys: [{ key: ['a', 'A'], mod: false }], label: 'A', run: (c) => c.log.push('a') },
  { id: 'b-on', keys: [{ key: 'b' }], label: 'B when on', when: (c) => c.on, run: (c) => c.log.push('b-on') },
  { id: 'b-off', keys: [{ key: 'b' }], shortcut: null, label: 'B', run: (c) => c.log.push('b-off') },
  { id: 'drag', gesture: 'Drag', label: 'Pan' },
  {
    id: 'hold',
    keys: [{ key: ' ', mod: false }],
    label: 'Hold',
    run: (c) => c.log.push('down'),
    release: (c) => c.log.push('up'),
  },
  { id: 'undo', keys: [{ key: 'z', mod: true, shift: false }], label: 'Undo', run: (c) => c.log.push('undo') },
];

describe('key bindings', () => {
  it('match the key and each modifier the binding names; a modifier left out matches either way', () => {
    expect(bindingMatches({ key: 'z', mod: true, shift: false }, press('z', { ctrlKey: true }))).toBe(true);
    expect(bindingMatches({ key: 'z', mod: true, shift: false }, press('z', { metaKey: true }))).toBe(true);
    expect(bindingMatches({ key: 'z', mod: true, shift: false }, press('z'))).toBe(false);
    expect(bindingMatches({ key: 'z', mod: true, shift: false }, press('z', { ctrlKey: true, shiftKey: true }))).toBe(
      false,
    );
    expect(bindingMatches({ key: 'Tab' }, press('Tab', { ctrlKey: true, shiftKey: true, altKey: true }))).toBe(true);
    expect(bindingMatches({ key: ['r', 'R'] }, press('R'))).toBe(true);
    expect(bindingMatches({ key: ['r', 'R'] }, press('x'))).toBe(false);
  });

  it('are written for the help with their modifiers, a letter once whatever its case', () => {
    expect(formatBinding({ key: ['z', 'Z'], mod: true, shift: true })).toBe('Shift+Ctrl/⌘+Z');
    expect(formatBinding({ key: ['ArrowLeft', 'ArrowRight'], alt: true })).toBe('Alt+← / →');
    expect(formatBinding({ key: ' ' })).toBe('Space');
    expect(formatBinding({ key: '-' })).toBe('−');
  });
});

describe('an action table', () => {
  it('runs the first action that matches and applies, and keeps the browser from the key', () => {
    const ctx: Ctx = { on: false, log: [] };
    const e = press('b');
    expect(handleKeyDown(TABLE, e, ctx)).toBe(true);
    expect(ctx.log).toEqual(['b-off']);
    expect(e.preventDefault).toHaveBeenCalledOnce();
    ctx.on = true;
    handleKeyDown(TABLE, press('b'), ctx);
    expect(ctx.log).toEqual(['b-off', 'b-on']);
    expect(findAction(TABLE, press('b'), ctx)?.id).toBe('b-on');
  });

  it('leaves keys nothing matches to the page, and keys typed into a field to the field', () => {
    const ctx: Ctx = { on: true, log: [] };
    const unbound = press('q');
    expect(handleKeyDown(TABLE, unbound, ctx)).toBe(false);
    expect(unbound.preventDefault).not.toHaveBeenCalled();
    expect(handleKeyDown(TABLE, press('a', { ctrlKey: true }), ctx)).toBe(false);
    for (const tagName of ['INPUT', 'TEXTAREA', 'SELECT']) {
      const typed = press('a', { target: { tagName } as unknown as EventTarget });
      expect(handleKeyDown(TABLE, typed, ctx)).toBe(false);
      expect(typed.preventDefault).not.toHaveBeenCalled();
    }
    expect(handleKeyDown(TABLE, press('a', { target: { tagName: 'DIV' } as unknown as EventTarget }), ctx)).toBe(true);
    expect(ctx.log).toEqual(['a']);
  });

  it('releases a held key on keyup, whatever the modifiers and the context', () => {
    const ctx: Ctx = { on: false, log: [] };
    handleKeyDown(TABLE, press(' '), ctx);
    handleKeyUp(TABLE, { key: ' ' }, ctx);
    handleKeyUp(TABLE, { key: 'a' }, ctx);
    expect(ctx.log).toEqual(['down', 'up']);
  });

  it('lists its actions and gestures in order for the help, leaving out those without a shortcut', () => {
    expect(helpRows(TABLE)).toEqual([
      { id: 'a', keys: 'A', label: 'A' },
      { id: 'b-on', keys: 'B', label: 'B when on' },
      { id: 'drag', keys: 'Drag', label: 'Pan' },
      { id: 'hold', keys: 'Space', label: 'Hold' },
      { id: 'undo', keys: 'Ctrl/⌘+Z', label: 'Undo' },
    ]);
  });
});
