import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { HammingKnn, toBinaryDescriptors, type BinaryDescriptors } from '../../../src/engine/match/hamming';
import { createOpenCvLoader, type Cv } from '../../../src/engine/match/opencv';
import { grayTexture, warpAffine } from '../../fixtures/texture';
import { repoRoot } from '../../helpers';

/** OpenCV's own kNN (BFMatcher, NORM_HAMMING, k = 2) over the same rows, as index and distances. */
function openCvKnn(cv: Cv, q: { data: Uint8Array; rows: number; cols: number }, t: typeof q) {
  const qm = cv.matFromArray(q.rows, q.cols, cv.CV_8UC1, q.data);
  const tm = cv.matFromArray(t.rows, t.cols, cv.CV_8UC1, t.data);
  const bf = new cv.BFMatcher(cv.NORM_HAMMING, false);
  const knn = new cv.DMatchVectorVector();
  try {
    bf.knnMatch(qm, tm, knn, 2);
    const rows: [number, number, number][] = [];
    for (let i = 0; i < knn.size(); i++) {
      const pair = knn.get(i);
      rows.push([pair.get(0).trainIdx, pair.get(0).distance, pair.size() > 1 ? pair.get(1).distance : 0x7fffffff]);
      pair.delete();
    }
    return rows;
  } finally {
    knn.delete();
    bf.delete();
    tm.delete();
    qm.delete();
  }
}

const ours = (d: { index: Int32Array; best: Int32Array; second: Int32Array }) =>
  Array.from(d.index, (j, i) => [j, d.best[i]!, d.second[i]!] as [number, number, number]);

/** Real features (opencv.js ORB or AKAZE) of a picture, as the matcher computes them. */
function features(cv: Cv, image: { data: Uint8Array; width: number; height: number }, type: 'orb' | 'akaze') {
  const mat = cv.matFromArray(image.height, image.width, cv.CV_8UC1, image.data);
  const mask = new cv.Mat();
  const keypoints = new cv.KeyPointVector();
  const descriptors = new cv.Mat();
  const detector = type === 'orb' ? new cv.ORB(1000) : new cv.AKAZE();
  try {
    detector.detectAndCompute(mat, mask, keypoints, descriptors);
    return { data: descriptors.data.slice(), rows: descriptors.rows, cols: descriptors.cols };
  } finally {
    for (const m of [detector, keypoints, descriptors, mask, mat]) m.delete();
  }
}

describe('SIMD Hamming kNN (hamming.wat)', () => {
  let cv: Cv;
  beforeAll(async () => {
    ({ cv } = await createOpenCvLoader()());
  }, 60_000);

  it.each(['orb', 'akaze'] as const)(
    'gives what BFMatcher.knnMatch(k = 2) gives on real %s features, row for row',
    async (type) => {
      const template = await grayTexture(480, 360);
      const query = warpAffine(template, [0.8, -0.3, 70, 0.3, 0.8, 10]);
      const t = features(cv, template, type);
      const q = features(cv, query, type);
      expect(q.rows).toBeGreaterThan(100);
      expect(q.cols).toBe(type === 'orb' ? 32 : 61);
      const knn = new HammingKnn().knn2(
        toBinaryDescriptors(q.data, q.rows, q.cols),
        toBinaryDescriptors(t.data, t.rows, t.cols),
      );
      expect(ours(knn)).toEqual(openCvKnn(cv, q, t));
    },
  );

  it('breaks ties as OpenCV does, and handles one train row, none, and growing memory', () => {
    const rows = 3000;
    const data = new Uint8Array(rows * 32);
    let seed = 7;
    for (let i = 0; i < data.length; i++) data[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    // Duplicated rows (equal nearest distances) and a query equal to one of them.
    data.copyWithin(32 * 10, 0, 32);
    data.copyWithin(32 * 20, 0, 32);
    const train = { data: data.slice(0, 2000 * 32), rows: 2000, cols: 32 };
    const query = { data: data.slice(1000 * 32), rows: 2000, cols: 32 };
    query.data.set(data.subarray(0, 32), 0);
    const knn = new HammingKnn();
    const d = (x: typeof train): BinaryDescriptors => toBinaryDescriptors(x.data, x.rows, x.cols);
    expect(ours(knn.knn2(d(query), d(train)))).toEqual(openCvKnn(cv, query, train));
    expect(ours(knn.knn2(d(query), d(train))).slice(0, 1)).toEqual([[0, 0, 0]]);
    // The generic path (a stride that is not 32), on the same rows padded to 48 bytes.
    const wide = (x: typeof train) => {
      const out = new Uint8Array(x.rows * 40);
      for (let r = 0; r < x.rows; r++) out.set(x.data.subarray(r * 32, r * 32 + 32), r * 40);
      return { data: out, rows: x.rows, cols: 40 };
    };
    expect(ours(knn.knn2(d(wide(query)), d(wide(train))))).toEqual(openCvKnn(cv, query, train));
    const one = { data: train.data.slice(0, 32), rows: 1, cols: 32 };
    expect(ours(knn.knn2(d(query), d(one))).every(([j, , s]) => j === 0 && s === 0x7fffffff)).toBe(true);
    const none = { data: new Uint8Array(0), rows: 0, cols: 32 };
    expect(ours(knn.knn2(d(query), d(none))).every(([j]) => j === -1)).toBe(true);
    expect(() => knn.knn2(d(query), d(wide(train)))).toThrow(RangeError);
  });

  it('runs the bytes compiled from hamming.wat (the committed module is not stale)', async () => {
    const { hammingWasmSource } = (await import(
      pathToFileURL(join(repoRoot, 'scripts', 'build-hamming-wasm.mjs')).href
    )) as {
      hammingWasmSource: () => Promise<string>;
    };
    const committed = await readFile(join(repoRoot, 'src', 'engine', 'match', 'hamming-wasm.ts'), 'utf8');
    expect(await hammingWasmSource()).toBe(committed);
  });
});
