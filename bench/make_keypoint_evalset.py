"""Real-texture keypoint evaluation set with exact truth, for bench/predict-vs-opencv.bench.test.ts.

Each source photo (real watch photos, or any folder of photos) becomes one watch ID: the photo
itself is the labelled template (a dial-sized circle about its centre gives the five keypoints),
and N random perspective warps of it (rotation, scale, tilt, shift, brightness, noise, a few
output sizes) are the photos to predict. The truth of a warp is the template's keypoints mapped
by the same homography, so it is exact. Nothing here is a Loupe or peer algorithm: it only makes
files.

Usage: make_keypoint_evalset.py OUT_DIR SOURCE_DIR [SOURCE_DIR ...] --per-id N [--seed S]
           [--ids-only K]   (K extra watch IDs, one small query each, for memory benches)
Writes OUT_DIR/images/*.jpg, OUT_DIR/labels/{WATCH_ID}.json (human labels: the templates) and
OUT_DIR/truth.json ({image_key: {image_size, coords_norm}}).
"""

import argparse
import json
import os
import re

import cv2
import numpy as np

NAMES = ["top", "bottom", "left", "right", "center"]
# Output sizes a phone or a web page gives (the hard cases among them).
SIZES = [(1280, 960), (1080, 1440), (1600, 1200), (500, 369), (1440, 1080)]


def template_keypoints(w, h):
    cx, cy, r = w / 2, h / 2, 0.32 * min(w, h)
    return {"top": (cx, cy - r), "bottom": (cx, cy + r), "left": (cx - r, cy), "right": (cx + r, cy), "center": (cx, cy)}


def random_homography(rng, src_w, src_h, out_w, out_h):
    """Template pixels -> output pixels: fit the photo into the output, then turn, scale, tilt, shift."""
    fit = min(out_w / src_w, out_h / src_h)
    s = fit * rng.uniform(0.75, 1.1)
    a = np.deg2rad(rng.uniform(-35, 35))
    c, si = np.cos(a) * s, np.sin(a) * s
    A = np.array([[c, -si, 0], [si, c, 0], [0, 0, 1]])
    T0 = np.array([[1, 0, -src_w / 2], [0, 1, -src_h / 2], [0, 0, 1]])
    shift = (rng.uniform(-0.08, 0.08) * out_w, rng.uniform(-0.08, 0.08) * out_h)
    T1 = np.array([[1, 0, out_w / 2 + shift[0]], [0, 1, out_h / 2 + shift[1]], [0, 0, 1]])
    # Tilt: a small projective part (a dial seen up to ~25 degrees off axis).
    P = np.array([[1, 0, 0], [0, 1, 0], [rng.uniform(-0.5, 0.5) / max(src_w, src_h), rng.uniform(-0.5, 0.5) / max(src_w, src_h), 1]])
    return T1 @ A @ P @ T0


def project(H, p):
    v = H @ np.array([p[0], p[1], 1.0])
    return (v[0] / v[2], v[1] / v[2])


