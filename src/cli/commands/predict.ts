import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { JobSnapshot, PredictKeypointsResult } from '../../shared/jobs';
import { formatDuration, formatRate } from '../../core/format';
import { predictConfigFrom } from '../../core/keypoints/predict-config';
import { shardLogName } from '../../core/shard/manifest';
import { PREDICT_DEFAULTS } from '../../core/keypoints/predict-defaults';
import { cliHost, HOST_OPTIONS, UsageError, type JobCommandEnv } from '../context';
import { followJob } from '../follow-job';
import { SHARD_HELP, shardLine, shardOption } from '../shard-option';

const D = PREDICT_DEFAULTS.config;

export const PREDICT_HELP = `Usage: loupe predict [options]

Predict the five dial keypoints (top, bottom, left, right, center) of every image that has no
human label yet, and write one {WATCH_ID}.json per watch into the output folder (DESIGN.md's
format; merged with what is there, written atomically). Tiers: full (detector + template
matching + homography, nothing else), pipeline fallback (no template or no fit: a pose
detector's own keypoints, debug_info.method "pose", else the box's geometry), geometric fallback
(no detection). Resumable: a rerun after a kill redoes only unfinished images, and the ones that
failed (unless --no-retry-failed). A rerun also predicts again the earlier predictions whose
templates have improved since: a human label of their own watch ID (or, for a fallback, a first
one of their template model) that they were not matched to; each prediction records its
templates in debug_info.templates, a redone one why in debug_info.repredicted. Human labels,
records a person edited and rejected predictions are never redone.

Options:
  --images-dir DIR       Images to predict (default downloaded_images)
  --output-dir DIR       Predicted label files (default alignment_labels_predicted)
  --labels-dir DIR       Human labels: skipped images and matching templates, never written
                         (default alignment_labels)
  --config FILE          YAML: detector (model, conf ${D.conf}, iou ${D.iou}), matcher (type orb|akaze,
                         max_features ${D.maxFeatures}, ratio ${D.ratio}), homography (min_inliers ${D.minInliers},
                         ransac_threshold ${D.ransacThreshold}, max_templates ${D.maxTemplates}), naming_pattern, annotator,
                         keypoint_map
  --model ID|FILE        Detector (default: the bundled ${D.model})
  --keypoint-map MAP     Which of a pose detector's keypoints are Loupe's five:
                         MODEL_KEYPOINT=top,… with the model's keypoint names or 0-based
                         indices, e.g. 12_oclock=top,centre=center,3_oclock=right,6=bottom,9=left
                         (default: by the model's names, kpt_names or model.json, with
                         synonyms; by order for five unnamed keypoints). Also keypoint_map in
                         --config and Settings → Predict
  --device D             auto | coreml | cuda | webgpu | dml | cpu
  --resume / --no-resume Continue from the output folder's progress file (default: resume)
  --no-retry-failed      On a rerun, keep images that failed before as failed (default: try
                         them again)
  --force                Also predict images that have human labels (into the output folder)
  --watch-id ID          Only this watch ID
  --checkpoint-freq N    Write outputs and progress every N images (default ${PREDICT_DEFAULTS.checkpointFreq})
  --workers N            Threads predicting photos (default: the workers setting, else one per
                         core when the detector runs on the CPU, where each worker decodes,
                         detects and matches; else one per core less a quarter of the ONNX
                         Runtime threads, matching); the outputs are the same for any N
  --json                 Print a machine-readable summary on stdout (progress on stderr)
  --models-dir DIR       Extra model folder (repeatable)
  --data-dir DIR         Settings, job journal and caches
  -h, --help             Show this help

${SHARD_HELP}
  A predict shard predicts the images of its watch IDs (split by image count, a watch ID's
  images and template on one shard) and writes only their label files; predict.log and the
  progress file are the merge's.

Exit code 0 when the batch completes, even with per-image failures (they are in the summary and
predict.log); non-zero when the batch cannot run (no such folder, no usable detector) or stops
(a full disk: "disk full", what was written is kept and a rerun resumes).
`;

