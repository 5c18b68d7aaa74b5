"""Kodak24 data and the mixed degradation the bundled restoration models are trained to undo.

Degradation, applied in this order to an 8-bit RGB image (values 0..255):

1. Gaussian blur with sigma_b ~ U(0, 1.0) px (OpenCV GaussianBlur, kernel size derived from sigma,
   border BORDER_REFLECT_101); skipped when sigma_b < 0.1.
2. Additive white Gaussian noise, sigma_n ~ U(10, 30) on the 0..255 scale, independent per pixel and
   channel; then rounded and clipped to 0..255 (uint8).
3. JPEG at quality q ~ U{30, ..., 70} (Pillow/libjpeg, 4:2:0 chroma subsampling), decoded back to RGB.

All randomness comes from one ``numpy.random.Generator`` in the order sigma_b, sigma_n, q, noise.

Split: kodim01..kodim20 for training (random crops), kodim21..kodim24 held out. The held-out
degraded inputs use ``numpy.random.default_rng([EVAL_SEED, n])`` for kodim{n}.
"""
from __future__ import annotations

import io
import os

import cv2
import numpy as np
from PIL import Image

KODAK_ROOT = os.environ.get("LOUPE_KODAK", "/work/shared/data/kodak24")
TRAIN_IDS = list(range(1, 21))
HELDOUT_IDS = [21, 22, 23, 24]
EVAL_SEED = 2024

BLUR_MAX = 1.0
NOISE_RANGE = (10.0, 30.0)
JPEG_RANGE = (30, 70)


def load_kodak(n):
    im = Image.open(os.path.join(KODAK_ROOT, f"kodim{n:02d}.png")).convert("RGB")
    return np.asarray(im, dtype=np.uint8).copy()


def sample_params(rng):
    sb = float(rng.uniform(0.0, BLUR_MAX))
    sn = float(rng.uniform(*NOISE_RANGE))
    q = int(rng.integers(JPEG_RANGE[0], JPEG_RANGE[1] + 1))
    return sb, sn, q


def blur_noise(img_u8, sb, sn, rng):
    x = img_u8.astype(np.float32)
    if sb >= 0.1:
        x = cv2.GaussianBlur(x, (0, 0), sb, borderType=cv2.BORDER_REFLECT_101)
    x = x + rng.standard_normal(x.shape, dtype=np.float32) * np.float32(sn)
    return np.clip(np.round(x), 0, 255).astype(np.uint8)


def jpeg_roundtrip(img_u8, q):
    buf = io.BytesIO()
    Image.fromarray(img_u8).save(buf, format="JPEG", quality=int(q), subsampling=2)
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"), dtype=np.uint8).copy()


def degrade(img_u8, rng, params=None):
    """Whole-image degradation. Returns (degraded uint8, (sigma_b, sigma_n, q))."""
    sb, sn, q = params if params is not None else sample_params(rng)
    return jpeg_roundtrip(blur_noise(img_u8, sb, sn, rng), q), (sb, sn, q)


def heldout_pairs():
    """[(name, clean uint8, degraded uint8, params)] for kodim21..24 with the fixed eval seed."""
    out = []
    for n in HELDOUT_IDS:
        clean = load_kodak(n)
        deg, prm = degrade(clean, np.random.default_rng([EVAL_SEED, n]))
        out.append((f"kodim{n:02d}", clean, deg, prm))
    return out


def random_crop_pair(images, rng, P=96, margin=16):
    """A training pair: crop (aligned to the 16-px JPEG/4:2:0 grid) of a random training image,
    augmented by a random flip/rot90 of the clean pixels, then degraded with a margin so the blur
    sees real neighbours, then JPEG-compressed at the crop size."""
    img = images[int(rng.integers(len(images)))]
    H, W = img.shape[:2]
    y = int(rng.integers(0, (H - P) // 16 + 1)) * 16
    x = int(rng.integers(0, (W - P) // 16 + 1)) * 16
    y0, x0 = max(0, y - margin), max(0, x - margin)
    y1, x1 = min(H, y + P + margin), min(W, x + P + margin)
    region = img[y0:y1, x0:x1]
    k = int(rng.integers(4))
    flip = bool(rng.integers(2))
    # rotate/flip the region, tracking where the crop lands inside it
    oy, ox = y - y0, x - x0
    rh, rw = region.shape[:2]
    if flip:
        region = region[:, ::-1]
        ox = rw - ox - P
    for _ in range(k):  # rot90 counter-clockwise
        region = np.rot90(region)
        rh, rw = region.shape[:2]
        oy, ox = rh - ox - P, oy
    region = np.ascontiguousarray(region)
    sb, sn, q = sample_params(rng)
    noisy = blur_noise(region, sb, sn, rng)
    clean_c = region[oy:oy + P, ox:ox + P]
    deg_c = jpeg_roundtrip(np.ascontiguousarray(noisy[oy:oy + P, ox:ox + P]), q)
    return clean_c, deg_c


def psnr(a, b, data_range=1.0):
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(data_range ** 2 / mse)


def ssim(a, b):
    """skimage structural_similarity with the settings of Wang et al. (as required by the model
    cards): gaussian_weights=True, sigma=1.5, use_sample_covariance=False, channel_axis=-1,
    data_range=1 on float images in [0, 1]."""
    from skimage.metrics import structural_similarity
    return float(structural_similarity(np.asarray(a, np.float64), np.asarray(b, np.float64), gaussian_weights=True, sigma=1.5,
                                       use_sample_covariance=False, channel_axis=-1, data_range=1.0))
