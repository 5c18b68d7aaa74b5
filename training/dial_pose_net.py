"""A small anchor-free pose network (one class, K keypoints) written for this project.

Layout follows the Ultralytics YOLOv8-pose convention so the exported ONNX can be read by any
YOLOv8-pose consumer: strides 8/16/32, anchors at cell centres, output ``[1, 4 + 1 + K*3, N]``
with rows cx, cy, w, h (input pixels), class score (sigmoid), then per keypoint x, y (input
pixels) and visibility (sigmoid). There is no NMS in the graph.

Architecture ("yolo-pose-lite"): a CSP-style backbone with plain 3x3 convolutions, a
PAN neck and decoupled per-level heads. Boxes are predicted as left/top/right/bottom distances
(softplus, in strides) from the anchor; keypoints as offsets ``(2 * raw + anchor - 0.5) * stride``
(as in YOLOv8-pose).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

STRIDES = (8, 16, 32)


class Conv(nn.Module):
    def __init__(self, c1, c2, k=3, s=1, g=1):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, groups=g, bias=False)
        self.bn = nn.BatchNorm2d(c2, eps=1e-3, momentum=0.03)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    def __init__(self, c, shortcut=True):
        super().__init__()
        self.cv1 = Conv(c, c, 3)
        self.cv2 = Conv(c, c, 3)
        self.add = shortcut

    def forward(self, x):
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class C2f(nn.Module):
    """Split, n bottlenecks on one half, concatenate every intermediate, fuse with 1x1."""

    def __init__(self, c1, c2, n=1, shortcut=True):
        super().__init__()
        self.c = c2 // 2
        self.cv1 = Conv(c1, 2 * self.c, 1)
        self.m = nn.ModuleList(Bottleneck(self.c, shortcut) for _ in range(n))
        self.cv2 = Conv((2 + n) * self.c, c2, 1)

    def forward(self, x):
        y = list(self.cv1(x).chunk(2, 1))
        for m in self.m:
            y.append(m(y[-1]))
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    def __init__(self, c1, c2, k=5):
        super().__init__()
        c_ = c1 // 2
        self.cv1 = Conv(c1, c_, 1)
        self.cv2 = Conv(c_ * 4, c2, 1)
        self.m = nn.MaxPool2d(k, 1, k // 2)

    def forward(self, x):
        x = self.cv1(x)
        y1 = self.m(x)
        y2 = self.m(y1)
        return self.cv2(torch.cat([x, y1, y2, self.m(y2)], 1))


class DialPoseNet(nn.Module):
    def __init__(self, nk=5, w=(16, 32, 64, 96, 128), depth=(1, 2, 2, 1), head_c=48):
        super().__init__()
        self.nk = nk
        c0, c1, c2, c3, c4 = w
        self.stem = Conv(3, c0, 3, 2)                                         # /2
        self.s1 = nn.Sequential(Conv(c0, c1, 3, 2), C2f(c1, c1, depth[0]))    # /4
        self.s2 = nn.Sequential(Conv(c1, c2, 3, 2), C2f(c2, c2, depth[1]))    # /8  -> P3
        self.s3 = nn.Sequential(Conv(c2, c3, 3, 2), C2f(c3, c3, depth[2]))    # /16 -> P4
        self.s4 = nn.Sequential(Conv(c3, c4, 3, 2), C2f(c4, c4, depth[3]), SPPF(c4, c4))  # /32 -> P5
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.n4 = C2f(c4 + c3, c3, 1, False)
        self.n3 = C2f(c3 + c2, c2, 1, False)
        self.d3 = Conv(c2, c2, 3, 2)
        self.o4 = C2f(c2 + c3, c3, 1, False)
        self.d4 = Conv(c3, c3, 3, 2)
        self.o5 = C2f(c3 + c4, c4, 1, False)
        chs = (c2, c3, c4)
        self.box = nn.ModuleList(nn.Sequential(Conv(c, head_c, 3), Conv(head_c, head_c, 3), nn.Conv2d(head_c, 4, 1)) for c in chs)
        self.cls = nn.ModuleList(nn.Sequential(Conv(c, head_c, 3), Conv(head_c, head_c, 3), nn.Conv2d(head_c, 1, 1)) for c in chs)
        self.kpt = nn.ModuleList(nn.Sequential(Conv(c, head_c, 3), Conv(head_c, head_c, 3), nn.Conv2d(head_c, nk * 3, 1)) for c in chs)
        self._init_bias()

    def _init_bias(self):
        import math
        for s, m in zip(STRIDES, self.cls):
            nn.init.constant_(m[-1].bias, math.log(5 / 80 / (320 / s) ** 2))  # YOLO-style prior
        for m in self.box:
            nn.init.constant_(m[-1].bias, 1.0)
        for m in self.kpt:
            nn.init.zeros_(m[-1].weight)
            nn.init.zeros_(m[-1].bias)

    def features(self, x):
        x = self.stem(x)
        x = self.s1(x)
        p3 = self.s2(x)
        p4 = self.s3(p3)
        p5 = self.s4(p4)
        n4 = self.n4(torch.cat([self.up(p5), p4], 1))
        o3 = self.n3(torch.cat([self.up(n4), p3], 1))
        o4 = self.o4(torch.cat([self.d3(o3), n4], 1))
        o5 = self.o5(torch.cat([self.d4(o4), p5], 1))
        return [o3, o4, o5]

    def forward_raw(self, x):
        """Per level raw maps: list of (box (B,4,h,w), cls (B,1,h,w), kpt (B,K*3,h,w))."""
        feats = self.features(x)
        return [(self.box[i](f), self.cls[i](f), self.kpt[i](f)) for i, f in enumerate(feats)]

    @staticmethod
    def anchors(shapes, device, dtype=torch.float32):
        pts, strides = [], []
        for (h, w), s in zip(shapes, STRIDES):
            sy = torch.arange(h, device=device, dtype=dtype) + 0.5
            sx = torch.arange(w, device=device, dtype=dtype) + 0.5
            gy, gx = torch.meshgrid(sy, sx, indexing="ij")
            pts.append(torch.stack([gx, gy], -1).reshape(-1, 2))
            strides.append(torch.full((h * w, 1), float(s), device=device, dtype=dtype))
        return torch.cat(pts), torch.cat(strides)

    def decode(self, raw):
        """Raw maps -> (boxes xyxy (B,N,4), cls logits (B,N), kpts (B,N,K,2), kpt vis logits (B,N,K))
        all in input pixels."""
        B = raw[0][0].shape[0]
        shapes = [r[0].shape[2:] for r in raw]
        anc, st = self.anchors(shapes, raw[0][0].device)
        box = torch.cat([r[0].flatten(2) for r in raw], 2).transpose(1, 2)          # B,N,4
        cls = torch.cat([r[1].flatten(2) for r in raw], 2).transpose(1, 2)[..., 0]  # B,N
        kpt = torch.cat([r[2].flatten(2) for r in raw], 2).transpose(1, 2)          # B,N,3K
        ltrb = F.softplus(box) * st
        ac = anc * st
        xyxy = torch.cat([ac - ltrb[..., :2], ac + ltrb[..., 2:]], -1)
        kpt = kpt.view(B, -1, self.nk, 3)
        kxy = (kpt[..., :2] * 2.0 + (anc[:, None, :] - 0.5)) * st[:, None, :]
        return xyxy, cls, kxy, kpt[..., 2]

    def forward(self, x):
        """Export path: [B, 4 + 1 + K*3, N] in the YOLOv8-pose layout."""
        xyxy, cls, kxy, kv = self.decode(self.forward_raw(x))
        cxcy = (xyxy[..., :2] + xyxy[..., 2:]) * 0.5
        wh = xyxy[..., 2:] - xyxy[..., :2]
        B, N = cls.shape
        k = torch.cat([kxy, kv.sigmoid()[..., None]], -1).reshape(B, N, self.nk * 3)
        out = torch.cat([cxcy, wh, cls.sigmoid()[..., None], k], -1)
        return out.transpose(1, 2)


def count_macs(model, S):
    macs = 0

    def hook(m, i, o):
        nonlocal macs
        if isinstance(m, nn.Conv2d):
            macs += o.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        model.eval()
        model.forward_raw(torch.zeros(1, 3, S, S))
    for h in hs:
        h.remove()
    return macs
