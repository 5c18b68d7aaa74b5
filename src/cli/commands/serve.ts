import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startWebHost } from '../../web/server/web-host';
import { cliHost, HOST_OPTIONS, UsageError, type CliIo, type CliLocations } from '../context';

export const SERVE_HELP = `Usage: loupe serve [options]

Serve Loupe to a browser on 127.0.0.1, for headless GPU servers (review from a laptop through
an SSH tunnel: ssh -L 4173:127.0.0.1:4173 server) and for end-to-end tests. The printed URL
carries a random token; requests without it are refused (401).

Options:
  --port N            Port on 127.0.0.1 (default 4173; 0 picks a free one)
  --open              Open the URL in the default browser
  --image-port N      Serve images from this second port (a second origin, 0 = any free one), as the
                      desktop app serves them from its own scheme: tests use it to meet the
                      desktop app's cross-origin rules in a browser
  --device D          auto | coreml | cuda | webgpu | dml | cpu (default: the settings' device)
  --models-dir DIR    Also offer the models in DIR (repeatable)
  --data-dir DIR      Settings, job journal and caches (default: $LOUPE_DATA_DIR or the platform config folder)
  -h, --help          Show this help
`;

export async function serveCommand(
  argv: string[],
  io: CliIo,
  loc: CliLocations,
  waitForStop: () => Promise<void>,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...HOST_OPTIONS,
      port: { type: 'string' },
      'image-port': { type: 'string' },
      open: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.out(SERVE_HELP);
    return 0;
  }
  const port = values.port === undefined ? 4173 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError('--port must be a port number (0-65535)');
  }
  const imagePort = values['image-port'] === undefined ? undefined : Number(values['image-port']);
  if (imagePort !== undefined && (!Number.isInteger(imagePort) || imagePort < 0 || imagePort > 65535)) {
    throw new UsageError('--image-port must be a port number (0-65535)');
  }
  const host = await cliHost(values, io, loc, { interactive: true });
  await host.engine.start();
  const web = await startWebHost({
    port,
    rendererDir: loc.rendererDir,
    token: randomBytes(24).toString('base64url'),
    handlers: host.handlers,
    subscribe: (listener) => host.engine.subscribe(listener),
    images: host.images,
    ...(imagePort === undefined ? {} : { imagePort }),
  }).catch(async (e: unknown) => {
    await host.stop();
    const code = (e as { code?: string }).code;
    throw code === 'EADDRINUSE'
      ? new UsageError(
          imagePort === undefined
            ? `port ${port} is in use; pick another with --port (0 = any free port)`
            : `port ${port} or ${imagePort} is in use; pick others with --port and --image-port (0 = any free port)`,
        )
      : e;
  });
  io.out(`Loupe is serving on ${web.url}\n`);
  if (web.imageOrigin) io.out(`Images are served from ${web.imageOrigin} (a second origin).\n`);
  io.out(
    'Only this machine can connect (127.0.0.1). From a laptop: ssh -L PORT:127.0.0.1:PORT this-host, then open the URL.\n',
  );
  io.out('Press Ctrl+C to stop.\n');
  if (values.open) openInBrowser(web.url);
  await waitForStop();
  io.out('Stopping…\n');
  await web.close();
  await host.stop();
  return 0;
}

function openInBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  const child = spawn(cmd as string, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}
