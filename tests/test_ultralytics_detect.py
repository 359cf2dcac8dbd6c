"""ultralytics_detect with a real YOLOv8n built from Ultralytics' yaml (random weights), offline."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from detection_studio import ultralytics_detect
from detection_studio.errors import ConfigError

LABEL = 5


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """yolov8n.yaml with random weights whose class layers vote for LABEL, saved by Ultralytics."""
    folder = tmp_path_factory.mktemp("yolo")
    os.environ["YOLO_CONFIG_DIR"] = str(folder / "settings")
    ultralytics = ultralytics_detect._offline_ultralytics()
    torch.manual_seed(0)
    yolo = ultralytics.YOLO("yolov8n.yaml", task="detect")  # the yaml ships in the wheel
    net = yolo.model
    net.names = {i: f"thing{i}" for i in range(80)}
    with torch.no_grad():
        for branch in net.model[-1].cv3:  # Detect head: the last conv of each class branch
            conv = branch[-1]
            conv.weight.zero_()
            conv.bias.fill_(-10.0)
            conv.bias[LABEL] = 10.0
    yolo.save(str(folder / "best.pt"))
    return folder / "best.pt"


def _config(folder: Path, checkpoint: Path, extra: str = "model: {weights: W, trusted: true}\n"
            ) -> Path:
    cfg = folder / "yolo.yaml"
    cfg.write_text("device: cpu\ninput: {size: 320}\nmax_detections: 50\n"
                   + extra.replace("W", str(checkpoint)))
    return cfg


def test_names_from_checkpoint_and_boxes_in_input_pixels(checkpoint: Path, tmp_path: Path) -> None:
    m = ultralytics_detect.load(str(_config(tmp_path, checkpoint)))
    assert m.class_names == [f"thing{i}" for i in range(80)]
    rng = np.random.default_rng(0)
    small = rng.integers(0, 256, (200, 300, 3), dtype=np.uint8)
    big = np.ascontiguousarray(np.repeat(np.repeat(small, 2, axis=0), 2, axis=1))
    a, b = m.infer([small, big])
    for det, (h, w) in ((a, small.shape[:2]), (b, big.shape[:2])):
        assert 0 < len(det["boxes"]) <= 50
        assert set(det["labels"].tolist()) == {LABEL}
        assert det["boxes"].min() >= 0
        assert det["boxes"][:, 2].max() <= w and det["boxes"][:, 3].max() <= h
    # Both images letterbox to the same 320-pixel input, so once the letterbox is undone the big
    # image's boxes are the small image's, doubled (within resampling noise).
    sa, sb = a["boxes"] * 2.0, b["boxes"]
    lt = np.maximum(sa[:, None, :2], sb[None, :, :2])
    rb = np.minimum(sa[:, None, 2:], sb[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(axis=2)
    area = (sa[:, 2:] - sa[:, :2]).prod(axis=1)[:, None] + (sb[:, 2:] - sb[:, :2]).prod(axis=1)
    iou = inter / (area - inter)
    assert (iou.max(axis=1) > 0.9).mean() > 0.8


def test_classes_file_overrides_and_must_match(checkpoint: Path, tmp_path: Path) -> None:
    (tmp_path / "n.names").write_text("\n".join(f"c{i}" for i in range(80)) + "\n")
    cfg = _config(tmp_path, checkpoint, "classes: n.names\nmodel: {weights: W, trusted: true}\n")
    assert ultralytics_detect.load(str(cfg)).class_names[LABEL] == f"c{LABEL}"
    (tmp_path / "n.names").write_text("a\nb\n")
    with pytest.raises(ConfigError, match="2 names, but the checkpoint has 80 classes"):
        ultralytics_detect.load(str(cfg))


def test_untrusted_checkpoint_is_refused(checkpoint: Path, tmp_path: Path) -> None:
    cfg = _config(tmp_path, checkpoint, "model: {weights: W}\n")
    with pytest.raises(ConfigError) as info:
        ultralytics_detect.load(str(cfg))
    assert str(info.value).startswith(f"{cfg}: model.trusted: ")
    assert "arbitrary code" in str(info.value)
