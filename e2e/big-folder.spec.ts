import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from './fixtures';

test.describe('Big folder', () => {
  test('the scan lists every image without thumbnails; the grid makes the ones on screen, then those scrolled to', async ({
    app,
  }) => {
    const { page } = app;
    // 600 more photos (copies of the fixture's, under their own names): far more than a screen.
    const first = (await readdir(app.photosDir)).find((n) => n.endsWith('.jpg')) as string;
    const extra = 600;
    for (let i = 0; i < extra; i++) {
      await copyFile(join(app.photosDir, first), join(app.photosDir, `BULK_lot_${String(i).padStart(3, '0')}_01.jpg`));
    }
    const total = app.photoCount + extra;
    await page.getByLabel('Folder path', { exact: true }).fill(app.photosDir);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect(page.getByTestId('image-count')).toHaveText(String(total));

    // The scan wrote no thumbnail: every image's item has none.
    const jobs = await app.invoke<{ id: string; kind: string }[]>('jobs:list');
    expect(jobs.ok).toBe(true);
    const scan = jobs.ok ? jobs.value.find((j) => j.kind === 'scan-images') : undefined;
    const items = await app.invoke<{ items: { data?: { thumbnail?: string } }[] }>('jobs:items', scan?.id, 0, 1000);
    expect(items.ok && items.value.items.length).toBe(total);
    expect(items.ok && items.value.items.filter((i) => i.data?.thumbnail).length).toBe(0);

    // The grid is virtualised: only cells near the view exist, and each one on screen gets its thumbnail.
    const grid = page.getByTestId('review-grid');
    const cells = grid.getByTestId('thumbnail');
    await expect.poll(() => cells.count()).toBeGreaterThan(0);
    expect(await cells.count()).toBeLessThan(total / 2);
    const allDrawn = async () =>
      cells.evaluateAll((els) => {
        const view = (els[0]?.closest('[data-testid="review-grid"]') as HTMLElement).getBoundingClientRect();
        const onScreen = els.filter((e) => {
          const r = e.getBoundingClientRect();
          return r.bottom > view.top && r.top < view.bottom;
        });
        const drawn = onScreen.filter((e) => (e.querySelector('img') as HTMLImageElement | null)?.naturalWidth);
        return onScreen.length > 0 && drawn.length === onScreen.length;
      });
    await expect.poll(allDrawn, { timeout: 20_000 }).toBe(true);

    // Scrolled to the end: the last images' thumbnails are made then.
    await grid.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    const last = grid.locator('[data-testid="thumbnail"][data-image-key="BULK_lot_599_01"] img');
    await expect(last).toBeVisible();
    await expect.poll(() => last.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await expect.poll(allDrawn, { timeout: 20_000 }).toBe(true);
    await app.screenshot('big-folder-scrolled');
  });
});
