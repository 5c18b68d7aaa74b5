import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { JobSnapshot } from '../src/shared/jobs';
import { clip, expect, test, type LoupeApp } from './fixtures';

/** Only these catalog models ticked (the bundled ones are ticked by default). */
async function pickOnly(page: Page, ids: readonly string[]): Promise<void> {
  const picks = page.locator('.model-picks input[type=checkbox]');
  await expect(picks.first()).toBeVisible();
  for (const box of await picks.all()) {
    const id = await box.locator('xpath=following-sibling::span[1]').innerText();
    await box.setChecked(ids.includes(id));
  }
}

/** The engine's restore jobs, as the page's verbs list them. */
async function restoreJobs(app: LoupeApp): Promise<JobSnapshot<'restore-frames'>[]> {
  const list = await app.invoke<JobSnapshot[]>('jobs:list');
  if (!list.ok) throw new Error(list.error.message);
  return list.value.filter((j): j is JobSnapshot<'restore-frames'> => j.kind === 'restore-frames');
}

test.describe('Compare setup: runs found again after a reload, folders browsed to', () => {
  test('a run reloaded mid-way: the setup comes back locked with its progress, and its results open when it completes', async ({
    app,
  }) => {
    test.setTimeout(240_000);
    const { page } = app;
    await page.setViewportSize({ width: 1280, height: 800 });
    const { frames, gt, root } = await clip(app, 8);
    const out = join(root, 'output_inference');
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.getByTestId('frames-dir').fill(frames);
    await page.getByTestId('gt-dir').fill(gt);
    await page.getByTestId('output-dir').fill(out);
    await page.getByLabel('Output names').selectOption('index');
    await pickOnly(page, ['loupe-restore-dncnn']);
    await page.getByTestId('run-compare').click();
    await expect(page.getByTestId('run-progress')).toBeVisible();

    // Pause it once a frame is done (through the job verbs), so that it is mid-way at the reload.
    let job: JobSnapshot<'restore-frames'> | undefined;
    await expect
      .poll(async () => {
        job = (await restoreJobs(app))[0];
        return job?.done ?? 0;
      })
      .toBeGreaterThan(0);
    expect(job!.spec.origin).toBe('compare');
    expect((await app.invoke('jobs:pause', job!.id)).ok).toBe(true);
    await expect.poll(async () => (await restoreJobs(app))[0]?.status).toBe('paused');
    const paused = (await restoreJobs(app))[0]!;
    expect(paused.done).toBeLessThan(8);
    // A later Compare run that has ended is listed, not followed: the newest unended one is.
    const later = await app.invoke<JobSnapshot>('jobs:submit', {
      ...paused.spec,
      outputDir: join(root, 'later'),
      sources: [{ type: 'models', ids: ['fixture-blur'] }],
    });
    if (!later.ok) throw new Error(later.error.message);
    await expect
      .poll(async () => (await restoreJobs(app)).find((j) => j.id === later.value.id)?.status, { timeout: 60_000 })
      .toBe('completed');

    await page.reload();
    await page.getByRole('button', { name: 'Compare' }).click();
    // The form is the run's, locked, with its progress.
    await expect(page.getByTestId('frames-dir')).toHaveValue(frames);
    await expect(page.getByTestId('gt-dir')).toHaveValue(gt);
    await expect(page.getByTestId('output-dir')).toHaveValue(out);
    await expect(page.getByLabel('Output names')).toHaveValue('index');
    await expect(page.getByRole('checkbox', { name: /loupe-restore-dncnn/ })).toBeChecked();
    await expect(page.getByRole('checkbox', { name: /loupe-restore-unet/ })).not.toBeChecked();
    await expect(page.getByTestId('setup-locked')).toBeVisible();
    await expect(page.getByTestId('frames-dir')).toBeDisabled();
    await expect(page.getByTestId('run-compare')).toBeDisabled();
    const progress = page.getByTestId('run-progress');
    await expect(progress).toHaveAttribute('data-status', 'paused');
    // (The frame in flight when the pause came is counted when it lands: the engine's count now.)
    const now = (await restoreJobs(app)).find((j) => j.id === paused.id)!;
    expect(now.status).toBe('paused');
    expect(now.done).toBeLessThan(8);
    await expect(progress).toContainText(`${now.done} / 8 frames`);
    const listed = page.getByTestId('compare-run');
    await expect(listed).toHaveCount(1);
    await expect(listed).toHaveAttribute('data-job', later.value.id);
    await expect(listed).toHaveAttribute('data-status', 'completed');
    await app.screenshot('compare-setup-restored');

    // Resumed from the page, it goes on live, and its results open when it completes.
    await progress.getByRole('button', { name: 'Resume' }).click();
    await expect(page.getByTestId('compare-view')).toBeVisible({ timeout: 200_000 });
    await expect(page.getByTestId('compare-stage')).toHaveAttribute('data-panes', '3');
    expect((await restoreJobs(app))[0]?.status).toBe('completed');

    // Closed, the run is among the page's runs (the engine's list is the record), to open again.
    await page.getByTestId('compare-view').getByRole('button', { name: 'Close', exact: true }).click();
    const mine = page.locator(`[data-testid=compare-run][data-job="${paused.id}"]`);
    await expect(listed).toHaveCount(2);
    await expect(mine).toHaveAttribute('data-status', 'completed');
    // The form is free again, and a finished run is not followed after a reload.
    await page.reload();
    await page.getByRole('button', { name: 'Compare' }).click();
    await expect(listed).toHaveCount(2);
    await expect(page.getByTestId('frames-dir')).toHaveValue('');
    await expect(page.getByTestId('frames-dir')).toBeEnabled();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    await app.screenshot('compare-setup-runs');
    await mine.getByRole('button', { name: 'Open results' }).click();
    await expect(page.getByTestId('compare-view')).toBeVisible();
    await expect(page.getByTestId('compare-stage')).toHaveAttribute('data-panes', '3');
  });

  test('every path field browses the host’s folders: frames, ground truth and outputs chosen in the browser, then run', async ({
    app,
  }) => {
    // The desktop app's Browse… is its native dialog (folders.choose), which a test cannot drive.
    test.skip(app.host === 'electron', 'Browse… opens the native folder dialog in the desktop app');
    test.setTimeout(120_000);
    const { page } = app;
    await page.setViewportSize({ width: 1280, height: 800 });
    const { frames, gt, root } = await clip(app, 2);
    await page.getByRole('button', { name: 'Compare' }).click();
    const dialog = page.getByTestId('folder-browser');
    const path = dialog.getByLabel('Browse folder path');

    // Frames: an empty field starts at home; type the clip's folder, then go in with the keyboard.
    await page.getByTestId('frames-dir-browse').click();
    await expect(dialog).toBeVisible();
    await expect(path).not.toHaveValue('');
    await path.fill(root);
    await path.press('Enter');
    await expect(dialog.getByRole('listitem').filter({ hasText: 'frames' })).toBeVisible();
    await dialog.getByRole('button', { name: '..' }).focus();
    await page.keyboard.press('ArrowDown');
    await expect(dialog.getByRole('listitem').filter({ hasText: 'frames' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(path).toHaveValue(frames);
    // A folder of frames says how many images it holds.
    await expect(dialog.getByTestId('browser-count')).toHaveText('2 images here');
    const box = (await dialog.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(1280);
    expect(box.y + box.height).toBeLessThanOrEqual(800);
    await app.screenshot('compare-folder-browser');
    await dialog.getByTestId('use-folder').click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByTestId('frames-dir')).toHaveValue(frames);

    // Escape closes the browser and changes nothing.
    await page.getByTestId('gt-dir').fill(join(root, 'not-made-yet'));
    await page.getByTestId('gt-dir-browse').click();
    // A folder that is not there starts the browser at the nearest one above it.
    await expect(path).toHaveValue(root);
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await expect(page.getByTestId('gt-dir')).toHaveValue(join(root, 'not-made-yet'));
    // Ground truth: chosen with the mouse.
    await page.getByTestId('gt-dir-browse').click();
    await expect(path).toHaveValue(root);
    await dialog.getByRole('listitem').filter({ hasText: 'gt' }).click();
    await expect(path).toHaveValue(gt);
    await dialog.getByTestId('use-folder').click();
    await expect(page.getByTestId('gt-dir')).toHaveValue(gt);

    // Outputs: the browser lists folders only; the clip's folder is used as it is shown.
    await page.getByTestId('output-dir').fill(join(root, 'frames'));
    await page.getByTestId('output-dir-browse').click();
    await expect(path).toHaveValue(frames);
    await expect(dialog.getByText('frame_000000.png')).toHaveCount(0);
    await page.keyboard.press('Escape');
    await page.getByTestId('output-dir').fill(join(root, 'browsed-out'));

    // The models folder and "Open results" have the browser too.
    await page.getByTestId('models-dir-browse').click();
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
    await page.getByTestId('open-output-browse').click();
    await expect(dialog).toBeVisible();
    await page.keyboard.press('Escape');

    // Nothing overflows the window at 1280×800.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);

    await pickOnly(page, ['fixture-blur']);
    await page.getByTestId('run-compare').click();
    await expect(page.getByTestId('compare-view')).toBeVisible({ timeout: 100_000 });
    const [job] = await restoreJobs(app);
    expect(job?.spec).toMatchObject({ inputDir: frames, gtDir: gt, outputDir: join(root, 'browsed-out') });
  });
});
