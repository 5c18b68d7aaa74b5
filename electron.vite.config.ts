import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { rendererCsp } from './src/core/contract/csp';
import { IMAGE_SCHEME } from './src/core/contract/image-url';

/** The renderer's CSP meta tag in src/renderer/index.html. */
const CSP_META = /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")[^"]*(")/;

/**
 * `npm run dev` only: the dev server injects an inline module script (React's refresh preamble)
 * and `<style>` elements, which the production policy (`script-src 'self'; style-src 'self'`)
 * refuses, leaving a blank window. Vite's `html.cspNonce` puts a nonce on every script and style
 * it injects (its client reads it from `<meta property="csp-nonce">` for the styles it adds
 * later); this plugin puts the same nonce into the page's meta CSP, and main sends the same policy
 * as a header (src/main/window.ts electronCsp). The build keeps the strict policy.
 */
function devCsp(nonce: string): Plugin {
  return {
    name: 'loupe:dev-csp',
    apply: 'serve',
    transformIndexHtml: {
      order: 'pre',
      handler(html, ctx) {
        if (!CSP_META.test(html)) throw new Error('src/renderer/index.html has no Content-Security-Policy meta tag');
        const origin = new URL(ctx.server?.resolvedUrls?.local[0] ?? 'http://localhost:5173').origin;
        const policy = rendererCsp({ imageScheme: IMAGE_SCHEME, dev: { nonce, origin }, meta: true });
        return html.replace(CSP_META, (_m, open: string, close: string) => `${open}${policy}${close}`);
      },
    },
  };
}

/**
 * Three builds:
 * - main (ESM, Node): the Electron main entry, the engine entry main forks as a utility process,
 *   the engine's match worker, and the CLI. Runtime dependencies (onnxruntime-node, sharp, ws, yaml) stay external: native
 *   modules are never bundled.
 * - preload (CommonJS, one file, .cjs): a sandboxed preload cannot be ESM and may require only
 *   `electron`, so everything it imports is bundled into it.
 * - renderer: the React app (also what `loupe serve` serves).
 */
export default defineConfig(({ command }) => {
  // One nonce per dev server; Electron main, which electron-vite starts from this process with
  // its environment (as it passes ELECTRON_RENDERER_URL), reads it back.
  const devNonce = command === 'serve' ? randomBytes(16).toString('base64') : null;
  if (devNonce) process.env.LOUPE_DEV_CSP_NONCE = devNonce;
  return {
    main: {
      build: {
        externalizeDeps: true,
        sourcemap: true,
        rolldownOptions: {
          input: {
            index: resolve(__dirname, 'src/main/index.ts'),
            engine: resolve(__dirname, 'src/engine/index.ts'),
            cli: resolve(__dirname, 'src/cli/main.ts'),
            // Keypoint matching worker threads (piscina), started by the engine: see match-pool.ts.
            'match-worker': resolve(__dirname, 'src/engine/match/match-worker.ts'),
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
      plugins: [react(), ...(devNonce ? [devCsp(devNonce)] : [])],
      ...(devNonce ? { html: { cspNonce: devNonce } } : {}),
      build: {
        sourcemap: true,
        rolldownOptions: {
          input: { index: resolve(__dirname, 'src/renderer/index.html') },
        },
      },
    },
  };
});
