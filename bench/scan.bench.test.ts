/**
 * Claim: opening a big folder lists every image (counts) and fills the first grid page in a small
 * fraction of the old scan's time, because the scan reads headers only (through a path+size+mtime
 * index on a reopen) and thumbnails are made for what is on screen. Baseline, same run, same
 * files: the old behaviour, a scan that writes every thumbnail first (`thumbnails: 'eager'`).
 *
 * Real engine process, real sharp, real files: N small JPEGs (1024×768, q85; a few distinct
 * images copied under N names, so every file decodes like a photo). Each variant scans its own
 * copy of the folder so no cache is shared. `BENCH_SCAN_N` sets N (default 10000).
 * Run: `npx vitest run --config bench/vitest.config.ts bench/scan.bench.test.ts`.
 */
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { expect, it } from 'vitest';
import { readImageHeader } from '../src/engine/images/image-header';
import { forEachConcurrent } from '../src/engine/jobs/concurrency';
import type { JobSnapshot } from '../src/shared/jobs';
import { ok, startHarness, type Harness } from '../test/engine/engine-harness';
import { waitFor } from '../test/helpers';

const N = Number(process.env.BENCH_SCAN_N ?? 10_000);
/** `BENCH_SCAN_EAGER=0` skips the baseline (a 100,000-file eager scan takes a quarter of an hour here). */
const EAGER = process.env.BENCH_SCAN_EAGER !== '0';
/** Cells in view at 1280×800 with the grid's 150 px minimum cell: 6 columns × 4 rows, plus the overscan row. */
const FIRST_PAGE = 30;

async function writeFolder(dir: string, count: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const seeds = await Promise.all(
    Array.from({ length: 8 }, async (_, s) => {
      const raw = Buffer.alloc(1024 * 768 * 3);
      for (let i = 0; i < raw.length; i++)
        raw[i] = (i * (s + 3) + ((i / 3072) | 0) * 7 + ((i * 2654435761) >>> 27)) & 255;
      return sharp(raw, { raw: { width: 1024, height: 768, channels: 3 } })
        .blur(1.5)
        .jpeg({ quality: 85 })
        .toBuffer();
    }),
  );
  const names: string[] = [];
  const first = join(dir, '.seed');
  await mkdir(first, { recursive: true });
  await Promise.all(seeds.map((b, s) => sharp(b).toFile(join(first, `${s}.jpg`))));
  for (let i = 0; i < count; i++) {
    const name = `WATCH_m${String(i % 97).padStart(2, '0')}_${String(i).padStart(6, '0')}_01.jpg`;
    await copyFile(join(first, `${i % seeds.length}.jpg`), join(dir, name));
    names.push(name);
  }
  return names;
}

async function copyFolder(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const n of await readdir(from)) if (n.endsWith('.jpg')) await copyFile(join(from, n), join(to, n));
}

async function scan(
  h: Harness,
  folder: string,
  thumbnails: 'lazy' | 'eager',
): Promise<{ ms: number; job: JobSnapshot }> {
  const t = performance.now();
  const { id } = await ok(h.engine.request('jobs.submit', { kind: 'scan-images', folder, thumbnails }));
  const job = await waitFor(
    async () => {
      const j = (await ok(h.engine.request('jobs.list', null))).find((x) => x.id === id);
      return j && j.status === 'completed' ? j : undefined;
    },
    3_600_000,
    'scan to finish',
  );
  return { ms: performance.now() - t, job };
}

/** The grid's first page: the cells on screen ask for their thumbnails at once, as ReviewGrid does. */
async function firstPage(h: Harness, folder: string, names: string[]): Promise<number> {
  const t = performance.now();
  await Promise.all(
    names
      .slice(0, FIRST_PAGE)
      .map(async (n) => ok(h.engine.request('images.view', { path: join(folder, n), variant: 'thumbnail' }))),
  );
  return performance.now() - t;
}

