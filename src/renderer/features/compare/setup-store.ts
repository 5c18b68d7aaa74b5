import { createStore, type StoreApi } from 'zustand';
import type { AppApi, AppInfo } from '../../../shared/ipc';
import type {
  JobSnapshot,
  JobStatus,
  MetricModelRef,
  ModelSource,
  OutputNaming,
  RestoreFramesSpec,
} from '../../../shared/jobs';
import { formatMetricModelOption, parseMetricModelOption } from '../../../core/metrics/metric-model';
import type { MlflowRunListing, RunStatus } from '../../../shared/mlflow';
import type { ModelInfo } from '../../../shared/models';

/**
 * What the setup store needs from outside: the API, the app's job submission, job list and
 * models, a way to tell the user.
 */
export interface SetupDeps {
  api: Pick<AppApi, 'folders' | 'mlflow' | 'models'>;
  submitJob: (spec: RestoreFramesSpec) => Promise<JobSnapshot | null>;
  /** The engine's jobs as the app knows them once it has asked (null: they could not be listed). */
  listJobs: () => Promise<readonly JobSnapshot[] | null>;
  /** The model catalog as loaded by the app store. */
  models: () => readonly ModelInfo[];
  notify: (kind: 'error' | 'info', message: string) => void;
}

/** The form as typed (paths untrimmed; null: not chosen, the default applies). */
export interface SetupFields {
  frames: string;
  gt: string;
  /** The outputs folder; null: not chosen (the run waits for one; `suggestedOutputDir` is offered). */
  out: string | null;
  /** Catalog models picked; null: the bundled ones. */
  picked: string[] | null;
  /** A folder of .onnx models. */
  folder: string;
  uri: string;
  experiment: string;
  status: RunStatus | 'any';
  maxRuns: string;
  tiled: boolean;
  /** Output file names: each input's stem (default) or frame_%06d.png. */
  outputNames: OutputNaming;
  /** Metric models, one `--metric-model` value per line (`path[,better=…][,range=LO:HI][,name=…]`). */
  metricModels: string;
  /** "Open results": an output folder that exists already. */
  existing: string;
}

export interface SetupState extends SetupFields {
  /** Experiments of the tracking URI's file store, as suggestions. */
  experiments: string[];
  /** Runs listed from MLflow (null: not listed), and those picked. */
  runs: MlflowRunListing[] | null;
  runIds: string[];
  listing: boolean;
  /**
   * The models the folder field names, as the run will find them (null: no folder, or not read
   * yet); `folderError`: why it could not be read.
   */
  folderModels: { dir: string; models: ModelInfo[] } | null;
  folderError: string | null;
  /**
   * The run the form shows: submitted from here, or found again in the engine's job list after a
   * reload (`restoreRuns`) or picked among the page's other runs (`follow`). Its results open
   * when it completes.
   */
  jobId: string | null;

  update: (patch: Partial<SetupFields>) => void;
  setRunIds: (ids: string[]) => void;
  /** Pick or unpick a catalog model. */
  pick: (id: string, on: boolean) => void;
  /** Fill the form with the bundled sample clip, its MLflow store and an output folder in the data dir. */
  fillSamples: (info: Pick<AppInfo, 'samplesDir' | 'dataDir'> | null) => void;
  /** Ask the file store at `uri` for its experiments (a URL is not asked: it may be slow or remote). */
  loadExperiments: () => Promise<void>;
  /** List the experiment's runs; `keep`: pick these (a restored run's), else every run that can run. */
  listRuns: (keep?: readonly string[]) => Promise<void>;
  /** Open (grant) the folder field's folder and list its models. */
  loadFolderModels: () => Promise<void>;
  /** Grant the folders the run reads and submit it. */
  run: () => Promise<void>;
  /** Forget the submitted run (a comparison was opened: its results are on screen). */
  detachJob: () => void;
  /**
   * On load: find the Compare runs the engine still has and follow the newest that has not ended
   * (the form shows its setup, locked while it runs, and its results open when it completes).
   * Nothing happens when the form already follows a run.
   */
  restoreRuns: () => Promise<void>;
  /** Show a Compare run: the form takes its setup and follows it. */
  follow: (job: JobSnapshot<'restore-frames'>) => void;
  /** Fill the form with a run's setup, to run it again (or change it first). */
  useSetupOf: (spec: RestoreFramesSpec) => void;
}

