import { createRequire } from 'node:module';
import type { Homography } from '../../core/geometry/homography';
import type { Pt } from '../../core/geometry/polygon';
import type { Correspondences, GrayImage, Matcher, MatcherConfig } from '../../core/match/matcher';
import { AppFailure } from '../../core/result';
import { HammingKnn, toBinaryDescriptors, type BinaryDescriptors } from './hamming';

/* The part of opencv.js Loupe uses. Every Mat/vector is freed with delete(). */
interface Deletable {
  delete(): void;
}
interface Mat extends Deletable {
  rows: number;
  cols: number;
  data32F: Float32Array;
  data64F: Float64Array;
  data: Uint8Array;
}
interface KeyPoint {
  pt: { x: number; y: number };
}
interface KeyPointVector extends Deletable {
  size(): number;
  get(i: number): KeyPoint;
}
interface DMatch {
  queryIdx: number;
  trainIdx: number;
  distance: number;
}
interface DMatchVector extends Deletable {
  size(): number;
  get(i: number): DMatch;
}
interface DMatchVectorVector extends Deletable {
  size(): number;
  get(i: number): DMatchVector;
}
interface Feature2D extends Deletable {
  detectAndCompute(image: Mat, mask: Mat, keypoints: KeyPointVector, descriptors: Mat): void;
}
export interface Cv {
  Mat: new () => Mat;
  matFromArray(rows: number, cols: number, type: number, array: ArrayLike<number>): Mat;
  KeyPointVector: new () => KeyPointVector;
  DMatchVectorVector: new () => DMatchVectorVector;
  /** nfeatures, scaleFactor, nlevels, edgeThreshold, firstLevel, WTA_K, scoreType, patchSize, fastThreshold. */
  ORB: new (nfeatures: number, ...rest: number[]) => Feature2D;
  AKAZE: new () => Feature2D;
  BFMatcher: new (
    normType: number,
    crossCheck: boolean,
  ) => Deletable & {
    knnMatch(query: Mat, train: Mat, matches: DMatchVectorVector, k: number): void;
  };
  findHomography(
    src: Mat,
    dst: Mat,
    method: number,
    threshold: number,
    mask: Mat,
    maxIters?: number,
    confidence?: number,
  ): Mat;
  CV_8UC1: number;
  CV_32FC2: number;
  NORM_HAMMING: number;
  RANSAC: number;
  USAC_MAGSAC: number;
  onRuntimeInitialized?: () => void;
}

/**
 * What an opencv.js build's entry gives: the Emscripten module itself (ready, or ready once its
 * `onRuntimeInitialized` is called), or a promise of it (the MODULARIZE builds).
 */
export type OpenCvModule = Cv | Promise<Cv>;

/**
 * Loupe's build: @opencvjs/node (OpenCV 4.13, a Node-only MODULARIZE build whose `loadOpenCV()`
 * gives a promise of the module, one instance per thread). Measured against the registry's other
 * opencv.js builds in bench/opencv-builds.bench.test.ts (bench/BENCHMARKS.md): none is a SIMD or
 * threads build; this one is faster than @techstark/opencv-js 4.12 at the same records, keeps
 * AKAZE (the OpenCV 5 builds do not), and installs no process-wide error handlers.
 */
export const requireOpenCv = (): OpenCvModule =>
  (createRequire(import.meta.url)('@opencvjs/node') as { loadOpenCV(): Promise<Cv> }).loadOpenCV();

/**
 * Load opencv.js once per loader (`load` gives the build's module; Loupe's own by default, another
 * build in bench/opencv-builds.bench.test.ts). Some builds' module object has a `then` property
 * (@techstark/opencv-js 4.x): it must never be awaited or used to resolve a Promise (that spins
 * forever), so the module travels wrapped as `{ cv }`.
 */
export function createOpenCvLoader(load: () => OpenCvModule = requireOpenCv): () => Promise<{ cv: Cv }> {
  let loading: Promise<{ cv: Cv }> | null = null;
  const failed = (e: unknown): AppFailure =>
    new AppFailure('INTERNAL', `opencv.js failed to load: ${(e as Error)?.message ?? String(e)}`);
  return () => {
    loading ??= new Promise<{ cv: Cv }>((resolve, reject) => {
      const settle = (cv: Cv): void => {
        if ((cv as unknown as { Mat?: unknown }).Mat) resolve({ cv });
        else cv.onRuntimeInitialized = () => resolve({ cv });
      };
      try {
        const m = load();
        if (m instanceof Promise) m.then(settle, (e: unknown) => reject(failed(e)));
        else settle(m);
      } catch (e) {
        reject(failed(e));
      }
    });
    return loading;
  };
}

