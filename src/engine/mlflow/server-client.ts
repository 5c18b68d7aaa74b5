import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { parse as parseYaml } from 'yaml';
import type { MetricPoint, MlflowRun, ModelArtifact, RunStatus } from '../../shared/mlflow';
import { runStatus } from '../../core/mlflow/format';
import {
  chooseRunModel,
  describeFound,
  findRunModels,
  foundPath,
  type LocatedModels,
} from '../../core/mlflow/run-models';
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
  /**
   * Bound on one request, all its attempts together: connecting, the answer's headers and a JSON
   * answer's body (default 15 s). A download's body is bounded by the same time without data.
   */
  timeoutMs?: number;
  retries?: number;
  /** Downloaded models, by content hash. */
  cacheDir: string;
  fetchImpl?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
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

interface RestLoggedModel {
  info?: { model_id?: string; source_run_id?: string; name?: string; artifact_uri?: string; status?: string };
}

/** Where a model's files are on the server: a run's artifacts, or a logged model's. */
interface ArtifactPlace {
  source: 'run-artifacts' | 'logged-model';
  id: string | null;
  /** Identifies the place in the download cache's index. */
  key: string;
  /** The listing request for a folder (REST path with query). */
  list: (path: string) => string;
  /** `stream`: a model file, read as it arrives (bounded by time without data, not in all). */
  download: (path: string, stream?: boolean) => Promise<Response>;
}

interface CacheIndex {
  /** `${runId}\0${path}\0${size}` → sha256 of the file. */
  entries: Record<string, string>;
}

const PAGE = 1000;

/** How long one request to a tracking server may take by default, retries included. */
export const DEFAULT_MLFLOW_TIMEOUT_MS = 15_000;

