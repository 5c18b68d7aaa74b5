#!/usr/bin/env node
// The `loupe` command. The CLI is built with the app (npm install runs the build).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('loupe: the CLI is not built yet. Run `npm run build` in the Loupe folder.\n');
  process.exit(1);
}
await import(cli);