export type SetupStore = StoreApi<SetupState>;

const parentOf = (p: string): string => p.replace(/[\\/]+$/, '').replace(/[\\/][^\\/]*$/, '') || p;
const sepOf = (p: string): string => (p.includes('\\') && !p.includes('/') ? '\\' : '/');

/** The catalog's restoration models that load. */
export function restorationModels(models: readonly ModelInfo[]): ModelInfo[] {
  return models.filter((m) => m.task === 'restoration' && !m.error);
}

/** The catalog models the run uses: those picked, else the bundled ones. */
export function selectedModels(s: Pick<SetupFields, 'picked'>, restoration: readonly ModelInfo[]): string[] {
  return s.picked ?? restoration.filter((m) => m.source === 'bundled').map((m) => m.id);
}

/** Where the outputs go: only where the user said (never filled in from the frames folder unasked). */
export function outputDir(s: Pick<SetupFields, 'out'>): string {
  return s.out ?? '';
}

/** What the setup offers for the outputs, to take with one click: `output_inference` beside the frames. */
export function suggestedOutputDir(s: Pick<SetupFields, 'frames'>): string {
  return s.frames.trim() ? `${parentOf(s.frames.trim())}${sepOf(s.frames)}output_inference` : '';
}

/** The models of the run, by where they come from. */
export function modelSources(
  s: Pick<SetupState, 'folder' | 'runs' | 'runIds' | 'uri' | 'experiment'>,
  selected: readonly string[],
): ModelSource[] {
  const sources: ModelSource[] = [];
  if (selected.length) sources.push({ type: 'models', ids: [...selected] });
  if (s.folder.trim()) sources.push({ type: 'folder', dir: s.folder.trim() });
  if (s.runs && s.runIds.length)
    sources.push({ type: 'mlflow', uri: s.uri.trim(), experiment: s.experiment.trim(), runIds: s.runIds });
  return sources;
}

/**
 * How many models the sources name: a folder by the restoration models it holds (what will run;
 * its other models are listed as skipped), null while it has not been read.
 */
export function countModels(
  sources: readonly ModelSource[],
  runIds: readonly string[],
  folderModels: SetupState['folderModels'],
): number | null {
  let n = 0;
  for (const s of sources) {
    if (s.type === 'models') n += s.ids.length;
    else if (s.type === 'mlflow') n += runIds.length;
    else if (s.type === 'folder') {
      if (folderModels?.dir !== s.dir) return null;
      n += restorationModels(folderModels.models).length;
    } else n += 1;
  }
  return n;
}

/** The job the form describes (marked as Compare's own, so the page finds it again after a reload). */
export function restoreSpec(s: SetupState, restoration: readonly ModelInfo[]): RestoreFramesSpec {
  return {
    kind: 'restore-frames',
    origin: 'compare',
    inputDir: s.frames.trim(),
    outputDir: outputDir(s).trim(),
    sources: modelSources(s, selectedModels(s, restoration)),
    ...(s.gt.trim() ? { gtDir: s.gt.trim() } : {}),
    ...(s.tiled ? { tiled: true } : {}),
    ...(s.outputNames !== 'stem' ? { outputNames: s.outputNames } : {}),
    ...(metricLines(s).length ? { metricModels: metricRefs(s) } : {}),
  };
}

/** The metric-models field's lines (blank ones ignored). */
const metricLines = (s: Pick<SetupFields, 'metricModels'>): string[] =>
  s.metricModels
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** The field's metric models as the job takes them (lines that do not parse are left out: missingForRun says why). */
function metricRefs(s: Pick<SetupFields, 'metricModels'>): MetricModelRef[] {
  return metricLines(s).flatMap((l) => {
    const r = parseMetricModelOption(l);
    return r.ok ? [r.value] : [];
  });
}

/**
 * What the form still lacks before it can run (null: it can): frames, an outputs folder, at least
 * one model, a model folder read and holding models, and no run of its own in progress.
 */
