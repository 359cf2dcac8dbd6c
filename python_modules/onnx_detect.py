"""ONNX Runtime inferencer: a detector exported to ONNX, with its pre- and post-processing declared.

Model config schema (YAML; paths relative to the config file)::

    name: my-onnx                # optional; default: the config file's stem
    module: onnx_detect
    classes: my.names            # required; line i = label i
    device: auto                 # auto: CUDA provider when ONNX Runtime has it, else CPU | cpu | cuda
    model:
      weights: model.onnx        # required
    input:
      size: [640, 640]           # the network's input [height, width] (int = square); leave it
                                 # out for a network with dynamic height and width (the image
                                 # goes in at its own size; torchvision exports resize inside)
      letterbox: false           # true: keep the aspect ratio and pad with grey 114 (YOLO)
      color: rgb                 # rgb | bgr: channel order the network takes
      mean: [0.0, 0.0, 0.0]      # after /255, per channel in `color` order
      std: [1.0, 1.0, 1.0]
    output:
      layout: boxes_scores_labels  # boxes_scores_labels | yolo
    score_threshold: 0.05
    nms_iou: 0.45                # yolo layout only
    max_detections: 100
    batch_size: 4                # images per infer() call; the network runs one at a time

Output layouts (coordinates in network-input pixels; we map them back to the image):

- ``boxes_scores_labels``: torchvision style, outputs ``boxes`` (N, 4) xyxy, ``scores`` (N,),
  ``labels`` (N,) for the one image (by those names, else the first three outputs; a leading
  batch dimension of 1 is dropped).
- ``yolo``: Ultralytics-style raw head, one output (1, 4 + K, A) or (1, A, 4 + K): cx, cy, w, h
  then K class scores per anchor; per-class NMS is done here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torchvision

from .errors import ConfigError
from .pytorch_detect import _Config, _float_list, _read_classes, _read_config

__all__ = ["Inferencer", "load"]

_LAYOUTS = ("boxes_scores_labels", "yolo")


def _providers(cfg: _Config, ort: Any) -> list[str]:
    spec = cfg.get("device", str, "auto").strip().lower()
    available = ort.get_available_providers()
    cuda = "CUDAExecutionProvider" in available
    if spec == "auto":
        return ["CUDAExecutionProvider", "CPUExecutionProvider"] if cuda else ["CPUExecutionProvider"]
    if spec == "cpu":
        return ["CPUExecutionProvider"]
    if spec == "cuda":
        if not cuda:
            raise cfg.error("device", "cuda requested but this ONNX Runtime has no CUDA provider "
                                      f"(it has {', '.join(available)})")
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    raise cfg.error("device", f"unknown device {spec!r} (use auto, cpu or cuda)")


class Inferencer:
    """A loaded ONNX detector; create it with :func:`load`."""

    def __init__(self, config_path: str) -> None:
        import onnxruntime as ort

        cfg = _read_config(config_path)
        self.config_path = str(cfg.path)
        self.name: str = cfg.get("name", str, cfg.path.stem)
        self.classes_path, self.class_names = _read_classes(cfg)
        self.score_threshold = float(cfg.get("score_threshold", (int, float), 0.05))
        self.nms_iou = float(cfg.get("nms_iou", (int, float), 0.45))
        self.max_detections: int = cfg.get("max_detections", int, 100)
        self.batch_size: int = cfg.get("batch_size", int, 4)
        size = cfg.get("input.size", (int, list), None)
        self.input_hw: tuple[int, int] | None = None
        if size is not None:
            hw = [size, size] if isinstance(size, int) else size
            if len(hw) != 2 or not all(isinstance(v, int) and v > 0 for v in hw):
                raise cfg.error("input.size", "expected [height, width] (positive integers)")
            self.input_hw = (hw[0], hw[1])
        # The network's fixed input: huge images may be decoded smaller (None: dynamic size).
        self.max_input_side = max(self.input_hw) if self.input_hw else None
        self.letterbox: bool = cfg.get("input.letterbox", bool, False)
        self.color = cfg.get("input.color", str, "rgb")
        if self.color not in ("rgb", "bgr"):
            raise cfg.error("input.color", "expected rgb or bgr")
        mean = _float_list(cfg, "input.mean", 3) or [0.0, 0.0, 0.0]
        std = _float_list(cfg, "input.std", 3) or [1.0, 1.0, 1.0]
        if any(s == 0.0 for s in std):
            raise cfg.error("input.std", "values must be non-zero")
        self._mean = torch.tensor(mean).view(3, 1, 1)
        self._std = torch.tensor(std).view(3, 1, 1)
        self.layout = cfg.get("output.layout", str, "boxes_scores_labels")
        if self.layout not in _LAYOUTS:
            raise cfg.error("output.layout", f"unknown layout {self.layout!r} (use "
                                             f"{' or '.join(_LAYOUTS)})")
        weights = cfg.resolve("model.weights", cfg.get("model.weights", str))
        if not weights.is_file():
            raise ConfigError(str(weights), "model.weights", "file not found")
        providers = _providers(cfg, ort)
        try:
            self.session = ort.InferenceSession(str(weights), providers=providers)
        except Exception as e:
            raise ConfigError(str(weights), "model.weights",
                              f"not a loadable ONNX model ({' '.join(str(e).split())[:120]})") from e
        self.device = "cuda" if self.session.get_providers()[0].startswith("CUDA") else "cpu"
        self._input_name = self.session.get_inputs()[0].name
        # torchvision models exported with a list of images take one 3xHxW image, no batch axis
        self._batched = len(self.session.get_inputs()[0].shape) != 3
        self._output_names = [o.name for o in self.session.get_outputs()]

    def _prepare(self, image: np.ndarray) -> tuple[np.ndarray, float, float, float, float]:
        """BGR uint8 -> (1, 3, H, W) float32 network input; scale x/y and padding x/y."""
        h, w = image.shape[:2]
        th, tw = self.input_hw or (h, w)
        x = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)
        if self.color == "rgb":
            x = x.flip(0)
        x = x.float()
        if self.letterbox:
            r = min(th / h, tw / w)
            nh, nw = round(h * r), round(w * r)
            sx, sy = nw / w, nh / h
            px, py = (tw - nw) / 2, (th - nh) / 2
        else:
            nh, nw, sx, sy, px, py = th, tw, tw / w, th / h, 0.0, 0.0
        if (nh, nw) != (h, w):
            x = torch.nn.functional.interpolate(x[None], size=(nh, nw), mode="bilinear",
                                                align_corners=False)[0]
        if self.letterbox:
            canvas = torch.full((3, th, tw), 114.0)
            top, left = round(py - 0.1), round(px - 0.1)  # Ultralytics' rounding of the border
            canvas[:, top:top + nh, left:left + nw] = x
            x, px, py = canvas, float(left), float(top)
        x = (x / 255.0 - self._mean) / self._std
        x = x[None] if self._batched else x
        return x.numpy().astype(np.float32), sx, sy, px, py

    def _outputs(self, raw: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if self.layout == "yolo":
            pred = torch.from_numpy(raw[0]).float()
            pred = pred[0] if pred.ndim == 3 else pred
            k = len(self.class_names)
            if pred.shape[0] == 4 + k and pred.shape[1] != 4 + k:
                pred = pred.T  # (4 + K, A) -> (A, 4 + K)
            if pred.shape[1] != 4 + k:
                raise ConfigError(self.config_path, "output.layout",
                                  f"yolo output has shape {tuple(raw[0].shape)}, expected "
                                  f"4 + {k} classes on one axis")
            scores, labels = pred[:, 4:].max(dim=1)
            keep = scores >= self.score_threshold
            cxcywh, scores, labels = pred[keep, :4], scores[keep], labels[keep]
            boxes = torchvision.ops.box_convert(cxcywh, "cxcywh", "xyxy")
            order = torchvision.ops.batched_nms(boxes, scores, labels, self.nms_iou)
            return boxes[order], scores[order], labels[order]
        named = dict(zip(self._output_names, raw, strict=True))
        parts = [named[n] for n in ("boxes", "scores", "labels")] if all(
            n in named for n in ("boxes", "scores", "labels")) else raw[:3]
        if len(parts) < 3:
            raise ConfigError(self.config_path, "output.layout",
                              f"boxes_scores_labels needs 3 outputs, the model has {len(raw)}")
        boxes, scores, labels = (torch.from_numpy(np.asarray(p)) for p in parts)
        if boxes.ndim == 3:  # a batch of one
            boxes, scores, labels = boxes[0], scores[0], labels[0]
        return boxes.float().reshape(-1, 4), scores.float().reshape(-1), labels.long().reshape(-1)

    def infer(self, images: Sequence[np.ndarray]) -> list[dict[str, np.ndarray]]:
        """Detect objects in BGR uint8 images; one result dict per image."""
        results = []
        for image in images:
            h, w = image.shape[:2]
            x, sx, sy, px, py = self._prepare(image)
            raw = self.session.run(None, {self._input_name: x})
            boxes, scores, labels = self._outputs(raw)
            keep = scores >= self.score_threshold
            boxes, scores, labels = boxes[keep], scores[keep], labels[keep]
            order = torch.argsort(scores, descending=True, stable=True)[: self.max_detections]
            boxes, scores, labels = boxes[order], scores[order], labels[order]
            boxes = (boxes - torch.tensor([px, py, px, py])) / torch.tensor([sx, sy, sx, sy])
            boxes[:, 0::2] = boxes[:, 0::2].clamp(0.0, float(w))
            boxes[:, 1::2] = boxes[:, 1::2].clamp(0.0, float(h))
            if labels.numel() and (labels.min() < 0 or labels.max() >= len(self.class_names)):
                raise ConfigError(str(self.classes_path), "classes",
                                  f"the model output label {int(labels.max())}, but the file "
                                  f"has {len(self.class_names)} names")
            results.append({"boxes": boxes.numpy().astype(np.float32),
                            "scores": scores.numpy().astype(np.float32),
                            "labels": labels.numpy().astype(np.int64)})
        return results


def load(config_path: str) -> Inferencer:
    """Load the ONNX model described by the YAML config at ``config_path``."""
    return Inferencer(str(config_path))
