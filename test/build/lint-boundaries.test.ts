import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers';

/** The process boundaries of DESIGN.md are lint rules; these prove the rules bite. */
describe('lint boundaries', () => {
  const eslint = new ESLint({ cwd: repoRoot });
  const messages = async (file: string, code: string): Promise<string[]> => {
    const [result] = await eslint.lintText(code, { filePath: `${repoRoot}/${file}` });
    return (result?.messages ?? []).filter((m) => m.ruleId?.startsWith('no-restricted')).map((m) => m.message);
  };
  const longFunction = (lines: number): string =>
    `export function f(): number {\n  let n = 0;\n${'  n += 1;\n'.repeat(lines - 4)}  return n;\n}\n`;

  it.each([
    ['src/core/x.ts', "import { readFile } from 'node:fs';\nexport const x = readFile;"],
    ['src/core/x.ts', "import sharp from 'sharp';\nexport const x = sharp;"],
    ['src/core/x.ts', "import ort from 'onnxruntime-node';\nexport const x = ort;"],
    ['src/core/x.ts', "import { app } from 'electron';\nexport const x = app;"],
    ['src/core/x.ts', "import { useState } from 'react';\nexport const x = useState;"],
    ['src/core/x.ts', 'export const x = process.env;'],
    ['src/shared/x.ts', "import { ok } from '../core/result';\nexport const x = ok;"],
    ['src/main/index2.ts', "import { ipcMain } from 'electron';\nexport const x = ipcMain;"],
    ['src/main/index2.ts', "import ort from 'onnxruntime-node';\nexport const x = ort;"],
    ['src/engine/engine2.ts', "import { ipcMain } from 'electron';\nexport const x = ipcMain;"],
    ['src/renderer/x.tsx', 'export const x = window.api;'],
    ['src/renderer/x.tsx', "import { readFile } from 'node:fs';\nexport const x = readFile;"],
    ['src/cli/x.ts', "import { startEngine } from '../engine/engine';\nexport const x = startEngine;"],
    ['src/preload/x.ts', "import { readFile } from 'node:fs';\nexport const x = readFile;"],
    // Electron's subpath entry points are fenced like the bare specifier.
    ['src/main/index2.ts', "import { ipcMain } from 'electron/main';\nexport const x = ipcMain;"],
    ['src/core/x.ts', "import { app } from 'electron/main';\nexport const x = app;"],
    ['src/shared/x.ts', "import { shell } from 'electron/common';\nexport const x = shell;"],
    ['src/renderer/x.tsx', "import { ipcRenderer } from 'electron/renderer';\nexport const x = ipcRenderer;"],
    ['src/renderer/x.tsx', "import { clipboard } from 'electron/common';\nexport const x = clipboard;"],
    ['src/engine/engine2.ts', "import { ipcMain } from 'electron/main';\nexport const x = ipcMain;"],
    ['src/cli/x.ts', "import { app } from 'electron/main';\nexport const x = app;"],
    ['src/preload/x.ts', "import { ipcMain } from 'electron/main';\nexport const x = ipcMain;"],
    // src/host: shared by the hosts, below none of them, and never running models or pixels.
    ['src/host/x.ts', "import { app } from 'electron';\nexport const x = app;"],
    ['src/host/x.ts', "import sharp from 'sharp';\nexport const x = sharp;"],
    ['src/host/x.ts', "import { startEngine } from '../engine/engine';\nexport const x = startEngine;"],
    ['src/host/x.ts', "import { run } from '../cli/main';\nexport const x = run;"],
    ['src/engine/engine2.ts', "import { createHost } from '../host/host';\nexport const x = createHost;"],
    [
      'src/web/server/x.ts',
      "import { LabelStore } from '../../engine/labels/label-store';\nexport const x = LabelStore;",
    ],
  ])('%s refuses: %s', async (file, code) => {
    expect((await messages(file, code)).length).toBeGreaterThan(0);
  });

  it.each([
    ['src/main/ipc.ts', "import { ipcMain } from 'electron';\nexport const x = ipcMain;"],
    ['src/renderer/lib/api.ts', 'export const x = window.api;'],
    ['src/cli/x.ts', "import { createHost } from '../host/host';\nexport const x = createHost;"],
    ['src/preload/x.ts', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;"],
    ['src/main/ipc.ts', "import { ipcMain } from 'electron/main';\nexport const x = ipcMain;"],
    ['src/main/index2.ts', "import { app } from 'electron/main';\nexport const x = app;"],
    ['src/preload/x.ts', "import { ipcRenderer } from 'electron/renderer';\nexport const x = ipcRenderer;"],
    ['src/host/x.ts', "import { LabelStore } from '../engine/labels/label-store';\nexport const x = LabelStore;"],
    ['src/web/server/x.ts', "import { createHost } from '../../host/host';\nexport const x = createHost;"],
  ])('%s allows: %s', async (file, code) => {
    expect(await messages(file, code)).toEqual([]);
  });

  it.each(['src/engine/runners/x.ts', 'src/host/x.ts'])('%s refuses a function over 80 lines', async (file) => {
    const lengthErrors = async (code: string): Promise<number> => {
      const [result] = await eslint.lintText(code, { filePath: `${repoRoot}/${file}` });
      return (result?.messages ?? []).filter((m) => m.ruleId === 'max-lines-per-function').length;
    };
    expect(await lengthErrors(longFunction(81))).toBe(1);
    expect(await lengthErrors(longFunction(80))).toBe(0);
  });
});
