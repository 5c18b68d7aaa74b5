import { createContext, useContext } from 'react';
import { createStore, useStore, type StateCreator, type StoreApi } from 'zustand';
import type { EngineState } from '../../shared/events';
import type { AppApi, AppEvent, AppInfo, MenuCommand } from '../../shared/ipc';
import {
  FINISHED_JOB_STATUSES,
  isNewerSnapshot,
  type JobSnapshot,
  type JobSpec,
  type PredictKeypointsSpec,
} from '../../shared/jobs';
import type { ModelInfo } from '../../shared/models';
import type { AppError, Result } from '../../shared/result';
import type { PythonCheck } from '../../shared/pytorch';
import { DEFAULT_SETTINGS, type Settings, type SettingsPatch } from '../../shared/settings';
import type { SectionId } from '../sections';

/** App-wide state: navigation, jobs, settings, models, notices. Documents have their own stores. */

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  message: string;
}

/** Names of an opened folder that Settings' naming preview shows (the folder's banner sends them). */
export interface NamingSamples {
  /** The folder's name: what unmatched names directly in it are grouped under. */
  folderName: string;
  /** Names relative to the folder: the unmatched ones first, then a few that match. */
  names: string[];
  /** How many of the folder's names did not match (the examples are a few of them). */
  unmatched: number;
}

export interface NavSlice {
  section: SectionId;
  jobsOpen: boolean;
  /** The samples Settings previews the naming pattern with; null: the default sample. */
  namingSamples: NamingSamples | null;
  setSection: (section: SectionId) => void;
  /** Settings, at the naming pattern, previewing these names (a folder's banner). */
  showNamingPattern: (samples: NamingSamples) => void;
  toggleJobs: (open?: boolean) => void;
}

export interface JobsSlice {
  jobs: Record<string, JobSnapshot>;
  /** Newest first. */
  jobOrder: string[];
  selectedJobId: string | null;
  engineState: EngineState;
  engineRestarts: number;
  refreshJobs: () => Promise<void>;
  applyEvent: (event: AppEvent) => void;
  selectJob: (jobId: string | null) => void;
  submitJob: (spec: JobSpec) => Promise<JobSnapshot | null>;
  jobAction: (jobId: string, action: 'pause' | 'resume' | 'cancel' | 'remove') => Promise<void>;
}

export interface SettingsSlice {
  settings: Settings | null;
  info: AppInfo | null;
  loadSettings: () => Promise<void>;
  updateSettings: (patch: SettingsPatch) => Promise<AppError | null>;
  loadInfo: () => Promise<void>;
  /** What the Python that exports PyTorch models has (Settings → Python → Test). */
  pythonCheck: { check: PythonCheck | null; error: string | null; checking: boolean; executable: string | null };
  /** Ask that Python (null: the one the settings resolve to). */
  checkPython: (executable: string | null) => Promise<void>;
  /** "Who is reviewing?" while it is asked (the ReviewerPrompt dialog shows it and answers). */
  reviewerPrompt: { current: string; answer: (name: string | null) => void } | null;
  /**
   * Before the first review of a session: a reviewer still named the default is asked for their
   * name, which is saved in the settings; false when they cancel. Asked once per session.
   */
  confirmReviewer: () => Promise<boolean>;
}

export interface ModelsSlice {
  models: ModelInfo[];
  modelsState: 'idle' | 'loading' | 'ready' | 'error';
  modelsProbed: boolean;
  loadModels: (probe: boolean) => Promise<void>;
}

export interface NoticeSlice {
  notices: Notice[];
  notify: (kind: Notice['kind'], message: string) => void;
  dismiss: (id: number) => void;
  /** Unwrap a Result, turning an error into a notice. */
  check: <T>(result: Result<T>) => T | null;
}

export type AppState = NavSlice & JobsSlice & SettingsSlice & ModelsSlice & NoticeSlice;
type Slice<T> = StateCreator<AppState, [], [], T>;

const navSlice: Slice<NavSlice> = (set) => ({
  section: 'keypoints',
  // Closed on load: it opens when a job starts, or when one needs attention (see jobsSlice).
  jobsOpen: false,
  namingSamples: null,
  setSection: (section) => set({ section }),
  showNamingPattern: (samples) => set({ section: 'settings', namingSamples: samples }),
  toggleJobs: (open) => set((s) => ({ jobsOpen: open ?? !s.jobsOpen })),
});

/**
 * Whether a job is one the person started and would want to watch: not finished, and not the
 * folder scan the app runs by itself whenever a folder opens (that one shows in the folder's
 * own progress, and opening a folder must not take a third of the window), nor the background
 * re-predict after a review (`relabelFrom`: one per save; the grid shows its results, and the
 * panel opening on every Enter would cover the editor).
 */
