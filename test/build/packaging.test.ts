import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../helpers';

/** The packaging config cannot be exercised here (no Electron); its promises are checked instead. */
describe('electron-builder.yml', () => {
  const config = parse(readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Record<string, unknown>;

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

  it('builds a macOS arm64 dmg without other platforms’ ORT binaries or the duplicate dylib', () => {
    const mac = config.mac as { target: { target: string; arch: string[] }[]; files: string[] };
    expect(mac.target).toEqual([{ target: 'dmg', arch: ['arm64'] }]);
    expect(mac.files).toContain('!**/node_modules/onnxruntime-node/bin/napi-v6/{linux,win32}/**');
    expect(mac.files).toContain(
      '!**/node_modules/onnxruntime-node/bin/napi-v6/darwin/arm64/libonnxruntime.1.30.0.dylib',
    );
  });

  it('builds a Linux AppImage without macOS or Windows ORT binaries', () => {
    const linux = config.linux as { target: { target: string }[]; files: string[] };
    expect(linux.target[0]?.target).toBe('AppImage');
    expect(linux.files).toContain('!**/node_modules/onnxruntime-node/bin/napi-v6/{darwin,win32}/**');
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
