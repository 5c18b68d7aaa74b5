import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { EngineConfig } from '../../shared/engine-protocol';
import type { HostKind } from '../../shared/ipc';
import type { Result } from '../../shared/result';
import type { Settings } from '../../shared/settings';
import { AppFailure, unwrap } from '../../core/result';
import type { LabelStore } from '../../engine/labels/label-store';
import type { EngineClient } from '../engine-client';
import type { FolderGrants } from '../folder-grants';
import type { LabelFolders } from '../label-dirs';
import type { SettingsStore } from '../settings-store';

/** What the verb handlers work with; each module takes the part it needs. */
export interface HandlerDeps {
  engine: EngineClient;
  settings: SettingsStore;
  grants: FolderGrants;
  /** The host's one writer of label files (reviews from every window go through it). */
  labels: LabelStore;
  /** Each images folder's label folders: chosen by the user (label-folders.json), else found. */
  labelFolders: LabelFolders;
  host: { kind: HostKind; name: string; version: string; dataDir: string; cacheDir: string };
  /** Native folder dialog (Electron); absent in the web host. */
  chooseFolder?: (options: { title?: string }) => Promise<string | null>;
  /** Extra starting points for the folder browser (e.g. the bundled samples). */
  places?: () => { label: string; path: string }[];
  /** The engine configuration that follows from the settings (plus the host's own overrides). */
  engineConfig: (settings: Settings) => EngineConfig;
  /** Wall-clock time for what the verbs write (review timestamps, export dates). */
  now: () => Date;
}

/** The value of an engine answer, or its error thrown (the verb wrapper logs it, the caller gets it). */
export async function fromEngine<T>(answer: Promise<Result<T>>): Promise<T> {
  return unwrap(await answer);
}

/** Text that is not blank. */
export const text = (message: string) => z.string({ error: message }).refine((s) => s.trim() !== '', { message });

/** An absolute path (of a file the user named, or one to write). */
export const absolutePath = (message: string) => z.string({ error: message }).refine((p) => isAbsolute(p), { message });

/** A folder as the user typed it (`~` and relative forms are checked by `requireFolder`). */
export const folderPath = text('a folder path is required');

/** An optional boolean flag of a request. */
export const flag = (name: string) => z.boolean({ error: `${name} must be true or false` }).optional();

/** An existing folder: `~` expanded, absolute, resolved. */
export async function requireFolder(path: string): Promise<string> {
  const expanded = path.trim().replace(/^~(?=$|[\\/])/, homedir());
  if (!isAbsolute(expanded)) throw new AppFailure('INVALID_ARGUMENT', `not an absolute path: ${path}`);
  const folder = resolve(expanded);
  const st = await stat(folder).catch(() => null);
  if (!st) throw new AppFailure('NOT_FOUND', `no such folder: ${folder}`, { path: folder });
  if (!st.isDirectory()) throw new AppFailure('INVALID_ARGUMENT', `not a folder: ${folder}`, { path: folder });
  return folder;
}

/** An existing folder the user opened (or inside one); the path as given, resolved. */
export async function requireGranted(grants: FolderGrants, path: string): Promise<string> {
  const folder = await requireFolder(path);
  await grants.require(folder, { kind: 'folder' });
  return folder;
}
