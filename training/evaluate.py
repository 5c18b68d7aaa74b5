#!/usr/bin/env python3
"""Evaluate the bundled ONNX models exactly as shipped (resources/models/*/model.onnx), running
them with onnxruntime-node on CPU through training/ort_run.js (see training/ort_node.py for the
scratch-directory setup). Prints the tables quoted in the model cards and writes
training/results/eval.json, from which package_models.py fills model.json and MODEL_CARD.md.

    /usr/bin/python3 training/evaluate.py                    # everything (~10 min)
    /usr/bin/python3 training/evaluate.py --only detector
    /usr/bin/python3 training/evaluate.py --only restoration

Detector (loupe-dial-pose):
  * held-out synthetic set: synth_watches.generate(seed=4242, i, S) for i < 1000 (training used
    seed 1000, in-training evaluation seed 999). Recall at IoU 0.5 after NMS (conf 0.25, IoU 0.7),
    precision, false positives per image, keypoint error in % of the dial diameter (diameter = mean
    of the ground-truth top-bottom and left-right distances), by keypoint and by dial size.
  * latency: median of 50 runs after 10 warm-up runs, 2 intra-op threads, batch 1 at S x S.
  * real photos in /work/shared/data/watches: detections (annotated previews written to
    /tmp/loupe-eval/real/, never into the repository); for the five photos with approximate
    by-eye labels (training/data/real_photo_labels.json) the keypoint error, and the same photos
    under 8 random perspective warps each (ground truth = the warped labels).
Restoration (loupe-restore-*):
  * kodim21-24 degraded with the fixed evaluation seed (restoration_data.heldout_pairs), whole
    images at native resolution: PSNR and SSIM (skimage, gaussian_weights, sigma 1.5, population
    covariance, data_range 1, channel_axis -1) of the degraded input and of every model's output
    (clipped to [0, 1]).
  * the bundled 24-frame sample clip (resources/samples/frames vs frames_gt), same metrics.
  * latency at 1280x720: median of 5 runs after 2 warm-up runs, 2 threads.
"""
from __future__ import annotations

import argparse
import glob
import json
import math
import os
import sys
import time

import cv2
import numpy as np
from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ort_node  # noqa: E402
import restoration_data as rd  # noqa: E402
import synth_watches as sw  # noqa: E402
from train_detector import dial_diameter, match_and_score, nms_decode, summarize  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, ".."))
MODELS = os.path.join(ROOT, "resources", "models")
RESULTS = os.path.join(HERE, "results", "eval.json")
REAL_DIR = os.environ.get("LOUPE_REAL_WATCHES", "/work/shared/data/watches")
PREVIEW_DIR = "/tmp/loupe-eval"
DET_ID = "loupe-dial-pose"
RESTORE_IDS = ["loupe-restore-dncnn", "loupe-restore-unet", "loupe-restore-nafnet"]
PAD = {"loupe-restore-dncnn": 1, "loupe-restore-unet": 8, "loupe-restore-nafnet": 8}
HELDOUT_SEED = 4242
HELDOUT_COUNT = 1000


def onnx_size(path):
    import onnx
    m = onnx.load(path)
    return int(m.graph.input[0].type.tensor_type.shape.dim[2].dim_value)


def letterbox(img, S):
    h, w = img.shape[:2]
    r = min(S / w, S / h)
    nw, nh = max(1, int(round(w * r))), max(1, int(round(h * r)))
    res = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if r < 1 else cv2.INTER_LINEAR)
    out = np.full((S, S, 3), 114, np.uint8)
    px, py = (S - nw) // 2, (S - nh) // 2
    out[py:py + nh, px:px + nw] = res
    return out, r, px, py


def to_input(img_u8):
    return (img_u8.astype(np.float32) / 255.0).transpose(2, 0, 1)[None].copy()


def run_chunks(model, arrays, chunk=64, **kw):
    outs = []
    for i in range(0, len(arrays), chunk):
        o, _ = ort_node.run(model, arrays[i:i + chunk], **kw)
        outs += o
    return outs


def unletterbox(dets, r, px, py):
    out = []
    for d in dets:
        b = (np.asarray(d["box"]) - [px, py, px, py]) / r
        k = d["kpts"].copy()
        k[:, 0] = (k[:, 0] - px) / r
        k[:, 1] = (k[:, 1] - py) / r
        out.append({"box": b, "score": d["score"], "kpts": k})
    return out


