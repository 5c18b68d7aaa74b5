import { join } from 'node:path';
import type { Keypoints } from '../src/shared/labels';
import { toPixels } from '../src/core/formats/labels';
import { copySamplePhotos, sampleTruth } from '../test/fixtures/sample-truth';
import { expect, test, type LoupeApp } from './fixtures';

type Points = Record<keyof Keypoints, [number, number]>;

/** Where an image point is on the page, from the editor canvas's view transform. */
async function editorView(app: LoupeApp) {
  const canvas = app.page.getByTestId('editor-canvas');
  await expect(canvas).not.toHaveAttribute('data-view-scale', '');
  await expect(canvas).not.toHaveAttribute('data-points', '');
  const d = await canvas.evaluate((el) => ({ ...(el as HTMLElement).dataset }));
  const box = (await canvas.boundingBox())!;
  return {
    points: JSON.parse(d.points!) as Points,
    toPage: (p: [number, number]): [number, number] => [
      box.x + p[0] * Number(d.viewScale) + Number(d.viewX),
      box.y + p[1] * Number(d.viewScale) + Number(d.viewY),
    ],
  };
}

test.describe('Keypoints: label one, fix the rest', () => {
  test('labelling one image in the editor re-predicts its siblings in the background; the grid shows them change tier', async ({
    app,
  }) => {
    const { page } = app;
    const folder = join(app.photosDir, '..', 'relabel', 'photos');
    await copySamplePhotos(folder, ['ORBIS_nab_001']);
    const truth = await sampleTruth();
    await page.getByLabel('Folder path', { exact: true }).fill(folder);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect(page.getByTestId('image-count')).toHaveText('10');

    // No labels yet: every prediction falls back.
    await page.getByTestId('predict').click();
    await expect(page.getByTestId('predict-progress')).toBeVisible();
    await expect(page.getByTestId('predict-progress')).toHaveCount(0, { timeout: 120_000 });
    await expect(page.getByTestId('predicted-count')).toHaveText('10');
    const tile = (key: string) => page.locator(`[data-testid="thumbnail"][data-image-key="${key}"]`);
    await expect(page.locator('[data-testid="thumbnail"][data-tier="full"]')).toHaveCount(0);

    // Label the first image: drag its five points onto the truth, save with Enter.
    await tile('ORBIS_nab_001_01').click();
    const t = truth.ORBIS_nab_001_01!;
    for (const name of ['top', 'bottom', 'left', 'right', 'center'] as const) {
      const view = await editorView(app);
      const [sx, sy] = view.toPage(view.points[name]);
      const [tx, ty] = view.toPage(toPixels(t.coords_norm[name], t.image_size));
      await page.mouse.move(sx, sy);
      await page.mouse.down();
      for (let i = 1; i <= 8; i++) await page.mouse.move(sx + ((tx - sx) * i) / 8, sy + ((ty - sy) * i) / 8);
      await page.mouse.up();
    }
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('editor-image-key')).not.toHaveText('ORBIS_nab_001_01');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('editor')).toHaveCount(0);

    // Without another Predict, a background job re-predicts the siblings from the new template:
    // it is in the Jobs panel, and the grid's tiles change tier and say why.
    await expect(
      page.getByTestId('job').filter({ hasText: 'Re-predict ORBIS_nab_001 from ORBIS_nab_001_01' }),
    ).toHaveCount(1);
    const job = page.getByTestId('job').filter({ hasText: 'Re-predict ORBIS_nab_001' });
    await expect(job).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });
    // Every sibling was predicted again and says so; the ones the new template fits are full now.
    await expect(page.locator('[data-testid="thumbnail"][data-repredicted="true"]')).toHaveCount(9);
    await expect
      .poll(async () => page.locator('[data-testid="thumbnail"][data-tier="full"][data-repredicted="true"]').count())
      .toBeGreaterThanOrEqual(2);
    await expect(tile('ORBIS_nab_001_01')).toHaveAttribute('data-state', 'corrected');
    const fitted = page.locator('[data-testid="thumbnail"][data-tier="full"][data-repredicted="true"]').first();
    await expect(fitted.getByTestId('repredicted')).toHaveAttribute('aria-label', 're-predicted from ORBIS_nab_001_01');
    await expect(fitted.getByTestId('repredicted')).toHaveText('↻ refit');
    await app.screenshot('relabel-grid');

    // The editor says it too.
    await fitted.click();
    await expect(page.getByTestId('editor-repredicted')).toContainText(
      'Re-predicted from ORBIS_nab_001_01, a new template of its own watch ID; was pipeline fallback',
    );
    await app.screenshot('relabel-editor');
  });
});
