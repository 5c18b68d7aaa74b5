/**
 * Claim (issue 17 item 3, "several dials"): predicting every dial a photo holds when it is
 * predicted (not when a reviewer picks one) is cheap: the dials after the first add one match of
 * their own crop each, run alongside the first's, and a photo with one dial costs nothing more.
 *
 * Method: the bundled HALDEN_tonneau_001 views, its one human label as the template. Folder
 * "one dial": five of its views as they are. Folder "two dials": the same five, each composed
 * side by side with another view of the watch (sharp). `loupe predict` over each folder, same
 * run, default settings; per photo the record's own timings (decode, detect, match of the first
 * dial, `other_dials`: the other dial's match) and the whole CLI process.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { expect, it } from 'vitest';
import type { LabelFile } from '../src/shared/labels';
import { samplesDir, sampleTruth, writeTwoDialPhoto } from '../test/fixtures/sample-truth';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'loupe.js');
const WATCH = 'HALDEN_tonneau_001';
const PAIRS: [string, string][] = [
  ['02', '04'],
  ['03', '05'],
  ['06', '07'],
  ['08', '09'],
  ['10', '02'],
];

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

it('several dials: what predicting the other dials costs', async () => {
  const work = join(tmpdir(), 'loupe-bench-dials');
  await rm(work, { recursive: true, force: true });
  const truth = await sampleTruth();
  const folder = async (name: string, two: boolean): Promise<{ dir: string; keys: string[] }> => {
    const dir = join(work, name);
    const images = join(dir, 'photos');
    await mkdir(images, { recursive: true });
    await mkdir(join(dir, 'labels'));
    await cp(join(samplesDir, 'alignment_labels', `${WATCH}.json`), join(dir, 'labels', `${WATCH}.json`));
    await cp(
      join(samplesDir, 'watches', truth[`${WATCH}_01`]!.full_image_name),
      join(images, truth[`${WATCH}_01`]!.full_image_name),
    );
    const keys: string[] = [];
    for (const [i, [a, b]] of PAIRS.entries()) {
      if (two) {
        const key = `${WATCH}_${String(90 + i)}`;
        await writeTwoDialPhoto(join(images, `${key}_pair.jpg`), `${WATCH}_${a}`, `${WATCH}_${b}`, truth);
        keys.push(key);
      } else {
        const name = truth[`${WATCH}_${a}`]!.full_image_name;
        await cp(join(samplesDir, 'watches', name), join(images, name));
        keys.push(`${WATCH}_${a}`);
      }
    }
    return { dir, keys };
  };
  const run = async (f: { dir: string; keys: string[] }) => {
    const started = performance.now();
    const r = spawnSync(
      process.execPath,
      [
        bin,
        'predict',
        '--images-dir',
        join(f.dir, 'photos'),
        '--labels-dir',
        join(f.dir, 'labels'),
        '--output-dir',
        join(f.dir, 'out'),
      ],
      { env: { ...process.env, LOUPE_DATA_DIR: join(f.dir, 'data') }, encoding: 'utf8' },
    );
    const wall = performance.now() - started;
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(await readFile(join(f.dir, 'out', `${WATCH}.json`), 'utf8')) as LabelFile;
    const t = f.keys.map((k) => out[k]!.debug_info!.timings_ms as Record<string, number>);
    const dials = f.keys.map((k) => (out[k]!.debug_info!.detections as unknown[] | undefined)?.length ?? 1);
    return {
      wall,
      dials,
      total: median(t.map((x) => (x.total ?? 0) + (x.decode ?? 0))),
      match: median(t.map((x) => x.match ?? 0)),
      other: median(t.map((x) => x.other_dials ?? 0)),
    };
  };
  const one = await run(await folder('one', false));
  const two = await run(await folder('two', true));
  const ms = (v: number): string => `${Math.round(v)} ms`;
  console.log(
    [
      '| | one dial (5 photos) | two dials (5 photos) |',
      '| --- | --- | --- |',
      `| dials recorded per photo | ${one.dials.join(', ')} | ${two.dials.join(', ')} |`,
      `| median per photo: decode + detect + match of the first dial | ${ms(one.total)} | ${ms(two.total)} |`,
      `| median: match of the first dial | ${ms(one.match)} | ${ms(two.match)} |`,
      `| median: match of the other dial (\`other_dials\`) | — | ${ms(two.other)} (${(two.other / two.match).toFixed(2)}× the first's match) |`,
      `| whole \`loupe predict\` process | ${ms(one.wall)} | ${ms(two.wall)} (${(two.wall / one.wall).toFixed(2)}×) |`,
    ].join('\n'),
  );
  await rm(work, { recursive: true, force: true });
});