export function missingForRun(s: SetupState, restoration: readonly ModelInfo[]): string | null {
  const spec = restoreSpec(s, restoration);
  if (!spec.inputDir) return 'Choose the frames folder.';
  if (!spec.outputDir) return 'Choose the outputs folder.';
  if (spec.sources.length === 0) return 'Choose at least one model.';
  for (const line of metricLines(s)) {
    const r = parseMetricModelOption(line);
    if (!r.ok) return r.error.message;
  }
  if (spec.metricModels?.length && !spec.gtDir)
    return 'Metric models score the frames against the ground truth: choose the ground-truth folder.';
  if (s.folder.trim()) {
    if (s.folderError) return s.folderError;
    const n = countModels(spec.sources, s.runIds, s.folderModels);
    if (n === null) return 'Reading the model folder…';
    if (n === 0) return 'No restoration models to run.';
  }
  return null;
}

/** Whether the form can run (`missingForRun` says what it lacks). */
export function canRun(s: SetupState, restoration: readonly ModelInfo[]): boolean {
  return missingForRun(s, restoration) === null;
}

/** Statuses of a run the page follows on load: not ended (an interrupted run waits to be resumed). */
const UNENDED: readonly JobStatus[] = ['queued', 'running', 'paused', 'interrupted'];

/** Whether a job is a Compare run (a restore-frames job the Compare page submitted, not `loupe infer`'s). */
export function isCompareRun(job: JobSnapshot): job is JobSnapshot<'restore-frames'> {
  return job.kind === 'restore-frames' && (job.spec as RestoreFramesSpec).origin === 'compare';
}

/** The Compare runs among the engine's jobs, newest first. */
export function compareRuns(jobs: readonly JobSnapshot[]): JobSnapshot<'restore-frames'>[] {
  return jobs.filter(isCompareRun).sort((a, b) => b.createdAt - a.createdAt);
}

/** Whether a run has not ended yet (queued, running, paused, or interrupted and waiting for a resume). */
export function isUnended(job: Pick<JobSnapshot, 'status'>): boolean {
  return UNENDED.includes(job.status);
}

/** The run the page follows on load: the newest Compare run that has not ended (null: none). */
export function runToRestore(jobs: readonly JobSnapshot[]): JobSnapshot<'restore-frames'> | null {
  return compareRuns(jobs).find(isUnended) ?? null;
}

/**
 * The form that submits `spec`: its frames, ground truth, outputs, models (catalog ids, a folder,
 * MLflow runs: those runs are listed again to be picked, any status), tiling and naming. The
 * fields a Compare run does not set keep their defaults.
 */
export function fieldsFromSpec(spec: RestoreFramesSpec): Omit<SetupFields, 'existing'> & { runIds: string[] } {
  const ids = spec.sources.flatMap((x) => (x.type === 'models' ? x.ids : []));
  const folder = spec.sources.find((x) => x.type === 'folder');
  const mlflow = spec.sources.find((x) => x.type === 'mlflow');
  return {
    frames: spec.inputDir,
    gt: spec.gtDir ?? '',
    out: spec.outputDir,
    // The bundled models only when the run had them (an empty pick is "none", not the default).
    picked: spec.sources.some((x) => x.type === 'bundled') ? null : ids,
    folder: folder?.dir ?? '',
    uri: mlflow?.uri ?? '',
    experiment: mlflow?.experiment ?? '',
    status: mlflow ? (mlflow.status ?? 'any') : 'FINISHED',
    maxRuns: mlflow?.maxRuns !== undefined ? String(mlflow.maxRuns) : '',
    runIds: mlflow?.runIds ? [...mlflow.runIds] : [],
    tiled: spec.tiled === true,
    outputNames: spec.outputNames ?? 'stem',
    metricModels: (spec.metricModels ?? []).map(formatMetricModelOption).join('\n'),
  };
}

/**
 * The Compare section's "New run" and "Open results" forms: one store per Compare page, so what
 * was typed survives opening a comparison and closing it again.
 */
