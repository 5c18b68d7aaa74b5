#!/usr/bin/env python3
"""Generate the sample data bundled under resources/samples/ (deterministic, seeded).

    /usr/bin/python3 training/make_samples.py            # watches + labels + ground truth + frames
    /usr/bin/python3 training/make_samples.py --only watches
    /usr/bin/python3 training/make_samples.py --only frames

watches/        60 synthetic phone-style JPEGs of 6 watch IDs (10 views each), named
                BRAND_model_NNN_II_view.jpg; a few carry an EXIF orientation tag (the stored pixels
                are rotated, the displayed image is the rendered one).
alignment_labels/{WATCH_ID}.json   "human" labels (exact projections, annotator
                "human:sample-generator") for the frontal view(s) of every watch ID.
ground_truth/{WATCH_ID}.json       the exact keypoints of every sample image (annotator
                "ground-truth"), same format, plus debug_info describing the view.
frames/, frames_gt/  a 24-frame 1280x720 pan/zoom sequence over a large synthetic catalogue shot
                (two watches and captions on pure white), degraded like the restoration training data
                (one fixed parameter set from the training range for the whole clip, fresh noise per
                frame), and its clean ground truth with identical names.

Coordinates: ``coords_norm`` = ((x + 0.5) / width, (y + 0.5) / height) where (x, y) are OpenCV
pixel coordinates (pixel centres at integers), i.e. 0 and 1 are the outer image edges, in the
displayed (EXIF-applied) frame; ``image_size`` is [width, height] of the displayed image.
"""
from __future__ import annotations

import argparse
import copy
import io
import json
import math
import os
import sys

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import restoration_data as rd  # noqa: E402
import synth_watches as sw  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SAMPLES = os.path.join(ROOT, "resources", "samples")
SEED = 20250101
TIMESTAMP = "2025-01-01T12:00:00.000000"
JPEG_Q = 86

# watch ID -> design recipe (seed for the random parts + explicit overrides)
WATCHES = {
    "ORBIS_nab_001": dict(seed=11, over=dict(shape="round", aspect=1.0, sq_n=2.0, taper=0.0, bezel="polished", case_metal="steel",
                                              dial_color=(236, 232, 220), dial_pattern="sunburst", markers="indices",
                                              marker_color=(30, 32, 40), hand_style="dauphine", hand_color=(40, 42, 50),
                                              date="3", subdials=(), strap="leather", strap_color=(95, 55, 30), brand="ORBIS",
                                              subtext="AUTOMATIC", emblem=True, minute_track="ticks", second_hand=True,
                                              second_color=(190, 30, 30), crown=True, lugs=True)),
    # same model (template "nab") as ORBIS_nab_001: same dial, different strap and another copy
    "ORBIS_nab_002": dict(seed=11, base="ORBIS_nab_001", over=dict(strap="bracelet", strap_color=sw.METALS["steel"])),
    "KESTREL_dive_001": dict(seed=23, over=dict(shape="round", aspect=1.0, sq_n=2.0, taper=0.0, bezel="diver", bezel_color=(20, 35, 100),
                                                 case_metal="steel", case_k=1.3, dial_color=(22, 30, 60), dial_pattern="plain",
                                                 markers="dots", marker_color=(235, 235, 230), marker_lume=True, hand_style="sword",
                                                 hand_color=(225, 225, 225), date="3", subdials=(), strap="rubber", strap_color=(25, 25, 28),
                                                 brand="KESTREL", subtext="DIVER'S 200m", emblem=False, minute_track="ticks",
                                                 second_color=(230, 120, 20), second_hand=True)),
    "HALDEN_tonneau_001": dict(seed=37, over=dict(shape="tonneau", aspect=1.25, sq_n=4.0, taper=0.2, bezel="none", case_metal="gold",
                                                   case_k=1.16, dial_color=(230, 215, 150), dial_pattern="guilloche", markers="roman",
                                                   roman_radial=False, marker_color=(40, 30, 20), hand_style="leaf", hand_color=(40, 30, 20),
                                                   date="none", subdials=(), strap="leather", strap_color=(40, 25, 18), brand="HALDEN",
                                                   subtext="SWISS MADE", emblem=False, minute_track="railway", second_hand=False)),
    "MERIDIAN_field_001": dict(seed=41, over=dict(shape="round", aspect=1.0, sq_n=2.0, taper=0.0, bezel="none", case_metal="dark_steel",
                                                   case_k=1.14, dial_color=(28, 30, 28), dial_pattern="grain", markers="arabic",
                                                   marker_color=(235, 235, 225), font=0, hand_style="baton", hand_color=(235, 235, 225),
                                                   date="6", subdials=(), strap="nato", strap_color=(60, 70, 45), brand="MERIDIAN",
                                                   subtext="", emblem=False, minute_track="railway", second_hand=True,
                                                   second_color=(220, 200, 60))),
    "VANTA_square_001": dict(seed=53, over=dict(shape="cushion", aspect=1.0, sq_n=4.0, taper=0.0, bezel="none", case_metal="white_plastic",
                                                 case_k=1.18, dial_color=(245, 245, 242), dial_pattern="plain", markers="arabic",
                                                 marker_color=(20, 20, 20), font=2, hand_style="baton", hand_color=(20, 20, 20),
                                                 date="none", subdials=(), strap="none", brand="VANTA", subtext="QUARTZ",
                                                 emblem=True, minute_track="ticks", second_hand=True, second_color=(200, 30, 30),
                                                 crown=False, lugs=False)),
}

