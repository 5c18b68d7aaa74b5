import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LabelFile } from '../../src/shared/labels';
import type { LsTask } from '../../src/core/formats/label-studio';
import { runCli } from '../../src/cli/index';
import type { CliIo, CliLocations } from '../../src/cli/context';
import { designRecord } from '../fixtures/labels';
import { tempDir } from '../helpers';

/** validate and convert in-process: they read and write label files, no engine involved. */
describe('loupe validate / convert', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let labelsDir: string;
  let imagesDir: string;
  const run = async (...argv: string[]) => {
    let out = '';
    let err = '';
    const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), isTTY: false, env: {} };
    const loc = { enginePath: '', rendererDir: '', resourcesDir: '', version: 'test' } satisfies CliLocations;
    const code = await runCli(argv, io, loc, { waitForStop: async () => undefined, onInterrupt: () => undefined });
    return { code, out, err };
  };

  beforeEach(async () => {
    tmp = await tempDir();
    labelsDir = join(tmp.path, 'alignment_labels_predicted');
    imagesDir = join(tmp.path, 'downloaded_images');
    await mkdir(labelsDir);
    await mkdir(imagesDir);
    await writeFile(join(imagesDir, 'PATEK_nab_001_03_tiltface_q1.jpg'), 'x');
    await writeFile(join(labelsDir, 'PATEK_nab_001.json'), JSON.stringify({ PATEK_nab_001_03: designRecord() }));
  });
  afterEach(() => tmp.cleanup());

  it('validate passes a good folder (images found beside it) and fails a bad one, a line per problem', async () => {
    const good = await run('validate', labelsDir);
    expect(good.code).toBe(0);
    expect(good.out).toBe('1 file, 1 record: 0 errors, 0 warnings\n');

    const broken = designRecord();
    broken.full_image_name = 'PATEK_nab_002_01_missing.jpg';
    broken.coords_norm.center = [0.5, 9];
    await writeFile(join(labelsDir, 'PATEK_nab_002.json'), JSON.stringify({ PATEK_nab_002_01: broken }));
    await writeFile(join(labelsDir, 'ROLEX_sub_001.json'), '{ "truncated": ');
    const bad = await run('validate', labelsDir);
    expect(bad.code).toBe(1);
    expect(bad.out.split('\n')).toEqual([
      'PATEK_nab_002.json PATEK_nab_002_01: error: keypoint center (0.5, 9) is far outside the image',
      'PATEK_nab_002.json PATEK_nab_002_01: error: image PATEK_nab_002_01_missing.jpg does not exist',
      expect.stringMatching(/^ROLEX_sub_001\.json: error: not valid JSON/),
      '3 files, 2 records: 3 errors, 0 warnings',
      '',
    ]);
    expect((await run('validate')).code).toBe(2);
  });

  it('round-trips through Label Studio: tasks + config out, corrected export back in as human labels', async () => {
    const tasksFile = join(tmp.path, 'ls', 'tasks.json');
    const out = await run(
      'convert',
      '--to',
      'label-studio',
      '--labels-dir',
      labelsDir,
      '--out',
      tasksFile,
      '--image-base-url',
      'https://cdn.example/w/',
    );
    expect(out.code).toBe(0);
    const tasks = JSON.parse(await readFile(tasksFile, 'utf8')) as LsTask[];
    expect(tasks[0]?.data.image).toBe('https://cdn.example/w/PATEK_nab_001_03_tiltface_q1.jpg');
    expect(await readFile(join(tmp.path, 'ls', 'labeling-config.xml'), 'utf8')).toContain('KeyPointLabels');

    const result = structuredClone(tasks[0]!.predictions![0]!.result);
    result[4]!.value.x = 52; // center moved
    tasks[0]!.annotations = [{ result, completed_by: { email: 'rev@lab' }, updated_at: '2026-11-20T10:00:00Z' }];
    const exportFile = join(tmp.path, 'ls', 'export.json');
    await writeFile(exportFile, JSON.stringify(tasks));
    const human = join(tmp.path, 'alignment_labels');
    const imported = await run('convert', '--from', 'label-studio', '--input', exportFile, '--labels-dir', human);
    expect(imported.code).toBe(0);
    const labels = JSON.parse(await readFile(join(human, 'PATEK_nab_001.json'), 'utf8')) as LabelFile;
    expect(labels.PATEK_nab_001_03?.annotator).toBe('human:rev@lab');
    expect(labels.PATEK_nab_001_03?.coords_norm.center[0]).toBeCloseTo(0.52, 10);
    expect(labels.PATEK_nab_001_03?.prediction?.annotator).toBe('ml-model-v1.0');

    // Existing files are left alone without --merge; with it, newer labels on disk win.
    const again = await run('convert', '--from', 'label-studio', '--input', exportFile, '--labels-dir', human);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/Use --merge/);
    const onDisk = {
      ...labels,
      PATEK_nab_001_03: {
        ...labels.PATEK_nab_001_03!,
        timestamp: '2026-11-21T00:00:00Z',
        annotator: 'human:later',
        extra: 1,
      },
    };
    await writeFile(join(human, 'PATEK_nab_001.json'), JSON.stringify(onDisk));
    expect(
      (await run('convert', '--from', 'label-studio', '--input', exportFile, '--labels-dir', human, '--merge')).code,
    ).toBe(0);
    const merged = JSON.parse(await readFile(join(human, 'PATEK_nab_001.json'), 'utf8')) as LabelFile;
    expect(merged.PATEK_nab_001_03?.annotator).toBe('human:later');
  });

  it('refuses an unknown format', async () => {
    expect((await run('convert', '--to', 'pascal', '--labels-dir', labelsDir)).code).toBe(2);
  });
});
