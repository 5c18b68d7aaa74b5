import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import type { FolderLabelDirs, LabelDirChoice, LabelDirInfo } from '../shared/review';
import { AppFailure } from '../core/result';
import { walkImages } from '../engine/images/list-images';
import type { LabelStore } from '../engine/labels/label-store';

/** The label folders' names (DESIGN.md): human labels, and the predictions beside them. */
export const LABEL_DIR_NAMES = { human: 'alignment_labels', predicted: 'alignment_labels_predicted' } as const;

export type LabelDirKind = keyof typeof LABEL_DIR_NAMES;
const KINDS: readonly LabelDirKind[] = ['human', 'predicted'];

/** The record of chosen label folders in the data folder. */
export const LABEL_DIR_CHOICES_FILE = 'label-folders.json';

/** Sibling folders looked at for sharing (a parent with thousands of folders is not walked whole). */
const MAX_SIBLINGS = 200;

const isDir = async (path: string): Promise<boolean> => (await stat(path).catch(() => null))?.isDirectory() === true;

/**
 * Where the label folders of an image folder are: the user's choice for it when there is one,
 * else inside it if present, else its siblings. The one rule for every reader and writer (the
 * review screen, the predict job's grants, imports, `folders:open`'s description), so all of them
 * find the same folders.
 */
export async function findLabelDirs(
  folder: string,
  choice: LabelDirChoice | null = null,
): Promise<Record<LabelDirKind, LabelDirInfo>> {
  const locate = async (kind: LabelDirKind): Promise<LabelDirInfo> => {
    const chosen = choice?.[kind];
    if (chosen) return { path: chosen, found: await isDir(chosen), source: 'chosen' };
    const inside = join(folder, LABEL_DIR_NAMES[kind]);
    if (await isDir(inside)) return { path: inside, found: true, source: 'inside' };
    const beside = join(dirname(folder), LABEL_DIR_NAMES[kind]);
    return { path: beside, found: await isDir(beside), source: 'beside' };
  };
  return { human: await locate('human'), predicted: await locate('predicted') };
}

const choiceSchema = z.object({
  human: z.string().min(1).nullable(),
  predicted: z.string().min(1).nullable(),
});
const fileSchema = z.object({ version: z.literal(1), folders: z.record(z.string(), choiceSchema) });
type ChoicesFile = z.infer<typeof fileSchema>;

/**
 * The label folders of every images folder: found by the rule, or chosen by the user and
 * remembered in the data folder (`label-folders.json`, keyed by the images folder's absolute
 * path). The record lives there, not in settings.json (a choice about one folder, not a
 * preference) nor in the images folder (which may be read-only, or shared with other tools); it is
 * written through the label store (a cross-process lock, compare-before-rename), so two windows
 * choosing for two folders never lose each other's choice. `file` null: no record (discovery only).
 */
export class LabelFolders {
  constructor(
    private readonly file: string | null,
    private readonly store: LabelStore,
  ) {}

