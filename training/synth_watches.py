#!/usr/bin/env python3
"""Synthetic watch photographs with exact dial keypoints.

Every watch is drawn flat in a canonical "watch plane" (12 o'clock up, dial centre at the canvas
centre), then warped into a procedurally generated scene through one 3x3 homography H. The ground
truth is projected through the very same H, so it is exact by construction.

Ground truth per watch (all in output-image pixels):
  * ``box``  [x1, y1, x2, y2]: axis-aligned bounding box of the projected *dial face* outline
    (the face inside the bezel/case, not the case or strap), clipped to the image.
  * ``kpts`` (5, 3) rows ``top, bottom, left, right, center`` = x, y, visible. ``center`` is the
    hand pivot (dial centre); ``top``/``bottom``/``left``/``right`` are the points where the
    12/6/9/3 o'clock axes meet the dial face's outline. ``visible`` is 1 when the point lies inside
    the image, else 0.

Determinism: nothing here uses global random state. A scene is a pure function of
``numpy.random.default_rng([seed, index])`` (see ``generate``), so a dataset is defined by
(seed, count, size) alone.

Dependencies: numpy, OpenCV (cv2). Run ``/usr/bin/python3 training/synth_watches.py --help``
for a preview tool.
"""
from __future__ import annotations

import argparse
import math
import os
import string
from dataclasses import dataclass, field

import cv2
import numpy as np

KPT_NAMES = ("top", "bottom", "left", "right", "center")
FONTS = (0, 2, 3, 4, 5)  # Hershey simplex, duplex, complex, triplex, complex-small
SCRIPT_FONT = 6

# ----------------------------------------------------------------------------------------------
# Watch design (what the watch looks like; independent of how it is photographed)
# ----------------------------------------------------------------------------------------------

METALS = {
    "steel": (196, 198, 202),
    "dark_steel": (120, 122, 128),
    "gold": (212, 175, 90),
    "rose": (205, 150, 125),
    "black": (40, 40, 44),
    "white_plastic": (232, 232, 228),
}


@dataclass
class WatchDesign:
    shape: str                 # round | cushion | tonneau | rect
    aspect: float              # dial half-height / half-width
    sq_n: float                # superellipse exponent of the dial outline
    taper: float               # tonneau narrowing at the top/bottom (0 = none)
    case_k: float              # case outline scale relative to the dial outline
    bezel: str                 # none | polished | diver | tachy
    bezel_color: tuple
    case_metal: str
    dial_color: tuple
    dial_pattern: str          # plain | sunburst | guilloche | grain | gradient | waffle
    markers: str               # indices | arabic | arabic4 | roman | dots | mixed | none
    marker_color: tuple
    marker_lume: bool
    minute_track: str          # none | ticks | railway
    font: int
    roman_radial: bool
    hand_style: str            # baton | sword | dauphine | leaf | skeleton
    hand_color: tuple
    second_hand: bool
    second_color: tuple
    date: str                  # none | 3 | 6 | 430
    brand: str
    subtext: str
    emblem: bool
    subdials: tuple            # positions among '3', '6', '9'
    subdial_color: tuple
    strap: str                 # leather | bracelet | rubber | mesh | nato | none
    strap_color: tuple
    crown: bool
    lugs: bool
    time: tuple                # h, m, s
    seed_texture: int = 0
    extra: dict = field(default_factory=dict)


def _rand_color(rng, lo=0, hi=255):
    return tuple(int(v) for v in rng.integers(lo, hi + 1, size=3))


DIAL_PALETTE = [
    (245, 245, 240), (235, 228, 205), (225, 215, 170), (20, 22, 26), (35, 35, 40), (25, 45, 95),
    (30, 70, 130), (25, 80, 60), (120, 125, 130), (200, 200, 205), (95, 20, 30), (210, 180, 110),
    (60, 62, 66), (160, 190, 210), (230, 215, 120), (240, 235, 220),
]
STRAP_PALETTE = [
    (60, 35, 20), (95, 55, 30), (30, 25, 22), (20, 20, 20), (130, 80, 40), (150, 110, 70),
    (40, 50, 80), (60, 70, 45), (110, 20, 25), (170, 160, 150),
]


def random_design(rng: np.random.Generator) -> WatchDesign:
    shape = rng.choice(["round", "round", "round", "round", "cushion", "tonneau", "rect"])
    if shape == "round":
        aspect, n, taper = 1.0, 2.0, 0.0
    elif shape == "cushion":
        aspect, n, taper = float(rng.uniform(0.95, 1.1)), float(rng.uniform(3.0, 4.5)), 0.0
    elif shape == "tonneau":
        aspect, n, taper = float(rng.uniform(1.1, 1.4)), float(rng.uniform(3.0, 5.0)), float(rng.uniform(0.12, 0.3))
    else:
        aspect, n, taper = float(rng.uniform(1.0, 1.45)), float(rng.uniform(6.0, 12.0)), 0.0
    bezel = str(rng.choice(["none", "polished", "polished", "diver", "tachy"] if shape == "round"
                           else ["none", "polished"]))
    metal = str(rng.choice(list(METALS), p=[0.4, 0.1, 0.2, 0.1, 0.12, 0.08]))
    dial = DIAL_PALETTE[int(rng.integers(len(DIAL_PALETTE)))]
    dial = tuple(int(np.clip(c + rng.integers(-15, 16), 0, 255)) for c in dial)
    dark_dial = sum(dial) < 330
    if dark_dial:
        mcol = tuple(int(v) for v in rng.choice([(235, 235, 235), (220, 200, 150), (200, 200, 205)]))
    else:
        mcol = tuple(int(v) for v in rng.choice([(20, 20, 25), (60, 60, 65), (150, 120, 60), (30, 40, 90)]))
    hcol = mcol if rng.random() < 0.7 else tuple(int(v) for v in rng.choice([(200, 200, 205), (190, 150, 70), (15, 15, 15)]))
    strap = str(rng.choice(["leather", "leather", "bracelet", "rubber", "mesh", "nato", "none"],
                           p=[0.28, 0.12, 0.25, 0.12, 0.08, 0.08, 0.07]))
    scol = STRAP_PALETTE[int(rng.integers(len(STRAP_PALETTE)))]
    if strap in ("bracelet", "mesh"):
        scol = METALS[metal] if metal not in ("black", "white_plastic") else METALS["steel"]
    markers = str(rng.choice(["indices", "indices", "arabic", "arabic4", "roman", "dots", "mixed", "none"],
                             p=[0.3, 0.1, 0.15, 0.1, 0.1, 0.08, 0.12, 0.05]))
    sub_choice = rng.random()
    if shape != "round" or sub_choice < 0.7:
        subdials = ()
    elif sub_choice < 0.82:
        subdials = ("6",)
    elif sub_choice < 0.9:
        subdials = ("9",)
    else:
        subdials = ("3", "6", "9")
    date = str(rng.choice(["none", "3", "3", "6", "430"]))
    if "3" in subdials and date == "3":
        date = "430"
    if "6" in subdials and date == "6":
        date = "none"
    brand_len = int(rng.integers(3, 8))
    brand = "".join(rng.choice(list(string.ascii_uppercase), size=brand_len))
    subtext = str(rng.choice(["AUTOMATIC", "QUARTZ", "WATER RESIST", "CHRONOMETER", "200M", "SWISS MADE",
                              "", "", "SOLAR", "DIVER'S 100m"]))
    bezel_color = METALS[metal]
    if bezel in ("diver", "tachy"):
        bezel_color = tuple(int(v) for v in rng.choice([(20, 20, 25), (25, 40, 110), (150, 25, 30), (220, 110, 30),
                                                        (30, 90, 60), (190, 190, 195)]))
    return WatchDesign(
        shape=str(shape), aspect=aspect, sq_n=n, taper=taper,
        case_k=float(rng.uniform(1.1, 1.22) if bezel in ("none", "polished") else rng.uniform(1.22, 1.34)),
        bezel=bezel, bezel_color=bezel_color, case_metal=metal, dial_color=dial,
        dial_pattern=str(rng.choice(["plain", "plain", "sunburst", "guilloche", "grain", "gradient", "waffle"])),
        markers=markers, marker_color=mcol, marker_lume=bool(rng.random() < 0.3), minute_track=str(rng.choice(["none", "ticks", "railway"])),
        font=int(rng.choice(FONTS)), roman_radial=bool(rng.random() < 0.5),
        hand_style=str(rng.choice(["baton", "sword", "dauphine", "leaf", "skeleton"])), hand_color=hcol,
        second_hand=bool(rng.random() < 0.75),
        second_color=tuple(int(v) for v in rng.choice([(200, 30, 30), (230, 120, 20), hcol, (200, 200, 200)])),
        date=date, brand=brand, subtext=subtext, emblem=bool(rng.random() < 0.4), subdials=subdials,
        subdial_color=tuple(int(np.clip(c + (40 if sum(dial) < 380 else -35), 0, 255)) for c in dial),
        strap=strap, strap_color=scol, crown=bool(rng.random() < 0.9), lugs=bool(rng.random() < 0.9),
        time=(int(rng.integers(0, 12)), int(rng.integers(0, 60)), int(rng.integers(0, 60))),
        seed_texture=int(rng.integers(0, 2**31 - 1)),
    )


