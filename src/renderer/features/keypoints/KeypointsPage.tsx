import { useCallback, useEffect, useState } from 'react';
import { FolderPicker } from '../../components/FolderPicker';
import { useApi } from '../../lib/api';
import { useAppStore } from '../../store/app-store';
import { createFolderStore, FolderStoreContext, type FolderStore } from '../../store/folder-store';
import { FolderView } from './FolderView';

/** Keypoints: open a folder of watch photos; Loupe reads every image and groups them by watch ID. */
export function KeypointsPage() {
  const api = useApi();
  const app = useAppStore();
  const [store, setStore] = useState<FolderStore | null>(null);

  const open = useCallback(
    async (path: string) => {
      const opened = await api.folders.open(path);
      const folder = app.getState().check(opened);
      if (!folder) return;
      const next = createFolderStore(api, folder);
      setStore((prev) => {
        prev?.getState().dispose();
        return next;
      });
      void app.getState().loadSettings();
      await app.getState().refreshJobs();
      await next.getState().start(Object.values(app.getState().jobs));
    },
    [api, app],
  );

  // File ▸ Open Folder… in the native menu.
  useEffect(
    () =>
      api.events.subscribe((event) => {
        if (event.name !== 'menu:command' || event.payload.command !== 'open-folder') return;
        void api.folders.choose({ title: 'Open a folder of watch photos' }).then((r) => {
          if (r.ok && r.value) void open(r.value);
        });
      }),
    [api, open],
  );

  useEffect(() => () => store?.getState().dispose(), [store]);

  if (!store) {
    return (
      <div className="page">
        <div className="page-header">
          <div>
            <h1>Keypoints</h1>
            <div className="subtitle">
              Open a folder of watch photos. Loupe reads every image (EXIF orientation applied), groups them by watch ID
              from their names and finds the label folders beside them.
            </div>
          </div>
        </div>
        <FolderPicker title="Open a folder of watch photos" onOpen={(p) => void open(p)} />
      </div>
    );
  }
  return (
    <FolderStoreContext.Provider value={store}>
      <FolderView
        onClose={() => {
          store.getState().dispose();
          setStore(null);
        }}
        onRescan={() => void store.getState().start(Object.values(app.getState().jobs), true)}
      />
    </FolderStoreContext.Provider>
  );
}
