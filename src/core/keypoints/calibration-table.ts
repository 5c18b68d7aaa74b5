// Written by bench/calibrate.bench.test.ts (`npm run calibrate`) from bench/calibration/observations.json.
// Do not edit: refit instead (test/core/keypoints/calibration.test.ts checks it is that fit).
import type { CalibrationTable } from './calibration';

export const CALIBRATION: CalibrationTable = {
  id: 'p2pct-a2d2e019',
  goodErrorPct: 2,
  methods: {
    homography: {
      kind: 'constant',
      p: 0.988,
      n: 417,
      positives: 412,
      source: 'own',
    },
    'homography-unsure': {
      kind: 'constant',
      p: 0.6604,
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
      p: 0.0001,
      n: 211,
      positives: 0,
      source: 'own',
    },
  },
};
