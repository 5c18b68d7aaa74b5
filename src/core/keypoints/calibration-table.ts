// Written by bench/calibrate.bench.test.ts (`npm run calibrate`) from bench/calibration/observations.json.
// Do not edit: refit instead (test/core/keypoints/calibration.test.ts checks it is that fit).
import type { CalibrationTable } from './calibration';

export const CALIBRATION: CalibrationTable = {
  id: 'p2pct-3e0b754b',
  goodErrorPct: 2,
  methods: {
    homography: {
      kind: 'logistic',
      features: ['logit_raw', 'log_inliers', 'ncc', 'log_spread_off', 'asymmetry'],
      mean: [0.1115, 4.5397, 0.7166, 0.4263, 0.0306],
      scale: [0.5674, 0.8856, 0.1992, 0.3813, 0.0171],
      weights: [0.5518, 0.8032, 0.2708, -1.5605, -0.159],
      intercept: 6.8492,
      n: 289,
      positives: 284,
      source: 'own',
    },
    'homography-unsure': {
      kind: 'constant',
      p: 0.6576,
      n: 4,
      positives: 2,
      source: 'own',
    },
    pose: {
      kind: 'constant',
      p: 0.0068,
      n: 293,
      positives: 2,
      source: 'own',
    },
    'pose-fallback': {
      kind: 'constant',
      p: 0.0006,
      n: 31,
      positives: 0,
      source: 'own',
    },
    box: {
      kind: 'constant',
      p: 0.0061,
      n: 1,
      positives: 0,
      source: 'own',
    },
    obb: {
      kind: 'constant',
      p: 0.0092,
      n: 0,
      positives: 0,
      source: 'pose+pose-fallback+box+obb',
    },
    geometric: {
      kind: 'constant',
      p: 0.0092,
      n: 0,
      positives: 0,
      source: 'pose+pose-fallback+box+obb+geometric',
    },
  },
};
