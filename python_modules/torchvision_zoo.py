"""torchvision's COCO detectors, built offline exactly as their published weights expect.

``configs/models/torchvision/*.yaml`` name ``detection_studio.torchvision_zoo:build`` as their
architecture. :func:`build` calls the torchvision builder with ``weights=None`` (nothing is
downloaded) and then makes the module tree the one torchvision builds when it loads its COCO
weights, so that the user's downloaded ``.pth`` file loads strictly as a state_dict:

- ``num_classes`` (and ``num_keypoints``) come from the weights' metadata (91 COCO slots,
  ``__background__`` and ``N/A`` included, so label i is COCO category id i);
- the builders that freeze batch norm for trained weights (``FrozenBatchNorm2d``, no
  ``num_batches_tracked`` buffers) get their ``BatchNorm2d`` layers swapped for frozen ones, with
  the eps torchvision sets for those weights (0 for the four legacy ResNet-50 FPN weights).

The image preprocessing (resize to ``min_size``/``max_size``, mean/std) lives inside the
torchvision model (``model.transform``); the weights' own ``transforms()`` only turn the image into
an RGB float tensor in [0, 1], which is what ``pytorch_detect`` hands the model.
"""

from __future__ import annotations

from typing import Any

import torch
import torchvision.models.detection as tvd
from torchvision.models import get_model_weights
from torchvision.models._api import WeightsEnum
from torchvision.ops.misc import FrozenBatchNorm2d

__all__ = ["BUILDERS", "build", "coco_weights"]

# Every torchvision detection builder -> the eps of the frozen batch norm it uses with its COCO
# weights, or None where it keeps trainable batch norm or has none (the _v2 models, the SSDs).
# torchvision: `norm_layer = FrozenBatchNorm2d if is_trained else BatchNorm2d`, and for four
# legacy COCO_V1 weights `overwrite_eps(model, 0.0)` after loading them.
BUILDERS: dict[str, float | None] = {
    "fasterrcnn_resnet50_fpn": 0.0,
    "fasterrcnn_resnet50_fpn_v2": None,
    "fasterrcnn_mobilenet_v3_large_fpn": 1e-5,
    "fasterrcnn_mobilenet_v3_large_320_fpn": 1e-5,
    "retinanet_resnet50_fpn": 0.0,
    "retinanet_resnet50_fpn_v2": None,
    "fcos_resnet50_fpn": 1e-5,
    "ssd300_vgg16": None,
    "ssdlite320_mobilenet_v3_large": None,
    "maskrcnn_resnet50_fpn": 0.0,
    "maskrcnn_resnet50_fpn_v2": None,
    "keypointrcnn_resnet50_fpn": 0.0,
}


def coco_weights(name: str) -> WeightsEnum:
    """The COCO weights entry torchvision publishes for builder ``name`` (its COCO_V1)."""
    if name not in BUILDERS:
        raise ValueError(f"unknown torchvision detector {name!r} (one of: {', '.join(BUILDERS)})")
    return get_model_weights(name)["COCO_V1"]


def _freeze_batch_norm(module: torch.nn.Module, eps: float) -> None:
    for child_name, child in module.named_children():
        if isinstance(child, torch.nn.BatchNorm2d):
            setattr(module, child_name, FrozenBatchNorm2d(child.num_features, eps=eps))
        else:
            _freeze_batch_norm(child, eps)


def build(name: str, **kwargs: Any) -> torch.nn.Module:
    """torchvision builder ``name`` with random weights, shaped for its COCO weights file.

    Extra keyword arguments go to the builder (e.g. ``min_size``, ``box_score_thresh``).
    """
    weights = coco_weights(name)
    meta = weights.meta
    kwargs.setdefault("num_classes", len(meta["categories"]))
    if "keypoint_names" in meta:
        kwargs.setdefault("num_keypoints", len(meta["keypoint_names"]))
    builder = getattr(tvd, name)
    model: torch.nn.Module = builder(weights=None, weights_backbone=None, **kwargs)
    eps = BUILDERS[name]
    if eps is not None:
        _freeze_batch_norm(model, eps)
    return model
