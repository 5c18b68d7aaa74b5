import { cp, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabelFile } from '../src/shared/labels';
import { samplesDir, sampleTruth, writeTwoDialPhoto } from '../test/fixtures/sample-truth';
import { editorState, expect, test, type LoupeApp } from './fixtures';

/** The points on the canvas, as the store has them (image pixels). */
const points = async (app: LoupeApp) => (await editorState(app)).points;

test.describe('Keypoints: several dials', () => {
  test('a photo with two dials is badged in the grid; the editor switches dial with D and with a click, and saves it', async ({
    app,
  }) => {
    const { page } = app;
    const root = join(app.photosDir, '..', 'dials');
    const folder = join(root, 'photos');
    await mkdir(join(root, 'alignment_labels'), { recursive: true });
    await mkdir(folder, { recursive: true });
    // The watch's human label (a template for both dials) and a photo of two of its views side by side.
    await cp(
      join(samplesDir, 'alignment_labels', 'HALDEN_tonneau_001.json'),
      join(root, 'alignment_labels', 'HALDEN_tonneau_001.json'),
    );
    await cp(
      join(samplesDir, 'watches', 'HALDEN_tonneau_001_01_front_q1.jpg'),
      join(folder, 'HALDEN_tonneau_001_01_front_q1.jpg'),
    );
    const truth = await sampleTruth();
    const pair = await writeTwoDialPhoto(
      join(folder, 'HALDEN_tonneau_001_90_pair.jpg'),
      'HALDEN_tonneau_001_02',
      'HALDEN_tonneau_001_04',
      truth,
    );

    await page.getByLabel('Folder path', { exact: true }).fill(folder);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect(page.getByTestId('image-count')).toHaveText('2');
    await page.getByTestId('predict').click();
    await expect(page.getByTestId('predict-progress')).toHaveCount(0, { timeout: 120_000 });
    await expect(page.getByTestId('predicted-count')).toHaveText('1');

    const tile = page.locator('[data-testid="thumbnail"][data-image-key="HALDEN_tonneau_001_90"]');
    await expect(tile.getByTestId('dials')).toHaveText('2 dials');
    await expect(
      page.locator('[data-testid="thumbnail"][data-image-key="HALDEN_tonneau_001_01"]').getByTestId('dials'),
    ).toHaveCount(0);
    await app.screenshot('dials-grid');

    await tile.click();
    const canvas = page.getByTestId('editor-canvas');
    await expect(canvas).toHaveAttribute('data-dial', '0');
    await expect(page.getByTestId('editor-dials')).toContainText('Dial 1 of 2');
    const boxes = JSON.parse((await canvas.getAttribute('data-dials'))!) as [number, number, number, number][];
    expect(boxes).toHaveLength(2);
    const first = await points(app);

    // D: the points go to the other dial (its centre inside its box); D again: back.
    await canvas.focus();
    await page.keyboard.press('d');
    await expect(canvas).toHaveAttribute('data-dial', '1');
    await expect(page.getByTestId('editor-dials')).toContainText('Dial 2 of 2');
    // That dial's own fit: the template fits it too.
    await expect(page.getByTestId('editor-dial-fit')).toContainText('full');
    const second = await points(app);
    const [x1, , x2] = boxes[1]!;
    expect(second.center[0] / pair.size[0]).toBeGreaterThan(x1);
    expect(second.center[0] / pair.size[0]).toBeLessThan(x2);
    await app.screenshot('dials-editor');
    await page.keyboard.press('d');
    await expect(canvas).toHaveAttribute('data-dial', '0');
    expect(await points(app)).toEqual(first);

    // A click inside the other dial's box (away from the points) switches too.
    const view = await editorState(app);
    const [bx1, by1, bx2, by2] = boxes[1]!;
    const inside: [number, number] = [
      (bx1 + (bx2 - bx1) * 0.15) * pair.size[0],
      (by1 + (by2 - by1) * 0.15) * pair.size[1],
    ];
    const [px, py] = view.toPage(inside);
    await page.mouse.click(px, py);
    await expect(canvas).toHaveAttribute('data-dial', '1');
    expect(await points(app)).toEqual(second);

    // The help lists the key.
    await page.keyboard.press('?');
    await expect(
      page.getByText('Several dials: put the points on the next / previous dial (or click its box)'),
    ).toBeVisible();
    await page.keyboard.press('Escape');

    // Enter saves the chosen dial's points as the label.
    await page.keyboard.press('Enter');
    await expect
      .poll(async () => {
        const file = JSON.parse(
          await readFile(join(root, 'alignment_labels', 'HALDEN_tonneau_001.json'), 'utf8'),
        ) as LabelFile;
        return file.HALDEN_tonneau_001_90?.coords_norm.center[0] ?? null;
      })
      .toBeCloseTo(second.center[0] / pair.size[0], 6);
    const saved = JSON.parse(
      await readFile(join(root, 'alignment_labels', 'HALDEN_tonneau_001.json'), 'utf8'),
    ) as LabelFile;
    // The label's prediction is the chosen dial's, and says which it was.
    expect(saved.HALDEN_tonneau_001_90!.prediction).toMatchObject({ annotator: 'loupe-dial-v1', dial: 1 });
    expect(saved.HALDEN_tonneau_001_90!.prediction!.coords_norm.center[0]).toBeCloseTo(
      second.center[0] / pair.size[0],
      6,
    );
  });
});
