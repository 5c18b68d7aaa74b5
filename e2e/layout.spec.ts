import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { writeClip } from '../test/fixtures/clips';
import { expect, loupeInfer, repoRoot, test, type LoupeApp } from './fixtures';

/**
 * Nothing overflows or is cut off: every page of the app, at 1280×800 and at 1920×1080, walked
 * element by element. An element fails when it reaches past the box of the nearest ancestor that
 * clips it (overflow hidden, clip, or a scroller that would have to scroll sideways), or past the
 * window. Text that ends in an ellipsis inside its own box is fine; so is content inside a
 * scroller that scrolls only vertically.
 */
async function overflows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const describe = (el: Element): string => {
      const id = el.getAttribute('data-testid');
      const cls =
        typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
      const text = (el.textContent ?? '').trim().slice(0, 40);
      return `${el.tagName.toLowerCase()}${id ? `[data-testid=${id}]` : ''}${cls}${text ? ` "${text}"` : ''}`;
    };
    const clipOf = (el: Element): Element | null => {
      for (let p = el.parentElement; p; p = p.parentElement) {
        const s = getComputedStyle(p);
        if (s.overflowX !== 'visible') return p;
      }
      return null;
    };
    const bad: string[] = [];
    const width = document.documentElement.clientWidth;
    const scrollers = new Set<Element>();
    for (const el of document.body.querySelectorAll('*')) {
      // The shapes inside an SVG are drawing, not layout (a marker at an image's edge is clipped by design).
      if (el instanceof SVGElement && !(el instanceof SVGSVGElement)) continue;
      const s = getComputedStyle(el);
      if (s.display === 'none' || s.visibility === 'hidden' || s.position === 'fixed') continue;
      // A native dialog not open, and what is in one, is not on screen.
      if (el.closest('dialog:not([open])')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const clip = clipOf(el);
      if (!clip) {
        if (r.right > width + 1)
          bad.push(`${describe(el)} reaches ${Math.round(r.right)} px, past the window (${width})`);
        continue;
      }
      const c = clip.getBoundingClientRect();
      const cs = getComputedStyle(clip);
      const left = c.left + (parseFloat(cs.borderLeftWidth) || 0);
      const right = c.left + (parseFloat(cs.borderLeftWidth) || 0) + clip.clientWidth;
      if (r.right <= right + 1 && r.left >= left - 1) continue;
      const scrolls = cs.overflowX === 'auto' || cs.overflowX === 'scroll';
      // Inside a scroller, content may run on only if the scroller need not scroll sideways; the
      // scroller is reported once, with the first element that makes it scroll.
      if (scrolls) {
        if (clip.scrollWidth > clip.clientWidth + 1 && !scrollers.has(clip)) {
          scrollers.add(clip);
          bad.push(
            `${describe(clip)} scrolls sideways (${clip.scrollWidth} > ${clip.clientWidth}): ${describe(el)} reaches ${Math.round(r.right)} past ${Math.round(right)}`,
          );
        }
        continue;
      }
      bad.push(
        `${describe(el)} [${Math.round(r.left)}–${Math.round(r.right)}] is cut off by ${describe(clip)} [${Math.round(left)}–${Math.round(right)}]`,
      );
    }
    return [...new Set(bad)];
  });
}

const SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
] as const;

/** Every page of the app in a state a user reaches, each a step that leaves the app on that page. */
async function pages(app: LoupeApp): Promise<[string, () => Promise<void>][]> {
  const { page } = app;
  const root = join(app.photosDir, '..', 'layout');
  await cp(join(repoRoot, 'resources', 'samples', 'watches'), join(root, 'watches'), { recursive: true });
  await cp(join(repoRoot, 'resources', 'samples', 'alignment_labels'), join(root, 'alignment_labels'), {
    recursive: true,
  });
  const clip = await writeClip(join(root, 'clip'), { count: 3, width: 320, height: 180 });
  const out = join(root, 'clip', 'out');
  loupeInfer({ frames: clip.frames, gt: clip.gt, out, dataDir: join(root, 'cli-data') });
  const section = (name: string) => page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name });
  /** Open or close the Jobs panel (a job starting opens it). */
  const jobsPanel = async (open: boolean): Promise<void> => {
    if ((await page.getByTestId('jobs-panel').count()) !== (open ? 1 : 0))
      await page.getByRole('button', { name: /^Jobs/ }).click();
    await expect(page.getByTestId('jobs-panel')).toHaveCount(open ? 1 : 0);
  };
  return [
    ['Keypoints: open a folder', async () => section('Keypoints').click()],
    [
      'Keypoints: a predicted folder, review grid',
      async () => {
        await page.getByLabel('Folder path', { exact: true }).fill(join(root, 'watches'));
        await page.getByRole('button', { name: 'Open', exact: true }).click();
        await expect(page.getByTestId('image-count')).toHaveText('60');
        await page.getByTestId('predict').click();
        await expect(page.getByTestId('predict-progress')).toHaveCount(0, { timeout: 120_000 });
        await expect(page.getByTestId('unlabelled-count')).toHaveText('0');
      },
    ],
    ['Keypoints: corrections', async () => page.getByRole('tab', { name: 'Corrections' }).click()],
    [
      'Keypoints: the editor',
      async () => {
        await page.getByRole('tab', { name: 'Review' }).click();
        await page.getByTestId('thumbnail').first().click();
        await expect(page.getByTestId('editor-canvas')).toHaveAttribute('data-source', /preview|full/);
      },
    ],
    [
      'Jobs panel',
      async () => {
        await page.keyboard.press('Escape');
        await jobsPanel(true);
      },
    ],
    [
      'Compare: setup',
      async () => {
        await jobsPanel(false);
        await section('Compare').click();
        await expect(page.getByTestId('frames-dir')).toBeVisible();
      },
    ],
    [
      'Compare: a comparison',
      async () => {
        await page.getByTestId('open-output').fill(out);
        await page.getByTestId('open-results').click();
        await expect(page.getByTestId('compare-view')).toBeVisible();
        await expect(page.getByTestId('compare-stage')).not.toHaveAttribute('data-frames-drawn', /^$/);
      },
    ],
    [
      'Compare: export',
      async () => {
        await page.getByTestId('export').click();
        await page.getByTestId('export-dialog').getByRole('tab', { name: 'Video' }).click();
        await expect(page.getByTestId('export-summary')).toContainText('MP4');
      },
    ],
    [
      'Models',
      async () => {
        await page.getByTestId('export-cancel').click();
        await section('Models').click();
        await expect(page.getByTestId('model').first()).toBeVisible();
      },
    ],
    ['Settings', async () => section('Settings').click()],
  ];
}

test.describe('Layout: nothing overflows or is cut off', () => {
  test('every page at 1280×800 and 1920×1080', async ({ app }) => {
    test.setTimeout(400_000);
    const { page } = app;
    const steps = await pages(app);
    const found: string[] = [];
    for (const [name, step] of steps) {
      await step();
      // Let layout settle (fonts, virtualised rows, images).
      await page.waitForTimeout(300);
      for (const size of SIZES) {
        await page.setViewportSize(size);
        await page.waitForTimeout(250);
        // What a resize leaves for a moment (a canvas re-laid out on the next frame) is not a fault.
        let bad = await overflows(page);
        if (bad.length) {
          await page.waitForTimeout(1000);
          bad = await overflows(page);
        }
        for (const b of bad) found.push(`${size.width}×${size.height} ${name}: ${b}`);
      }
      await page.setViewportSize(SIZES[0]);
    }
    expect(found, found.join('\n')).toEqual([]);
  });
});
