"""Tests of the pytorch_detect inferencer with the committed demo model configs."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import load_make_shapes
from detection_studio import pytorch_detect
from detection_studio.errors import ConfigError
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "configs" / "models"
STATE_DICT_CONFIG = MODELS / "shapes-fcos.yaml"
TORCHSCRIPT_CONFIG = MODELS / "shapes-fcos-torchscript.yaml"


@pytest.fixture(scope="module")
def val_images(
    tmp_path_factory: pytest.TempPathFactory,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """A few val images: (BGR uint8 array, GT xyxy boxes, GT labels) of non-crowd objects."""
    root = tmp_path_factory.mktemp("shapes")
    gen = load_make_shapes()
    gen.generate_split(root, "val", 4)
    import json

    doc = json.loads((root / "annotations" / "instances_val.json").read_text())
    out = []
    for img in doc["images"]:
        with Image.open(root / "val" / img["file_name"]) as im:
            rgb = np.asarray(im.convert("RGB"))
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        gt = [a for a in doc["annotations"] if a["image_id"] == img["id"] and not a["iscrowd"]]
        boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in (a["bbox"] for a in gt)],
                         dtype=np.float32)
        labels = np.array([a["category_id"] - 1 for a in gt], dtype=np.int64)
        out.append((bgr, boxes.reshape(-1, 4), labels))
    return out


@pytest.fixture(scope="module")
def sd_model() -> pytorch_detect.Inferencer:
    return pytorch_detect.load(str(STATE_DICT_CONFIG))


@pytest.fixture(scope="module")
def ts_model() -> pytorch_detect.Inferencer:
    return pytorch_detect.load(str(TORCHSCRIPT_CONFIG))


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(axis=2)
    area_a = (a[:, 2:] - a[:, :2]).prod(axis=1)
    area_b = (b[:, 2:] - b[:, :2]).prod(axis=1)
    return inter / (area_a[:, None] + area_b[None, :] - inter)


def test_both_configs_load(sd_model: pytorch_detect.Inferencer,
                           ts_model: pytorch_detect.Inferencer) -> None:
    for m in (sd_model, ts_model):
        assert isinstance(m.name, str) and m.name
        assert m.class_names == ["circle", "square", "triangle", "star", "cross", "ellipse"]
        assert m.device in ("cpu", "cuda", "cuda:0")
        assert m.batch_size == 4
    assert sd_model.name == "shapes-fcos"
    assert ts_model.name == "shapes-fcos-torchscript"


def test_detections_are_valid_and_find_objects(
    sd_model: pytorch_detect.Inferencer, val_images: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
) -> None:
    results = sd_model.infer([v[0] for v in val_images])
    assert len(results) == len(val_images)
    matched = total = 0
    for (img, gt, gt_labels), det in zip(val_images, results, strict=True):
        h, w = img.shape[:2]
        boxes, scores, labels = det["boxes"], det["scores"], det["labels"]
        assert boxes.dtype == np.float32 and boxes.ndim == 2 and boxes.shape[1] == 4
        assert scores.dtype == np.float32 and labels.dtype == np.int64
        assert len(boxes) == len(scores) == len(labels) <= sd_model.max_detections
        assert np.all(np.diff(scores) <= 0)
        assert np.all(scores >= sd_model.score_threshold)
        assert np.all((labels >= 0) & (labels < len(sd_model.class_names)))
        assert np.all(boxes[:, 0] >= 0) and np.all(boxes[:, 2] <= w)
        assert np.all(boxes[:, 1] >= 0) and np.all(boxes[:, 3] <= h)
        assert np.all(boxes[:, 2] >= boxes[:, 0]) and np.all(boxes[:, 3] >= boxes[:, 1])
        confident = scores >= 0.3
        total += len(gt)
        if len(gt) and confident.any():
            iou = _iou(gt, boxes[confident])
            same_class = gt_labels[:, None] == labels[confident][None, :]
            matched += int(((iou >= 0.5) & same_class).any(axis=1).sum())
    # The trained model finds most objects, with the right class (label i = class_names[i]),
    # as absolute xyxy boxes in input pixels.
    assert total > 0 and matched >= 0.8 * total, (matched, total)


def test_state_dict_and_torchscript_agree(
    sd_model: pytorch_detect.Inferencer, ts_model: pytorch_detect.Inferencer,
    val_images: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> None:
    images = [v[0] for v in val_images]
    a, b = sd_model.infer(images), ts_model.infer(images)
    for da, db in zip(a, b, strict=True):
        assert len(da["boxes"]) > 0
        np.testing.assert_array_equal(da["labels"], db["labels"])
        np.testing.assert_allclose(da["boxes"], db["boxes"], rtol=0, atol=1e-3)
        np.testing.assert_allclose(da["scores"], db["scores"], rtol=0, atol=1e-5)


def test_input_is_bgr_and_never_modified(
    sd_model: pytorch_detect.Inferencer, val_images: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
) -> None:
    bgr = val_images[0][0].copy()
    bgr.setflags(write=False)  # like a zero-copy view of C++ memory
    before = bgr.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning may leak to the user
        det = sd_model.infer([bgr])[0]
    np.testing.assert_array_equal(bgr, before)
    # The same result as handing the model the RGB float tensor directly.
    rgb = torch.from_numpy(before[:, :, ::-1].copy()).permute(2, 0, 1).float() / 255.0
    with torch.inference_mode():
        ref = sd_model.model([rgb])[0]
    keep = ref["scores"] >= sd_model.score_threshold
    np.testing.assert_allclose(det["boxes"], ref["boxes"][keep].numpy(), atol=1e-3)
    np.testing.assert_array_equal(det["labels"], ref["labels"][keep].numpy())
    # Feeding RGB instead of BGR changes the input, so the detections differ.
    swapped = sd_model.infer([np.ascontiguousarray(before[:, :, ::-1])])[0]
    assert not (len(swapped["scores"]) == len(det["scores"])
                and np.allclose(swapped["scores"], det["scores"]))


def test_odd_inputs(sd_model: pytorch_detect.Inferencer,
                    val_images: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> None:
    assert sd_model.infer([]) == []
    img = val_images[1][0]
    view = img[:, ::-1][:, ::-1]  # negative strides, not C-contiguous in the middle step
    ref = sd_model.infer([img])[0]
    got = sd_model.infer([view[:, :, ::-1][:, :, ::-1]])[0]
    np.testing.assert_allclose(got["boxes"], ref["boxes"])
    # A batch larger than batch_size is split and gives the same per-image results.
    many = sd_model.infer([img] * (sd_model.batch_size + 1))
    assert len(many) == sd_model.batch_size + 1
    np.testing.assert_allclose(many[-1]["scores"], ref["scores"], atol=1e-5)
    with pytest.raises(ValueError):
        sd_model.infer([np.zeros((10, 10), dtype=np.uint8)])


def test_load_shows_no_warnings() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for cfg in (STATE_DICT_CONFIG, TORCHSCRIPT_CONFIG):
            pytorch_detect.load(str(cfg)).infer([np.zeros((48, 64, 3), dtype=np.uint8)])
    assert [str(w.message) for w in caught] == []


def test_torchvision_builder_with_dotted_path(tmp_path: Path) -> None:
    # "pkg.module.callable" form; weights=None / weights_backbone=None are passed automatically.
    from torchvision.models.detection import ssdlite320_mobilenet_v3_large

    torch.save(ssdlite320_mobilenet_v3_large(weights=None, weights_backbone=None,
                                             num_classes=3).state_dict(), tmp_path / "ssd.pt")
    (tmp_path / "three.names").write_text("__background__\na\nb\n")
    cfg = tmp_path / "ssd.yaml"
    cfg.write_text(
        "classes: three.names\ndevice: cpu\nmodel:\n"
        "  architecture: torchvision.models.detection.ssdlite320_mobilenet_v3_large\n"
        "  args: {num_classes: 3}\n  weights: ssd.pt\nscore_threshold: 0.0\n"
        "max_detections: 5\n"
    )
    m = pytorch_detect.load(str(cfg))
    assert m.name == "ssd" and m.class_names == ["__background__", "a", "b"]
    det = m.infer([np.full((100, 150, 3), 128, dtype=np.uint8)])[0]
    assert det["boxes"].shape[1] == 4 and len(det["boxes"]) <= 5


# ---- bad configs -------------------------------------------------------------------------

GOOD = """\
name: test
module: pytorch_detect
classes: shapes.names
device: cpu
model:
  format: {format}
  architecture: {architecture}
  args: {args}
  weights: {weights}
