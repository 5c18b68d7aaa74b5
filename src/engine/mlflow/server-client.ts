import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { parse as parseYaml } from 'yaml';
import type { MetricPoint, MlflowRun, ModelArtifact } from '../../shared/mlflow';
import { onnxFileFromMlmodel, runStatus } from '../../core/mlflow/format';
import { AppFailure } from '../../core/result';
import { writeJsonAtomic } from '../fs/atomic';
import type { MlflowSource } from '../restore/sources';

export interface MlflowServerOptions {
  uri: string;
  /** MLFLOW_TRACKING_TOKEN: sent as a bearer token. */
  token?: string;
  /** MLFLOW_TRACKING_USERNAME / PASSWORD: basic auth. */
  username?: string;
  password?: string;
  timeoutMs?: number;
  retries?: number;
  /** Downloaded models, by content hash. */
  cacheDir: string;
  fetchImpl?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** runs/search page size (MLflow allows up to 1000). */
  pageSize?: number;
}

interface RestRun {
  info: {
    run_id?: string;
    run_uuid?: string;
    run_name?: string;
    experiment_id: string;
    status?: string;
    start_time?: number | string;
    end_time?: number | string;
    artifact_uri?: string;
    lifecycle_stage?: string;
    user_id?: string;
  };
  data?: {
    metrics?: { key: string; value: number; timestamp?: number | string; step?: number | string }[];
    params?: { key: string; value: string }[];
    tags?: { key: string; value: string }[];
  };
}

interface CacheIndex {
  /** `${runId}\0${path}\0${size}` → sha256 of the file. */
  entries: Record<string, string>;
}

const PAGE = 1000;

/**
 * An MLflow tracking server through its documented REST API (2.0): experiments/get-by-name,
 * runs/search (status filter, newest first, paged), artifacts/list, and downloads through
 * get-artifact or the mlflow-artifacts proxy. Bearer or basic auth from the usual environment
 * variables; timeouts; retries with backoff on network errors, 429 and 5xx. Models land in a cache
 * keyed by content hash and are not fetched again on the next run.
 */
