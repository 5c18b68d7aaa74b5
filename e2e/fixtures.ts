import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, chromium, test as base, type Browser, type ElectronApplication, type Page } from '@playwright/test';
import type { IpcChannel } from '../src/shared/ipc';
import type { Result } from '../src/shared/result';
import { jpeg } from '../test/fixtures/images';
import { writeFixtureModels } from '../test/fixtures/onnx-models';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const artifacts = join(repoRoot, 'e2e', 'artifacts');

export type HostKind = 'web' | 'electron';

/**
 * Where the web host serves images from: the page's own origin, or a second one (another port,
 * `loupe serve --image-port`), which puts Chromium under the rules the desktop app meets, where
 * `loupe-image://` is cross-origin to the `app://loupe` page.
 */
export type ImageOrigin = 'same' | 'cross';

export interface LoupeApp {
  page: Page;
  host: HostKind;
  images: ImageOrigin;
  dataDir: string;
  photosDir: string;
  photoCount: number;
  /** Call an AppApi verb from inside the page, as the renderer would. */
  invoke<T>(channel: IpcChannel, ...args: unknown[]): Promise<Result<T>>;
  screenshot(name: string): Promise<void>;
}

/** Where the Electron binary would be; null when it was never downloaded (the build machines). */
export function electronBinary(): string | null {
  const pkg = join(repoRoot, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

/** Debian's Chromium, headless, as the build machines run it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export function chromiumPath(): string {
  return process.env.LOUPE_CHROMIUM ?? '/usr/bin/chromium';
}

const WATCHES = ['PATEK_nab_001', 'PATEK_nab_002', 'OMEGA_spm_001', 'SEIKO_skx_001'];

async function writePhotos(dir: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  let n = 0;
  for (const [w, id] of WATCHES.entries()) {
    for (let i = 1; i <= 6; i++) {
      await writeFile(
        join(dir, `${id}_${String(i).padStart(2, '0')}_view.jpg`),
        await jpeg(480 + 40 * w, 360 + 20 * i),
      );
      n++;
    }
  }
  return n;
}

async function launchWeb(dataDir: string, images: ImageOrigin): Promise<{ page: Page; close: () => Promise<void> }> {
  const server: ChildProcess = spawn(
    process.execPath,
    [
      join(repoRoot, 'bin', 'loupe.js'),
      'serve',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      ...(images === 'cross' ? ['--image-port', '0'] : []),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`loupe serve printed no URL: ${out}`)), 30_000);
    server.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    server.on('exit', (code) => reject(new Error(`loupe serve exited (${code}): ${out}`)));
  });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(url);
  return {
    page,
    close: async () => {
      await browser.close();
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGINT');
      await exited;
    },
  };
}

async function launchElectron(binary: string, dataDir: string): Promise<{ page: Page; close: () => Promise<void> }> {
  const app: ElectronApplication = await _electron.launch({
    executablePath: binary,
    args: [join(repoRoot, 'out', 'main', 'index.js')],
    env: { ...process.env, LOUPE_DATA_DIR: dataDir } as Record<string, string>,
  });
  const page = await app.firstWindow();
  await page.setViewportSize({ width: 1440, height: 900 });
  return { page, close: () => app.close() };
}

export const test = base.extend<{ app: LoupeApp }, { host: HostKind; images: ImageOrigin }>({
  host: ['web', { option: true, scope: 'worker' }],
  images: ['same', { option: true, scope: 'worker' }],
  app: async ({ host, images }, use, testInfo) => {
    const binary = host === 'electron' ? electronBinary() : null;
    test.skip(
      host === 'electron' && !binary,
      'No Electron binary on this machine: the Electron run of this spec was not run.',
    );
    const root = await mkdtemp(join(tmpdir(), 'loupe-e2e-'));
    const dataDir = join(root, 'data');
    const models = await writeFixtureModels(join(root, 'models'));
    await mkdir(dataDir, { recursive: true });
    // Both hosts read settings.json from the data folder: point them at the fixture models.
    await writeFile(join(dataDir, 'settings.json'), JSON.stringify({ modelDirs: [models.dir], reviewer: 'e2e' }));
    const photosDir = join(root, 'photos');
    const photoCount = await writePhotos(photosDir);
    const launched =
      host === 'web' ? await launchWeb(dataDir, images) : await launchElectron(binary as string, dataDir);
    const { page } = launched;
    // The page's console errors (a CORS or CSP refusal says why nothing drew), kept for a failure.
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await mkdir(artifacts, { recursive: true });
    const app: LoupeApp = {
      page,
      host,
      images,
      dataDir,
      photosDir,
      photoCount,
      invoke: (channel, ...args) =>
        page.evaluate(
          async ({ channel, args, host }) => {
            if (host === 'electron') {
              const [ns, verb] = channel.split(':') as [string, string];
              const api = (
                window as unknown as { api: Record<string, Record<string, (...a: unknown[]) => Promise<unknown>>> }
              ).api;
              return api[ns]?.[verb]?.(...args);
            }
            const res = await fetch('/api/invoke', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ channel, args }),
            });
            return res.json();
          },
          { channel, args, host },
        ) as never,
      screenshot: async (name) => {
        const prefix = images === 'cross' ? `${host}-cross-origin` : host;
        await page.screenshot({ path: join(artifacts, `${prefix}-${name}.png`) });
      },
    };
    await use(app);
    if (testInfo.status !== testInfo.expectedStatus) {
      await app.screenshot(`failed-${testInfo.title.replace(/\W+/g, '-')}`).catch(() => undefined);
      if (consoleErrors.length) await testInfo.attach('console-errors', { body: consoleErrors.join('\n') });
    }
    await launched.close();
    await rm(root, { recursive: true, force: true });
  },
});

export const expect = test.expect;

/** The first `n` frames of the sample clip and their ground truth, copied for the test. */
export async function clip(app: LoupeApp, n: number): Promise<{ frames: string; gt: string; root: string }> {
  const root = join(app.photosDir, '..', `clip-${n}`);
  const frames = join(root, 'frames');
  const gt = join(root, 'gt');
  await mkdir(frames, { recursive: true });
  await mkdir(gt, { recursive: true });
  const samples = join(repoRoot, 'resources', 'samples');
  const names = (await readdir(join(samples, 'frames')))
    .filter((f) => f.endsWith('.png'))
    .sort()
    .slice(0, n);
  for (const f of names) {
    await copyFile(join(samples, 'frames', f), join(frames, f));
    await copyFile(join(samples, 'frames_gt', f), join(gt, f));
  }
  return { frames, gt, root };
}
