#!/usr/bin/env python3
"""Write the sample MLflow tracking store resources/samples/mlruns (MLflow's file-store layout,
written by hand: the mlflow package is not available here).

    /usr/bin/python3 training/make_mlruns.py

Layout (as MLflow 2.x's FileStore writes it):

    mlruns/0/meta.yaml                                   the "Default" experiment (no runs)
    mlruns/1/meta.yaml                                   experiment "loupe-restoration"
    mlruns/1/<run_id>/meta.yaml                          run info (status as MLflow's integer enum)
    mlruns/1/<run_id>/params/<key>                       value, no trailing newline
    mlruns/1/<run_id>/metrics/<key>                      lines "<timestamp_ms> <value> <step>"
    mlruns/1/<run_id>/tags/<key>                         value, no trailing newline
    mlruns/1/<run_id>/artifacts/model/{MLmodel,model.onnx,conda.yaml,python_env.yaml,requirements.txt}

Runs (all metrics are the real per-epoch numbers recorded by train_restoration.py, copied from
training/results/*.json):

    restore-dncnn-c32d8, restore-unet-c16, restore-nafnet-w16   FINISHED (3), model artifact = the bundled
                                                                resources/models/<id>/model.onnx (same bytes)
    restore-nafnet-lr5e-2   FAILED (4): learning rate 0.05 without gradient clipping; partial
                            metrics, no model artifact
    restore-dncnn-short     FINISHED (3) but the model artifact is missing: artifacts/model/MLmodel
                            is present, artifacts/model/model.onnx is absent (it was never exported)

Artifact URIs are written relative to the directory that contains ``mlruns`` (resources/samples),
e.g. ``./mlruns/1/<run_id>/artifacts``, because absolute file:// URIs (what MLflow records) would
point at this build machine. A reader should resolve them against the store, or simply use
``<run dir>/artifacts``.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import uuid

import onnx
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
ROOT = os.path.normpath(os.path.join(HERE, ".."))
STORE = os.environ.get("LOUPE_MLRUNS_OUT", os.path.join(ROOT, "resources", "samples", "mlruns"))
RESULTS = os.environ.get("LOUPE_RESULTS", os.path.join(HERE, "results"))
EXP_ID = "1"
EXP_NAME = "loupe-restoration"
USER = "loupe"
MLFLOW_VERSION = "2.9.2"   # the file-store format emulated
SOURCE = "training/train_restoration.py"

RUNS = [
    # (result file, run name, status, model source (None = no artifact), model artifact mode)
    ("restore-dncnn", "restore-dncnn-c32d8", 3, "resources/models/loupe-restore-dncnn/model.onnx", "full"),
    ("restore-unet", "restore-unet-c16", 3, "resources/models/loupe-restore-unet/model.onnx", "full"),
    ("restore-nafnet", "restore-nafnet-w16", 3, "resources/models/loupe-restore-nafnet/model.onnx", "full"),
    ("restore-nafnet-lr5e-2", "restore-nafnet-lr5e-2", 4, None, "none"),
    ("restore-dncnn-short", "restore-dncnn-short", 3, None, "mlmodel-only"),
]


def rid(name):
    return uuid.uuid5(uuid.NAMESPACE_URL, f"loupe/mlruns/{EXP_NAME}/{name}").hex


def write_yaml(path, d):
    """The way MLflow writes its YAML files: yaml.safe_dump, block style, keys sorted."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        yaml.safe_dump(d, f, default_flow_style=False, sort_keys=True)


def write_text(path, s):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(s)


def fmt(v):
    return repr(float(v)) if isinstance(v, float) else str(v)