def draw_dets(img, dets, gt=None):
    out = img.copy()
    t = max(2, int(max(img.shape[:2]) / 400))
    cols = [(255, 0, 0), (0, 0, 255), (255, 255, 0), (255, 0, 255), (0, 255, 0)]
    if gt is not None:
        for j, p in enumerate(gt):
            cv2.circle(out, (int(p[0]), int(p[1])), t * 3, (255, 255, 255), t)
    for d in dets:
        b = d["box"].astype(int)
        cv2.rectangle(out, (b[0], b[1]), (b[2], b[3]), (0, 255, 0), t)
        cv2.putText(out, f"{d['score']:.2f}", (b[0], max(0, b[1] - 4)), 0, 0.4 * t, (0, 255, 0), t)
        for j in range(5):
            cv2.circle(out, (int(d["kpts"][j, 0]), int(d["kpts"][j, 1])), t * 2, cols[j], -1)
        cv2.line(out, tuple(int(v) for v in d["kpts"][4, :2]), tuple(int(v) for v in d["kpts"][0, :2]), (255, 0, 0), t)
    return out


def random_photo_warp(rng, w, h):
    """A random re-photographing of a photo: the image plane is rolled (+-30 deg), tilted (up to
    40 deg about a random in-plane axis), scaled and shifted, then projected with a pinhole camera
    into an image of the same size."""
    unit = max(w, h) / 2.0
    roll = math.radians(rng.uniform(-30, 30))
    tilt = math.radians(rng.uniform(10, 40))
    r = unit * rng.uniform(0.55, 0.85)
    c = (w / 2 + rng.uniform(-0.1, 0.1) * w, h / 2 + rng.uniform(-0.1, 0.1) * h)
    H, _, _ = sw.camera_homography(np.array([w / 2.0, h / 2.0]), unit, roll, tilt, rng.uniform(0, 2 * math.pi),
                                   rng.uniform(0.8, 1.4) * math.hypot(w, h), (w / 2, h / 2), c, r)
    return H


def detector_latency(threads=2):
    model = os.path.join(MODELS, DET_ID, "model.onnx")
    S = onnx_size(model)
    x = np.random.default_rng(0).random((1, 3, S, S), dtype=np.float32)
    _, info = ort_node.run(model, [x], threads=threads, bench={"warmup": 10, "runs": 50})
    print(f"\n== Detector {DET_ID} (S={S})\nlatency: median {info['bench']['median_ms']:.2f} ms/image "
          f"(min {info['bench']['min_ms']:.2f}, max {info['bench']['max_ms']:.2f}), {threads} threads, onnxruntime-node {info['bench']['ort']['node']}")
    return info["bench"]


