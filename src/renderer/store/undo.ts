import type { StoreApi } from 'zustand';

/** What the undo middleware adds to a store's state. */
export interface UndoSlice {
  canUndo: boolean;
  canRedo: boolean;
  undo: () => void;
  redo: () => void;
}

/** Handed to the store's creator next to set/get, to shape what one undo step is. */
export interface HistoryControl {
  /** Group every tracked change until `end()` into one undo step (a drag is one step). */
  begin: () => void;
  end: () => void;
  /** Change state without recording it (opening another image), and forget the history. */
  reset: (change: () => void) => void;
}

export interface UndoOptions<S, T> {
  /** The document part of the state: a change of its reference is an undoable edit. */
  track: (state: S) => T;
  /** The state update that puts a tracked value back. */
  restore: (value: T, state: S) => Partial<S>;
  /** Steps kept (oldest dropped first). */
  limit?: number;
}

type SetState<S> = StoreApi<S>['setState'];
export type UndoableCreator<S> = (
  set: SetState<S>,
  get: () => S,
  api: StoreApi<S>,
  history: HistoryControl,
) => Omit<S, keyof UndoSlice>;

/**
 * The one undo middleware: every `set` through it that changes the tracked value records the
 * value before, so actions need no undo code of their own. Gestures (begin/end) coalesce into one
 * step; a new edit clears the redo stack.
 */
export function withUndo<S extends UndoSlice, T>(
  creator: UndoableCreator<S>,
  options: UndoOptions<S, T>,
): (set: SetState<S>, get: () => S, api: StoreApi<S>) => S {
  const limit = options.limit ?? 500;
  return (set, get, api) => {
    let past: T[] = [];
    let future: T[] = [];
    let recording = true;
    let gesture = 0;
    let gestureRecorded = false;

    const flags = (): void => {
      const s = get();
      if (s.canUndo !== past.length > 0 || s.canRedo !== future.length > 0) {
        set({ canUndo: past.length > 0, canRedo: future.length > 0 } as Partial<S>);
      }
    };

    const tracked = ((partial: Parameters<SetState<S>>[0], replace?: boolean) => {
      const before = options.track(get());
      (set as (p: typeof partial, r?: boolean) => void)(partial, replace);
      if (!recording) return;
      const after = options.track(get());
      if (Object.is(before, after)) return;
      if (gesture > 0 && gestureRecorded) return;
      if (gesture > 0) gestureRecorded = true;
      past = [...past, before].slice(-limit);
      future = [];
      flags();
    }) as SetState<S>;

    const travel = (from: T[], to: T[]): [T[], T[]] => {
      const value = from[from.length - 1];
      if (value === undefined) return [from, to];
      const nextTo = [...to, options.track(get())];
      recording = false;
      try {
        set(options.restore(value, get()));
      } finally {
        recording = true;
      }
      return [from.slice(0, -1), nextTo];
    };

    const history: HistoryControl = {
      begin: () => {
        if (gesture++ === 0) gestureRecorded = false;
      },
      end: () => {
        gesture = Math.max(0, gesture - 1);
      },
      reset: (change) => {
        recording = false;
        try {
          change();
        } finally {
          recording = true;
        }
        past = [];
        future = [];
        gesture = 0;
        flags();
      },
    };

    const state = creator(tracked, get, api, history);
    return {
      ...state,
      canUndo: false,
      canRedo: false,
      undo: () => {
        [past, future] = travel(past, future);
        flags();
      },
      redo: () => {
        [future, past] = travel(future, past);
        flags();
      },
    } as S;
  };
}
