#!/usr/bin/env python3
"""Train the bundled dial detector (one class `dial`, 5 keypoints) from scratch on synthetic data.

    /usr/bin/python3 training/train_detector.py                      # full run (~2.2 h, 1 thread)
    /usr/bin/python3 training/train_detector.py --steps 200 --out training/runs/det-smoke   # smoke test

Every training image is generated on the fly by ``synth_watches.generate(data_seed, index, S)``
with index = step * batch + j, so a run is reproducible from its arguments (plus torch's seeded
initialisation). A multi-size schedule trains at S=256 first (cheaper to generate and to run), then 320,
then the export size 384 (--stages). The exponential moving average (EMA) of the weights is what gets evaluated
and exported.

Writes to --out: log.txt, metrics.jsonl (loss per logging step, eval every --eval-every),
last.pt (EMA weights, fp16), and model.onnx (see export_onnx).
"""
from __future__ import annotations

import argparse
import copy
import datetime as _dt
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth_watches as sw  # noqa: E402
from dial_pose_net import DialPoseNet, count_macs  # noqa: E402

KPT = list(sw.KPT_NAMES)
NET_CFG = dict(w=(16, 24, 48, 80, 112), depth=(1, 1, 2, 1), head_c=40)


# ----------------------------------------------------------------------------------------------
# Box helpers
# ----------------------------------------------------------------------------------------------

def box_iou(a, b, eps=1e-7):
    """a (n,4), b (m,4) xyxy -> (n,m)"""
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    aa = (a[:, 2:] - a[:, :2]).clamp(min=0).prod(-1)
    ab = (b[:, 2:] - b[:, :2]).clamp(min=0).prod(-1)
    return inter / (aa[:, None] + ab[None, :] - inter + eps)


def ciou(a, b, eps=1e-7):
    """elementwise CIoU of xyxy boxes (n,4),(n,4)"""
    w1, h1 = a[:, 2] - a[:, 0], (a[:, 3] - a[:, 1]).clamp(min=eps)
    w2, h2 = b[:, 2] - b[:, 0], (b[:, 3] - b[:, 1]).clamp(min=eps)
    iw = (torch.min(a[:, 2], b[:, 2]) - torch.max(a[:, 0], b[:, 0])).clamp(min=0)
    ih = (torch.min(a[:, 3], b[:, 3]) - torch.max(a[:, 1], b[:, 1])).clamp(min=0)
    inter = iw * ih
    union = w1 * h1 + w2 * h2 - inter + eps
    iou = inter / union
    cw = torch.max(a[:, 2], b[:, 2]) - torch.min(a[:, 0], b[:, 0])
    ch = torch.max(a[:, 3], b[:, 3]) - torch.min(a[:, 1], b[:, 1])
    c2 = cw ** 2 + ch ** 2 + eps
    rho2 = ((a[:, 0] + a[:, 2] - b[:, 0] - b[:, 2]) ** 2 + (a[:, 1] + a[:, 3] - b[:, 1] - b[:, 3]) ** 2) / 4
    v = (4 / math.pi ** 2) * (torch.atan(w2 / h2) - torch.atan(w1 / h1)) ** 2
    with torch.no_grad():
        alpha = v / (v - iou + (1 + eps))
    return iou - (rho2 / c2 + v * alpha)


# ----------------------------------------------------------------------------------------------
# Task-aligned assignment (the idea of TOOD/YOLOv8's assigner, written from its description)
# ----------------------------------------------------------------------------------------------

