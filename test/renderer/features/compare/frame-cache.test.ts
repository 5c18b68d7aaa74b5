import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FrameCache } from '../../../../src/renderer/features/compare/frame-cache';

interface FakeBitmap {
  file: string;
  width: number;
  height: number;
  closed: boolean;
  close: () => void;
}

/**
 * The browser under the cache: fetch answers when the test lets it (`release`), createImageBitmap
 * makes a stand-in that records being closed, OffscreenCanvas reads back zeros.
 */
function browser() {
  const waiting: { url: string; answer: () => void; fail: () => void }[] = [];
  const fetched: string[] = [];
  const bitmaps: FakeBitmap[] = [];
  let autoAnswer = false;
  vi.stubGlobal('fetch', (url: string) => {
    fetched.push(url);
    return new Promise((resolve, reject) => {
      const answer = (): void => resolve({ ok: true, blob: async () => ({ url }) });
      const fail = (): void => resolve({ ok: false, status: 404, statusText: 'Not Found', blob: async () => null });
      if (autoAnswer) answer();
      else waiting.push({ url, answer, fail });
      void reject;
    });
  });
  vi.stubGlobal('createImageBitmap', async (blob: { url: string }) => {
    const big = !blob.url.includes('proxy');
    const b: FakeBitmap = {
      file: blob.url,
      width: big ? 1920 : 960,
      height: big ? 1080 : 540,
      closed: false,
      close() {
        this.closed = true;
      },
    };
    bitmaps.push(b);
    return b;
  });
  vi.stubGlobal(
    'OffscreenCanvas',
    class {
      constructor(
        readonly width: number,
        readonly height: number,
      ) {}
      getContext() {
        return {
          drawImage: () => undefined,
          getImageData: (_x: number, _y: number, w: number, h: number) => ({
            width: w,
            height: h,
            data: new Uint8ClampedArray(w * h * 4),
          }),
        };
      }
    },
  );
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
  return {
    fetched,
    bitmaps,
    waiting,
    /** Answer the oldest `n` fetches (all by default), then let the promises run. */
    release: async (n?: number) => {
      await settle();
      for (const w of waiting.splice(0, n ?? waiting.length)) w.answer();
      await settle();
      await settle();
    },
    failNext: async () => {
      await settle();
      waiting.shift()?.fail();
      await settle();
    },
    answerAll: () => {
      autoAnswer = true;
      for (const w of waiting.splice(0)) w.answer();
    },
    settle,
  };
}

const url = (path: string): string => `img:${path}`;
const proxyView = vi.fn(async (path: string) => ({ path: `${path}.proxy.jpg`, width: 1920, height: 1080 }));