export class MlflowServerClient implements MlflowSource {
  readonly uri: string;
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: MlflowServerOptions) {
    this.uri = options.uri;
    this.base = options.uri.replace(/\/+$/, '');
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Options from the standard MLflow environment variables. */
  static fromEnv(uri: string, cacheDir: string, env: NodeJS.ProcessEnv = process.env): MlflowServerClient {
    return new MlflowServerClient({
      uri,
      cacheDir,
      ...(env.MLFLOW_TRACKING_TOKEN ? { token: env.MLFLOW_TRACKING_TOKEN } : {}),
      ...(env.MLFLOW_TRACKING_USERNAME
        ? { username: env.MLFLOW_TRACKING_USERNAME, password: env.MLFLOW_TRACKING_PASSWORD ?? '' }
        : {}),
      ...(env.MLFLOW_HTTP_REQUEST_TIMEOUT ? { timeoutMs: Number(env.MLFLOW_HTTP_REQUEST_TIMEOUT) * 1000 } : {}),
      ...(env.MLFLOW_HTTP_REQUEST_MAX_RETRIES ? { retries: Number(env.MLFLOW_HTTP_REQUEST_MAX_RETRIES) } : {}),
    });
  }

  async experimentByName(name: string): Promise<{ experimentId: string; name: string } | null> {
    const res = await this.request(
      'GET',
      `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
    );
    if (res.status === 404) return null;
    const body = (await this.json(res)) as { experiment?: { experiment_id: string; name: string } };
    return body.experiment ? { experimentId: body.experiment.experiment_id, name: body.experiment.name } : null;
  }

  async runs(
    experimentId: string,
    query: { status?: MlflowRun['status'] | null; maxResults?: number },
  ): Promise<MlflowRun[]> {
    const out: MlflowRun[] = [];
    let pageToken: string | undefined;
    do {
      const page = this.options.pageSize ?? PAGE;
      const want = query.maxResults !== undefined ? Math.min(page, query.maxResults - out.length) : page;
      if (want <= 0) break;
      const res = await this.request('POST', '/api/2.0/mlflow/runs/search', {
        experiment_ids: [experimentId],
        filter: query.status ? `attributes.status = '${query.status}'` : '',
        run_view_type: 'ACTIVE_ONLY',
        max_results: want,
        order_by: ['attributes.start_time DESC'],
        ...(pageToken ? { page_token: pageToken } : {}),
      });
      const body = (await this.json(res)) as { runs?: RestRun[]; next_page_token?: string };
      for (const r of body.runs ?? []) out.push(toRun(r));
      pageToken = body.next_page_token || undefined;
    } while (pageToken);
    return query.maxResults !== undefined ? out.slice(0, query.maxResults) : out;
  }

  async modelArtifact(run: MlflowRun): Promise<ModelArtifact> {
    const files = await this.listAll(run, '');
    const mlmodels = files
      .filter((f) => posix.basename(f.path) === 'MLmodel')
      .map((f) => f.path)
      .sort();
    for (const mlmodelPath of mlmodels) {
      const spec = parseYaml((await (await this.download(run, mlmodelPath)).text()) || '{}') as Record<string, unknown>;
      const data = onnxFileFromMlmodel(spec ?? {});
      if (!data) continue;
      const onnxPath = posix.join(posix.dirname(mlmodelPath), data);
      const file = files.find((f) => f.path === onnxPath);
      if (!file)
        return { ok: false, reason: `${mlmodelPath} declares ${data}, which is not among the run's artifacts` };
      const siblings = files.filter(
        (f) => posix.dirname(f.path) === posix.dirname(onnxPath) && f.path !== onnxPath && !f.path.endsWith('MLmodel'),
      );
      return {
        ok: true,
        path: await this.fetchModel(run, file, siblings),
        mlmodel: mlmodelPath,
        source: 'run-artifacts',
      };
    }
    const bare = files
      .filter((f) => f.path.toLowerCase().endsWith('.onnx'))
      .sort((a, b) => a.path.localeCompare(b.path))[0];
    if (bare) return { ok: true, path: await this.fetchModel(run, bare, []), mlmodel: null, source: 'run-artifacts' };
    return {
      ok: false,
      reason: mlmodels.length
        ? 'the run logged a model without the onnx flavor'
        : 'no ONNX model among the run’s artifacts',
    };
  }

  // --- artifacts --------------------------------------------------------------------------------

  private async listAll(run: MlflowRun, path: string, depth = 0): Promise<{ path: string; size: number }[]> {
    const res = await this.request(
      'GET',
      `/api/2.0/mlflow/artifacts/list?run_id=${encodeURIComponent(run.runId)}${path ? `&path=${encodeURIComponent(path)}` : ''}`,
    );
    const body = (await this.json(res)) as { files?: { path: string; is_dir: boolean; file_size?: number | string }[] };
    const out: { path: string; size: number }[] = [];
    for (const f of body.files ?? []) {
      if (f.is_dir) {
        if (depth < 4) out.push(...(await this.listAll(run, f.path, depth + 1)));
      } else out.push({ path: f.path, size: Number(f.file_size ?? -1) });
    }
    return out;
  }

  private download(run: MlflowRun, path: string): Promise<Response> {
    const proxied = /^mlflow-artifacts:/.test(run.artifactUri);
    if (proxied) {
      const root = run.artifactUri.replace(/^mlflow-artifacts:(\/\/[^/]*)?\/?/, '');
      return this.request(
        'GET',
        `/api/2.0/mlflow-artifacts/artifacts/${posix.join(root, path).split('/').map(encodeURIComponent).join('/')}`,
      );
    }
    return this.request(
      'GET',
      `/get-artifact?path=${encodeURIComponent(path)}&run_uuid=${encodeURIComponent(run.runId)}`,
    );
  }

  /**
   * The model file (and its external-data siblings) in the cache. A file already fetched for the
   * same run, path and size is not fetched again; otherwise it is streamed to a temp file, hashed,
   * and moved to `<cache>/<sha256>/<name>`.
   */
  private async fetchModel(
    run: MlflowRun,
    file: { path: string; size: number },
    siblings: { path: string; size: number }[],
  ): Promise<string> {
    const index = await this.readIndex();
    const key = (f: { path: string; size: number }): string => `${this.base}\0${run.runId}\0${f.path}\0${f.size}`;
    const cached = index.entries[key(file)];
    if (cached) {
      const path = join(this.options.cacheDir, cached, posix.basename(file.path));
      if ((await stat(path).catch(() => null))?.isFile()) return path;
    }
    const dir = join(this.options.cacheDir, `.partial-${randomBytes(6).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    try {
      const sha = await this.saveTo(run, file.path, join(dir, posix.basename(file.path)));
      for (const s of siblings) await this.saveTo(run, s.path, join(dir, posix.basename(s.path)));
      const final = join(this.options.cacheDir, sha);
      if (!(await stat(final).catch(() => null))) await rename(dir, final);
      index.entries[key(file)] = sha;
      await writeJsonAtomic(join(this.options.cacheDir, 'index.json'), index);
      return join(final, posix.basename(file.path));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async saveTo(run: MlflowRun, path: string, dest: string): Promise<string> {
    const res = await this.download(run, path);
    if (!res.ok || !res.body) throw new AppFailure('IO_ERROR', `download of ${path} failed: HTTP ${res.status}`);
    const hash = createHash('sha256');
    const body = Readable.fromWeb(res.body as NodeReadableStream);
    body.on('data', (chunk: Buffer) => hash.update(chunk));
    await pipeline(body, createWriteStream(dest));
    return hash.digest('hex');
  }

  private async readIndex(): Promise<CacheIndex> {
    try {
      return JSON.parse(await readFile(join(this.options.cacheDir, 'index.json'), 'utf8')) as CacheIndex;
    } catch {
      return { entries: {} };
    }
  }

  // --- HTTP -------------------------------------------------------------------------------------

  private headers(json: boolean): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json' };
    if (json) h['content-type'] = 'application/json';
    if (this.options.token) h.authorization = `Bearer ${this.options.token}`;
    else if (this.options.username !== undefined) {
      h.authorization = `Basic ${Buffer.from(`${this.options.username}:${this.options.password ?? ''}`).toString('base64')}`;
    }
    return h;
  }

  /** One request with timeout and retries (network errors, 429, 5xx); 4xx other than 404 fail. */
  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    const retries = this.options.retries ?? 3;
    let lastError = '';
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await this.sleep(Math.min(8000, 250 * 2 ** (attempt - 1)));
      let res: Response;
      try {
        res = await this.fetchImpl(this.base + path, {
          method,
          headers: this.headers(body !== undefined),
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
        });
      } catch (e) {
        lastError = (e as Error).name === 'TimeoutError' ? 'timed out' : (e as Error).message;
        continue;
      }
      if (res.status === 429 || res.status >= 500) {
        lastError = `HTTP ${res.status}`;
        await res.body?.cancel();
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        throw new AppFailure(
          'UNAUTHORIZED',
          `${this.base} refused the credentials (HTTP ${res.status}); set MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD`,
        );
      }
      if (!res.ok && res.status !== 404) {
        const text = await res.text().catch(() => '');
        throw new AppFailure('IO_ERROR', `${method} ${path} failed: HTTP ${res.status} ${text.slice(0, 200)}`);
      }
      return res;
    }
    throw new AppFailure(
      'IO_ERROR',
      `${this.base} did not answer ${method} ${path.split('?')[0]} after ${retries + 1} attempts (${lastError})`,
    );
  }

  private async json(res: Response): Promise<unknown> {
    if (res.status === 404) throw new AppFailure('NOT_FOUND', `${res.url}: not found`);
    return res.json();
  }
}

function toRun(r: RestRun): MlflowRun {
  const metrics: Record<string, MetricPoint> = {};
  for (const m of r.data?.metrics ?? [])
    metrics[m.key] = { value: Number(m.value), timestamp: Number(m.timestamp ?? 0), step: Number(m.step ?? 0) };
  const params = Object.fromEntries((r.data?.params ?? []).map((p) => [p.key, p.value]));
  const tags = Object.fromEntries((r.data?.tags ?? []).map((t) => [t.key, t.value]));
  const runId = r.info.run_id ?? r.info.run_uuid ?? '';
  const num = (v: unknown): number | null => (v === undefined || v === null || v === '' ? null : Number(v));
  return {
    runId,
    runName: r.info.run_name || tags['mlflow.runName'] || runId,
    experimentId: r.info.experiment_id,
    status: runStatus(r.info.status) ?? 'RUNNING',
    startTime: num(r.info.start_time),
    endTime: num(r.info.end_time),
    lifecycleStage: r.info.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    userId: r.info.user_id ?? '',
    artifactUri: r.info.artifact_uri ?? '',
    params,
    metrics,
    tags,
  };
}