def eval_detector(threads=2, count=HELDOUT_COUNT):
    model = os.path.join(MODELS, DET_ID, "model.onnx")
    S = onnx_size(model)
    res = {"model": os.path.relpath(model, ROOT), "input_size": S}
    res["latency"] = detector_latency(threads)

    # held-out synthetic
    kodak = sw.load_kodak(sw.KODAK_ROOT, sw.KODAK_BG)
    t0 = time.time()
    samples = [sw.generate(HELDOUT_SEED, i, S, kodak) for i in range(count)]
    outs = run_chunks(model, [to_input(s[0]) for s in samples], threads=threads)
    tg = tm = tf = 0
    errs, sizes = [], []
    buckets = {"small (<32 px)": [0, 0, []], "medium (32-96 px)": [0, 0, []], "large (>96 px)": [0, 0, []]}
    for (img, gb, gk), o in zip(samples, outs):
        dets = nms_decode(o[0])
        a, b, c, e = match_and_score(dets, gb, gk)
        tg, tm, tf = tg + a, tm + b, tf + c
        errs += e
        # per size bucket (by ground-truth diameter in input pixels)
        for j in range(len(gb)):
            dia = dial_diameter(gk[j])
            key = "small (<32 px)" if dia < 32 else ("medium (32-96 px)" if dia < 96 else "large (>96 px)")
            a1, b1, _, e1 = match_and_score(dets, gb[j:j + 1], gk[j:j + 1])
            buckets[key][0] += a1
            buckets[key][1] += b1
            buckets[key][2] += e1
    syn = summarize(tg, tm, tf, errs, len(samples))
    syn["by_size"] = {k: {"dials": v[0], "recall@0.5": v[1] / max(v[0], 1),
                          "kpt_err_mean_pct": float(np.nanmean(np.array(v[2]))) if v[2] else float("nan")} for k, v in buckets.items()}
    syn["dataset"] = f"synthetic held-out: synth_watches.generate(seed={HELDOUT_SEED}, i<{count}, S={S})"
    res["synthetic"] = syn
    print(f"held-out synthetic ({len(samples)} images, {tg} dials; {time.time() - t0:.0f} s):")
    print(f"  recall@IoU0.5 {syn['recall@0.5']:.3f}  precision {syn['precision']:.3f}  false pos/image {syn['false_pos_per_image']:.3f}")
    print(f"  keypoint error (% of dial diameter): mean {syn['kpt_err_mean_pct']:.2f}  median {syn['kpt_err_median_pct']:.2f}  "
          + "  ".join(f"{n} {syn[f'kpt_err_{n}_pct']:.2f}" for n in sw.KPT_NAMES))
    print(f"  12 o'clock on the wrong side (top error > 50%): {100 * syn['orientation_flip_rate']:.1f}% of matched dials")
    for k, v in syn["by_size"].items():
        print(f"  {k:18s} dials {v['dials']:4d} recall {v['recall@0.5']:.3f} kpt err {v['kpt_err_mean_pct']:.2f}%")

    # real photos
    os.makedirs(os.path.join(PREVIEW_DIR, "real"), exist_ok=True)
    labels = json.load(open(os.path.join(HERE, "data", "real_photo_labels.json")))
    real = {}
    files = sorted(glob.glob(os.path.join(REAL_DIR, "*.jpg")))
    print(f"real photos ({len(files)}) -> previews in {PREVIEW_DIR}/real/")
    for f in files:
        name = os.path.basename(f)
        img = np.asarray(ImageOps.exif_transpose(Image.open(f)).convert("RGB"))
        lb, r, px, py = letterbox(img, S)
        o, _ = ort_node.run(model, [to_input(lb)], threads=threads)
        dets = unletterbox(nms_decode(o[0][0]), r, px, py)
        rec = {"size": [img.shape[1], img.shape[0]],
               "detections": [{"score": round(d["score"], 3), "box": [round(float(v), 1) for v in d["box"]],
                               "kpts": [[round(float(v), 1) for v in k[:2]] for k in d["kpts"]]} for d in dets]}
        gt = None
        if name in labels:
            gt = np.array([labels[name][n] for n in sw.KPT_NAMES])
            dia = dial_diameter(np.column_stack([gt, np.ones(5)]))
            best = None
            for d in dets:  # the detection whose centre is closest to the labelled centre
                dd = np.linalg.norm(d["kpts"][4, :2] - gt[4])
                if best is None or dd < best[0]:
                    best = (dd, d)
            if best is not None and best[0] < 0.5 * dia:
                e = np.linalg.norm(best[1]["kpts"][:, :2] - gt, axis=1) / dia * 100
                rec["kpt_err_pct"] = {n: round(float(v), 2) for n, v in zip(sw.KPT_NAMES, e)}
                rec["kpt_err_mean_pct"] = round(float(e.mean()), 2)
            else:
                rec["kpt_err_mean_pct"] = None
        real[name] = rec
        Image.fromarray(draw_dets(img, dets, gt)).save(os.path.join(PREVIEW_DIR, "real", name.replace(".jpg", ".png")))
        top = ", ".join(f"{d['score']:.2f}" for d in dets[:4])
        extra = f"  kpt err {rec['kpt_err_mean_pct']}%" if name in labels else ""
        print(f"  {name:26s} {img.shape[1]}x{img.shape[0]}  {len(dets)} detection(s) [{top}]{extra}")
    res["real"] = real
    # perspective warps of the labelled photos
    rng = np.random.default_rng(77)
    os.makedirs(os.path.join(PREVIEW_DIR, "warps"), exist_ok=True)
    werrs, wfound, wtotal = [], 0, 0
    per_photo = {}
    for name, lab in labels.items():
        if name.startswith("_"):
            continue
        img = np.asarray(ImageOps.exif_transpose(Image.open(os.path.join(REAL_DIR, name))).convert("RGB"))
        h, w = img.shape[:2]
        gt0 = np.array([lab[n] for n in sw.KPT_NAMES])
        pe = []
        k = 0
        while k < 8:
            Hm = random_photo_warp(rng, w, h)
            gt = sw.project(Hm, gt0)
            if not ((gt[:, 0] > 0) & (gt[:, 0] < w) & (gt[:, 1] > 0) & (gt[:, 1] < h)).all():
                continue
            warped = cv2.warpPerspective(img, Hm, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            lb, r, px, py = letterbox(warped, S)
            o, _ = ort_node.run(model, [to_input(lb)], threads=threads)
            dets = unletterbox(nms_decode(o[0][0]), r, px, py)
            dia = dial_diameter(np.column_stack([gt, np.ones(5)]))
            wtotal += 1
            best = min(dets, key=lambda d: np.linalg.norm(d["kpts"][4, :2] - gt[4]), default=None)
            if best is not None and np.linalg.norm(best["kpts"][4, :2] - gt[4]) < 0.5 * dia:
                wfound += 1
                e = np.linalg.norm(best["kpts"][:, :2] - gt, axis=1) / dia * 100
                werrs.append(e)
                pe.append(float(e.mean()))
            if k < 2:
                Image.fromarray(draw_dets(warped, dets, gt)).save(os.path.join(PREVIEW_DIR, "warps", f"{name[:-4]}_{k}.png"))
            k += 1
        per_photo[name] = {"found": len(pe), "warps": k, "kpt_err_mean_pct": round(float(np.mean(pe)), 2) if pe else None}
    W = np.array(werrs) if werrs else np.zeros((0, 5))
    res["real_warps"] = {
        "photos": len(per_photo), "warps": wtotal, "found": wfound,
        "kpt_err_mean_pct": float(W.mean()) if W.size else float("nan"),
        "kpt_err_median_pct": float(np.median(W)) if W.size else float("nan"),
        "per_photo": per_photo,
        "note": "ground truth = approximate by-eye labels of the unwarped photo, projected through the warp",
    }
    lab_errs = [v["kpt_err_mean_pct"] for k, v in real.items() if k in labels and v.get("kpt_err_mean_pct") is not None]
    res["real_labelled"] = {"photos": sum(1 for k in labels if not k.startswith("_")), "found": len(lab_errs),
                            "kpt_err_mean_pct": float(np.mean(lab_errs)) if lab_errs else float("nan")}
    print(f"labelled real photos: dial found in {len(lab_errs)}/{res['real_labelled']['photos']}, "
          f"mean keypoint error {res['real_labelled']['kpt_err_mean_pct']:.2f}% of diameter")
    print(f"perspective warps of the labelled photos: found {wfound}/{wtotal}, keypoint error mean "
          f"{res['real_warps']['kpt_err_mean_pct']:.2f}% median {res['real_warps']['kpt_err_median_pct']:.2f}%")
    for n, v in per_photo.items():
        print(f"  {n:26s} found {v['found']}/{v['warps']}  mean err {v['kpt_err_mean_pct']}%")
    return res


def restore_onnx(model, imgs_u8, mult, threads=2):
    xs, shapes = [], []
    for im in imgs_u8:
        x = im.astype(np.float32).transpose(2, 0, 1)[None] / 255.0
        H, W = x.shape[2:]
        ph, pw = (-H) % mult, (-W) % mult
        if ph or pw:
            x = np.pad(x, ((0, 0), (0, 0), (0, ph), (0, pw)), mode="reflect")
        xs.append(np.ascontiguousarray(x))
        shapes.append((H, W))
    outs = run_chunks(model, xs, chunk=8, threads=threads)
    return [np.clip(o[0, :, :H, :W].transpose(1, 2, 0), 0, 1) for o, (H, W) in zip(outs, shapes)]


def eval_restoration(threads=2):
    pairs = rd.heldout_pairs()
    res = {"dataset": "Kodak24 kodim21-24, degraded with restoration_data.heldout_pairs (seed 2024), whole images",
           "degradations": {n: {"sigma_blur": round(p[0], 4), "sigma_noise": round(p[1], 3), "jpeg_q": p[2]} for n, _, _, p in pairs},
           "images": {}, "models": {}}
    clean = [c.astype(np.float64) / 255.0 for _, c, _, _ in pairs]
    rows = {"degraded input": [(rd.psnr(c, d / 255.0), rd.ssim(c, d / 255.0)) for c, (_, _, d, _) in zip(clean, pairs)]}
    frames_gt = sorted(glob.glob(os.path.join(ROOT, "resources", "samples", "frames_gt", "*.png")))
    frames_in = [os.path.join(ROOT, "resources", "samples", "frames", os.path.basename(f)) for f in frames_gt]
    fclean = [np.asarray(Image.open(f).convert("RGB")).astype(np.float64) / 255.0 for f in frames_gt]
    fdeg = [np.asarray(Image.open(f).convert("RGB")) for f in frames_in]
    frows = {"degraded input": [(rd.psnr(c, d / 255.0), rd.ssim(c, d / 255.0)) for c, d in zip(fclean, fdeg)]} if fclean else {}
    lat = {}
    for mid in RESTORE_IDS:
        model = os.path.join(MODELS, mid, "model.onnx")
        outs = restore_onnx(model, [d for _, _, d, _ in pairs], PAD[mid], threads)
        rows[mid] = [(rd.psnr(c, o), rd.ssim(c, o)) for c, o in zip(clean, outs)]
        if fclean:
            fo = restore_onnx(model, fdeg, PAD[mid], threads)
            frows[mid] = [(rd.psnr(c, o), rd.ssim(c, o)) for c, o in zip(fclean, fo)]
        x = np.random.default_rng(0).random((1, 3, 720, 1280), dtype=np.float32)
        _, info = ort_node.run(model, [x], threads=threads, bench={"warmup": 2, "runs": 5})
        lat[mid] = info["bench"]
        if mid == RESTORE_IDS[-1] or True:
            os.makedirs(os.path.join(PREVIEW_DIR, "restoration"), exist_ok=True)
            for (n, _, _, _), o in zip(pairs, outs):
                Image.fromarray((o * 255 + 0.5).astype(np.uint8)).save(os.path.join(PREVIEW_DIR, "restoration", f"{n}_{mid}.png"))
    names = [n for n, _, _, _ in pairs]
    print("\n== Restoration, Kodak24 held-out (kodim21-24), whole images at native resolution")
    print(f"{'':24s}" + "".join(f"{n:>16s}" for n in names) + f"{'mean':>16s}")
    for k, v in rows.items():
        ps = [a for a, _ in v]
        ss = [b for _, b in v]
        print(f"{k:24s}" + "".join(f"{a:8.2f} {b:.4f}" .rjust(16) for a, b in v) + f"{np.mean(ps):8.2f} {np.mean(ss):.4f}".rjust(16))
        res["models"][k] = {"psnr_mean": float(np.mean(ps)), "ssim_mean": float(np.mean(ss)),
                            "per_image": {n: {"psnr": float(a), "ssim": float(b)} for n, (a, b) in zip(names, v)}}
    print("(each cell: PSNR dB, SSIM)")
    if frows:
        print(f"\n== Restoration, bundled sample clip resources/samples/frames ({len(fclean)} frames 1280x720) vs frames_gt")
        res["frames"] = {}
        for k, v in frows.items():
            ps = [a for a, _ in v]
            ss = [b for _, b in v]
            print(f"{k:24s} PSNR {np.mean(ps):6.2f} dB  SSIM {np.mean(ss):.4f}")
            res["frames"][k] = {"psnr_mean": float(np.mean(ps)), "ssim_mean": float(np.mean(ss)),
                                "psnr_per_frame": [round(float(a), 4) for a in ps], "ssim_per_frame": [round(float(b), 5) for b in ss]}
    print("\nlatency at 1280x720, 2 threads (median of 5):")
    for k, v in lat.items():
        print(f"  {k:24s} {v['median_ms']:.0f} ms")
    res["latency_1280x720"] = lat
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["detector", "restoration", "detector-latency"],
                    help="detector-latency: re-time the detector only (keeps its other results)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--det-count", type=int, default=HELDOUT_COUNT, help="held-out synthetic images (smoke tests only)")
    args = ap.parse_args()
    if not ort_node.available():
        sys.exit(f"onnxruntime-node not found under {ort_node.ORT_DIR} (see training/README.md)")
    out = {}
    if os.path.exists(RESULTS):
        out = json.load(open(RESULTS))
    if args.only in (None, "detector"):
        out["detector"] = eval_detector(args.threads, args.det_count)
    if args.only == "detector-latency":
        out["detector"]["latency"] = detector_latency(args.threads)
    if args.only in (None, "restoration"):
        out["restoration"] = eval_restoration(args.threads)
    if not args.no_write:
        os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
        with open(RESULTS, "w") as f:
            json.dump(out, f, indent=1, default=float)
        print(f"\nwrote {os.path.relpath(RESULTS, ROOT)}")


if __name__ == "__main__":
    main()