let b: ReturnType<typeof browser>;
beforeEach(() => {
  b = browser();
  proxyView.mockClear();
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('FrameCache', () => {
  it('decodes a frame once for every caller, and knows it is ready and its size once decoded', async () => {
    const cache = new FrameCache(url, proxyView);
    const first = cache.bitmap('/f/1.png');
    const again = cache.bitmap('/f/1.png');
    expect(again).toBe(first);
    expect(cache.isReady('/f/1.png', 'lossless')).toBe(false);
    await b.release();
    expect(((await first) as unknown as FakeBitmap).file).toBe('img:/f/1.png');
    expect(b.fetched).toEqual(['img:/f/1.png']);
    expect(cache.isReady('/f/1.png', 'lossless')).toBe(true);
    expect(cache.isReady('/f/1.png', 'proxy')).toBe(false);
    expect(cache.sizeOf('/f/1.png')).toEqual({ width: 1920, height: 1080 });
  });

  it('decodes a frame’s proxy (asking the engine for it once), or the original when no proxy can be made', async () => {
    const cache = new FrameCache(url, proxyView);
    const proxy = cache.proxy('/f/1.png');
    await b.settle();
    await b.release();
    expect(((await proxy) as unknown as FakeBitmap).file).toBe('img:/f/1.png.proxy.jpg');
    // The frame's own size comes with the proxy's view (the proxy is smaller).
    expect(cache.sizeOf('/f/1.png')).toEqual({ width: 1920, height: 1080 });
    const failing = new FrameCache(url, () => Promise.reject(new Error('no proxy')));
    const original = failing.proxy('/f/2.png');
    await b.settle();
    await b.release();
    expect(((await original) as unknown as FakeBitmap).file).toBe('img:/f/2.png');
  });

  it('keeps the most recently used frames, closing the bitmaps it evicts', async () => {
    b.answerAll();
    const cache = new FrameCache(url, proxyView, 2);
    const one = (await cache.bitmap('/f/1.png')) as unknown as FakeBitmap;
    const two = (await cache.bitmap('/f/2.png')) as unknown as FakeBitmap;
    await cache.bitmap('/f/1.png'); // 1 is now the newest
    await cache.bitmap('/f/3.png');
    await b.settle();
    expect([one.closed, two.closed]).toEqual([false, true]);
    expect(cache.isReady('/f/2.png', 'lossless')).toBe(false);
    expect(cache.isReady('/f/1.png', 'lossless')).toBe(true);
    await cache.bitmap('/f/2.png');
    expect(b.fetched.filter((f) => f === 'img:/f/2.png')).toHaveLength(2);
  });

  it('keeps twice as many proxies as frames', async () => {
    b.answerAll();
    const cache = new FrameCache(url, proxyView, 2);
    const proxies = [];
    for (let i = 0; i < 5; i++) proxies.push((await cache.proxy(`/f/${i}.png`)) as unknown as FakeBitmap);
    await b.settle();
    expect(proxies.map((p) => p.closed)).toEqual([true, false, false, false, false]);
  });

  it('decodes eight at a time, what is on screen before what is ahead', async () => {
    const cache = new FrameCache(url, proxyView);
    for (let i = 0; i < 10; i++) void cache.bitmap(`/ahead/${i}.png`, 'ahead').catch(() => undefined);
    void cache.bitmap('/now/1.png');
    await b.settle();
    expect(b.fetched).toHaveLength(8);
    await b.release(1);
    expect(b.fetched[8]).toBe('img:/now/1.png');
    // Asking now for a frame queued ahead moves it to the front.
    void cache.bitmap('/ahead/9.png');
    await b.release(1);
    expect(b.fetched[9]).toBe('img:/ahead/9.png');
    await b.release(1);
    expect(b.fetched[10]).toBe('img:/ahead/8.png');
  });

  it('drops the oldest look-ahead past thirty waiting; a dropped frame is decoded when asked again', async () => {
    const cache = new FrameCache(url, proxyView);
    for (let i = 0; i < 8; i++) void cache.bitmap(`/busy/${i}.png`);
    const results = Array.from({ length: 31 }, (_, i) =>
      cache.bitmap(`/ahead/${i}.png`, 'ahead').then(
        () => 'ok',
        (e: Error) => e.message,
      ),
    );
    expect(await results[0]).toBe('dropped');
    b.answerAll();
    await b.settle();
    expect(await results[1]).toBe('ok');
    expect(await cache.bitmap('/ahead/0.png').then(() => 'ok')).toBe('ok');
  });

  it('does not keep a frame that failed to load: the next ask tries again', async () => {
    const cache = new FrameCache(url, proxyView);
    const failed = cache.bitmap('/f/missing.png');
    await b.failNext();
    await expect(failed).rejects.toThrow('404 Not Found for /f/missing.png');
    const retry = cache.bitmap('/f/missing.png');
    expect(retry).not.toBe(failed);
    await b.release();
    await expect(retry).resolves.toBeTruthy();
  });

  it('prefetches only frames it does not hold', async () => {
    b.answerAll();
    const cache = new FrameCache(url, proxyView);
    await cache.bitmap('/f/1.png');
    cache.prefetch(['/f/1.png', null, '/f/2.png']);
    cache.prefetchProxies(['/f/1.png', null]);
    await b.settle();
    await b.settle();
    expect(b.fetched).toEqual(['img:/f/1.png', 'img:/f/2.png', 'img:/f/1.png.proxy.jpg']);
  });

  it('reads a frame’s pixels from its decoded bitmap, once', async () => {
    b.answerAll();
    const cache = new FrameCache(url, proxyView);
    const pixels = await cache.imageData('/f/1.png');
    expect([pixels.width, pixels.height, pixels.data.length]).toEqual([1920, 1080, 1920 * 1080 * 4]);
    expect(await cache.imageData('/f/1.png')).toBe(pixels);
    expect(b.fetched).toEqual(['img:/f/1.png']);
  });

  it('warms proxies a few at a time with progress, until stopped', async () => {
    b.answerAll();
    let inFlight = 0;
    let most = 0;
    const slow = vi.fn(async (path: string) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return { path: `${path}.proxy.jpg`, width: 10, height: 10 };
    });
    const cache = new FrameCache(url, slow);
    const progress: [number, number][] = [];
    const paths = Array.from({ length: 6 }, (_, i) => `/f/${i}.png`);
    cache.warm(paths, (done, total) => progress.push([done, total]));
    await vi.waitFor(() => expect(progress.at(-1)).toEqual([6, 6]));
    expect(most).toBe(2);
    expect(progress[0]).toEqual([0, 6]);
    // Asked once per frame: the proxies' views are remembered.
    await cache.proxy('/f/0.png').catch(() => undefined);
    expect(slow.mock.calls.filter(([p]) => p === '/f/0.png')).toHaveLength(1);
    const stopped: number[] = [];
    const stop = cache.warm(['/g/1.png', '/g/2.png', '/g/3.png'], (done) => stopped.push(done), 1);
    stop();
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toEqual([0]);
  });

  it('closes every bitmap when cleared', async () => {
    b.answerAll();
    const cache = new FrameCache(url, proxyView);
    const frame = (await cache.bitmap('/f/1.png')) as unknown as FakeBitmap;
    const proxy = (await cache.proxy('/f/2.png')) as unknown as FakeBitmap;
    cache.clear();
    await b.settle();
    expect([frame.closed, proxy.closed]).toEqual([true, true]);
    expect(cache.isReady('/f/1.png', 'lossless')).toBe(false);
  });
});
