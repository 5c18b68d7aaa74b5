import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LabelFile, LabelRecord } from '../../src/shared/labels';
import type { LsTask } from '../../src/core/formats/label-studio';
import { runCli } from '../../src/cli/index';
import type { CliIo, CliLocations } from '../../src/cli/context';
import { designRecord } from '../fixtures/labels';
import { repoRoot, tempDir } from '../helpers';

const FIXTURES = join(repoRoot, 'test/fixtures/label-studio');

/** convert --from/--to label-studio in-process: label files only, no engine. */
describe('loupe convert: Label Studio', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let env: NodeJS.ProcessEnv;
  const run = async (...argv: string[]) => {
    let out = '';
    let err = '';
    const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), isTTY: false, env };
    const loc = { enginePath: '', rendererDir: '', resourcesDir: '', version: 'test' } satisfies CliLocations;
    const code = await runCli(argv, io, loc, { waitForStop: async () => undefined, onInterrupt: () => undefined });
    return { code, out, err };
  };
  const readLabels = async (dir: string, watchId: string): Promise<LabelFile> =>
    JSON.parse(await readFile(join(dir, `${watchId}.json`), 'utf8')) as LabelFile;

  beforeEach(async () => {
    tmp = await tempDir();
    env = {};
  });
  afterEach(() => tmp.cleanup());

  describe('import', () => {
    it('a project labelled Top/Center only imports with --label-map and --allow-partial, saying what it skipped and why', async () => {
      const human = join(tmp.path, 'alignment_labels');
      const input = join(FIXTURES, 'top-center-project.json');
      const args = ['convert', '--from', 'label-studio', '--input', input, '--labels-dir', human];

      const strict = await run(...args, '--label-map', 'Top=top,Center=center');
      expect(strict.code).toBe(1); // nothing imported
      expect(strict.err.split('\n')).toEqual([
        'task 1 (/data/local-files/?d=images/SEIKO_skx_010_01_front.jpg): found top (Top), center (Center); missing bottom, left, right (import partial labels with --allow-partial)',
        'task 2 (/data/local-files/?d=images/SEIKO_skx_010_02_side.jpg): found top (Top), center (Center); missing bottom, left, right (import partial labels with --allow-partial)',
        '',
      ]);

      const ok = await run(...args, '--label-map', 'Top=top,Center=center', '--allow-partial');
      expect(ok.code).toBe(0);
      expect(ok.err).toBe('');
      expect(ok.out.split('\n')).toEqual([
        'Label Studio JSON export, 3 tasks',
        `imported 2 (2 partial) → ${human} (1 file)`,
        'skipped 1:',
        '  1 no annotations (empty tasks): 3 (/data/local-files/?d=images/SEIKO_skx_011_01.jpg)',
        'labels not imported (they name no dial keypoint; map them with --label-map LABEL=keypoint): Hour ×1',
        '',
      ]);
      const file = await readLabels(human, 'SEIKO_skx_010');
      expect(Object.keys(file)).toEqual(['SEIKO_skx_010_01', 'SEIKO_skx_010_02']);
      expect(file.SEIKO_skx_010_01).toMatchObject({
        image_size: [2000, 1600],
        full_image_name: 'SEIKO_skx_010_01_front.jpg',
        annotator: 'human:1',
        coords_norm: { top: [0.504, 0.125], center: [0.501, 0.502] },
      });

      // validate: partial records are warnings, not errors.
      const validate = await run('validate', human);
      expect(validate.code).toBe(0);
      expect(validate.out).toContain(
        'SEIKO_skx_010.json SEIKO_skx_010_01: warning: partial record: bottom, left, right absent',
      );
      expect(validate.out).toMatch(/1 file, 2 records: 0 errors, 2 warnings/);
    });

    it('a real project with its labeling config: every task accounted for, files per watch ID', async () => {
      const human = join(tmp.path, 'alignment_labels');
      const res = await run(
        'convert',
        '--from',
        'label-studio',
        '--input',
        join(FIXTURES, 'watch-project.json'),
        '--config',
        join(FIXTURES, 'labeling-config.xml'),
        '--labels-dir',
        human,
      );
      expect(res.code).toBe(0);
      expect(res.out.split('\n')).toEqual([
        'Label Studio JSON export, 15 tasks',
        `imported 6 → ${human} (4 files)`,
        'skipped 3:',
        '  1 no annotations (empty tasks): 107 (/data/local-files/?d=watches/TUDOR_bb_004_02.jpg)',
        '  1 every annotation cancelled: 108 (/data/local-files/?d=watches/TUDOR_bb_004_03.jpg)',
        '  1 only predictions (import them with --predictions): 109 (/data/local-files/?d=watches/TUDOR_bb_004_01.jpg)',
        'failed 6 (each reported above):',
        '  1 partial',
        '  2 several-dials',
        '  1 bad-rotation',
        '  1 no-image',
        '  1 unmapped-labels',
        'labels not imported (they name no dial keypoint; map them with --label-map LABEL=keypoint): Hour ×3, Minute ×2',
        '',
      ]);
      expect(res.err.split('\n').filter(Boolean)).toHaveLength(6);
      expect(res.err).toContain(
        'task 111 (/data/local-files/?d=): the local-files URL "/data/local-files/?d=" has an empty ?d= path',
      );
      expect((await readdir(human)).sort()).toEqual([
        'CARTIER_tnk_005.json',
        'IWC_pil_006.json',
        'PATEK_nab_001.json',
        'ROLEX_sub_002.json',
      ]);
      const patek = await readLabels(human, 'PATEK_nab_001');
      expect(Object.keys(patek)).toEqual(['PATEK_nab_001_03', 'PATEK_nab_001_04']);
      for (const file of await readdir(human)) {
        const records = JSON.parse(await readFile(join(human, file), 'utf8')) as LabelFile;
        for (const [key, r] of Object.entries(records)) {
          expect(key).not.toBe('');
          expect(r.full_image_name).not.toBe('');
        }
      }
    });

    it('a JSON-MIN export imports', async () => {
      const human = join(tmp.path, 'alignment_labels');
      const res = await run(
        'convert',
        '--from',
        'label-studio',
        '--input',
        join(FIXTURES, 'watch-project-min.json'),
        '--config',
        join(FIXTURES, 'labeling-config.xml'),
        '--labels-dir',
        human,
      );
      expect(res.code).toBe(0);
      expect(res.out).toMatch(/^Label Studio JSON-MIN export, 6 tasks\nimported 3 → /);
      expect((await readLabels(human, 'PATEK_nab_001')).PATEK_nab_001_03?.annotator).toBe('human:3');
    });

    it('--predictions imports prediction-only tasks as predictions, never over a person’s label', async () => {
      const dir = join(tmp.path, 'alignment_labels_predicted');
      await mkdir(dir);
      const person: LabelRecord = { ...designRecord(), full_image_name: 'TUDOR_bb_004_01.jpg', annotator: 'human:me' };
      delete person.debug_info;
      await writeFile(join(dir, 'TUDOR_bb_004.json'), JSON.stringify({ TUDOR_bb_004_01: person }));
      const args = [
        'convert',
        '--from',
        'label-studio',
        '--input',
        join(FIXTURES, 'watch-project.json'),
        '--config',
        join(FIXTURES, 'labeling-config.xml'),
        '--labels-dir',
        dir,
        '--predictions',
        '--merge',
      ];
      const res = await run(...args);
      expect(res.code).toBe(0);
      expect(res.out).toMatch(/imported 7 \(1 from predictions\)/);
      expect((await readLabels(dir, 'TUDOR_bb_004')).TUDOR_bb_004_01?.annotator).toBe('human:me');

      await writeFile(join(dir, 'TUDOR_bb_004.json'), '{}');
      await run(...args);
      expect((await readLabels(dir, 'TUDOR_bb_004')).TUDOR_bb_004_01).toMatchObject({
        annotator: 'dial-pose-v2',
        confidence: 0.41,
        debug_info: { method: 'label-studio-prediction' },
      });
    });

    it('refuses what is not an export, a bad label map or config, with a usage error', async () => {
      const labelsDir = join(tmp.path, 'l');
      const notExport = join(tmp.path, 'x.json');
      await writeFile(notExport, JSON.stringify({ project: 1, tasks: [] }));
      const a = await run('convert', '--from', 'label-studio', '--input', notExport, '--labels-dir', labelsDir);
      expect(a.code).toBe(2);
      expect(a.err).toMatch(/not a Label Studio export: expected a list of tasks \(JSON\) or of records \(JSON-MIN\)/);
      const input = join(FIXTURES, 'top-center-project.json');
      const b = await run(
        'convert',
        '--from',
        'label-studio',
        '--input',
        input,
        '--labels-dir',
        labelsDir,
        '--label-map',
        'Top',
      );
      expect(b.code).toBe(2);
      expect(b.err).toMatch(/--label-map: label map entry "Top" is not LABEL=KEYPOINT/);
      const xml = join(tmp.path, 'c.xml');
      await writeFile(xml, '<View><Image name="i" value="$image"/></View>');
      const c = await run(
        'convert',
        '--from',
        'label-studio',
        '--input',
        input,
        '--labels-dir',
        labelsDir,
        '--config',
        xml,
      );
      expect(c.code).toBe(2);
      expect(c.err).toMatch(/has no <KeyPointLabels> control/);
    });
  });

  describe('export', () => {
    let labelsDir: string;
    let imagesDir: string;

    beforeEach(async () => {
      labelsDir = join(tmp.path, 'alignment_labels_predicted');
      imagesDir = join(tmp.path, 'downloaded_images');
      await mkdir(labelsDir);
      await mkdir(join(imagesDir, 'patek'), { recursive: true });
      await writeFile(join(imagesDir, 'patek', 'PATEK_nab_001_03_tiltface_q1.jpg'), 'x');
      const fallback = {
        ...designRecord(),
        annotator: 'ml-model-v1.0-geometric-fallback',
        full_image_name: 'PATEK_nab_001_04 front.jpg',
      };
      await writeFile(join(imagesDir, 'PATEK_nab_001_04 front.jpg'), 'x');
      await writeFile(
        join(labelsDir, 'PATEK_nab_001.json'),
        JSON.stringify({ PATEK_nab_001_03: designRecord(), PATEK_nab_001_04: fallback }),
      );
    });

    it('names images as Label Studio local files under the document root, one model_version', async () => {
      const out = join(tmp.path, 'ls', 'tasks.json');
      const res = await run('convert', '--to', 'label-studio', '--labels-dir', labelsDir, '--out', out);
      expect(res.code).toBe(0);
      const tasks = JSON.parse(await readFile(out, 'utf8')) as LsTask[];
      // The images folder found beside the labels; its parent is the document root.
      expect(tasks.map((t) => t.data.image)).toEqual([
        '/data/local-files/?d=downloaded_images/patek/PATEK_nab_001_03_tiltface_q1.jpg',
        '/data/local-files/?d=downloaded_images/PATEK_nab_001_04%20front.jpg',
      ]);
      expect(new Set(tasks.map((t) => t.predictions?.[0]?.model_version))).toEqual(new Set(['ml-model-v1.0']));
      expect(res.out.split('\n')).toEqual([
        `2 tasks → ${out} (0 with a person's label as the annotation, 2 with a prediction, model_version "ml-model-v1.0")`,
        `labeling config → ${join(tmp.path, 'ls', 'labeling-config.xml')}`,
        `note: images as Label Studio local files: LOCAL_FILES_DOCUMENT_ROOT=${tmp.path}, Local Storage path ${imagesDir}`,
        '',
      ]);
    });

    it('takes the document root from --document-root or Label Studio’s own variable, and refuses one outside', async () => {
      const out = join(tmp.path, 'tasks.json');
      env = { LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT: join(tmp.path, '..') };
      expect((await run('convert', '--to', 'label-studio', '--labels-dir', labelsDir, '--out', out)).code).toBe(0);
      const [first] = JSON.parse(await readFile(out, 'utf8')) as LsTask[];
      expect(first?.data.image).toMatch(/^\/data\/local-files\/\?d=[^/]+\/downloaded_images\/patek\//);

      const elsewhere = await run(
        'convert',
        '--to',
        'label-studio',
        '--labels-dir',
        labelsDir,
        '--out',
        out,
        '--images-dir',
        imagesDir,
        '--document-root',
        join(tmp.path, 'other'),
      );
      expect(elsewhere.code).toBe(2);
      expect(elsewhere.err).toMatch(/is not inside the document root/);
      const noImages = await run('convert', '--to', 'label-studio', '--labels-dir', join(tmp.path, 'l2'), '--out', out);
      expect(noImages.code).toBe(2);
    });

    it('targets an existing project: its config’s names and labels, or --from-name/--to-name/--label-map', async () => {
      const out = join(tmp.path, 'tasks.json');
      const withConfig = await run(
        'convert',
        '--to',
        'label-studio',
        '--labels-dir',
        labelsDir,
        '--out',
        out,
        '--config',
        join(FIXTURES, 'labeling-config.xml'),
      );
      expect(withConfig.code).toBe(0);
      let [task] = JSON.parse(await readFile(out, 'utf8')) as LsTask[];
      expect(task?.data.img).toMatch(/^\/data\/local-files\/\?d=/);
      expect(
        task?.predictions?.[0]?.result.map((r) => `${r.from_name}/${r.to_name}/${r.value.keypointlabels[0]}`),
      ).toEqual(['dial/photo/Top', 'dial/photo/Bottom', 'dial/photo/9_oclock', 'dial/photo/R', 'dial/photo/Center']);

      const withMap = await run(
        'convert',
        '--to',
        'label-studio',
        '--labels-dir',
        labelsDir,
        '--out',
        out,
        '--from-name',
        'points',
        '--to-name',
        'img',
        '--label-map',
        'Top=top,Center=center',
        '--image-base-url',
        'https://cdn.example/w/',
      );
      expect(withMap.code).toBe(0);
      expect(withMap.out).toContain('note: keypoints with no label in the project left out: bottom, left, right');
      [task] = JSON.parse(await readFile(out, 'utf8')) as LsTask[];
      expect(task?.data.image).toBe('https://cdn.example/w/PATEK_nab_001_03_tiltface_q1.jpg');
      expect(
        task?.predictions?.[0]?.result.map((r) => `${r.from_name}/${r.to_name}/${r.value.keypointlabels[0]}`),
      ).toEqual(['points/img/Top', 'points/img/Center']);
      const xml = await readFile(join(tmp.path, 'labeling-config.xml'), 'utf8');
      expect(xml).toContain('<KeyPointLabels name="points" toName="img"');
      expect(xml).toContain('<Label value="Top"');
      expect(xml).not.toContain('<Label value="bottom"');
    });

    it('sends partial records to Label Studio but not into COCO', async () => {
      const partial = designRecord();
      delete (partial.coords_norm as Partial<LabelRecord['coords_norm']>).left;
      await writeFile(
        join(labelsDir, 'ROLEX_sub_002.json'),
        JSON.stringify({ ROLEX_sub_002_01: { ...partial, full_image_name: 'ROLEX_sub_002_01.jpg' } }),
      );
      const out = join(tmp.path, 'tasks.json');
      const ls = await run(
        'convert',
        '--to',
        'label-studio',
        '--labels-dir',
        labelsDir,
        '--out',
        out,
        '--images-dir',
        imagesDir,
      );
      expect(ls.code).toBe(0);
      expect(ls.out).toContain('note: 1 image not found under');
      expect((JSON.parse(await readFile(out, 'utf8')) as LsTask[]).map((t) => t.data.image_key)).toContain(
        'ROLEX_sub_002_01',
      );
      const coco = await run('convert', '--to', 'coco', '--labels-dir', labelsDir, '--out', join(tmp.path, 'c.json'));
      expect(coco.code).toBe(0);
      expect(coco.err).toBe('skipped ROLEX_sub_002_01: partial (left absent)\n');
    });
  });

  it('round-trips: tasks out, reviewed in Label Studio, back in as human labels; --merge rules', async () => {
    const predictedDir = join(tmp.path, 'alignment_labels_predicted');
    const imagesDir = join(tmp.path, 'downloaded_images');
    await mkdir(predictedDir);
    await mkdir(imagesDir);
    await writeFile(join(imagesDir, 'PATEK_nab_001_03_tiltface_q1.jpg'), 'x');
    await writeFile(join(predictedDir, 'PATEK_nab_001.json'), JSON.stringify({ PATEK_nab_001_03: designRecord() }));
    const tasksFile = join(tmp.path, 'ls', 'tasks.json');
    expect((await run('convert', '--to', 'label-studio', '--labels-dir', predictedDir, '--out', tasksFile)).code).toBe(
      0,
    );
    const tasks = JSON.parse(await readFile(tasksFile, 'utf8')) as LsTask[];
    // Label Studio's export after a reviewer moved the centre and submitted.
    const result = structuredClone(tasks[0]!.predictions![0]!.result);
    result[4]!.value.x = 52;
    const exported = [
      {
        id: 1,
        data: tasks[0]!.data,
        annotations: [
          {
            id: 1,
            completed_by: { id: 1, email: 'rev@lab' },
            result,
            was_cancelled: false,
            updated_at: '2026-11-20T10:00:00Z',
          },
        ],
        predictions: tasks[0]!.predictions,
      },
    ];
    const exportFile = join(tmp.path, 'ls', 'export.json');
    await writeFile(exportFile, JSON.stringify(exported));
    const human = join(tmp.path, 'alignment_labels');
    const imported = await run('convert', '--from', 'label-studio', '--input', exportFile, '--labels-dir', human);
    expect(imported.code).toBe(0);
    const labels = await readLabels(human, 'PATEK_nab_001');
    expect(labels.PATEK_nab_001_03?.annotator).toBe('human:rev@lab');
    expect(labels.PATEK_nab_001_03?.coords_norm.center[0]).toBeCloseTo(0.52, 10);
    expect(labels.PATEK_nab_001_03?.prediction?.annotator).toBe('ml-model-v1.0');

    // Existing files are left alone without --merge; with it, newer labels on disk win.
    const again = await run('convert', '--from', 'label-studio', '--input', exportFile, '--labels-dir', human);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/Use --merge/);
    const later = {
      ...labels.PATEK_nab_001_03!,
      timestamp: '2026-11-21T00:00:00Z',
      annotator: 'human:later',
      extra: 1,
    };
    await writeFile(join(human, 'PATEK_nab_001.json'), JSON.stringify({ PATEK_nab_001_03: later }));
    expect(
      (await run('convert', '--from', 'label-studio', '--input', exportFile, '--labels-dir', human, '--merge')).code,
    ).toBe(0);
    expect((await readLabels(human, 'PATEK_nab_001')).PATEK_nab_001_03?.annotator).toBe('human:later');
  });
});