def label_record(name, size, points):
    w, h = size
    return {
        "image_size": [w, h],
        "coords_norm": {n: [round(points[n][0] / w, 6), round(points[n][1] / h, 6)] for n in NAMES},
        "full_image_name": name,
        "annotator": "human:bench",
        "timestamp": "2026-01-01T12:00:00.000000",
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("sources", nargs="+")
    ap.add_argument("--per-id", type=int, default=12)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--ids-only", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    images = os.path.join(args.out, "images")
    labels = os.path.join(args.out, "labels")
    os.makedirs(images, exist_ok=True)
    os.makedirs(labels, exist_ok=True)
    files = sorted(os.path.join(d, f) for d in args.sources for f in os.listdir(d) if re.search(r"\.(jpe?g|png)$", f, re.I))
    truth = {}
    for i, path in enumerate(files):
        src = cv2.imread(path, cv2.IMREAD_COLOR)
        h, w = src.shape[:2]
        k = 1600 / max(w, h)
        if k < 1:
            src = cv2.resize(src, (round(w * k), round(h * k)), interpolation=cv2.INTER_AREA)
            h, w = src.shape[:2]
        stem = re.sub(r"[^A-Za-z0-9]", "", os.path.splitext(os.path.basename(path))[0])[:20]
        watch = f"BENCH-{stem}_m{i:03d}_001"
        kp = template_keypoints(w, h)
        tname = f"{watch}_01_template.jpg"
        cv2.imwrite(os.path.join(images, tname), src, [cv2.IMWRITE_JPEG_QUALITY, 92])
        with open(os.path.join(labels, f"{watch}.json"), "w") as f:
            json.dump({f"{watch}_01": label_record(tname, (w, h), kp)}, f, indent=2)
        for j in range(args.per_id):
            ow, oh = SIZES[(i + j) % len(SIZES)]
            for _ in range(50):
                H = random_homography(rng, w, h, ow, oh)
                pts = {n: project(H, kp[n]) for n in NAMES}
                if all(0 <= x < ow and 0 <= y < oh for x, y in pts.values()):
                    break
            out = cv2.warpPerspective(src, H, (ow, oh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(96, 96, 96))
            gain, bias = rng.uniform(0.8, 1.2), rng.uniform(-20, 20)
            out = np.clip(out.astype(np.float32) * gain + bias + rng.normal(0, 3, out.shape), 0, 255).astype(np.uint8)
            key = f"{watch}_{j + 2:02d}"
            name = f"{key}_warp.jpg"
            cv2.imwrite(os.path.join(images, name), out, [cv2.IMWRITE_JPEG_QUALITY, 90])
            truth[key] = {"image_size": [ow, oh], "coords_norm": {n: [pts[n][0] / ow, pts[n][1] / oh] for n in NAMES}}
    # Many watch IDs (memory benches): the sources again under more IDs, each warped once so that
    # no two templates are the same picture, with one small query each.
    for i in range(args.ids_only):
        path = files[i % len(files)]
        src = cv2.imread(path, cv2.IMREAD_COLOR)
        h, w = src.shape[:2]
        k = 1280 / max(w, h)
        src = cv2.resize(src, (round(w * k), round(h * k)), interpolation=cv2.INTER_AREA)
        h, w = src.shape[:2]
        H = random_homography(rng, w, h, w, h)
        out = cv2.warpPerspective(src, H, (w, h), borderValue=(96, 96, 96))
        watch = f"MANY-t{i:05d}_x{i:05d}_001"
        kp = {n: project(H, p) for n, p in template_keypoints(w, h).items()}
        tname = f"{watch}_01_template.jpg"
        cv2.imwrite(os.path.join(images, tname), out, [cv2.IMWRITE_JPEG_QUALITY, 85])
        with open(os.path.join(labels, f"{watch}.json"), "w") as f:
            json.dump({f"{watch}_01": label_record(tname, (w, h), kp)}, f)
        # One small query per ID, so that a run loads every template.
        ow, oh = 640, 480
        for _ in range(50):
            H2 = random_homography(rng, w, h, ow, oh)
            pts = {n: project(H2, kp[n]) for n in NAMES}
            if all(0 <= x < ow and 0 <= y < oh for x, y in pts.values()):
                break
        q = cv2.warpPerspective(out, H2, (ow, oh), borderValue=(96, 96, 96))
        cv2.imwrite(os.path.join(images, f"{watch}_02_warp.jpg"), q, [cv2.IMWRITE_JPEG_QUALITY, 85])
        truth[f"{watch}_02"] = {"image_size": [ow, oh], "coords_norm": {n: [pts[n][0] / ow, pts[n][1] / oh] for n in NAMES}}
    with open(os.path.join(args.out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    print(json.dumps({"ids": len(files) + args.ids_only, "queries": len(truth)}))


if __name__ == "__main__":
    main()
