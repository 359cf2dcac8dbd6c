"""Ultralytics YOLO inferencer: a ``.pt`` checkpoint from ``yolo train``, run offline.

Model config schema (YAML; paths relative to the config file)::

    name: my-yolo                # optional; default: the config file's stem
    module: ultralytics_detect
    classes: my.names            # optional: one name per line; default: the checkpoint's names
    device: auto                 # auto | cpu | cuda | cuda:N
    model:
      weights: best.pt           # required: an Ultralytics checkpoint
      trusted: true              # required: Ultralytics checkpoints are pickles, which run code
                                 # when loaded; say so only for a file you trust
    input: {size: 640}           # optional: letterbox size (default: the checkpoint's imgsz)
    score_threshold: 0.001       # default 0.001 (Ultralytics' own val setting)
    nms_iou: 0.7                 # default 0.7 (Ultralytics' val setting)
    max_detections: 300          # default 300
    batch_size: 4

Ultralytics is kept offline before it is imported: ``YOLO_OFFLINE`` (no connectivity checks,
no asset or font downloads tried), ``YOLO_AUTOINSTALL=False`` (never pip-installs), and
``sync: False`` (no analytics or crash reports); its settings go to a folder of ours
(``YOLO_CONFIG_DIR``, default ``~/.cache/detection_studio/ultralytics``). Boxes come back in the
input image's pixels: Ultralytics letterboxes and undoes it (``scale_boxes``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError
from .pytorch_detect import _Config, _read_classes, _read_config, _resolve_device

__all__ = ["Inferencer", "load"]


def _offline_ultralytics() -> Any:
    """Import ultralytics with every network feature off (set before its first import)."""
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ["YOLO_AUTOINSTALL"] = "False"
    os.environ.setdefault("YOLO_VERBOSE", "False")
    os.environ.setdefault("YOLO_CONFIG_DIR",
                          str(Path.home() / ".cache" / "detection_studio" / "ultralytics"))
    import ultralytics
    from ultralytics.utils import SETTINGS

    if SETTINGS.get("sync"):
        SETTINGS.update({"sync": False})
    return ultralytics


class Inferencer:
    """A loaded Ultralytics detection model; create it with :func:`load`."""

    def __init__(self, config_path: str) -> None:
        cfg = _read_config(config_path)
        self.config_path = str(cfg.path)
        self.name: str = cfg.get("name", str, cfg.path.stem)
        self.device = str(_resolve_device(cfg))
        weights = cfg.resolve("model.weights", cfg.get("model.weights", str))
        if not weights.is_file():
            raise ConfigError(str(weights), "model.weights", "file not found")
        if cfg.get("model.trusted", bool, False) is not True:
            raise cfg.error("model.trusted", "Ultralytics checkpoints are pickles, which can run "
                                             "arbitrary code when loaded; set model.trusted: true "
                                             "only for a file you trust")
        self.score_threshold = float(cfg.get("score_threshold", (int, float), 0.001))
        self.nms_iou = float(cfg.get("nms_iou", (int, float), 0.7))
        self.max_detections: int = cfg.get("max_detections", int, 300)
        self.batch_size: int = cfg.get("batch_size", int, 4)
        ultralytics = _offline_ultralytics()
        try:
            self.model = ultralytics.YOLO(str(weights), task="detect")
        except Exception as e:
            raise ConfigError(str(weights), "model.weights", f"not a loadable Ultralytics "
                                                             f"checkpoint ({e})") from e
        if self.model.task != "detect":
            raise ConfigError(str(weights), "model.weights", f"is a {self.model.task!r} model, "
                                                             "not a detector")
        checkpoint_names = [str(self.model.names[i]) for i in sorted(self.model.names)]
        if cfg.get("classes", str, None) is None:
            self.class_names = checkpoint_names
        else:
            path, self.class_names = _read_classes(cfg)
            if len(self.class_names) != len(checkpoint_names):
                raise ConfigError(str(path), "classes", f"{len(self.class_names)} names, but the "
                                  f"checkpoint has {len(checkpoint_names)} classes")
        self.imgsz = self._imgsz(cfg)
        # Ultralytics letterboxes every image to imgsz: huge ones may be decoded smaller.
        self.max_input_side = self.imgsz if isinstance(self.imgsz, int) else max(self.imgsz)

    def _imgsz(self, cfg: _Config) -> int | list[int]:
        size = cfg.get("input.size", (int, list), None)
        if size is None:
            return int(self.model.overrides.get("imgsz", 640) or 640)
        if isinstance(size, list) and (len(size) != 2 or not all(isinstance(v, int) for v in size)):
            raise cfg.error("input.size", "expected an integer or [height, width]")
        return size

    def infer(self, images: Sequence[np.ndarray]) -> list[dict[str, np.ndarray]]:
        """BGR uint8 images (Ultralytics' own convention for numpy input) -> detections."""
        if len(images) == 0:
            return []
        results = self.model.predict(
            list(images), imgsz=self.imgsz, conf=self.score_threshold, iou=self.nms_iou,
            max_det=self.max_detections, device=self.device, verbose=False, save=False,
            batch=self.batch_size,
        )
        out = []
        for r in results:
            boxes = r.boxes
            out.append({
                "boxes": boxes.xyxy.cpu().numpy().astype(np.float32).reshape(-1, 4),
                "scores": boxes.conf.cpu().numpy().astype(np.float32),
                "labels": boxes.cls.cpu().numpy().astype(np.int64),
            })
        return out


def load(config_path: str) -> Inferencer:
    """Load the Ultralytics model described by the YAML config at ``config_path``."""
    return Inferencer(str(config_path))
