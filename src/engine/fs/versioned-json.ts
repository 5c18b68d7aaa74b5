import { readFile } from 'node:fs/promises';

/**
 * A JSON file Loupe wrote itself (a progress file, a manifest), read back: the parsed value
 * when `guard` accepts it, else null. The guard checks the `version` it knows and the fields it
 * needs, so what comes back is typed without a cast. A missing or unreadable file, malformed JSON
 * or a file of another version all read as null: the caller falls back (starts afresh), never
 * fails on a file it can rewrite.
 */
export async function readVersionedJson<T>(path: string, guard: (value: unknown) => value is T): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  return parseVersionedJson(text, guard);
}

/** {@link readVersionedJson} for text already read (null: no file). */
export function parseVersionedJson<T>(text: string | null, guard: (value: unknown) => value is T): T | null {
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return guard(value) ? value : null;
}
