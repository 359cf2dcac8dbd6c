"""A Python model as ``ds.evaluate`` runs it: what the C++ pipeline calls with each batch.

The pipeline (cpp/pipeline/python_detector) calls a :class:`PipelineModel` with a batch's images
(read-only H x W x 3 uint8 BGR views, as inferencer modules get them) and their file names.
The user's model is a callable ``images -> [{"boxes", "scores", "labels"(, "masks",
"keypoints")}]`` or a torchvision-style ``nn.Module``; its results are checked here, so that a
mistake is a ValueError or TypeError naming the image and the key rather than a bad number in
the metrics. The C++ side then converts them as it converts an inferencer module's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["PipelineModel", "check_result", "is_module", "module_infer"]

Result = Mapping[str, Any]


def _numpy(value: Any, name: str, key: str) -> np.ndarray:
    """A NumPy array of a result's value (torch tensors are moved to the CPU, as they are)."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor, without importing torch
        value = value.detach().cpu().numpy()
    if not isinstance(value, np.ndarray):
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"{name}: {key!r} must be an array, got {type(value).__name__}")
        value = np.asarray(value)
    if value.dtype.kind not in "biuf":
        raise TypeError(f"{name}: {key!r} must be numbers, got dtype {value.dtype}")
    return value


def check_result(result: Any, name: str, image_shape: tuple[int, ...], classes: int) -> dict[str, np.ndarray]:
    """One image's result as NumPy arrays, checked; raises naming the image and the key."""
    if not isinstance(result, Mapping):
        raise TypeError(f"{name}: a result must be a dict with 'boxes', 'scores' and 'labels', "
                        f"got {type(result).__name__}")
    missing = [k for k in ("boxes", "scores", "labels") if k not in result]
    if missing:
        raise ValueError(f"{name}: the result has no {', '.join(repr(k) for k in missing)}")
    boxes = _numpy(result["boxes"], name, "boxes")
    scores = _numpy(result["scores"], name, "scores")
    labels = _numpy(result["labels"], name, "labels")
    n = len(scores) if scores.ndim == 1 else -1
    if scores.ndim != 1:
        raise ValueError(f"{name}: 'scores' must be 1-dimensional (N,), got shape {scores.shape}")
    if boxes.shape != (n, 4) and not (n == 0 and boxes.size == 0):
        raise ValueError(f"{name}: 'boxes' must be (N, 4) xyxy with N = {n} (the scores' length), "
                         f"got shape {boxes.shape}")
    if labels.shape != (n,):
        raise ValueError(f"{name}: 'labels' must be ({n},) (the scores' length), got shape {labels.shape}")
    if scores.dtype.kind != "f":
        raise TypeError(f"{name}: 'scores' must be floating point, got dtype {scores.dtype}")
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{name}: 'labels' must be integers (indices into class_names), got dtype {labels.dtype}")
    if not (np.isfinite(boxes).all() and np.isfinite(scores).all()):
        key = "boxes" if not np.isfinite(boxes).all() else "scores"
        raise ValueError(f"{name}: {key!r} holds a value that is not a finite number")
    if n and (labels.min() < 0 or labels.max() >= classes):
        bad = int(labels[(labels < 0) | (labels >= classes)][0])
        raise ValueError(f"{name}: 'labels' holds {bad}, outside the {classes} class_names")
    out = {"boxes": boxes.reshape(n, 4), "scores": scores, "labels": labels}
    if result.get("masks") is not None:
        masks = _numpy(result["masks"], name, "masks")
        if masks.dtype.kind not in "bu" or (masks.dtype.kind == "u" and masks.dtype.itemsize != 1):
            raise TypeError(f"{name}: 'masks' must be bool or uint8 (threshold probabilities first), "
                            f"got dtype {masks.dtype}")
        if masks.shape != (n, image_shape[0], image_shape[1]):
            raise ValueError(f"{name}: 'masks' must be ({n}, {image_shape[0]}, {image_shape[1]}) "
                             f"(one mask per box at the image's size), got shape {masks.shape}")
        out["masks"] = masks.astype(np.uint8, copy=False)
    if result.get("keypoints") is not None:
        keypoints = _numpy(result["keypoints"], name, "keypoints")
        if keypoints.ndim != 3 or keypoints.shape[0] != n or keypoints.shape[2] != 3:
            raise ValueError(f"{name}: 'keypoints' must be ({n}, K, 3) (x, y, v per keypoint), "
                             f"got shape {keypoints.shape}")
        if not np.isfinite(keypoints).all():
            raise ValueError(f"{name}: 'keypoints' holds a value that is not a finite number")
        out["keypoints"] = keypoints
    return out


class PipelineModel:
    """``model(images, names)`` for the pipeline: the user's ``infer(images)``, checked."""

    def __init__(self, infer: Callable[[list[np.ndarray]], Any], classes: int) -> None:
        self.infer = infer
        self.classes = classes

    def __call__(self, images: list[np.ndarray], names: list[str]) -> list[dict[str, np.ndarray]]:
        try:
            results = self.infer(images)
        except Exception as e:
            if hasattr(e, "add_note"):  # Python 3.11+: the exception as raised, and where
                e.add_note(f"ds.evaluate: raised by the model on {', '.join(names)}")
            raise
        if isinstance(results, Mapping) or not isinstance(results, Sequence):
            raise TypeError(f"{', '.join(names)}: the model must return a list of one dict per image, "
                            f"got {type(results).__name__}")
        if len(results) != len(images):
            raise ValueError(f"{', '.join(names)}: the model returned {len(results)} results for "
                             f"{len(images)} images")
        return [check_result(r, name, im.shape, self.classes)
                for r, name, im in zip(results, names, images, strict=True)]


def module_infer(module: Any) -> Callable[[list[np.ndarray]], list[dict[str, Any]]]:
    """A torchvision-style detector as ``infer(images)``: RGB float 0..1 tensors on its device,
    run in eval mode under no_grad (its training mode is restored after each batch)."""
    import torch

    tensors = [*module.parameters(), *module.buffers()]
    device = tensors[0].device if tensors else torch.device("cpu")

    def infer(images: list[np.ndarray]) -> list[dict[str, Any]]:
        # As pytorch_detect prepares images: BGR -> RGB, float32 / 255.
        batch = [torch.from_numpy(np.ascontiguousarray(im)).to(device).permute(2, 0, 1).flip(0)
                 .to(torch.float32).div_(255.0) for im in images]
        training = module.training
        module.eval()
        try:
            with torch.no_grad():
                out = module(batch)
        finally:
            module.train(training)
        if isinstance(out, tuple):  # scripted torchvision detectors: (losses, detections)
            out = out[1]
        results = []
        for det in out:
            r = {k: det[k] for k in ("boxes", "scores", "labels", "keypoints") if k in det}
            if "masks" in det:  # Mask R-CNN: N x 1 x H x W probabilities
                r["masks"] = (det["masks"][:, 0] > 0.5).to(torch.uint8)
            results.append(r)
        return results

    return infer


def is_module(model: Any) -> bool:
    """A torch.nn.Module (without importing torch when it is not loaded)."""
    import sys

    torch = sys.modules.get("torch")
    return torch is not None and isinstance(model, torch.nn.Module)
