import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { MlflowRunsResult } from '../src/shared/mlflow';
import { writeTorchStore } from '../test/fixtures/torch-store';
import { expect, repoRoot, test } from './fixtures';

/**
 * A user's PyTorch runs in the app: Settings → Python names the interpreter (and the factory for
 * checkpoints), Compare lists the runs of an MLflow store with what will happen to each, runs
 * them (exporting each once to ONNX) and shows every model with its status.
 */
test.describe('PyTorch models in the app', () => {
  test('Settings → Python, then Compare lists the PyTorch runs, exports and runs them', async ({ app }) => {
    test.setTimeout(240_000);
    const { page } = app;
    const root = join(app.photosDir, '..', 'torch');
    const fx = writeTorchStore(root);
    const frames = join(root, 'frames');
    await mkdir(frames, { recursive: true });
    const samples = join(repoRoot, 'resources', 'samples', 'frames');
    for (const f of (await readdir(samples))
      .filter((n) => n.endsWith('.png'))
      .sort()
      .slice(0, 2))
      await copyFile(join(samples, f), join(frames, f));

    await page.getByRole('button', { name: 'Settings' }).click();
    const python = page.locator('#python');
    await python.fill('/usr/bin/python3');
    await python.blur();
    await expect(page.getByTestId('python-status')).toHaveAttribute('data-ok', 'true');
    await expect(page.getByTestId('python-status')).toContainText(
      /\/usr\/bin\/python3 · Python 3\.\d+\.\d+ · torch \d/,
    );
    // The Python path folder and the model factory, each saved as the user leaves it.
    await page.getByLabel('Python path folder').fill(fx.factoryDir);
    await page.getByLabel('Python path folder').press('Enter');
    await expect(page.getByText(fx.factoryDir)).toBeVisible();
    await page.locator('#factory').fill(fx.factory);
    await page.locator('#factory').blur();
    await expect
      .poll(async () => {
        const r = await app.invoke<{ python: { modelFactory: string | null } }>('settings:get');
        return r.ok ? r.value.python.modelFactory : null;
      })
      .toBe(fx.factory);
    await app.screenshot('settings-python');

    await page.getByRole('button', { name: 'Compare' }).click();
    await page.getByTestId('frames-dir').fill(frames);
    await page.getByTestId('output-dir').fill(join(root, 'output_inference'));
    for (const box of await page.locator('.model-picks input[type=checkbox]').all()) await box.uncheck();
    await page.getByText('From MLflow').click();
    await page.getByLabel('MLflow tracking URI').fill(fx.store);
    await page.getByLabel('MLflow experiment').fill(fx.experiment);
    await page.getByRole('button', { name: 'List runs' }).click();
    const table = page.getByTestId('mlflow-runs');
    const row = (name: string) => table.locator('tr', { has: page.getByRole('checkbox', { name: `Run ${name}` }) });
    await expect(row('unet-pth').getByTestId('model-plan')).toHaveText(/PyTorch · will export \(torch \d/);
    await expect(row('unet-ckpt').getByTestId('model-plan')).toHaveText(/PyTorch · will export/);
    await expect(row('sweep').getByTestId('model-plan')).toContainText('a parent run of 2 nested runs');
    // A run that cannot run is not ticked.
    await expect(row('sweep').getByRole('checkbox')).not.toBeChecked();
    await expect(row('fft-net').getByRole('checkbox')).toBeChecked();
    await app.screenshot('compare-pytorch-runs');

    await page.getByTestId('run-compare').click();
    await expect(page.getByTestId('run-progress')).toBeVisible();
    await expect(page.getByTestId('compare-view')).toBeVisible({ timeout: 200_000 });
    const list = page.locator('.pane-list');
    for (const name of ['unet-pth', 'dncnn-mlflow3', 'dncnn-scripted', 'unet-ckpt']) {
      await expect(list.locator('li', { hasText: name }).locator('.badge', { hasText: 'PyTorch' })).toBeVisible();
    }
    await expect(list.locator('li', { hasText: 'fft-net' })).toContainText('export_failed');
    await expect(list.locator('li', { hasText: 'fft-net' })).toContainText('fft_rfft2');
    await app.screenshot('compare-pytorch-results');

    // Listed again, each exported run says its ONNX is in the cache.
    const listed = await app.invoke<MlflowRunsResult>('mlflow:runs', {
      uri: fx.store,
      experiment: fx.experiment,
      status: null,
    });
    expect(listed.ok).toBe(true);
    const plans = Object.fromEntries(
      (listed.ok ? listed.value.runs : []).map((r) => [r.runName, r.model.plan?.action ?? r.model.status]),
    );
    expect(plans).toMatchObject({ 'unet-pth': 'cached', 'unet-ckpt': 'cached', 'fft-net': 'export', sweep: 'skipped' });
  });
});
