import { createServer as createNetServer } from 'node:net';
import type { Browser, Page } from '@playwright/test';
import { resolveConfig } from 'electron-vite';
import { createServer, type ViteDevServer } from 'vite';
import { devRenderer, ELECTRON_CSP, electronCsp } from '../src/main/csp';
import { expect, launchChromium, repoRoot, test } from './fixtures';

/**
 * `npm run dev` as Electron runs it: the renderer from electron-vite's dev server (the project's
 * own config, so its html.cspNonce and dev CSP plugin), under the CSP header main sends for
 * ELECTRON_RENDERER_URL (src/main/csp.ts). No Electron binary is needed to see whether the
 * policy lets the dev server's inline preamble and injected styles run.
 */
test.describe('dev mode (ELECTRON_RENDERER_URL): the renderer under the dev CSP', () => {
  let server: ViteDevServer;
  let url: string;
  let browser: Browser;

  test.beforeAll(async ({ host }) => {
    test.skip(host !== 'web', 'host-independent: runs once, in the web project');
    const resolved = await resolveConfig({ root: repoRoot, mode: 'development', logLevel: 'warn' }, 'serve');
    const renderer = resolved.config?.renderer ?? {};
    server = await createServer({
      ...renderer,
      configFile: false,
      logLevel: 'warn',
      // A fixed port, as `npm run dev` has (the HMR client is told the configured one, so not 0).
      server: { ...renderer.server, host: '127.0.0.1', port: await freePort(), strictPort: true },
    });
    await server.listen();
    url = server.resolvedUrls?.local[0] ?? '';
    browser = await launchChromium();
  });
  test.afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Open the dev server's page with `csp` as the document's header, as main's onHeadersReceived sets it. */
  async function open(csp: string): Promise<{ page: Page; violations: string[]; errors: string[] }> {
    const page = await browser.newPage();
    const violations: string[] = [];
    const errors: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/.test(m.text())) violations.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route(
      (u) => u.href === url,
      async (route) => {
        const response = await route.fetch();
        await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': csp } });
      },
    );
    await page.goto(url);
    return { page, violations, errors };
  }

  test('renders the app: the preamble and injected styles carry the nonce main allows', async () => {
    test.setTimeout(120_000);
    // The nonce the dev config handed on (as electron-vite passes its environment to Electron).
    const dev = devRenderer(
      { ELECTRON_RENDERER_URL: url, LOUPE_DEV_CSP_NONCE: process.env.LOUPE_DEV_CSP_NONCE },
      false,
    );
    const { page, violations, errors } = await open(electronCsp(dev));
    // The app shell rendered (React ran), and the stylesheet Vite injects applied.
    await expect(page.getByRole('button', { name: 'Compare' })).toBeVisible({ timeout: 60_000 });
    await expect
      .poll(() => page.evaluate(() => getComputedStyle(document.body).backgroundColor), { timeout: 30_000 })
      .not.toBe('rgba(0, 0, 0, 0)');
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('the production policy would leave the window blank (why dev mode has its own)', async () => {
    test.setTimeout(120_000);
    const { page, violations, errors } = await open(ELECTRON_CSP);
    await expect.poll(() => violations.join('\n'), { timeout: 30_000 }).toMatch(/inline script.*'script-src 'self''/);
    // Without React's refresh preamble the app's entry module throws, and nothing renders.
    await expect.poll(() => errors.join('\n'), { timeout: 30_000 }).toMatch(/preamble/);
    await expect(page.locator('#root')).toBeEmpty();
    await page.close();
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
