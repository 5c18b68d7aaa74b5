import { join } from 'node:path';
import { toPixels } from '../src/core/formats/labels';
import { copySamplePhotos, sampleTruth } from '../test/fixtures/sample-truth';
import { editorState, expect, test } from './fixtures';

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
      const view = await editorState(app);
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
    const refit = page.locator('[data-testid="thumbnail"][data-tier="full"][data-repredicted="true"]');
    const fitted = refit.filter({
      has: page.locator('[data-testid="repredicted"][aria-label="re-predicted from ORBIS_nab_001_01"]'),
    });
    await expect(fitted.first().getByTestId('repredicted')).toHaveText('↻ refit');
    // Hard views the label did not fit are fit to a sure fit of a sibling, and say which.
    const viaSibling = refit.filter({
      has: page.locator('[data-testid="repredicted"][aria-label$=" (fit from ORBIS_nab_001_01)"]'),
    });
    await expect.poll(async () => viaSibling.count()).toBeGreaterThanOrEqual(1);
    await expect(viaSibling.first().getByTestId('repredicted')).toHaveAttribute(
      'aria-label',
      /^re-predicted from ORBIS_nab_001_\d+ \(fit from ORBIS_nab_001_01\)$/,
    );
    await app.screenshot('relabel-grid');

    // The editor says it too.
    await fitted.first().click();
    await expect(page.getByTestId('editor-repredicted')).toContainText(
      'Re-predicted from ORBIS_nab_001_01, a new template of its own watch ID; was pipeline fallback',
    );
    await app.screenshot('relabel-editor');
    await page.keyboard.press('Escape');
    await viaSibling.first().click();
    await expect(page.getByTestId('editor-repredicted')).toContainText(
      /Re-predicted from ORBIS_nab_001_\d+, a sure fit of its own watch ID to ORBIS_nab_001_01, after ORBIS_nab_001_01 was labelled/,
    );
  });
});
