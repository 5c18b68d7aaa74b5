/**
 * Claim (issue 15 item 5): template features stay within their byte budget (64 MiB for the run)
 * however many watch IDs a folder has. Measured over a folder with 2,000 watch IDs (one labelled
 * template and one photo each, bench/make_keypoint_evalset.py --ids-only from the real watch
 * photos): the engine's predict.log line for the template cache (prepared, evicted, held at most,
 * the bytes every template's features came to) and the process tree's peak RSS (getrusage).
 *
 * LOUPE_BENCH_IDS (default 2000), LOUPE_BENCH_WORKERS (default: the engine's default).
 */
import { spawnSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';
import { ensureEvalset } from './evalset';

const root = join(import.meta.dirname, '..');
const IDS = Number(process.env.LOUPE_BENCH_IDS ?? 2000);

it(`predict: template memory over ${IDS} watch IDs`, async () => {
  const work = join(tmpdir(), `loupe-bench-templates-${IDS}`);
  const set = join(work, 'set');
  ensureEvalset(set, ['--per-id', '0', '--ids-only', String(IDS)]);
  const out = join(work, 'out');
  await rm(out, { recursive: true, force: true });
  const args = [join(root, 'bin', 'loupe.js'), 'predict', '--images-dir', join(set, 'images')];
  args.push('--labels-dir', join(set, 'labels'), '--output-dir', out, '--data-dir', join(work, 'data'), '--json');
  if (process.env.LOUPE_BENCH_WORKERS) args.push('--workers', process.env.LOUPE_BENCH_WORKERS);
  const wrapper =
    'import resource,subprocess,sys,time,json\n' +
    't=time.perf_counter();r=subprocess.run(sys.argv[1:],stdout=subprocess.PIPE,stderr=subprocess.DEVNULL)\n' +
    'u=resource.getrusage(resource.RUSAGE_CHILDREN)\n' +
    'print(json.dumps({"code":r.returncode,"wall":time.perf_counter()-t,"maxrss_kib":u.ru_maxrss,"out":r.stdout.decode()}))\n';
  const r = spawnSync('/usr/bin/python3', ['-c', wrapper, process.execPath, ...args], {
    encoding: 'utf8',
    timeout: 3_000_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const run = JSON.parse(r.stdout) as { code: number; wall: number; maxrss_kib: number; out: string };
  if (run.code !== 0) throw new Error(`loupe predict failed: ${run.out}`);
  const log = await readFile(join(out, 'predict.log'), 'utf8');
  const summary = JSON.parse(run.out) as { predicted: number; tiers: Record<string, number>; templates: number };
  const result = {
    watchIds: summary.templates,
    predicted: summary.predicted,
    tiers: summary.tiers,
    wallS: run.wall,
    peakRssMiB: run.maxrss_kib / 1024,
    templateCache: /template cache: .*/.exec(log)?.[0] ?? null,
    mainThread: /main thread: .*/.exec(log)?.[0] ?? null,
  };
  console.log(JSON.stringify(result, null, 2));
  await writeFile(join(tmpdir(), 'loupe-bench-templates.json'), JSON.stringify(result, null, 2));
}, 3_000_000);
