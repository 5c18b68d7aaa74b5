"""Native per-stage times for bench/opencv-builds.bench.test.ts: the crops and (query, template)
pairs Loupe's matcher saw in its run, through Debian's OpenCV (cv2) with the same settings, stage
by stage: ORB detectAndCompute per crop, BFMatcher kNN (k = 2) + the ratio test per pair, and
findHomography(USAC_MAGSAC) on the pair's ratio-tested matches. Single-threaded, like the wasm
builds (cv2.setNumThreads(1)); ORB with Loupe's arguments (OpenCV's defaults but nfeatures).

Usage: opencv_stages.py DIR  (DIR holds N.pgm and pairs.json); prints ms per photo as JSON.
"""

import json
import os
import sys
import time

import cv2
import numpy as np


def main():
    d = sys.argv[1]
    with open(os.path.join(d, "pairs.json")) as fh:
        spec = json.load(fh)
    cv2.setNumThreads(1)
    orb = cv2.ORB_create(spec["maxFeatures"], 1.2, 8, 31, 0, 2, cv2.ORB_HARRIS_SCORE, 31, 20)
    bf = cv2.BFMatcher(cv2.NORM_HAMMING)
    imgs = {int(f[:-4]): cv2.imread(os.path.join(d, f), cv2.IMREAD_GRAYSCALE) for f in os.listdir(d) if f.endswith(".pgm")}
    feats = {}
    for k in spec["templates"]:
        feats[k] = orb.detectAndCompute(imgs[k], None)
    t = time.perf_counter()
    for k in spec["queries"]:
        feats[k] = orb.detectAndCompute(imgs[k], None)
    orb_s = time.perf_counter() - t
    knn_s = hom_s = 0.0
    for q, tm in spec["pairs"]:
        (qk, qd), (tk, td) = feats[q], feats[tm]
        t = time.perf_counter()
        good = []
        if qd is not None and td is not None and len(qk) >= 2 and len(tk) >= 2:
            for pair in bf.knnMatch(qd, td, k=2):
                if len(pair) == 2 and pair[0].distance < spec["ratio"] * pair[1].distance:
                    good.append(pair[0])
        knn_s += time.perf_counter() - t
        if len(good) >= 4:
            src = np.float32([tk[g.trainIdx].pt for g in good]).reshape(-1, 1, 2)
            dst = np.float32([qk[g.queryIdx].pt for g in good]).reshape(-1, 1, 2)
            t = time.perf_counter()
            cv2.findHomography(src, dst, cv2.USAC_MAGSAC, spec["threshold"], maxIters=2000, confidence=0.995)
            hom_s += time.perf_counter() - t
    n = spec["photos"]
    print(json.dumps({"opencv": cv2.__version__, "orb": orb_s * 1000 / n, "knnAndRatio": knn_s * 1000 / n, "homography": hom_s * 1000 / n, "queries": len(spec["queries"]), "pairs": len(spec["pairs"])}))


if __name__ == "__main__":
    main()
