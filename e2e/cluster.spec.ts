import { cp, copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clip, expect, loupeCli, loupeInfer, repoRoot, test } from './fixtures';

/*
 * A cluster run watched from the app (#16 item 4): real `loupe infer --shard I/4 --no-merge`
 * runs write the manifests; the test then puts the folder back to "2 of 4 done, one running, one
 * missing" (as the shards leave it mid-run), opens it in Compare, and completes the run under the
 * open view: the done manifests come back, then the real `loupe merge`.
 */
test.describe('A cluster run still writing its output folder, watched from the app', () => {
  test('shows per-shard rows and follows the run to merged without a reload', async ({ app }) => {
    test.setTimeout(240_000);
    const { page } = app;
    const { frames, gt, root } = await clip(app, 2, 'cluster');
    const out = join(root, 'output_inference');
    for (let i = 0; i < 4; i++) {
      loupeInfer({ frames, gt, out, dataDir: join(root, `data-${i}`), extra: ['--shard', `${i}/4`, '--no-merge'] });
    }
    const shards = join(out, '.loupe-shards');
    const kept = join(root, 'kept');
    await mkdir(kept);
    for (const i of [2, 3]) await copyFile(join(shards, `shard-${i}-of-4.json`), join(kept, `${i}.json`));
    // Mid-run: shard 2 running (just wrote), shard 3 not started.
    const two = JSON.parse(await readFile(join(shards, 'shard-2-of-4.json'), 'utf8')) as Record<string, unknown>;
    const put = async (name: string, text: string) => {
      await writeFile(join(shards, `${name}.tmp`), text);
      await rename(join(shards, `${name}.tmp`), join(shards, name));
    };
    await put(
      'shard-2-of-4.json',
      JSON.stringify({ ...two, state: 'running', done: 0, updatedAt: new Date().toISOString() }),
    );
    await rm(join(shards, 'shard-3-of-4.json'));

    // The layout must fit the smallest window Loupe supports.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.getByTestId('open-output').fill(out);
    await page.getByTestId('open-results').click();
    const panel = page.getByTestId('cluster-panel');
    await expect(panel).toBeVisible();
    await expect(page.getByTestId('shard-row-0')).toHaveAttribute('data-state', 'done');
    await expect(page.getByTestId('shard-row-1')).toHaveAttribute('data-state', 'done');
    await expect(page.getByTestId('shard-row-2')).toHaveAttribute('data-state', 'running');
    await expect(page.getByTestId('shard-row-2')).toContainText(/\d+ s ago/);
    await expect(page.getByTestId('shard-row-3')).toHaveCount(0);
    await expect(page.getByTestId('cluster-missing')).toContainText('shard 3');
    await expect(page.getByTestId('cluster-state')).toContainText('waiting for 2 shards');
    await expect(page.getByTestId('cluster-stale')).toHaveCount(0);
    await expect(page.getByTestId('compare-view')).toHaveCount(0);
    // No batch_summary.json yet (the shards never write it): nothing to open anyway.
    await expect(page.getByTestId('cluster-open-anyway')).toHaveCount(0);
    await app.screenshot('cluster-running');

    // The last two shards finish (their manifests as they wrote them), and nobody merged yet.
    for (const i of [2, 3]) await put(`shard-${i}-of-4.json`, await readFile(join(kept, `${i}.json`), 'utf8'));
    await expect(page.getByTestId('shard-row-3')).toHaveAttribute('data-state', 'done');
    await expect(page.getByTestId('cluster-state')).toContainText('not merged yet');
    await expect(page.getByTestId('cluster-state')).toContainText(`loupe merge --output-dir ${out}`);
    await expect(page.getByTestId('cluster-missing')).toHaveCount(0);

    const m = loupeCli(['merge', '--output-dir', out]);
    expect(m.status, m.stderr).toBe(0);
    await expect(page.getByTestId('cluster-state')).toContainText('merged', { timeout: 10_000 });
    await expect(page.getByTestId('cluster-state')).not.toContainText('not merged');
    await app.screenshot('cluster-merged');
    // Merged: the normal comparison of the folder.
    await page.getByTestId('cluster-open').click();
    await expect(page.getByTestId('compare-view')).toBeVisible();
    await expect(panel).toHaveCount(0);
  });

  test('Keypoints: predictions a cluster run is still writing show its shards over the review', async ({ app }) => {
    test.setTimeout(240_000);
    const { page } = app;
    const root = join(app.photosDir, '..', 'kp-cluster');
    const photos = join(root, 'watches');
    await mkdir(photos, { recursive: true });
    const samples = join(repoRoot, 'resources', 'samples');
    const all = (await readdir(join(samples, 'watches'))).sort();
    // Two watch IDs, three photos each: one per shard.
    for (const id of ['HALDEN', 'KESTREL'])
      for (const n of all.filter((f) => f.startsWith(id)).slice(0, 3))
        await cp(join(samples, 'watches', n), join(photos, n));
    const out = join(root, 'alignment_labels_predicted');
    for (let i = 0; i < 2; i++) {
      const r = loupeCli([
        ...['predict', '--images-dir', photos, '--labels-dir', join(samples, 'alignment_labels')],
        ...['--output-dir', out, '--data-dir', join(root, `data-${i}`), '--shard', `${i}/2`, '--no-merge'],
      ]);
      expect(r.status, r.stderr).toBe(0);
    }
    const shards = join(out, '.loupe-shards');
    const done = await readFile(join(shards, 'shard-1-of-2.json'), 'utf8');
    const one = JSON.parse(done) as Record<string, unknown>;
    await writeFile(
      join(shards, 'tmp'),
      JSON.stringify({ ...one, state: 'running', updatedAt: new Date().toISOString() }),
    );
    await rename(join(shards, 'tmp'), join(shards, 'shard-1-of-2.json'));

    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByLabel('Folder path', { exact: true }).fill(photos);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect(page.getByTestId('image-count')).toHaveText('6');
    const panel = page.getByTestId('cluster-panel');
    await expect(panel).toBeVisible();
    await expect(page.getByTestId('shard-row-0')).toHaveAttribute('data-state', 'done');
    await expect(page.getByTestId('shard-row-1')).toHaveAttribute('data-state', 'running');
    await expect(page.getByTestId('cluster-overall')).toContainText('(predict)');
    await app.screenshot('cluster-keypoints');

    await writeFile(join(shards, 'tmp'), done);
    await rename(join(shards, 'tmp'), join(shards, 'shard-1-of-2.json'));
    await expect(page.getByTestId('cluster-state')).toContainText('not merged yet');
    const m = loupeCli(['merge', '--output-dir', out]);
    expect(m.status, m.stderr).toBe(0);
    await expect(page.getByTestId('cluster-state')).toContainText('merged');
    await page.getByTestId('cluster-open').click();
    await expect(panel).toHaveCount(0);
  });
});
