import type { Result } from '../shared/result';
import { err, ok } from './result';

/** Extensions Loupe reads as images (sharp/libvips decoders present in every build). */
export const IMAGE_EXTENSIONS: readonly string[] = [
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.tif',
  '.tiff',
  '.bmp',
  '.gif',
  '.avif',
];

/** A file name without its extension ("clip.v2.png" → "clip.v2"; a leading dot is not one). */
export function fileStem(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** A file name's extension, lower case, with its dot (".png"), or "" when it has none. */
export function fileExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

export function isImageFileName(name: string): boolean {
  if (name.startsWith('.')) return false; // macOS resource forks (._x.jpg), hidden files
  return IMAGE_EXTENSIONS.includes(fileExtension(name));
}

export interface ImageIdentity {
  /** Key of the image in label files, e.g. PATEK_nab_001_03. */
  imageKey: string;
  /** Label file name (without .json), e.g. PATEK_nab_001. */
  watchId: string;
  /** Template model, e.g. nab; null when the name did not match. */
  templateModel: string | null;
  /** The file name matched the naming pattern. */
  named: boolean;
}

/** Compile a naming pattern; it must have `imageKey` and `watchId` groups. */
export function compileNamingPattern(pattern: string): Result<RegExp> {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (e) {
    return err('INVALID_ARGUMENT', `naming pattern is not a valid regular expression: ${(e as Error).message}`);
  }
  for (const group of ['imageKey', 'watchId']) {
    if (!pattern.includes(`(?<${group}>`)) {
      return err('INVALID_ARGUMENT', `naming pattern needs a named group (?<${group}>…)`);
    }
  }
  return ok(re);
}

/**
 * Identify an image from its path relative to the opened folder. Names that do not match the
 * pattern are never dropped: their key is the file stem and their group is their folder's name.
 */
export function identifyImage(relPath: string, pattern: RegExp, rootName: string): ImageIdentity {
  const parts = relPath.split(/[\\/]/);
  const fileName = parts[parts.length - 1] ?? relPath;
  const stem = fileStem(fileName);
  const m = pattern.exec(stem);
  const groups = m?.groups;
  if (groups?.imageKey && groups.watchId) {
    return {
      imageKey: groups.imageKey,
      watchId: groups.watchId,
      templateModel: groups.templateModel ?? null,
      named: true,
    };
  }
  const folder = parts.length > 1 ? (parts[parts.length - 2] as string) : rootName;
  return { imageKey: stem, watchId: folder, templateModel: null, named: false };
}

/** How one sample name parses: what Settings' live preview shows for it. */
export interface NamingPreviewRow extends ImageIdentity {
  /** The name as given (a path relative to its folder, or a bare file name). */
  name: string;
  /**
   * Which view of the watch the image is: the pattern's `view` group when it has one, else what
   * the image key adds to the watch ID (`PATEK_nab_001_03` of `PATEK_nab_001` → `03`); null when
   * the name did not match.
   */
  view: string | null;
}

/**
 * Parse sample names with a pattern as the folder would (`identifyImage`): one row per name, or
 * the pattern's error. Unmatched names show the folder name they are grouped under (`rootName`
 * for names directly in the folder).
 */
export function previewNaming(pattern: string, names: readonly string[], rootName: string): Result<NamingPreviewRow[]> {
  const compiled = compileNamingPattern(pattern);
  if (!compiled.ok) return compiled;
  return ok(
    names.map((name) => {
      const id = identifyImage(name, compiled.value, rootName);
      const stem = fileStem(name.split(/[\\/]/).pop() ?? name);
      return { name, ...id, view: id.named ? viewOf(compiled.value.exec(stem)?.groups, id) : null };
    }),
  );
}

function viewOf(groups: Record<string, string | undefined> | undefined, id: ImageIdentity): string | null {
  if (groups?.view) return groups.view;
  if (id.imageKey === id.watchId || !id.imageKey.startsWith(id.watchId)) return null;
  return id.imageKey.slice(id.watchId.length).replace(/^[_\-.\s]+/, '') || null;
}
