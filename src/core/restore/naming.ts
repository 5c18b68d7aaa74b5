import type { OutputNaming } from '../../shared/jobs';
import type { MlflowRun } from '../../shared/mlflow';

/** A file-system-safe name: letters, digits, dot, dash, underscore. */
export function safeName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return s || 'model';
}

/**
 * The output folder of a model, as the seed named it: `<run_name>_<epoch>ep_loss<loss>` (loss with
 * four decimals) when the run says how long it trained and what loss it reached, else the name.
 */
export function outputFolderName(run: { name: string; epoch: number | null; loss: number | null }): string {
  const base = safeName(run.name);
  if (run.epoch === null || run.loss === null || !Number.isFinite(run.loss)) return base;
  return `${base}_${run.epoch}ep_loss${run.loss.toFixed(4)}`;
}

/** Epochs trained and final loss of an MLflow run: params.epochs, val_loss, else train_loss. */
export function runEpochAndLoss(run: Pick<MlflowRun, 'params' | 'metrics'>): {
  epoch: number | null;
  loss: number | null;
} {
  const epochsParam = Number(run.params.epochs ?? run.params.epoch);
  const lossMetric = run.metrics.val_loss ?? run.metrics.train_loss ?? run.metrics.loss ?? null;
  const epoch =
    Number.isInteger(epochsParam) && epochsParam > 0 ? epochsParam : lossMetric ? lossMetric.step + 1 : null;
  return { epoch, loss: lossMetric ? lossMetric.value : null };
}

/** The input frames against their ground truth, beside batch_summary.json: Compare's baseline row. */
export const INPUT_METRICS_FILE = 'input_metrics.json';

/** A model of a batch as its name is made: its base name and where it came from. */
export interface NamedModel {
  /** `outputFolderName` of an MLflow run, else the model's safe name. */
  base: string;
  /** The candidate's source label: `bundled`, `user`, `models`, `folder:<dir>`, `mlflow:<uri>`, `torch:<file>`. */
  source: string;
  runId: string | null;
}

/** The separator between a model's name and its source in a qualified name. */
export const SOURCE_SEPARATOR = ' · ';

/**
 * How a model's source qualifies its name, from short to long (`level` 0, 1, 2): a folder by its
 * last path segment, then the last two, then the whole path; an MLflow run by its id's first 8
 * characters, then the whole id; a PyTorch file by its name, then its folder too. File-safe.
 */
function qualifier(m: NamedModel, level: number): string {
  const colon = m.source.indexOf(':');
  const kind = colon > 0 ? m.source.slice(0, colon) : m.source;
  const rest = colon > 0 ? m.source.slice(colon + 1) : '';
  if (kind === 'mlflow') return m.runId ? (level === 0 ? m.runId.slice(0, 8) : m.runId) : safeName(rest);
  if (kind === 'folder' || kind === 'torch') {
    const parts = rest.split(/[\\/]+/).filter(Boolean);
    return safeName(level >= 2 ? parts.join('_') : parts.slice(-(level + 1)).join('_'));
  }
  return safeName(kind);
}

/**
 * The one rule for a model's name in a batch, which is at once its display name (ranking, chart,
 * panes, wipe pickers) and its output folder's name: the base name when no other model of the
 * batch has it, else qualified by its source, `unet · bundled`, `unet · a` (a folder `/models/a`),
 * `unet · 1a2b3c4d` (an MLflow run id), as long as it takes to tell them apart; models alike
 * even then (the same file named twice) get `_2`, `_3` in order. Names are compared without
 * case, as a case-insensitive disk would.
 */
export function modelNames(models: readonly NamedModel[]): string[] {
  let names = models.map((m) => m.base);
  const clash = (list: readonly string[]): boolean[] => {
    const counts = new Map<string, number>();
    for (const n of list) counts.set(n.toLowerCase(), (counts.get(n.toLowerCase()) ?? 0) + 1);
    return list.map((n) => (counts.get(n.toLowerCase()) ?? 0) > 1);
  };
  const clashing = clash(names);
  for (let level = 0; level < 3 && clash(names).some(Boolean); level++) {
    const now = clash(names);
    names = names.map((n, i) => {
      const m = models[i] as NamedModel;
      return clashing[i] && now[i] ? `${m.base}${SOURCE_SEPARATOR}${qualifier(m, level)}` : n;
    });
  }
  return uniqueNames(names);
}

/** Make names unique by suffixing _2, _3, … in order of appearance. */
export function uniqueNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n}_${k}`;
  });
}

/** Output name of the i-th input frame under `index` naming. */
export function frameName(index: number): string {
  return `frame_${String(index).padStart(6, '0')}.png`;
}

/**
 * The output file name of every input frame (paths relative to the input folder, in the batch's
 * order), always `.png`. `stem`: the input's name with its extension replaced by `.png`, sub-folders
 * kept; when two inputs would get the same name (`a.jpg` and `a.png`, or case-only differences on a
 * case-insensitive disk) each of them keeps its extension too (`a.jpg.png`, `a.png.png`), so no
 * output overwrites another. `index`: `frame_%06d.png` by position.
 */
export function outputFrameNames(frames: readonly string[], naming: OutputNaming = 'stem'): string[] {
  if (naming === 'index') return frames.map((_, i) => frameName(i));
  const stemmed = frames.map((f) => f.replace(/\.[^./\\]*$/, '') + '.png');
  const counts = new Map<string, number>();
  for (const n of stemmed) counts.set(n.toLowerCase(), (counts.get(n.toLowerCase()) ?? 0) + 1);
  return stemmed.map((n, i) => ((counts.get(n.toLowerCase()) ?? 0) > 1 ? `${frames[i] as string}.png` : n));
}