@torch.no_grad()
def assign(scores, pboxes, anc, gboxes, topk=10, alpha=0.5, beta=6.0):
    """scores (N,) sigmoid, pboxes (N,4), anc (N,2) pixels, gboxes (n,4).
    Returns fg (N,) bool, gt_index (N,), target_score (N,)."""
    N = anc.shape[0]
    n = gboxes.shape[0]
    fg = torch.zeros(N, dtype=torch.bool)
    gi = torch.zeros(N, dtype=torch.long)
    ts = torch.zeros(N)
    if n == 0:
        return fg, gi, ts
    ax, ay = anc[:, 0][None], anc[:, 1][None]
    inside = (ax > gboxes[:, 0:1]) & (ax < gboxes[:, 2:3]) & (ay > gboxes[:, 1:2]) & (ay < gboxes[:, 3:4])
    # tiny boxes that contain no anchor centre: use the nearest anchor
    gc = (gboxes[:, :2] + gboxes[:, 2:]) / 2
    d2 = ((anc[None] - gc[:, None]) ** 2).sum(-1)
    empty = ~inside.any(1)
    if empty.any():
        nearest = d2.argmin(1)
        inside[empty, nearest[empty]] = True
    ious = box_iou(gboxes, pboxes).clamp(min=0)
    align = scores[None].clamp(min=1e-9) ** alpha * ious ** beta
    # tie-break towards the box centre (matters at the start, when every IoU is ~0)
    diag2 = ((gboxes[:, 2:] - gboxes[:, :2]) ** 2).sum(-1, keepdim=True) + 1e-6
    metric = (align + 1e-12 * (1 - d2 / diag2)) * inside
    k = min(topk, N)
    top = metric.topk(k, dim=1).indices
    pos = torch.zeros_like(inside)
    pos.scatter_(1, top, True)
    pos &= inside
    # an anchor claimed by several boxes goes to the one it overlaps most
    multi = pos.sum(0) > 1
    if multi.any():
        best = ious.argmax(0)
        pos[:, multi] = False
        pos[best[multi], multi.nonzero()[:, 0]] = True
    fg = pos.any(0)
    gi = pos.float().argmax(0)
    al = align * pos
    max_al = al.amax(1, keepdim=True)
    max_iou = (ious * pos).amax(1, keepdim=True)
    norm = (al / (max_al + 1e-9) * max_iou).amax(0)
    ts = torch.where(fg, norm, torch.zeros_like(norm))
    return fg, gi, ts


def compute_loss(model, raw, targets, S):
    """targets: list of (boxes (n,4), kpts (n,5,3)) tensors in input pixels."""
    xyxy, cls, kxy, kv = model.decode(raw)
    shapes = [r[0].shape[2:] for r in raw]
    anc, st = model.anchors(shapes, xyxy.device)
    anc_px = anc * st
    B = xyxy.shape[0]
    cls_t = torch.zeros_like(cls)
    box_l, kpt_l, vis_l = [], [], []
    tsum = 0.0
    for b in range(B):
        gb, gk = targets[b]
        fg, gi, ts = assign(cls[b].detach().sigmoid(), xyxy[b].detach(), anc_px, gb)
        cls_t[b] = ts
        tsum += float(ts.sum())
        if fg.any():
            tb = gb[gi[fg]]
            w = ts[fg]
            box_l.append(((1.0 - ciou(xyxy[b][fg], tb)) * w).sum())
            tk = gk[gi[fg]]                                     # m,5,3
            vis = tk[..., 2]
            scale = ((tb[:, 2] - tb[:, 0]) * (tb[:, 3] - tb[:, 1])).clamp(min=4).sqrt()  # m
            d = ((kxy[b][fg] - tk[..., :2]) ** 2).sum(-1).add(1e-6).sqrt() / scale[:, None]
            kpt_l.append((d * vis).sum() / vis.sum().clamp(min=1) * fg.sum())
            vis_l.append(F.binary_cross_entropy_with_logits(kv[b][fg], vis, reduction="sum") / 5.0)
    tsum = max(tsum, 1.0)
    fg_total = max(1.0, float((cls_t > 0).sum()))
    l_cls = F.binary_cross_entropy_with_logits(cls, cls_t, reduction="sum") / tsum
    l_box = (torch.stack(box_l).sum() / tsum) if box_l else xyxy.sum() * 0
    l_kpt = (torch.stack(kpt_l).sum() / fg_total) if kpt_l else kxy.sum() * 0
    l_vis = (torch.stack(vis_l).sum() / fg_total) if vis_l else kv.sum() * 0
    total = 7.5 * l_box + 1.0 * l_cls + 10.0 * l_kpt + 1.0 * l_vis
    return total, {"box": float(l_box), "cls": float(l_cls), "kpt": float(l_kpt), "vis": float(l_vis)}


