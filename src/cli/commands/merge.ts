import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { PredictKeypointsResult, RestoreFramesResult } from '../../shared/jobs';
import { mergeShardFolder } from '../../engine/fs/shards';
import { UsageError, type CliIo } from '../context';
import { summaryTable } from './infer';
import { finishMerge } from '../../engine/fs/merge-finish';

export const MERGE_HELP = `Usage: loupe merge --output-dir DIR [--json]

Merge the shards of a cluster run (loupe predict|infer --shard I/N or --shard auto) in DIR: read
every DIR/.loupe-shards/shard-I-of-N.json and write what one process would have written for the
whole batch (infer: each model's metadata.json, metrics.json and progress file, and
batch_summary.json; predict: predict.log and its progress file). The last shard to finish does
this by itself unless it ran with --no-merge; merging again writes the same files.

Options:
  --output-dir DIR  The output folder the shards wrote
  --json            Print the merged summary on stdout (batch_summary.json's models, or predict's
                    summary)
  -h, --help        Show this help

Exit code 0 when merged; 1 when a shard is missing, unreadable, failed or still running (each is
named; nothing is written).
`;

export async function mergeCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'output-dir': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.out(MERGE_HELP);
    return 0;
  }
  if (!values['output-dir']) throw new UsageError('loupe merge needs --output-dir DIR');
  const dir = resolve(values['output-dir']);
  const merged = await mergeShardFolder(dir, finishMerge);
  if (!merged.ok) {
    io.err(`loupe merge: ${merged.error.message}\n`);
    return 1;
  }
  const { kind, count, result } = merged.value;
  if (values.json) {
    io.out(JSON.stringify(result, null, 2) + '\n');
    return 0;
  }
  if (kind === 'infer') io.out(summaryTable(result as RestoreFramesResult));
  else {
    const r = result as PredictKeypointsResult;
    io.out(
      `${r.images} images: ${r.tiers.full} full, ${r.tiers['pipeline-fallback']} pipeline fallback, ` +
        `${r.tiers['geometric-fallback']} geometric fallback, ${r.failed} failed; ${r.files} label files in ${r.outputDir}\n`,
    );
  }
  io.out(`Merged ${count} shards into ${dir}\n`);
  return 0;
}
