"""The demo detector: torchvision FCOS on a small residual backbone with a stride-4 FPN.

``build(num_classes)`` returns a randomly initialised model (no pretrained weights are used).
Labels are ``0 .. num_classes-1`` with no background class (FCOS uses per-class sigmoids), so
label ``i`` is line ``i`` of the class names file.

The model takes a list of 3xHxW float RGB tensors in [0, 1] (any size; it resizes internally so
the shorter side is ``min_size``, capped by ``max_size`` on the longer side, and maps boxes back)
and, in eval mode, returns per image ``{"boxes" (xyxy, input pixels), "scores", "labels"}``.
It is TorchScript-scriptable (``torch.jit.script(build(6))``).
"""

from __future__ import annotations

from collections import OrderedDict
from functools import partial
from typing import Any

import torch
from torch import Tensor, nn
from torchvision.models.detection import FCOS
from torchvision.models.detection import _utils as det_utils
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.fcos import (
    FCOSClassificationHead,
    FCOSHead,
    FCOSRegressionHead,
)
from torchvision.ops import FeaturePyramidNetwork

__all__ = ["Backbone", "build"]


def _conv_bn(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class _Block(nn.Module):
    """Basic residual block (two 3x3 convs) at constant width."""

    def __init__(self, ch: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(ch)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(ch)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(x + y)


class _Head(FCOSHead):
    """``FCOSHead`` with a configurable GroupNorm group count (the stock one hardcodes 32)."""

    def __init__(self, in_channels: int, num_classes: int, num_convs: int, groups: int) -> None:
        nn.Module.__init__(self)
        norm = partial(nn.GroupNorm, groups)
        self.box_coder = det_utils.BoxLinearCoder(normalize_by_size=True)
        self.classification_head = FCOSClassificationHead(
            in_channels, 1, num_classes, num_convs=num_convs, norm_layer=norm
        )
        self.regression_head = FCOSRegressionHead(in_channels, 1, num_convs=num_convs, norm_layer=norm)


def _stage(cin: int, cout: int, blocks: int) -> nn.Sequential:
    layers: list[nn.Module] = [_conv_bn(cin, cout, 2)]
    layers += [_Block(cout) for _ in range(blocks)]
    return nn.Sequential(*layers)


class Backbone(nn.Module):
    """Residual backbone (strides 4, 8, 16, 32) followed by an FPN.

    Returns an ``OrderedDict`` of FPN maps ``"p2" .. "p5"`` with ``out_channels`` channels each.
    """

    def __init__(
        self,
        widths: tuple[int, ...] = (24, 48, 96, 128, 128),
        blocks: tuple[int, ...] = (1, 2, 2, 2),
        out_channels: int = 64,
    ) -> None:
        super().__init__()
        self.stem = nn.Sequential(_conv_bn(3, widths[0], 2), _conv_bn(widths[0], widths[0], 1))
        self.layer1 = _stage(widths[0], widths[1], blocks[0])  # stride 4
        self.layer2 = _stage(widths[1], widths[2], blocks[1])  # stride 8
        self.layer3 = _stage(widths[2], widths[3], blocks[2])  # stride 16
        self.layer4 = _stage(widths[3], widths[4], blocks[3])  # stride 32
        self.fpn = FeaturePyramidNetwork(list(widths[1:]), out_channels)
        self.out_channels = out_channels
        for m in self.modules():
            if isinstance(m, nn.Conv2d) and m.bias is None:
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        for blk in self.modules():
            if isinstance(blk, _Block):
                nn.init.zeros_(blk.bn2.weight)  # start residual branches at identity

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        x = self.stem(x)
        c2 = self.layer1(x)
        c3 = self.layer2(c2)
        c4 = self.layer3(c3)
        c5 = self.layer4(c4)
        feats: dict[str, Tensor] = OrderedDict()
        feats["p2"] = c2
        feats["p3"] = c3
        feats["p4"] = c4
        feats["p5"] = c5
        return self.fpn(feats)


def build(
    num_classes: int,
    *,
    widths: tuple[int, ...] | list[int] = (24, 48, 96, 128, 128),
    blocks: tuple[int, ...] | list[int] = (1, 2, 2, 2),
    fpn_channels: int = 64,
    head_convs: int = 2,
    min_size: int = 240,
    max_size: int = 320,
    score_thresh: float = 0.05,
    nms_thresh: float = 0.6,
    detections_per_img: int = 100,
    topk_candidates: int = 1000,
    center_sampling_radius: float = 3.0,
    anchor_scale: float = 0.5,
    **kwargs: Any,
) -> FCOS:
    """Build the randomly initialised demo FCOS (``num_classes`` labels, no background).

    Feature levels have strides 4, 8, 16 and 32, with FCOS "anchor" sizes of
    ``anchor_scale * stride``. FCOS gives an object to the level whose anchor size ``a``
    satisfies ``4a < max regression distance < 8a``; with the default ``anchor_scale=0.5`` the
    stride-4 level takes objects up to about 32 px, stride 8 up to 64 px, stride 16 up to
    128 px and stride 32 the rest, so every object spans about 4-8 cells of its level.
    ``center_sampling_radius`` is in anchor sizes (3.0 x stride/2 = 1.5 strides).
    """
    if num_classes < 1:
        raise ValueError(f"num_classes must be >= 1, got {num_classes}")
    backbone = Backbone(tuple(widths), tuple(blocks), fpn_channels)
    strides = (4, 8, 16, 32)
    anchor_generator = AnchorGenerator(
        sizes=tuple((int(s * anchor_scale),) for s in strides),
        aspect_ratios=((1.0,),) * len(strides),
    )
    groups = 16 if fpn_channels % 16 == 0 else 8 if fpn_channels % 8 == 0 else 1
    head = _Head(fpn_channels, num_classes, head_convs, groups)
    return FCOS(
        backbone,
        num_classes,
        min_size=min_size,
        max_size=max_size,
        image_mean=[0.5, 0.5, 0.5],
        image_std=[0.25, 0.25, 0.25],
        anchor_generator=anchor_generator,
        head=head,
        center_sampling_radius=center_sampling_radius,
        score_thresh=score_thresh,
        nms_thresh=nms_thresh,
        detections_per_img=detections_per_img,
        topk_candidates=topk_candidates,
        **kwargs,
    )


if __name__ == "__main__":  # quick smoke test: python -m detection_studio.demo_model
    m = build(6).eval()
    n = sum(p.numel() for p in m.parameters())
    scripted = torch.jit.script(m)
    with torch.inference_mode():
        out = scripted([torch.rand(3, 240, 320)])[1]
    print(f"params {n / 1e6:.2f} M; scripted ok; {len(out[0]['boxes'])} boxes")
