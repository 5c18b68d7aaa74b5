import { parseArgs } from 'node:util';
import type { ModelInfo } from '../../shared/models';
import { formatBytes, formatShape } from '../../core/format';
import { describeKeypointMap } from '../../core/keypoints/model-keypoints';
import { cliHost, HOST_OPTIONS, type CliIo, type CliLocations } from '../context';
import { unknownModelReason } from '../../core/models/describe';

export const MODELS_HELP = `Usage: loupe models [options]

List the bundled models and the user's models (settings, --models-dir): their task, inputs and
outputs, measured quality, and the execution provider that runs them on this machine. Each model
is loaded once to find out (use --no-probe to skip). Pose models show which of their keypoints
are top, bottom, left, right and center (by their names: model.json or Ultralytics kpt_names,
with synonyms such as 12_oclock or centre; by order only for five unnamed keypoints).

Options:
  --device D          auto | coreml | cuda | webgpu | dml | cpu (default: the settings' device)
  --models-dir DIR    Also list the models in DIR (repeatable)
  --no-probe          Do not create sessions; show the planned provider only
  --json              Print JSON (one array of models) instead of text
  --data-dir DIR      Settings and caches (default: $LOUPE_DATA_DIR or the platform config folder)
  -h, --help          Show this help
`;

export async function modelsCommand(argv: string[], io: CliIo, loc: CliLocations): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...HOST_OPTIONS,
      'no-probe': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.out(MODELS_HELP);
    return 0;
  }
  const probe = !values['no-probe'];
  const host = await cliHost(values, io, loc);
  try {
    const info = await host.engine.start();
    const listed = await host.engine.request('models.list', { probe });
    if (!listed.ok) {
      io.err(`loupe models: ${listed.error.message}\n`);
      return 1;
    }
    if (values.json) {
      io.out(JSON.stringify(listed.value, null, 2) + '\n');
      return 0;
    }
    const plan = info.plan.join(' → ');
    io.out(`Device ${info.config.device}: providers ${plan}${info.planReason ? ` (${info.planReason})` : ''}\n`);
    io.out(
      `onnxruntime-node ${info.onnxruntime}, ${info.cpus} cores, providers in this build: ${info.availableProviders.join(', ')}\n`,
    );
    for (const [p, why] of Object.entries(info.unusableProviders)) io.out(`  ${p} cannot run here: ${why}\n`);
    io.out('\n');
    if (listed.value.length === 0) {
      io.out(
        'No models found. Bundled models live in resources/models; add your own with --models-dir or in Settings.\n',
      );
      return 0;
    }
    for (const m of listed.value) io.out(describe(m, probe, info.plan[0] ?? 'cpu') + '\n');
    const failed = listed.value.filter((m) => m.error).length;
    io.out(
      `${listed.value.length} model${listed.value.length === 1 ? '' : 's'}${failed ? `, ${failed} unusable` : ''}\n`,
    );
    return 0;
  } finally {
    await host.stop();
  }
}

function describe(m: ModelInfo, probed: boolean, planned: string): string {
  const lines: string[] = [];
  const provider = m.provider
    ? `provider ${m.provider.active}${m.loadMs !== null ? ` (loaded in ${Math.round(m.loadMs)} ms)` : ''}`
    : probed
      ? 'provider —'
      : `provider ${planned} (planned)`;
  lines.push(`${m.id}  ${m.task} · ${m.source} · ${formatBytes(m.sizeBytes)} · ${m.error ? 'UNUSABLE' : provider}`);
  lines.push(
    `  name     ${m.name}${m.opset !== null ? ` (opset ${m.opset}${m.producer ? `, ${m.producer}` : ''})` : ''}`,
  );
  lines.push(`  file     ${m.path}`);
  for (const i of m.inputs) lines.push(`  input    ${i.name} ${i.type} ${formatShape(i.dims)}`);
  for (const o of m.outputs) lines.push(`  output   ${o.name} ${o.type} ${formatShape(o.dims)}`);
  if (m.layout !== 'unknown') lines.push(`  layout   ${m.layout} (from ${m.taskSource})`);
  const unknown = m.task === 'unknown' && !m.error ? unknownModelReason(m) : null;
  if (unknown) lines.push(`  cannot run: ${unknown}`);
  for (const q of m.manifest?.quality ?? []) {
    const baseline = q.baseline !== undefined ? ` (baseline ${q.baseline}${q.unit ? ` ${q.unit}` : ''})` : '';
    lines.push(`  quality  ${q.name} ${q.value}${q.unit ? ` ${q.unit}` : ''}${baseline} on ${q.dataset}`);
  }
  if (m.keypointMap?.ok) lines.push(`  keypoints ${describeKeypointMap(m.keypointMap.value)}`);
  else if (m.keypointMap) lines.push(`  keypoints UNMAPPED: ${m.keypointMap.error.message}`);
  if (m.provider?.fallbackReason) lines.push(`  fallback ${m.provider.fallbackReason}`);
  if (m.error) lines.push(`  error    ${m.error.code}: ${m.error.message}`);
  return lines.join('\n') + '\n';
}
