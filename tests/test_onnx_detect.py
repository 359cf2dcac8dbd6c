"""onnx_detect with real ONNX files written by torch.onnx.export, run by ONNX Runtime (CPU)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from detection_studio import onnx_detect, ultralytics_detect
from detection_studio.errors import ConfigError


class _TopK(torch.nn.Module):
    """A small torchvision-style detector (top-k, static shapes): boxes, scores, labels."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 3, 5, padding=2)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        scores, labels = self.conv(x)[0].sigmoid().max(0)
        w = scores.shape[1]
        top, idx = scores.flatten().topk(10)
        ys, xs = (idx // w).float(), (idx % w).float()
        return torch.stack([xs - 3, ys - 3, xs + 3, ys + 3], 1), top, labels.flatten()[idx]


def _export(model: torch.nn.Module, x: torch.Tensor, path: Path, names: list[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), str(path), input_names=["images"], output_names=names,
                          dynamo=False)


def test_boxes_scores_labels_layout(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = _TopK().eval()
    _export(model, torch.rand(1, 3, 64, 96), tmp_path / "m.onnx", ["boxes", "scores", "labels"])
    (tmp_path / "three.names").write_text("a\nb\nc\n")
    cfg = tmp_path / "m.yaml"
    cfg.write_text("module: onnx_detect\nclasses: three.names\ndevice: auto\n"
                   "model: {weights: m.onnx}\ninput: {size: [64, 96], mean: [0.5, 0.5, 0.5], "
                   "std: [0.25, 0.25, 0.25]}\nscore_threshold: 0.0\n")
    m = onnx_detect.load(str(cfg))
    assert m.device == "cpu"  # no CUDA provider here; auto picks it where there is one
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (128, 192, 3), dtype=np.uint8)  # twice the network size
    det = m.infer([image])[0]
    x = torch.from_numpy(image[:, :, ::-1].copy()).permute(2, 0, 1).float()[None]
    x = torch.nn.functional.interpolate(x, size=(64, 96), mode="bilinear", align_corners=False)
    with torch.inference_mode():
        boxes, scores, labels = model((x / 255.0 - 0.5) / 0.25)
    order = torch.argsort(scores, descending=True, stable=True)
    np.testing.assert_allclose(det["scores"], scores[order].numpy(), atol=1e-5)
    np.testing.assert_array_equal(det["labels"], labels[order].numpy())
    expected = (boxes[order] * 2.0).clamp(0).numpy().clip(None, [192, 128, 192, 128])
    np.testing.assert_allclose(det["boxes"], expected, atol=1e-3)


@pytest.fixture(scope="module")
def yolo_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """YOLOv8n (random weights voting for class 3) as an Ultralytics checkpoint and as ONNX.

    """
    folder = tmp_path_factory.mktemp("yolo_onnx")
    os.environ["YOLO_CONFIG_DIR"] = str(folder / "settings")
    ultralytics = ultralytics_detect._offline_ultralytics()
    torch.manual_seed(0)
    yolo = ultralytics.YOLO("yolov8n.yaml", task="detect")
    net = yolo.model
    with torch.no_grad():
        for branch in net.model[-1].cv3:
            branch[-1].bias.fill_(-10.0)
            branch[-1].bias[3] = 1.0
    yolo.save(str(folder / "best.pt"))
    net = net.eval()
    head = net.model[-1]
    head.export, head.format = True, "onnx"  # the raw (1, 4 + K, A) output, as `yolo export`
    _export(net, torch.rand(1, 3, 320, 320), folder / "best.onnx", ["output0"])
    return folder / "best.pt", folder / "best.onnx"


def test_yolo_layout_agrees_with_ultralytics(yolo_checkpoint: tuple[Path, Path],
                                             tmp_path: Path) -> None:
    pt, onnx_file = yolo_checkpoint
    (tmp_path / "coco80.names").write_text("\n".join(f"c{i}" for i in range(80)) + "\n")
    cfg = tmp_path / "y.yaml"
    cfg.write_text(f"module: onnx_detect\nclasses: coco80.names\nmodel: {{weights: {onnx_file}}}\n"
                   "input: {size: 320, letterbox: true}\noutput: {layout: yolo}\n"
                   "score_threshold: 0.25\nnms_iou: 1.0\nmax_detections: 3000\n")
    ours = onnx_detect.load(str(cfg))
    ucfg = tmp_path / "u.yaml"
    ucfg.write_text(f"device: cpu\nmodel: {{weights: {pt}, trusted: true}}\n"
                    "input: {size: 320}\nscore_threshold: 0.25\nmax_detections: 3000\n")
    theirs = ultralytics_detect.load(str(ucfg))
    image = np.random.default_rng(1).integers(0, 256, (200, 300, 3), dtype=np.uint8)
    a = ours.infer([image])[0]
    # Ultralytics' own pipeline, letterboxed to the same square input (rect=False).
    r = theirs.model.predict([image], imgsz=320, conf=0.25, iou=1.0, max_det=3000, rect=False,
                             verbose=False, device="cpu")[0]
    b = r.boxes.xyxy.numpy()
    assert len(a["boxes"]) > 0 and set(a["labels"].tolist()) == {3}
    # Scores tie (random weights), so greedy NMS would keep different boxes depending on the
    # order of ties: with nms_iou 1 every anchor's box is kept and the two sets must be equal.
    assert len(a["boxes"]) == len(b) == 2100  # every anchor: 40² + 20² + 10²
    lt = np.maximum(a["boxes"][:, None, :2], b[None, :, :2])
    rb = np.minimum(a["boxes"][:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(axis=2)
    area_a = (a["boxes"][:, 2:] - a["boxes"][:, :2]).prod(axis=1)[:, None]
    area_b = (b[:, 2:] - b[:, :2]).prod(axis=1)[None, :]
    iou = inter / (area_a + area_b - inter)
    assert (iou.max(axis=1) > 0.98).mean() > 0.99
    assert a["boxes"][:, 2].max() <= 300 and a["boxes"][:, 3].max() <= 200


def test_bad_layout_and_file(tmp_path: Path) -> None:
    (tmp_path / "a.names").write_text("a\n")
    (tmp_path / "m.onnx").write_bytes(b"junk")
    cfg = tmp_path / "m.yaml"
    cfg.write_text("classes: a.names\nmodel: {weights: m.onnx}\ninput: {size: 32}\n"
                   "output: {layout: ssd}\n")
    with pytest.raises(ConfigError, match=r"m\.yaml: output\.layout: unknown layout 'ssd'"):
        onnx_detect.load(str(cfg))
    cfg.write_text(cfg.read_text().replace("ssd", "yolo"))
    with pytest.raises(ConfigError, match=r"m\.onnx: model\.weights: not a loadable ONNX model"):
        onnx_detect.load(str(cfg))
