// Written by bench/calibrate.bench.test.ts (`npm run calibrate`) from bench/calibration/observations.json.
// Do not edit: refit instead (test/core/keypoints/calibration.test.ts checks it is that fit).
import type { CalibrationTable } from './calibration';

export const CALIBRATION: CalibrationTable = {
  id: 'p2pct-7f2facad',
  goodErrorPct: 2,
  methods: {
    homography: {
      kind: 'constant',
      p: 0.9887,
      n: 442,
      positives: 437,
      source: 'own',
    },
    'homography-unsure': {
      kind: 'constant',
      p: 0.7937,
      n: 3,
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
      p: 0.001,
      n: 17,
      positives: 0,
      source: 'own',
    },
    box: {
      kind: 'constant',
      p: 0.0064,
      n: 1,
      positives: 0,
      source: 'own',
    },
    obb: {
      kind: 'constant',
      p: 0.0096,
      n: 0,
      positives: 0,
      source: 'pose+pose-fallback+box+obb',
    },
    geometric: {
      kind: 'constant',
      p: 0.0001,
      n: 201,
      positives: 0,
      source: 'own',
    },
  },
};