# ----------------------------------------------------------------------------------------------
# Geometry of the dial outline (canonical coordinates: x right, y down, units of pixels)
# ----------------------------------------------------------------------------------------------

_LUT_CACHE: dict = {}


def _outline_radius_bisect(theta, a, b, n, taper):
    dx, dy = np.sin(theta), -np.cos(theta)
    lo = np.zeros_like(theta)
    hi = np.full_like(theta, 2.0 * max(a, b))
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        x, y = mid * dx, mid * dy
        w = 1.0 - taper * (y / b) ** 2
        f = np.abs(x / (a * w)) ** n + np.abs(y / b) ** n
        inside = f < 1.0
        lo = np.where(inside, mid, lo)
        hi = np.where(inside, hi, mid)
    return 0.5 * (lo + hi)


def outline_radius(theta, a, b, n, taper):
    """Distance from the centre to the outline along direction theta (radians clockwise from 12).

    Outline: |x / (a * w(y))|^n + |y / b|^n = 1 with w(y) = 1 - taper * (y / b)^2 (tonneau).
    Closed form without taper; with taper, bisection on a 4096-entry table (cached per shape)
    that is interpolated (error < 1e-4 of the radius)."""
    theta = np.asarray(theta, dtype=np.float64)
    if taper == 0.0:
        dx, dy = np.sin(theta), -np.cos(theta)
        return (np.abs(dx / a) ** n + np.abs(dy / b) ** n) ** (-1.0 / n)
    key = (a, b, n, taper)
    lut = _LUT_CACHE.get(key)
    if lut is None:
        if len(_LUT_CACHE) > 64:
            _LUT_CACHE.clear()
        grid = np.linspace(0, 2 * math.pi, 4097)
        lut = _outline_radius_bisect(grid, a, b, n, taper)
        _LUT_CACHE[key] = lut
    t = np.mod(theta, 2 * math.pi) / (2 * math.pi) * 4096
    return np.interp(t, np.arange(4097), lut)


def outline_points(a, b, n, taper, k=1.0, count=256):
    th = np.linspace(0, 2 * math.pi, count, endpoint=False)
    r = outline_radius(th, a, b, n, taper) * k
    return np.stack([r * np.sin(th), -r * np.cos(th)], axis=1)


def dir_vec(theta):
    return np.array([math.sin(theta), -math.cos(theta)])


# ----------------------------------------------------------------------------------------------
# Drawing helpers (uint8 RGB canvas + uint8 alpha; cv2 with anti-aliasing and 4 bits sub-pixel)
# ----------------------------------------------------------------------------------------------
SHIFT = 4
SC = 1 << SHIFT


def _pts(p):
    return np.round(np.asarray(p, dtype=np.float64) * SC).astype(np.int32).reshape(-1, 1, 2)


def fill_poly(img, pts, color):
    cv2.fillPoly(img, [_pts(pts)], color, cv2.LINE_AA, SHIFT)


def poly_line(img, pts, color, thick, closed=True):
    cv2.polylines(img, [_pts(pts)], closed, color, max(1, int(round(thick))), cv2.LINE_AA, SHIFT)


def line(img, p0, p1, color, thick):
    p0 = np.round(np.asarray(p0) * SC).astype(int)
    p1 = np.round(np.asarray(p1) * SC).astype(int)
    cv2.line(img, tuple(int(v) for v in p0), tuple(int(v) for v in p1), color, max(1, int(round(thick))), cv2.LINE_AA, SHIFT)


def circle(img, c, r, color, thick=-1):
    c = tuple(int(v) for v in np.round(np.asarray(c) * SC))
    cv2.circle(img, c, max(1, int(round(r * SC))), color, thick if thick < 0 else max(1, int(round(thick))), cv2.LINE_AA, SHIFT)


def composite(dst, src, mask):
    """dst = dst*(1-m) + src*m, mask uint8 or float [0,1] (HxW), touching only the mask's
    bounding box. ``src`` is an array broadcastable to dst, or a callable (ys, xs) -> array for the
    given slices (lets large procedural textures be computed only where they are visible)."""
    if mask.dtype == np.uint8:
        x, y, w, h = cv2.boundingRect(mask)
    else:
        x, y, w, h = cv2.boundingRect((mask > 1e-3).astype(np.uint8))
    if w == 0 or h == 0:
        return
    ys, xs = slice(y, y + h), slice(x, x + w)
    m = mask[ys, xs].astype(np.float32)
    if mask.dtype == np.uint8:
        m *= 1.0 / 255.0
    m = m[..., None]
    if callable(src):
        sv = src(ys, xs)
    else:
        src = np.asarray(src)
        sv = src[ys, xs] if src.ndim == 3 and src.shape[:2] == dst.shape[:2] else src
    d = dst[ys, xs]
    out = d.astype(np.float32) * (1 - m) + np.asarray(sv, np.float32) * m
    d[...] = np.clip(out + 0.5, 0, 255).astype(np.uint8) if dst.dtype == np.uint8 else out


def draw_text(img, text, center, height, color, font=0, thick_frac=0.12, angle_deg=0.0):
    """Text of cap-height ``height`` px centred at ``center``, rotated by angle (deg, clockwise)."""
    if not text or height < 2.5:
        if text and height >= 1.0:  # too small to read: a blob of about the same ink
            w, _ = cv2.getTextSize(text, font, 1.0, 1)[0]
            _, hh = cv2.getTextSize("H", font, 1.0, 1)[0]
            L = w / max(hh, 1) * height
            d = np.array([math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))])
            c = np.asarray(center, dtype=float)
            line(img, c - d * L / 2, c + d * L / 2, color, max(1, height * 0.5))
        return
    (_, hh), _ = cv2.getTextSize("H", font, 1.0, 1)
    scale = height / max(hh, 1)
    th = max(1, int(round(height * thick_frac)))
    (w, h), base = cv2.getTextSize(text, font, scale, th)
    pad = th + 2
    patch = np.zeros((h + base + 2 * pad, w + 2 * pad), np.uint8)
    cv2.putText(patch, text, (pad, pad + h), font, scale, 255, th, cv2.LINE_AA)
    ph, pw = patch.shape
    # cap-height box centre of the text inside the patch
    pc = np.array([pad + w / 2.0, pad + h / 2.0])
    M = cv2.getRotationMatrix2D((float(pc[0]), float(pc[1])), -angle_deg, 1.0)
    diag = int(math.ceil(math.hypot(pw, ph))) + 2
    M[:, 2] += np.array([diag / 2.0, diag / 2.0]) - pc
    rot = cv2.warpAffine(patch, M, (diag, diag), flags=cv2.INTER_LINEAR)
    x0 = int(round(center[0] - diag / 2.0))
    y0 = int(round(center[1] - diag / 2.0))
    H, W = img.shape[:2]
    xs0, ys0 = max(0, x0), max(0, y0)
    xs1, ys1 = min(W, x0 + diag), min(H, y0 + diag)
    if xs1 <= xs0 or ys1 <= ys0:
        return
    m = rot[ys0 - y0:ys1 - y0, xs0 - x0:xs1 - x0]
    region = img[ys0:ys1, xs0:xs1]
    col = np.empty_like(region)
    col[...] = color
    composite(region, col, m)


def value_noise(rng, h, w, cell, octaves=3):
    """Smooth fractal noise in [0,1]-ish, shape (h, w)."""
    out = np.zeros((h, w), np.float32)
    amp, tot = 1.0, 0.0
    for o in range(octaves):
        c = max(2, int(cell / (2 ** o)))
        gh, gw = h // c + 2, w // c + 2
        g = rng.random((gh, gw)).astype(np.float32)
        up = cv2.resize(g, (gw * c, gh * c), interpolation=cv2.INTER_CUBIC)[:h, :w]
        out += amp * up
        tot += amp
        amp *= 0.5
    return np.clip(out / tot, 0, 1)


