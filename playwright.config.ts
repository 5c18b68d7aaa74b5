import { defineConfig } from '@playwright/test';
import type { HostKind } from './e2e/fixtures';

/**
 * The same specs run against two hosts: `loupe serve` in Debian's Chromium (always), and the
 * Electron app through Playwright's _electron (only where an Electron binary exists; elsewhere
 * those tests are reported as skipped, i.e. not run).
 */
export default defineConfig<object, { host: HostKind }>({
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
    { name: 'electron', use: { host: 'electron' } },
  ],
});
