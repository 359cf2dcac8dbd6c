"""The torchvision COCO zoo configs (configs/models/torchvision/), with random weights.

Each model is built by the zoo builder, given weights that make every anchor or proposal vote
for one known class, saved as a state_dict and reloaded through its committed config. The same
file also loads through torchvision's own pretrained-weights path (from a private TORCH_HOME
cache, nothing downloaded), which proves a real torchvision weights file loads into our configs.
About 1-2 minutes on 2 busy cores for all twelve (small min_size; the models are slow on CPU).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import torchvision
import yaml
from conftest import COCO_FIXTURE, run_ds
from detection_studio import pytorch_detect, torchvision_zoo
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
ZOO = REPO / "configs" / "models" / "torchvision"
COCO_NAMES = {c["id"]: c["name"] for c in
              json.loads((COCO_FIXTURE / "instances_val2014_100.json").read_text())["categories"]}

# The class each model is made to detect: a different COCO category id per model.
TARGET = {
    "fasterrcnn_resnet50_fpn": 1, "fasterrcnn_resnet50_fpn_v2": 2,
    "fasterrcnn_mobilenet_v3_large_fpn": 3, "fasterrcnn_mobilenet_v3_large_320_fpn": 13,
    "retinanet_resnet50_fpn": 18, "retinanet_resnet50_fpn_v2": 27, "fcos_resnet50_fpn": 44,
    "ssd300_vgg16": 62, "ssdlite320_mobilenet_v3_large": 72, "maskrcnn_resnet50_fpn": 85,
    "maskrcnn_resnet50_fpn_v2": 90, "keypointrcnn_resnet50_fpn": 1,
}
# For time only (CPU): small inputs where the model resizes inside, few proposals and few
# detections (the mask and keypoint heads run once per detection, ~4 GFLOP each for keypoints).
SMALL_RESIZE = {"min_size": 128, "max_size": 160}
RCNN = {**SMALL_RESIZE, "rpn_pre_nms_top_n_test": 100, "rpn_post_nms_top_n_test": 20,
        "box_detections_per_img": 5}
ONE_STAGE = {"detections_per_img": 5, "topk_candidates": 50}


def _small(name: str) -> dict[str, Any]:
    if "rcnn" in name:
        return RCNN
    return ONE_STAGE if name.startswith("ssd") else {**SMALL_RESIZE, **ONE_STAGE}


def _config(name: str) -> dict[str, Any]:
    return yaml.safe_load((ZOO / f"{name}.yaml").read_text())


def _config_classes(name: str) -> list[str]:
    return (ZOO / _config(name)["classes"]).read_text().splitlines()


def test_a_config_for_every_torchvision_detector() -> None:
    builders = set(torchvision.models.list_models(module=torchvision.models.detection))
    assert builders == set(torchvision_zoo.BUILDERS) == set(TARGET)
    assert {p.stem for p in ZOO.glob("*.yaml")} == builders


def test_label_files_are_torchvision_order_and_coco_ids() -> None:
    names = (ZOO / "coco91.names").read_text().splitlines()
    assert names == torchvision_zoo.coco_weights("fasterrcnn_resnet50_fpn").meta["categories"]
    assert len(names) == 91 and names[0] == "__background__" and names.count("N/A") == 10
    for cat_id, cat_name in COCO_NAMES.items():  # all 80 COCO categories
        assert names[cat_id] == cat_name, cat_id
    assert (ZOO / "coco_person.names").read_text().splitlines() == ["__background__", "person"]


@pytest.mark.parametrize("name", list(TARGET))
def test_config_matches_its_weights(name: str) -> None:
    cfg = _config(name)
    weights = torchvision_zoo.coco_weights(name)
    assert cfg["name"] == name and cfg["module"] == "pytorch_detect"
    assert cfg["model"]["architecture"] == "detection_studio.torchvision_zoo:build"
    assert cfg["model"]["args"] == {"name": name}
    # The file the comment tells the user to fetch is the one the config loads.
    file_name = weights.url.rsplit("/", 1)[1]
    assert cfg["model"]["weights"] == f"weights/{file_name}"
    assert weights.url in (ZOO / f"{name}.yaml").read_text()
    classes = (ZOO / cfg["classes"]).read_text().splitlines()
    # Slot 0 is __background__ everywhere (torchvision's keypoint weights call it "no person").
    assert classes[0] == "__background__" and classes[1:] == weights.meta["categories"][1:]
    with torch.device("meta"):  # the structure only: no memory, no initialisation
        model = torchvision_zoo.build(name)
    heads = getattr(model, "roi_heads", model)
    assert cfg["max_detections"] == heads.detections_per_img and cfg["score_threshold"] == 0.0


def _vote_for(model: torch.nn.Module, label: int, num_classes: int) -> None:
    """Make the final class layers score ``label`` ~1 everywhere: zero weights, +/-10 biases."""
    if hasattr(model, "roi_heads"):
        layers = [model.roi_heads.box_predictor.cls_score]
    elif hasattr(model.head.classification_head, "cls_logits"):  # RetinaNet, FCOS
        layers = [model.head.classification_head.cls_logits]
    else:  # SSD, SSDlite: one conv per feature map (SSDlite's is the last of a block)
        layers = [[m for m in block.modules() if isinstance(m, torch.nn.Conv2d)][-1]
                  for block in model.head.classification_head.module_list]
    with torch.no_grad():
        for layer in layers:
            layer.weight.zero_()
            bias = layer.bias.view(-1, num_classes)  # outputs are anchor-major: a * K + k
            bias.fill_(-10.0)
            bias[:, label] = 10.0



def _images() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (120, 160, 3), dtype=np.uint8),
            rng.integers(0, 256, (96, 144, 3), dtype=np.uint8)]


@pytest.mark.parametrize("name", list(TARGET))
def test_random_weights_round_trip(name: str, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    torch.manual_seed(0)
    label = TARGET[name]
    small = _small(name)
    model = torchvision_zoo.build(name, **small)
    _vote_for(model, label, len(_config_classes(name)))
    cfg = _config(name)
    file_name = Path(cfg["model"]["weights"]).name
    (tmp_path / "weights").mkdir()
    torch.save(model.state_dict(), tmp_path / "weights" / file_name)
    del model
    shutil.copy(ZOO / cfg["classes"], tmp_path / cfg["classes"])
    cfg["model"]["args"].update(small)
    cfg["device"] = "cpu"
    (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(cfg))

    m = pytorch_detect.load(str(tmp_path / f"{name}.yaml"))
    images = _images()
    results = m.infer(images)
    assert len(results) == 2
    for img, det in zip(images, results, strict=True):
        h, w = img.shape[:2]
        assert 0 < len(det["labels"]) <= 5
        # Label i is COCO category id i: the name at that index is COCO's name for that id.
        assert set(det["labels"].tolist()) == {label}
        assert m.class_names[label] == COCO_NAMES[label]
        assert det["boxes"].min() >= 0 and det["boxes"][:, 2].max() <= w
        assert det["boxes"][:, 3].max() <= h

    # torchvision's own pretrained path reads the same file (from its hub cache, offline) and
    # gives the same detections: a real torchvision weights file fits this config.
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    cache = tmp_path / "torch" / "hub" / "checkpoints"
    cache.mkdir(parents=True)
    (tmp_path / "weights" / file_name).rename(cache / file_name)
    builder = getattr(torchvision.models.detection, name)
    ref = builder(weights=torchvision_zoo.coco_weights(name), **small).eval()
    with torch.inference_mode():
        tensors = [torch.from_numpy(im[:, :, ::-1].copy()).permute(2, 0, 1).float() / 255.0
                   for im in images]
        ref_out = ref(tensors)
    for det, r in zip(results, ref_out, strict=True):
        np.testing.assert_array_equal(det["labels"], r["labels"].numpy())
        np.testing.assert_allclose(det["boxes"], r["boxes"].numpy(), atol=1e-3)
        np.testing.assert_allclose(det["scores"], r["scores"].numpy(), atol=1e-5)
        # Keypoint R-CNN's points (N x 17 x 3) come back as torchvision gives them.
        assert ("keypoints" in det) == ("keypoints" in r) == (name == "keypointrcnn_resnet50_fpn")
        if "keypoints" in r:
            np.testing.assert_allclose(det["keypoints"], r["keypoints"].numpy(), atol=1e-3)


def test_evaluate_puts_label_i_on_coco_category_i(tmp_path: Path) -> None:
    """Through `detection-studio evaluate`: a COCO dataset gets category_id == label."""
    name, label = "ssdlite320_mobilenet_v3_large", TARGET["ssdlite320_mobilenet_v3_large"]
    model = torchvision_zoo.build(name)
    _vote_for(model, label, len(_config_classes(name)))
    cfg = _config(name)
    (tmp_path / "weights").mkdir()
    torch.save(model.state_dict(), tmp_path / cfg["model"]["weights"])
    shutil.copy(ZOO / cfg["classes"], tmp_path / cfg["classes"])
    cfg["device"] = "cpu"
    (tmp_path / "model.yaml").write_text(yaml.safe_dump(cfg))
    (tmp_path / "images").mkdir()
    images = []
    for i, img in enumerate(_images(), start=1):
        Image.fromarray(img[:, :, ::-1]).save(tmp_path / "images" / f"{i}.png")
        images.append({"id": i, "file_name": f"{i}.png", "width": img.shape[1],
                       "height": img.shape[0]})
    categories = json.loads((COCO_FIXTURE / "instances_val2014_100.json").read_text())["categories"]
    anns = [{"id": i, "image_id": i, "category_id": label, "bbox": [10, 10, 50, 40], "area": 2000,
             "iscrowd": 0} for i in (1, 2)]
    (tmp_path / "gt.json").write_text(json.dumps(
        {"images": images, "annotations": anns, "categories": categories}))
    (tmp_path / "run.yaml").write_text(
        "dataset: {format: coco, annotations: gt.json, images: images}\n"
        "model: model.yaml\noutput: out\n")
    result = run_ds("evaluate", tmp_path / "run.yaml")
    assert result.returncode == 0, result.stderr
    dets = json.loads((tmp_path / "out" / "detections.json").read_text())
    assert dets and {d["category_id"] for d in dets} == {label}