export function createSetupStore(deps: SetupDeps): SetupStore {
  return createStore<SetupState>()((set, get) => ({
    frames: '',
    gt: '',
    out: null,
    picked: null,
    folder: '',
    uri: '',
    experiment: '',
    status: 'FINISHED',
    maxRuns: '',
    tiled: false,
    outputNames: 'stem',
    metricModels: '',
    existing: '',
    experiments: [],
    runs: null,
    runIds: [],
    listing: false,
    folderModels: null,
    folderError: null,
    jobId: null,

    update: (patch) => set(patch),
    setRunIds: (runIds) => set({ runIds }),
    pick: (id, on) => {
      const selected = selectedModels(get(), restorationModels(deps.models()));
      set({ picked: on ? [...selected, id] : selected.filter((x) => x !== id) });
    },
    fillSamples: (info) => {
      const samples = `${info?.samplesDir ?? ''}`;
      if (!samples) return;
      const sep = sepOf(samples);
      set({
        frames: `${samples}${sep}frames`,
        gt: `${samples}${sep}frames_gt`,
        uri: `${samples}${sep}mlruns`,
        experiment: 'loupe-restoration',
        out: `${info?.dataDir ?? parentOf(samples)}${sep}output_inference${sep}samples`,
      });
    },
    loadExperiments: async () => {
      const uri = get().uri.trim();
      if (!uri || /^https?:/i.test(uri)) return;
      const r = await deps.api.mlflow.experiments(uri);
      // A suggestion for the URI still typed only.
      if (get().uri.trim() === uri) set({ experiments: r.ok ? r.value.map((e) => e.name) : [] });
    },
    listRuns: async (keep) => {
      const s = get();
      set({ listing: true });
      const r = await deps.api.mlflow.runs({
        uri: s.uri.trim(),
        experiment: s.experiment.trim(),
        status: s.status === 'any' ? null : s.status,
        ...(s.maxRuns.trim() ? { maxRuns: Number(s.maxRuns) } : {}),
      });
      if (!r.ok) {
        deps.notify('error', r.error.message);
        set({ listing: false, runs: null });
        return;
      }
      const runnable = r.value.runs.filter((x) => x.model.ok).map((x) => x.runId);
      set({
        listing: false,
        runs: r.value.runs,
        runIds: keep ? keep.filter((id) => r.value.runs.some((x) => x.runId === id)) : runnable,
      });
    },
    loadFolderModels: async () => {
      const dir = get().folder.trim();
      if (!dir) {
        set({ folderModels: null, folderError: null });
        return;
      }
      const granted = await deps.api.folders.grant(dir);
      const r = granted.ok ? await deps.api.models.list({ dir: granted.value.path }) : granted;
      // Only for the folder still typed.
      if (get().folder.trim() !== dir) return;
      if (r.ok) set({ folderModels: { dir, models: r.value }, folderError: null });
      else set({ folderModels: null, folderError: r.error.message });
    },
    run: async () => {
      // The button is disabled then; a call from elsewhere (a key, a test) is refused the same way.
      const missing = missingForRun(get(), restorationModels(deps.models()));
      if (missing) {
        deps.notify('error', missing);
        return;
      }
      const spec = restoreSpec(get(), restorationModels(deps.models()));
      // The folders the run reads become viewable (the image route serves only granted folders).
      for (const dir of [spec.inputDir, spec.gtDir].filter((d): d is string => !!d)) {
        const r = await deps.api.folders.grant(dir);
        if (!r.ok) {
          deps.notify('error', r.error.message);
          return;
        }
      }
      const submitted = await deps.submitJob(spec);
      if (submitted) set({ jobId: submitted.id });
    },
    detachJob: () => set({ jobId: null }),
    restoreRuns: async () => {
      const jobs = await deps.listJobs();
      if (!jobs || get().jobId) return;
      const job = runToRestore(jobs);
      if (job) get().follow(job);
    },
    follow: (job) => {
      get().useSetupOf(job.spec);
      set({ jobId: job.id });
    },
    useSetupOf: (spec) => {
      const { runIds, ...fields } = fieldsFromSpec(spec);
      set({ ...fields, runIds, runs: null, experiments: [] });
      // The runs are listed again so that the form shows them, picked as they were (and a later
      // Run takes them: only listed runs are a source).
      if (fields.uri && fields.experiment) void get().listRuns(runIds.length ? runIds : undefined);
    },
  }));
}