# ----------------------------------------------------------------------------------------------
# Rendering the watch in its canonical plane
# ----------------------------------------------------------------------------------------------

@dataclass
class Rendered:
    rgba: np.ndarray          # (H, W, 4) uint8
    center: np.ndarray        # canvas coords of the dial centre
    kpts: np.ndarray          # (5, 2) canvas coords of top, bottom, left, right, center
    dial_outline: np.ndarray  # (M, 2) canvas coords
    case_outline: np.ndarray
    unit: float               # pixels per "dial half-width"
    strap_w: float
    case_half_h: float


def render_watch(d: WatchDesign, R: float, strap_len: float = 2.2, rng_tex=None) -> Rendered:
    """Draw the watch flat. R = dial half-width in canvas pixels. strap_len in units of R
    (beyond the case, each side)."""
    rng = rng_tex if rng_tex is not None else np.random.default_rng(d.seed_texture)
    a, b = R, R * d.aspect
    n, tp = d.sq_n, d.taper
    k = d.case_k
    crown_w = 0.16 * R if d.crown else 0.0
    case_ha = a * k
    case_hb = b * k
    has_strap = d.strap != "none"
    lug_len = 0.28 * R if d.lugs or has_strap else 0.0
    sl = strap_len * R if has_strap else 0.0
    W = int(math.ceil(2 * (case_ha + crown_w + 0.1 * R)))
    H = int(math.ceil(2 * (case_hb + lug_len + sl + 0.05 * R)))
    c = np.array([W / 2.0, H / 2.0])
    rgb = np.zeros((H, W, 3), np.uint8)
    alpha = np.zeros((H, W), np.uint8)
    metal = np.array(METALS[d.case_metal], np.float32)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    X, Y = xx - c[0], yy - c[1]

    shade_k = float(d.extra.get("shade_scale", 1.0))  # 1 everywhere except the flat sample frames

    def shaded(base, amp=0.25, angle=None):
        ang = rng.uniform(0, 2 * math.pi) if angle is None else angle
        base = np.asarray(base, np.float32)

        def f(ys, xs):
            g = (np.cos(ang) * X[ys, xs] + np.sin(ang) * Y[ys, xs]) / (H * 0.5)
            return np.clip(base[None, None, :] * (1.0 + amp * shade_k * g)[..., None], 0, 255)
        return f

    dial_o = outline_points(a, b, n, tp, 1.0) + c
    case_o = outline_points(a, b, n, tp, k) + c
    sw = 2 * a * float(rng.uniform(0.68, 0.86)) if d.shape in ("round", "cushion") else 2 * a * float(rng.uniform(0.8, 0.95))

    # --- strap (drawn first, under the case)
    if has_strap:
        scol = np.array(d.strap_color, np.float32)
        m = np.zeros((H, W), np.uint8)
        top_y = c[1] - case_hb * 0.55
        bot_y = c[1] + case_hb * 0.55
        taper_s = float(rng.uniform(0.0, 0.15))
        for sign in (-1, 1):
            y0 = top_y if sign < 0 else bot_y
            y1 = 0 if sign < 0 else H
            w0, w1 = sw / 2, sw / 2 * (1 - taper_s)
            fill_poly(m, [[c[0] - w0, y0], [c[0] + w0, y0], [c[0] + w1, y1], [c[0] - w1, y1]], 255)
        if d.strap == "bracelet":
            link = R * float(rng.uniform(0.18, 0.3))
            ph = (np.abs(Y) % link) / link
            tex = 0.75 + 0.35 * np.sin(ph * math.pi)
            cols = np.floor((X / (sw / 3.0)) + 1.5)
            tex = tex * (1.0 + 0.12 * (cols % 2))
            edge = (np.abs(ph - 0.02) < 0.03).astype(np.float32)
            tex = tex * (1 - 0.5 * edge)
            col = scol[None, None] * tex[..., None]
        elif d.strap == "mesh":
            f = R * 0.05
            tex = 0.8 + 0.2 * np.sin(X / f * math.pi) * np.sin(Y / f * math.pi)
            col = scol[None, None] * tex[..., None]
        elif d.strap == "rubber":
            rib = R * 0.12
            tex = 0.85 + 0.15 * (np.sin(Y / rib * math.pi) > 0)
            col = scol[None, None] * tex[..., None]
        elif d.strap == "nato":
            stripes = np.floor((X + sw / 2) / (sw / 5.0)) % 2
            c2 = np.array(_rand_color(rng, 30, 230), np.float32)
            col = np.where(stripes[..., None] > 0, scol[None, None], c2[None, None])
            col = col * (0.9 + 0.1 * np.sin(Y / 2.0)[..., None])
        else:  # leather
            grain = value_noise(rng, H, W, max(3, int(R * 0.05)), 2)
            col = scol[None, None] * (0.85 + 0.3 * grain[..., None])
        col = col * (1.0 - 0.35 * (np.abs(X) / (sw / 2 + 1e-6)) ** 4)[..., None]
        composite(rgb, np.clip(col, 0, 255), m)
        alpha = np.maximum(alpha, m)
        if d.strap == "leather":  # stitching along the edges
            stc = tuple(int(v) for v in np.clip(scol * 1.6 + 30, 0, 255))
            for sign in (-1, 1):
                x = c[0] + sign * (sw / 2 - 0.07 * R)
                for yseg in np.arange(0, H, 0.12 * R):
                    if abs(yseg - c[1]) < case_hb:
                        continue
                    line(rgb, (x, yseg), (x, yseg + 0.07 * R), stc, max(1, 0.02 * R))
            # holes on one side
            for i in range(1, 6):
                yh = c[1] + case_hb + lug_len + i * 0.35 * R
                if yh < H - 2:
                    circle(rgb, (c[0], yh), 0.04 * R, (20, 15, 10))

    # --- lugs
    if d.lugs:
        m = np.zeros((H, W), np.uint8)
        lw = 0.14 * R
        for sx in (-1, 1):
            for sy in (-1, 1):
                x = c[0] + sx * (sw / 2 + lw * 0.3)
                ybase = c[1] + sy * case_hb * 0.55
                ytip = c[1] + sy * (case_hb + lug_len)
                fill_poly(m, [[x - lw / 2, ybase], [x + lw / 2, ybase], [x + lw / 2 * 0.8, ytip], [x - lw / 2 * 0.8, ytip]], 255)
        composite(rgb, shaded(metal, 0.3), m)
        alpha = np.maximum(alpha, m)

    # --- crown at 3 o'clock
    if d.crown:
        m = np.zeros((H, W), np.uint8)
        x0 = c[0] + outline_radius(math.pi / 2, a, b, n, tp) * k - 0.03 * R
        ch = 0.2 * R
        fill_poly(m, [[x0, c[1] - ch / 2], [x0 + crown_w, c[1] - ch / 2 * 0.9], [x0 + crown_w, c[1] + ch / 2 * 0.9], [x0, c[1] + ch / 2]], 255)
        composite(rgb, shaded(metal * 0.9, 0.4), m)
        for t in np.linspace(-ch / 2 * 0.7, ch / 2 * 0.7, 5):
            line(rgb, (x0 + crown_w * 0.3, c[1] + t), (x0 + crown_w, c[1] + t), tuple(int(v) for v in metal * 0.6), max(1, 0.012 * R))
        alpha = np.maximum(alpha, m)

    # --- case
    m = np.zeros((H, W), np.uint8)
    fill_poly(m, case_o, 255)
    composite(rgb, shaded(metal, 0.35), m)
    alpha = np.maximum(alpha, m)
    poly_line(rgb, case_o, tuple(int(v) for v in metal * 0.55), max(1, 0.015 * R))

    # --- bezel ring (between case outline and dial outline)
    bez_in = 1.0 + (k - 1.0) * 0.15
    if d.bezel in ("diver", "tachy"):
        m = np.zeros((H, W), np.uint8)
        fill_poly(m, outline_points(a, b, n, tp, 1.0 + (k - 1.0) * 0.85) + c, 255)
        composite(rgb, shaded(d.bezel_color, 0.2), m)
        bc = np.array(d.bezel_color, np.float32)
        tcol = (235, 235, 235) if bc.sum() < 400 else (20, 20, 20)
        rmid = a * (1.0 + (k - 1.0) * 0.5)
        band = a * (k - 1.0) * 0.7
        if d.bezel == "diver":
            for i in range(60):
                th = i * math.pi / 30
                if i == 0:
                    p = c + dir_vec(th) * rmid
                    tri = [p + dir_vec(th) * band * 0.35, p - dir_vec(th) * band * 0.35 + dir_vec(th + math.pi / 2) * band * 0.3,
                           p - dir_vec(th) * band * 0.35 - dir_vec(th + math.pi / 2) * band * 0.3]
                    fill_poly(rgb, tri, tcol)
                elif i % 10 == 0:
                    draw_text(rgb, str(i), c + dir_vec(th) * rmid, band * 0.45, tcol, d.font, 0.14, math.degrees(th))
                elif i % 5 == 0 or i < 15:
                    line(rgb, c + dir_vec(th) * (rmid - band * 0.25), c + dir_vec(th) * (rmid + band * 0.25), tcol, max(1, 0.015 * R))
        else:
            for i, v in enumerate([60, 70, 80, 90, 100, 120, 150, 200, 300, 500]):
                th = 2 * math.pi * (1.0 - 3600.0 / v / 60.0) if v > 60 else 0.0
                draw_text(rgb, str(v), c + dir_vec(th) * rmid, band * 0.38, tcol, d.font, 0.14, math.degrees(th))
    elif d.bezel == "polished":
        m = np.zeros((H, W), np.uint8)
        fill_poly(m, outline_points(a, b, n, tp, 1.0 + (k - 1.0) * 0.7) + c, 255)
        composite(rgb, shaded(metal * 1.05, 0.6), m)

    # --- dial face
    m = np.zeros((H, W), np.uint8)
    fill_poly(m, dial_o, 255)
    dc = np.array(d.dial_color, np.float32)
    pat_phase = rng.uniform(0, 6.28)
    grain_seed = int(rng.integers(0, 1 << 30))

    def dial_tex(ys, xs):
        Xs, Ys = X[ys, xs], Y[ys, xs]
        ang = np.arctan2(Xs, -Ys)
        rr = np.sqrt(Xs * Xs + Ys * Ys) / R
        if d.dial_pattern == "sunburst":
            f = 1.0 + 0.12 * np.cos(2 * ang + pat_phase) + 0.03 * np.sin(ang * 180)
        elif d.dial_pattern == "guilloche":
            f = 1.0 + 0.07 * np.sin(rr * 40 + 3 * np.sin(ang * 8))
        elif d.dial_pattern == "grain":
            f = 0.9 + 0.2 * value_noise(np.random.default_rng(grain_seed), Xs.shape[0], Xs.shape[1], max(2, int(R * 0.03)), 2)
        elif d.dial_pattern == "gradient":
            f = 1.15 - 0.4 * np.clip(rr, 0, 1) ** 2
        elif d.dial_pattern == "waffle":
            p = R * 0.06
            f = 0.92 + 0.12 * ((np.sin(Xs / p * math.pi) * np.sin(Ys / p * math.pi)) > 0)
        else:
            f = np.ones_like(Xs)
        return np.clip(dc[None, None] * f[..., None] + (25 if dc.sum() < 150 else 0) * (f[..., None] - 1), 0, 255)
    composite(rgb, dial_tex, m)
    # inner edge shadow on the dial
    poly_line(rgb, outline_points(a, b, n, tp, 0.995) + c, tuple(int(v) for v in dc * 0.6), max(1, 0.02 * R))

    def on_ray(theta, frac):
        return c + dir_vec(theta) * outline_radius(theta, a, b, n, tp) * frac

    mc = d.marker_color
    tw = max(1.0, 0.012 * R)
    # minute track
    if d.minute_track != "none":
        for i in range(60):
            th = i * math.pi / 30
            if i % 5 == 0:
                continue
            line(rgb, on_ray(th, 0.955), on_ray(th, 0.9), mc, tw)
        if d.minute_track == "railway":
            poly_line(rgb, outline_points(a, b, n, tp, 0.955) + c, mc, tw)
            poly_line(rgb, outline_points(a, b, n, tp, 0.9) + c, mc, tw)

    # hour markers
    numerals_roman = ["XII", "I", "II", "III", "IIII", "V", "VI", "VII", "VIII", "IX", "X", "XI"]
    has_date = {"3": 3, "6": 6, "430": None, "none": None}[d.date]
    sub_hours = {"3": 3, "6": 6, "9": 9}
    blocked = {sub_hours[s] for s in d.subdials}
    lume = (235, 240, 225)
    for hr in range(12):
        th = hr * math.pi / 6
        style = d.markers
        if style == "mixed":
            style = "arabic" if hr % 3 == 0 else "indices"
        if style == "arabic4":
            style = "arabic" if hr % 3 == 0 else "none_hr"
        if hr in blocked and hr != 0:
            if style in ("arabic", "roman"):
                continue
        if has_date == hr and hr != 0 and style in ("arabic", "roman"):
            continue
        if style == "indices" or (style == "none_hr" and False):
            L = 0.16 if hr % 3 == 0 else 0.11
            wdt = (0.045 if hr % 3 == 0 else 0.03) * R
            if hr == 0:  # double baton at 12: the dial's strongest orientation cue
                off = dir_vec(th + math.pi / 2) * wdt * 0.9
                for s in (-1, 1):
                    line(rgb, on_ray(th, 0.88) + s * off, on_ray(th, 0.88 - L) + s * off, mc, wdt)
            else:
                line(rgb, on_ray(th, 0.88), on_ray(th, 0.88 - L), mc, wdt)
                if d.marker_lume:
                    line(rgb, on_ray(th, 0.87), on_ray(th, 0.89 - L), lume, max(1, wdt * 0.4))
        elif style == "dots":
            rad = (0.05 if hr % 3 == 0 else 0.035) * R
            if hr == 0:
                p = on_ray(th, 0.82)
                tri = [p + dir_vec(th) * rad * 1.6, p - dir_vec(th) * rad + dir_vec(th + math.pi / 2) * rad * 1.3,
                       p - dir_vec(th) * rad - dir_vec(th + math.pi / 2) * rad * 1.3]
                fill_poly(rgb, tri, mc)
            else:
                circle(rgb, on_ray(th, 0.82), rad, mc)
                if d.marker_lume:
                    circle(rgb, on_ray(th, 0.82), rad * 0.6, lume)
        elif style == "arabic":
            txt = str(12 if hr == 0 else hr)
            draw_text(rgb, txt, on_ray(th, 0.74), 0.17 * R, mc, d.font, 0.13)
        elif style == "roman":
            txt = numerals_roman[hr]
            ang_deg = math.degrees(th) if d.roman_radial else 0.0
            if d.roman_radial and 3 < hr < 9:
                ang_deg += 180
            draw_text(rgb, txt, on_ray(th, 0.75), 0.14 * R, mc, 3, 0.1, ang_deg)
        elif hr == 0:  # "none" markers still carry a 12 cue: a small triangle
            p = on_ray(th, 0.86)
            tri = [p, p - dir_vec(th) * 0.1 * R + dir_vec(th + math.pi / 2) * 0.05 * R,
                   p - dir_vec(th) * 0.1 * R - dir_vec(th + math.pi / 2) * 0.05 * R]
            fill_poly(rgb, tri, mc)

    # logo, brand, subtext
    dark = dc.sum() < 330
    tcol = d.extra.get("text_color", (235, 235, 235) if dark else (25, 25, 30))
    if d.emblem:
        p = c + np.array([0, -0.52 * b])
        s = 0.07 * R
        fill_poly(rgb, [p + [-s, s * 0.6], p + [-s * 0.6, -s * 0.5], p + [0, s * 0.1], p + [s * 0.6, -s * 0.5], p + [s, s * 0.6]], mc)
    if "6" not in d.subdials or True:
        draw_text(rgb, d.brand, c + np.array([0, -0.36 * b]), 0.1 * R, tcol, d.font, 0.13)
    if d.subtext and "6" not in d.subdials:
        draw_text(rgb, d.subtext, c + np.array([0, 0.36 * b]), 0.055 * R, tcol, 0, 0.12)

    # sub-dials
    for s in d.subdials:
        pos = {"3": (0.5 * a, 0.0), "6": (0.0, 0.5 * b), "9": (-0.5 * a, 0.0)}[s]
        p = c + np.array(pos)
        sr = 0.21 * R
        circle(rgb, p, sr, d.subdial_color)
        circle(rgb, p, sr, mc, max(1, 0.01 * R))
        for i in range(12):
            th = i * math.pi / 6
            line(rgb, p + dir_vec(th) * sr * 0.8, p + dir_vec(th) * sr * 0.95, mc, max(1, 0.008 * R))
        th = rng.uniform(0, 2 * math.pi)
        line(rgb, p, p + dir_vec(th) * sr * 0.8, d.hand_color, max(1, 0.015 * R))

    # date window
    if d.date != "none":
        th = {"3": math.pi / 2, "6": math.pi, "430": math.pi * 0.75}[d.date]
        p = on_ray(th, 0.62 if d.date != "430" else 0.6)
        ww, hh = 0.15 * R, 0.12 * R
        fill_poly(rgb, [p + [-ww / 2, -hh / 2], p + [ww / 2, -hh / 2], p + [ww / 2, hh / 2], p + [-ww / 2, hh / 2]], (245, 245, 240))
        poly_line(rgb, [p + [-ww / 2, -hh / 2], p + [ww / 2, -hh / 2], p + [ww / 2, hh / 2], p + [-ww / 2, hh / 2]], tuple(int(v) for v in metal * 0.8), max(1, 0.012 * R))
        draw_text(rgb, str(int(rng.integers(1, 32))), p, hh * 0.55, (15, 15, 15), 0, 0.14)

    # hands
    h, mi, se = d.time
    th_h = (h % 12 + mi / 60.0) * math.pi / 6
    th_m = (mi + se / 60.0) * math.pi / 30
    th_s = se * math.pi / 30
    rmin = min(a, b)

    def hand(theta, length, width, col, style):
        u, v = dir_vec(theta), dir_vec(theta + math.pi / 2)
        tail = -0.12 * length
        if style == "baton":
            pts = [c + u * tail + v * width / 2, c + u * length + v * width / 2, c + u * length - v * width / 2, c + u * tail - v * width / 2]
        elif style == "sword":
            pts = [c + u * tail + v * width * 0.3, c + u * length * 0.85 + v * width * 0.6, c + u * length, c + u * length * 0.85 - v * width * 0.6, c + u * tail - v * width * 0.3]
        elif style == "dauphine":
            pts = [c + u * tail, c + u * length * 0.2 + v * width * 0.7, c + u * length, c + u * length * 0.2 - v * width * 0.7]
        elif style == "leaf":
            pts = [c + u * tail + v * width * 0.2]
            for t in np.linspace(0.1, 1.0, 8):
                pts.append(c + u * length * t + v * width * 0.8 * math.sin(math.pi * t))
            for t in np.linspace(1.0, 0.1, 8):
                pts.append(c + u * length * t - v * width * 0.8 * math.sin(math.pi * t))
            pts.append(c + u * tail - v * width * 0.2)
        else:  # skeleton: outline only
            pts = [c + u * tail + v * width / 2, c + u * length * 0.9 + v * width / 2, c + u * length, c + u * length * 0.9 - v * width / 2, c + u * tail - v * width / 2]
            poly_line(rgb, pts, col, max(1, width * 0.25))
            return
        shadow = [p + np.array([0.01, 0.015]) * R for p in pts]
        fill_poly(rgb, shadow, tuple(int(v) for v in dc * 0.55))
        fill_poly(rgb, pts, col)

    hand(th_h, 0.5 * rmin, 0.07 * R, d.hand_color, d.hand_style)
    hand(th_m, 0.8 * rmin, 0.05 * R, d.hand_color, d.hand_style)
    if d.second_hand:
        u = dir_vec(th_s)
        line(rgb, c - u * 0.18 * rmin, c + u * 0.88 * rmin, d.second_color, max(1, 0.012 * R))
    circle(rgb, c, 0.035 * R, d.hand_color if not d.second_hand else d.second_color)

    # crystal highlight (in the watch plane so it follows the perspective)
    if rng.random() < 0.6 and not d.extra.get("no_highlight"):
        m = np.zeros((H, W), np.uint8)
        fill_poly(m, dial_o, 255)
        ang = rng.uniform(0, math.pi)
        t = (np.cos(ang) * X + np.sin(ang) * Y) / R
        off, wid = rng.uniform(-0.6, 0.6), rng.uniform(0.1, 0.45)
        band = np.exp(-((t - off) / wid) ** 2) * rng.uniform(0.1, 0.45)
        band = band * (m.astype(np.float32) / 255.0)
        composite(rgb, np.full_like(rgb, 255), band)

    kpts = np.array([c + [0, -outline_radius(0.0, a, b, n, tp)],
                     c + [0, outline_radius(math.pi, a, b, n, tp)],
                     c + [-outline_radius(1.5 * math.pi, a, b, n, tp), 0],
                     c + [outline_radius(0.5 * math.pi, a, b, n, tp), 0],
                     c.copy()])
    rgba = np.dstack([rgb, alpha])
    return Rendered(rgba=rgba, center=c, kpts=kpts, dial_outline=dial_o, case_outline=case_o, unit=R,
                    strap_w=sw, case_half_h=case_hb)


