/**
 * Claim: the review grid stays smooth at 10,000 images: filtering, sorting by "most likely
 * wrong" and scrolling cost about the same at 10,000 images as at 100. Measured in the real app
 * (web host, headless Chromium) on two folders in the same run; the 100-image folder is the
 * baseline and the result is the ratio.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { LabelFile } from '../src/shared/labels';
import { designRecord } from '../test/fixtures/labels';
import { jpeg } from '../test/fixtures/images';
import { artifacts, expect, test, type LoupeApp } from '../e2e/fixtures';
import { scrollFrames } from './scroll';

const frame = (page: Page): Promise<void> =>
  page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));

async function folder(root: string, n: number): Promise<string> {
  const photos = join(root, `photos-${n}`);
  await mkdir(photos, { recursive: true });
  await mkdir(join(root, 'alignment_labels_predicted'), { recursive: true });
  const src = join(root, 'one.jpg');
  await writeFile(src, await jpeg(160, 120));
  const files: Record<string, LabelFile> = {};
  const tiers = ['', '-pipeline-fallback', '-geometric-fallback'];
  for (let i = 0; i < n; i++) {
    const watch = `BENCH_w${Math.floor(i / 50)}_001`;
    const key = `${watch}_${String(i % 50).padStart(2, '0')}`;
    const name = `${key}_view.jpg`;
    await copyFile(src, join(photos, name));
    const r = designRecord();
    (files[watch] ??= {})[key] = {
      ...r,
      image_size: [160, 120],
      full_image_name: name,
      annotator: `loupe-dial-v1${tiers[i % 3]}`,
      confidence: ((i * 7919) % 1000) / 1000,
    };
  }
  // Predictions live beside the images (DESIGN.md: sibling folders).
  for (const [watch, labels] of Object.entries(files)) {
    await writeFile(join(root, 'alignment_labels_predicted', `${watch}.json`), JSON.stringify(labels));
  }
  return photos;
}

interface GridTimes {
  openMs: number;
  scanMs: number;
  filterMs: number;
  sortMs: number;
  clearMs: number;
  scrollP95Ms: number;
  scrollMeanMs: number;
  domNodes: number;
}

async function measure(app: LoupeApp, photos: string, n: number): Promise<GridTimes> {
  const { page } = app;
  const now = (): Promise<number> => page.evaluate(() => performance.now());
  const t0 = await now();
  await page.getByLabel('Folder path', { exact: true }).fill(photos);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page.getByTestId('shown-count')).toHaveText(`${n} of ${n}`, { timeout: 300_000 });
  await frame(page);
  const openMs = (await now()) - t0;
  // The engine makes the thumbnails in the background; measure the grid once it has.
  await expect(page.getByTestId('scan-progress')).toHaveCount(0, { timeout: 600_000 });
  const scanMs = (await now()) - t0;
  await frame(page);

  const timed = async (act: () => Promise<unknown>, done: () => Promise<unknown>): Promise<number> => {
    const start = await now();
    await act();
    await done();
    await frame(page);
    return (await now()) - start;
  };
  const fallbacks = Math.round(n / 3);
  const filterMs = await timed(
    () => page.getByRole('button', { name: /^Geometric fallback/ }).click(),
    () => expect(page.getByTestId('shown-count')).toHaveText(new RegExp(`^${fallbacks}|^${fallbacks - 1} `)),
  );
  const sortMs = await timed(
    () => page.getByLabel('Sort').selectOption('wrongness'),
    () => expect(page.getByLabel('Sort')).toHaveValue('wrongness'),
  );
  const clearMs = await timed(
    () => page.getByRole('button', { name: /^Geometric fallback/ }).click(),
    () => expect(page.getByTestId('shown-count')).toHaveText(`${n} of ${n}`),
  );
  const scroll = await scrollFrames(page, '[data-testid="review-grid"]', 180);
  const domNodes = await page.getByTestId('review-grid').evaluate((el) => el.querySelectorAll('*').length);
  await page.getByRole('button', { name: 'Open Another Folder' }).click();
  return {
    openMs,
    scanMs,
    filterMs,
    sortMs,
    clearMs,
    scrollP95Ms: scroll.p95Ms,
    scrollMeanMs: scroll.meanMs,
    domNodes,
  };
}

test('review grid: 10,000 images against 100', async ({ app }) => {
  test.setTimeout(900_000);
  const root = join(app.photosDir, '..', 'grid');
  const small = await folder(join(root, 'a'), 100);
  const large = await folder(join(root, 'b'), 10_000);
  const base = await measure(app, small, 100);
  const big = await measure(app, large, 10_000);
  const ratio = (k: keyof GridTimes): number => big[k] / base[k];
  const result = {
    baseline100: base,
    images10000: big,
    ratios: {
      filterMs: ratio('filterMs'),
      sortMs: ratio('sortMs'),
      clearMs: ratio('clearMs'),
      scrollP95Ms: ratio('scrollP95Ms'),
      domNodes: ratio('domNodes'),
    },
  };
  console.log(JSON.stringify(result, null, 2));
  await writeFile(join(artifacts, 'bench-review-grid.json'), JSON.stringify(result, null, 2));
  expect(big.domNodes).toBeLessThan(2000);
});
