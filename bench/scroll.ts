import type { Page } from '@playwright/test';

export interface ScrollStats {
  meanMs: number;
  p95Ms: number;
  maxMs: number;
  janky: number;
}

/** Scroll `selector` from top to bottom over `frames` animation frames; frame intervals in ms. */
export async function scrollFrames(page: Page, selector: string, frames: number): Promise<ScrollStats> {
  return page.evaluate(
    async ({ selector, frames }) => {
      const el = document.querySelector(selector) as HTMLElement;
      el.scrollTop = 0;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const step = (el.scrollHeight - el.clientHeight) / frames;
      const times: number[] = [];
      let last = performance.now();
      for (let i = 1; i <= frames; i++) {
        el.scrollTop = step * i;
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        times.push(now - last);
        last = now;
      }
      const sorted = [...times].sort((a, b) => a - b);
      return {
        meanMs: times.reduce((a, b) => a + b, 0) / times.length,
        p95Ms: sorted[Math.floor(sorted.length * 0.95)] as number,
        maxMs: sorted[sorted.length - 1] as number,
        janky: times.filter((t) => t > 1000 / 30).length,
      };
    },
    { selector, frames },
  );
}
