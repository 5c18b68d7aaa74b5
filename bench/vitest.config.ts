import { defineConfig } from 'vitest/config';

/** Node-side benchmarks (`npm run bench:node`); numbers go to bench/BENCHMARKS.md. */
export default defineConfig({
  test: {
    include: ['bench/**/*.bench.test.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 600_000,
    maxWorkers: 1,
  },
});
