import type * as Mediabunny from 'mediabunny';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { blurModel, meanAbsDiffMetricModel } from '../test/fixtures/onnx-models';
import { textureSvg } from '../test/fixtures/texture';
import { exportLayout } from '../src/core/compare/export-layout';
import { writeClip } from '../test/fixtures/clips';
import { clip, expect, launchChromium, loupeInfer, repoRoot, test, artifacts, type LoupeApp } from './fixtures';

const position = (app: LoupeApp) => app.page.getByTestId('frame-position');

/** Export this frame as a PNG through the Export dialog; the file's bytes. */
async function exportFramePng(app: LoupeApp, expectedName: string, saveAs: string): Promise<Buffer> {
  const { page } = app;
  await page.getByTestId('export').click();
  const dialog = page.getByTestId('export-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByRole('tab', { name: /PNG of frame/ }).click();
  await expect(dialog.getByTestId('export-summary')).toContainText(' px');
  const downloading = page.waitForEvent('download');
  await dialog.getByTestId('export-save').click();
  const file = await downloading;
  expect(file.suggestedFilename()).toBe(expectedName);
  const saved = join(artifacts, saveAs);
  await file.saveAs(saved);
  await expect(dialog).toBeHidden();
  const png = await readFile(saved);
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  return png;
}

test.describe('Compare: run restoration models and compare their outputs', () => {
  test('runs the bundled models on the sample clip, then grid, linked zoom, wipe, frames, heatmap, chart, export', async ({
    app,
  }) => {
    test.setTimeout(240_000);
    const { page } = app;
    const { frames, gt, root } = await clip(app, 6);
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.getByTestId('frames-dir').fill(frames);
    await page.getByTestId('gt-dir').fill(gt);
    await page.getByTestId('output-dir').fill(join(root, 'output_inference'));
    await page.getByTestId('run-compare').click();
    await expect(page.getByTestId('run-progress')).toBeVisible();
    // During the run the form is locked: later edits could not change it.
    await expect(page.getByTestId('setup-locked')).toBeVisible();
    await expect(page.getByTestId('frames-dir')).toBeDisabled();
    // The comparison opens when the run completes.
    await expect(page.getByTestId('compare-view')).toBeVisible({ timeout: 200_000 });

    const stage = page.getByTestId('compare-stage');
    // Input, ground truth and the three bundled models.
    await expect(stage).toHaveAttribute('data-panes', '5');
    await expect(page.getByTestId('pane')).toHaveCount(5);
    await expect(page.getByTestId('ranking').locator('tbody tr')).toHaveCount(4); // and the input's row
    await expect(stage).not.toHaveAttribute('data-frames-drawn', /^$/);
    await app.screenshot('compare-grid');
    if (app.host === 'web') {
      // The frames came from where the host serves images: under `web-cross-origin-images` another
      // origin than the page's, so drawing them above went through CORS as in the desktop app.
      const { frameOrigins, pageOrigin } = await page.evaluate(() => ({
        frameOrigins: performance
          .getEntriesByType('resource')
          .filter((e) => e.name.includes('/api/image?'))
          .map((e) => new URL(e.name).origin),
        pageOrigin: location.origin,
      }));
      expect(frameOrigins.length).toBeGreaterThan(0);
      if (app.images === 'cross') expect(frameOrigins.filter((o) => o === pageOrigin)).toEqual([]);
      else expect(frameOrigins.filter((o) => o !== pageOrigin)).toEqual([]);
    }

    // Linked zoom: the wheel over one pane zooms every pane about that point.
    const before = Number(await stage.getAttribute('data-view-scale'));
    const pane0 = (await page.getByTestId('pane').nth(0).boundingBox())!;
    const pane3 = (await page.getByTestId('pane').nth(3).boundingBox())!;
    await page.mouse.move(pane0.x + pane0.width * 0.4, pane0.y + pane0.height * 0.5);
    // Three notches of 1.2× each.
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -100);
    await expect.poll(async () => Number(await stage.getAttribute('data-view-scale'))).toBeGreaterThan(before * 1.5);
    // The same spot of another pane reads the same image pixel (one shared view).
    await page.mouse.move(pane0.x + 100, pane0.y + 80);
    const at0 = await page.getByTestId('inspector').locator('caption').innerText();
    await page.mouse.move(pane3.x + 100, pane3.y + 80);
    await expect(page.getByTestId('inspector').locator('caption')).toHaveText(at0);
    await expect(page.getByTestId('inspector').locator('tbody tr')).toHaveCount(5);
    await app.screenshot('compare-zoomed');
    await page.keyboard.press('f');

    // Wipe: move the divider to a quarter, then hold Shift to flip.
    await page.getByRole('tab', { name: 'Wipe' }).click();
    await expect(stage).toHaveAttribute('data-panes', '2');
    const divider = page.getByTestId('wipe-divider');
    const d = (await divider.boundingBox())!;
    const box = (await stage.boundingBox())!;
    await page.mouse.move(d.x + d.width / 2, d.y + d.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.25, d.y + d.height / 2, { steps: 5 });
    await page.mouse.up();
    const moved = (await divider.boundingBox())!;
    expect(Math.abs(moved.x + moved.width / 2 - (box.x + box.width * 0.25))).toBeLessThan(3);
    await app.screenshot('compare-wipe');
    await page.keyboard.down('Shift');
    await expect(divider).toHaveCount(0);
    await page.keyboard.up('Shift');
    await expect(divider).toHaveCount(1);

    // Frames from the keyboard.
    await stage.click({ position: { x: 20, y: 20 } });
    await expect(position(app)).toHaveText('1 / 6');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect(position(app)).toHaveText('3 / 6');
    await expect(stage).toHaveAttribute('data-frame-drawn', '2');
    await page.keyboard.press('End');
    await expect(position(app)).toHaveText('6 / 6');
    await page.keyboard.press('Home');
    await expect(position(app)).toHaveText('1 / 6');

    // Difference heatmaps against the ground truth, on one scale with a colour bar.
    await page.getByRole('tab', { name: 'Difference' }).click();
    await expect(page.getByTestId('colour-bar')).toBeVisible();
    await expect(stage).not.toHaveAttribute('data-heat-scale', '');
    expect(Number(await stage.getAttribute('data-heat-scale'))).toBeGreaterThan(0);
    await expect(stage).toHaveAttribute('data-panes', '4');
    // The colour bar lies below every pane, over none of them.
    const bar = (await page.getByTestId('colour-bar').boundingBox())!;
    for (const p of await page.getByTestId('pane').all()) {
      const r = (await p.boundingBox())!;
      expect(bar.y).toBeGreaterThanOrEqual(r.y + r.height - 0.5);
    }
    await app.screenshot('compare-heatmap');

    // Click the chart at frame 5.
    const over = (await page.getByTestId('timeline-plot').locator('.u-over').boundingBox())!;
    await page.mouse.click(over.x + (over.width * 4) / 5, over.y + over.height / 2);
    await expect(position(app)).toHaveText('5 / 6');

    // Export the current view as a PNG: every pane at native resolution, labels outside the images.
    const cols = new Set(
      await Promise.all(
        (await page.getByTestId('pane').all()).map(async (p) => Math.round((await p.boundingBox())!.x)),
      ),
    ).size;
    const png = await exportFramePng(app, 'compare_000004_diff.png', `web-${app.images}-origin-compare-export.png`);
    const native = exportLayout({
      panes: 4,
      cols,
      frame: { width: 1280, height: 720 },
      scale: 1,
      labels: true,
      footer: true,
      colourBar: true,
      even: false,
    });
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([native.width, native.height]);
    expect(native.panes[0]).toMatchObject({ width: 1280, height: 720 });
  });

  test('an output folder written by `loupe infer` shows the same metrics as its metrics.json', async ({ app }) => {
    test.setTimeout(180_000);
    const { page } = app;
    const { frames, gt, root } = await clip(app, 3);
    const out = join(root, 'from-cli');
    loupeInfer({ frames, gt, out, dataDir: join(root, 'cli-data') });

    await page.getByRole('button', { name: 'Compare' }).click();
    await page.getByTestId('open-output').fill(out);
    await page.getByTestId('open-results').click();
    await expect(page.getByTestId('compare-view')).toBeVisible();
    // The frames and ground truth its batch_summary.json names were never opened here: they are
    // left out, and the app asks to open them (opening the output folder granted only that).
    const stage = page.getByTestId('compare-stage');
    const grants = page.getByTestId('compare-grants');
    await expect(grants).toContainText(frames);
    await expect(grants).toContainText(gt);
    await expect(stage).toHaveAttribute('data-panes', '3');
    await app.screenshot('compare-ungranted');
    await grants.getByTestId('grant-folder').first().click();
    await expect(grants.getByTestId('grant-folder')).toHaveCount(1);
    await grants.getByTestId('grant-folder').click();
    await expect(grants).toHaveCount(0);
    await expect(stage).toHaveAttribute('data-panes', '5');

    const summary = JSON.parse(await readFile(join(out, 'batch_summary.json'), 'utf8')) as {
      models: { name: string; status: string; output_dir: string | null }[];
    };
    const ranking = page.getByTestId('ranking');
    for (const m of summary.models.filter((x) => x.status === 'success')) {
      const metrics = JSON.parse(await readFile(join(m.output_dir!, 'metrics.json'), 'utf8')) as {
        frames: { psnr: number; ssim: number }[];
        mean: { psnr: number; ssim: number };
      };
      const row = ranking.locator('tr', { hasText: m.name });
      await expect(row).toContainText(metrics.mean.psnr.toFixed(2));
      await expect(row).toContainText(metrics.mean.ssim.toFixed(4));
      // The pane of the model shows frame 1's numbers and the mean, as written.
      const pane = page.locator(`[data-pane="model:${m.name}"]`);
      await expect(pane).toContainText(
        `${metrics.frames[0]!.psnr.toFixed(2)} dB · ${metrics.frames[0]!.ssim.toFixed(4)}`,
      );
      await expect(pane).toContainText(`mean ${metrics.mean.psnr.toFixed(2)} dB`);
    }
  });

  test('a metric model has its own ranking column, lowest first when ranked by it, and a chart series', async ({
    app,
  }) => {
    test.setTimeout(120_000);
    const { page } = app;
    // Small frames (the bundled models and a box blur run in seconds) and a metric model whose
    // score is the mean absolute difference in [-1, 1] (test/cli/metric-models.test.ts checks it).
    const root = join(app.photosDir, '..', 'metric-clip');
    const [frames, gt, models] = ['frames', 'gt', 'models'].map((d) => join(root, d)) as [string, string, string];
    for (const d of [frames, gt, models]) await mkdir(d, { recursive: true });
    for (let i = 0; i < 3; i++) {
      const name = `f_${i}.png`;
      await sharp(Buffer.from(textureSvg(96, 64, 21 + i)))
        .removeAlpha()
        .png()
        .toFile(join(gt, name));
      await sharp(join(gt, name)).blur(1.1).png().toFile(join(frames, name));
    }
    await writeFile(join(models, 'box-blur.onnx'), blurModel());
    const mad = join(root, 'mad.onnx');
    await writeFile(mad, meanAbsDiffMetricModel());
    const out = join(root, 'out');
    loupeInfer({
      frames,
      gt,
      out,
      dataDir: join(root, 'cli-data'),
      modelsDir: models,
      extra: ['--bundled', '--metric-model', mad],
    });
    const summary = JSON.parse(await readFile(join(out, 'batch_summary.json'), 'utf8')) as {
      models: { name: string; status: string; metric_means?: { mad: number } }[];
    };
    const input = JSON.parse(await readFile(join(out, 'input_metrics.json'), 'utf8')) as { mean: { mad: number } };
    const means = [
      ...summary.models.filter((m) => m.status === 'success').map((m) => ({ name: m.name, mad: m.metric_means!.mad })),
      { name: 'Input (no model)', mad: input.mean.mad },
    ];
    expect(means).toHaveLength(5);

    await page.getByRole('button', { name: 'Compare' }).click();
    for (const dir of [frames, gt]) expect((await app.invoke('folders:grant', dir)).ok).toBe(true);
    await page.getByTestId('open-output').fill(out);
    await page.getByTestId('open-results').click();
    await expect(page.getByTestId('compare-view')).toBeVisible();
    const ranking = page.getByTestId('ranking');
    const head = ranking.getByTestId('metric-head-mad');
    await expect(head).toContainText('mad ↓');
    await expect(head).toHaveAttribute('title', /lower is better/);
    for (const m of means)
      await expect(ranking.locator('tr', { hasText: m.name }).getByTestId('metric-mad')).toHaveText(m.mad.toFixed(4));
    // Ranked by it: lowest (best) first, the input among the models.
    await head.getByRole('button').click();
    const names = await ranking.locator('tbody td.name').allInnerTexts();
    expect(names).toEqual([...means].sort((a, b) => a.mad - b.mad).map((m) => m.name));
    await expect(ranking.locator('tbody tr').first().locator('td').first()).toHaveText('1');
    // Its series in the chart.
    const chartButton = page.getByTestId('timeline').getByRole('button', { name: 'mad', exact: true });
    await chartButton.click();
    await expect(chartButton).toHaveAttribute('aria-pressed', 'true');
    // The worst frames of the best model by it are its highest scores (lower is better).
    const best = names.find((n) => n !== 'Input (no model)')!;
    const scores = (
      JSON.parse(await readFile(join(out, best, 'metrics.json'), 'utf8')) as {
        metric_models: { mad: { frames: { score: number }[] } };
      }
    ).metric_models.mad.frames.map((f) => f.score);
    const worst = page.getByTestId('worst-frames').locator('li');
    await expect(worst.first()).toContainText(Math.max(...scores).toFixed(4));
    await app.screenshot('compare-metric-model');
  });

  test('two models of one name from two sources: distinct names (= their folders), every pane drawn', async ({
    app,
  }) => {
    test.setTimeout(240_000);
    const { page } = app;
    const { frames, gt, root } = await clip(app, 2);
    // A folder `more` holding the same three files as the bundled models.
    const more = join(root, 'more');
    const bundled = ['loupe-restore-dncnn', 'loupe-restore-nafnet', 'loupe-restore-unet'];
    for (const id of bundled) {
      await mkdir(join(more, id), { recursive: true });
      for (const f of ['model.onnx', 'model.json'])
        await copyFile(join(repoRoot, 'resources', 'models', id, f), join(more, id, f));
    }
    const out = join(root, 'twice');
    loupeInfer({ frames, gt, out, dataDir: join(root, 'cli-data'), modelsDir: more, extra: ['--bundled'] });
    const names = bundled.flatMap((id) => [`${id} · bundled`, `${id} · more`]).sort();
    // The display name is the output folder's name.
    const folders = (await readdir(out, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(folders.sort()).toEqual(names);

    await page.getByRole('button', { name: 'Compare' }).click();
    for (const dir of [frames, gt]) expect((await app.invoke('folders:grant', dir)).ok).toBe(true);
    await page.getByTestId('open-output').fill(out);
    await page.getByTestId('open-results').click();
    await expect(page.getByTestId('compare-view')).toBeVisible();
    const stage = page.getByTestId('compare-stage');
    const labels = await page.locator('.pane-list .name').allInnerTexts();
    expect(labels.filter((l) => l.includes(' · ')).sort()).toEqual(names);
    // Six models and the input itself (against the ground truth), each model with its gain over it.
    const ranking = page.getByTestId('ranking');
    await expect(ranking.locator('tbody tr')).toHaveCount(7);
    await expect(ranking.locator('tr[data-baseline]')).toContainText('Input (no model)');
    const input = JSON.parse(await readFile(join(out, 'input_metrics.json'), 'utf8')) as {
      mean: { psnr: number; ssim: number };
    };
    await expect(ranking.locator('tr[data-baseline]')).toContainText(input.mean.psnr.toFixed(2));
    const gains = await ranking.getByTestId('gain').allInnerTexts();
    expect(gains).toHaveLength(6);
    for (const g of gains) expect(g).toMatch(/^[+−]\d+\.\d\d dB · Δ [+−]\d\.\d{4}$/);
    // Four model panes, two of them the same model from two sources: all six panes drawn.
    await expect(stage).toHaveAttribute('data-panes', '5');
    const hidden = (await page
      .locator('.pane-list input[type=checkbox]:not(:checked)')
      .first()
      .getAttribute('aria-label'))!;
    await page.getByLabel(hidden, { exact: true }).check();
    await expect(stage).toHaveAttribute('data-panes', '6');
    await expect(page.getByTestId('pane')).toHaveCount(6);
    const ids = await page.getByTestId('pane').evaluateAll((els) => els.map((e) => e.getAttribute('data-pane')));
    expect(new Set(ids).size).toBe(6);
    await expect(stage).toHaveAttribute('data-frame-drawn', '0');
    await expect
      .poll(() =>
        page.locator('[data-pane-canvas]').evaluateAll((canvases) =>
          (canvases as HTMLCanvasElement[]).map((c) => {
            const ctx = c.getContext('2d')!;
            const d = ctx.getImageData(0, 0, c.width, c.height).data;
            let lit = 0;
            for (let i = 0; i < d.length; i += 4 * 97) if ((d[i] as number) + (d[i + 1] as number) > 0) lit++;
            return lit > 0;
          }),
        ),
      )
      .toEqual([true, true, true, true, true, true]);
    await app.screenshot('compare-same-names');
    // The wipe starts on two different models.
    await page.getByRole('tab', { name: 'Wipe' }).click();
    const left = await page.getByLabel('Wipe left').inputValue();
    const right = await page.getByLabel('Wipe right').inputValue();
    expect(left).toMatch(/^model:/);
    expect(right).toMatch(/^model:/);
    expect(left).not.toBe(right);
  });

  test('the setup cannot start an incomplete run; the outputs folder is only ever the one chosen', async ({ app }) => {
    const { page } = app;
    const { frames, root } = await clip(app, 1);
    await page.getByRole('button', { name: 'Compare' }).click();
    const run = page.getByTestId('run-compare');
    await expect(run).toBeDisabled();
    await expect(page.getByTestId('run-missing')).toHaveText('Choose the frames folder.');
    await page.getByTestId('frames-dir').fill(frames);
    // Typing the frames folder leaves the outputs empty; the suggestion is offered, not applied.
    await expect(page.getByTestId('output-dir')).toHaveValue('');
    await expect(run).toBeDisabled();
    await expect(page.getByTestId('run-missing')).toHaveText('Choose the outputs folder.');
    await page.getByTestId('use-suggested-output').click();
    await expect(page.getByTestId('output-dir')).toHaveValue(join(root, 'output_inference'));
    await expect(run).toBeEnabled();
    // A model folder that is not there keeps Run disabled, and says why.
    await page.getByLabel('A folder of .onnx models').fill(join(root, 'no-models-here'));
    await expect(run).toBeDisabled();
    await expect(page.getByTestId('run-missing')).not.toHaveText('');
    await page.getByLabel('A folder of .onnx models').fill('');
    await expect(run).toBeEnabled();
  });

  test('exports a 48-frame side-by-side video, frame-exact: video frame k is the native PNG of frame k', async ({
    app,
  }) => {
    test.setTimeout(240_000);
    const { page } = app;
    const root = join(app.photosDir, '..', 'video-clip');
    const { frames, gt } = await writeClip(root, { count: 48, width: 320, height: 192, seed: 5 });
    const out = join(root, 'out');
    loupeInfer({ frames, gt, out, dataDir: join(root, 'cli-data') });
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.getByTestId('open-output').fill(out);
    await page.getByTestId('open-results').click();
    const grants = page.getByTestId('compare-grants');
    await grants.getByTestId('grant-folder').first().click();
    await expect(grants.getByTestId('grant-folder')).toHaveCount(1);
    await grants.getByTestId('grant-folder').click();
    await expect(grants).toHaveCount(0);
    const stage = page.getByTestId('compare-stage');
    await expect(stage).toHaveAttribute('data-panes', '5');

    // The video: every frame, its labels and per-frame numbers, at native size.
    await page.getByTestId('export').click();
    const dialog = page.getByTestId('export-dialog');
    await dialog.getByRole('tab', { name: 'Video' }).click();
    await dialog.getByLabel('Video frame rate').selectOption('24');
    const summary = dialog.getByTestId('export-summary');
    await expect(summary).toContainText('48 frames');
    await expect(summary).toContainText(/MP4, (H\.264|VP9|AV1)/);
    const downloading = page.waitForEvent('download');
    await dialog.getByTestId('export-save').click();
    await expect(dialog.getByTestId('export-progress')).toBeVisible();
    const file = await downloading;
    expect(file.suggestedFilename()).toBe('compare_grid_000000-000047.mp4');
    const mp4 = join(artifacts, `web-${app.images}-origin-compare-export.mp4`);
    await file.saveAs(mp4);
    await expect(dialog).toBeHidden();

    // The native PNG of frame 31 (index 30) to hold frame 30 of the video against.
    await stage.click({ position: { x: 20, y: 20 } });
    await page.keyboard.press('Home');
    for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowRight');
    await expect(position(app)).toHaveText('31 / 48');
    const png = await exportFramePng(app, 'compare_000030_grid.png', `web-${app.images}-origin-compare-frame30.png`);

    // Decode the video back with the muxer's own demuxer and the browser's decoder.
    // The app's CSP allows no inline script, so this runs in a page of its own on the same
    // (secure, localhost) origin, holding only mediabunny's browser bundle.
    const bundle = await readFile(join(repoRoot, 'node_modules', 'mediabunny', 'dist', 'bundles', 'mediabunny.cjs'));
    // (Under Electron the page is the app's, so a Chromium of its own decodes.)
    const browser = page.context().browser() ?? (await launchChromium());
    const decoder = await browser.newPage();
    const blank = 'http://localhost/__decode-video-test';
    await decoder.route(blank, (route) =>
      route.fulfill({ contentType: 'text/html', body: `<!doctype html><script>${bundle.toString()}</script>` }),
    );
    await decoder.goto(blank);
    const decoded = await decoder.evaluate(
      async ({ video, still }) => {
        const M = (globalThis as unknown as { Mediabunny: typeof Mediabunny }).Mediabunny;
        const bytes = (b64: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const input = new M.Input({ source: new M.BufferSource(bytes(video)), formats: M.ALL_FORMATS });
        const track = (await input.getPrimaryVideoTrack())!;
        const sink = new M.VideoSampleSink(track);
        const pixels = (source: CanvasImageSource, w: number, h: number): Uint8ClampedArray => {
          const c = new OffscreenCanvas(w, h);
          const x = c.getContext('2d')!;
          x.drawImage(source, 0, 0);
          return x.getImageData(0, 0, w, h).data;
        };
        const stillBitmap = await createImageBitmap(new Blob([bytes(still)], { type: 'image/png' }));
        const w = stillBitmap.width;
        const h = stillBitmap.height;
        const ref = pixels(stillBitmap, w, h);
        const psnr = (a: Uint8ClampedArray): number => {
          let se = 0;
          let n = 0;
          for (let i = 0; i < a.length; i += 4)
            for (let c = 0; c < 3; c++) {
              const d = a[i + c]! - ref[i + c]!;
              se += d * d;
              n++;
            }
          return 10 * Math.log10((255 * 255) / (se / n));
        };
        let count = 0;
        const against: Record<number, number> = {};
        const timestamps: number[] = [];
        for await (const sample of sink.samples()) {
          timestamps.push(Math.round(sample.timestamp * 24));
          if (count >= 29 && count <= 31) {
            const frame = sample.toVideoFrame();
            against[count] = psnr(pixels(frame, w, h));
            frame.close();
          }
          sample.close();
          count++;
        }
        return {
          count,
          width: track.displayWidth,
          height: track.displayHeight,
          codec: track.codec,
          against,
          timestamps,
          still: [w, h],
        };
      },
      { video: (await readFile(mp4)).toString('base64'), still: png.toString('base64') },
    );
    await decoder.close();
    if (!page.context().browser()) await browser.close();
    expect(decoded.count).toBe(48);
    expect(decoded.timestamps).toEqual(Array.from({ length: 48 }, (_, i) => i));
    // Same layout as the PNG (rounded up to even sizes for 4:2:0 video).
    expect(decoded.width).toBe(decoded.still[0]! + (decoded.still[0]! % 2));
    expect(decoded.height).toBe(decoded.still[1]! + (decoded.still[1]! % 2));
    // Frame 30 of the video is frame 30 of the comparison; its neighbours are not.
    expect(decoded.against[30]).toBeGreaterThanOrEqual(35);
    expect(decoded.against[29]).toBeLessThan(decoded.against[30]! - 3);
    expect(decoded.against[31]).toBeLessThan(decoded.against[30]! - 3);
  });
});
