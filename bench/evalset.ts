import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/** The real watch photos the evaluation sets are warped from (MIT-licensed, never copied into the repo). */
export const PHOTOS = process.env.LOUPE_BENCH_PHOTOS ?? '/work/shared/data/watches';

/**
 * The real-texture evaluation set in `set` (images/, labels/, truth.json), made once by
 * bench/make_keypoint_evalset.py in Debian's Python from PHOTOS; `args` are the script's own
 * options (`--per-id N`, `--ids-only N`). Kept between runs: the same seed gives the same set.
 */
export function ensureEvalset(set: string, args: readonly string[] = []): void {
  if (existsSync(join(set, 'truth.json'))) return;
  const g = spawnSync('/usr/bin/python3', [join(root, 'bench', 'make_keypoint_evalset.py'), set, PHOTOS, ...args], {
    encoding: 'utf8',
  });
  if (g.status !== 0) throw new Error(g.stderr);
}
