import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { writeMlruns } from '../fixtures/mlruns';
import { repoRoot, tempDir } from '../helpers';
import { diffOutputFolders, firstJsonDifference, writeFrames } from './output-folders';

/*
 * deploy/kubernetes/loupe-infer-job.yaml where no cluster exists: the manifest is checked against
 * the batch/v1 Job fields it uses (types and rules from the Kubernetes API reference, "Job v1" and
 * "Indexed Job"; unknown fields are refused, as `kubectl apply --validate=strict` does), then its
 * container command is run as Kubernetes would run it, once per completion index with
 * JOB_COMPLETION_INDEX set, all at once (parallelism), on a folder standing in for the volume; the
 * output must be what one `loupe infer` writes.
 */
const manifestPath = join(repoRoot, 'deploy', 'kubernetes', 'loupe-infer-job.yaml');
const bin = join(repoRoot, 'bin', 'loupe.js');

const quantity = z.union([z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/), z.number()]);
const envVar = z.strictObject({ name: z.string().regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/), value: z.string() });
const container = z.strictObject({
  name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
  image: z.string().min(1),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  command: z.array(z.string()).min(1),
  args: z.array(z.string()).optional(),
  env: z.array(envVar).optional(),
  resources: z
    .strictObject({
      requests: z.record(z.string(), quantity).optional(),
      limits: z.record(z.string(), quantity).optional(),
    })
    .optional(),
  volumeMounts: z
    .array(
      z.strictObject({ name: z.string(), mountPath: z.string().startsWith('/'), readOnly: z.boolean().optional() }),
    )
    .optional(),
});
const labels = z.record(z.string(), z.string());
const jobSchema = z.strictObject({
  apiVersion: z.literal('batch/v1'),
  kind: z.literal('Job'),
  metadata: z.strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
      .max(63),
    labels: labels.optional(),
  }),
  spec: z.strictObject({
    completionMode: z.literal('Indexed'),
    completions: z.number().int().positive(),
    parallelism: z.number().int().positive(),
    backoffLimitPerIndex: z.number().int().nonnegative(),
    maxFailedIndexes: z.number().int().nonnegative().optional(),
    template: z.strictObject({
      metadata: z.strictObject({ labels: labels.optional() }).optional(),
      spec: z.strictObject({
        // backoffLimitPerIndex requires restartPolicy Never.
        restartPolicy: z.literal('Never'),
        containers: z.array(container).length(1),
        volumes: z.array(
          z.strictObject({ name: z.string(), persistentVolumeClaim: z.strictObject({ claimName: z.string() }) }),
        ),
      }),
    }),
  }),
});
type Job = z.infer<typeof jobSchema>;

async function readManifest(): Promise<Job> {
  return jobSchema.parse(parseYaml(await readFile(manifestPath, 'utf8')));
}

function run(command: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(command[0]!, command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolveRun({ code, output }));
  });
}

describe('deploy/kubernetes/loupe-infer-job.yaml', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    tmp = await tempDir('loupe-k8s-');
  });
  afterAll(() => tmp.cleanup());

  it('is a valid Indexed Job whose shard count is its completions and whose mounts are its volumes', async () => {
    const job = await readManifest();
    const c = job.spec.template.spec.containers[0]!;
    expect(c.env?.find((e) => e.name === 'LOUPE_SHARD_COUNT')?.value).toBe(String(job.spec.completions));
    expect(job.spec.parallelism).toBeLessThanOrEqual(job.spec.completions);
    const volumes = new Set(job.spec.template.spec.volumes.map((v) => v.name));
    for (const m of c.volumeMounts ?? []) expect(volumes.has(m.name), m.name).toBe(true);
    expect(c.command.slice(0, 2)).toEqual(['loupe', 'infer']);
    expect(c.command.join(' ')).toContain('--shard auto');
    // Every path the command names is on the shared volume (or the pod's own /tmp).
    const mount = c.volumeMounts![0]!.mountPath;
    const paths = c.command.filter((a) => a.startsWith('/'));
    for (const p of paths) expect(p.startsWith(`${mount}/`) || p.startsWith('/tmp/'), p).toBe(true);
  });

  it('its container command, run once per completion index, writes what one loupe infer writes', async () => {
    const job = await readManifest();
    const c = job.spec.template.spec.containers[0]!;
    const mount = c.volumeMounts![0]!.mountPath;
    const volume = join(tmp.path, 'volume');
    await writeFrames(join(volume, 'frames'), 7, 51);
    await writeFrames(join(volume, 'gt'), 7, 51);
    await writeMlruns(join(volume, 'mlruns'));

    // The pod's paths on this machine: the volume's mount point is the temp folder, and each
    // pod's /tmp its own.
    const local = (index: number) => (arg: string) =>
      arg.startsWith(`${mount}/`)
        ? join(volume, arg.slice(mount.length + 1))
        : arg.startsWith('/tmp/')
          ? join(tmp.path, `pod-${index}`, arg.slice(5))
          : arg;
    const podCommand = (index: number) => [process.execPath, bin, ...c.command.slice(1).map(local(index))];
    const podEnv = (index: number): NodeJS.ProcessEnv => ({
      ...process.env,
      ...Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value])),
      JOB_COMPLETION_INDEX: String(index),
    });

    const pods = await Promise.all(
      Array.from({ length: job.spec.completions }, (_, i) => run(podCommand(i), podEnv(i))),
    );
    for (const [i, p] of pods.entries()) {
      expect(p.code, p.output).toBe(0);
      expect(p.output).toContain(`JOB_COMPLETION_INDEX=${i}`);
    }

    // The same command without a shard, as one process.
    const single = join(tmp.path, 'single');
    const command = podCommand(0).filter((_, i, all) => all[i] !== '--shard' && all[i - 1] !== '--shard');
    const out = command.indexOf('--output-dir');
    command[out + 1] = single;
    const one = await run(command, { ...process.env, LOUPE_DATA_DIR: join(tmp.path, 'data-single') });
    expect(one.code, one.output).toBe(0);

    const sharded = local(0)(c.command[c.command.indexOf('--output-dir') + 1]!);
    const diff = await diffOutputFolders(single, sharded);
    const details = await Promise.all(
      diff.differing.slice(0, 3).map((rel) => firstJsonDifference(single, sharded, rel).catch(() => rel)),
    );
    expect({ ...diff, details }).toEqual({ onlyInA: [], onlyInB: [], differing: [], details: [] });
  }, 600_000);
});
