import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import yauzl from 'yauzl';
import type { TorchModelKind } from '../../shared/pytorch';
import { classifyTorchArchive } from '../../core/mlflow/run-models';
import { writeJsonAtomic } from '../fs/atomic';

/** Largest data.pkl read to classify an archive (a checkpoint's pickle of names and offsets). */
const MAX_PICKLE_BYTES = 4 << 20;

/**
 * What a local PyTorch file is, from its zip directory (yauzl) and its top pickle: TorchScript, a
 * checkpoint dict, a whole pickled module, or unknown (a legacy non-zip torch.save). Never runs the
 * pickle: it only reads names.
 */
export async function sniffTorchFile(path: string): Promise<Exclude<TorchModelKind, 'mlflow-pytorch'>> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false });
  } catch {
    return 'torch-file';
  }
  try {
    const names: string[] = [];
    let pickle: yauzl.Entry | null = null;
    for await (const entry of zip.eachEntry()) {
      names.push(entry.fileName);
      if (entry.fileName.endsWith('/data.pkl') && entry.fileName.split('/').length === 2) pickle = entry;
    }
    if (!pickle || pickle.uncompressedSize > MAX_PICKLE_BYTES) return classifyTorchArchive(names, null);
    const chunks: Buffer[] = [];
    for await (const c of await zip.openReadStreamPromise(pickle)) chunks.push(c as Buffer);
    return classifyTorchArchive(names, Buffer.concat(chunks));
  } catch {
    return 'torch-file';
  } finally {
    zip.close();
  }
}

/**
 * sha256 of a file, or of a folder's files (sorted relative paths and contents): the identity of a
 * model artifact for the export cache.
 */
export async function hashArtifact(path: string): Promise<string> {
  const st = await stat(path);
  const hash = createHash('sha256');
  if (st.isFile()) {
    await hashFileInto(hash, path);
    return hash.digest('hex');
  }
  for (const file of await listFiles(path)) {
    hash.update(`${relative(path, file).split(sep).join('/')}\0`);
    await hashFileInto(hash, file);
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * hashArtifact with a memory: a file or folder whose files have the same paths, sizes and mtimes
 * as when it was hashed is not read again. Listing an experiment asks for the hash of every
 * PyTorch model (is its export cached?), and checkpoints are hundreds of megabytes. The index is
 * kept in a JSON file so a CLI run (a new engine each time) benefits too.
 */
export class ArtifactHasher {
  private index: Promise<Record<string, { stamp: string; sha256: string }>> | null = null;

  constructor(private readonly indexPath: () => string) {}

  async hash(path: string): Promise<string> {
    const stamp = await stampOf(path);
    const index = await this.load();
    const known = index[path];
    if (known && known.stamp === stamp) return known.sha256;
    const sha256 = await hashArtifact(path);
    index[path] = { stamp, sha256 };
    await writeJsonAtomic(this.indexPath(), index).catch(() => undefined); // a lost entry only costs a re-hash
    return sha256;
  }

  private load(): Promise<Record<string, { stamp: string; sha256: string }>> {
    this.index ??= readFile(this.indexPath(), 'utf8')
      .then((t) => JSON.parse(t) as Record<string, { stamp: string; sha256: string }>)
      .catch(() => ({}));
    return this.index;
  }
}

/** What identifies a file's or folder's content without reading it: paths, sizes, mtimes. */
async function stampOf(path: string): Promise<string> {
  const st = await stat(path);
  const one = (s: { size: number; mtimeMs: number }): string => `${s.size}:${Math.round(s.mtimeMs)}`;
  if (st.isFile()) return one(st);
  const parts: string[] = [];
  for (const file of await listFiles(path)) parts.push(`${relative(path, file)}=${one(await stat(file))}`);
  return createHash('sha1').update(parts.join('\n')).digest('hex');
}

async function hashFileInto(hash: ReturnType<typeof createHash>, file: string): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    // Python's bytecode caches appear once the model has been loaded; they are not the model.
    if (e.name === '__pycache__' || e.name.endsWith('.pyc')) continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(full)));
    else if (e.isFile()) out.push(full);
  }
  return out;
}