# ----------------------------------------------------------------------------------------------
# Camera: homography from the canonical watch plane to the image
# ----------------------------------------------------------------------------------------------

def rot_matrix(roll, tilt, tilt_axis):
    """In-plane rotation roll (about the watch's normal), then a tilt by `tilt` about an in-plane
    axis at angle `tilt_axis`."""
    cr, sr = math.cos(roll), math.sin(roll)
    Rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    ax = np.array([math.cos(tilt_axis), math.sin(tilt_axis), 0.0])
    K = np.array([[0, -ax[2], ax[1]], [ax[2], 0, -ax[0]], [-ax[1], ax[0], 0]])
    Rt = np.eye(3) + math.sin(tilt) * K + (1 - math.cos(tilt)) * K @ K
    return Rt @ Rz


def camera_homography(center_canvas, unit, roll, tilt, tilt_axis, focal, pp, target_xy, target_r):
    """Homography mapping canvas pixels to image pixels.

    The watch plane is Z=0 in world units where 1 unit = `unit` canvas pixels (dial half-width).
    The camera (focal `focal`, principal point `pp`) looks down +Z; the dial centre is placed on
    the ray through image point `target_xy` at a depth where a fronto-parallel dial would have
    half-width `target_r` pixels. Returns (H, depth_fn) where depth_fn maps canvas points to camera
    depth (for clipping parts that would fall behind the camera)."""
    Rm = rot_matrix(roll, tilt, tilt_axis)
    d = focal / target_r
    t = d * np.array([(target_xy[0] - pp[0]) / focal, (target_xy[1] - pp[1]) / focal, 1.0])
    K = np.array([[focal, 0, pp[0]], [0, focal, pp[1]], [0, 0, 1]])
    A = np.array([[1 / unit, 0, -center_canvas[0] / unit], [0, 1 / unit, -center_canvas[1] / unit], [0, 0, 1]])
    M = np.column_stack([Rm[:, 0], Rm[:, 1], t])
    H = K @ M @ A

    def depth(pts):
        p = np.asarray(pts, dtype=np.float64)
        w = (p - center_canvas) / unit
        return Rm[2, 0] * w[:, 0] + Rm[2, 1] * w[:, 1] + t[2]
    return H, depth, d


