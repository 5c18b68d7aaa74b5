import { createContext, useContext } from 'react';
import { createStore, useStore, type StoreApi } from 'zustand';
import { withUndo } from '../undo';
import { editorSlice } from './editor';
import { filterSlice } from './filters';
import { predictSlice } from './predict';
import { reviewSlice } from './review';
import { scanSlice } from './scan';
import type { FolderDeps, FolderState, SliceDeps } from './types';

export type { FolderDeps, FolderState } from './types';
export type FolderStore = StoreApi<FolderState>;

/**
 * One store per opened folder (the Keypoints document): the scan, the labels, the predict job,
 * the grid's filters and the editor. Point edits are undoable through the one undo middleware,
 * which tracks the editor's draft.
 */
export function createFolderStore(deps: FolderDeps): FolderStore {
  const releases: (() => void)[] = [];
  const sliceDeps: SliceDeps = { ...deps, onDispose: (release) => releases.push(release) };
  return createStore<FolderState>()(
    withUndo<FolderState, FolderState['draft']>(
      (set, get, _api, history) => ({
        ...scanSlice(set, get, sliceDeps, history),
        ...reviewSlice(set, get, sliceDeps, history),
        ...predictSlice(set, get, sliceDeps, history),
        ...filterSlice(set, get, sliceDeps, history),
        ...editorSlice(set, get, sliceDeps, history),
        dispose: () => {
          for (const release of releases.splice(0)) release();
        },
      }),
      { track: (s) => s.draft, restore: (draft) => ({ draft }) },
    ),
  );
}

export const FolderStoreContext = createContext<FolderStore | null>(null);

export function useFolderStore(): FolderStore {
  const store = useContext(FolderStoreContext);
  if (!store) throw new Error('useFolder outside <FolderStoreContext.Provider>');
  return store;
}

export function useFolder<T>(selector: (state: FolderState) => T): T {
  return useStore(useFolderStore(), selector);
}
