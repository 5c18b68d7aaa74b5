"""PyTorch eager baseline for bench/infer.bench.test.ts: the job `loupe infer` does, done the way
the seed did it (read PNG, reflect-pad, forward, crop, write PNG), with the bundled model's own
weights (training/checkpoints/<id>.pt: the float16 values the ONNX file holds) in the training
code's network, computed in float32 like onnxruntime does, in the same run.

Usage: /usr/bin/python3 bench/torch_baseline.py MODEL_DIR INPUT_DIR OUTPUT_DIR [THREADS]
Prints one JSON line: {"frames", "wall_s", "forward_s"}.
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "training"))
import restoration_nets  # noqa: E402


def load(model_dir):
    manifest = json.load(open(os.path.join(model_dir, "model.json")))
    ck = torch.load(os.path.join(ROOT, "training", "checkpoints", f"{manifest['id']}.pt"), map_location="cpu")
    net = restoration_nets.build(ck["arch"], ck["arch_cfg"])
    net.load_state_dict({k: (v.float() if v.dtype.is_floating_point else v) for k, v in ck["state_dict"].items()})
    net.eval()
    return net, manifest["input"].get("padMultiple") or 1


def main():
    model_dir, input_dir, output_dir = sys.argv[1:4]
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else os.cpu_count()
    torch.set_num_threads(threads)
    os.makedirs(output_dir, exist_ok=True)
    net, multiple = load(model_dir)
    names = sorted(n for n in os.listdir(input_dir) if n.endswith(".png"))
    forward = 0.0
    start = time.perf_counter()
    with torch.no_grad():
        for name in names:
            rgb = np.asarray(Image.open(os.path.join(input_dir, name)).convert("RGB"), dtype=np.float32) / 255.0
            x = torch.from_numpy(rgb).permute(2, 0, 1).unsqueeze(0)
            h, w = x.shape[2], x.shape[3]
            ph, pw = (-h) % multiple, (-w) % multiple
            if ph or pw:
                x = F.pad(x, (0, pw, 0, ph), mode="reflect")
            t = time.perf_counter()
            y = net(x)
            forward += time.perf_counter() - t
            y = y[:, :, :h, :w].clamp(0, 1)
            out = (y[0].permute(1, 2, 0).numpy() * 255.0 + 0.5).astype(np.uint8)
            Image.fromarray(out).save(os.path.join(output_dir, name), compress_level=6)
    print(json.dumps({"frames": len(names), "wall_s": time.perf_counter() - start, "forward_s": forward}))


if __name__ == "__main__":
    main()
