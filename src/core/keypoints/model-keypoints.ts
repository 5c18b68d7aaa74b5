import { canonicalKeypointName, normalizeKeypointLabel } from './names';
import { KEYPOINT_NAMES, type KeypointName } from '../../shared/labels';
import type { ModelManifest } from '../../shared/model-manifest';
import type { KeypointMapInfo } from '../../shared/models';
import type { Result } from '../../shared/result';
import type { Detection } from '../detect/yolo';
import { readUltralyticsMetadata } from '../models/describe';
import { err, ok } from '../result';

/**
 * A pose model's keypoints, taken by name. Ultralytics exports write the dataset's `kpt_names`
 * into the ONNX metadata (`{0: ['top', …]}`, one list per class); a Loupe manifest lists them as
 * `output.keypoints`. A model trained on another dataset may name and order its points otherwise
 * (`12_oclock, centre, hour, minute, 3_oclock, …`), so the five are found by name, with synonyms,
 * or through a user's map; by position only when the model has exactly five unnamed keypoints.
 *
 * Names are read through the one synonym table of src/core/keypoints/names.ts, shared with the
 * Label Studio importer.
 */

/** The dial keypoint a model keypoint name stands for, or null (a hand, a logo, an unknown name). */
export function canonicalModelKeypoint(name: string): KeypointName | null {
  return canonicalKeypointName(name);
}

/** One entry of a `--keypoint-map`: a model keypoint (name or 0-based index) and what it is. */
export interface KeypointMapEntry {
  from: string;
  to: KeypointName;
}

/**
 * Parse `--keypoint-map 12_oclock=top,centre=center,4=left`: the model's keypoint (its name,
 * case-insensitive, or its 0-based index) on the left, the Loupe keypoint on the right, the same
 * direction as Label Studio's `--label-map`.
 */
export function parseKeypointMap(text: string): Result<KeypointMapEntry[]> {
  const entries: KeypointMapEntry[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const eq = entry.lastIndexOf('=');
    const from = eq > 0 ? entry.slice(0, eq).trim() : '';
    const target = eq > 0 ? entry.slice(eq + 1).trim() : '';
    if (!from || !target) {
      return err(
        'INVALID_ARGUMENT',
        `keypoint map entry "${entry}" is not MODEL_KEYPOINT=${KEYPOINT_NAMES.join('|')}`,
        {
          entry,
        },
      );
    }
    const to = canonicalModelKeypoint(target);
    if (!to) {
      return err(
        'INVALID_ARGUMENT',
        `keypoint map entry "${entry}": "${target}" is not one of ${KEYPOINT_NAMES.join(', ')}`,
        { entry },
      );
    }
    entries.push({ from, to });
  }
  if (entries.length === 0) return err('INVALID_ARGUMENT', 'the keypoint map is empty');
  return ok(entries);
}

export interface ModelKeypointsInput {
  /** For messages. */
  model: string;
  /** kpt_shape[0], when known. */
  count: number | null;
  /** The model's keypoint names in output order (may be empty). */
  names: readonly string[];
  namesSource: 'manifest' | 'kpt_names' | null;
  /** A user's `--keypoint-map` (or the setting), or null. */
  keypointMap: string | null;
}

/** Names that only restate the order (`0`, `1`, …) say nothing about what the points are. */
function onlyIndices(names: readonly string[]): boolean {
  return names.length > 0 && names.every((n, i) => n.trim() === String(i));
}

/**
 * Which of a pose model's keypoints are top, bottom, left, right and center. A user's map first,
 * then the names (synonyms allowed), then, for five unnamed keypoints, their order. Errors say
 * what is missing and how to name it.
 */