interface OrbTemplate {
  points: Pt[];
  /** Copied out of the opencv.js heap (which never shrinks) as soon as they are computed. */
  descriptors: BinaryDescriptors;
}

/** ORB or AKAZE features (opencv.js), brute-force Hamming kNN (hamming.wat, SIMD), Lowe's ratio test. */
export class ClassicalMatcher implements Matcher<OrbTemplate> {
  readonly name: string;

  constructor(
    private readonly cv: Cv,
    private readonly config: MatcherConfig,
    private readonly knn: HammingKnn = new HammingKnn(),
  ) {
    this.name = config.type;
  }

  prepare(image: GrayImage): OrbTemplate {
    return this.features(image);
  }

  match(q: OrbTemplate, template: OrbTemplate): Correspondences {
    const out: Correspondences = { query: [], template: [], features: [q.points.length, template.points.length] };
    if (q.points.length < 2 || template.points.length < 2) return out;
    // The nearest and second-nearest as BFMatcher(NORM_HAMMING).knnMatch(k = 2) gives them.
    const { index, best, second } = this.knn.knn2(q.descriptors, template.descriptors);
    for (let i = 0; i < q.descriptors.rows; i++) {
      if (best[i]! < this.config.ratio * second[i]!) {
        out.query.push(q.points[i] as Pt);
        out.template.push(template.points[index[i]!] as Pt);
      }
    }
    return out;
  }

  release(_template: OrbTemplate): void {
    // Nothing native: the descriptors were copied out of the opencv.js heap when computed.
  }

  /** The descriptors (padded rows) and ~64 bytes a JS point. */
  bytes(template: OrbTemplate): number {
    return template.descriptors.data.byteLength + template.points.length * 64;
  }

  private features(image: GrayImage): OrbTemplate {
    const cv = this.cv;
    const mat = cv.matFromArray(image.height, image.width, cv.CV_8UC1, image.data);
    const mask = new cv.Mat();
    const keypoints = new cv.KeyPointVector();
    const descriptors = new cv.Mat();
    const o = this.config.orb ?? {};
    const detector =
      this.config.type === 'akaze'
        ? new cv.AKAZE()
        : // OpenCV's own defaults for everything not set (HARRIS score, 31-px patches and edges).
          new cv.ORB(
            this.config.maxFeatures,
            o.scaleFactor ?? 1.2,
            o.nlevels ?? 8,
            31,
            0,
            2,
            0,
            31,
            o.fastThreshold ?? 20,
          );
    try {
      detector.detectAndCompute(mat, mask, keypoints, descriptors);
      const points: Pt[] = [];
      for (let i = 0; i < keypoints.size(); i++) {
        const k = keypoints.get(i);
        points.push([k.pt.x, k.pt.y]);
      }
      const rows = descriptors.rows;
      const bytes = rows > 0 ? descriptors.cols : this.config.type === 'akaze' ? 61 : 32;
      return { points, descriptors: toBinaryDescriptors(descriptors.data, rows, bytes) };
    } finally {
      detector.delete();
      keypoints.delete();
      descriptors.delete();
      mask.delete();
      mat.delete();
    }
  }
}

export interface HomographyFit {
  H: Homography;
  /** 1 for inliers, per correspondence. */
  inliers: Uint8Array;
  inlierCount: number;
}

/** Robust homography (MAGSAC++ by default, or RANSAC) from template points to query points. */
export function fitHomography(
  cv: Cv,
  from: readonly Pt[],
  to: readonly Pt[],
  options: { method?: 'usac' | 'ransac'; threshold: number; maxIters?: number; confidence?: number },
): HomographyFit | null {
  if (from.length < 4) return null;
  const src = cv.matFromArray(from.length, 1, cv.CV_32FC2, from.flat());
  const dst = cv.matFromArray(to.length, 1, cv.CV_32FC2, to.flat());
  const mask = new cv.Mat();
  let h: Mat | null = null;
  try {
    h = cv.findHomography(
      src,
      dst,
      options.method === 'ransac' ? cv.RANSAC : cv.USAC_MAGSAC,
      options.threshold,
      mask,
      options.maxIters ?? 2000,
      options.confidence ?? 0.995,
    );
    if (h.rows !== 3 || h.cols !== 3) return null;
    const H = Array.from(h.data64F) as Homography;
    if (H.some((v) => !Number.isFinite(v))) return null;
    const inliers = Uint8Array.from(mask.data.subarray(0, from.length), (v) => (v ? 1 : 0));
    return { H, inliers, inlierCount: inliers.reduce((a, b) => a + b, 0) };
  } finally {
    h?.delete();
    mask.delete();
    dst.delete();
    src.delete();
  }
}