export async function predictCommand(argv: string[], { io, loc, onInterrupt }: JobCommandEnv): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...HOST_OPTIONS,
      'images-dir': { type: 'string', default: 'downloaded_images' },
      'output-dir': { type: 'string', default: 'alignment_labels_predicted' },
      'labels-dir': { type: 'string', default: 'alignment_labels' },
      config: { type: 'string' },
      model: { type: 'string' },
      'keypoint-map': { type: 'string' },
      resume: { type: 'boolean' },
      'no-resume': { type: 'boolean' },
      'retry-failed': { type: 'boolean' },
      'no-retry-failed': { type: 'boolean' },
      force: { type: 'boolean' },
      'watch-id': { type: 'string' },
      'checkpoint-freq': { type: 'string', default: String(PREDICT_DEFAULTS.checkpointFreq) },
      workers: { type: 'string' },
      json: { type: 'boolean' },
      shard: { type: 'string' },
      'no-merge': { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.out(PREDICT_HELP);
    return 0;
  }
  const checkpointFreq = Number(values['checkpoint-freq']);
  if (!Number.isInteger(checkpointFreq) || checkpointFreq < 1)
    throw new UsageError('--checkpoint-freq must be a positive integer');
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1 && workers <= 256))
    throw new UsageError('--workers must be an integer from 1 to 256');
  let yaml: unknown = null;
  if (values.config) {
    try {
      yaml = parseYaml(await readFile(resolve(values.config), 'utf8'));
    } catch (e) {
      throw new UsageError(`cannot read --config ${values.config}: ${(e as Error).message}`);
    }
  }
  const config = predictConfigFrom(yaml, PREDICT_DEFAULTS.config);
  if (!config.ok) throw new UsageError(config.error.message);
  if (values.model) config.value.model = values.model;
  if (values['keypoint-map'] !== undefined) {
    const withMap = predictConfigFrom({ keypoint_map: values['keypoint-map'] }, config.value);
    if (!withMap.ok) throw new UsageError(`--keypoint-map: ${withMap.error.message}`);
    config.value.keypointMap = withMap.value.keypointMap;
  }

  const shard = shardOption(values.shard, values['no-merge'] === true, io.env);
  const progressOut = values.json ? io.err : io.out;
  if (shard) progressOut(shardLine(shard));
  const host = await cliHost(values, io, loc);
  try {
    await host.engine.start();
    const submitted = await host.engine.request('jobs.submit', {
      kind: 'predict-keypoints',
      imagesDir: resolve(values['images-dir']),
      outputDir: resolve(values['output-dir']),
      labelsDir: resolve(values['labels-dir']),
      config: config.value,
      resume: !values['no-resume'],
      retryFailed: !values['no-retry-failed'],
      force: values.force === true,
      checkpointFreq,
      ...(workers !== undefined ? { workers } : {}),
      ...(values['watch-id'] ? { watchId: values['watch-id'] } : {}),
      ...(shard ? { shard } : {}),
    });
    if (!submitted.ok) {
      io.err(`loupe predict: ${submitted.error.message}\n`);
      return 1;
    }
    let lastBlock = 0;
    let live = false;
    const final = await followJob(host, submitted.value, {
      onInterrupt,
      stopping: 'Stopping after the current image…',
      progressOut,
      onEvent: (event) => {
        // A shard says what it owns and whether it merged.
        if (event.name === 'log' && event.payload.jobId === submitted.value.id && event.payload.level === 'info') {
          if (live) io.out('\n');
          live = false;
          progressOut(`${event.payload.message}\n`);
        }
      },
      onProgress: (job, finished) => {
        if (io.isTTY && !values.json) {
          io.out(`\r${progressLine(job)}\u001b[K`);
          live = true;
        }
        if (job.done - lastBlock >= checkpointFreq || (finished && job.done > 0)) {
          lastBlock = job.done;
          if (live) io.out('\n');
          live = false;
          progressOut(progressBlock(job));
        }
      },
    });
    if (live) io.out('\n');
    if (final.status === 'failed') {
      io.err(`loupe predict: ${final.error?.message ?? 'the batch failed'}\n`);
      return 1;
    }
    const result = final.result as PredictKeypointsResult | null;
    if (values.json)
      io.out(
        JSON.stringify(
          { status: final.status, ...result, elapsedMs: final.elapsedMs, provider: final.provider },
          null,
          2,
        ) + '\n',
      );
    else if (result) {
      progressOut(
        `Wrote ${result.files} label file${result.files === 1 ? '' : 's'} to ${result.outputDir} (log: ${shard ? `.loupe-shards/${shardLogName(shard.index, shard.count)}` : 'predict.log'}). ` +
          `Detector ${result.detector} on ${final.provider?.active ?? 'cpu'}, ${result.templates} templates.\n`,
      );
      const again = result.repredicted;
      if (again.total > 0)
        progressOut(
          `Re-predicted ${again.total} earlier prediction${again.total === 1 ? '' : 's'} whose templates improved: ` +
            `${again['own-watch-template']} with a new template of their own watch ID, ${again['model-template']} with a first template of their template model.\n`,
        );
    }
    return final.status === 'cancelled' ? 130 : 0;
  } finally {
    await host.stop();
  }
}

function tierCounts(job: JobSnapshot): { full: number; pipeline: number; geometric: number } {
  return {
    full: job.tags.full ?? 0,
    pipeline: job.tags['pipeline-fallback'] ?? 0,
    geometric: job.tags['geometric-fallback'] ?? 0,
  };
}

/** The live line on a terminal. */
export function progressLine(job: JobSnapshot): string {
  const total = job.total ?? 0;
  const width = 24;
  const filled = total ? Math.round((width * job.done) / total) : 0;
  const t = tierCounts(job);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${job.done}/${total} · ${formatRate(job.rate, 'img')} · ETA ${formatDuration(job.etaSec)} · full ${t.full} · pipeline ${t.pipeline} · geometric ${t.geometric} · failed ${job.counts.failed}`;
}

/** The seed's progress block. */
export function progressBlock(job: JobSnapshot): string {
  const total = job.total ?? 0;
  const t = tierCounts(job);
  const predicted = t.full + t.pipeline + t.geometric;
  const pct = (n: number, of: number): string => (of ? `${((100 * n) / of).toFixed(1)}%` : '—');
  return [
    `Progress: ${job.done}/${total} (${pct(job.done, total)})`,
    `  Success (full pipeline): ${t.full} (${pct(t.full, predicted)})`,
    `  Pipeline fallback: ${t.pipeline}`,
    `  Geometric fallback: ${t.geometric}`,
    `  Failed: ${job.counts.failed}`,
    `  Skipped: ${job.counts.skipped} (human-labelled or already predicted)`,
    `  Elapsed: ${formatDuration(job.elapsedMs / 1000)} · ETA: ${formatDuration(job.etaSec)}`,
    '',
  ].join('\n');
}
