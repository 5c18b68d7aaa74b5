import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { textureSvg } from '../fixtures/texture';

/*
 * What "the same output folder as one process" means in the cluster tests: the same files, with
 * byte-identical images and label/metrics/summary JSON equal once times are taken out. Loupe's
 * own bookkeeping (the shard manifests, progress files, logs) is not part of the output users
 * read, and differs by construction between one process and N.
 */

/** Keys whose values are times of day or durations, never results (Loupe's own names for them). */
const TIME_KEYS = new Set(['created_at', 'timestamp', 'timings', 'timings_ms', 'load_ms', 'wall_ms', 'run_ms']);

const BOOKKEEPING =
  /(^|\/)(\.loupe-shards|\.loupe-[^/]*|predict\.log|[^/]*progress[^/]*\.json)$|(^|\/)\.loupe-shards\//;

function withoutTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimes);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => !TIME_KEYS.has(k))
        .map(([k, v]) => [k, withoutTimes(v)]),
    );
  }
  return value;
}

/** A JSON file's content with times removed and the folder's own path (it names itself) as `<out>`. */
function readJson(bytes: Buffer, folder: string): unknown {
  return withoutTimes(JSON.parse(bytes.toString('utf8').split(JSON.stringify(folder).slice(1, -1)).join('<out>')));
}

async function walk(dir: string, root = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    const rel = relative(root, path);
    if (BOOKKEEPING.test(rel)) continue;
    if (e.isDirectory()) out.push(...(await walk(path, root)));
    else out.push(rel);
  }
  return out.sort();
}

export interface FolderDifference {
  onlyInA: string[];
  onlyInB: string[];
  differing: string[];
}

/** Compare two output folders: images byte for byte, JSON with times removed (and key order kept). */
export async function diffOutputFolders(a: string, b: string): Promise<FolderDifference> {
  const [filesA, filesB] = [await walk(a), await walk(b)];
  const setB = new Set(filesB);
  const setA = new Set(filesA);
  const differing: string[] = [];
  for (const rel of filesA.filter((f) => setB.has(f))) {
    const [bytesA, bytesB] = [await readFile(join(a, rel)), await readFile(join(b, rel))];
    if (rel.endsWith('.json')) {
      const [ja, jb] = [readJson(bytesA, a), readJson(bytesB, b)];
      // Stringified so that key order counts too: a merge must write what one process writes.
      if (JSON.stringify(ja) !== JSON.stringify(jb)) differing.push(rel);
    } else if (!bytesA.equals(bytesB)) differing.push(rel);
  }
  return {
    onlyInA: filesA.filter((f) => !setB.has(f)),
    onlyInB: filesB.filter((f) => !setA.has(f)),
    differing,
  };
}

/** The first difference of one JSON file between two folders, for a failing test's message. */
export async function firstJsonDifference(a: string, b: string, rel: string): Promise<string> {
  const [ja, jb] = [
    JSON.stringify(readJson(await readFile(join(a, rel)), a), null, 1).split('\n'),
    JSON.stringify(readJson(await readFile(join(b, rel)), b), null, 1).split('\n'),
  ];
  const i = ja.findIndex((line, k) => line !== jb[k]);
  return i < 0 ? `${rel}: lengths differ` : `${rel} line ${i}: ${ja[i]} ≠ ${jb[i]}`;
}

/** `count` small textured frames (`frame_0000.png` …), the same for the same seed: a clip for the cluster tests. */
export async function writeFrames(dir: string, count: number, seed: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    await sharp(Buffer.from(textureSvg(96, 64, seed + i)))
      .removeAlpha()
      .png()
      .toFile(join(dir, `frame_${String(i).padStart(4, '0')}.png`));
  }
}
