import { useCallback, useEffect, useState } from 'react';
import type { UngrantedFolder } from '../../../shared/compare';
import { GrantPrompt } from '../../components/GrantPrompt';
import { useApi } from '../../lib/api';
import { useApp, useAppStore } from '../../store/app-store';
import { CompareView } from './CompareView';
import { FrameCache } from './frame-cache';
import { HeatmapClient, startHeatmapWorker } from './heatmap-compute';
import { Setup } from './Setup';
import { createSetupStore } from './setup-store';
import { CompareStoreContext, createCompareStore, type CompareStore } from './store';
import { ClusterPanel } from '../cluster/ClusterPanel';
import { createClusterWatch, windowSchedule, type ClusterWatchStore } from '../cluster/cluster-store';

/** Compare: set up or open a restoration batch, then compare its outputs frame by frame. */
export function ComparePage({ visible }: { visible: boolean }) {
  const api = useApi();
  const notify = useApp((s) => s.notify);
  const appStore = useAppStore();
  const [setup] = useState(() =>
    createSetupStore({
      api,
      submitJob: (spec) => appStore.getState().submitJob(spec),
      // The engine's list, asked now: the page may load before the app's own first refresh lands.
      listJobs: async () => {
        await appStore.getState().refreshJobs();
        return Object.values(appStore.getState().jobs);
      },
      models: () => appStore.getState().models,
      notify: (kind, message) => appStore.getState().notify(kind, message),
    }),
  );
  // A run of this page that is still going (after a reload, a window reload, an app restart) is
  // shown again: the engine's job list says which, and its spec what the form was.
  useEffect(() => {
    void setup.getState().restoreRuns();
  }, [setup]);
  const [doc, setDoc] = useState<{ store: CompareStore; cache: FrameCache; heatmaps: HeatmapClient } | null>(null);

  /** The cluster run watched instead; `summary`: the folder has a batch_summary.json all the same. */
  const [watch, setWatch] = useState<{ store: ClusterWatchStore; summary: boolean } | null>(null);

  const open = useCallback(
    async (outputDir: string, anyway = false) => {
      const r = await api.compare.open(outputDir);
      // A folder that shards of a cluster run are still writing (or that they wrote and nobody
      // merged): its batch_summary.json is missing, or an earlier run's. Watch the run instead.
      // compare:open granted the folder, so it may be read even when it failed to compare.
      const cluster = anyway ? null : await api.cluster.status(r.ok ? r.value.outputDir : outputDir);
      if (cluster?.ok && cluster.value.phase !== 'none' && cluster.value.phase !== 'merged') {
        const store = createClusterWatch({ api, schedule: windowSchedule }, cluster.value.outputDir, cluster.value);
        setWatch({ store, summary: r.ok });
        return;
      }
      if (!r.ok) {
        notify('error', r.error.message);
        return;
      }
      setWatch(null);
      const cache = new FrameCache(
        api.images.url,
        async (path) => {
          const v = await api.images.view(path, 'proxy');
          if (!v.ok) throw new Error(v.error.message);
          return { path: v.value.path, width: v.value.imageWidth, height: v.value.imageHeight };
        },
        Math.max(48, r.value.models.length * 12 + 24),
      );
      // Its results are on screen: the setup stops following the run it submitted.
      setup.getState().detachJob();
      setDoc({ store: createCompareStore(r.value), cache, heatmaps: new HeatmapClient(startHeatmapWorker) });
    },
    [api, notify, setup],
  );
  // A comparison replaced or closed: its decoded frames and its heatmap worker go with it.
  useEffect(
    () => () => {
      doc?.cache.clear();
      doc?.heatmaps.dispose();
    },
    [doc],
  );

  return (
    <div className="page compare-page">
      {!doc ? (
        <>
          <div className="page-header">
            <div>
              <h1>Compare</h1>
              <div className="subtitle">
                Run restoration models over a frame sequence and compare their outputs side by side, with a wipe,
                difference heatmaps and PSNR/SSIM per frame.
              </div>
            </div>
          </div>
          {watch ? (
            <ClusterPanel
              store={watch.store}
              openLabel="Open comparison"
              onOpen={() => void open(watch.store.getState().outputDir)}
              {...(watch.summary ? { onOpenAnyway: () => void open(watch.store.getState().outputDir, true) } : {})}
              onClose={() => setWatch(null)}
            />
          ) : (
            <Setup store={setup} onOpen={(dir) => void open(dir)} />
          )}
        </>
      ) : (
        <CompareStoreContext.Provider value={doc.store}>
          <GrantPrompt
            testId="compare-grants"
            intro="This comparison names folders you have not opened; their images are left out until you open them."
            folders={doc.store.getState().session.ungranted.map((u) => ({ path: u.path, what: whatOf(u) }))}
            onGranted={() => void open(doc.store.getState().session.outputDir)}
          />
          <CompareView cache={doc.cache} heatmaps={doc.heatmaps} active={visible} onClose={() => setDoc(null)} />
        </CompareStoreContext.Provider>
      )}
    </div>
  );
}

function whatOf(u: UngrantedFolder): string {
  if (u.role === 'frames') return 'Frames';
  if (u.role === 'ground-truth') return 'Ground truth';
  return `${u.model ?? 'A model'}'s outputs`;
}
