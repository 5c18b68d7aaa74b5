#!/usr/bin/python3
"""Reference PSNR/SSIM values from scikit-image for Loupe's metric tests.

Writes test/fixtures/metrics-reference.json: seeded image pairs (raw bytes, base64) and what
skimage.metrics computes for them with the settings Loupe documents. Run by hand with Debian's
python3-skimage (/usr/bin/python3 scripts/metrics-reference.py); CI only reads the JSON.
"""
import base64
import json
import os

import numpy as np
import skimage
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

rng = np.random.RandomState(20261122)


def pair(h, w, c, dtype, max_value, noise):
    """A smooth picture with edges, and a noisy, blurred copy of it."""
    y, x = np.mgrid[0:h, 0:w]
    base = np.zeros((h, w, c))
    for ch in range(c):
        base[..., ch] = 0.5 + 0.3 * np.sin(x / (5 + ch)) * np.cos(y / 7) + 0.2 * ((x // 9 + y // 11) % 2)
    a = np.clip(base, 0, 1)
    b = a + rng.normal(0, noise, a.shape)
    b[1:-1, 1:-1] = 0.5 * b[1:-1, 1:-1] + 0.125 * (b[:-2, 1:-1] + b[2:, 1:-1] + b[1:-1, :-2] + b[1:-1, 2:])
    a = np.round(np.clip(a, 0, 1) * max_value).astype(dtype)
    b = np.round(np.clip(b, 0, 1) * max_value).astype(dtype)
    return a, b


cases = []
for name, (h, w, c, dtype, max_value, noise) in {
    'rgb8': (48, 64, 3, np.uint8, 255, 0.05),
    'rgb16': (33, 40, 3, np.uint16, 65535, 0.08),
    'grey8-odd': (29, 31, 1, np.uint8, 255, 0.1),
}.items():
    a, b = pair(h, w, c, dtype, max_value, noise)
    ssim = structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                 channel_axis=-1, data_range=max_value)
    psnr = peak_signal_noise_ratio(a, b, data_range=max_value)
    cases.append({
        'name': name, 'width': w, 'height': h, 'channels': c, 'bits': 16 if dtype == np.uint16 else 8,
        'a': base64.b64encode(a.astype('<u2' if dtype == np.uint16 else 'u1').tobytes()).decode(),
        'b': base64.b64encode(b.astype('<u2' if dtype == np.uint16 else 'u1').tobytes()).decode(),
        'ssim': float(ssim), 'psnr': float(psnr),
    })

out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'metrics-reference.json')
with open(out, 'w') as f:
    json.dump({'generator': 'scripts/metrics-reference.py', 'skimage': skimage.__version__, 'cases': cases}, f, indent=1)
    f.write('\n')
print('wrote', out, [(c['name'], round(c['ssim'], 6), round(c['psnr'], 4)) for c in cases])