const wantsPanel = (job: JobSnapshot): boolean =>
  job.kind !== 'scan-images' &&
  !(job.kind === 'predict-keypoints' && ((job.spec as PredictKeypointsSpec).relabelFrom?.length ?? 0) > 0) &&
  !FINISHED_JOB_STATUSES.includes(job.status);

/** The section each native-menu command shows (opening a folder happens in Keypoints). */
const MENU_SECTION: Record<Exclude<MenuCommand, 'toggle-jobs'>, SectionId> = {
  'show-keypoints': 'keypoints',
  'show-compare': 'compare',
  'show-models': 'models',
  'show-settings': 'settings',
  'open-folder': 'keypoints',
};

const byNewest = (jobs: Record<string, JobSnapshot>): string[] =>
  Object.values(jobs)
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((j) => j.id);

const jobsSlice =
  (api: AppApi): Slice<JobsSlice> =>
  (set, get) => {
    // Jobs removed in this window's lifetime: a snapshot of one that arrives late (an answer, or
    // a list taken before the removal) does not bring it back. Ids are never reused.
    const removed = new Set<string>();
    return {
      jobs: {},
      jobOrder: [],
      selectedJobId: null,
      engineState: 'starting',
      engineRestarts: 0,
      refreshJobs: async () => {
        const asked = new Set(Object.keys(get().jobs));
        const list = get().check(await api.jobs.list());
        if (!list) return;
        // Events that arrived while the list was on its way may be newer than it: each job keeps
        // its newer snapshot, and a job the list does not have stays only if it first came while
        // the list was on its way (submitted after the list was taken); one this window had
        // before asking is one the engine no longer has (or one removed meanwhile).
        const before = get().jobs;
        const jobs: Record<string, JobSnapshot> = {};
        for (const j of list) {
          if (removed.has(j.id)) continue;
          const mine = before[j.id];
          jobs[j.id] = mine && !isNewerSnapshot(mine, j) ? mine : j;
        }
        for (const [id, mine] of Object.entries(before)) if (!(id in jobs) && !asked.has(id)) jobs[id] = mine;
        // A job still running, queued, paused or interrupted (after a reload or an engine restart)
        // shows the panel; finished jobs alone do not take its width.
        const attention = Object.values(jobs).some(wantsPanel);
        set({ jobs, jobOrder: byNewest(jobs), ...(attention ? { jobsOpen: true } : {}) });
      },
      applyEvent: (event) => {
        switch (event.name) {
          case 'job:progress': {
            // An answer (submit, pause…) can arrive after events newer than it: the newer stays.
            if (removed.has(event.payload.id) || !isNewerSnapshot(get().jobs[event.payload.id], event.payload)) return;
            const jobs = { ...get().jobs, [event.payload.id]: event.payload };
            const known = event.payload.id in get().jobs;
            // A job this window has not seen (started here or in another window) opens the panel.
            const started = !known && wantsPanel(event.payload);
            set(known ? { jobs } : { jobs, jobOrder: byNewest(jobs), ...(started ? { jobsOpen: true } : {}) });
            return;
          }
          case 'job:removed': {
            removed.add(event.payload.jobId);
            const { [event.payload.jobId]: _gone, ...jobs } = get().jobs;
            set({
              jobs,
              jobOrder: byNewest(jobs),
              selectedJobId: get().selectedJobId === event.payload.jobId ? null : get().selectedJobId,
            });
            return;
          }
          case 'engine:status': {
            const { state, restarts, error, interruptedJobs } = event.payload;
            set({ engineState: state, engineRestarts: Math.max(restarts, get().engineRestarts) });
            if (state === 'crashed') {
              const which = interruptedJobs?.length
                ? ` ${interruptedJobs.length} running job(s) were interrupted.`
                : '';
              get().notify('error', `The engine stopped unexpectedly and is restarting.${which}`);
            }
            if (state === 'stopped' && error) get().notify('error', error.message);
            if (state === 'ready') void get().refreshJobs();
            return;
          }
          case 'provider:fallback':
            get().notify(
              'info',
              `${event.payload.modelId} runs on ${event.payload.provider.active}: ${event.payload.provider.fallbackReason ?? ''}`,
            );
            return;
          case 'menu:command':
            if (event.payload.command === 'toggle-jobs') get().toggleJobs();
            else set({ section: MENU_SECTION[event.payload.command] });
            return;
          default:
            return;
        }
      },
      selectJob: (jobId) => set({ selectedJobId: jobId, ...(jobId ? { jobsOpen: true } : {}) }),
      submitJob: async (spec) => {
        const job = get().check(await api.jobs.submit(spec));
        if (job) {
          get().applyEvent({ name: 'job:progress', payload: job });
          set({ jobsOpen: true });
        }
        return job;
      },
      jobAction: async (jobId, action) => {
        const result = await api.jobs[action](jobId);
        const value = get().check(result as Result<JobSnapshot | null>);
        if (value) get().applyEvent({ name: 'job:progress', payload: value });
      },
    };
  };

