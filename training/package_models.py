#!/usr/bin/env python3
"""Package the trained models into resources/models/<id>/ (model.onnx, model.json, MODEL_CARD.md).

    /usr/bin/python3 training/package_models.py --onnx    # training/runs/* -> resources/models/*/model.onnx
                                                          # (+ training histories -> training/results/)
    /usr/bin/python3 training/evaluate.py                 # measures the packaged files
    /usr/bin/python3 training/package_models.py --cards   # model.json + MODEL_CARD.md from the results

--onnx stores each network's weights as float16 (onnx_fp16_weights.py; compute stays float32) to
halve the files, and adds metadata_props. --cards reads training/results/*.json only, so the cards
can be regenerated without the (git-ignored) training/runs directory.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from onnx_fp16_weights import convert  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, ".."))
MODELS = os.path.join(ROOT, "resources", "models")
RUNS = os.path.join(HERE, "runs")
RESULTS = os.path.join(HERE, "results")
CKPTS = os.path.join(HERE, "checkpoints")   # float16 PyTorch weights (= the weights in the shipped ONNX files)
KPTS = ["top", "bottom", "left", "right", "center"]

RESTORE = {
    "loupe-restore-dncnn": dict(arch="dncnn", name="Loupe restore DnCNN-S", family="dncnn",
                                blurb="a plain 8-layer, 32-channel residual CNN (DnCNN idea without batch norm) that predicts the "
                                      "degradation and subtracts it; the smallest and weakest of the three, on purpose"),
    "loupe-restore-unet": dict(arch="unet", name="Loupe restore UNet-S", family="unet",
                               blurb="a 3-level UNet (16/32/64 channels, 128 at the bottleneck; double 3x3 conv blocks, max-pool "
                                     "down, transposed-conv up, skip connections) predicting a residual"),
    "loupe-restore-nafnet": dict(arch="nafnet", name="Loupe restore NAFNet-S", family="nafnet",
                                 blurb="a 3-level NAFNet-style network (width 16; blocks of LayerNorm2d, 1x1 conv, depthwise 3x3 "
                                       "conv, SimpleGate, simplified channel attention and a gated feed-forward part; "
                                       "pixel-shuffle up) predicting a residual"),
}
DEGRADATION = ("Gaussian blur sigma U(0, 1.0) px (skipped below 0.1), then additive Gaussian noise sigma U(10, 30) on the "
               "0-255 scale (per pixel and channel, rounded and clipped to 8 bits), then JPEG quality U{30..70} "
               "(libjpeg via Pillow, 4:2:0 chroma subsampling); see training/restoration_data.py")


def git_head():
    try:
        return subprocess.check_output(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], text=True).strip()
    except Exception:
        return "unknown"


def set_meta(model, meta):
    keep = {p.key: p.value for p in model.metadata_props}
    keep.update(meta)
    del model.metadata_props[:]
    for k, v in keep.items():
        p = model.metadata_props.add()
        p.key, p.value = k, str(v)


def package_onnx():
    os.makedirs(RESULTS, exist_ok=True)
    # detector
    src = os.path.join(RUNS, "detector", "model.onnx")
    dst_dir = os.path.join(MODELS, "loupe-dial-pose")
    os.makedirs(dst_dir, exist_ok=True)
    m = convert(onnx.load(src))
    onnx.save(m, os.path.join(dst_dir, "model.onnx"))
    os.makedirs(CKPTS, exist_ok=True)
    import torch
    ck = torch.load(os.path.join(RUNS, "detector", "last.pt"), map_location="cpu")  # EMA weights, already float16
    torch.save({"net_cfg": ck["net_cfg"], "size": ck["size"], "state_dict": ck["state_dict"]}, os.path.join(CKPTS, "loupe-dial-pose.pt"))
    summ = json.load(open(os.path.join(RUNS, "detector", "train_summary.json")))
    evals, losses = [], []
    for line in open(os.path.join(RUNS, "detector", "metrics.jsonl")):
        r = json.loads(line)
        (evals if "eval" in r else losses).append(r)
    summ["evals"] = evals
    summ["loss_log"] = losses[::4]
    json.dump(summ, open(os.path.join(RESULTS, "detector_training.json"), "w"), indent=1)
    print("packaged loupe-dial-pose", os.path.getsize(os.path.join(dst_dir, "model.onnx")), "bytes")
    # restoration
    for mid, spec in RESTORE.items():
        run = os.path.join(RUNS, f"restore-{spec['arch']}")
        if not os.path.exists(os.path.join(run, "model.onnx")):
            print(f"skip {mid}: {run}/model.onnx not trained yet")
            continue
        dst_dir = os.path.join(MODELS, mid)
        os.makedirs(dst_dir, exist_ok=True)
        m = convert(onnx.load(os.path.join(run, "model.onnx")))
        hist = json.load(open(os.path.join(run, "metrics.json")))
        set_meta(m, {"description": f"{spec['name']}: image restoration for {DEGRADATION.split(';')[0]}", "author": "Loupe",
                     "license": "MIT", "version": "1.0.0", "task": "restoration", "pad_multiple": hist["pad_multiple"],
                     "input_range": "[0, 1]", "architecture": spec["family"]})
        onnx.save(m, os.path.join(dst_dir, "model.onnx"))
        json.dump(hist, open(os.path.join(RESULTS, f"restore-{spec['arch']}.json"), "w"), indent=1)
        ck = torch.load(os.path.join(run, "model.pt"), map_location="cpu")
        sd = {k: (v.half() if v.dtype.is_floating_point else v) for k, v in ck["state_dict"].items()}
        torch.save({"arch": ck["arch"], "arch_cfg": ck["arch_cfg"], "state_dict": sd}, os.path.join(CKPTS, f"{mid}.pt"))
        print("packaged", mid, os.path.getsize(os.path.join(dst_dir, "model.onnx")), "bytes")
    # the two extra runs used only by the sample MLflow store
    for extra in ("restore-nafnet-lr5e-2", "restore-dncnn-short"):
        p = os.path.join(RUNS, extra, "metrics.json")
        if os.path.exists(p):
            json.dump(json.load(open(p)), open(os.path.join(RESULTS, f"{extra}.json"), "w"), indent=1)


def det_params(cfg):
    from dial_pose_net import DialPoseNet
    return int(sum(p.numel() for p in DialPoseNet(**cfg).parameters()))


def q(name, value, dataset, unit=None, baseline=None, note=None):
    d = {"name": name, "value": round(float(value), 4), "dataset": dataset}
    if unit:
        d["unit"] = unit
    if baseline is not None:
        d["baseline"] = round(float(baseline), 4)
    if note:
        d["note"] = note
    return d


def train_command(arch, hist):
    """The train_restoration.py command that reproduces this run (flags only where the run left the defaults)."""
    sys.path.insert(0, HERE)
    from train_restoration import DEFAULTS
    cmd = f"/usr/bin/python3 training/train_restoration.py --arch {arch}"
    for key, flag in (("epochs", "--epochs"), ("iters", "--iters"), ("batch", "--batch"), ("crop", "--crop"), ("lr", "--lr")):
        if hist["train"][key] != DEFAULTS[arch][key]:
            cmd += f" {flag} {hist['train'][key]}"
    return cmd


def dumps(obj):
    from make_samples import dumps_compact
    return dumps_compact(obj)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def cards():
    ev = json.load(open(os.path.join(RESULTS, "eval.json")))
    commit = git_head()
    # ---------------------------------------------------------------- detector
    det = ev["detector"]
    tr = json.load(open(os.path.join(RESULTS, "detector_training.json")))
    S = det["input_size"]
    syn = det["synthetic"]
    a = tr["args"]
    minutes = tr["train_seconds"] / 60
    ds = syn["dataset"]
    quality = [
        q("recall@IoU0.5", syn["recall@0.5"], ds, note="after NMS at conf 0.25, IoU 0.7"),
        q("precision@IoU0.5", syn["precision"], ds),
        q("false positives per image", syn["false_pos_per_image"], ds),
        q("keypoint error (mean)", syn["kpt_err_mean_pct"], ds, "% of dial diameter",
          note="matched dials; diameter = mean of GT top-bottom and left-right distances"),
        q("keypoint error (median)", syn["kpt_err_median_pct"], ds, "% of dial diameter"),
        q("12 o'clock flipped", 100 * syn["orientation_flip_rate"], ds, "% of matched dials", note="top keypoint error > 50% of diameter"),
        q("keypoint error, labelled real photos (mean)", det["real_labelled"]["kpt_err_mean_pct"],
          f"{det['real_labelled']['found']} of {det['real_labelled']['photos']} hand-labelled real photos with a detection",
          "% of dial diameter", note="approximate by-eye labels (training/data/real_photo_labels.json)"),
        q("keypoint error, real photos under random perspective warps (mean)", det["real_warps"]["kpt_err_mean_pct"],
          f"{det['real_warps']['warps']} warps of the labelled real photos; dial found in {det['real_warps']['found']}",
          "% of dial diameter"),
        q("dial found, real photos under random perspective warps", det["real_warps"]["found"] / max(1, det["real_warps"]["warps"]),
          f"{det['real_warps']['warps']} warps of the labelled real photos"),
        q("latency", det["latency"]["median_ms"], f"onnxruntime-node {det['latency']['ort']['node']} CPU, 2 threads, batch 1, {S}x{S}",
          "ms/image", note="median of 50 after 10 warm-up runs, 2-core VM"),
    ]
    manifest = {
        "schema": 1,
        "id": "loupe-dial-pose",
        "displayName": "Loupe dial keypoints (synthetic-trained)",
        "version": "1.0.0",
        "task": "pose",
        "file": "model.onnx",
        "architecture": "yolo-pose-lite",
        "description": ("Finds watch dials (one class, 'dial') and their five keypoints top (12 o'clock), bottom (6), left (9), "
                        "right (3) and center (hand pivot), where top/bottom/left/right are the points where those axes meet the "
                        "dial face's outline. Small anchor-free pose network trained from scratch on procedurally generated watch "
                        "photos only; see MODEL_CARD.md for what that means on real photographs."),
        "input": {"name": "images", "layout": "NCHW", "colorOrder": "RGB", "range": [0, 1], "mean": [0, 0, 0], "std": [1, 1, 1],
                  "size": [S, S], "letterbox": {"color": 114, "center": True, "stride": 32}},
        "output": {"name": "output0", "layout": "yolo-pose", "classes": ["dial"], "keypoints": KPTS, "kptShape": [5, 3]},
        "license": "MIT",
        "trainingData": ("Synthetic only: training/synth_watches.py renders watches (round/cushion/tonneau/rectangular cases, "
                         "bezels, indices/numerals, hands, dates, logos, sub-dials, straps) into procedural scenes (fabric, wood, "
                         "paper, skin, clutter; 30% of backgrounds are crops of Kodak images kodim01-20) under random perspective "
                         f"tilt up to ~52 deg, rotation, scale, blur, noise and JPEG; {a['steps'] * a['batch']} images generated on the "
                         f"fly from seed {a['data_seed']}. No real photograph was used for training."),
        "provenance": {
            "script": "training/train_detector.py", "command": "/usr/bin/python3 training/train_detector.py",
            "generator": "training/synth_watches.py", "dataSeed": a["data_seed"], "initSeed": a["seed"], "steps": a["steps"],
            "batch": a["batch"], "stages": a["stages"], "optimizer": f"AdamW lr {a['lr']} wd {a['wd']}, cosine, EMA",
            "trainingMinutes": round(minutes, 1), "hardware": "2-core x86 VM, 1 torch thread (torch 1.13.1 CPU)",
            "opset": 17, "weights": "float16 initializers cast to float32 at load (training/onnx_fp16_weights.py)",
            "codeCommit": commit, "evaluation": "training/evaluate.py",
            "parameters": det_params(tr["net_cfg"]),
        },
        "quality": quality,
    }
    d = os.path.join(MODELS, "loupe-dial-pose")
    write(os.path.join(d, "model.json"), dumps(manifest) + "\n")
    real_lines = []
    for name, r in det["real"].items():
        dets = r["detections"]
        s = ", ".join(f"{x['score']:.2f}" for x in dets[:5]) or "none"
        if "kpt_err_mean_pct" not in r:
            err = "n/a (not labelled)"
        elif r["kpt_err_mean_pct"] is None:
            err = "dial not found"
        else:
            err = f"{r['kpt_err_mean_pct']:.2f}"
        real_lines.append(f"| {name} | {r['size'][0]}x{r['size'][1]} | {len(dets)} | {s} | {err} | {REAL_NOTES.get(name, '')} |")
    by_size = "\n".join(f"| {k} | {v['dials']} | {v['recall@0.5']:.3f} | {v['kpt_err_mean_pct']:.2f} |" for k, v in syn["by_size"].items())
    warps = "\n".join(f"| {k} | {v['found']}/{v['warps']} | {v['kpt_err_mean_pct']} |" for k, v in det["real_warps"]["per_photo"].items())
    evals = "\n".join(f"| {e['step']} | {e['eval']['recall@0.5']:.3f} | {e['eval']['kpt_err_mean_pct']:.2f} |" for e in tr["evals"])
    from dial_pose_net import DialPoseNet, count_macs
    card = DET_CARD.format(nparams=f"{det_params(tr['net_cfg']) / 1e6:.2f} M", gmac=count_macs(DialPoseNet(**tr["net_cfg"]), S) / 1e9, S=S, syn=syn, det=det, lat=det["latency"], a=a, minutes=minutes, real_lines="\n".join(real_lines),
                           by_size=by_size, warps=warps, evals=evals, commit=commit, n_train=a["steps"] * a["batch"],
                           flip=100 * syn["orientation_flip_rate"])
    write(os.path.join(d, "MODEL_CARD.md"), card)
    print("wrote loupe-dial-pose model.json + MODEL_CARD.md")

    # ---------------------------------------------------------------- restoration
    rs = ev["restoration"]
    base = rs["models"]["degraded input"]
    fbase = rs.get("frames", {}).get("degraded input")
    table_rows = []
    for k in ["degraded input"] + list(RESTORE):
        v = rs["models"][k]
        cells = " | ".join(f"{v['per_image'][n]['psnr']:.2f} / {v['per_image'][n]['ssim']:.4f}" for n in v["per_image"])
        fr = rs.get("frames", {}).get(k)
        frc = f"{fr['psnr_mean']:.2f} / {fr['ssim_mean']:.4f}" if fr else "n/a"
        table_rows.append(f"| {k} | {cells} | **{v['psnr_mean']:.2f} / {v['ssim_mean']:.4f}** | {frc} |")
    img_names = list(base["per_image"])
    table = ("| | " + " | ".join(img_names) + " | mean (kodim21-24) | sample clip (24 frames) |\n|---|" + "---|" * (len(img_names) + 2) + "\n"
             + "\n".join(table_rows))
    degr = "; ".join(f"{n}: blur {p['sigma_blur']:.2f}, noise {p['sigma_noise']:.1f}, JPEG q{p['jpeg_q']}" for n, p in rs["degradations"].items())
    for mid, spec in RESTORE.items():
        v = rs["models"][mid]
        hist = json.load(open(os.path.join(RESULTS, f"restore-{spec['arch']}.json")))
        tcfg = hist["train"]
        lat = rs["latency_1280x720"][mid]
        fr = rs.get("frames", {}).get(mid)
        ds = "Kodak24 kodim21-24 (held out), degraded with the fixed eval seed, whole images at native resolution"
        quality = [
            q("PSNR", v["psnr_mean"], ds, "dB", base["psnr_mean"], "baseline = degraded input"),
            q("SSIM", v["ssim_mean"], ds, None, base["ssim_mean"],
              "skimage structural_similarity, gaussian_weights, sigma 1.5, use_sample_covariance=False, data_range 1; baseline = degraded input"),
        ]
        if fr:
            dsf = "resources/samples/frames vs frames_gt (24 frames 1280x720)"
            quality += [q("PSNR", fr["psnr_mean"], dsf, "dB", fbase["psnr_mean"], "baseline = degraded input"),
                        q("SSIM", fr["ssim_mean"], dsf, None, fbase["ssim_mean"], "baseline = degraded input")]
        quality.append(q("latency", lat["median_ms"], f"onnxruntime-node {lat['ort']['node']} CPU, 2 threads, 1280x720", "ms/frame",
                         note="median of 5 after 2 warm-up runs, 2-core VM"))
        last = hist["history"][-1]
        manifest = {
            "schema": 1, "id": mid, "displayName": spec["name"], "version": "1.0.0", "task": "restoration", "file": "model.onnx",
            "architecture": spec["family"],
            "description": f"{spec['name']}: {spec['blurb']}. Trained on Kodak24 crops for mixed blur + noise + JPEG degradation.",
            "input": {"name": "input", "layout": "NCHW", "colorOrder": "RGB", "range": [0, 1], "mean": [0, 0, 0], "std": [1, 1, 1],
                      "size": None, "padMultiple": hist["pad_multiple"], "padMode": "reflect"},
            "output": {"name": "output", "layout": "image", "range": [0, 1], "scale": 1},
            "license": "MIT",
            "trainingData": ("Kodak24 (Eastman Kodak, commonly described as released for unrestricted use) kodim01-kodim20: random "
                             f"{tcfg['crop']}x{tcfg['crop']} crops with flips/90-degree rotations, degraded on the fly; kodim21-24 held out."),
            "degradation": DEGRADATION,
            "provenance": {
                "script": "training/train_restoration.py", "command": train_command(spec["arch"], hist),
                "seed": hist["seed"], "epochs": tcfg["epochs"], "itersPerEpoch": tcfg["iters"], "batch": tcfg["batch"], "crop": tcfg["crop"],
                "lr": tcfg["lr"], "optimizer": "AdamW (0.9, 0.9), cosine to 1e-6, L1 loss, grad-norm clip 0.5",
                "parameters": hist["params"], "finalTrainLoss": round(last["train_loss"], 6), "finalValLoss": round(last["val_loss"], 6),
                "finalValPsnr": round(last["val_psnr"], 4), "trainingMinutes": round(hist["train_seconds"] / 60, 1),
                "hardware": "2-core x86 VM, 1 torch thread (torch 1.13.1 CPU)", "opset": 17,
                "weights": "float16 initializers cast to float32 at load (training/onnx_fp16_weights.py)",
                "codeCommit": commit, "evaluation": "training/evaluate.py",
                "mlflowRun": f"resources/samples/mlruns (run name {RUN_NAMES[mid]})",
            },
            "quality": quality,
        }
        d = os.path.join(MODELS, mid)
        write(os.path.join(d, "model.json"), dumps(manifest) + "\n")
        card = RESTORE_CARD.format(command=train_command(spec["arch"], hist), name=spec["name"], mid=mid, blurb=spec["blurb"], params=hist["params"], mult=hist["pad_multiple"],
                                   tcfg=tcfg, seed=hist["seed"], minutes=hist["train_seconds"] / 60, last=last, table=table,
                                   degr=degr, lat=lat, arch=spec["arch"], deg=DEGRADATION, v=v, base=base, commit=commit,
                                   size_kb=os.path.getsize(os.path.join(d, "model.onnx")) / 1024,
                                   frames_line=(f"On the bundled sample clip: {fr['psnr_mean']:.2f} dB / {fr['ssim_mean']:.4f} "
                                                f"(degraded input {fbase['psnr_mean']:.2f} dB / {fbase['ssim_mean']:.4f})." if fr else ""))
        write(os.path.join(d, "MODEL_CARD.md"), card)
        print(f"wrote {mid} model.json + MODEL_CARD.md")


RUN_NAMES = {"loupe-restore-dncnn": "restore-dncnn-c32d8", "loupe-restore-unet": "restore-unet-c16",
             "loupe-restore-nafnet": "restore-nafnet-w16"}

# what a person sees in the previews (filled in after looking at /tmp/loupe-eval/real/*.png)
REAL_NOTES = {}
REAL_NOTES_PATH = os.path.join(RESULTS, "real_photo_notes.json")
if os.path.exists(REAL_NOTES_PATH):
    REAL_NOTES = json.load(open(REAL_NOTES_PATH))

DET_CARD = """# Loupe dial keypoints (`loupe-dial-pose`)