# ----------------------------------------------------------------------------------------------
# Inference helpers shared by evaluation scripts
# ----------------------------------------------------------------------------------------------

def nms_decode(out, conf=0.25, iou=0.7):
    """out: (20, N) numpy array in the YOLOv8-pose layout -> list of dicts (box xyxy, score,
    kpts (5,3)). Class-agnostic greedy NMS (one class anyway)."""
    out = np.asarray(out)
    sc = out[4]
    keep = np.nonzero(sc >= conf)[0]
    if keep.size == 0:
        return []
    o = out[:, keep]
    cx, cy, w, h = o[0], o[1], o[2], o[3]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)
    scores = o[4]
    order = np.argsort(-scores)
    res = []
    suppressed = np.zeros(len(order), bool)
    for ii, i in enumerate(order):
        if suppressed[ii]:
            continue
        res.append({"box": boxes[i], "score": float(scores[i]), "kpts": o[5:, i].reshape(5, 3)})
        rest = order[ii + 1:]
        if rest.size:
            b = boxes[i]
            bb = boxes[rest]
            iw = np.clip(np.minimum(b[2], bb[:, 2]) - np.maximum(b[0], bb[:, 0]), 0, None)
            ih = np.clip(np.minimum(b[3], bb[:, 3]) - np.maximum(b[1], bb[:, 1]), 0, None)
            inter = iw * ih
            u = (b[2] - b[0]) * (b[3] - b[1]) + (bb[:, 2] - bb[:, 0]) * (bb[:, 3] - bb[:, 1]) - inter
            ov = inter / np.maximum(u, 1e-9)
            suppressed[ii + 1:] |= ov > iou
    return res


def iou_np(a, b):
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / max(u, 1e-9)


def dial_diameter(k):
    """Ground-truth dial diameter in pixels: mean of the top-bottom and left-right distances."""
    return 0.5 * (np.linalg.norm(k[0, :2] - k[1, :2]) + np.linalg.norm(k[2, :2] - k[3, :2]))


def match_and_score(dets, gboxes, gkpts, iou_thr=0.5):
    """Greedy matching (highest score first) of detections to ground truth. Returns
    (n_gt, n_matched, n_false_pos, list of per-keypoint errors in % of the dial diameter
    (shape (m,5), NaN for invisible points))."""
    used = set()
    errs = []
    fp = 0
    for d in dets:
        best, bi = iou_thr, -1
        for j, g in enumerate(gboxes):
            if j in used:
                continue
            v = iou_np(d["box"], g)
            if v >= best:
                best, bi = v, j
        if bi < 0:
            fp += 1
            continue
        used.add(bi)
        gk = gkpts[bi]
        dia = max(dial_diameter(gk), 1e-6)
        e = np.linalg.norm(d["kpts"][:, :2] - gk[:, :2], axis=1) / dia * 100.0
        e[gk[:, 2] <= 0] = np.nan
        errs.append(e)
    return len(gboxes), len(used), fp, errs


def summarize(tot_gt, tot_match, tot_fp, errs, n_img):
    E = np.array(errs) if errs else np.zeros((0, 5))
    res = {
        "images": n_img, "dials": tot_gt, "recall@0.5": tot_match / max(tot_gt, 1),
        "false_pos_per_image": tot_fp / max(n_img, 1),
        "precision": tot_match / max(tot_match + tot_fp, 1),
        "kpt_err_mean_pct": float(np.nanmean(E)) if E.size else float("nan"),
        "kpt_err_median_pct": float(np.nanmedian(E)) if E.size else float("nan"),
    }
    for i, n in enumerate(KPT):
        res[f"kpt_err_{n}_pct"] = float(np.nanmean(E[:, i])) if E.size else float("nan")
    # share of matched dials whose 12 o'clock point is on the wrong side (error > 50% of diameter)
    res["orientation_flip_rate"] = float(np.mean(E[:, 0] > 50.0)) if E.size else float("nan")
    return res


