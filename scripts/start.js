#!/usr/bin/env node
/**
 * `npm start`: build, then open the desktop app. Electron downloads its binary the first time it
 * is needed; where it cannot (a headless Linux server, a machine without internet), Loupe serves
 * the same app to a browser instead (`loupe serve --open`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const electronDir = join(root, 'node_modules', 'electron');

function electronBinary() {
  const pathFile = join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

const build = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (build.status !== 0) process.exit(build.status ?? 1);

let binary = electronBinary();
if (!binary && process.env.ELECTRON_SKIP_BINARY_DOWNLOAD !== '1' && existsSync(join(electronDir, 'install.js'))) {
  console.log('Fetching the Electron binary (first start only)…');
  spawnSync(process.execPath, [join(electronDir, 'install.js')], {
    cwd: electronDir,
    stdio: 'inherit',
    timeout: 10 * 60_000,
  });
  binary = electronBinary();
}

const child = binary
  ? spawn(binary, [root], { stdio: 'inherit' })
  : (console.log('\nNo Electron binary on this machine: serving Loupe to a browser instead.\n'),
    spawn(process.execPath, [join(root, 'bin', 'loupe.js'), 'serve', '--open', ...process.argv.slice(2)], {
      stdio: 'inherit',
    }));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