# Ten views per watch: (view name, overrides for sw.random_view). Index 01 (and 02) are the frontal
# shots that get "human" labels.
VIEWS = [
    ("front", dict(tilt=(0, 4), roll=(-3, 3), r=(0.30, 0.38), center=True, wrist=False, fingers=0)),
    ("front", dict(tilt=(0, 6), roll=(-6, 6), r=(0.22, 0.3), center=True, wrist=False, fingers=0)),
    ("tiltface", dict(tilt=(22, 35), roll=(-10, 10), r=(0.25, 0.35), wrist=False, fingers=0)),
    ("tiltface", dict(tilt=(35, 48), roll=(-15, 15), r=(0.22, 0.32), wrist=False, fingers=0)),
    ("wrist", dict(tilt=(5, 30), roll=(-25, 25), r=(0.16, 0.26), wrist=True, fingers=0)),
    ("hand", dict(tilt=(10, 35), roll=(-20, 20), r=(0.2, 0.3), wrist=False, fingers=2)),
    ("rotated", dict(tilt=(0, 20), roll=(45, 135), r=(0.2, 0.32), wrist=False, fingers=0)),
    ("far", dict(tilt=(0, 30), roll=(-20, 20), r=(0.07, 0.12), wrist=False, fingers=0)),
    ("upsidedown", dict(tilt=(5, 25), roll=(150, 210), r=(0.2, 0.3), wrist=False, fingers=1)),
    ("closeup", dict(tilt=(5, 25), roll=(-10, 10), r=(0.34, 0.39), center=True, wrist=False, fingers=0)),
]
SIZES = [(1600, 1200), (1080, 1440), (1440, 1080), (1280, 960), (960, 1280), (1600, 900)]
# (watch index, view index) -> EXIF orientation tag; stored pixels are transformed so that the
# displayed image is the rendered one
EXIF_VIEWS = {(0, 3): 6, (1, 4): 8, (2, 5): 6, (3, 6): 3, (4, 2): 6, (5, 9): 8}


def build_design(watch_id):
    spec = WATCHES[watch_id]
    if "base" in spec:
        d = copy.deepcopy(build_design(spec["base"]))
    else:
        d = sw.random_design(np.random.default_rng(spec["seed"]))
    for k, v in spec["over"].items():
        setattr(d, k, v)
    d.seed_texture = spec["seed"] * 1000 + (7 if "base" in spec else 0)
    return d


def make_view(rng, w, h, vspec):
    lo, hi = vspec["r"]
    r = float(rng.uniform(lo, hi))
    center = (w / 2 + rng.uniform(-0.04, 0.04) * w, h / 2 + rng.uniform(-0.04, 0.04) * h) if vspec.get("center") else None
    v = sw.random_view(rng, w, h, r_frac=r, center=center)
    v.tilt = math.radians(rng.uniform(*vspec["tilt"]))
    v.roll = math.radians(rng.uniform(*vspec["roll"]))
    v.on_wrist = vspec["wrist"]
    v.fingers = vspec["fingers"]
    v.focal_frac = float(rng.uniform(0.7, 1.3))
    if vspec.get("center"):
        v.strap_len = float(rng.uniform(1.5, 3.0))
    return v


def exif_store(img_disp, tag):
    """Pixels to store so that applying EXIF orientation `tag` displays img_disp."""
    if tag == 6:   # display = stored rotated 90 deg clockwise -> stored = display rotated counter-clockwise
        return np.ascontiguousarray(np.rot90(img_disp, 1))
    if tag == 8:   # display = stored rotated 90 deg counter-clockwise
        return np.ascontiguousarray(np.rot90(img_disp, -1))
    if tag == 3:
        return np.ascontiguousarray(img_disp[::-1, ::-1])
    return img_disp