A small pose network that finds **watch dials** (one class, `dial`) and five keypoints per dial:
`top` (12 o'clock), `bottom` (6), `left` (9), `right` (3) and `center` (the hand pivot).
`top`/`bottom`/`left`/`right` are where those axes meet the outline of the dial face (the face
inside the bezel or case, not the case itself). Trained from scratch on synthetic images only.

- File: `model.onnx` ({S}x{S} input, opset 17, float16-stored weights computed in float32), MIT licence.
- Input `images`: float32 `[1, 3, {S}, {S}]`, RGB in [0, 1], the photo letterboxed into {S}x{S}
  (aspect kept, centred, grey 114 padding), as Ultralytics does.
- Output `output0`: float32 `[1, 20, N]`, N = ({S}/8)^2 + ({S}/16)^2 + ({S}/32)^2 anchors, rows
  `cx, cy, w, h` (input pixels), dial score (sigmoid), then `x, y, visibility` for each keypoint
  in the order top, bottom, left, right, center (x, y in input pixels; visibility is a sigmoid).
  The YOLOv8-pose layout; no NMS in the graph. `metadata_props` carry the Ultralytics keys
  (task pose, imgsz, names, kpt_shape, kpt_names, stride 32, ...).
- Post-processing used for every number below: score >= 0.25, greedy NMS at IoU 0.7, map boxes
  and keypoints back through the letterbox.

## Architecture

"yolo-pose-lite" (training/dial_pose_net.py, written for Loupe): CSP-style backbone of plain 3x3
convolutions (widths 16/24/48/80/112, SiLU, batch norm folded at export), SPPF, a PAN neck and
decoupled per-level heads at strides 8/16/32 (box as softplus left/top/right/bottom distances,
keypoints as `(2 * raw + anchor - 0.5) * stride`). {nparams} parameters, {gmac:.2f} GMAC at {S}x{S}.

## Training

- Data: `training/synth_watches.py`, generated on the fly, {n_train} images from seed {a[data_seed]}
  (index = step x batch + j): watches drawn flat (round, cushion, tonneau, rectangular; plain,
  polished, diver and tachymeter bezels; baton/dot indices, Arabic and Roman numerals; five hand
  styles; date windows; brand text and emblems; sub-dials; leather, bracelet, rubber, mesh and NATO
  straps; lugs and a crown at 3 o'clock; crystal highlights), warped through one homography (3-D tilt
  up to ~52 degrees, any rotation with upright views most common, scale from ~4% to ~46% of the
  short side, off-centre, perspective from a pinhole camera) into procedural scenes (fabric, wood,
  paper with text, studio gradients, dark foam, marble, clutter shapes, wrists and fingers, 30% Kodak
  crops from kodim01-20), with shadows, lighting gradients, colour casts, blur, noise and JPEG;
  sometimes two watches or none. Keypoints and boxes are projected through the same homography, so
  the labels are exact.
- Schedule: {a[steps]} steps of batch {a[batch]}, sizes `{a[stages]}` (input size:share of steps),
  AdamW lr {a[lr]} (cosine, 200 warm-up steps), weight decay {a[wd]}, EMA of the weights (exported).
  Task-aligned assignment (top-10 anchors inside the box by score^0.5 x IoU^6), BCE on the
  IoU-aware score, CIoU box loss, keypoint L1 distance normalised by the box size, BCE visibility.
- Time: {minutes:.0f} min wall-clock on a 2-core VM with 1 torch thread (torch 1.13.1 CPU). Seeds:
  data {a[data_seed]}, init {a[seed]}.
- Command: `/usr/bin/python3 training/train_detector.py` then `training/package_models.py --onnx`
  (see training/README.md).

In-training evaluation (EMA weights, 150 synthetic images, seed {a[eval_seed]}, at {S}x{S}):

| step | recall@0.5 | keypoint error % |
|---|---|---|
{evals}

## Evaluation (`/usr/bin/python3 training/evaluate.py`, the shipped ONNX file in onnxruntime-node)

**Held-out synthetic set** ({syn[dataset]}; {syn[images]} images, {syn[dials]} dials, a seed never used in training):

| metric | value |
|---|---|
| recall at IoU 0.5 | {syn[recall@0.5]:.3f} |
| precision at IoU 0.5 | {syn[precision]:.3f} |
| false positives per image | {syn[false_pos_per_image]:.3f} |
| keypoint error, mean (% of dial diameter) | {syn[kpt_err_mean_pct]:.2f} |
| keypoint error, median | {syn[kpt_err_median_pct]:.2f} |
| top / bottom / left / right / center | {syn[kpt_err_top_pct]:.2f} / {syn[kpt_err_bottom_pct]:.2f} / {syn[kpt_err_left_pct]:.2f} / {syn[kpt_err_right_pct]:.2f} / {syn[kpt_err_center_pct]:.2f} |
| 12 o'clock on the wrong side (top error > 50% of diameter) | {flip:.1f}% of matched dials |

Dial diameter = mean of the ground-truth top-bottom and left-right distances; errors are over
matched dials and visible keypoints.

| dial size (diameter in input px) | dials | recall | keypoint error % |
|---|---|---|---|
{by_size}

**Speed**: median {lat[median_ms]:.2f} ms per image (min {lat[min_ms]:.2f}, max {lat[max_ms]:.2f}) at {S}x{S},
onnxruntime-node {lat[ort][node]} on CPU with 2 intra-op threads, batch 1, 50 runs after 10 warm-up
runs, on the 2-core VM used for training.

**Real photographs** (the 9 MIT-licensed photos described in the data README: phone photos of a
Casio, a Timex and a wall clock; Citizen, Seiko and Tissot watches; none are in this repository).
There is no ground truth for them; five have approximate keypoints labelled by eye for this
evaluation (training/data/real_photo_labels.json, about 1-2% of the diameter of labelling error).

| photo | size | detections | scores | keypoint error % (labelled photos) | what the preview shows |
|---|---|---|---|---|---|
{real_lines}

Labelled photos: dial found in {det[real_labelled][found]}/{det[real_labelled][photos]}, mean keypoint error {det[real_labelled][kpt_err_mean_pct]:.2f}% of the diameter.

**Real photos under random perspective warps** (each labelled photo re-projected 8 times with a
random roll of +-30 degrees, a tilt of 10-40 degrees, scale 0.55-0.85; ground truth = the warped
labels): dial found in {det[real_warps][found]}/{det[real_warps][warps]}, keypoint error mean
{det[real_warps][kpt_err_mean_pct]:.2f}%, median {det[real_warps][kpt_err_median_pct]:.2f}%.

| photo | found | mean keypoint error % |
|---|---|---|
{warps}

## Limits

- Trained on drawings. Real dials have textures, reflections, glass, hands and printing that the
  generator only approximates; expect lower recall and larger keypoint errors on real photos than
  on the synthetic numbers above, and check the tiers in the app (a template-matching tier exists
  for exactly this reason).
- The 12 o'clock keypoint is learned from cues (double index or numeral at 12, brand text below 12,
  crown at 3, lugs at 12/6, date window). Dials without these cues, or rotated far from upright,
  can come out with the labels rotated by 90 or 180 degrees (see the flip rate above).
