import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, parse } from 'node:path';
import { z } from 'zod';
import type { DirEntry, DirListing, OpenedFolder } from '../../shared/ipc';
import { isImageFileName } from '../../core/naming';
import { withRecentFolder } from '../../core/settings';
import { AppFailure, toAppError } from '../../core/result';
import { listImages } from '../../engine/images/list-images';
import type { LabelFolders } from '../label-dirs';
import { verb, type NamespaceVerbs } from '../verb';
import { folderPath, requireFolder, type HandlerDeps } from './common';

const MAX_LISTING = 5000;
const COUNT_LIMIT = 100_000;

type FolderDeps = Pick<HandlerDeps, 'grants' | 'settings' | 'labelFolders' | 'chooseFolder' | 'places'>;

/**
 * `folders:*`: the user's own acts on folders. Choosing (the native dialog), listing (the path
 * field's browser), granting (a folder a feature reads: Compare's frames) and opening (a folder of
 * images: granted, then described).
 */
export function foldersVerbs(deps: FolderDeps): NamespaceVerbs<'folders'> {
  const grant = async (path: string): Promise<string> => {
    const folder = await requireFolder(path);
    await deps.grants.add(folder);
    // Remembered for this run even where settings.json is not written (app:info says why).
    await deps.settings.replace(withRecentFolder(await deps.settings.get(), folder)).catch((e: unknown) => {
      if (deps.settings.saves) throw e;
    });
    return folder;
  };
  return {
    'folders:choose': verb(z.tuple([z.object({ title: z.string().optional() }).nullish()]), async (options) => {
      if (!deps.chooseFolder)
        throw new AppFailure('UNSUPPORTED', 'this host has no folder dialog; type a path instead');
      return deps.chooseFolder(options?.title === undefined ? {} : { title: options.title });
    }),
    'folders:grant': verb(z.tuple([folderPath]), async (path) => ({ path: await grant(path) })),
    'folders:open': verb(z.tuple([folderPath]), async (path) => describeFolder(await grant(path), deps.labelFolders)),
    'folders:list': verb(
      z.tuple([z.string({ error: 'a folder path or null is required' }).nullable()]),
      async (path) => {
        const settings = await deps.settings.get();
        const folder = path === null || path === '' ? homedir() : await requireFolder(path);
        return listFolder(folder, [
          { label: 'Home', path: homedir() },
          ...(deps.places?.() ?? []),
          ...settings.recentFolders.map((p) => ({ label: basename(p) || p, path: p })),
        ]);
      },
    ),
  };
}

/** An opened folder: its images counted (a bounded walk) and its label folders (chosen, else found). */
async function describeFolder(folder: string, labelFolders: LabelFolders): Promise<OpenedFolder> {
  const images = await listImages(folder, true, COUNT_LIMIT);
  const labels = await labelFolders.find(folder);
  return {
    path: folder,
    name: basename(folder) || folder,
    imageCount: images.length,
    labelDirs: {
      human: labels.human.found ? labels.human.path : null,
      predicted: labels.predicted.found ? labels.predicted.path : null,
    },
  };
}

async function listFolder(folder: string, places: DirListing['places']): Promise<DirListing> {
  const dirents = await readdir(folder, { withFileTypes: true }).catch((e: unknown) => {
    throw new AppFailure(
      toAppError(e).code === 'PERMISSION_DENIED' ? 'PERMISSION_DENIED' : 'IO_ERROR',
      `cannot read ${folder}`,
      {
        path: folder,
      },
    );
  });
  const entries: DirEntry[] = [];
  for (const d of dirents) {
    if (d.name.startsWith('.')) continue;
    const isDir =
      d.isDirectory() ||
      (d.isSymbolicLink() && (await stat(join(folder, d.name)).catch(() => null))?.isDirectory() === true);
    const image = !isDir && isImageFileName(d.name);
    if (!isDir && !image) continue;
    entries.push({ name: d.name, path: join(folder, d.name), kind: isDir ? 'dir' : 'file', image });
  }
  entries.sort((a, b) =>
    a.kind === b.kind ? a.name.localeCompare(b.name, undefined, { numeric: true }) : a.kind === 'dir' ? -1 : 1,
  );
  const root = parse(folder).root;
  const seen = new Set<string>();
  return {
    path: folder,
    parent: folder === root ? null : dirname(folder),
    entries: entries.slice(0, MAX_LISTING),
    truncated: Math.max(0, entries.length - MAX_LISTING),
    places: places.filter((p) => !seen.has(p.path) && seen.add(p.path)),
  };
}
