#!/usr/bin/env python3
"""Train one bundled restoration model on Kodak24 (kodim01-20) for the mixed degradation in
restoration_data.py, and export it to ONNX (opset 17, dynamic N/H/W).

    /usr/bin/python3 training/train_restoration.py --arch dncnn
    /usr/bin/python3 training/train_restoration.py --arch unet
    /usr/bin/python3 training/train_restoration.py --arch nafnet

One "epoch" is --iters iterations of --batch random crops (training images are only 20, so epochs
are defined by iterations, not by passes). After every epoch the held-out kodim21-24 (degraded with
the fixed eval seed, whole images at native resolution) are restored and val_loss (L1) and
val_psnr (dB, mean over the 4 images) are recorded with a wall-clock timestamp.

Writes to --out (default training/runs/restore-<arch>): log.txt, metrics.json (per-epoch
train_loss / val_loss / val_psnr with timestamps, params, timing), model.pt (fp32 state dict),
model.onnx.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import restoration_data as rd  # noqa: E402
from restoration_nets import ARCH_CFG, PAD_MULTIPLE, build  # noqa: E402

DEFAULTS = {
    # epochs x iters x batch; chosen so each run takes roughly 40-55 min on one core
    "dncnn": dict(epochs=40, iters=150, batch=8, crop=96, lr=1e-3),
    "unet": dict(epochs=40, iters=150, batch=8, crop=96, lr=1e-3),
    "nafnet": dict(epochs=40, iters=150, batch=8, crop=96, lr=1e-3),
}


def to_t(u8):
    return torch.from_numpy(np.ascontiguousarray(u8)).permute(2, 0, 1).float().div(255.0)


@torch.no_grad()
def restore(model, deg_u8, mult):
    """Restore one uint8 HxWx3 image at native resolution (reflect-pad to the multiple, crop back).
    Returns float32 HxWx3 in [0, 1] (clipped)."""
    x = to_t(deg_u8)[None]
    H, W = x.shape[2:]
    ph, pw = (-H) % mult, (-W) % mult
    if ph or pw:
        x = torch.nn.functional.pad(x, (0, pw, 0, ph), mode="reflect")
    y = model(x)[..., :H, :W].clamp(0, 1)
    return y[0].permute(1, 2, 0).numpy()


def export(model, path):
    import onnx
    from restoration_nets import export_form

    model = export_form(model.eval()).eval()
    x = torch.rand(1, 3, 64, 96)
    torch.onnx.export(model, x, path, opset_version=17, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "N", 2: "H", 3: "W"}, "output": {0: "N", 2: "H", 3: "W"}},
                      do_constant_folding=True)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True, choices=sorted(ARCH_CFG))
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--iters", type=int)
    ap.add_argument("--batch", type=int)
    ap.add_argument("--crop", type=int)
    ap.add_argument("--lr", type=float)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--clip", type=float, default=0.5, help="gradient-norm clip (0 = off)")
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    cfg = dict(DEFAULTS[args.arch])
    for k in cfg:
        if getattr(args, k) is not None:
            cfg[k] = getattr(args, k)
    out = args.out or f"training/runs/restore-{args.arch}"
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    log = open(os.path.join(out, "log.txt"), "w")

    def p(*a):
        s = " ".join(str(x) for x in a)
        print(s, flush=True)
        log.write(s + "\n")
        log.flush()

    model = build(args.arch)
    nparams = sum(q.numel() for q in model.parameters())
    mult = PAD_MULTIPLE[args.arch]
    p(f"arch {args.arch} cfg {ARCH_CFG[args.arch]} params {nparams} train {cfg} seed {args.seed}")
    train_imgs = [rd.load_kodak(n) for n in rd.TRAIN_IDS]
    val = rd.heldout_pairs()
    base_psnr = np.mean([rd.psnr(c / 255.0, d / 255.0) for _, c, d, _ in val])
    p(f"held-out degraded input PSNR {base_psnr:.3f} dB; params {[v[3] for v in val]}")
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], betas=(0.9, 0.9), weight_decay=0.0)
    total = cfg["epochs"] * cfg["iters"]
    history = []
    failed = None
    t_start = time.time()

    def write_metrics(**extra):
        with open(os.path.join(out, "metrics.json"), "w") as f:
            json.dump({"arch": args.arch, "arch_cfg": ARCH_CFG[args.arch], "params": nparams, "train": cfg, "seed": args.seed,
                       "clip": args.clip, "pad_multiple": mult, "start_ms": int(t_start * 1000), "history": history,
                       "heldout_input_psnr": base_psnr, "train_seconds": time.time() - t_start, **extra}, f, indent=1)
    step = 0
    for ep in range(1, cfg["epochs"] + 1):
        model.train()
        tl = 0.0
        for it in range(cfg["iters"]):
            lr = 1e-6 + (cfg["lr"] - 1e-6) * 0.5 * (1 + math.cos(math.pi * step / total))
            for g in opt.param_groups:
                g["lr"] = lr
            pairs = [rd.random_crop_pair(train_imgs, rng, cfg["crop"]) for _ in range(cfg["batch"])]
            clean = torch.stack([to_t(c) for c, _ in pairs])
            deg = torch.stack([to_t(d) for _, d in pairs])
            loss = (model(deg) - clean).abs().mean()
            if not torch.isfinite(loss):
                failed = f"non-finite training loss at epoch {ep}, iteration {it + 1}"
                break
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if args.clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            opt.step()
            tl += float(loss)
            step += 1
        if failed:
            break
        model.eval()
        vl, vp = [], []
        for _, c, d, _ in val:
            y = restore(model, d, mult)
            cf = c.astype(np.float32) / 255.0
            vl.append(float(np.abs(y - cf).mean()))
            vp.append(rd.psnr(cf, y))
        rec = {"epoch": ep, "step": step, "timestamp_ms": int(time.time() * 1000), "train_loss": tl / cfg["iters"],
               "val_loss": float(np.mean(vl)), "val_psnr": float(np.mean(vp)), "lr": lr, "elapsed_s": time.time() - t_start}
        history.append(rec)
        p(f"epoch {ep}/{cfg['epochs']} train_loss {rec['train_loss']:.5f} val_loss {rec['val_loss']:.5f} "
          f"val_psnr {rec['val_psnr']:.3f} (input {base_psnr:.3f}) elapsed {rec['elapsed_s'] / 60:.1f} min")
        write_metrics(finished=ep == cfg["epochs"])
        # divergence guard: three epochs in a row (from epoch 3 on) worse than the degraded input
        if ep >= 3 and all(h["val_psnr"] < base_psnr - 1.0 for h in history[-3:]):
            failed = f"diverged: val_psnr below the degraded input ({base_psnr:.2f} dB) for 3 epochs (epochs {ep - 2}-{ep})"
            break
    if failed:
        p(f"FAILED: {failed}")
        write_metrics(finished=False, error=failed, end_ms=int(time.time() * 1000))
        sys.exit(1)
    torch.save({"arch": args.arch, "arch_cfg": ARCH_CFG[args.arch], "state_dict": model.state_dict()}, os.path.join(out, "model.pt"))
    if not args.no_export:
        export(model, os.path.join(out, "model.onnx"))
    p(f"done in {(time.time() - t_start) / 60:.1f} min; exported {os.path.join(out, 'model.onnx')}")


if __name__ == "__main__":
    main()
