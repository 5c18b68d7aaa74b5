import { describe, expect, it } from 'vitest';
import { colourise, colourMap, errorMap, sharedScale } from '../../../../src/core/image/heatmap';
import {
  answerHeatmapRequest,
  computeHeatmaps,
  HeatmapClient,
  type HeatmapRequest,
  type HeatmapResponse,
  type HeatmapWorkerPort,
  type Pixels,
} from '../../../../src/renderer/features/compare/heatmap-compute';

/** A w×h RGBA image whose red channel is `f(x, y)`. */
function image(w: number, h: number, f: (x: number, y: number) => number): Pixels {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      data[i] = f(x, y);
      data[i + 3] = 255;
    }
  return { width: w, height: h, data };
}

const ref = image(8, 4, () => 100);
const near = image(8, 4, (x) => 100 + x);
const far = image(8, 4, (x, y) => 100 + 10 * x + y);

describe('computeHeatmaps', () => {
  it('colours each pair’s error map on the scale the maps share, as the core functions do', () => {
    const heat = computeHeatmaps(
      [ref, near, far],
      [
        [1, 0],
        [2, 0],
      ],
      null,
    );
    const maps = [near, far].map((p) => errorMap(p.data, ref.data, new Float32Array(32)));
    const scale = sharedScale(maps);
    expect(heat.scale).toBe(scale);
    const lut = colourMap();
    for (const [i, m] of maps.entries()) {
      const expected = colourise(m, scale, lut, new Uint8ClampedArray(32 * 4));
      expect(heat.images[i]).toEqual({ width: 8, height: 4, data: expected });
    }
  });

  it('uses the scale asked for, and leaves out pairs missing or of different sizes', () => {
    const small = image(4, 4, () => 0);
    const heat = computeHeatmaps([ref, near, small], [[1, 0], null, [2, 0]], 8);
    expect(heat.scale).toBe(8);
    expect(heat.images.map((x) => x !== null)).toEqual([true, false, false]);
  });

  it('has a scale of 1 with nothing to compare', () => {
    expect(computeHeatmaps([], [null], null)).toEqual({ scale: 1, images: [null] });
  });
});

describe('answerHeatmapRequest', () => {
  it('turns the heatmaps into images, or answers with the error', async () => {
    const ok = await answerHeatmapRequest(
      { id: 4, images: [ref, near], pairs: [[1, 0], null], scale: null },
      async (p) => `${p.width}x${p.height}`,
    );
    expect(ok).toEqual({ id: 4, scale: computeHeatmaps([ref, near], [[1, 0]], null).scale, images: ['8x4', null] });
    const failed = await answerHeatmapRequest({ id: 5, images: [ref, near], pairs: [[1, 0]], scale: null }, () =>
      Promise.reject(new Error('no canvas')),
    );
    expect(failed).toEqual({ id: 5, error: 'no canvas' });
  });
});

/** A worker that answers in-process (bitmaps stand-ins that record being closed). */
function fakeWorker() {
  const closed: string[] = [];
  const listeners: ((e: { data: HeatmapResponse<ImageBitmap> }) => void)[] = [];
  const requests: HeatmapRequest[] = [];
  let terminated = false;
  const port: HeatmapWorkerPort = {
    postMessage: (request) => {
      requests.push(request);
      void answerHeatmapRequest(request, async (p) => {
        const name = `${request.id}:${p.width}x${p.height}`;
        return { width: p.width, height: p.height, close: () => closed.push(name) } as unknown as ImageBitmap;
      }).then((data) => setTimeout(() => listeners.forEach((l) => l({ data })), 0));
    },
    addEventListener: (_type, listener) => void listeners.push(listener),
    terminate: () => {
      terminated = true;
    },
  };
  return { port, closed, requests, terminated: () => terminated };
}

describe('HeatmapClient', () => {
  it('starts its worker on first use only, and answers each request with its own heatmaps', async () => {
    const worker = fakeWorker();
    let started = 0;
    const client = new HeatmapClient(() => {
      started++;
      return worker.port;
    });
    expect(started).toBe(0);
    const [a, b] = await Promise.all([
      client.compute([ref, near], [[1, 0]], null),
      client.compute([ref, far], [[1, 0], null], 16),
    ]);
    expect(started).toBe(1);
    expect(a.images.map((x) => x?.width)).toEqual([8]);
    expect([b.scale, b.images.length, b.images[1]]).toEqual([16, 2, null]);
    expect(worker.requests.map((r) => r.id)).toEqual([1, 2]);
  });

  it('on dispose ends the worker, fails what is pending and closes the bitmaps that still arrive', async () => {
    const worker = fakeWorker();
    const client = new HeatmapClient(() => worker.port);
    const pending = client.compute([ref, near], [[1, 0]], null);
    client.dispose();
    await expect(pending).rejects.toThrow('closed');
    expect(worker.terminated()).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
    expect(worker.closed).toEqual(['1:8x4']);
  });
});