/** Per-client options a Loupe job can set (over the MLFLOW_* environment variables). */
export interface MlflowClientOverrides {
  timeoutMs?: number;
}

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
  private readonly now: () => number;
  private readonly timeoutMs: number;
  /** Logged models per experiment, searched once per client. */
  private readonly loggedModels = new Map<string, Promise<NonNullable<RestLoggedModel['info']>[]>>();

  constructor(private readonly options: MlflowServerOptions) {
    this.uri = options.uri;
    this.base = options.uri.replace(/\/+$/, '');
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = options.now ?? Date.now;
    const t = options.timeoutMs;
    this.timeoutMs = t !== undefined && Number.isFinite(t) && t > 0 ? t : DEFAULT_MLFLOW_TIMEOUT_MS;
  }

  /**
   * Options from the standard MLflow environment variables (MLFLOW_HTTP_REQUEST_TIMEOUT in
   * seconds bounds a request, retries included), `overrides` (a job's own) over them.
   */
  static fromEnv(
    uri: string,
    cacheDir: string,
    env: NodeJS.ProcessEnv = process.env,
    overrides: MlflowClientOverrides = {},
  ): MlflowServerClient {
    return new MlflowServerClient({
      uri,
      cacheDir,
      ...(env.MLFLOW_TRACKING_TOKEN ? { token: env.MLFLOW_TRACKING_TOKEN } : {}),
      ...(env.MLFLOW_TRACKING_USERNAME
        ? { username: env.MLFLOW_TRACKING_USERNAME, password: env.MLFLOW_TRACKING_PASSWORD ?? '' }
        : {}),
      ...(env.MLFLOW_HTTP_REQUEST_TIMEOUT ? { timeoutMs: Number(env.MLFLOW_HTTP_REQUEST_TIMEOUT) * 1000 } : {}),
      ...(env.MLFLOW_HTTP_REQUEST_MAX_RETRIES ? { retries: Number(env.MLFLOW_HTTP_REQUEST_MAX_RETRIES) } : {}),
      ...(overrides.timeoutMs !== undefined ? { timeoutMs: overrides.timeoutMs } : {}),
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

  async runs(experimentId: string, query: { status?: RunStatus | null; maxResults?: number }): Promise<MlflowRun[]> {
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

  /**
   * Every model the run holds, in its artifacts and in its MLflow 3 logged models
   * (`logged-models/search`), from the artifact listings and the MLmodel files: no weights are
   * downloaded to say what a run holds.
   */
  async runModels(run: MlflowRun): Promise<LocatedModels[]> {
    const out: LocatedModels[] = [];
    for (const place of [this.runPlace(run), ...(await this.loggedPlaces(run))]) {
      const files = await this.listAll(place, '');
      out.push({
        source: place.source,
        id: place.id,
        found: await findRunModels(files, async (path) => {
          const res = await place.download(path);
          if (!res.ok) return null;
          const spec = parseYaml((await res.text()) || '{}') as unknown;
          return spec && typeof spec === 'object' ? (spec as Record<string, unknown>) : null;
        }),
        note: files.length === 0 ? 'no artifacts' : 'its artifacts hold none',
      });
    }
    return out;
  }

  /** The run's model, downloaded into the cache (once: a second call finds it there). */
  async modelArtifact(run: MlflowRun, nestedRuns = 0): Promise<ModelArtifact> {
    const located = await this.runModels(run);
    const choice = chooseRunModel(located, run, nestedRuns);
    if (!choice.ok) return choice;
    const place =
      choice.source === 'run-artifacts'
        ? this.runPlace(run)
        : (await this.loggedPlaces(run)).find((p) => p.id === choice.id)!;
    const model = choice.model;
    const files = await this.listAll(place, '');
    let local: string;
    let mlmodel: string | null = null;
    if (model.kind === 'mlflow-pytorch') {
      // The whole MLflow model folder: MLmodel, data/, code/.
      const inDir = files.filter((f) => model.dir === '' || f.path.startsWith(model.dir + '/'));
      const rel = (p: string): string => (model.dir ? p.slice(model.dir.length + 1) : p);
      local = await this.fetchInto(place, inDir, rel, null);
      mlmodel = join(local, 'MLmodel');
    } else {
      const file = files.find((f) => f.path === model.file);
      if (!file) return { ok: false, status: 'download_failed', reason: `${model.file} is not among the artifacts` };
      // ONNX external data sits next to the model file.
      const siblings =
        model.kind === 'onnx'
          ? files.filter(
              (f) =>
                posix.dirname(f.path) === posix.dirname(file.path) &&
                f.path !== file.path &&
                !f.path.endsWith('MLmodel'),
            )
          : [];
      local = await this.fetchInto(place, [file, ...siblings], (p) => posix.basename(p), file.path);
      mlmodel = model.kind === 'onnx' && model.mlmodel ? model.mlmodel : null;
    }
    return {
      ok: true,
      kind: model.kind,
      path: local,
      mlmodel,
      source: choice.source,
      artifactPath: foundPath(model),
      flavor: model.kind === 'mlflow-pytorch' ? model.flavor : null,
      others: choice.others.map(describeFound),
    };
  }

  // --- artifacts --------------------------------------------------------------------------------

  private runPlace(run: MlflowRun): ArtifactPlace {
    return {
      source: 'run-artifacts',
      id: null,
      key: `run:${run.runId}`,
      list: (path) =>
        `/api/2.0/mlflow/artifacts/list?run_id=${encodeURIComponent(run.runId)}${path ? `&path=${encodeURIComponent(path)}` : ''}`,
      download: (path, stream) => this.download(run, path, stream),
    };
  }

  /** The run's MLflow 3 logged models (none on a server that predates them). */
  private async loggedPlaces(run: MlflowRun): Promise<ArtifactPlace[]> {
    let models = this.loggedModels.get(run.experimentId);
    if (!models) {
      models = this.searchLoggedModels(run.experimentId);
      this.loggedModels.set(run.experimentId, models);
      models.catch(() => this.loggedModels.delete(run.experimentId));
    }
    return (await models)
      .filter((m) => m.source_run_id === run.runId && m.model_id)
      .map((m) => {
        const id = m.model_id as string;
        const base = `/logged-models/${encodeURIComponent(id)}/artifacts`;
        return {
          source: 'logged-model' as const,
          id,
          key: `logged-model:${id}`,
          list: (path: string) =>
            `/api/2.0/mlflow${base}/directories${path ? `?artifact_directory_path=${encodeURIComponent(path)}` : ''}`,
          download: (path: string, stream?: boolean) =>
            this.request(
              'GET',
              `/ajax-api/2.0/mlflow${base}/files?artifact_file_path=${encodeURIComponent(path)}`,
              undefined,
              { stream: stream === true },
            ),
        };
      });
  }

  private async searchLoggedModels(experimentId: string): Promise<NonNullable<RestLoggedModel['info']>[]> {
    const out: NonNullable<RestLoggedModel['info']>[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.request('POST', '/api/2.0/mlflow/logged-models/search', {
        experiment_ids: [experimentId],
        max_results: 100,
        ...(pageToken ? { page_token: pageToken } : {}),
      });
      // An MLflow 2 server has no logged models (and no such endpoint).
      if (res.status === 404) {
        await res.body?.cancel();
        return [];
      }
      const body = (await this.json(res)) as { models?: RestLoggedModel[]; next_page_token?: string };
      for (const m of body.models ?? []) if (m.info) out.push(m.info);
      pageToken = body.next_page_token || undefined;
    } while (pageToken);
    return out;
  }

  private async listAll(place: ArtifactPlace, path: string, depth = 0): Promise<{ path: string; size: number }[]> {
    const res = await this.request('GET', place.list(path));
    if (res.status === 404) {
      await res.body?.cancel();
      return [];
    }
    const body = (await this.json(res)) as { files?: { path: string; is_dir: boolean; file_size?: number | string }[] };
    const out: { path: string; size: number }[] = [];
    for (const f of body.files ?? []) {
      if (f.is_dir) {
        if (depth < 5) out.push(...(await this.listAll(place, f.path, depth + 1)));
      } else out.push({ path: f.path, size: Number(f.file_size ?? -1) });
    }
    return out;
  }

  private download(run: MlflowRun, path: string, stream = false): Promise<Response> {
    const proxied = /^mlflow-artifacts:/.test(run.artifactUri);
    if (proxied) {
      const root = run.artifactUri.replace(/^mlflow-artifacts:(\/\/[^/]*)?\/?/, '');
      return this.request(
        'GET',
        `/api/2.0/mlflow-artifacts/artifacts/${posix.join(root, path).split('/').map(encodeURIComponent).join('/')}`,
        undefined,
        { stream },
      );
    }
    return this.request(
      'GET',
      `/get-artifact?path=${encodeURIComponent(path)}&run_uuid=${encodeURIComponent(run.runId)}`,
      undefined,
      { stream },
    );
  }

  /**
   * Files of a model in the cache. Files already fetched for the same place, paths and sizes are
   * not fetched again; otherwise they are streamed to a temp folder, hashed, and moved to
   * `<cache>/<sha256>/`: the sha256 of `primary` (one model file), or of the whole tree (a model
   * folder). Returns the primary file's path, or the folder's.
   */
  private async fetchInto(
    place: ArtifactPlace,
    files: { path: string; size: number }[],
    rel: (path: string) => string,
    primary: string | null,
  ): Promise<string> {
    const index = await this.readIndex();
    const key = [this.base, place.key, ...files.map((f) => `${f.path}:${f.size}`).sort()].join('\0');
    const at = (sha: string): string =>
      primary ? join(this.options.cacheDir, sha, rel(primary)) : join(this.options.cacheDir, sha);
    const cached = index.entries[key];
    if (cached && (await stat(at(cached)).catch(() => null))) return at(cached);
    const dir = join(this.options.cacheDir, `.partial-${randomBytes(6).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    try {
      const tree = createHash('sha256');
      let primarySha = '';
      for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
        const dest = join(dir, ...rel(f.path).split('/'));
        await mkdir(dirname(dest), { recursive: true });
        const sha = await this.saveTo(place, f.path, dest);
        tree.update(`${rel(f.path)}\0${sha}\0`);
        if (f.path === primary) primarySha = sha;
      }
      const sha = primary ? primarySha : tree.digest('hex');
      const final = join(this.options.cacheDir, sha);
      if (!(await stat(final).catch(() => null))) await rename(dir, final);
      index.entries[key] = sha;
      await writeJsonAtomic(join(this.options.cacheDir, 'index.json'), index);
      return at(sha);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async saveTo(place: ArtifactPlace, path: string, dest: string): Promise<string> {
    const res = await place.download(path, true);
    if (!res.ok || !res.body) throw new AppFailure('IO_ERROR', `download of ${path} failed: HTTP ${res.status}`);
    const hash = createHash('sha256');
    const body = Readable.fromWeb(res.body as NodeReadableStream);
    // A model may take minutes to arrive; a server that stops sending fails after timeoutMs.
    const stalled = (): void => {
      body.destroy(
        new AppFailure('TIMEOUT', `download of ${path} stalled: no data for ${seconds(this.timeoutMs)}`, { path }),
      );
    };
    const idle = setTimeout(stalled, this.timeoutMs);
    idle.unref?.();
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      idle.refresh();
    });
    try {
      await pipeline(body, createWriteStream(dest));
    } finally {
      clearTimeout(idle);
    }
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

  /**
   * One request with retries (network errors, 429, 5xx) inside one deadline: every attempt, the
   * waits between them, connecting, the headers and (unless `stream`) the body must fit in
   * `timeoutMs`. 4xx other than 404 fail at once.
   */
  private async request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    opts: { stream?: boolean } = {},
  ): Promise<Response> {
    const retries = this.options.retries ?? 3;
    const deadline = this.now() + this.timeoutMs;
    let lastError = '';
    let timedOut = false;
    let attempts = 0;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) {
        const wait = Math.min(8000, 250 * 2 ** (attempt - 1));
        if (this.now() + wait >= deadline) break;
        await this.sleep(wait);
      }
      const left = deadline - this.now();
      if (left <= 0) break;
      attempts++;
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), left);
      // Left running for a JSON body (it bounds reading it too); it never keeps the process alive.
      timer.unref?.();
      let res: Response;
      try {
        res = await this.fetchImpl(this.base + path, {
          method,
          headers: this.headers(body !== undefined),
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: abort.signal,
        });
      } catch (e) {
        clearTimeout(timer);
        timedOut = abort.signal.aborted;
        lastError = timedOut ? `no answer within ${seconds(this.timeoutMs)}` : networkReason(e);
        continue;
      }
      if (opts.stream) clearTimeout(timer);
      if (res.status === 429 || res.status >= 500) {
        clearTimeout(timer);
        timedOut = false;
        lastError = `HTTP ${res.status}`;
        await res.body?.cancel();
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        clearTimeout(timer);
        throw new AppFailure(
          'UNAUTHORIZED',
          `${this.base} refused the credentials (HTTP ${res.status}); set MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD`,
        );
      }
      if (!res.ok && res.status !== 404) {
        const text = await res.text().catch(() => '');
        clearTimeout(timer);
        throw new AppFailure('IO_ERROR', `${method} ${path} failed: HTTP ${res.status} ${text.slice(0, 200)}`);
      }
      return res;
    }
    if (attempts === 0) lastError ||= `no time left within ${seconds(this.timeoutMs)}`;
    throw new AppFailure(
      timedOut ? 'TIMEOUT' : 'IO_ERROR',
      `${this.base} did not answer ${method} ${path.split('?')[0]} after ${attempts} attempt${attempts === 1 ? '' : 's'} (${lastError}); the limit is ${seconds(this.timeoutMs)} a request (MLFLOW_HTTP_REQUEST_TIMEOUT, --mlflow-timeout)`,
      { uri: this.base, attempts, timeoutMs: this.timeoutMs },
    );
  }

  private async json(res: Response): Promise<unknown> {
    if (res.status === 404) throw new AppFailure('NOT_FOUND', `${res.url}: not found`);
    try {
      return await res.json();
    } catch (e) {
      // The request's deadline aborts a body that stops half-way.
      if ((e as Error).name === 'AbortError')
        throw new AppFailure('TIMEOUT', `${this.base} stopped answering within ${seconds(this.timeoutMs)}`);
      throw new AppFailure('IO_ERROR', `${this.base} sent an answer that is not JSON: ${(e as Error).message}`);
    }
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** What fetch's "fetch failed" was: refused, no such host, reset… */
function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : null;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'no such host',
    EAI_AGAIN: 'the host name could not be resolved',
    ECONNRESET: 'the connection was reset',
    EHOSTUNREACH: 'the host is unreachable',
    ENETUNREACH: 'the network is unreachable',
  };
  if (code && words[code]) return `${words[code]} (${code})`;
  if (typeof cause?.message === 'string' && cause.message) return cause.message;
  return (e as Error).message;
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
