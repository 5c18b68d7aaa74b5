// Lint rules that keep the process boundaries of DESIGN.md honest.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'module',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'stream/web',
  'string_decoder',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

const HOST_SPECIFIC = [
  { name: 'electron', message: 'core and shared are host-agnostic: no Electron.' },
  { name: 'sharp', message: 'core is pure: image IO belongs in src/engine adapters.' },
  { name: 'onnxruntime-node', message: 'core is pure: sessions belong in src/engine.' },
  { name: 'onnxruntime-web', message: 'core is pure.' },
  { name: 'react', message: 'core is pure: no React.' },
  { name: 'react-dom', message: 'core is pure: no React.' },
  { name: 'zustand', message: 'core is pure: stores belong in src/renderer.' },
  { name: 'konva', message: 'core is pure: canvas belongs in src/renderer.' },
  { name: 'ws', message: 'core is pure.' },
  ...NODE_BUILTINS.map((name) => ({ name, message: 'core is pure: Node APIs belong in src/engine adapters.' })),
];

const IPC_MAIN_ONLY_IN_IPC = {
  name: 'electron',
  importNames: ['ipcMain'],
  message: 'Only src/main/ipc.ts touches ipcMain; bind verbs there.',
};
const IPC_RENDERER_ONLY_IN_PRELOAD = {
  name: 'electron',
  importNames: ['ipcRenderer'],
  message: 'Only the preload talks to ipcRenderer.',
};

/** The engine is below its hosts: it never imports src/host, main, the CLI, the web host or the UI. */
const ENGINE_STAYS_BELOW_ITS_HOSTS = {
  regex: '^(\\.\\./)+(host|main|cli|web|renderer|preload)(/|$)',
  message: 'the engine never reaches back into the processes that host it.',
};

/**
 * Code that runs in a host process beside Electron or instead of it (src/host, the web host, the
 * CLI): no Electron, never a native module (models and pixels are the engine's), and of the
 * engine only what `patterns` let through.
 */
const hostSide = (files, { electron, patterns }) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: [
          { name: 'electron', message: electron },
          { name: 'onnxruntime-node', message: 'hosts never run models: the engine does.' },
          { name: 'sharp', message: 'hosts never decode pixels: the engine does.' },
        ],
        patterns,
      },
    ],
  },
});

