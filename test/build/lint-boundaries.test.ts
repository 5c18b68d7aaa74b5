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
  ])('%s allows: %s', async (file, code) => {
    expect(await messages(file, code)).toEqual([]);
  });
});
