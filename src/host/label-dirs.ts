import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The label folders' names (DESIGN.md): human labels, and the predictions beside them. */
export const LABEL_DIR_NAMES = { human: 'alignment_labels', predicted: 'alignment_labels_predicted' } as const;

export interface LabelDirLocation {
  /** Inside the image folder when it is there, else beside it (where it is, or would be made). */
  path: string;
  /** Whether the folder exists (inside or beside). */
  found: boolean;
}

/**
 * Where the label folders of an image folder are: inside it if present, else its siblings. The
 * one rule for every reader and writer (the review screen, the predict job's grants, imports,
 * `folders:open`'s description), so all of them find the same folders.
 */
export async function findLabelDirs(folder: string): Promise<Record<keyof typeof LABEL_DIR_NAMES, LabelDirLocation>> {
  const isDir = async (path: string): Promise<boolean> => (await stat(path).catch(() => null))?.isDirectory() === true;
  const locate = async (name: string): Promise<LabelDirLocation> => {
    const inside = join(folder, name);
    if (await isDir(inside)) return { path: inside, found: true };
    const beside = join(dirname(folder), name);
    return { path: beside, found: await isDir(beside) };
  };
  return { human: await locate(LABEL_DIR_NAMES.human), predicted: await locate(LABEL_DIR_NAMES.predicted) };
}

/** The label folders of an image folder, found or to be made (see `findLabelDirs`). */
export async function keypointDirs(folder: string): Promise<{ labelsDir: string; predictedDir: string }> {
  const dirs = await findLabelDirs(folder);
  return { labelsDir: dirs.human.path, predictedDir: dirs.predicted.path };
}