  /** Every choice on record (a record that cannot be read is an error, never ignored). */
  async choices(): Promise<Record<string, LabelDirChoice>> {
    if (!this.file) return {};
    const text = await readFile(this.file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw new AppFailure('IO_ERROR', `cannot read ${this.file}: ${e.message}`, { path: this.file });
    });
    return text === null ? {} : this.parse(text).folders;
  }

  async choiceOf(folder: string): Promise<LabelDirChoice | null> {
    return (await this.choices())[folder] ?? null;
  }

  /** The folder's label folders, chosen or found (see `findLabelDirs`). */
  async find(folder: string): Promise<Record<LabelDirKind, LabelDirInfo>> {
    return findLabelDirs(folder, await this.choiceOf(folder));
  }

  /** Where the folder's human labels and predictions are read and written. */
  async dirs(folder: string): Promise<{ labelsDir: string; predictedDir: string }> {
    const dirs = await this.find(folder);
    return { labelsDir: dirs.human.path, predictedDir: dirs.predicted.path };
  }

  /**
   * Remember the folders chosen for an images folder (both null: forget the choice). Each chosen
   * folder must exist, and the two must differ (a prediction would land on a human label's file).
   */
  async choose(folder: string, choice: LabelDirChoice): Promise<void> {
    if (!this.file) throw new AppFailure('UNSUPPORTED', 'this host keeps no record of chosen label folders');
    for (const kind of KINDS) {
      const path = choice[kind];
      if (path !== null && !(await isDir(path)))
        throw new AppFailure('NOT_FOUND', `the ${describeKind(kind)} folder ${path} does not exist`, { path });
    }
    const next = await findLabelDirs(folder, choice);
    if (next.human.path === next.predicted.path)
      throw new AppFailure(
        'INVALID_ARGUMENT',
        `the human labels and the predictions cannot share one folder (${next.human.path}): a prediction would replace a label file`,
        { path: next.human.path },
      );
    await this.store.updateText(this.file, (text) => {
      const file: ChoicesFile = text === null ? { version: 1, folders: {} } : this.parse(text);
      if (choice.human === null && choice.predicted === null) delete file.folders[folder];
      else file.folders[folder] = { human: choice.human, predicted: choice.predicted };
      return JSON.stringify(file, null, 2) + '\n';
    });
  }

  /**
   * The folder's label folders with full paths and where each came from, and the other folders
   * of images that read and write the same ones: those that chose them, the folder holding one
   * (inside rule), and its siblings that find it by the beside rule (the usual way two folders of
   * photos end up sharing labels without anyone deciding it).
   */
  async describe(folder: string): Promise<FolderLabelDirs> {
    const choices = await this.choices();
    const dirs = await findLabelDirs(folder, choices[folder] ?? null);
    const candidates = new Set<string>(Object.keys(choices));
    for (const kind of KINDS) {
      const dir = dirs[kind].path;
      if (basename(dir) !== LABEL_DIR_NAMES[kind]) continue;
      const parent = dirname(dir);
      candidates.add(parent);
      const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
      for (const e of entries.slice(0, MAX_SIBLINGS)) {
        if (
          e.isDirectory() &&
          !e.name.startsWith('.') &&
          !(Object.values(LABEL_DIR_NAMES) as string[]).includes(e.name)
        )
          candidates.add(join(parent, e.name));
      }
    }
    candidates.delete(folder);
    const sharedWith: FolderLabelDirs['sharedWith'] = [];
    for (const other of [...candidates].sort()) {
      const theirs = await findLabelDirs(other, choices[other] ?? null);
      const shares = KINDS.filter((k) => theirs[k].path === dirs[k].path);
      if (shares.length === 0) continue;
      // Only a folder with images is another images folder (not a folder of exports or models);
      // the folder holding the label folders counts only with photos of its own, not its subfolders'.
      const holder = KINDS.some((k) => dirname(dirs[k].path) === other);
      if ((await walkImages(other, !holder, 1)).files.length === 0) continue;
      sharedWith.push({ path: other, shares });
    }
    return { imagesDir: folder, human: dirs.human, predicted: dirs.predicted, sharedWith };
  }

  private parse(text: string): ChoicesFile {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw this.unreadable(`not valid JSON (${(e as Error).message})`);
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) throw this.unreadable(parsed.error.issues[0]?.message ?? 'not a record of label folders');
    return parsed.data;
  }

  private unreadable(why: string): AppFailure {
    return new AppFailure(
      'IO_ERROR',
      `${this.file} is ${why}; fix or delete it (it records the label folders chosen for each images folder)`,
      { path: this.file },
    );
  }
}

function describeKind(kind: LabelDirKind): string {
  return kind === 'human' ? 'human labels' : 'predictions';
}

/** Where an images folder's human labels and predictions are read and written. */
export type LabelDirsOf = (folder: string) => Promise<{ labelsDir: string; predictedDir: string }>;

/** The label folders found by the rule alone (no choices on record: the CLI, tests). */
export const discoveredLabelDirs: LabelDirsOf = async (folder) => {
  const dirs = await findLabelDirs(folder);
  return { labelsDir: dirs.human.path, predictedDir: dirs.predicted.path };
};
