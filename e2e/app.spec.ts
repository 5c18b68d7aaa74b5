import { existsSync } from 'node:fs';
import type { EngineInfo } from '../src/shared/engine-protocol';
import type { AppInfo } from '../src/shared/ipc';
import type { JobSnapshot } from '../src/shared/jobs';
import { expect, test } from './fixtures';

test.describe('Loupe app', () => {
  test('opens a folder, runs a real scan job in the engine and shows progress reach 100%', async ({ app }) => {
    const { page } = app;
    await expect(page.getByTestId('engine-state')).toHaveText(/Engine ready/);
    await expect(page.getByRole('button', { name: 'Keypoints' })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('button', { name: 'Compare' })).toBeVisible();

    await page.getByLabel('Folder path', { exact: true }).fill(app.photosDir);
    await page.getByRole('button', { name: 'Open', exact: true }).click();

    // The folder's scan is the app's own job: it does not open the jobs panel; Jobs does.
    await expect(page.getByTestId('image-count')).toHaveText(String(app.photoCount));
    await expect(page.getByTestId('jobs-panel')).toHaveCount(0);
    await page.getByRole('button', { name: /^Jobs/ }).click();
    const job = page.getByTestId('job').first();
    await expect(job.getByTestId('job-status')).toHaveText('completed');
    await expect(job.getByTestId('job-progress')).toHaveText(`${app.photoCount} / ${app.photoCount} · 100%`);
    await expect(job.getByRole('progressbar')).toHaveAttribute('aria-valuetext', '100%');
    await expect(page.getByTestId('image-count')).toHaveText(String(app.photoCount));
    await expect(page.getByRole('table', { name: 'Watch IDs' }).getByText('PATEK_nab_001')).toBeVisible();

    // Thumbnails come from the engine's cache through the confined image route/protocol.
    const thumb = page.getByTestId('thumbnail').first().locator('img');
    await expect(thumb).toBeVisible();
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await app.screenshot('keypoints-folder');

    // An image opens in the editor (a preview made by the engine); without a prediction it says so.
    await page.getByTestId('thumbnail').first().click();
    await expect(page.getByTestId('editor-canvas')).toHaveAttribute('data-source', /preview|full/);
    await expect(page.getByTestId('editor')).toContainText('Not predicted yet');
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('editor')).toHaveCount(0);
  });

  test('settings: saving one field keeps what is being typed in the next, and its focus', async ({ app }) => {
    const { page } = app;
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.locator('#reviewer').fill('Dana');
    // Clicking into the next field saves the reviewer (blur); the save lands while the user types.
    await page.locator('#factory').click();
    await page.keyboard.type('my_models:build', { delay: 40 });
    await expect(page.locator('#factory')).toBeFocused();
    await expect(page.locator('#factory')).toHaveValue('my_models:build');
    await page.locator('#factory').blur();
    await expect
      .poll(async () => {
        const r = await app.invoke<{ reviewer: string; python: { modelFactory: string | null } }>('settings:get');
        return r.ok ? [r.value.reviewer, r.value.python.modelFactory] : null;
      })
      .toEqual(['Dana', 'my_models:build']);
    // The saved values are what the form shows (the draft followed the saved settings).
    await expect(page.locator('#reviewer')).toHaveValue('Dana');
  });

  test('settings: a provider of the build that cannot start here is marked, with why, before it is chosen', async ({
    app,
  }) => {
    // The build machines: Linux x64 (WebGPU in the build), no GPU and no Vulkan loader.
    test.skip(
      process.platform !== 'linux' || existsSync('/usr/lib/x86_64-linux-gnu/libvulkan.so.1'),
      'needs a machine where WebGPU cannot start',
    );
    const { page } = app;
    await page.getByRole('button', { name: 'Settings' }).click();
    const webgpu = page.locator('#device option[value="webgpu"]');
    await expect(webgpu).toBeDisabled();
    await expect(webgpu).toHaveText('WebGPU — cannot run here');
    await expect(webgpu).toHaveAttribute('title', /no GPU adapter for WebGPU/);
    const notes = page.getByTestId('unusable-providers');
    await expect(notes).toContainText('WebGPU cannot run here: no GPU adapter for WebGPU');
    await expect(notes).not.toContainText('onnxruntime_src');
  });

  test('lists models with the provider that runs them and benchmarks one', async ({ app }) => {
    const { page } = app;
    await page.getByRole('button', { name: 'Models' }).click();
    const blur = page.locator('[data-model-id="fixture-blur"]');
    await expect(blur.getByTestId('provider')).toHaveText('runs on cpu');
    await expect(page.locator('[data-model-id="corrupt"]')).toContainText('MODEL_LOAD_FAILED');
    await blur.getByRole('button', { name: 'Benchmark' }).click();
    await expect(blur.getByTestId('benchmark')).toContainText(/ms median/);
    const job = page.getByTestId('job').first();
    await expect(job.getByTestId('job-progress')).toHaveText('50 / 50 · 100%');

    // Try the restoration model on a real photo: before and after, from the engine's cache.
    await blur.getByRole('button', { name: 'Try on an Image…' }).click();
    await blur.getByLabel('Image path').fill(`${app.photosDir}/PATEK_nab_001_01_view.jpg`);
    await blur.getByRole('button', { name: 'Run' }).click();
    // Its folder was never opened: the app asks to open it (the user's act), then runs.
    await expect(blur.getByTestId('grant-prompt')).toContainText(app.photosDir);
    await blur.getByTestId('grant-folder').click();
    await expect(blur.getByTestId('try-panel')).toContainText('Padded as [1, 3, 380, 480]');
    for (const alt of ['input', 'output']) {
      const img = blur.getByTestId('try-panel').getByAltText(alt, { exact: true });
      await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBe(480);
    }
    await app.screenshot('models');
  });

  test('keeps jobs across a renderer reload and lists 10,000 items virtualised', async ({ app }) => {
    const { page } = app;
    const submitted = await app.invoke<JobSnapshot>('jobs:submit', {
      kind: 'benchmark-model',
      modelId: 'tiny-pose',
      iterations: 10_000,
    });
    expect(submitted.ok).toBe(true);
    const jobId = submitted.ok ? submitted.value.id : '';
    await expect(page.locator(`[data-job-id="${jobId}"]`)).toBeVisible();
    await page.reload();
    // After a reload the panel opens by itself only for a job still running, once the list has
    // loaded; this one may have finished by then. Open it if it stays closed.
    const jobsButton = page.getByRole('button', { name: /^Jobs/ });
    const card = page.locator(`[data-job-id="${jobId}"]`);
    await expect(async () => {
      if ((await jobsButton.getAttribute('aria-pressed')) !== 'true') await jobsButton.click();
      await expect(card).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 20_000 });
    await expect(card.getByTestId('job-status')).toHaveText('completed', { timeout: 60_000 });
    await expect(card.getByTestId('job-progress')).toHaveText('10000 / 10000 · 100%');

    await card.click();
    await expect(page.getByTestId('items-count')).toHaveText('10000 items');
    const rows = page.getByTestId('item-row');
    expect(await rows.count()).toBeLessThan(80);
    const scroller = page.getByTestId('items-scroll');
    await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect(rows.filter({ hasText: 'run-10000' })).toBeVisible();
    expect(await rows.count()).toBeLessThan(80);
    await app.screenshot('jobs-10000-items');
  });

  test('reports an engine crash, marks the running job interrupted, and resumes it', async ({ app }) => {
    const { page } = app;
    const info = await app.invoke<AppInfo>('app:info');
    const pid = info.ok ? (info.value.engine as EngineInfo).pid : 0;
    expect(pid).toBeGreaterThan(0);
    const submitted = await app.invoke<JobSnapshot>('jobs:submit', {
      kind: 'benchmark-model',
      modelId: 'fixture-blur',
      iterations: 100_000,
    });
    const jobId = submitted.ok ? submitted.value.id : '';
    const card = page.locator(`[data-job-id="${jobId}"]`);
    await expect(card.getByTestId('job-status')).toHaveText('running');
    await expect
      .poll(async () => Number((await card.getByTestId('job-progress').innerText()).split(' ')[0]))
      .toBeGreaterThan(50);

    process.kill(pid, 'SIGKILL');
    await expect(page.getByRole('status')).toContainText('The engine stopped unexpectedly');
    await expect(card.getByTestId('job-status')).toHaveText('interrupted');
    await expect(page.getByTestId('engine-state')).toHaveText(/Engine ready · 1 restart/);
    await app.screenshot('engine-restarted');

    await card.getByRole('button', { name: 'Resume' }).click();
    await expect(card.getByTestId('job-status')).toHaveText('running');
    await card.getByRole('button', { name: 'Cancel' }).click();
    await expect(card.getByTestId('job-status')).toHaveText('cancelled');
  });
});
