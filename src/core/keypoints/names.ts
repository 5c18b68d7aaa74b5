import { KEYPOINT_NAMES, type KeypointName } from '../../shared/labels';
import type { Result } from '../../shared/result';
import { err, ok } from '../result';

/**
 * Other tools' names for the five dial keypoints. One table for every importer that has to read
 * someone else's names: Label Studio labels (`Top`, `12_oclock`, `Centre`), pose models'
 * `kpt_names`, a user's `--label-map` values. Compared after `normalizeKeypointLabel`.
 */
export const KEYPOINT_SYNONYMS: Readonly<Record<KeypointName, readonly string[]>> = {
  top: [
    'top',
    '12',
    '12oclock',
    '12h',
    'twelve',
    'twelveoclock',
    'xii',
    'noon',
    'north',
    'up',
    'topcenter',
    'topcentre',
  ],
  right: ['right', '3', '3oclock', '3h', 'three', 'threeoclock', 'iii', 'east'],
  bottom: ['bottom', '6', '6oclock', '6h', 'six', 'sixoclock', 'vi', 'south', 'down', 'bottomcenter', 'bottomcentre'],
  left: ['left', '9', '9oclock', '9h', 'nine', 'nineoclock', 'ix', 'west'],
  center: [
    'center',
    'centre',
    'middle',
    'mid',
    'hub',
    'pivot',
    'handpivot',
    'pinion',
    'origin',
    'clockcenter',
    'clockcentre',
  ],
};

/** Words that qualify a position without changing it: `dial_top`, `kp_center`, `12_oclock_marker`. */
const FILLER_WORDS = new Set(['dial', 'watch', 'face', 'clock', 'kp', 'keypoint', 'point', 'pt', 'marker', 'mark']);

const BY_SYNONYM: ReadonlyMap<string, KeypointName> = new Map(
  KEYPOINT_NAMES.flatMap((name) => KEYPOINT_SYNONYMS[name].map((s) => [s, name] as const)),
);

/**
 * A label as words: lower case, apostrophes dropped, "o clock" joined, everything else that is not
 * a letter or digit a separator. `"12 O'Clock"` → `["12", "oclock"]`, `"clock-centre"` →
 * `["clock", "centre"]`.
 */
function words(label: string): string[] {
  return label
    .toLowerCase()
    .replace(/['’`]/g, '')
    .replace(/\bo[\s_.-]*clock\b/g, 'oclock')
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** A label's comparison form: its words run together (`"12 o'clock"` → `"12oclock"`). */
export function normalizeKeypointLabel(label: string): string {
  return words(label).join('');
}

/**
 * The dial keypoint another tool's label stands for, or null when it names none (a hand, a
 * logo). Exact synonyms first, then the same with filler words dropped (`dial_top`,
 * `clock_center`, `12_oclock_marker`).
 */
export function canonicalKeypointName(label: string): KeypointName | null {
  const w = words(label);
  const whole = BY_SYNONYM.get(w.join(''));
  if (whole) return whole;
  const core = w.filter((x) => !FILLER_WORDS.has(x));
  if (core.length === 0 || core.length === w.length) return null;
  return BY_SYNONYM.get(core.join('')) ?? null;
}

/** A user's label map (`--label-map`): other tools' labels and the keypoints they stand for, in order. */
export interface KeypointLabelMap {
  readonly entries: readonly { readonly label: string; readonly keypoint: KeypointName }[];
}

/**
 * Parse `Top=top,Center=center,12=top`: labels compared case-insensitively (normalised), values
 * any name `canonicalKeypointName` knows. Several labels may map to one keypoint; the first is the
 * one an export writes.
 */
export function parseKeypointLabelMap(spec: string): Result<KeypointLabelMap> {
  const entries: { label: string; keypoint: KeypointName }[] = [];
  for (const raw of spec.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const eq = entry.lastIndexOf('=');
    const label = eq > 0 ? entry.slice(0, eq).trim() : '';
    const target = eq > 0 ? entry.slice(eq + 1).trim() : '';
    if (!label || !target) {
      return err('INVALID_ARGUMENT', `label map entry "${entry}" is not LABEL=KEYPOINT`, { entry });
    }
    const keypoint = canonicalKeypointName(target);
    if (!keypoint) {
      return err(
        'INVALID_ARGUMENT',
        `label map entry "${entry}": "${target}" is not a dial keypoint (${KEYPOINT_NAMES.join(', ')})`,
        { entry },
      );
    }
    const earlier = entries.find((e) => normalizeKeypointLabel(e.label) === normalizeKeypointLabel(label));
    if (earlier && earlier.keypoint !== keypoint) {
      return err('INVALID_ARGUMENT', `label map maps "${label}" to both ${earlier.keypoint} and ${keypoint}`, {
        entry,
      });
    }
    if (!earlier) entries.push({ label, keypoint });
  }
  if (entries.length === 0) return err('INVALID_ARGUMENT', 'the label map is empty');
  return ok({ entries });
}

/** A label through the user's map first (case-insensitive), then the synonyms. */
export function keypointForLabel(label: string, map?: KeypointLabelMap): KeypointName | null {
  const key = normalizeKeypointLabel(label);
  return map?.entries.find((e) => normalizeKeypointLabel(e.label) === key)?.keypoint ?? canonicalKeypointName(label);
}

/** The label a map gives a keypoint (its first entry for it), or null when it has none. */
export function labelForKeypoint(name: KeypointName, map: KeypointLabelMap): string | null {
  return map.entries.find((e) => e.keypoint === name)?.label ?? null;
}
