import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot, tempDir } from '../helpers';

const config = parse(readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Record<string, unknown>;
/** electron-builder's own dependencies (app-builder-lib, @electron/asar), as it resolves them. */
const builderRequire = createRequire(createRequire(import.meta.url).resolve('electron-builder'));
/** @electron/fuses as app-builder-lib (which flips the fuses) resolves it. */
const fuses = createRequire(builderRequire.resolve('app-builder-lib/package.json'))('@electron/fuses') as {
  getCurrentFuseWire(electron: string): Promise<Record<string, number | string>>;
  FuseV1Options: Record<string, number>;
};

/** The fuses electron-builder must flip (README "Security"), by @electron/fuses' option names. */
const FUSES = {
  RunAsNode: false,
  EnableCookieEncryption: true,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  GrantFileProtocolExtraPrivileges: false,
} as const;

/**
 * What a stand-in Electron binary holds for @electron/fuses to find and flip: the sentinel, the
 * wire's version (1) and length, then one byte per fuse ('1' on, '0' off), as Electron ships them:
 * RunAsNode, NODE_OPTIONS, --inspect and file:// privileges on; cookie encryption, ASAR integrity,
 * ASAR-only and the browser V8 snapshot off.
 */
const STOCK_WIRE = Buffer.concat([
  Buffer.from('#!/bin/sh\necho "stand-in Electron"\n# '),
  Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'),
  Buffer.from([1, 8]),
  Buffer.from('10110001'),
  Buffer.from('\n'),
]);

describe('electron-builder.yml', () => {
  it('sets the Electron fuses: no RunAsNode, NODE_OPTIONS or --inspect; encrypted cookies; the app only from its checked asar', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    // The app must not need what they turn off: an ELECTRON_RUN_AS_NODE child or a file:// page.
    const main = readFileSync(join(repoRoot, 'src', 'main', 'index.ts'), 'utf8');
    expect(main).not.toMatch(/loadFile\(|child_process|ELECTRON_RUN_AS_NODE/);
  });

  it('unpacks the native modules from the asar', () => {
    expect(config.asarUnpack).toEqual(
      expect.arrayContaining([
        '**/node_modules/sharp/**',
        '**/node_modules/@img/**',
        '**/node_modules/onnxruntime-node/**',
      ]),
    );
  });

  it('ships the bundled models as extra resources', () => {
    expect(config.extraResources).toEqual(expect.arrayContaining([{ from: 'resources/models', to: 'models' }]));
  });

  it('builds a macOS arm64 dmg, hardened, with its own entitlements', () => {
    const mac = config.mac as Record<string, unknown>;
    expect(mac.target).toEqual([{ target: 'dmg', arch: ['arm64'] }]);
    expect(mac.hardenedRuntime).toBe(true);
    for (const key of ['entitlements', 'entitlementsInherit']) {
      const plist = readFileSync(join(repoRoot, mac[key] as string), 'utf8');
      for (const entitlement of ['allow-jit', 'allow-unsigned-executable-memory', 'disable-library-validation'])
        expect(plist).toMatch(new RegExp(`<key>com\\.apple\\.security\\.cs\\.${entitlement}</key>\\s*<true/>`));
      // Not sandboxed (a Mac App Store build would be): the app reads folders the user opens.
      expect(plist).not.toContain('app-sandbox');
    }
  });

  it('resolves every platform file list to the whole rule, never to exclusions only', async () => {
    // A platform's `files` is matched apart from the top-level list; exclusions alone would mean
    // "the whole project but these" (the bug that shipped src/, test/, training/ and maps).
    const { getConfig } = builderRequire('app-builder-lib/out/util/config/config') as {
      getConfig(dir: string, path: string | null, options: null): Promise<Record<string, unknown>>;
    };
    const resolved = await getConfig(repoRoot, null, null);
    const top = (resolved.files as { filter: string[] }[]).flatMap((f) => f.filter);
    expect(top.filter((p) => !p.startsWith('!'))).toEqual(['out/**', 'package.json']);
    for (const platform of ['mac', 'linux']) {
      const files = (resolved[platform] as { files: string[] }).files;
      expect(files.slice(0, top.length), platform).toEqual(top);
    }
  });

  it('points the app at the built main entry, and keeps ORT offline at install', () => {
    expect(pkg.main).toBe('out/main/index.js');
    expect(pkg.name).toBe('loupe-desktop');
    expect(pkg.bin).toEqual({ loupe: 'bin/loupe.js' });
    expect(readFileSync(join(repoRoot, '.npmrc'), 'utf8')).toMatch(/^onnxruntime-node-install=skip$/m);
  });

  it('declares the Node versions its build tools declare, and this Node is one of them', () => {
    const engines = (pkg.engines as { node: string }).node;
    const declared = (name: string): string =>
      (
        JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as {
          engines: { node: string };
        }
      ).engines.node;
    // Vite 8, electron-vite 6 and @vitejs/plugin-react 6 run the build; everything here is verified on them.
    for (const tool of ['vite', 'electron-vite', '@vitejs/plugin-react']) expect(declared(tool)).toBe(engines);
    const semver = createRequire(import.meta.url)('semver') as { satisfies(v: string, range: string): boolean };
    expect(semver.satisfies(process.version, engines)).toBe(true);
  });
});

/**
 * The packages as electron-builder really makes them, without an Electron download: `--dir`
 * builds for Linux x64 and macOS arm64 against stand-in Electron distributions (`electronDist`,
 * a folder this test makes with what electron-builder copies and renames: the executable, the
 * resources folder, on macOS the app bundle with its helper), then the archives read back.
 */
describe.skipIf(process.platform === 'win32')('packages (electron-builder --dir, stand-in Electron)', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let linuxResources: string;
  let macResources: string;
  const asar = builderRequire('@electron/asar') as { listPackage(archive: string, options: object): string[] };
  const listing = (resources: string): string[] =>
    asar.listPackage(join(resources, 'app.asar'), {}).map((f) => f.replace(/\\/g, '/').replace(/^\//, ''));

  beforeAll(async () => {
    tmp = await tempDir('loupe-package-');
    const linuxDist = join(tmp.path, 'electron-linux');
    await mkdir(join(linuxDist, 'resources'), { recursive: true });
    await writeFile(join(linuxDist, 'electron'), STOCK_WIRE);
    await chmod(join(linuxDist, 'electron'), 0o755);
    await writeFile(join(linuxDist, 'version'), electronVersion());

    const macDist = join(tmp.path, 'electron-mac');
    const contents = join(macDist, 'Electron.app', 'Contents');
    const helper = join(contents, 'Frameworks', 'Electron Helper.app', 'Contents');
    // On macOS the fuse wire is in the framework binary, not the app's executable.
    const framework = join(contents, 'Frameworks', 'Electron Framework.framework');
    for (const dir of [join(contents, 'MacOS'), join(contents, 'Resources'), join(helper, 'MacOS'), framework])
      await mkdir(dir, { recursive: true });
    await writeFile(join(framework, 'Electron Framework'), STOCK_WIRE);
    await writeFile(join(contents, 'Info.plist'), plist('Electron', 'com.github.Electron'));
    await writeFile(join(helper, 'Info.plist'), plist('Electron Helper', 'com.github.Electron.helper'));
    await writeFile(join(contents, 'MacOS', 'Electron'), '#!/bin/sh\n');
    await writeFile(join(helper, 'MacOS', 'Electron Helper'), '#!/bin/sh\n');

    await electronBuilder(['--linux', '--x64'], linuxDist, join(tmp.path, 'release-linux'));
    await electronBuilder(['--mac', '--arm64', '-c.mac.identity=null'], macDist, join(tmp.path, 'release-mac'));
    linuxResources = join(tmp.path, 'release-linux', 'linux-unpacked', 'resources');
    macResources = join(tmp.path, 'release-mac', 'mac-arm64', 'Loupe.app', 'Contents', 'Resources');
  }, 300_000);
  afterAll(() => tmp?.cleanup());

  it.each(['linux', 'mac'])(
    '%s: the asar holds only out/, package.json and production dependencies, no maps',
    (platform) => {
      const resources = platform === 'linux' ? linuxResources : macResources;
      const files = listing(resources);
      expect(new Set(files.map((f) => f.split('/')[0]))).toEqual(new Set(['out', 'package.json', 'node_modules']));
      for (const entry of [
        'out/main/index.js',
        'out/main/engine.js',
        'out/preload/index.cjs',
        'out/renderer/index.html',
      ])
        expect(files).toContain(entry);
      expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
      for (const dir of ['src', 'test', 'training', 'e2e', 'docs', '.ci', 'bench', 'scripts', 'resources', 'build'])
        expect(files.some((f) => f === dir || f.startsWith(`${dir}/`))).toBe(false);
      // Every package inside is a production dependency; every runtime dependency is there.
      const inside = new Set(
        files.filter((f) => f.startsWith('node_modules/') && !/^node_modules\/@[^/]+$/.test(f)).map(packageOf),
      );
      const production = productionPackages();
      expect([...inside].filter((p) => !production.has(p))).toEqual([]);
      for (const dep of Object.keys(pkg.dependencies as object)) expect(inside).toContain(dep);
      // 54 MB when it carried the whole project; about 15 MB as it should be.
      expect(statSync(join(resources, 'app.asar')).size).toBeLessThan(25_000_000);
      // The bundled models, samples and the PyTorch exporter beside the archive, as plain files.
      expect(readdirSync(join(resources, 'models')).length).toBeGreaterThan(0);
      expect(existsSync(join(resources, 'samples'))).toBe(true);
      expect(existsSync(join(resources, 'python', 'loupe_export.py'))).toBe(true);
    },
  );

  it.each(['linux', 'mac'])('%s: the fuses are flipped in the packaged Electron', async (platform) => {
    const electron =
      platform === 'linux'
        ? join(linuxResources, '..', 'loupe-desktop')
        : join(macResources, '..', '..', '..', 'Loupe.app');
    const wire = await fuses.getCurrentFuseWire(electron);
    const state = (on: boolean): number => (on ? 49 : 48); // '1' / '0'
    for (const [name, on] of Object.entries(FUSES))
      expect(wire[fuses.FuseV1Options[name] as number], name).toBe(state(on));
    if (platform === 'mac') {
      // The hash the ASAR-integrity fuse checks app.asar against.
      const info = readFileSync(join(macResources, '..', 'Info.plist'), 'utf8');
      expect(info).toMatch(/<key>ElectronAsarIntegrity<\/key>\s*<dict>\s*<key>Resources\/app\.asar<\/key>/);
    }
  });

  it('linux: app.asar.unpacked holds onnxruntime-node (linux-x64 binaries only), sharp and @img', () => {
    const unpacked = join(linuxResources, 'app.asar.unpacked', 'node_modules');
    expect(tree(join(unpacked, 'onnxruntime-node', 'bin'))).toEqual([
      'napi-v6/linux/x64/libonnxruntime.so.1',
      'napi-v6/linux/x64/onnxruntime_binding.node',
    ]);
    expect(existsSync(join(unpacked, 'sharp', 'package.json'))).toBe(true);
    const img = readdirSync(join(unpacked, '@img')).filter((d) => d.startsWith('sharp-'));
    expect(img.length).toBeGreaterThan(0);
    for (const d of img) expect(d).toMatch(/^sharp-(libvips-)?linux-/);
  });

  it('mac: app.asar.unpacked holds onnxruntime-node (darwin-arm64 only, one dylib), sharp and @img', () => {
    const unpacked = join(macResources, 'app.asar.unpacked', 'node_modules');
    expect(tree(join(unpacked, 'onnxruntime-node', 'bin'))).toEqual([
      'napi-v6/darwin/arm64/libonnxruntime.1.dylib',
      'napi-v6/darwin/arm64/onnxruntime_binding.node',
    ]);
    expect(existsSync(join(unpacked, 'sharp', 'package.json'))).toBe(true);
    // sharp's binaries come from the npm install of the machine that builds (a Mac installs
    // @img/sharp-darwin-arm64); none of another platform's go in.
    for (const d of readdirSync(join(unpacked, '@img'))) expect(d).not.toMatch(/-(linux|linuxmusl|win32)-/);
  });
});

function electronVersion(): string {
  const electron = JSON.parse(readFileSync(join(repoRoot, 'node_modules', 'electron', 'package.json'), 'utf8')) as {
    version: string;
  };
  return electron.version;
}

function plist(executable: string, identifier: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
<key>CFBundleExecutable</key><string>${executable}</string>
<key>CFBundleIdentifier</key><string>${identifier}</string>
</dict></plist>
`;
}

/** `electron-builder --dir` for one platform, from the repository, into `output`. */
function electronBuilder(args: string[], electronDist: string, output: string): Promise<void> {
  const cli = builderRequire.resolve('electron-builder/cli.js');
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [cli, '--dir', ...args, `-c.electronDist=${electronDist}`, `-c.directories.output=${output}`],
      {
        cwd: repoRoot,
        env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`electron-builder ${args.join(' ')} exited ${code}:\n${log}`)),
    );
  });
}

/** The package a node_modules path belongs to (`@scope/name` or `name`). */
function packageOf(path: string): string {
  const parts = path.split('/');
  const at = parts.lastIndexOf('node_modules');
  const name = parts[at + 1] ?? '';
  return name.startsWith('@') ? `${name}/${parts[at + 2]}` : name;
}

/** Names of the packages the lockfile does not mark dev-only. */
function productionPackages(): Set<string> {
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  return new Set(
    Object.entries(lock.packages)
      .filter(([path, p]) => path.startsWith('node_modules/') && !p.dev)
      .map(([path]) => packageOf(path)),
  );
}

/** The files under a folder, relative, sorted. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((e) => e.isFile())
    .map((e) =>
      join(e.parentPath, e.name)
        .slice(dir.length + 1)
        .replace(/\\/g, '/'),
    )
    .sort();
}