def main():
    if os.path.exists(STORE):
        shutil.rmtree(STORE)
    os.makedirs(os.path.join(STORE, "0"))
    runs = []
    for res, name, status, model_src, mode in RUNS:
        p = os.path.join(RESULTS, f"{res}.json")
        if not os.path.exists(p):
            sys.exit(f"missing {p}: run the training queue and package_models.py --onnx first")
        runs.append((json.load(open(p)), name, status, model_src, mode))
        r = rid(name)
        # keep ids unambiguous for YAML 1.2 readers (an all-digit id with one 'e' would parse as a float)
        assert not r.replace("e", "", 1).isdigit(), r
    t_first = min(h["start_ms"] for h, *_ in runs)
    t_last = max((h.get("end_ms") or h["history"][-1]["timestamp_ms"]) for h, *_ in runs)
    write_yaml(os.path.join(STORE, "0", "meta.yaml"), {
        "artifact_location": "./mlruns/0", "creation_time": t_first - 60000, "experiment_id": "0",
        "last_update_time": t_first - 60000, "lifecycle_stage": "active", "name": "Default"})
    exp_dir = os.path.join(STORE, EXP_ID)
    os.makedirs(exp_dir)
    write_yaml(os.path.join(exp_dir, "meta.yaml"), {
        "artifact_location": f"./mlruns/{EXP_ID}", "creation_time": t_first - 30000, "experiment_id": EXP_ID,
        "last_update_time": t_last, "lifecycle_stage": "active", "name": EXP_NAME})
    write_text(os.path.join(exp_dir, "tags", "mlflow.note.content"),
               "Sample store bundled with Loupe: the three bundled restoration models, one failed run and one finished run "
               "whose model artifact is missing. Written by training/make_mlruns.py.")
    summary = []
    for hist, name, status, model_src, mode in runs:
        run_id = rid(name)
        rdir = os.path.join(exp_dir, run_id)
        os.makedirs(rdir)
        H = hist["history"]
        start = hist["start_ms"]
        end = hist.get("end_ms") or (H[-1]["timestamp_ms"] if H else start)
        write_yaml(os.path.join(rdir, "meta.yaml"), {
            "artifact_uri": f"./mlruns/{EXP_ID}/{run_id}/artifacts", "end_time": end, "entry_point_name": "",
            "experiment_id": EXP_ID, "lifecycle_stage": "active", "run_id": run_id, "run_name": name, "run_uuid": run_id,
            "source_name": "", "source_type": 4, "source_version": "", "start_time": start, "status": status, "tags": [],
            "user_id": USER})
        cfg = hist["train"]
        ac = hist["arch_cfg"]
        params = {
            "architecture": hist["arch"], "epochs": cfg["epochs"], "iters_per_epoch": cfg["iters"], "lr": cfg["lr"],
            "batch_size": cfg["batch"], "crop_size": cfg["crop"], "seed": hist["seed"], "loss": "l1",
            "optimizer": "AdamW(0.9,0.9)", "lr_schedule": "cosine", "grad_clip": hist.get("clip", 0.5),
            "pad_multiple": hist["pad_multiple"], "num_params": hist["params"], "train_images": "kodim01-kodim20",
            "val_images": "kodim21-kodim24", "degradation": "blur U(0,1) -> noise U(10,30) -> jpeg U{30..70}",
        }
        if hist["arch"] == "dncnn":
            params.update(width=ac["channels"], depth=ac["depth"])
        elif hist["arch"] == "unet":
            params.update(width=ac["ch"][0], depth=len(ac["ch"]), bottleneck=ac["bottleneck"])
        else:
            params.update(width=ac["width"], depth=len(ac["enc"]), enc_blocks=",".join(map(str, ac["enc"])),
                          middle_blocks=ac["middle"], dec_blocks=",".join(map(str, ac["dec"])))
        for k, v in params.items():
            write_text(os.path.join(rdir, "params", k), fmt(v) if not isinstance(v, str) else v)
        for key in ("train_loss", "val_loss", "val_psnr"):
            lines = [f"{h['timestamp_ms']} {h[key]!r} {h['epoch']}" for h in H]
            write_text(os.path.join(rdir, "metrics", key), "\n".join(lines) + "\n")
        tags = {"mlflow.runName": name, "mlflow.source.name": SOURCE, "mlflow.source.type": "LOCAL", "mlflow.user": USER,
                "architecture": hist["arch"]}
        if status == 4:
            tags["mlflow.note.content"] = hist.get("error", "failed")
            tags["error"] = hist.get("error", "failed")
        if mode == "mlmodel-only":
            tags["mlflow.note.content"] = "Finished run whose model was never exported: artifacts/model/MLmodel exists, model.onnx does not."
        for k, v in tags.items():
            write_text(os.path.join(rdir, "tags", k), v)
        os.makedirs(os.path.join(rdir, "artifacts"), exist_ok=True)
        if mode != "none":
            md = os.path.join(rdir, "artifacts", "model")
            os.makedirs(md)
            created = end + 1500
            import datetime as dt
            utc = dt.datetime.utcfromtimestamp(created / 1000).strftime("%Y-%m-%d %H:%M:%S.%f")
            mlmodel = {
                "artifact_path": "model",
                "flavors": {
                    "onnx": {"code": None, "data": "model.onnx", "onnx_version": onnx.__version__,
                             "providers": ["CPUExecutionProvider"]},
                    "python_function": {"data": "model.onnx", "env": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"},
                                        "loader_module": "mlflow.onnx", "python_version": "3.11.2"},
                },
                "mlflow_version": MLFLOW_VERSION,
                "model_uuid": uuid.uuid5(uuid.NAMESPACE_URL, f"loupe/model/{name}").hex,
                "run_id": run_id,
                "utc_time_created": utc,
            }
            write_yaml(os.path.join(md, "MLmodel"), mlmodel)
            write_text(os.path.join(md, "conda.yaml"), "channels:\n- conda-forge\ndependencies:\n- python=3.11.2\n- pip\n- pip:\n"
                       f"  - mlflow=={MLFLOW_VERSION}\n  - onnx=={onnx.__version__}\n  - onnxruntime\nname: mlflow-env\n")
            write_text(os.path.join(md, "python_env.yaml"), "python: 3.11.2\nbuild_dependencies:\n- pip\ndependencies:\n"
                       "- -r requirements.txt\n")
            write_text(os.path.join(md, "requirements.txt"), f"mlflow=={MLFLOW_VERSION}\nonnx=={onnx.__version__}\nonnxruntime\n")
            if mode == "full":
                src = os.path.join(ROOT, model_src)
                shutil.copyfile(src, os.path.join(md, "model.onnx"))
                a = hashlib.sha256(open(src, "rb").read()).hexdigest()
                b = hashlib.sha256(open(os.path.join(md, "model.onnx"), "rb").read()).hexdigest()
                assert a == b
        last = H[-1] if H else {}
        summary.append((name, run_id, {3: "FINISHED", 4: "FAILED"}[status], len(H), last.get("val_loss"), mode))
    for s in summary:
        print(f"{s[0]:24s} {s[1]} {s[2]:8s} epochs logged {s[3]:3d} final val_loss {s[4]} model artifact: {s[5]}")


if __name__ == "__main__":
    main()