- Small dials (under ~32 px across in the {S}x{S} input, i.e. under ~8% of the long side of the
  photo) are often missed; crop or tile large photos with small watches.
- Keypoints are defined on the dial face outline; bezels, rehauts and chapter rings are ambiguous
  on real watches and the model's notion of "the edge of the dial" may differ from a labeller's.
- Not trained on clocks, pocket watches, digital watches or smartwatches, though round wall clocks
  often look enough like dials to be found.

Code commit of the training scripts: {commit}.
"""

RESTORE_CARD = """# {name} (`{mid}`)

{blurb}. One of three deliberately different restoration models bundled with Loupe so that its
model-comparison view has something real to compare; they are small and CPU-trained, not
state of the art.

- File: `model.onnx` ({size_kb:.0f} KB, opset 17, float16-stored weights computed in float32), MIT licence,
  {params} parameters.
- Input `input`: float32 `[N, 3, H, W]`, RGB in [0, 1], dynamic N/H/W. H and W must be multiples of
  **{mult}** (pad with reflection, then crop the output back).
- Output `output`: float32 `[N, 3, H, W]`, RGB, nominally [0, 1] (clip before saving).

## Degradation it was trained to undo

{deg}.

## Training

- Data: Kodak24 kodim01-kodim20, random {tcfg[crop]}x{tcfg[crop]} crops aligned to the 16-pixel
  JPEG/4:2:0 grid, random flips and 90-degree rotations of the clean crop, degraded on the fly with
  a new random draw per crop. kodim21-kodim24 are held out.
