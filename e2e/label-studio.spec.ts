import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { LabelFile } from '../src/shared/labels';
import { expect, repoRoot, test } from './fixtures';

/**
 * A Label Studio project's labels brought into an opened folder from the app: a JSON export the
 * way Label Studio writes it (local-files URLs, KeyPointLabels in percent, the project's own label
 * names), one full label and one partial, merged into the human labels.
 */
test.describe('Keypoints: import a Label Studio export', () => {
  test('imports a project with its own label names, partial sets included, and says what it did', async ({ app }) => {
    const { page } = app;
    const root = join(app.photosDir, '..', 'samples');
    await cp(join(repoRoot, 'resources', 'samples', 'watches'), join(root, 'watches'), { recursive: true });
    await cp(join(repoRoot, 'resources', 'samples', 'alignment_labels'), join(root, 'alignment_labels'), {
      recursive: true,
    });
    const folder = join(root, 'watches');
    const result = async (name: string, labels: Record<string, [number, number]>, id: number) => {
      const meta = await sharp(join(folder, name)).metadata();
      return Object.entries(labels).map(([label, [x, y]], i) => ({
        original_width: meta.width,
        original_height: meta.height,
        image_rotation: 0,
        value: { x, y, width: 0.6, keypointlabels: [label] },
        id: `r${id}-${i}`,
        from_name: 'kp',
        to_name: 'img',
        type: 'keypointlabels',
        origin: 'manual',
      }));
    };
    const task = async (id: number, name: string, labels: Record<string, [number, number]>) => ({
      id,
      data: { img: `/data/local-files/?d=samples/watches/${name}` },
      annotations: [
        {
          id,
          completed_by: { id: 3, email: 'ann@studio.example' },
          result: await result(name, labels, id),
          was_cancelled: false,
          created_at: '2026-11-30T10:00:00.000000Z',
          updated_at: '2026-11-30T10:01:00.000000Z',
        },
      ],
      predictions: [],
    });
    const full = {
      Noon: [50.2, 11.8],
      Six: [50.1, 88.4],
      Nine: [12.3, 50.2],
      Three: [87.9, 49.8],
      Hub: [50.0, 50.1],
    } satisfies Record<string, [number, number]>;
    const exportFile = join(root, 'project-7-at-2026-11-30.json');
    await writeFile(
      exportFile,
      JSON.stringify([
        await task(1, 'KESTREL_dive_001_03_tiltface_q3.jpg', full),
        await task(2, 'KESTREL_dive_001_04_tiltface_q1.jpg', { Noon: [49.0, 13.0], Hub: [50.5, 51.0] }),
        {
          id: 3,
          data: { img: '/data/local-files/?d=samples/watches/KESTREL_dive_001_05_wrist_q2.jpg' },
          annotations: [],
        },
      ]),
    );

    await page.getByLabel('Folder path', { exact: true }).fill(folder);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect(page.getByTestId('human-count')).toHaveText('8');
    await page.getByTestId('ls-import-open').click();
    await page.getByLabel('Export file (JSON or JSON-MIN)').fill(exportFile);
    await page.getByLabel(/Label map/).fill('Noon=top,Six=bottom,Nine=left,Three=right,Hub=center');
    await page.getByLabel('Import labels that lack some of the five keypoints').check();
    await page.getByTestId('ls-import-run').click();
    const summary = page.getByTestId('ls-import-summary');
    await expect(summary).toContainText('Label Studio JSON export, 3 tasks');
    await expect(summary).toContainText('imported 2 (1 partial)');
    await expect(summary).toContainText('1 no annotations (empty tasks): 3');
    // The full label counts as human-labelled at once; a partial one waits for its missing points.
    await expect(page.getByTestId('human-count')).toHaveText('9');
    await app.screenshot('label-studio-import');

    const labels = JSON.parse(
      await readFile(join(root, 'alignment_labels', 'KESTREL_dive_001.json'), 'utf8'),
    ) as LabelFile;
    // The label that was there is kept; the imported ones are people's labels.
    expect(Object.keys(labels).sort()).toEqual([
      'KESTREL_dive_001_01',
      'KESTREL_dive_001_02',
      'KESTREL_dive_001_03',
      'KESTREL_dive_001_04',
    ]);
    expect(labels.KESTREL_dive_001_03).toMatchObject({ annotator: 'human:ann@studio.example' });
    expect(labels.KESTREL_dive_001_03?.coords_norm.right[0]).toBeCloseTo(0.879, 6);
    expect(Object.keys(labels.KESTREL_dive_001_04?.coords_norm ?? {}).sort()).toEqual(['center', 'top']);
  });
});
