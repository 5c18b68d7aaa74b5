import type { Pt } from '../geometry/polygon';

/** A greyscale image at the matcher's working resolution. */
export interface GrayImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Point correspondences between a query image and a template (both in their own pixels). */
export interface Correspondences {
  query: Pt[];
  template: Pt[];
  /** Keypoints found (query, template), before matching. */
  features: [number, number];
}

/**
 * Pluggable matcher: the classical one (ORB/AKAZE via opencv.js) or a user's ONNX matcher
 * (LoFTR/LightGlue exports). Images are prepared once (features, or the tensor an ONNX matcher
 * needs): templates are cached for the run, a query is prepared once for all its templates.
 */
export interface Matcher<Prepared = unknown> {
  readonly name: string;
  prepare(image: GrayImage): Promise<Prepared> | Prepared;
  match(query: Prepared, template: Prepared): Promise<Correspondences> | Correspondences;
  /** Free native memory held by a prepared image. */
  release(prepared: Prepared): void;
  /** Bytes a prepared image holds (native and JS), for the template cache's budget. */
  bytes?(prepared: Prepared): number;
}

/** The classical matcher's settings; a run's come from its PredictConfig (defaults: PREDICT_DEFAULTS). */
export interface MatcherConfig {
  type: 'orb' | 'akaze';
  /** Most features per image. */
  maxFeatures: number;
  /** Lowe's ratio test threshold. */
  ratio: number;
  /** ORB's pyramid and corner settings (OpenCV's defaults: scale 1.2, 8 levels, FAST threshold 20). */
  orb?: { scaleFactor?: number; nlevels?: number; fastThreshold?: number };
}
