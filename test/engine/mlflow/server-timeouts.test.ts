import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MlflowServerClient } from '../../../src/engine/mlflow/server-client';
import { refusedUrl, startHangingServer, startStallingServer, type TcpServer } from '../../fixtures/tcp-servers';
import { tempDir } from '../../helpers';

/**
 * The tracking-server client against servers that do not answer: every request is bounded
 * (connect, headers and body, all attempts together), 15 s by default, and says why it failed.
 */
describe('MLflow server client: unreachable and hanging servers', () => {
  let cacheDir: string;
  let server: TcpServer | null = null;
  beforeAll(async () => {
    const tmp = await tempDir();
    cacheDir = join(tmp.path, 'cache');
    return () => tmp.cleanup();
  });
  afterEach(async () => {
    vi.useRealTimers();
    await server?.close();
    server = null;
  });

  it('gives up on a server that accepts and never answers within the limit, in one attempt', async () => {
    server = await startHangingServer();
    const c = new MlflowServerClient({ uri: server.url, cacheDir, timeoutMs: 400, retries: 3 });
    await expect(c.experimentByName('restoration')).rejects.toMatchObject({
      error: {
        code: 'TIMEOUT',
        message: expect.stringMatching(
          /did not answer GET \/api\/2\.0\/mlflow\/experiments\/get-by-name after 1 attempt \(no answer within 0\.4 s\)/,
        ),
      },
    });
    expect(server.connections()).toBe(1);
  });

  it('takes the limit from MLFLOW_HTTP_REQUEST_TIMEOUT (seconds), a job’s own over it', async () => {
    server = await startHangingServer();
    const fromEnv = MlflowServerClient.fromEnv(server.url, cacheDir, { MLFLOW_HTTP_REQUEST_TIMEOUT: '0.3' });
    await expect(fromEnv.experimentByName('x')).rejects.toThrow(/no answer within 0\.3 s/);
    const overridden = MlflowServerClient.fromEnv(
      server.url,
      cacheDir,
      { MLFLOW_HTTP_REQUEST_TIMEOUT: '120' },
      { timeoutMs: 200 },
    );
    await expect(overridden.experimentByName('x')).rejects.toThrow(/no answer within 0\.2 s/);
  });

  it('bounds reading an answer that stops half-way', async () => {
    server = await startStallingServer();
    const c = new MlflowServerClient({ uri: server.url, cacheDir, timeoutMs: 400 });
    await expect(c.experimentByName('restoration')).rejects.toMatchObject({
      error: { code: 'TIMEOUT', message: expect.stringMatching(/stopped answering within 0\.4 s/) },
    });
  });

  it('says "connection refused" where nothing listens, after its retries', async () => {
    const url = await refusedUrl();
    const c = new MlflowServerClient({ uri: url, cacheDir, retries: 2, sleep: async () => undefined });
    await expect(c.experimentByName('restoration')).rejects.toMatchObject({
      error: {
        code: 'IO_ERROR',
        message: expect.stringMatching(/after 3 attempts \(connection refused \(ECONNREFUSED\)\)/),
      },
    });
  });

  it('fails a hanging request after 15 s by default, retries and waits included', async () => {
    vi.useFakeTimers();
    let calls = 0;
    // A server that never answers: fetch settles only when its signal aborts.
    const fetchImpl = ((_url: string, init: RequestInit) => {
      calls++;
      return new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () =>
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
        );
      });
    }) as unknown as typeof fetch;
    const c = new MlflowServerClient({ uri: 'http://mlflow.invalid', cacheDir, fetchImpl });
    let settled: unknown = null;
    void c.experimentByName('restoration').catch((e: unknown) => (settled = e));
    await vi.advanceTimersByTimeAsync(14_999);
    expect(settled).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toMatchObject({ error: { code: 'TIMEOUT', message: expect.stringMatching(/within 15 s/) } });
    expect(calls).toBe(1);

    // A server that refuses at once is retried with backoff, still inside the 15 s.
    calls = 0;
    const refusing = (() => {
      calls++;
      return Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }));
    }) as unknown as typeof fetch;
    let refused: unknown = null;
    void new MlflowServerClient({ uri: 'http://mlflow.invalid', cacheDir, fetchImpl: refusing })
      .experimentByName('restoration')
      .catch((e: unknown) => (refused = e));
    await vi.advanceTimersByTimeAsync(15_000);
    expect(refused).toMatchObject({
      error: { message: expect.stringMatching(/after 4 attempts \(connection refused/) },
    });
    expect(calls).toBe(4);
  });
});