const settingsSlice =
  (api: AppApi): Slice<SettingsSlice> =>
  (set, get) => {
    // Host warnings (a settings.json it could not use) are shown once each.
    const shown = new Set<string>();
    // Per store (per window): whether the reviewer has answered, and the question while it is open.
    let named = false;
    let asking: Promise<boolean> | null = null;
    const ask = async (): Promise<boolean> => {
      const name = await new Promise<string | null>((resolve) =>
        set({
          reviewerPrompt: {
            current: get().settings?.reviewer ?? DEFAULT_SETTINGS.reviewer,
            answer: (n) => {
              set({ reviewerPrompt: null });
              resolve(n);
            },
          },
        }),
      );
      if (name === null) return false;
      const problem = await get().updateSettings({ reviewer: name.trim() });
      if (problem) {
        get().notify('error', problem.message);
        return false;
      }
      named = true;
      return true;
    };
    return {
      settings: null,
      info: null,
      reviewerPrompt: null,
      confirmReviewer: async () => {
        if (named) return true;
        if (!get().settings) await get().loadSettings();
        const reviewer = get().settings?.reviewer;
        if (reviewer !== undefined && reviewer !== DEFAULT_SETTINGS.reviewer) {
          named = true;
          return true;
        }
        asking ??= ask().finally(() => (asking = null));
        return asking;
      },
      loadSettings: async () => {
        const settings = get().check(await api.settings.get());
        if (settings) set({ settings });
      },
      updateSettings: async (patch) => {
        const result = await api.settings.update(patch);
        if (!result.ok) return result.error;
        set({ settings: result.value });
        void get().loadInfo();
        return null;
      },
      loadInfo: async () => {
        const info = get().check(await api.app.info());
        if (!info) return;
        set({ info, engineState: info.engineState });
        for (const w of info.warnings ?? []) {
          if (shown.has(w.message)) continue;
          shown.add(w.message);
          get().notify('error', w.message);
        }
      },
      pythonCheck: { check: null, error: null, checking: false, executable: null },
      checkPython: async (executable) => {
        set((s) => ({ pythonCheck: { ...s.pythonCheck, checking: true, executable } }));
        const r = await api.python.check(...(executable ? [executable] : []));
        set({
          pythonCheck: r.ok
            ? { check: r.value, error: null, checking: false, executable }
            : { check: null, error: r.error.message, checking: false, executable },
        });
      },
    };
  };

const modelsSlice =
  (api: AppApi): Slice<ModelsSlice> =>
  (set, get) => ({
    models: [],
    modelsState: 'idle',
    modelsProbed: false,
    loadModels: async (probe) => {
      set({ modelsState: 'loading' });
      // Loading every model takes a while: show the list first.
      if (probe && get().models.length === 0) {
        const quick = await api.models.list({ probe: false });
        if (quick.ok) set({ models: quick.value, modelsProbed: false });
      }
      const result = await api.models.list({ probe });
      if (!result.ok) {
        set({ modelsState: 'error' });
        get().notify('error', result.error.message);
        return;
      }
      set({ models: result.value, modelsState: 'ready', modelsProbed: probe });
    },
  });

const noticeSlice: Slice<NoticeSlice> = (set, get) => {
  let next = 1;
  return {
    notices: [],
    notify: (kind, message) => {
      const id = next++;
      set({ notices: [...get().notices.slice(-4), { id, kind, message }] });
    },
    dismiss: (id) => set({ notices: get().notices.filter((n) => n.id !== id) }),
    check: (result) => {
      if (result.ok) return result.value;
      get().notify('error', result.error.message);
      return null;
    },
  };
};

export type AppStore = StoreApi<AppState>;

export function createAppStore(api: AppApi): AppStore {
  return createStore<AppState>()((...a) => ({
    ...navSlice(...a),
    ...jobsSlice(api)(...a),
    ...settingsSlice(api)(...a),
    ...modelsSlice(api)(...a),
    ...noticeSlice(...a),
  }));
}

/** Feed the store from the host's event stream; returns the unsubscribe function. */
export function connectEvents(api: AppApi, store: AppStore): () => void {
  return api.events.subscribe((event) => store.getState().applyEvent(event));
}

export const AppStoreContext = createContext<AppStore | null>(null);

export function useApp<T>(selector: (state: AppState) => T): T {
  const store = useContext(AppStoreContext);
  if (!store) throw new Error('useApp outside <AppStoreContext.Provider>');
  return useStore(store, selector);
}

export function useAppStore(): AppStore {
  const store = useContext(AppStoreContext);
  if (!store) throw new Error('useAppStore outside <AppStoreContext.Provider>');
  return store;
}
