#!/usr/bin/env python3
"""Re-export ONNX files from the committed float16 checkpoints in training/checkpoints/ (no
retraining needed). The checkpoints hold the same float16 weights as the shipped ONNX files; the
re-exported files are numerically equivalent but not bit-identical (batch-norm folding happens in
float32 from the rounded weights).

    /usr/bin/python3 training/export_checkpoints.py /tmp/reexport
    # then, e.g.: python3 training/onnx_fp16_weights.py /tmp/reexport/loupe-dial-pose.onnx out.onnx
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


def main():
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
