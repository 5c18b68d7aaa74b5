import type { PredictConfig } from '../../shared/jobs';
import { DEFAULT_NAMING_PATTERN, DEFAULT_PREDICT_SETTINGS } from '../../shared/settings';

/**
 * Every default of a keypoint prediction run, in one object: the CLI (`loupe predict` and its
 * help), the engine's runner, the app's Predict button and the pipeline read them from here.
 *
 * The ones a user tunes in Settings → Predict (detector, conf 0.25, NMS IoU 0.7, ORB, 10 inliers,
 * RANSAC 4 px, 3 templates) are written once in the contract, `DEFAULT_PREDICT_SETTINGS`, because
 * the settings' own defaults (src/shared/settings.ts, which depends on nothing) hold them; the
 * rest are written here. The values are the seed's: ORB with 1000 features and Lowe's ratio 0.7,
 * checkpoints every 10 images.
 */
export const PREDICT_DEFAULTS = Object.freeze({
  /** The job's config (`PredictKeypointsSpec.config`); copy it to change it. */
  config: Object.freeze<PredictConfig>({
    ...DEFAULT_PREDICT_SETTINGS,
    maxFeatures: 1000,
    ratio: 0.7,
    namingPattern: DEFAULT_NAMING_PATTERN,
    annotator: 'loupe-dial-v1',
  }),
  /** Outputs and the progress file are written every this many images (`--checkpoint-freq`). */
  checkpointFreq: 10,
});