@torch.no_grad()
def evaluate_torch(model, samples, threads=None):
    model.eval()
    tg = tm = tf = 0
    errs = []
    for img, gb, gk in samples:
        x = torch.from_numpy(img).permute(2, 0, 1)[None].float() / 255.0
        out = model(x)[0].numpy()
        dets = nms_decode(out)
        a, b_, c, e = match_and_score(dets, gb, gk)
        tg += a
        tm += b_
        tf += c
        errs += e
    return summarize(tg, tm, tf, errs, len(samples))


def make_eval_set(seed, count, S, kodak):
    return [sw.generate(seed, i, S, kodak) for i in range(count)]


# ----------------------------------------------------------------------------------------------
# Export
# ----------------------------------------------------------------------------------------------

def export_onnx(model, S, path, version="1.0.0", description=None):
    import onnx
    m = copy.deepcopy(model).float().eval()
    x = torch.zeros(1, 3, S, S)
    torch.onnx.export(m, x, path, opset_version=17, input_names=["images"], output_names=["output0"],
                      do_constant_folding=True)
    mp = onnx.load(path)
    meta = {
        "description": description or "Loupe dial keypoint detector (yolo-pose-lite, trained on synthetic watches)",
        "author": "Loupe",
        "date": _dt.datetime.now().isoformat(),
        "version": version,
        "license": "MIT",
        "stride": str(32),
        "task": "pose",
        "batch": str(1),
        "imgsz": str([S, S]),
        "names": str({0: "dial"}),
        "kpt_shape": str([5, 3]),
        "kpt_names": str({0: KPT}),
    }
    del mp.metadata_props[:]
    for k, v in meta.items():
        p = mp.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(mp)
    onnx.save(mp, path)
    return meta


