import { defineConfig } from '@playwright/test';
import type { HostKind } from '../e2e/fixtures';

/** Benchmarks that need a browser: run with `npm run bench`; numbers go to bench/BENCHMARKS.md. */
export default defineConfig<object, { host: HostKind }>({
  testDir: '.',
  testMatch: '*.bench.ts',
  outputDir: '../e2e/artifacts/bench',
  timeout: 300_000,
  workers: 1,
  reporter: [['list']],
  projects: [{ name: 'web', use: { host: 'web' } }],
});