export function mapModelKeypoints(input: ModelKeypointsInput): Result<KeypointMapInfo> {
  const named = input.names.length > 0 && !onlyIndices(input.names);
  const names = named ? input.names : [];
  const count = input.count ?? (names.length || null);
  if (count === null || count < 1) {
    return err('MODEL_LOAD_FAILED', `${input.model}: a pose model without a keypoint count (kpt_shape)`, {
      model: input.model,
    });
  }
  if (names.length > 0 && names.length !== count) {
    return err(
      'MODEL_LOAD_FAILED',
      `${input.model}: ${names.length} keypoint names (${input.namesSource}) for ${count} keypoints (kpt_shape)`,
      { model: input.model, names: [...names], count },
    );
  }
  const modelNames = Array.from({ length: count }, (_, i) => names[i] ?? `#${i}`);
  const indices: Partial<Record<KeypointName, number>> = {};
  const taken = new Map<number, KeypointName>();
  const assign = (to: KeypointName, index: number): string | null => {
    const other = taken.get(index);
    if (other && other !== to) return `keypoint ${modelNames[index]} cannot be both ${other} and ${to}`;
    if (indices[to] !== undefined && indices[to] !== index) {
      return `${to} is given twice (${modelNames[indices[to]]} and ${modelNames[index]})`;
    }
    indices[to] = index;
    taken.set(index, to);
    return null;
  };
  const fail = (message: string, extra: Record<string, unknown> = {}) =>
    err('MODEL_LOAD_FAILED', `${input.model}: ${message}`, { model: input.model, names: modelNames, ...extra });

  let source: KeypointMapInfo['source'] | null = null;
  if (input.keypointMap) {
    const parsed = parseKeypointMap(input.keypointMap);
    if (!parsed.ok) return parsed;
    for (const { from, to } of parsed.value) {
      const byName = names.findIndex((n) => normalizeKeypointLabel(n) === normalizeKeypointLabel(from));
      const index = byName >= 0 ? byName : /^\d+$/.test(from) ? Number(from) : -1;
      if (index < 0 || index >= count) {
        return err(
          'INVALID_ARGUMENT',
          `${input.model}: the keypoint map names "${from}", which is not one of the model's keypoints (${modelNames.join(', ')}${names.length ? '' : '; use 0-based indices'})`,
          { model: input.model, names: modelNames, entry: `${from}=${to}` },
        );
      }
      const clash = assign(to, index);
      if (clash) return err('INVALID_ARGUMENT', `${input.model}: keypoint map: ${clash}`, { model: input.model });
    }
    source = 'keypoint-map';
  }

  if (names.length > 0) {
    // Every name that stands for a dial keypoint; two names for one keypoint is ambiguous.
    const byKeypoint = new Map<KeypointName, number[]>();
    names.forEach((n, i) => {
      const k = canonicalModelKeypoint(n);
      if (k) byKeypoint.set(k, [...(byKeypoint.get(k) ?? []), i]);
    });
    for (const k of KEYPOINT_NAMES) {
      if (indices[k] !== undefined) continue;
      const found = (byKeypoint.get(k) ?? []).filter((i) => !taken.has(i));
      if (found.length > 1) {
        return fail(
          `${found.map((i) => modelNames[i]).join(' and ')} both name ${k}; say which with --keypoint-map ${modelNames[found[0] as number]}=${k}`,
        );
      }
      if (found.length === 1) {
        assign(k, found[0] as number);
        source ??= input.namesSource ?? 'kpt_names';
      }
    }
  } else if (count === KEYPOINT_NAMES.length) {
    // Five unnamed keypoints: Loupe's own order (top, bottom, left, right, center).
    for (const [i, k] of KEYPOINT_NAMES.entries()) {
      if (indices[k] === undefined && !taken.has(i)) {
        assign(k, i);
        source ??= 'position';
      }
    }
  }

  const missing = KEYPOINT_NAMES.filter((k) => indices[k] === undefined);
  if (missing.length > 0) {
    const what = names.length
      ? `its keypoints (${names.join(', ')}) do not name ${missing.join(', ')}`
      : `${count} unnamed keypoints (no kpt_names in the metadata, no keypoints in model.json)`;
    return fail(
      `cannot tell which keypoints are ${missing.join(', ')}: ${what}. Name them with --keypoint-map ` +
        `MODEL_KEYPOINT=LOUPE_KEYPOINT pairs (e.g. ${missing.map((k) => `<name or index>=${k}`).join(',')}) ` +
        'or Settings → Predict → Keypoint map',
      { missing },
    );
  }
  const full = indices as Record<KeypointName, number>;
  const used = new Set(Object.values(full));
  return ok({
    source: source ?? 'position',
    count,
    modelNames,
    indices: full,
    ignored: modelNames.map((_, i) => i).filter((i) => !used.has(i)),
  });
}

/**
 * The keypoint mapping of a model from its manifest and metadata (and a user's map), or null
 * when the model has no keypoints at all (a plain detector).
 */
export function modelKeypointMap(
  model: { name: string; manifest: ModelManifest | null; metadata: Record<string, string> },
  keypointMap: string | null,
): Result<KeypointMapInfo> | null {
  const meta = readUltralyticsMetadata(model.metadata);
  const manifestNames = model.manifest?.output.keypoints ?? [];
  const kptShape = model.manifest?.output.kptShape ?? meta.kptShape;
  const isPose = model.manifest ? model.manifest.task === 'pose' : meta.task === 'pose' || kptShape !== null;
  if (!isPose) return null;
  const [names, namesSource] =
    manifestNames.length > 0
      ? [manifestNames, 'manifest' as const]
      : meta.kptNames.length > 0
        ? [meta.kptNames, 'kpt_names' as const]
        : [[], null];
  return mapModelKeypoints({
    model: model.name,
    count: kptShape ? kptShape[0] : null,
    names,
    namesSource,
    keypointMap,
  });
}

/** Detections with their keypoints reduced to Loupe's five, in KEYPOINT_NAMES order. */
export function selectKeypoints(dets: readonly Detection[], map: KeypointMapInfo): Detection[] {
  return dets.map((d) => {
    if (!d.keypoints) return d;
    if (d.keypoints.length < map.count) {
      const { keypoints: _k, ...rest } = d;
      return rest;
    }
    const kps = d.keypoints;
    return {
      ...d,
      keypoints: KEYPOINT_NAMES.map((n) => kps[map.indices[n]] as NonNullable<Detection['keypoints']>[0]),
    };
  });
}

/** One line for `loupe models`: `top ← 12_oclock (0), … · not used: hour (2), minute (3) · from kpt_names`. */
export function describeKeypointMap(map: KeypointMapInfo): string {
  const pairs = KEYPOINT_NAMES.map((k) => {
    const i = map.indices[k];
    const name = map.modelNames[i] as string;
    return name === k ? `${k} (${i})` : `${k} ← ${name} (${i})`;
  });
  const ignored = map.ignored.length
    ? ` · not used: ${map.ignored.map((i) => `${map.modelNames[i]} (${i})`).join(', ')}`
    : '';
  const source = {
    'keypoint-map': 'the keypoint map',
    manifest: 'model.json',
    kpt_names: 'kpt_names metadata',
    position: 'their order',
  }[map.source];
  return `${pairs.join(', ')}${ignored} · by ${source}`;
}
