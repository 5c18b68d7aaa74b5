"""Run ONNX files through onnxruntime-node (the runtime the app uses) from Python.

Needs a scratch directory with onnxruntime-node installed, outside the repository:

    mkdir -p /tmp/ortcheck && cd /tmp/ortcheck && npm init -y \
      && npm install onnxruntime-node@1.30.0 --onnxruntime-node-install=skip

and ``LOUPE_ORT_DIR`` pointing at it (default /tmp/ortcheck).
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ORT_DIR = os.environ.get("LOUPE_ORT_DIR", "/tmp/ortcheck")


def available():
    return os.path.isdir(os.path.join(ORT_DIR, "node_modules", "onnxruntime-node"))


def run(model_path, inputs, threads=2, bench=None):
    """inputs: list of float32 arrays. Returns (outputs list, info dict)."""
    if not available():
        raise RuntimeError(f"onnxruntime-node not found under {ORT_DIR}/node_modules (see training/README.md)")
    with tempfile.TemporaryDirectory(prefix="loupe-ort-") as td:
        job = {"model": os.path.abspath(model_path), "threads": threads, "inputs": [], "outDir": os.path.join(td, "out")}
        for i, x in enumerate(inputs):
            f = os.path.join(td, f"in{i}.bin")
            np.ascontiguousarray(x, dtype="<f4").tofile(f)
            job["inputs"].append({"file": f, "shape": list(x.shape)})
        if bench:
            job["bench"] = bench
        jf = os.path.join(td, "job.json")
        with open(jf, "w") as fh:
            json.dump(job, fh)
        env = dict(os.environ, NODE_PATH=os.path.join(ORT_DIR, "node_modules"))
        r = subprocess.run(["node", os.path.join(HERE, "ort_run.js"), jf], env=env, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("ort_run.js failed:\n" + r.stderr)
        idx = json.loads(r.stdout)
        outs = [np.fromfile(o["file"], dtype="<f4").reshape(o["shape"]) for o in idx["outputs"]]
        return outs, idx