score_threshold: 0.05
"""


def _write(tmp: Path, *, format: str = "state_dict",
           architecture: str = "detection_studio.demo_model:build",
           args: str = "{num_classes: 6}", weights: str = "w.pt", extra: str = "") -> Path:
    """A config in ``tmp`` beside copies of the classes file and the state_dict."""
    shutil.copy(MODELS / "shapes.names", tmp / "shapes.names")
    shutil.copy(MODELS / "shapes_fcos.pt", tmp / "w.pt")
    cfg = tmp / "model.yaml"
    cfg.write_text(GOOD.format(format=format, architecture=architecture, args=args,
                               weights=weights) + extra)
    return cfg


def _expect(config: Path, file: Path, key: str, fragment: str = "") -> ConfigError:
    with pytest.raises(ConfigError) as info:
        pytorch_detect.load(str(config))
    err = info.value
    msg = str(err)
    assert "\n" not in msg
    assert msg.startswith(f"{file}: {key}: "), msg
    assert err.file == str(file) and err.key == key
    assert fragment in msg, msg
    return err


def test_good_copy_loads(tmp_path: Path) -> None:
    m = pytorch_detect.load(str(_write(tmp_path)))
    assert m.name == "test" and m.device == "cpu"


def test_missing_config(tmp_path: Path) -> None:
    _expect(tmp_path / "nope.yaml", tmp_path / "nope.yaml", "(file)", "not found")


def test_not_yaml(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("model: [1, 2\nclasses: x\n")
    _expect(cfg, cfg, "(file)", "not valid YAML")


def test_not_a_mapping(tmp_path: Path) -> None:
    cfg = tmp_path / "list.yaml"
    cfg.write_text("- classes\n- model\n")
    _expect(cfg, cfg, "(root)", "mapping")


def test_missing_classes_key(tmp_path: Path) -> None:
    cfg = _write(tmp_path)
    cfg.write_text(cfg.read_text().replace("classes: shapes.names\n", ""))
    _expect(cfg, cfg, "classes", "missing")


def test_missing_weights_key(tmp_path: Path) -> None:
    cfg = _write(tmp_path)
    cfg.write_text(cfg.read_text().replace("  weights: w.pt\n", ""))
    _expect(cfg, cfg, "model.weights", "missing")


def test_missing_weights_file(tmp_path: Path) -> None:
    cfg = _write(tmp_path, weights="absent.pt")
    _expect(cfg, tmp_path / "absent.pt", "model.weights", "not found")


@pytest.mark.parametrize("fmt", ["state_dict", "torchscript"])
def test_corrupt_weights_file(tmp_path: Path, fmt: str) -> None:
    cfg = _write(tmp_path, format=fmt, weights="corrupt.pt")
    (tmp_path / "corrupt.pt").write_bytes(b"this is not a torch file\x00\x01" * 10)
    _expect(cfg, tmp_path / "corrupt.pt", "model.weights")


def test_weights_do_not_match_architecture(tmp_path: Path) -> None:
    cfg = _write(tmp_path, args="{num_classes: 3}")
    _expect(cfg, tmp_path / "w.pt", "model.weights", "do not match the architecture")
    torch.save({"foo.weight": torch.zeros(2)}, tmp_path / "other.pt")
    cfg = _write(tmp_path, weights="other.pt")
    err = _expect(cfg, tmp_path / "other.pt", "model.weights", "do not match the architecture")
    assert "missing keys" in err.problem and "1 unexpected keys" in err.problem


def test_torchscript_file_as_state_dict(tmp_path: Path) -> None:
    shutil.copy(MODELS / "shapes_fcos.torchscript.pt", tmp_path / "ts.pt")
    cfg = _write(tmp_path, weights="ts.pt")
    _expect(cfg, tmp_path / "ts.pt", "model.weights")


def test_unknown_format(tmp_path: Path) -> None:
    _expect(_write(tmp_path, format="onnx"), tmp_path / "model.yaml", "model.format", "onnx")


@pytest.mark.parametrize(
    "arch", ["no_such_package.models:build", "detection_studio.demo_model:no_such_builder",
             "justaname"]
)
def test_bad_architecture(tmp_path: Path, arch: str) -> None:
    _expect(_write(tmp_path, architecture=arch), tmp_path / "model.yaml", "model.architecture")


def test_bad_args(tmp_path: Path) -> None:
    _expect(_write(tmp_path, args="{no_such_arg: 1, num_classes: 6, widths: 3}"),
            tmp_path / "model.yaml", "model.args")


def test_empty_classes_file(tmp_path: Path) -> None:
    cfg = _write(tmp_path)
    (tmp_path / "shapes.names").write_text("\n\n")
    _expect(cfg, tmp_path / "shapes.names", "classes", "no class names")


def test_missing_classes_file(tmp_path: Path) -> None:
    cfg = _write(tmp_path)
    (tmp_path / "shapes.names").unlink()
    _expect(cfg, tmp_path / "shapes.names", "classes", "not found")


@pytest.mark.parametrize(
    ("extra", "key"),
    [("max_detections: many\n", "max_detections"), ("batch_size: true\n", "batch_size"),
     ("input: {size: [1, 2, 3]}\n", "input.size"), ("threads: 1.5\n", "threads"),
     ("input: {mean: [0, 0]}\n", "input.mean")],
)
def test_wrong_types(tmp_path: Path, extra: str, key: str) -> None:
    _expect(_write(tmp_path, extra=extra), tmp_path / "model.yaml", key)


def test_bad_device(tmp_path: Path) -> None:
    cfg = _write(tmp_path)
    cfg.write_text(cfg.read_text().replace("device: cpu", "device: tpu"))
    _expect(cfg, cfg, "device", "unknown device")
    if not torch.cuda.is_available():
        cfg.write_text(cfg.read_text().replace("device: tpu", "device: cuda:0"))
        _expect(cfg, cfg, "device", "not available")


def test_input_section_resizes_and_maps_boxes_back(
    tmp_path: Path, sd_model: pytorch_detect.Inferencer,
    val_images: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> None:
    # Double-size input with `input.size` back to the model's size: same boxes, in input pixels.
    cfg = _write(tmp_path, extra="input: {size: [240, 320]}\n")
    m = pytorch_detect.load(str(cfg))
    img = val_images[2][0]
    big = np.ascontiguousarray(np.repeat(np.repeat(img, 2, axis=0), 2, axis=1))
    det = m.infer([big])[0]
    ref = sd_model.infer([img])[0]
    good = ref["scores"] >= 0.5
    big_good = det["scores"] >= 0.5
    assert good.sum() > 0
    iou = _iou(ref["boxes"][good] * 2.0, det["boxes"][big_good])
    assert (iou.max(axis=1) > 0.8).mean() > 0.8



# ---- format: pickle and format: export ------------------------------------------------------


def test_pickle_is_refused_unless_trusted(
    tmp_path: Path, sd_model: pytorch_detect.Inferencer,
    val_images: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> None:
    torch.save(sd_model.model, tmp_path / "whole.pt")  # a whole pickled model, as DL Streamer takes
    cfg = _write(tmp_path, format="pickle", weights="whole.pt")
    err = _expect(cfg, cfg, "model.format", "arbitrary code")
    assert "trusted: true" in err.problem
    cfg.write_text(cfg.read_text().replace("  weights: whole.pt\n",
                                           "  weights: whole.pt\n  trusted: true\n"))
    m = pytorch_detect.load(str(cfg))
    images = [v[0] for v in val_images[:2]]
    for a, b in zip(m.infer(images), sd_model.infer(images), strict=True):
        assert len(a["boxes"]) > 0
        np.testing.assert_array_equal(a["labels"], b["labels"])
        np.testing.assert_allclose(a["boxes"], b["boxes"], atol=1e-4)
    # A state_dict is still read with weights_only: the pickled model is no state_dict.
    _expect(_write(tmp_path, weights="whole.pt"), tmp_path / "whole.pt", "model.weights")


class _TopKDetector(torch.nn.Module):
    """A small detector that torch.export can trace whole (top-k instead of NMS: static shapes)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 3, 5, padding=2)

    def forward(self, images: list[torch.Tensor]) -> list[dict[str, torch.Tensor]]:
        out = []
        for x in images:
            logits = self.conv(x[None])[0]
            scores, labels = logits.sigmoid().max(0)
            w = scores.shape[1]
            top, idx = scores.flatten().topk(8)
            ys, xs = (idx // w).float(), (idx % w).float()
            boxes = torch.stack([xs - 4, ys - 4, xs + 4, ys + 4], dim=1)
            out.append({"boxes": boxes, "scores": top, "labels": labels.flatten()[idx]})
        return out


def test_export_format_loads_a_pt2_file(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = _TopKDetector().eval()
    example = [torch.rand(3, 60, 80)]
    torch.export.save(torch.export.export(model, (example,)), tmp_path / "tiny.pt2")
    (tmp_path / "three.names").write_text("a\nb\nc\n")
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text("classes: three.names\ndevice: cpu\nmodel:\n  format: export\n"
                   "  weights: tiny.pt2\ninput: {size: [60, 80]}\nscore_threshold: 0.0\n"
                   "batch_size: 3\n")
    m = pytorch_detect.load(str(cfg))
    rng = np.random.default_rng(1)
    images = [rng.integers(0, 256, (60, 80, 3), dtype=np.uint8) for _ in range(3)]
    results = m.infer(images)  # a batch of 3 through a program traced with one image
    for img, det in zip(images, results, strict=True):
        x = torch.from_numpy(img[:, :, ::-1].copy()).permute(2, 0, 1).float() / 255.0
        with torch.inference_mode():
            ref = model([x])[0]
        assert len(det["boxes"]) == 8
        np.testing.assert_allclose(det["scores"], ref["scores"].numpy(), atol=1e-6)
        np.testing.assert_array_equal(det["labels"], ref["labels"].numpy())
        np.testing.assert_allclose(det["boxes"], ref["boxes"].clamp(0, 80).numpy()
                                   .clip(None, [80, 60, 80, 60]), atol=1e-4)
    (tmp_path / "bad.pt2").write_bytes(b"not a zip")
    cfg.write_text(cfg.read_text().replace("tiny.pt2", "bad.pt2"))
    _expect(cfg, tmp_path / "bad.pt2", "model.weights", "torch.export")


@pytest.mark.parametrize("arch", ["os:system", "subprocess.run", "builtins:exec"])
def test_architecture_outside_torchvision_needs_trusted(tmp_path: Path, arch: str) -> None:
    # naming a callable runs it: os:system with args {command: ...} would run a command
    err = _expect(_write(tmp_path, architecture=arch), tmp_path / "model.yaml",
                  "model.architecture", "trusted by default")
    assert "model.trusted: true" in str(err)
