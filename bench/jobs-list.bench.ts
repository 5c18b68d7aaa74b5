/**
 * Claim: the Jobs panel's item list stays smooth at 10,000 items because it is virtualised.
 * Measured in the same page, same data: Loupe's list vs a baseline that renders every row
 * (what a plain React/DOM list does). Ratios, not absolute times, are the result.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobSnapshot } from '../src/shared/jobs';
import { artifacts, expect, test } from '../e2e/fixtures';
import { scrollFrames } from './scroll';

const ITEMS = 10_000;
const FRAMES = 240;

test('jobs list at 10,000 items: virtualised vs every row in the DOM', async ({ app }) => {
  const { page } = app;
  const submitted = await app.invoke<JobSnapshot>('jobs:submit', {
    kind: 'benchmark-model',
    modelId: 'tiny-pose',
    iterations: ITEMS,
  });
  const jobId = submitted.ok ? submitted.value.id : '';
  const card = page.locator(`[data-job-id="${jobId}"]`);
  await expect(card.getByTestId('job-status')).toHaveText('completed', { timeout: 120_000 });

  // Loupe: open the job's item list (fetches 10,000 items, renders the visible rows).
  const loupeOpenMs = await page.evaluate(() => performance.now());
  await card.click();
  await expect(page.getByTestId('items-count')).toHaveText(`${ITEMS} items`);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const loupeRender = (await page.evaluate(() => performance.now())) - loupeOpenMs;
  const loupeNodes = await page.getByTestId('items-scroll').evaluate((el) => el.querySelectorAll('*').length);
  const loupeScroll = await scrollFrames(page, '[data-testid="items-scroll"]', FRAMES);

  // Baseline: the same 10,000 items, every row in the DOM, in a scroller of the same size.
  const baseline = await page.evaluate(
    async ({ jobId, items }) => {
      const start = performance.now();
      const res = await fetch('/api/invoke', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'jobs:items', args: [jobId, 0, items] }),
      });
      const page = (await res.json()) as { value: { items: { index: number; key: string; ms: number }[] } };
      const ref = document.querySelector('[data-testid="items-scroll"]') as HTMLElement;
      const box = ref.getBoundingClientRect();
      const scroller = document.createElement('div');
      scroller.id = 'baseline-scroll';
      Object.assign(scroller.style, {
        position: 'fixed',
        left: `${box.left}px`,
        top: `${box.top}px`,
        width: `${box.width}px`,
        height: `${box.height}px`,
        overflow: 'auto',
        background: '#171a1f',
        zIndex: '100',
      });
      for (const item of page.value.items) {
        const row = document.createElement('div');
        row.className = 'item-row';
        Object.assign(row.style, { position: 'relative', height: '26px' });
        row.innerHTML = `<span class="faint mono">${item.index + 1}</span><span class="key">${item.key}</span><span class="ms">${item.ms.toFixed(2)} ms</span>`;
        scroller.appendChild(row);
      }
      document.body.appendChild(scroller);
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return { renderMs: performance.now() - start, nodes: scroller.querySelectorAll('*').length };
    },
    { jobId, items: ITEMS },
  );
  const baselineScroll = await scrollFrames(page, '#baseline-scroll', FRAMES);

  const result = {
    items: ITEMS,
    frames: FRAMES,
    loupe: { renderMs: loupeRender, domNodes: loupeNodes, ...loupeScroll },
    baseline: { renderMs: baseline.renderMs, domNodes: baseline.nodes, ...baselineScroll },
    ratios: {
      domNodes: baseline.nodes / loupeNodes,
      renderMs: baseline.renderMs / loupeRender,
      p95FrameMs: baselineScroll.p95Ms / loupeScroll.p95Ms,
    },
  };
  console.log(JSON.stringify(result, null, 2));
  await writeFile(join(artifacts, 'bench-jobs-list.json'), JSON.stringify(result, null, 2));
  expect(loupeNodes).toBeLessThan(baseline.nodes);
});
