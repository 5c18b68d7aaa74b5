import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rendererCsp } from '../../src/core/contract/csp';
import { IMAGE_SCHEME } from '../../src/core/contract/image-url';
import { repoRoot } from '../helpers';

/**
 * Electron never runs on the build machines, so its seams are checked on the build output:
 * the sandboxed preload is one CommonJS file requiring only `electron`; the engine entry main
 * forks exists; native modules stay external; main never pulls in onnxruntime or sharp.
 */
const out = join(repoRoot, 'out');
const read = (p: string) => readFileSync(p, 'utf8');

/** Bare module specifiers imported by a bundle file and, transitively, its relative chunks. */
function importClosure(entry: string): Set<string> {
  const bare = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = read(file);
    const specifiers = [
      ...code.matchAll(
        /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^import\s*["']([^"']+)["']/gm,
      ),
    ].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
    for (const s of specifiers) {
      if (s.startsWith('.')) visit(resolve(dirname(file), s));
      else bare.add(s);
    }
  };
  visit(entry);
  return bare;
}

describe('build output', () => {
  it('builds the preload as one CommonJS file that requires only electron', () => {
    const preload = join(out, 'preload', 'index.cjs');
    expect(existsSync(preload)).toBe(true);
    expect(readdirSync(join(out, 'preload'))).toEqual(['index.cjs']);
    const code = read(preload);
    const requires = [...code.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect(new Set(requires)).toEqual(new Set(['electron']));
    expect(code).not.toMatch(/^\s*import\s/m);
    expect(code).not.toMatch(/^\s*export\s/m);
    expect(code).toContain('exposeInMainWorld');
  });

  it('has the engine entry that main forks, next to main', () => {
    expect(existsSync(join(out, 'main', 'engine.js'))).toBe(true);
    expect(read(join(out, 'main', 'index.js'))).toContain('engine.js');
    expect(read(join(out, 'main', 'index.js'))).toContain('../preload/index.cjs');
  });

  it('keeps native modules external (never bundled)', () => {
    const engine = importClosure(join(out, 'main', 'engine.js'));
    expect(engine).toContain('onnxruntime-node');
    expect(engine).toContain('sharp');
    const files = readdirSync(out, { recursive: true }) as string[];
    expect(files.filter((f) => f.endsWith('.node'))).toEqual([]);
    for (const f of files.filter((f) => f.endsWith('.js') || f.endsWith('.cjs'))) {
      expect(read(join(out, f))).not.toContain('onnxruntime_binding');
    }
    // opencv.js (10 MB of WASM glue) is required at run time, never inlined into a bundle.
    for (const f of files.filter((f) => f.startsWith('main') && f.endsWith('.js'))) {
      expect(statSync(join(out, f)).size).toBeLessThan(2_000_000);
    }
  });

  it('keeps models and pixels out of main, and Electron out of the CLI and engine', () => {
    const main = importClosure(join(out, 'main', 'index.js'));
    expect(main).toContain('electron');
    expect(main).not.toContain('onnxruntime-node');
    expect(main).not.toContain('sharp');
    expect(importClosure(join(out, 'main', 'cli.js'))).not.toContain('electron');
    expect(importClosure(join(out, 'main', 'engine.js'))).not.toContain('electron');
  });

  it('ships the renderer with the same strict CSP the hosts send', () => {
    const html = read(join(out, 'renderer', 'index.html'));
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    // A meta CSP cannot carry frame-ancestors; everything else matches the Electron header.
    const header = rendererCsp({ imageScheme: IMAGE_SCHEME }).replace("; frame-ancestors 'none'", '');
    expect(meta).toBe(header);
    expect(meta).not.toMatch(/unsafe-(eval|inline)/);
    // The dev server's nonce (electron.vite.config.ts) is for `npm run dev` only, never built in.
    expect(html).not.toMatch(/nonce|csp-nonce/);
  });
});