it(`scan: ${N} JPEGs, counts + first grid page, cold and warm, vs a full-thumbnail scan`, async () => {
  const h = await startHarness({ thumbnailSize: 256 });
  try {
    const t0 = performance.now();
    const base = join(h.root, 'eager');
    const names = await writeFolder(base, N);
    const lazy = join(h.root, 'lazy');
    if (EAGER) await copyFolder(base, lazy);
    console.log(`\nwrote ${N} JPEGs ${EAGER ? 'twice ' : ''}in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const lazyDir = EAGER ? lazy : base;

    // Header readers over 2,000 files: one at a time (latency), and 16 in flight as the scan keeps
    // them (throughput, what a cold scan pays), each twice in alternation so neither gets a warmer cache.
    const sample = names.slice(0, Math.min(2000, N)).map((n) => join(base, n));
    const readers = {
      sharp: (p: string) => sharp(p).metadata(),
      fast: (p: string) => readImageHeader(p, 1),
    };
    const perFile = { sharp: { one: Infinity, many: Infinity }, fast: { one: Infinity, many: Infinity } };
    for (let round = 0; round < 2; round++) {
      for (const [name, read] of Object.entries(readers) as [keyof typeof readers, (p: string) => Promise<unknown>][]) {
        let t = performance.now();
        for (const p of sample) await read(p);
        perFile[name].one = Math.min(perFile[name].one, (performance.now() - t) / sample.length);
        t = performance.now();
        await forEachConcurrent(sample, 16, async (p) => {
          await read(p);
        });
        perFile[name].many = Math.min(perFile[name].many, (performance.now() - t) / sample.length);
      }
    }

    const eager = EAGER ? await scan(h, base, 'eager') : null;
    const eagerWarm = EAGER ? await scan(h, base, 'eager') : null;
    const cold = await scan(h, lazyDir, 'lazy');
    const coldPage = await firstPage(h, lazyDir, names);
    const warm = await scan(h, lazyDir, 'lazy');
    const warmPage = await firstPage(h, lazyDir, names);
    for (const r of [eager, eagerWarm, cold, warm]) if (r) expect(r.job.counts.ok).toBe(N);

    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const per = (ms: number) => `${((ms / N) * 1000).toFixed(0)} ms per 1000 files`;
    const rel = (ms: number) => (eager ? `${(ms / eager.ms).toFixed(3)}×` : 'no baseline this run');
    const ms = (v: number) => `${v.toFixed(3)} ms`;
    console.log(
      `header read per file (best of 2, ${sample.length} files): sharp metadata ${ms(perFile.sharp.one)} one at a time, ${ms(perFile.sharp.many)} at 16 in flight; ` +
        `readImageHeader (image-size over the first 64 KiB) ${ms(perFile.fast.one)}, ${ms(perFile.fast.many)} ` +
        `(${(perFile.sharp.many / perFile.fast.many).toFixed(2)}× the throughput)`,
    );
    if (eager && eagerWarm) {
      console.log(`baseline: eager scan (every thumbnail) ${s(eager.ms)} (${per(eager.ms)}) = 1.000×`);
      console.log(`baseline warm rescan (thumbnails cached)  ${s(eagerWarm.ms)} (${rel(eagerWarm.ms)})`);
    }
    console.log(
      `lazy cold: counts ${s(cold.ms)} (${rel(cold.ms)}), + first page of ${FIRST_PAGE} thumbnails ${s(coldPage)} → ${s(cold.ms + coldPage)} (${rel(cold.ms + coldPage)})`,
    );
    console.log(`lazy reopen (index + cached page): counts ${s(warm.ms)} (${rel(warm.ms)}), first page ${s(warmPage)}`);
    console.log(
      `per file: eager ${eager ? (eager.ms / N).toFixed(3) : '-'} ms, lazy cold ${(cold.ms / N).toFixed(3)} ms, reopen ${(warm.ms / N).toFixed(3)} ms`,
    );
  } finally {
    await h.close();
  }
}, 3_600_000);
