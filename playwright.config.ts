import { defineConfig } from '@playwright/test';
import type { HostKind, ImageOrigin } from './e2e/fixtures';

/**
 * The same specs run against two hosts: `loupe serve` in Debian's Chromium (always), and the
 * Electron app through Playwright's _electron (only where an Electron binary exists; elsewhere
 * those tests are reported as skipped, i.e. not run). `web-cross-origin-images` runs Compare
 * with images served from a second origin, as the desktop app's `loupe-image://` is to its
 * `app://loupe` page: fetching and decoding frames there needs CORS, exactly as in Electron.
 */
export default defineConfig<object, { host: HostKind; images: ImageOrigin }>({
  testDir: 'e2e',
  outputDir: 'e2e/artifacts/results',
  timeout: 90_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: { trace: 'retain-on-failure', screenshot: 'only-on-failure', viewport: { width: 1440, height: 900 } },
  projects: [
    { name: 'web', use: { host: 'web' } },
    { name: 'web-cross-origin-images', use: { host: 'web', images: 'cross' }, testMatch: 'compare.spec.ts' },
    { name: 'electron', use: { host: 'electron' } },
  ],
});
