import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ModelManifest } from '../../shared/model-manifest';
import type { ModelInfo } from '../../shared/models';
import type { AppError } from '../../shared/result';
import { modelKeypointMap } from '../../core/keypoints/model-keypoints';
import { describeModel, modelIdFromFileName, validateManifest } from '../../core/models/describe';
import { parseOnnxModel } from '../../core/onnx/model-info';
import { appError, AppFailure, toAppError } from '../../core/result';

export interface ModelSourceDirs {
  bundled: string | null;
  user: readonly string[];
}

interface HashEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

const MAX_DEPTH = 3;

/**
 * Finds models in the bundled folder and the user's folders: every `.onnx` file, with the
 * `model.json` beside it when there is one. A file that cannot be read is still listed, with the
 * reason, so the user sees why it is unusable.
 */
export class ModelCatalog {
  private readonly hashes = new Map<string, HashEntry>();

  async list(dirs: ModelSourceDirs): Promise<ModelInfo[]> {
    const found: { path: string; source: ModelInfo['source'] }[] = [];
    if (dirs.bundled) {
      for (const path of await findOnnxFiles(dirs.bundled)) found.push({ path, source: 'bundled' });
    }
    for (const dir of dirs.user) {
      for (const path of await findOnnxFiles(dir)) found.push({ path, source: 'user' });
    }
    const seenPaths = new Set<string>();
    const ids = new Map<string, number>();
    const out: ModelInfo[] = [];
    for (const f of found) {
      if (seenPaths.has(f.path)) continue;
      seenPaths.add(f.path);
      const info = await this.describe(f.path, f.source);
      const n = ids.get(info.id) ?? 0;
      ids.set(info.id, n + 1);
      if (n > 0) info.id = `${info.id}-${n + 1}`;
      out.push(info);
    }
    return out;
  }

  async get(dirs: ModelSourceDirs, id: string): Promise<ModelInfo> {
    const model = (await this.list(dirs)).find((m) => m.id === id);
    if (!model) throw new AppFailure('NOT_FOUND', `no model with id "${id}"`);
    return model;
  }

  /** Describe one .onnx file (and its manifest). */
  async describe(path: string, source: ModelInfo['source']): Promise<ModelInfo> {
    const fileName = basename(path);
    const { manifest, error: manifestError } = await readManifestFor(path);
    const fallbackId =
      fileName.toLowerCase() === 'model.onnx'
        ? modelIdFromFileName(basename(dirname(path)))
        : modelIdFromFileName(fileName);
    const base: ModelInfo = {
      id: manifest?.id ?? fallbackId,
      name: manifest?.displayName ?? fileName.replace(/\.onnx$/i, ''),
      source,
      path,
      task: manifest?.task ?? 'unknown',
      taskSource: manifest ? 'manifest' : 'unknown',
      layout: manifest?.output.layout ?? 'unknown',
      sizeBytes: 0,
      sha256: '',
      opset: null,
      producer: null,
      inputs: [],
      outputs: [],
      metadata: {},
      manifest,
      provider: null,
      loadMs: null,
      error: manifestError,
    };
    try {
      const st = await stat(path);
      base.sizeBytes = st.size;
      const bytes = await readFile(path);
      const info = parseOnnxModel(bytes);
      base.sha256 = this.hashOf(path, st.size, st.mtimeMs, bytes);
      const described = describeModel(info, manifest);
      base.task = described.task;
      base.taskSource = described.taskSource;
      base.layout = described.layout;
      base.opset = info.opset;
      base.producer = info.producerName ? `${info.producerName} ${info.producerVersion}`.trim() : null;
      base.inputs = info.inputs;
      base.outputs = info.outputs;
      base.metadata = info.metadata;
      // Pose models: which keypoints are Loupe's five (shown by `loupe models` and Models).
      const keypointMap = modelKeypointMap(base, null);
      if (keypointMap) base.keypointMap = keypointMap;
      const missing = [];
      for (const ext of info.externalData) {
        try {
          await stat(join(dirname(path), ext));
        } catch {
          missing.push(ext);
        }
      }
      if (missing.length > 0) {
        base.error = appError('MODEL_LOAD_FAILED', `external data file missing: ${missing.join(', ')}`, { missing });
      }
    } catch (e) {
      base.error = toAppError(e, 'MODEL_LOAD_FAILED');
      if (base.error.code === 'INTERNAL') base.error = { ...base.error, code: 'MODEL_LOAD_FAILED' };
    }
    return base;
  }

  private hashOf(path: string, size: number, mtimeMs: number, bytes: Uint8Array): string {
    const cached = this.hashes.get(path);
    if (cached && cached.size === size && cached.mtimeMs === mtimeMs) return cached.sha256;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    this.hashes.set(path, { size, mtimeMs, sha256 });
    return sha256;
  }
}

async function readManifestFor(onnxPath: string): Promise<{ manifest: ModelManifest | null; error: AppError | null }> {
  const manifestPath = join(dirname(onnxPath), 'model.json');
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch {
    return { manifest: null, error: null };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return {
      manifest: null,
      error: appError('INVALID_ARGUMENT', `model.json is not valid JSON: ${(e as Error).message}`, {
        path: manifestPath,
      }),
    };
  }
  const checked = validateManifest(json);
  if (!checked.ok)
    return { manifest: null, error: { ...checked.error, details: { ...checked.error.details, path: manifestPath } } };
  const file = checked.value.file ?? 'model.onnx';
  // A manifest describes one file; other .onnx files in the folder are described by their own metadata.
  if (file !== basename(onnxPath)) return { manifest: null, error: null };
  return { manifest: checked.value, error: null };
}

async function findOnnxFiles(root: string, depth = 0): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  const sorted = entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of sorted) {
    if (e.name.startsWith('.')) continue;
    const full = join(root, e.name);
    if (e.isFile() && e.name.toLowerCase().endsWith('.onnx')) out.push(full);
    else if (e.isDirectory() && depth < MAX_DEPTH && e.name !== 'node_modules')
      out.push(...(await findOnnxFiles(full, depth + 1)));
  }
  return out;
}