def project(H, pts):
    p = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
    ph = np.column_stack([p, np.ones(len(p))]) @ H.T
    return ph[:, :2] / ph[:, 2:3]


# ----------------------------------------------------------------------------------------------
# Backgrounds and scene dressing
# ----------------------------------------------------------------------------------------------

def _palette_color(rng, kind):
    if kind == "wood":
        base = np.array([rng.uniform(90, 190), rng.uniform(55, 120), rng.uniform(25, 70)])
    elif kind == "paper":
        v = rng.uniform(200, 250)
        base = np.array([v, v * rng.uniform(0.95, 1.0), v * rng.uniform(0.88, 1.0)])
    elif kind == "dark":
        v = rng.uniform(15, 70)
        base = np.array([v, v, v]) + rng.uniform(-8, 8, 3)
    else:
        base = rng.uniform(20, 235, 3)
    return np.clip(base, 0, 255).astype(np.float32)


def background(rng, w, h, kodak=None):
    kinds = ["fabric", "wood", "paper", "studio", "clutter", "noise", "dark_foam", "marble"]
    probs = [0.15, 0.13, 0.12, 0.12, 0.16, 0.1, 0.12, 0.1]
    if kodak:
        kinds.append("kodak")
        probs = [p * 0.7 for p in probs] + [0.3]
    kind = str(rng.choice(kinds, p=np.array(probs) / sum(probs)))
    # build at reduced resolution for speed, then resize (backgrounds are mostly out of focus)
    s = min(1.0, 480.0 / max(w, h))
    bw, bh = max(8, int(w * s)), max(8, int(h * s))
    yy, xx = np.mgrid[0:bh, 0:bw].astype(np.float32)
    if kind == "kodak":
        img = kodak[int(rng.integers(len(kodak)))]
        kh, kw = img.shape[:2]
        sc = rng.uniform(0.3, 1.0)
        cw, ch = int(kw * sc), int(kw * sc * bh / bw)
        ch = min(ch, kh)
        cw = min(cw, kw)
        x0, y0 = int(rng.integers(0, kw - cw + 1)), int(rng.integers(0, kh - ch + 1))
        bg = cv2.resize(img[y0:y0 + ch, x0:x0 + cw], (bw, bh), interpolation=cv2.INTER_AREA).astype(np.float32)
        if rng.random() < 0.5:
            bg = bg[:, ::-1]
    elif kind == "fabric":
        col = _palette_color(rng, "any")
        f = rng.uniform(1.5, 6.0)
        ang = rng.uniform(0, math.pi)
        u = xx * math.cos(ang) + yy * math.sin(ang)
        v = -xx * math.sin(ang) + yy * math.cos(ang)
        weave = 0.5 + 0.25 * np.sin(u / f * math.pi) * np.sign(np.sin(v / f * math.pi)) + 0.25 * np.sin(v / f * math.pi)
        folds = value_noise(rng, bh, bw, max(8, bw // 3), 2)
        bg = col[None, None] * (0.7 + 0.25 * weave[..., None]) * (0.6 + 0.6 * folds[..., None])
    elif kind == "wood":
        col = _palette_color(rng, "wood")
        nz = value_noise(rng, bh, bw, max(8, bw // 6), 3)
        ang = rng.uniform(-0.3, 0.3) + (math.pi / 2 if rng.random() < 0.5 else 0)
        u = xx * math.cos(ang) + yy * math.sin(ang)
        rings = np.sin((u / bw * rng.uniform(8, 30) + nz * rng.uniform(3, 10)) * math.pi)
        fine = value_noise(rng, bh, bw, 3, 1)
        bg = col[None, None] * (0.75 + 0.18 * rings[..., None] + 0.12 * fine[..., None])
        if rng.random() < 0.5:  # planks
            pw = rng.uniform(0.15, 0.4) * bw
            v = -xx * math.sin(ang) + yy * math.cos(ang)
            seam = (np.abs((v % pw)) < 1.5).astype(np.float32)
            bg *= (1 - 0.5 * seam[..., None])
    elif kind == "paper":
        col = _palette_color(rng, "paper")
        bg = np.broadcast_to(col, (bh, bw, 3)).astype(np.float32) * (0.96 + 0.04 * value_noise(rng, bh, bw, 4, 1)[..., None])
        bg = np.ascontiguousarray(bg)
        if rng.random() < 0.7:  # printed text lines
            tc = (int(rng.uniform(20, 90)),) * 3
            lh = rng.uniform(8, 18)
            y = rng.uniform(5, 30)
            x0 = rng.uniform(5, bw * 0.2)
            while y < bh:
                x = x0
                while x < bw - 10:
                    wl = rng.uniform(10, 50)
                    draw_text(bg, "".join(rng.choice(list(string.ascii_lowercase), size=max(1, int(wl / 6)))),
                              (x + wl / 2, y), lh * 0.4, tc, 0, 0.15)
                    x += wl + lh * 0.5
                y += lh * rng.uniform(1.2, 1.8)
    elif kind == "studio":
        c1, c2 = _palette_color(rng, "any"), _palette_color(rng, "any")
        t = (yy / bh * rng.uniform(0.5, 1.5) + xx / bw * rng.uniform(-0.5, 0.5))
        t = np.clip(t, 0, 1)[..., None]
        bg = c1[None, None] * (1 - t) + c2[None, None] * t
    elif kind == "dark_foam":
        col = _palette_color(rng, "dark")
        nz = value_noise(rng, bh, bw, 3, 2)
        bg = col[None, None] * (0.7 + 0.6 * nz[..., None])
        if rng.random() < 0.5:  # embossed lettering like a foam liner
            for _ in range(int(rng.integers(3, 12))):
                draw_text(bg, "".join(rng.choice(list(string.ascii_letters), size=int(rng.integers(3, 8)))),
                          (rng.uniform(0, bw), rng.uniform(0, bh)), rng.uniform(6, 20), tuple(int(v) for v in np.clip(col * 1.8, 0, 255)),
                          int(rng.choice(FONTS)), 0.15, rng.uniform(-30, 30))
    elif kind == "marble":
        col = _palette_color(rng, "paper" if rng.random() < 0.6 else "dark")
        nz = value_noise(rng, bh, bw, max(8, bw // 4), 4)
        veins = np.abs(np.sin((xx / bw * 4 + nz * 6) * math.pi)) ** 0.2
        bg = col[None, None] * (0.8 + 0.2 * veins[..., None])
    elif kind == "noise":
        c1, c2 = _palette_color(rng, "any"), _palette_color(rng, "any")
        nz = value_noise(rng, bh, bw, max(4, int(rng.uniform(4, bw // 2))), 4)[..., None]
        bg = c1[None, None] * (1 - nz) + c2[None, None] * nz
    else:  # clutter
        bg = np.ascontiguousarray(np.broadcast_to(_palette_color(rng, "any"), (bh, bw, 3)).astype(np.float32))
    bg = np.ascontiguousarray(bg, dtype=np.float32)
    if kind in ("clutter", "studio", "noise", "paper") or rng.random() < 0.35:
        for _ in range(int(rng.integers(2, 16)) if kind == "clutter" else int(rng.integers(0, 5))):
            col = tuple(float(v) for v in rng.uniform(0, 255, 3))
            t = rng.random()
            cx, cy = rng.uniform(-0.1, 1.1) * bw, rng.uniform(-0.1, 1.1) * bh
            sz = rng.uniform(0.03, 0.4) * max(bw, bh)
            if t < 0.3:
                ang = rng.uniform(0, 180)
                box = cv2.boxPoints(((cx, cy), (sz, sz * rng.uniform(0.1, 1.0)), ang))
                fill_poly(bg, box, col)
            elif t < 0.5:
                circle(bg, (cx, cy), sz / 2, col, -1 if rng.random() < 0.6 else max(1, sz * 0.05))
            elif t < 0.75:
                line(bg, (cx, cy), (cx + rng.uniform(-1, 1) * sz * 2, cy + rng.uniform(-1, 1) * sz * 2), col, rng.uniform(1, sz * 0.2))
            else:
                pts = np.array([cx, cy]) + rng.uniform(-sz, sz, (int(rng.integers(3, 7)), 2))
                fill_poly(bg, cv2.convexHull(pts.astype(np.float32)).reshape(-1, 2), col)
    bg = np.clip(bg, 0, 255).astype(np.uint8)
    if (bw, bh) != (w, h):
        bg = cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR)
    if kind != "kodak" and rng.random() < 0.7:
        bg = cv2.GaussianBlur(bg, (0, 0), rng.uniform(0.5, 2.5) * max(w, h) / 640.0)
    return np.ascontiguousarray(bg), kind


SKIN = [(224, 172, 140), (198, 140, 105), (160, 110, 80), (110, 72, 50), (235, 195, 165), (80, 55, 40)]


def skin_color(rng):
    c = np.array(SKIN[int(rng.integers(len(SKIN)))], np.float32) * rng.uniform(0.85, 1.1)
    return np.clip(c, 0, 255)


def draw_shaded_capsule(img, p0, p1, width, col, rng):
    """A skin-like capsule (finger/arm) with soft cylindrical shading."""
    h, w = img.shape[:2]
    m = np.zeros((h, w), np.uint8)
    line(m, p0, p1, 255, width)
    circle(m, p1, width / 2, 255)
    if not m.any():
        return
    ys, xs = np.nonzero(m)
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    d = np.asarray(p1, np.float32) - np.asarray(p0, np.float32)
    L = np.linalg.norm(d) + 1e-6
    nrm = np.array([-d[1], d[0]]) / L
    dist = ((xx - p0[0]) * nrm[0] + (yy - p0[1]) * nrm[1]) / (width / 2)
    shade = np.clip(1.0 - 0.45 * np.clip(dist + rng.uniform(-0.3, 0.3), -1, 1) ** 2, 0.4, 1.1)
    tex = col[None, None] * shade[..., None]
    composite(img[y0:y1, x0:x1], np.clip(tex, 0, 255), cv2.GaussianBlur(m[y0:y1, x0:x1], (0, 0), max(0.6, width * 0.03)))


# ----------------------------------------------------------------------------------------------
# Scene
# ----------------------------------------------------------------------------------------------

@dataclass
class ViewParams:
    roll: float          # radians, in-plane rotation (0 = 12 o'clock up)
    tilt: float          # radians, 0..~0.87
    tilt_axis: float
    center: tuple        # dial centre in the image, pixels
    radius: float        # fronto-parallel dial half-width in pixels
    focal_frac: float    # focal length / image diagonal
    strap_len: float     # visible strap, in dial half-widths
    on_wrist: bool
    fingers: int


def random_view(rng, w, h, r_frac=None, center=None, roll_mode=None):
    m = min(w, h)
    if r_frac is None:
        r_frac = float(np.exp(rng.uniform(math.log(0.045), math.log(0.46))))
    r = r_frac * m
    mode = roll_mode or rng.choice(["upright", "upright", "upright", "quarter", "any"])
    if mode == "upright":
        roll = rng.normal(0, 0.25)
    elif mode == "quarter":
        roll = rng.uniform(-math.pi / 2, math.pi / 2)
    else:
        roll = rng.uniform(-math.pi, math.pi)
    tilt = math.radians(min(52.0, abs(rng.normal(0, 22.0)))) if rng.random() < 0.85 else math.radians(rng.uniform(0, 52))
    if center is None:
        marg = r * 0.6
        cx = rng.uniform(min(marg, w / 2), max(w - marg, w / 2))
        cy = rng.uniform(min(marg, h / 2), max(h - marg, h / 2))
        center = (cx, cy)
    return ViewParams(roll=float(roll), tilt=float(tilt), tilt_axis=float(rng.uniform(0, 2 * math.pi)), center=center,
                      radius=float(r), focal_frac=float(rng.uniform(0.55, 1.6)), strap_len=float(rng.uniform(1.0, 3.2)),
                      on_wrist=bool(rng.random() < 0.3), fingers=int(rng.choice([0, 0, 0, 1, 2])))


def place_watch(img, design, view, rng, canvas_res=None, occupied=None, shadow=True):
    """Warp one watch into img (in place). Returns the annotation dict or None if it does not fit."""
    h, w = img.shape[:2]
    diag = math.hypot(w, h)
    focal = view.focal_frac * diag
    R = canvas_res if canvas_res is not None else float(np.clip(view.radius * 1.25, 24, 320))
    strap_len = view.strap_len
    if view.on_wrist:
        strap_len = min(strap_len, 1.6)
    # Render, then make sure nothing falls behind the camera (crop the strap if needed).
    ren = render_watch(design, R, strap_len=strap_len, rng_tex=np.random.default_rng(design.seed_texture + int(rng.integers(0, 1 << 16))))
    Hm, depth_fn, d = camera_homography(ren.center, ren.unit, view.roll, view.tilt, view.tilt_axis, focal, (w / 2, h / 2),
                                        view.center, view.radius)
    rgba = ren.rgba
    Hc, Wc = rgba.shape[:2]
    # crop rows whose depth is too small (strap pointing at the camera)
    ymin, ymax = 0, Hc
    for _ in range(40):
        corners = np.array([[0, ymin], [Wc, ymin], [0, ymax], [Wc, ymax]], np.float64)
        dep = depth_fn(corners)
        ok = dep > 0.45 * d
        if ok.all():
            break
        if not ok[0] or not ok[1]:
            ymin = int(min(ren.center[1] - ren.case_half_h * 1.05, ymin + Hc * 0.04))
        if not ok[2] or not ok[3]:
            ymax = int(max(ren.center[1] + ren.case_half_h * 1.05, ymax - Hc * 0.04))
    if ymin > 0 or ymax < Hc:
        rgba = rgba.copy()
        rgba[:ymin, :, 3] = 0
        rgba[ymax:, :, 3] = 0
        # fade the strap end a little so the cut is not a hard ruler line
    dial_img = project(Hm, ren.dial_outline)
    kp = project(Hm, ren.kpts)
    x1, y1 = dial_img.min(0)
    x2, y2 = dial_img.max(0)
    # reject placements whose dial is mostly outside the image
    cx1, cy1, cx2, cy2 = max(0, x1), max(0, y1), min(w, x2), min(h, y2)
    if cx2 <= cx1 or cy2 <= cy1:
        return None
    if (cx2 - cx1) * (cy2 - cy1) < 0.6 * (x2 - x1) * (y2 - y1):
        return None
    if occupied is not None:
        for (ox1, oy1, ox2, oy2) in occupied:
            ix = max(0, min(x2, ox2) - max(x1, ox1))
            iy = max(0, min(y2, oy2) - max(y1, oy1))
            if ix * iy > 0:
                return None
    case_img = project(Hm, ren.case_outline)
    # underlay: wrist (skin across the 3-9 axis, under the strap)
    if view.on_wrist:
        col = skin_color(rng)
        half = ren.case_half_h + ren.unit * strap_len * 0.95
        # forearm as a long band in the watch plane, clipped to positive depth
        xs = np.linspace(-8, 8, 33) * ren.unit + ren.center[0]
        keep = []
        for x in xs:
            p = np.array([[x, ren.center[1] - half], [x, ren.center[1] + half]])
            if (depth_fn(p) > 0.45 * d).all():
                keep.append(x)
        if len(keep) >= 2:
            quad = np.array([[keep[0], ren.center[1] - half], [keep[-1], ren.center[1] - half],
                             [keep[-1], ren.center[1] + half], [keep[0], ren.center[1] + half]])
            q = project(Hm, quad)
            m = np.zeros((h, w), np.uint8)
            fill_poly(m, q, 255)
            yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
            axis = project(Hm, np.array([[keep[0], ren.center[1]], [keep[-1], ren.center[1]]]))
            dv = axis[1] - axis[0]
            nrm = np.array([-dv[1], dv[0]]) / (np.linalg.norm(dv) + 1e-6)
            wid = np.linalg.norm(project(Hm, np.array([[ren.center[0], ren.center[1] - half]]))[0] - project(Hm, np.array([[ren.center[0], ren.center[1] + half]]))[0]) / 2
            dist = ((xx - kp[4, 0]) * nrm[0] + (yy - kp[4, 1]) * nrm[1]) / max(wid, 1)
            shade = np.clip(1.05 - 0.5 * dist ** 2, 0.35, 1.1)
            composite(img, np.clip(col[None, None] * shade[..., None], 0, 255), cv2.GaussianBlur(m, (0, 0), 1.0))
    warped = cv2.warpPerspective(rgba, Hm, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))
    a = warped[..., 3]
    if shadow and rng.random() < 0.8:
        sz = max(2.0, view.radius * rng.uniform(0.05, 0.25))
        off = rng.normal(0, sz * 0.6, 2)
        M = np.float32([[1, 0, off[0]], [0, 1, off[1]]])
        sh = cv2.warpAffine(a, M, (w, h))
        sh = cv2.GaussianBlur(sh, (0, 0), sz).astype(np.float32) / 255.0 * rng.uniform(0.25, 0.6)
        img[...] = np.clip(img.astype(np.float32) * (1 - sh[..., None]), 0, 255).astype(np.uint8)
    composite(img, warped[..., :3], a)
    # fingers holding the case (drawn over the case edge, never over the dial centre)
    for _ in range(view.fingers):
        th = rng.uniform(0, 2 * math.pi)
        i = int((th / (2 * math.pi)) * len(case_img)) % len(case_img)
        tip = case_img[i] + (case_img[i] - kp[4]) * rng.uniform(-0.02, 0.1)
        out = (case_img[i] - kp[4])
        out = out / (np.linalg.norm(out) + 1e-6)
        out = out + rng.normal(0, 0.3, 2)
        width = view.radius * rng.uniform(0.35, 0.6)
        draw_shaded_capsule(img, tip + out * view.radius * 3.0, tip + out * width * 0.3, width, skin_color(rng), rng)
    vis = ((kp[:, 0] >= 0) & (kp[:, 0] < w) & (kp[:, 1] >= 0) & (kp[:, 1] < h)).astype(np.float64)
    return {
        "box": [float(cx1), float(cy1), float(cx2), float(cy2)],
        "box_unclipped": [float(x1), float(y1), float(x2), float(y2)],
        "kpts": np.column_stack([kp, vis]),
        "H": Hm,
        "case_outline": case_img,
        "dial_outline": dial_img,
    }


def photometric(img, rng, strength=1.0, noise_scale=1.0):
    """Lighting gradient, colour cast, contrast/gamma, blur, noise. Returns uint8."""
    h, w = img.shape[:2]
    x = img.astype(np.float32) / 255.0
    # lighting gradient / vignette
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ang = rng.uniform(0, 2 * math.pi)
    g = ((xx - w / 2) * math.cos(ang) + (yy - h / 2) * math.sin(ang)) / max(w, h)
    light = 1.0 + rng.uniform(0, 0.7) * strength * g
    if rng.random() < 0.5:
        rr = ((xx - w / 2) ** 2 + (yy - h / 2) ** 2) / (0.25 * (w * w + h * h))
        light *= 1.0 - rng.uniform(0, 0.35) * rr
    x *= light[..., None]
    # colour cast, exposure, contrast, gamma
    x *= rng.uniform(0.85, 1.15, 3)[None, None].astype(np.float32) * rng.uniform(0.75, 1.25)
    x = np.clip(x, 0, 1)
    x = x ** rng.uniform(0.75, 1.3)
    sat = rng.uniform(0.6, 1.3)
    grey = x.mean(axis=2, keepdims=True)
    x = np.clip(grey + (x - grey) * sat, 0, 1)
    out = (x * 255.0 + 0.5).astype(np.uint8)
    # glare spot
    if rng.random() < 0.15 * strength:
        m = np.zeros((h, w), np.uint8)
        cv2.ellipse(m, (int(rng.uniform(0, w)), int(rng.uniform(0, h))), (int(rng.uniform(0.05, 0.3) * w), int(rng.uniform(0.02, 0.12) * h)),
                    rng.uniform(0, 180), 0, 360, 255, -1)
        m = cv2.GaussianBlur(m, (0, 0), max(2, 0.03 * w)).astype(np.float32) / 255.0 * rng.uniform(0.2, 0.6)
        composite(out, np.full_like(out, 255), m)
    # blur
    r = rng.random()
    s = max(w, h) / 640.0
    if r < 0.35 * strength:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.4, 1.8) * s)
    elif r < 0.45 * strength:
        L = int(rng.uniform(3, 9) * s) | 1
        k = np.zeros((L, L), np.float32)
        k[L // 2, :] = 1.0
        M = cv2.getRotationMatrix2D((L / 2 - 0.5, L / 2 - 0.5), rng.uniform(0, 180), 1.0)
        k = cv2.warpAffine(k, M, (L, L))
        k /= k.sum() + 1e-6
        out = cv2.filter2D(out, -1, k)
    # sensor noise
    if rng.random() < 0.7:
        sigma = rng.uniform(0.5, 8.0) * strength * noise_scale
        out = np.clip(out.astype(np.float32) + rng.standard_normal(out.shape, dtype=np.float32) * np.float32(sigma), 0, 255).astype(np.uint8)
    return out


def jpeg(img_rgb, q):
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(img_rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(q)])
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def make_scene(rng, w, h, kodak=None, max_watches=2, designs=None, p_two=0.2, p_empty=0.04, canvas_scale=1.25,
               do_jpeg=True, photometric_strength=1.0, view=None):
    """One synthetic photo. Returns (rgb uint8 (h, w, 3), list of annotations, info dict)."""
    img, bg_kind = background(rng, w, h, kodak)
    anns = []
    n_watch = 0 if rng.random() < p_empty else (2 if (max_watches > 1 and rng.random() < p_two) else 1)
    occupied = []
    for i in range(n_watch):
        design = designs[i] if designs is not None else random_design(rng)
        for _attempt in range(8):
            v = view if (view is not None and i == 0) else random_view(rng, w, h, r_frac=(float(np.exp(rng.uniform(math.log(0.045), math.log(0.3))))
                                                                                        if n_watch > 1 else None))
            if i > 0:  # a later wrist would be drawn over the earlier watch
                v.on_wrist = False
            res = float(np.clip(v.radius * canvas_scale, 24, 640))
            ann = place_watch(img, design, v, rng, canvas_res=res, occupied=occupied)
            if ann is not None:
                ann["design"] = design
                ann["view"] = v
                anns.append(ann)
                x1, y1, x2, y2 = ann["box_unclipped"]
                pad = 0.35 * (x2 - x1)
                occupied.append((x1 - pad, y1 - pad, x2 + pad, y2 + pad))
                break
    img = photometric(img, rng, photometric_strength)
    q = None
    if do_jpeg:
        q = int(rng.integers(35, 96))
        img = jpeg(img, q)
    return img, anns, {"background": bg_kind, "jpeg_q": q}


def load_kodak(root, names):
    out = []
    for n in names:
        p = os.path.join(root, n)
        im = cv2.imread(p, cv2.IMREAD_COLOR)
        if im is not None:
            out.append(cv2.cvtColor(im, cv2.COLOR_BGR2RGB))
    return out


KODAK_ROOT = "/work/shared/data/kodak24"
# Kodak crops are used only as extra detector *backgrounds* (never bundled); kodim21-24 are kept
# out so the restoration hold-out stays unseen by every bundled model.
KODAK_BG = [f"kodim{i:02d}.png" for i in range(1, 21)]


def letterbox_size(w, h, S):
    r = min(S / w, S / h)
    return max(1, int(round(w * r))), max(1, int(round(h * r))), r


def generate(seed, index, S, kodak=None):
    """Training/eval sample number `index` of dataset `seed`, already letterboxed to S x S (grey
    114, centred) the way the app feeds the detector. Returns (img uint8 SxSx3, boxes (n,4),
    kpts (n,5,3)) in letterboxed pixels."""
    rng = np.random.default_rng([seed, index])
    aspect = rng.choice([4 / 3, 3 / 4, 1.0, 16 / 9, 9 / 16, 3 / 2, 2 / 3])
    # render at a size whose letterbox into S is ~1:1 but sometimes at higher resolution then
    # downscale (like the app does with phone photos), which gives realistic resampling
    up = float(rng.choice([1.0, 1.0, 1.5, 2.0]))
    if aspect >= 1:
        w, h = int(S * up), int(round(S * up / aspect))
    else:
        w, h = int(round(S * up * aspect)), int(S * up)
    img, anns, _ = make_scene(rng, w, h, kodak=kodak)
    lw, lh, r = letterbox_size(w, h, S)
    if (lw, lh) != (w, h):
        img = cv2.resize(img, (lw, lh), interpolation=cv2.INTER_AREA if r < 1 else cv2.INTER_LINEAR)
    out = np.full((S, S, 3), 114, np.uint8)
    px, py = (S - lw) // 2, (S - lh) // 2
    out[py:py + lh, px:px + lw] = img
    boxes = np.zeros((len(anns), 4), np.float32)
    kpts = np.zeros((len(anns), 5, 3), np.float32)
    for i, a in enumerate(anns):
        b = np.array(a["box"]) * r
        boxes[i] = b + [px, py, px, py]
        kp = a["kpts"].copy()
        kp[:, :2] = kp[:, :2] * r + [px, py]
        kpts[i] = kp
    return out, boxes, kpts


def draw_gt(img, boxes, kpts, color=(0, 255, 0)):
    out = img.copy()
    cols = [(255, 0, 0), (0, 0, 255), (255, 255, 0), (255, 0, 255), (0, 255, 0)]
    for b, k in zip(boxes, kpts):
        cv2.rectangle(out, (int(b[0]), int(b[1])), (int(b[2]), int(b[3])), color, 1)
        for j in range(5):
            if k[j, 2] > 0:
                cv2.circle(out, (int(round(k[j, 0])), int(round(k[j, 1]))), 3, cols[j], -1)
        cv2.putText(out, "12", (int(k[0, 0]) + 3, int(k[0, 1]) - 3), 0, 0.35, (255, 0, 0), 1)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=16)
    ap.add_argument("--size", type=int, default=320)
    ap.add_argument("--out", default="/tmp/synth_preview.png", help="contact sheet with ground truth drawn")
    ap.add_argument("--no-kodak", action="store_true")
    ap.add_argument("--time", action="store_true", help="print ms per generated sample")
    args = ap.parse_args()
    kodak = None if args.no_kodak else load_kodak(KODAK_ROOT, KODAK_BG)
    import time
    t0 = time.time()
    tiles = []
    for i in range(args.count):
        img, b, k = generate(args.seed, i, args.size, kodak)
        tiles.append(draw_gt(img, b, k))
    dt = (time.time() - t0) / args.count
    if args.time:
        print(f"{dt * 1000:.1f} ms/sample at S={args.size}")
    cols = int(math.ceil(math.sqrt(len(tiles))))
    rows = int(math.ceil(len(tiles) / cols))
    sheet = np.full((rows * args.size, cols * args.size, 3), 0, np.uint8)
    for i, t in enumerate(tiles):
        sheet[(i // cols) * args.size:(i // cols + 1) * args.size, (i % cols) * args.size:(i % cols + 1) * args.size] = t
    cv2.imwrite(args.out, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    print("wrote", args.out)


if __name__ == "__main__":
    main()