class EMA:
    def __init__(self, model, decay=0.9995, tau=1000):
        self.ema = copy.deepcopy(model).eval()
        self.updates = 0
        self.decay = decay
        self.tau = tau
        for p in self.ema.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model):
        self.updates += 1
        d = self.decay * (1 - math.exp(-self.updates / self.tau))
        msd = model.state_dict()
        for k, v in self.ema.state_dict().items():
            if v.dtype.is_floating_point:
                v.mul_(d).add_(msd[k].detach(), alpha=1 - d)
            else:
                v.copy_(msd[k])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=3600)
    ap.add_argument("--stages", default="256:0.5,320:0.3,384:0.2",
                    help="training input sizes and the share of steps at each, in order; the last size is S (export)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--wd", type=float, default=5e-4)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0, help="torch init seed")
    ap.add_argument("--data-seed", type=int, default=1000)
    ap.add_argument("--eval-seed", type=int, default=999)
    ap.add_argument("--eval-count", type=int, default=150)
    ap.add_argument("--eval-every", type=int, default=600)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-kodak", action="store_true", help="procedural backgrounds only")
    ap.add_argument("--out", default="training/runs/detector")
    ap.add_argument("--resume", default="", help="a last.pt/ckpt.pt to continue from")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    log = open(os.path.join(args.out, "log.txt"), "a")
    mlog = open(os.path.join(args.out, "metrics.jsonl"), "a")

    def p(*a):
        s = " ".join(str(x) for x in a)
        print(s, flush=True)
        log.write(s + "\n")
        log.flush()

    kodak = None if args.no_kodak else sw.load_kodak(sw.KODAK_ROOT, sw.KODAK_BG)
    model = DialPoseNet(**NET_CFG)
    p(f"args {vars(args)}")
    p(f"params {sum(q.numel() for q in model.parameters())}  MACs@320 {count_macs(model, 320) / 1e9:.3f}G")
    model.train()
    decay, no_decay = [], []
    for n_, q in model.named_parameters():
        (no_decay if q.ndim <= 1 else decay).append(q)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.999))
    ema = EMA(model)
    start = 0
    prev_seconds = 0.0
    ckpt_path = os.path.join(args.out, "ckpt.pt")
    if args.resume or os.path.exists(ckpt_path):
        ck = torch.load(args.resume or ckpt_path, map_location="cpu")
        model.load_state_dict(ck["model"])
        ema.ema.load_state_dict(ck["ema"])
        ema.updates = ck["ema_updates"]
        opt.load_state_dict(ck["opt"])
        start = ck["step"]
        prev_seconds = ck.get("elapsed_s", 0.0)
        p(f"resumed at step {start} after {prev_seconds / 60:.1f} min of earlier training")
    stages = [(int(a), float(b)) for a, b in (t.split(":") for t in args.stages.split(","))]
    args.size = stages[-1][0]
    bounds, acc = [], 0.0
    for sz, fr in stages:
        acc += fr
        bounds.append((int(round(acc * args.steps)), sz))
    eval_set = make_eval_set(args.eval_seed, args.eval_count, args.size, kodak)
    t0 = time.time()
    run_loss = {}
    for step in range(start, args.steps):
        S = next((sz for b, sz in bounds if step < b), args.size)
        lr = args.lr * (min(1.0, (step + 1) / args.warmup)) * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * step / args.steps)))
        for g in opt.param_groups:
            g["lr"] = lr
        imgs, targets = [], []
        tg0 = time.time()
        for j in range(args.batch):
            img, b, k = sw.generate(args.data_seed, step * args.batch + j, S, kodak)
            imgs.append(torch.from_numpy(img).permute(2, 0, 1))
            targets.append((torch.from_numpy(b), torch.from_numpy(k)))
        x = torch.stack(imgs).float() / 255.0
        tgen = time.time() - tg0
        raw = model.forward_raw(x)
        loss, parts = compute_loss(model, raw, targets, S)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
        ema.update(model)
        for k_, v in dict(parts, total=float(loss)).items():
            run_loss[k_] = run_loss.get(k_, 0.0) * 0.98 + v * 0.02 if k_ in run_loss else v
        if step % 25 == 0 or step == args.steps - 1:
            el = time.time() - t0
            p(f"step {step} S {S} lr {lr:.2e} loss {run_loss['total']:.3f} box {run_loss['box']:.3f} cls {run_loss['cls']:.3f} "
              f"kpt {run_loss['kpt']:.4f} vis {run_loss['vis']:.3f} gen {tgen:.2f}s elapsed {el / 60:.1f}min")
            mlog.write(json.dumps({"step": step, "S": S, "lr": lr, "elapsed_s": el, **{f"loss_{k}": v for k, v in run_loss.items()}}) + "\n")
            mlog.flush()
        if (step + 1) % args.eval_every == 0 or step == args.steps - 1:
            res = evaluate_torch(ema.ema, eval_set)
            p(f"eval step {step + 1}: " + " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in res.items()))
            mlog.write(json.dumps({"step": step + 1, "eval": res, "elapsed_s": time.time() - t0}) + "\n")
            mlog.flush()
            torch.save({"model": model.state_dict(), "ema": ema.ema.state_dict(), "ema_updates": ema.updates,
                        "opt": opt.state_dict(), "step": step + 1,
                        "elapsed_s": prev_seconds + time.time() - t0}, ckpt_path)
            model.train()
    train_s = prev_seconds + time.time() - t0
    sd = {k: v.half() if v.dtype.is_floating_point else v for k, v in ema.ema.state_dict().items()}
    torch.save({"net_cfg": NET_CFG, "state_dict": sd, "size": args.size, "args": vars(args), "train_seconds": train_s},
               os.path.join(args.out, "last.pt"))
    meta = export_onnx(ema.ema, args.size, os.path.join(args.out, "model.onnx"))
    with open(os.path.join(args.out, "train_summary.json"), "w") as f:
        json.dump({"args": vars(args), "train_seconds": train_s, "net_cfg": NET_CFG, "onnx_meta": meta}, f, indent=1)
    p(f"done in {train_s / 60:.1f} min; exported {os.path.join(args.out, 'model.onnx')}")


if __name__ == "__main__":
    main()