const configs = tseslint.config(
  {
    ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'e2e/artifacts/**', 'training/**', 'coverage/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      eqeqeq: ['error', 'smart'],
    },
  },
  // core and shared: pure, host-agnostic.
  {
    files: ['src/core/**/*.ts', 'src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: HOST_SPECIFIC, patterns: [{ group: ['node:*'], message: 'core is pure: no node: modules.' }] },
      ],
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require', '__dirname', 'window', 'document'],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: HOST_SPECIFIC,
          patterns: [
            { group: ['node:*'], message: 'shared is the contract: types and constants only.' },
            {
              group: ['../core/*', '../core/**', '../engine/**', '../main/**', '../renderer/**'],
              message: 'shared depends on nothing.',
            },
          ],
        },
      ],
    },
  },
  // Electron main: only ipc.ts touches ipcMain; never runs models or decodes pixels.
  {
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/ipc.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            IPC_MAIN_ONLY_IN_IPC,
            IPC_RENDERER_ONLY_IN_PRELOAD,
            { name: 'onnxruntime-node', message: 'main never runs models: the engine does.' },
            { name: 'sharp', message: 'main never carries pixels: the engine does.' },
          ],
          patterns: [{ group: ['../engine', '../engine/**'], message: 'main uses the engine only through src/host.' }],
        },
      ],
    },
  },
  {
    files: ['src/main/ipc.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [IPC_RENDERER_ONLY_IN_PRELOAD, { name: 'onnxruntime-node' }, { name: 'sharp' }] },
      ],
    },
  },
  // Everything except main/ipc.ts and the preload: no ipcMain/ipcRenderer.
  {
    files: ['src/engine/**/*.ts', 'src/cli/**/*.ts', 'src/web/**/*.ts', 'test/**/*.ts', 'e2e/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [IPC_MAIN_ONLY_IN_IPC, IPC_RENDERER_ONLY_IN_PRELOAD] }] },
  },
  // The engine never reaches back into the processes that host it.
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [IPC_MAIN_ONLY_IN_IPC, IPC_RENDERER_ONLY_IN_PRELOAD], patterns: [ENGINE_STAYS_BELOW_ITS_HOSTS] },
      ],
    },
  },
  // Plain file IO shared with the hosts and the CLI: no native modules.
  {
    files: ['src/engine/labels/**/*.ts', 'src/engine/fs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            IPC_MAIN_ONLY_IN_IPC,
            IPC_RENDERER_ONLY_IN_PRELOAD,
            { name: 'onnxruntime-node', message: 'host-side code never loads ONNX Runtime.' },
            { name: 'sharp', message: 'host-side code never decodes pixels.' },
          ],
          patterns: [ENGINE_STAYS_BELOW_ITS_HOSTS],
        },
      ],
    },
  },
  // src/host: what every host shares (Electron main, the web host, the CLI). It runs beside them,
  // never inside the engine: no Electron (main passes its dialogs in), no native modules, and of
  // the engine only its plain file adapters (label files, atomic writes, image listing, compare
  // sessions); models and pixels are the engine process's, reached through the engine client.
  hostSide(['src/host/**/*.ts'], {
    electron: 'src/host runs in the web host and the CLI too: Electron stays in src/main.',
    patterns: [
      {
        regex: '^(\\.\\./)+(main|cli|web|renderer|preload)(/|$)',
        message: 'src/host is shared by the hosts; it depends on none of them.',
      },
      {
        regex: '^(\\.\\./)+engine/(?!(labels|fs|images|restore)/)',
        message:
          'src/host uses the engine process through the engine client, and of its modules only the plain file adapters (engine/labels, fs, images, restore).',
      },
    ],
  }),
  // The web host uses the engine through src/host only.
  hostSide(['src/web/server/**/*.ts'], {
    electron: 'the web host runs without Electron.',
    patterns: [{ regex: '^(\\.\\./)+engine(/|$)', message: 'use the engine through src/host.' }],
  }),
  // The CLI uses the engine through src/host; its label-file commands (convert, validate) also use
  // the plain file adapters directly.
  hostSide(['src/cli/**/*.ts'], {
    electron: 'the CLI runs without Electron.',
    patterns: [
      {
        regex: '^(\\.\\./)+engine/(?!(labels|fs)/)',
        message: 'use the engine through src/host (label files and atomic writes: engine/labels, engine/fs).',
      },
    ],
  }),
  // Preload: only electron from node-land; everything else is bundled in.
  {
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [IPC_MAIN_ONLY_IN_IPC, { name: 'onnxruntime-node' }, { name: 'sharp' }],
          patterns: [{ group: ['node:*'], message: 'a sandboxed preload may require only electron.' }],
        },
      ],
    },
  },
  // Renderer and browser client: browser code; only lib/api.ts touches window.api.
  {
    files: ['src/renderer/**/*.{ts,tsx}', 'src/web/client/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // Advice for the React Compiler, which Loupe does not use; TanStack Virtual is fine without it.
      'react-hooks/incompatible-library': 'off',
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'the renderer talks to the host through AppApi only.' },
            { name: 'onnxruntime-node' },
            { name: 'sharp' },
          ],
          patterns: [
            { group: ['node:*'], message: 'the renderer is sandboxed: no Node APIs.' },
            { group: ['**/engine/**', '**/main/**'], message: 'the renderer reaches other processes through AppApi.' },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'window',
          property: 'api',
          message: 'Only src/renderer/lib/api.ts touches window.api; use useApi().',
        },
      ],
    },
  },
  {
    files: ['src/renderer/lib/api.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['test/**/*.{ts,tsx}', 'e2e/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.{js,ts}'],
    rules: { 'no-console': 'off' },
  },
  // The batch runners and the host verbs stay in parts small enough to read: one function does one
  // step (resolve, run one model, write its report; one namespace's verbs).
  {
    files: ['src/engine/runners/**/*.ts', 'src/host/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80 }] },
  },
);

/**
 * Electron is also importable as `electron/main`, `electron/renderer` and `electron/common`; ESLint's
 * `paths` match a specifier exactly, so every rule written for `electron` is repeated for each
 * subpath (otherwise `import { ipcMain } from 'electron/main'` would walk through every fence).
 */
const ELECTRON_SUBPATHS = ['electron/main', 'electron/renderer', 'electron/common'];
function withElectronSubpaths(list) {
  const expand = (option) =>
    typeof option === 'object' && option !== null && Array.isArray(option.paths)
      ? {
          ...option,
          paths: option.paths.flatMap((p) =>
            p.name === 'electron' ? [p, ...ELECTRON_SUBPATHS.map((name) => ({ ...p, name }))] : [p],
          ),
        }
      : option;
  return list.map((config) => {
    const rule = config.rules?.['no-restricted-imports'];
    if (!Array.isArray(rule)) return config;
    return { ...config, rules: { ...config.rules, 'no-restricted-imports': rule.map(expand) } };
  });
}

export default withElectronSubpaths(configs);