def record(ann, w, h, name, annotator, extra=None):
    k = ann["kpts"]
    rec = {
        "image_size": [w, h],
        "coords_norm": {n: [round((float(k[i, 0]) + 0.5) / w, 5), round((float(k[i, 1]) + 0.5) / h, 5)] for i, n in enumerate(sw.KPT_NAMES)},
        "full_image_name": name,
        "annotator": annotator,
        "timestamp": TIMESTAMP,
    }
    if extra:
        rec.update(extra)
    return rec


def dumps_compact(obj):
    """json.dumps(indent=2) with every list of numbers kept on one line (as in DESIGN.md)."""
    import re
    txt = json.dumps(obj, indent=2)
    return re.sub(r"\[\s*(-?[\d.eE+-]+(?:,\s*-?[\d.eE+-]+)*)\s*\]",
                  lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", txt)


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(dumps_compact(obj) + "\n")
    os.replace(tmp, path)


def make_watches():
    out_dir = os.path.join(SAMPLES, "watches")
    os.makedirs(out_dir, exist_ok=True)
    for f in os.listdir(out_dir):
        if f.endswith(".jpg"):
            os.remove(os.path.join(out_dir, f))
    total = 0
    for wi, wid in enumerate(WATCHES):
        design = build_design(wid)
        template_model = wid.split("_")[1]
        gt, labels = {}, {}
        for vi, (vname, vspec) in enumerate(VIEWS):
            rng = np.random.default_rng([SEED, wi, vi])
            w, h = SIZES[(wi * 3 + vi) % len(SIZES)]
            d = copy.deepcopy(design)
            d.time = (int(rng.integers(0, 12)), int(rng.integers(0, 60)), int(rng.integers(0, 60)))
            for attempt in range(20):
                img, _bgk = sw.background(rng, w, h)
                # shallow depth of field: the background is out of focus (also keeps the JPEGs small)
                img = cv2.GaussianBlur(img, (0, 0), float(rng.uniform(1.5, 4.0)) * w / 1600.0)
                view = make_view(rng, w, h, vspec)
                ann = sw.place_watch(img, d, view, rng, canvas_res=float(np.clip(view.radius * 1.1, 60, 560)))
                if ann is not None and ann["kpts"][:, 2].all():
                    break
            else:
                raise RuntimeError(f"could not place {wid} view {vi}")
            img = sw.photometric(img, rng, strength=0.4, noise_scale=0.5)
            key = f"{wid}_{vi + 1:02d}"
            q = f"q{1 + (vi % 3)}"
            name = f"{key}_{vname}_{q}.jpg"
            tag = EXIF_VIEWS.get((wi, vi), 1)
            stored = exif_store(img, tag)
            pil = Image.fromarray(stored)
            kw = dict(quality=JPEG_Q, subsampling=2, optimize=True)
            if tag != 1:
                ex = Image.Exif()
                ex[0x0112] = tag
                kw["exif"] = ex.tobytes()
            path = os.path.join(out_dir, name)
            pil.save(path, format="JPEG", **kw)
            # check: the displayed image (EXIF applied) has the size we label
            from PIL import ImageOps
            disp = ImageOps.exif_transpose(Image.open(path))
            assert disp.size == (w, h), (disp.size, w, h)
            total += os.path.getsize(path)
            x1, y1, x2, y2 = ann["box"]
            dbg = {"debug_info": {
                "method": "synthetic-homography", "template_model": template_model, "view": vname,
                "tilt_deg": round(math.degrees(view.tilt), 2), "roll_deg": round(math.degrees(view.roll), 2),
                "dial_box_norm": [round((x1 + 0.5) / w, 5), round((y1 + 0.5) / h, 5), round((x2 + 0.5) / w, 5), round((y2 + 0.5) / h, 5)],
                "exif_orientation": tag, "stored_size": [stored.shape[1], stored.shape[0]],
                "generator": "training/make_samples.py", "seed": [SEED, wi, vi]}}
            gt[key] = record(ann, w, h, name, "ground-truth", dbg)
            if vname == "front" and (vi == 0 or wi in (0, 2)):
                labels[key] = record(ann, w, h, name, "human:sample-generator")
            print(f"{name} {w}x{h} exif={tag} {os.path.getsize(path) / 1024:.0f} KB")
        write_json(os.path.join(SAMPLES, "ground_truth", f"{wid}.json"), gt)
        write_json(os.path.join(SAMPLES, "alignment_labels", f"{wid}.json"), labels)
    print(f"watches total {total / 1e6:.2f} MB")


# ----------------------------------------------------------------------------------------------
# frames
# ----------------------------------------------------------------------------------------------
FRAME_PARAMS = (0.6, 10.0, 30)   # sigma_blur, sigma_noise, JPEG quality: one point of the training range
N_FRAMES = 24


def frame_world():
    """A large synthetic catalogue shot (3200 x 1800): two watches and printed captions on a pure
    white seamless background. Pure white (255) stays compressible even after noise + JPEG because
    the noise is clipped there, which keeps the 48 PNG frames inside the size budget."""
    Ww, Hw = 3200, 1800
    world = np.full((Hw, Ww, 3), 255, np.uint8)
    rng = np.random.default_rng([SEED, 555])
    d1 = build_design("KESTREL_dive_001")
    d1.time = (10, 9, 36)
    d1.extra = dict(d1.extra, no_highlight=True, shade_scale=0.0)  # flat shading compresses
    v1 = sw.random_view(rng, Ww, Hw, r_frac=0.27, center=(1150, 900))
    v1.tilt, v1.roll, v1.tilt_axis, v1.focal_frac, v1.strap_len = math.radians(18), math.radians(-8), 0.6, 1.2, 2.6
    v1.on_wrist, v1.fingers = False, 0
    sw.place_watch(world, d1, v1, rng, canvas_res=560, shadow=False)
    d2 = build_design("HALDEN_tonneau_001")
    d2.time = (1, 50, 0)
    d2.dial_pattern, d2.strap = "plain", "rubber"   # flat areas compress; grain and guilloche do not
    d2.extra = dict(d2.extra, no_highlight=True, shade_scale=0.0)

    v2 = sw.random_view(rng, Ww, Hw, r_frac=0.13, center=(2450, 760))
    v2.tilt, v2.roll, v2.tilt_axis, v2.focal_frac, v2.strap_len = math.radians(25), math.radians(12), 2.2, 1.2, 1.3
    v2.on_wrist, v2.fingers = False, 0
    sw.place_watch(world, d2, v2, rng, canvas_res=300, shadow=False)
    for txt, xy, hgt in [("KESTREL DIVE 001  automatic 200 m", (2400, 1500), 40), ("HALDEN TONNEAU  ref. 4471", (2400, 1590), 40),
                         ("LOUPE SAMPLE CATALOGUE - SYNTHETIC", (2400, 1700), 30)]:
        sw.draw_text(world, txt, xy, hgt, (20, 20, 24), 0, 0.1)
    return world


def make_frames():
    clean_dir = os.path.join(SAMPLES, "frames_gt")
    deg_dir = os.path.join(SAMPLES, "frames")
    for d in (clean_dir, deg_dir):
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            if f.endswith(".png"):
                os.remove(os.path.join(d, f))
    world = frame_world()
    Wd, Hd = world.shape[1], world.shape[0]
    W, H = 1280, 720
    sizes = [0, 0]
    for i in range(N_FRAMES):
        t = i / (N_FRAMES - 1)
        s = 0.5 - 0.5 * math.cos(math.pi * t)          # ease in/out
        zoom = 1.0 + 0.4 * s
        view_w = 3.3 * W / zoom                         # world pixels across the frame
        cx = 1500 + 800 * s
        cy = 950 - 120 * math.sin(math.pi * t)
        sx = W / view_w
        M = np.array([[sx, 0, W / 2 - sx * cx], [0, sx, H / 2 - sx * cy]], np.float64)
        clean = cv2.warpAffine(world, M, (W, H), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_CONSTANT, borderValue=(255, 255, 255))
        if sx < 1:  # warpAffine's INTER_AREA falls back to bilinear for non-integer scales: pre-smooth
            clean = cv2.warpAffine(cv2.GaussianBlur(world, (0, 0), 0.45 / sx), M, (W, H), flags=cv2.INTER_LINEAR,
                                   borderMode=cv2.BORDER_CONSTANT, borderValue=(255, 255, 255))
        rng = np.random.default_rng([SEED, 777, i])
        deg, _ = rd.degrade(clean, rng, FRAME_PARAMS)
        name = f"frame_{i:06d}.png"
        for d, im, j in ((clean_dir, clean, 0), (deg_dir, deg, 1)):
            p = os.path.join(d, name)
            Image.fromarray(im).save(p, format="PNG", optimize=True)
            sizes[j] += os.path.getsize(p)
    psnrs = [rd.psnr(np.asarray(Image.open(os.path.join(clean_dir, f"frame_{i:06d}.png"))) / 255.0,
                     np.asarray(Image.open(os.path.join(deg_dir, f"frame_{i:06d}.png"))) / 255.0) for i in range(N_FRAMES)]
    print(f"frames_gt {sizes[0] / 1e6:.2f} MB, frames {sizes[1] / 1e6:.2f} MB, degraded PSNR mean {np.mean(psnrs):.2f} dB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["watches", "frames"])
    args = ap.parse_args()
    if args.only in (None, "watches"):
        make_watches()
    if args.only in (None, "frames"):
        make_frames()


if __name__ == "__main__":
    main()
