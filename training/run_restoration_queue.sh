#!/bin/sh
# Runs the restoration trainings one after another on one core (as used for the bundled models).
# Usage: sh training/run_restoration_queue.sh [pid-to-wait-for]
set -u
cd "$(dirname "$0")/.."
if [ "${1:-}" != "" ]; then
  while kill -0 "$1" 2>/dev/null; do sleep 20; done
fi
PY=/usr/bin/python3
# The bundled models, with the schedules they were trained with (the slower nets got fewer steps
# to fit the machine's time; their MODEL_CARD.md says so):
$PY training/train_restoration.py --arch dncnn > training/runs/restore-dncnn.out 2>&1                           # 40 x 150 steps
$PY training/train_restoration.py --arch unet --epochs 24 > training/runs/restore-unet.out 2>&1                 # 24 x 150 steps
$PY training/train_restoration.py --arch nafnet --epochs 12 --iters 100 > training/runs/restore-nafnet.out 2>&1  # 12 x 100 steps
# two extra runs that only feed the sample MLflow store (resources/samples/mlruns):
# a run that fails (learning rate far too high, no gradient clipping) ...
$PY training/train_restoration.py --arch nafnet --lr 0.05 --clip 0 --epochs 10 --iters 40 --seed 11 \
  --out training/runs/restore-nafnet-lr5e-2 > training/runs/restore-nafnet-lr5e-2.out 2>&1
# ... and a short finished run whose model artifact is missing from the store
$PY training/train_restoration.py --arch dncnn --epochs 6 --iters 50 --seed 3 --no-export \
  --out training/runs/restore-dncnn-short > training/runs/restore-dncnn-short.out 2>&1
echo queue done > training/runs/restore-queue.done
