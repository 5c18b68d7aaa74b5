#!/usr/bin/env python3
"""Re-export ONNX files from the committed float16 checkpoints in training/checkpoints/ (no
retraining needed). The checkpoints hold the same float16 weights as the shipped ONNX files; the
re-exported files are numerically equivalent but not bit-identical (batch-norm folding happens in
float32 from the rounded weights).

    /usr/bin/python3 training/export_checkpoints.py /tmp/reexport
    # then, e.g.: python3 training/onnx_fp16_weights.py /tmp/reexport/loupe-dial-pose.onnx out.onnx

    /usr/bin/python3 training/export_checkpoints.py --replace loupe-restore-nafnet
    # re-exports that bundled model in place: float16 weights, the shipped file's metadata_props
    # kept, and the sample MLflow run that holds the same bytes (resources/samples/mlruns) updated.
    # Used when the export form changes (restoration_nets.export_form), not the weights.
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from dial_pose_net import DialPoseNet  # noqa: E402
from restoration_nets import build  # noqa: E402
from train_detector import export_onnx  # noqa: E402
from train_restoration import export  # noqa: E402


def replace_bundled(model_id):
    """Re-export resources/models/<model_id>/model.onnx from its checkpoint, and every sample MLflow
    artifact that held the old file's bytes."""
    import hashlib
    import tempfile

    import onnx
    from onnx_fp16_weights import convert

    root = os.path.dirname(HERE)
    dst = os.path.join(root, "resources", "models", model_id, "model.onnx")
    old = open(dst, "rb").read()
    ck = torch.load(os.path.join(HERE, "checkpoints", f"{model_id}.pt"), map_location="cpu")
    m = build(ck["arch"], ck["arch_cfg"])
    m.load_state_dict({k: (v.float() if v.dtype.is_floating_point else v) for k, v in ck["state_dict"].items()})
    with tempfile.TemporaryDirectory() as tmp:
        exported = convert(export(m.eval(), os.path.join(tmp, "model.onnx")))
    for p in onnx.load(dst).metadata_props:
        q = exported.metadata_props.add()
        q.key, q.value = p.key, p.value
    new = exported.SerializeToString()
    digest = hashlib.sha256(old).hexdigest()
    copies = [dst]
    for base, _dirs, files in os.walk(os.path.join(root, "resources", "samples", "mlruns")):
        for f in files:
            p = os.path.join(base, f)
            if f == "model.onnx" and hashlib.sha256(open(p, "rb").read()).hexdigest() == digest:
                copies.append(p)
    for p in copies:
        open(p, "wb").write(new)
        print("wrote", os.path.relpath(p, root), len(new), "bytes")


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--replace":
        replace_bundled(sys.argv[2])
        return
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/loupe-reexport"
    os.makedirs(out, exist_ok=True)
    ck_dir = os.path.join(HERE, "checkpoints")
    for f in sorted(os.listdir(ck_dir)):
        ck = torch.load(os.path.join(ck_dir, f), map_location="cpu")
        sd = {k: (v.float() if v.dtype.is_floating_point else v) for k, v in ck["state_dict"].items()}
        name = f[:-3]
        if "net_cfg" in ck:
            m = DialPoseNet(**ck["net_cfg"])
            m.load_state_dict(sd)
            export_onnx(m.eval(), ck["size"], os.path.join(out, name + ".onnx"))
        else:
            m = build(ck["arch"], ck["arch_cfg"])
            m.load_state_dict(sd)
            export(m.eval(), os.path.join(out, name + ".onnx"))
        print("exported", os.path.join(out, name + ".onnx"))


if __name__ == "__main__":
    main()
