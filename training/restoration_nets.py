"""Three small image-restoration networks (written for this project), all NCHW RGB in [0, 1] in and
out, fully convolutional, so any H x W works once padded to ``PAD_MULTIPLE[arch]``.

* ``dncnn``  -- plain stack of 3x3 conv + ReLU predicting the residual (noise) that is subtracted
               from the input (the DnCNN idea, without batch norm). Works at any size (pad 1).
* ``unet``   -- 3-level encoder/decoder with skip connections (double 3x3 conv blocks, max-pool
               down, transposed-conv up), predicting a residual. Needs H, W multiples of 8.
* ``nafnet`` -- 3-level NAFNet-style net: blocks of LayerNorm2d, 1x1 conv, depthwise 3x3 conv,
               SimpleGate (split channels, multiply halves), simplified channel attention (global
               average pool + 1x1 conv, multiply), and a gated feed-forward part; stride-2 conv down,
               1x1 conv + pixel-shuffle up; learned residual scales. Needs H, W multiples of 8.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD_MULTIPLE = {"dncnn": 1, "unet": 8, "nafnet": 8}


class DnCNN(nn.Module):
    def __init__(self, channels=32, depth=8):
        super().__init__()
        layers = [nn.Conv2d(3, channels, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(inplace=True)]
        layers += [nn.Conv2d(channels, 3, 3, padding=1)]
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return x - self.body(x)


def _double(c1, c2):
    return nn.Sequential(nn.Conv2d(c1, c2, 3, padding=1), nn.LeakyReLU(0.1, inplace=True),
                         nn.Conv2d(c2, c2, 3, padding=1), nn.LeakyReLU(0.1, inplace=True))


class UNet(nn.Module):
    def __init__(self, ch=(16, 32, 64), bottleneck=128):
        super().__init__()
        c1, c2, c3 = ch
        self.e1 = _double(3, c1)
        self.e2 = _double(c1, c2)
        self.e3 = _double(c2, c3)
        self.mid = _double(c3, bottleneck)
        self.u3 = nn.ConvTranspose2d(bottleneck, c3, 2, stride=2)
        self.d3 = _double(2 * c3, c3)
        self.u2 = nn.ConvTranspose2d(c3, c2, 2, stride=2)
        self.d2 = _double(2 * c2, c2)
        self.u1 = nn.ConvTranspose2d(c2, c1, 2, stride=2)
        self.d1 = _double(2 * c1, c1)
        self.out = nn.Conv2d(c1, 3, 3, padding=1)

    def forward(self, x):
        e1 = self.e1(x)
        e2 = self.e2(F.max_pool2d(e1, 2))
        e3 = self.e3(F.max_pool2d(e2, 2))
        m = self.mid(F.max_pool2d(e3, 2))
        d3 = self.d3(torch.cat([self.u3(m), e3], 1))
        d2 = self.d2(torch.cat([self.u2(d3), e2], 1))
        d1 = self.d1(torch.cat([self.u1(d2), e1], 1))
        return x + self.out(d1)


class LayerNorm2d(nn.Module):
    """LayerNorm over the channel dimension of an NCHW tensor (exports as ReduceMean/Sqrt/Div)."""

    def __init__(self, c, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(1, c, 1, 1))
        self.bias = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.eps = eps

    def forward(self, x):
        mu = x.mean(1, keepdim=True)
        var = (x - mu).pow(2).mean(1, keepdim=True)
        return (x - mu) / torch.sqrt(var + self.eps) * self.weight + self.bias


class SimpleGate(nn.Module):
    def forward(self, x):
        a, b = x.chunk(2, dim=1)
        return a * b


class SplitGate(nn.Module):
    """Export form of ``SimpleGate(dw(pw(x)))``: a 1x1 conv ``pw`` to 2h channels, an optional
    depthwise 3x3 ``dw``, then the product of the two halves, computed as two branches of h channels
    each (``pw`` and ``dw`` split by output channel). The same sums in the same order, so the same
    result; but there is no channel Slice in the exported graph, which onnxruntime cannot run in its
    blocked NCHWc layout: each Slice cost a reorder out of it and another back in (12 % of a 720p
    NAFNet-S frame in the Slices alone, bench/BENCHMARKS.md)."""

    def __init__(self, pw: nn.Conv2d, dw: nn.Conv2d | None = None):
        super().__init__()
        h = pw.out_channels // 2
        self.pw_a, self.pw_b = (_conv_part(pw, slice(0, h)), _conv_part(pw, slice(h, 2 * h)))
        self.dw_a = self.dw_b = None
        if dw is not None:
            self.dw_a, self.dw_b = (_conv_part(dw, slice(0, h)), _conv_part(dw, slice(h, 2 * h)))

    def forward(self, x):
        a, b = self.pw_a(x), self.pw_b(x)
        if self.dw_a is not None:
            a, b = self.dw_a(a), self.dw_b(b)
        return a * b


def _conv_part(conv: nn.Conv2d, out: slice) -> nn.Conv2d:
    """The output channels ``out`` of ``conv`` as a conv of their own (a depthwise conv keeps its groups)."""
    n = out.stop - out.start
    groups = n if conv.groups == conv.out_channels else conv.groups
    part = nn.Conv2d(conv.in_channels if groups == 1 else n, n, conv.kernel_size, conv.stride, conv.padding,
                     groups=groups, bias=conv.bias is not None)
    part.weight.data = conv.weight.data[out].clone()
    if conv.bias is not None:
        part.bias.data = conv.bias.data[out].clone()
    return part


class NAFBlock(nn.Module):
    def __init__(self, c, dw_expand=2, ffn_expand=2):
        super().__init__()
        dw = c * dw_expand
        self.norm1 = LayerNorm2d(c)
        self.conv1 = nn.Conv2d(c, dw, 1)
        self.conv2 = nn.Conv2d(dw, dw, 3, padding=1, groups=dw)
        self.sg = SimpleGate()
        self.sca = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(dw // 2, dw // 2, 1))
        self.conv3 = nn.Conv2d(dw // 2, c, 1)
        self.norm2 = LayerNorm2d(c)
        ff = c * ffn_expand
        self.conv4 = nn.Conv2d(c, ff, 1)
        self.conv5 = nn.Conv2d(ff // 2, c, 1)
        self.beta = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.gamma = nn.Parameter(torch.zeros(1, c, 1, 1))

        self.gate1 = self.gate2 = None

    def split_gates(self):
        """Switch to the export form (SplitGate) of both gates; the trained weights stay as they are."""
        self.gate1, self.gate2 = SplitGate(self.conv1, self.conv2), SplitGate(self.conv4)
        return self

    def forward(self, inp):
        x = self.norm1(inp)
        x = self.gate1(x) if self.gate1 is not None else self.sg(self.conv2(self.conv1(x)))
        x = x * self.sca(x)
        y = inp + self.conv3(x) * self.beta
        x = self.norm2(y)
        x = self.conv5(self.gate2(x) if self.gate2 is not None else self.sg(self.conv4(x)))
        return y + x * self.gamma


class NAFNet(nn.Module):
    def __init__(self, width=16, enc=(1, 1, 2), middle=2, dec=(1, 1, 1)):
        super().__init__()
        self.intro = nn.Conv2d(3, width, 3, padding=1)
        self.ending = nn.Conv2d(width, 3, 3, padding=1)
        self.encoders, self.downs, self.ups, self.decoders = nn.ModuleList(), nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        c = width
        for n in enc:
            self.encoders.append(nn.Sequential(*[NAFBlock(c) for _ in range(n)]))
            self.downs.append(nn.Conv2d(c, 2 * c, 2, stride=2))
            c *= 2
        self.middle = nn.Sequential(*[NAFBlock(c) for _ in range(middle)])
        for n in dec:
            self.ups.append(nn.Sequential(nn.Conv2d(c, 2 * c, 1, bias=False), nn.PixelShuffle(2)))
            c //= 2
            self.decoders.append(nn.Sequential(*[NAFBlock(c) for _ in range(n)]))

    def forward(self, inp):
        x = self.intro(inp)
        skips = []
        for e, d in zip(self.encoders, self.downs):
            x = e(x)
            skips.append(x)
            x = d(x)
        x = self.middle(x)
        for u, d, s in zip(self.ups, self.decoders, skips[::-1]):
            x = d(u(x) + s)
        return inp + self.ending(x)


ARCH_CFG = {
    "dncnn": dict(channels=32, depth=8),
    "unet": dict(ch=(16, 32, 64), bottleneck=128),
    "nafnet": dict(width=16, enc=(1, 1, 2), middle=2, dec=(1, 1, 1)),
}


def export_form(model: nn.Module) -> nn.Module:
    """A copy of ``model`` in the form its ONNX file is exported from: NAFNet's gates split
    (SplitGate); the other nets as they are. Same weights, same outputs."""
    import copy

    model = copy.deepcopy(model)
    for m in model.modules():
        if isinstance(m, NAFBlock):
            m.split_gates()
    return model


def build(arch, cfg=None):
    cfg = dict(ARCH_CFG[arch] if cfg is None else cfg)
    return {"dncnn": DnCNN, "unet": UNet, "nafnet": NAFNet}[arch](**cfg)
