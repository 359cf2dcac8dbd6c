"""torch.export for one-stage torchvision detectors (FCOS, RetinaNet, SSD, and the demo model).

torch.export cannot trace a whole detector: its postprocessing (top-k, NMS) branches on how
many boxes it has, a data-dependent guard. The network itself has no such branch. So the
exported program holds the *body* only (backbone and head: every learned weight), with dynamic
batch, height and width; the model's own Python code does the rest around it (resize and
normalise, anchors, decoding, NMS, boxes back to the image), in a *shell* built from the same
architecture (no weights of its own are used).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import torch
from torch import Tensor, nn


def is_one_stage(model: nn.Module) -> bool:
    """A torchvision-style one-stage detector: transform -> backbone -> head -> postprocess."""
    return all(hasattr(model, a) for a in ("transform", "backbone", "head", "anchor_generator",
                                          "postprocess_detections"))


class Body(nn.Module):
    """What gets exported: images (already resized, normalised, padded) -> features and head
    outputs."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.backbone = model.backbone
        self.head = model.head

    def forward(self, x: Tensor) -> tuple[list[Tensor], Any]:
        features = self.backbone(x)
        feats = [features] if isinstance(features, Tensor) else list(features.values())
        return feats, self.head(feats)


def export_body(model: nn.Module, example: Tensor) -> torch.export.ExportedProgram:
    """Exports ``model``'s body for input like ``model.transform([example])``."""
    images, _ = model.transform([example])
    dim = torch.export.Dim.AUTO
    return torch.export.export(Body(model).eval(), (images.tensors,),
                               dynamic_shapes=({0: dim, 2: dim, 3: dim},), strict=False)


class _Backbone(nn.Module):
    """Stands in for the shell's backbone: runs the exported body once, keeps the head's part."""

    def __init__(self, body: nn.Module) -> None:
        super().__init__()
        self.body = body
        self.head_outputs: Any = None

    def forward(self, x: Tensor) -> OrderedDict[str, Tensor]:
        feats, self.head_outputs = self.body(x)
        return OrderedDict((str(i), f) for i, f in enumerate(feats))


class _Head(nn.Module):
    """Stands in for the shell's head: what the body computed with the features."""

    def __init__(self, backbone: _Backbone) -> None:
        super().__init__()
        self._backbone = [backbone]  # a plain reference, not a submodule

    def forward(self, features: Any) -> Any:
        return self._backbone[0].head_outputs


def with_exported_body(shell: nn.Module, body: nn.Module) -> nn.Module:
    """``shell`` (the same architecture) running ``body`` (the exported program's module) in
    place of its backbone and head; its own forward does the rest."""
    shell.eval()  # before the swap: an exported program's module has no train/eval modes
    backbone = _Backbone(body)
    shell.backbone = backbone
    shell.head = _Head(backbone)
    backbone.training = False
    shell.head.training = False
    return shell