- {tcfg[epochs]} epochs x {tcfg[iters]} iterations x batch {tcfg[batch]}, AdamW (betas 0.9, 0.9) lr {tcfg[lr]}
  with a cosine decay to 1e-6, L1 loss, gradient-norm clipping 0.5, seed {seed}.
- Time: {minutes:.0f} min wall-clock on a 2-core VM, 1 torch thread (torch 1.13.1 CPU).
- Final epoch: train loss (L1) {last[train_loss]:.5f}, validation loss (L1 on kodim21-24) {last[val_loss]:.5f},
  validation PSNR {last[val_psnr]:.2f} dB (PyTorch float32 weights; the table below is the shipped ONNX).
- Command: `{command}`; per-epoch metrics are in
  the sample MLflow store (`resources/samples/mlruns`) and in `training/results/restore-{arch}.json`.

## Evaluation (`/usr/bin/python3 training/evaluate.py`, the shipped ONNX file in onnxruntime-node)

kodim21-24 degraded once with the fixed evaluation seed ({degr}), restored at native
resolution (768x512 / 512x768), output clipped to [0, 1]. PSNR in dB over all three channels;
SSIM = `skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, channel_axis=-1, data_range=1)`. Cells are PSNR / SSIM; all three
bundled models are listed so they can be compared:

{table}

This model: **{v[psnr_mean]:.2f} dB / {v[ssim_mean]:.4f}** against the degraded input's {base[psnr_mean]:.2f} dB / {base[ssim_mean]:.4f}.
{frames_line}

Speed: median {lat[median_ms]:.0f} ms for one 1280x720 frame, onnxruntime-node {lat[ort][node]} CPU with 2 threads.

## Limits

- Trained on 20 photographs for under an hour on one CPU core; it has seen little variety.
- Only this degradation family (mild blur, Gaussian noise sigma 10-30, JPEG q30-70). Real camera
  noise is signal-dependent and spatially correlated; real video is compressed with other codecs.
  Outside the training range (e.g. sigma 50, JPEG q10, motion blur) results degrade or can be worse
  than the input.
- Evaluated on four images; treat differences below ~0.1 dB as noise.

Code commit of the training scripts: {commit}.
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--onnx", action="store_true")
    ap.add_argument("--cards", action="store_true")
    a = ap.parse_args()
    if not (a.onnx or a.cards):
        ap.error("give --onnx and/or --cards")
    if a.onnx:
        package_onnx()
    if a.cards:
        cards()


if __name__ == "__main__":
    main()
