import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

  it('refuses an unknown format', async () => {
    expect((await run('convert', '--to', 'pascal', '--labels-dir', labelsDir)).code).toBe(2);
  });

  it('validate reports human coordinates outside [0, 1] as errors (they cannot be templates)', async () => {
    const human = join(tmp.path, 'alignment_labels');
    await mkdir(human);
    const { debug_info: _d, ...record } = designRecord();
    record.coords_norm.right = [1.02, 0.43];
    await writeFile(join(human, 'PATEK_nab_001.json'), JSON.stringify({ PATEK_nab_001_03: record }));
    const r = await run('validate', human, '--images-dir', imagesDir);
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe(
      'PATEK_nab_001.json PATEK_nab_001_03: error: keypoint right (1.02, 0.43) is outside [0, 1]; a human label must be inside the image (it cannot be a matching template)',
    );
    // A prediction slightly outside the image stays a warning.
    const predicted = designRecord();
    predicted.coords_norm.right = [1.02, 0.43];
    await writeFile(join(labelsDir, 'PATEK_nab_001.json'), JSON.stringify({ PATEK_nab_001_03: predicted }));
    const p = await run('validate', labelsDir);
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/warning: keypoint right \(1\.02, 0\.43\) is outside \[0, 1\]/);
  });
});
