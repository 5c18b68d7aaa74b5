import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LabelProblem } from '../../shared/labels';
import { DEFAULT_NAMING_PATTERN } from '../../shared/settings';
import { validateLabelFile } from '../../core/formats/labels';
import { compileNamingPattern, identifyImage } from '../../core/naming';
import { LabelDir } from '../../engine/labels/label-dir';
import { UsageError, type CliIo } from '../context';

export const VALIDATE_HELP = `Usage: loupe validate <labels-dir> [options]

Check every {WATCH_ID}.json in a label folder: JSON schema, the five keypoints (top, bottom, left,
right, center; a record lacking some, as \`convert --from label-studio --allow-partial\` writes, is
a warning), coordinate ranges, image sizes, safe image names, that the images exist, and that keys
belong to the file's watch ID. Prints one line per problem; exits 1 if there is any error.

Options:
  --images-dir DIR      Where the images are (default: the images folder recorded by
                        \`loupe predict\` in the label folder, else ../downloaded_images)
  --naming-pattern RE   File-name pattern for the key check (default: Loupe's)
  --strict              Warnings fail too
  --json                Print the problems as JSON
  -h, --help            Show this help
`;

/** Where the images of a label folder are, when the user did not say. */
export function defaultImagesDir(labelsDir: string): string | null {
  const recorded = join(labelsDir, '.loupe-predict.json');
  if (existsSync(recorded)) {
    try {
      const dir = (JSON.parse(readFileSync(recorded, 'utf8')) as { imagesDir?: string }).imagesDir;
      if (dir && existsSync(dir)) return dir;
    } catch {
      // fall through
    }
  }
  const sibling = join(dirname(labelsDir), 'downloaded_images');
  return existsSync(sibling) && statSync(sibling).isDirectory() ? sibling : null;
}

export async function validateCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      'images-dir': { type: 'string' },
      'naming-pattern': { type: 'string' },
      strict: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.out(VALIDATE_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give one label folder: loupe validate <labels-dir>');
  const dir = resolve(positionals[0] as string);
  const labels = new LabelDir(dir);
  if (!(await labels.exists())) throw new UsageError(`not a folder: ${dir}`);
  const pattern = compileNamingPattern(values['naming-pattern'] ?? DEFAULT_NAMING_PATTERN);
  if (!pattern.ok) throw new UsageError(pattern.error.message);
  const imagesDir = values['images-dir'] ? resolve(values['images-dir']) : defaultImagesDir(dir);
  if (imagesDir && !existsSync(imagesDir)) throw new UsageError(`no such images folder: ${imagesDir}`);

  const problems: LabelProblem[] = [];
  let records = 0;
  const files = await labels.readAll();
  for (const file of files) {
    if (!file.labels) {
      problems.push(...file.problems);
      continue;
    }
    records += Object.keys(file.labels).length;
    problems.push(
      ...validateLabelFile(file.labels, {
        file: basename(file.path),
        watchId: file.watchId,
        imageKeyOf: (name) => {
          const id = identifyImage(name, pattern.value, '');
          return id.named ? id.imageKey : null;
        },
        ...(imagesDir ? { imageExists: (name: string) => existsSync(join(imagesDir, name)) } : {}),
      }),
    );
  }
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  if (values.json) {
    io.out(
      JSON.stringify({ dir, imagesDir, files: files.length, records, errors, warnings, problems }, null, 2) + '\n',
    );
  } else {
    for (const p of problems) io.out(`${p.file}${p.key ? ` ${p.key}` : ''}: ${p.severity}: ${p.message}\n`);
    if (!imagesDir)
      io.out('note: image references not checked (no --images-dir, none recorded, no ../downloaded_images)\n');
    io.out(
      `${files.length} file${files.length === 1 ? '' : 's'}, ${records} record${records === 1 ? '' : 's'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`,
    );
  }
  return errors > 0 || (values.strict && warnings > 0) ? 1 : 0;
}
