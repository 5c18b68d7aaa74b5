import { useCallback, useEffect, useState } from 'react';
import { FolderPicker } from '../../components/FolderPicker';
import { useApi } from '../../lib/api';
import { useAppStore } from '../../store/app-store';
import { createFolderStore, FolderStoreContext, type FolderStore } from '../../store/folder';
import { FolderView } from './FolderView';
import { ClusterPanel } from '../cluster/ClusterPanel';
import { createClusterWatch, windowSchedule, type ClusterWatchStore } from '../cluster/cluster-store';

/**
 * Keypoints: open a folder of watch photos (drop it, the native dialog, a path, or a recent one);
 * Loupe reads every image, finds the label folders, predicts, and the review happens here.
 */
export function KeypointsPage() {
  const api = useApi();
  const app = useAppStore();
  const [store, setStore] = useState<FolderStore | null>(null);
  const [watch, setWatch] = useState<ClusterWatchStore | null>(null);

  const open = useCallback(
    async (path: string) => {
      const opened = await api.folders.open(path);
      const folder = app.getState().check(opened);
      if (!folder) return;
      const next = createFolderStore({
        api,
        folder,
        settings: () => app.getState().settings,
        notify: (kind, message) => app.getState().notify(kind, message),
        confirmReviewer: () => app.getState().confirmReviewer(),
      });
      setStore((prev) => {
        prev?.getState().dispose();
        return next;
      });
      // Predictions that a cluster run's shards are still writing: watch the run beside the review.
      const predicted = folder.labelDirs.predicted;
      const cluster = predicted ? await api.cluster.status(predicted) : null;
      const live = cluster?.ok && cluster.value.phase !== 'none' && cluster.value.phase !== 'merged';
      setWatch(
        live ? createClusterWatch({ api, schedule: windowSchedule }, cluster.value.outputDir, cluster.value) : null,
      );
      void app.getState().loadSettings();
      await app.getState().refreshJobs();
      const jobs = Object.values(app.getState().jobs);
      await Promise.all([next.getState().startScan(jobs), next.getState().reload()]);
      next.getState().attachPredict(jobs);
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

  // With a folder open, another one dropped anywhere on the window replaces it (the desktop app
  // knows dropped paths; before that, the picker's drop zone takes drops).
  useEffect(() => {
    if (!store || !api.host.capabilities.droppedFilePaths) return;
    const over = (e: DragEvent): void => e.preventDefault();
    const drop = (e: DragEvent): void => {
      e.preventDefault();
      const file = e.dataTransfer?.files[0];
      const path = file ? api.files.pathForFile(file) : null;
      if (path) void open(path);
    };
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, [api, open, store]);

  useEffect(() => () => store?.getState().dispose(), [store]);

  if (!store) {
    return (
      <div className="page">
        <div className="page-header">
          <div>
            <h1>Keypoints</h1>
            <div className="subtitle">
              Open a folder of watch photos. Loupe reads every image (EXIF orientation applied), groups them by watch ID
              from their names, finds the label folders beside them, predicts the dial keypoints and lets you review and
              correct them.
            </div>
          </div>
        </div>
        <FolderPicker title="Open a folder of watch photos" onOpen={(p) => void open(p)} />
      </div>
    );
  }
  return (
    <FolderStoreContext.Provider value={store}>
      {watch && (
        <div className="cluster-dock">
          <ClusterPanel
            store={watch}
            openLabel="Reload predictions"
            onOpen={() => {
              void store.getState().reload();
              setWatch(null);
            }}
            onClose={() => setWatch(null)}
          />
        </div>
      )}
      <FolderView
        onClose={() => {
          store.getState().dispose();
          setStore(null);
          setWatch(null);
        }}
        onRescan={() => {
          void store.getState().startScan(Object.values(app.getState().jobs), true);
          void store.getState().reload();
        }}
      />
    </FolderStoreContext.Provider>
  );
}
