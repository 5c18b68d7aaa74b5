"""The peer for bench/predict-vs-opencv.bench.test.ts: the plain OpenCV script a user could write
in an afternoon to do what `loupe predict` does (issue 15), with nothing tuned.

For every labelled template (one per watch ID, in LABELS_DIR/{WATCH_ID}.json), and every other
image of the same watch ID in IMAGES_DIR: imread, resize to the 1280-px working size, ORB (1000
features), brute-force Hamming kNN with Lowe's ratio 0.7, findHomography(USAC_MAGSAC, 4 px) on
the whole image, accepted with >= 10 inliers; the template's five keypoints mapped by it.

Usage: opencv_peer.py IMAGES_DIR LABELS_DIR OUT_JSON
OUT_JSON: {"predictions": {image_key: {image_size, coords_norm} | null}, "stages_ms": {...}}
"""

import json
import os
import re
import sys
import time

import cv2
import numpy as np

NAMES = ["top", "bottom", "left", "right", "center"]
# Loupe's default naming pattern: WATCH_ID = BRAND_MODEL_NNN, image key = WATCH_ID_NN.
PATTERN = re.compile(r"^(?P<key>(?P<watch>[A-Za-z0-9-]+_[A-Za-z0-9-]+_\d+)_\d+)(?:_.*)?$")
WORK = 1280

stages = {"read": 0.0, "orb": 0.0, "match": 0.0, "homography": 0.0}


def load(path):
    t = time.perf_counter()
    img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    h, w = img.shape
    k = WORK / max(w, h)
    if k < 1:
        img = cv2.resize(img, (round(w * k), round(h * k)), interpolation=cv2.INTER_AREA)
    stages["read"] += time.perf_counter() - t
    return img, (w, h)


def features(orb, img):
    t = time.perf_counter()
    kp, des = orb.detectAndCompute(img, None)
    stages["orb"] += time.perf_counter() - t
    return kp, des


def main():
    images_dir, labels_dir, out_path = sys.argv[1:4]
    orb = cv2.ORB_create(1000)
    bf = cv2.BFMatcher(cv2.NORM_HAMMING)
    templates = {}
    for f in sorted(os.listdir(labels_dir)):
        if not f.endswith(".json"):
            continue
        with open(os.path.join(labels_dir, f)) as fh:
            for key, rec in json.load(fh).items():
                m = PATTERN.match(os.path.splitext(rec["full_image_name"])[0])
                img, (w, h) = load(os.path.join(images_dir, rec["full_image_name"]))
                kp, des = features(orb, img)
                sx, sy = img.shape[1] / w, img.shape[0] / h
                pts = np.float32([[rec["coords_norm"][n][0] * w * sx, rec["coords_norm"][n][1] * h * sy] for n in NAMES])
                templates[m.group("watch")] = (key, kp, des, pts)
    predictions = {}
    for name in sorted(os.listdir(images_dir)):
        m = PATTERN.match(os.path.splitext(name)[0])
        if not m or m.group("watch") not in templates:
            continue
        tkey, tkp, tdes, tpts = templates[m.group("watch")]
        if m.group("key") == tkey:
            continue
        img, (w, h) = load(os.path.join(images_dir, name))
        kp, des = features(orb, img)
        result = None
        t = time.perf_counter()
        good = []
        if des is not None and tdes is not None and len(kp) >= 2:
            for pair in bf.knnMatch(des, tdes, k=2):
                if len(pair) == 2 and pair[0].distance < 0.7 * pair[1].distance:
                    good.append(pair[0])
        stages["match"] += time.perf_counter() - t
        t = time.perf_counter()
        if len(good) >= 4:
            src = np.float32([tkp[g.trainIdx].pt for g in good]).reshape(-1, 1, 2)
            dst = np.float32([kp[g.queryIdx].pt for g in good]).reshape(-1, 1, 2)
            H, mask = cv2.findHomography(src, dst, cv2.USAC_MAGSAC, 4.0)
            if H is not None and int(mask.sum()) >= 10:
                p = cv2.perspectiveTransform(tpts.reshape(-1, 1, 2), H).reshape(-1, 2)
                sx, sy = img.shape[1] / w, img.shape[0] / h
                result = {
                    "image_size": [w, h],
                    "coords_norm": {n: [float(p[i][0] / sx / w), float(p[i][1] / sy / h)] for i, n in enumerate(NAMES)},
                }
        stages["homography"] += time.perf_counter() - t
        predictions[m.group("key")] = result
    with open(out_path, "w") as fh:
        json.dump({"predictions": predictions, "stages_ms": {k: v * 1000 for k, v in stages.items()}}, fh)


if __name__ == "__main__":
    main()
