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


# --- AOTInductor (export --to aoti): the network alone, decoded in C++ -------------------------

# The network's outputs per architecture, in the order cpp/host/libtorch/heads/ reads them.
HEAD_OUTPUTS = {
    "fcos": ("cls_logits", "bbox_regression", "bbox_ctrness"),
    "retinanet": ("cls_logits", "bbox_regression"),
    "ssd": ("cls_logits", "bbox_regression"),
}


def head_kind(model: nn.Module) -> str | None:
    """The C++ decoder (cpp/host/libtorch/heads/registry.cpp) for ``model``, if there is one."""
    from torchvision.models.detection import FCOS, RetinaNet
    from torchvision.models.detection.ssd import SSD

    if isinstance(model, FCOS):
        return "fcos"
    if isinstance(model, RetinaNet):
        return "retinanet"
    if isinstance(model, SSD):  # SSDlite too
        return "ssd"
    return None


class RawHeads(nn.Module):
    """Images (normalised, resized, padded) -> the head's outputs split by feature level, each
    ``[N, H, W, A * K]``: the C++ side reads each level's grid size from the shape (its anchors
    depend on it) and does the rest (heads/one_stage.cpp)."""

    def __init__(self, model: nn.Module, outputs: tuple[str, ...]) -> None:
        super().__init__()
        self.backbone = model.backbone
        self.head = model.head
        self.outputs = outputs
        # anchors per position at each level (SSD's differ between levels)
        self.anchors = [int(a) for a in model.anchor_generator.num_anchors_per_location()]

    def forward(self, x: Tensor) -> tuple[Tensor, ...]:
        features = self.backbone(x)
        feats = [features] if isinstance(features, Tensor) else list(features.values())
        head = self.head(feats)
        sizes = [f.shape[-2] * f.shape[-1] * a for f, a in zip(feats, self.anchors, strict=True)]
        result: list[Tensor] = []
        for name in self.outputs:
            t = head[name]
            for part, f in zip(t.split(sizes, dim=1), feats, strict=True):
                result.append(part.reshape(t.shape[0], f.shape[-2], f.shape[-1], -1))
        return tuple(result)


def head_config(model: nn.Module, kind: str) -> dict[str, Any]:
    """The values of ``model``'s own pre- and post-processing that the C++ side needs
    (model.head in a libtorch config; cpp/host/libtorch/config.hpp, HeadConfig)."""
    t = model.transform
    gen = model.anchor_generator
    config: dict[str, Any] = {
        "kind": kind,
        "min_size": int(t.min_size[-1]),
        "max_size": int(t.max_size),
        "size_divisible": int(t.size_divisible),
        "image_mean": [float(v) for v in t.image_mean],
        "image_std": [float(v) for v in t.image_std],
        "aspect_ratios": [[float(r) for r in ratios] for ratios in gen.aspect_ratios],
        "score_thresh": float(model.score_thresh),
        "nms_thresh": float(model.nms_thresh),
        "topk_candidates": int(model.topk_candidates),
        "detections_per_img": int(model.detections_per_img),
    }
    if t.fixed_size is not None:
        config["fixed_size"] = [int(v) for v in t.fixed_size]  # (width, height), as torchvision
    if kind == "ssd":  # DefaultBoxGenerator
        config["scales"] = [float(s) for s in gen.scales]
        if gen.steps is not None:
            config["steps"] = [int(s) for s in gen.steps]
        config["clip"] = bool(gen.clip)
    else:  # AnchorGenerator
        config["anchor_sizes"] = [[int(s) for s in sizes] for sizes in gen.sizes]
    if kind in ("retinanet", "ssd"):
        config["box_coder_weights"] = [float(w) for w in model.box_coder.weights]
        config["bbox_xform_clip"] = float(model.box_coder.bbox_xform_clip)
    return config


def compile_heads(model: nn.Module, kind: str, example: Tensor, output: str) -> None:
    """torch.export of RawHeads (dynamic batch, height and width) compiled by AOTInductor into
    the package ``output``."""
    images, _ = model.transform([example, example])  # a batch of 2: the batch stays dynamic
    dim = torch.export.Dim.AUTO
    program = torch.export.export(RawHeads(model, HEAD_OUTPUTS[kind]).eval(), (images.tensors,),
                                  dynamic_shapes=({0: dim, 2: dim, 3: dim},), strict=False)
    torch._inductor.aoti_compile_and_package(program, package_path=output)
