import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { KeypointName } from '../../shared/labels';
import type { Result } from '../../shared/result';
import { keypointForLabel, type KeypointLabelMap } from '../keypoints/names';
import { err, ok } from '../result';

/**
 * A Label Studio labeling config (the project's XML), read for what an import or export needs: the
 * KeyPointLabels controls (`name` = the results' `from_name`, `toName` = `to_name`), their labels
 * (`value`, and `alias`, which Label Studio stores instead when set), and the Image tag each one
 * labels, whose `value="$field"` names the task data field holding the image. Tag and attribute
 * names are compared case-insensitively, as Label Studio does.
 */

export interface LsConfigLabel {
  value: string;
  alias?: string;
  /** The dial keypoint it maps to (label map, then synonyms), or null. */
  keypoint: KeypointName | null;
}

export interface LsKeypointControl {
  name: string;
  toName: string;
  labels: LsConfigLabel[];
  /** The task data field of the image (`$image` → `image`), null when the image tag has none. */
  imageDataKey: string | null;
  /** The image tag uses `valueList` (several images per task). */
  multiImage: boolean;
}

export interface LsLabelingConfig {
  keypointControls: LsKeypointControl[];
}

type XmlNode = Record<string, unknown>;

const parser = (): XMLParser =>
  new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    preserveOrder: true,
    allowBooleanAttributes: true,
    parseAttributeValue: false,
    parseTagValue: false,
    processEntities: true,
  });

interface Element {
  tag: string;
  attrs: Record<string, string>;
  children: Element[];
}

function toElements(nodes: unknown): Element[] {
  if (!Array.isArray(nodes)) return [];
  const out: Element[] = [];
  for (const node of nodes as XmlNode[]) {
    const tag = Object.keys(node).find((k) => k !== ':@' && !k.startsWith('#') && !k.startsWith('?'));
    if (!tag) continue;
    const rawAttrs = (node[':@'] ?? {}) as Record<string, unknown>;
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(rawAttrs)) attrs[k.toLowerCase()] = typeof v === 'string' ? v : String(v);
    out.push({ tag: tag.toLowerCase(), attrs, children: toElements(node[tag]) });
  }
  return out;
}

function walk(elements: Element[], visit: (e: Element) => void): void {
  for (const e of elements) {
    visit(e);
    walk(e.children, visit);
  }
}

/** Parse a labeling config. Fails when it is not XML or holds no KeyPointLabels control. */
export function parseLabelingConfig(xml: string, labelMap?: KeypointLabelMap): Result<LsLabelingConfig> {
  if (!xml.trim()) return err('INVALID_ARGUMENT', 'the labeling config is empty');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line } = valid.err;
    return err('INVALID_ARGUMENT', `the labeling config is not valid XML: ${msg} (line ${line})`, { line });
  }
  let tree: Element[];
  try {
    tree = toElements(parser().parse(xml));
  } catch (e) {
    return err('INVALID_ARGUMENT', `the labeling config is not valid XML: ${(e as Error).message}`);
  }
  if (tree.length === 0) return err('INVALID_ARGUMENT', 'the labeling config holds no XML elements');
  const images = new Map<string, Element>();
  const controls: Element[] = [];
  walk(tree, (e) => {
    if (e.tag === 'keypointlabels') controls.push(e);
    else if (e.attrs.name && (e.attrs.value !== undefined || e.attrs.valuelist !== undefined)) {
      images.set(e.attrs.name, e);
    }
  });
  if (controls.length === 0) return err('INVALID_ARGUMENT', 'the labeling config has no <KeyPointLabels> control');
  const keypointControls: LsKeypointControl[] = [];
  for (const c of controls) {
    const name = c.attrs.name;
    const toName = c.attrs.toname;
    if (!name || !toName) {
      return err('INVALID_ARGUMENT', 'a <KeyPointLabels> control lacks its name or toName attribute');
    }
    const labels: LsConfigLabel[] = [];
    walk(c.children, (l) => {
      if (l.tag !== 'label' || l.attrs.value === undefined) return;
      const alias = l.attrs.alias;
      labels.push({
        value: l.attrs.value,
        ...(alias ? { alias } : {}),
        keypoint: keypointForLabel(l.attrs.value, labelMap) ?? (alias ? keypointForLabel(alias, labelMap) : null),
      });
    });
    const image = images.get(toName.split(',')[0]?.trim() ?? '');
    const ref = image?.attrs.value ?? image?.attrs.valuelist ?? '';
    const key = /^\$([A-Za-z0-9_.-]+)$/.exec(ref.trim())?.[1] ?? null;
    keypointControls.push({
      name,
      toName,
      labels,
      imageDataKey: key,
      multiImage: image?.attrs.valuelist !== undefined && image.attrs.value === undefined,
    });
  }
  return ok({ keypointControls });
}

/**
 * The control to use: the one named `fromName`, else the one whose labels map to the most dial
 * keypoints (ties: the first).
 */
export function chooseKeypointControl(config: LsLabelingConfig, fromName?: string): Result<LsKeypointControl> {
  if (fromName !== undefined) {
    const c = config.keypointControls.find((k) => k.name === fromName);
    if (!c) {
      return err(
        'INVALID_ARGUMENT',
        `the labeling config has no KeyPointLabels named "${fromName}" (it has ${config.keypointControls.map((k) => k.name).join(', ')})`,
      );
    }
    return ok(c);
  }
  const score = (c: LsKeypointControl): number => new Set(c.labels.map((l) => l.keypoint).filter(Boolean)).size;
  const best = [...config.keypointControls].sort((a, b) => score(b) - score(a))[0] as LsKeypointControl;
  return ok(best);
}

/** The label strings a control's results carry for a keypoint (alias when set, else value). */
export function controlLabelFor(control: LsKeypointControl, name: KeypointName): string | null {
  const l = control.labels.find((x) => x.keypoint === name);
  return l ? (l.alias ?? l.value) : null;
}
