/**
 * Claims: the editor paints a 24 MP photo in under 250 ms from opening it, and dragging a point
 * keeps the frame rate at 55 fps or more. Measured in the real app (web host, headless
 * Chromium), as ratios against baselines taken in the same page: decoding and drawing the
 * original photo (what a viewer that loads the full image does), and the idle frame rate.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Page } from '@playwright/test';
import type { LabelFile } from '../src/shared/labels';
import { artifacts, expect, repoRoot, test } from '../e2e/fixtures';

const W = 5664;
const H = 4248; // 24.06 MP, the samples' 4:3
const PHOTOS = ['ORBIS_nab_001_01_front_q1', 'ORBIS_nab_001_02_front_q2', 'ORBIS_nab_001_03_tiltface_q3'];

const frame = (page: Page): Promise<void> =>
  page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));

interface FrameStats {
  durationMs: number;
  frames: number;
  fps: number;
  /** Frames in which the dragged point had moved since the previous frame. */
  updatedFrames: number;
  updatedFps: number;
  p95FrameMs: number;
  maxFrameMs: number;
}

test('editor: first paint of a 24 MP photo, and frames per second while dragging a point', async ({ app }) => {
  const { page } = app;
  test.setTimeout(600_000);
  const root = join(app.photosDir, '..', 'big');
  const photos = join(root, 'photos');
  await mkdir(photos, { recursive: true });
  await mkdir(join(root, 'alignment_labels_predicted'), { recursive: true });
  const truth = JSON.parse(
    await readFile(join(repoRoot, 'resources', 'samples', 'ground_truth', 'ORBIS_nab_001.json'), 'utf8'),
  ) as LabelFile;
  const labels: LabelFile = {};
  for (const name of PHOTOS) {
    const key = name.split('_').slice(0, 4).join('_');
    const src = join(repoRoot, 'resources', 'samples', 'watches', `${name}.jpg`);
    await sharp(src)
      .resize(W, H, { kernel: 'lanczos3' })
      .jpeg({ quality: 92 })
      .toFile(join(photos, `${name}.jpg`));
    labels[key] = {
      ...truth[key]!,
      image_size: [W, H],
      full_image_name: `${name}.jpg`,
      annotator: 'loupe-dial-v1',
      confidence: 0.9,
    };
  }
  await writeFile(join(root, 'alignment_labels_predicted', 'ORBIS_nab_001.json'), JSON.stringify(labels));

  await page.getByLabel('Folder path', { exact: true }).fill(photos);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page.getByTestId('image-count')).toHaveText(String(PHOTOS.length));
  await expect(page.getByTestId('thumbnail').first().locator('img')).toBeVisible({ timeout: 120_000 });

  // --- first paint: cold (no preview cached yet), then warm (reopened) ---
  const canvas = page.getByTestId('editor-canvas');
  const open = async (index: number): Promise<{ first: number; preview: number }> => {
    await page.getByTestId('thumbnail').nth(index).click();
    await expect(canvas).not.toHaveAttribute('data-preview-paint-ms', '', { timeout: 60_000 });
    const first = Number(await canvas.getAttribute('data-first-paint-ms'));
    const preview = Number(await canvas.getAttribute('data-preview-paint-ms'));
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('editor')).toHaveCount(0);
    await frame(page);
    return { first, preview };
  };
  const cold: { first: number; preview: number }[] = [];
  const warm: { first: number; preview: number }[] = [];
  for (let i = 0; i < PHOTOS.length; i++) cold.push(await open(i));
  for (let i = 0; i < PHOTOS.length; i++) warm.push(await open(i));

  // Baseline in the same page: load the original 24 MP JPEG, decode it, draw it to a canvas.
  const baseline: number[] = [];
  for (const name of PHOTOS) {
    baseline.push(
      await page.evaluate(
        async (path) => {
          const start = performance.now();
          const img = new Image();
          img.src = `/api/image?path=${encodeURIComponent(path)}&nocache=${Math.random()}`;
          await img.decode();
          const c = document.createElement('canvas');
          c.width = 1200;
          c.height = 900;
          c.getContext('2d')!.drawImage(img, 0, 0, 1200, 900);
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
          return performance.now() - start;
        },
        join(photos, `${name}.jpg`),
      ),
    );
  }

  // --- dragging: frame pacing in the page while real mouse events move a point ---
  await page.getByTestId('thumbnail').first().click();
  await expect(canvas).not.toHaveAttribute('data-preview-paint-ms', '', { timeout: 60_000 });
  const measure = (): Promise<void> =>
    page.evaluate(() => {
      const w = window as unknown as { __frames: { t: number; p: string }[]; __stop: boolean };
      w.__frames = [];
      w.__stop = false;
      const el = document.querySelector('[data-testid="editor-canvas"]') as HTMLElement;
      const tick = (t: number): void => {
        w.__frames.push({ t, p: el.dataset.points ?? '' });
        if (!w.__stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
  const collect = (): Promise<FrameStats> =>
    page.evaluate(() => {
      const w = window as unknown as { __frames: { t: number; p: string }[]; __stop: boolean };
      w.__stop = true;
      const f = w.__frames;
      const gaps = f.slice(1).map((x, i) => x.t - f[i]!.t);
      const sorted = [...gaps].sort((a, b) => a - b);
      const durationMs = f[f.length - 1]!.t - f[0]!.t;
      const updated = f.slice(1).filter((x, i) => x.p !== f[i]!.p).length;
      return {
        durationMs,
        frames: gaps.length,
        fps: (1000 * gaps.length) / durationMs,
        updatedFrames: updated,
        updatedFps: (1000 * updated) / durationMs,
        p95FrameMs: sorted[Math.floor(sorted.length * 0.95)]!,
        maxFrameMs: sorted[sorted.length - 1]!,
      };
    });

  // Idle baseline: the same page, the editor open, nothing moving, for as long as the drag.
  await measure();
  await page.waitForTimeout(2000);
  const idle = await collect();

  const d = await canvas.evaluate((el) => ({ ...(el as HTMLElement).dataset }));
  const box = (await canvas.boundingBox())!;
  const pts = JSON.parse(d.points!) as Record<string, [number, number]>;
  const s = Number(d.viewScale);
  const sx = box.x + pts.right![0] * s + Number(d.viewX);
  const sy = box.y + pts.right![1] * s + Number(d.viewY);
  const browser = page.context().browser()!;
  await browser.startTracing(page, { path: join(artifacts, 'bench-editor-drag-trace.json'), screenshots: false });
  await page.mouse.move(sx, sy);
  await page.mouse.down();
  // Playwright's awaited mouse moves arrive ~25 per second here (each waits for the browser's
  // round trip), far below the frame rate; so after a real press, pointer moves are fed inside
  // the page at 250 Hz for 2 s (more input than frames: every frame has a new position to draw).
  const longTasks = await page.evaluate(
    async ({ sx, sy }) => {
      const el = document.querySelector('[data-testid="editor-canvas"]') as HTMLElement;
      const w = window as unknown as { __frames: { t: number; p: string }[]; __stop: boolean };
      const long: number[] = [];
      const observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) long.push(e.duration);
      });
      observer.observe({ type: 'longtask', buffered: false });
      w.__frames = [];
      w.__stop = false;
      const tick = (t: number): void => {
        w.__frames.push({ t, p: el.dataset.points ?? '' });
        if (!w.__stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      const start = performance.now();
      let i = 0;
      await new Promise<void>((done) => {
        const timer = setInterval(() => {
          if (performance.now() - start > 2000) {
            clearInterval(timer);
            done();
            return;
          }
          const a = (i++ / 120) * Math.PI * 2;
          el.dispatchEvent(
            new PointerEvent('pointermove', {
              bubbles: true,
              pointerId: 1,
              pointerType: 'mouse',
              buttons: 1,
              clientX: sx + 60 * Math.cos(a) - 60,
              clientY: sy + 60 * Math.sin(a),
            }),
          );
        }, 4);
      });
      observer.disconnect();
      return { moves: i, long };
    },
    { sx, sy },
  );
  const drag = await collect();
  await page.mouse.up();
  await browser.stopTracing();
  const moves = longTasks.moves;

  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const result = {
    megapixels: (W * H) / 1e6,
    paint: {
      coldFirstMs: cold.map((c) => c.first),
      coldPreviewMs: cold.map((c) => c.preview),
      warmFirstMs: warm.map((c) => c.first),
      warmPreviewMs: warm.map((c) => c.preview),
      baselineFullDecodeMs: baseline,
      ratioBaselineOverColdPreview: mean(baseline) / mean(cold.map((c) => c.preview)),
      ratioBaselineOverWarmPreview: mean(baseline) / mean(warm.map((c) => c.preview)),
    },
    drag: { moves, longTasksMs: longTasks.long, ...drag },
    idle,
    ratioDragOverIdleFps: drag.fps / idle.fps,
  };
  console.log(JSON.stringify(result, null, 2));
  await writeFile(join(artifacts, 'bench-editor.json'), JSON.stringify(result, null, 2));
  expect(drag.updatedFrames).toBeGreaterThan(0);
});
