import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

/**
 * Three builds:
 * - main (ESM, Node): the Electron main entry, the engine entry main forks as a utility process,
 *   and the CLI. Runtime dependencies (onnxruntime-node, sharp, ws, yaml) stay external: native
 *   modules are never bundled.
 * - preload (CommonJS, one file, .cjs): a sandboxed preload cannot be ESM and may require only
 *   `electron`, so everything it imports is bundled into it.
 * - renderer: the React app (also what `loupe serve` serves).
 */
export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      sourcemap: true,
      rolldownOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          engine: resolve(__dirname, 'src/engine/index.ts'),
          cli: resolve(__dirname, 'src/cli/main.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      externalizeDeps: false,
      isolatedEntries: true,
      rolldownOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    plugins: [react()],
    build: {
      sourcemap: true,
      rolldownOptions: {
        input: { index: resolve(__dirname, 'src/renderer/index.html') },
      },
    },
  },
});
