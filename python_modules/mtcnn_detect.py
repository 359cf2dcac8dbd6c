"""MTCNN face detector (Zhang et al. 2016) from facenet-pytorch, with the pretrained weights
that ship inside its wheel: a real detector that runs offline.

Model config schema (YAML)::

    name: mtcnn                  # optional; default: the config file's stem
    module: mtcnn_detect
    device: auto                 # auto | cpu | cuda | cuda:N
    min_face_size: 20            # pixels: the smallest face the image pyramid looks for
    thresholds: [0.6, 0.7, 0.7]  # P-Net, R-Net, O-Net score cuts
    score_threshold: 0.05        # detections scoring below are dropped
    max_detections: 100
    batch_size: 1                # images per infer() call

The one class is ``face`` (label 0). facenet-pytorch pins old torch/numpy releases, so it is
installed with ``pip install --no-deps facenet-pytorch==2.6.0`` (``make install`` does); its
MTCNN needs only torch, torchvision, numpy and Pillow.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from .errors import ConfigError
from .pytorch_detect import _float_list, _read_config, _resolve_device

__all__ = ["Inferencer", "load"]


class Inferencer:
    """A loaded MTCNN; create it with :func:`load`."""

    def __init__(self, config_path: str) -> None:
        self.class_names = ["face"]
        cfg = _read_config(config_path)
        try:
            from facenet_pytorch import MTCNN
        except ImportError as e:
            raise ConfigError(str(cfg.path), "module", "mtcnn_detect needs facenet-pytorch: pip "
                              f"install --no-deps facenet-pytorch==2.6.0 ({e})") from None
        self.config_path = str(cfg.path)
        self.name: str = cfg.get("name", str, cfg.path.stem)
        self.batch_size: int = cfg.get("batch_size", int, 1)
        if self.batch_size < 1:
            raise cfg.error("batch_size", "expected an integer >= 1")
        self.score_threshold = float(cfg.get("score_threshold", (int, float), 0.05))
        self.max_detections: int = cfg.get("max_detections", int, 100)
        min_face = cfg.get("min_face_size", int, 20)
        if min_face < 1:
            raise cfg.error("min_face_size", "expected an integer >= 1")
        thresholds = _float_list(cfg, "thresholds", 3) or [0.6, 0.7, 0.7]
        self.device = _resolve_device(cfg)
        self._mtcnn = MTCNN(keep_all=True, min_face_size=min_face, thresholds=thresholds,
                            device=self.device)

    def infer(self, images: Sequence[np.ndarray]) -> list[dict[str, np.ndarray]]:
        """BGR uint8 images -> per image ``boxes`` (N, 4) xyxy pixels, ``scores``, ``labels``."""
        out = []
        with torch.inference_mode():
            for image in images:
                rgb = np.ascontiguousarray(image[:, :, ::-1])
                boxes, probs = self._mtcnn.detect(rgb)
                if boxes is None:
                    boxes, probs = np.zeros((0, 4), np.float32), np.zeros((0,), np.float32)
                boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
                probs = np.asarray(probs, np.float32).reshape(-1)
                keep = np.argsort(-probs, kind="stable")
                keep = keep[probs[keep] >= self.score_threshold][: self.max_detections]
                h, w = image.shape[:2]
                # Boxes may reach past the border (a face cut by the frame): clip them to it.
                b = boxes[keep]
                b[:, [0, 2]] = b[:, [0, 2]].clip(0, w)
                b[:, [1, 3]] = b[:, [1, 3]].clip(0, h)
                out.append({"boxes": b, "scores": probs[keep],
                            "labels": np.zeros(len(keep), np.int64)})
        return out


def load(config_path: str) -> Inferencer:
    """Load the MTCNN described by the YAML config at ``config_path``."""
    return Inferencer(config_path)
