"""Masks from a model: torchvision's Mask R-CNN (random weights, nothing downloaded) through
pytorch_detect, thresholded at 0.5; `evaluate` with `iou_type: [bbox, segm]` writes them to
detections.json as the RLE pycocotools makes of the same masks, and its segm stats are
pycocotools' on that file. PNG copies of the images: the C++ host and this test decode the same
pixels."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from conftest import BIN, REPO, error_line, run_ds
from mask_cases import pycocotools_segm

IMAGES = 3
CLASSES = ["__background__", "circle", "square", "triangle", "star", "cross", "ellipse"]


@pytest.fixture(scope="module")
def masked_run(shapes_val: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    import torchvision

    root = tmp_path_factory.mktemp("maskrcnn")
    gt = json.loads((shapes_val / "annotations" / "instances_val.json").read_text())
    gt["images"] = gt["images"][:IMAGES]
    ids = {im["id"] for im in gt["images"]}
    (root / "images").mkdir()
    for im in gt["images"]:
        png = Path(im["file_name"]).with_suffix(".png").name
        cv2.imwrite(str(root / "images" / png), cv2.imread(str(shapes_val / "val" / im["file_name"])))
        im["file_name"] = png
    gt["annotations"] = [a for a in gt["annotations"] if a["image_id"] in ids]
    (root / "gt.json").write_text(json.dumps(gt))

    torch.manual_seed(0)
    args = {"num_classes": len(CLASSES), "min_size": 240, "max_size": 320}
    model = torchvision.models.detection.maskrcnn_resnet50_fpn(weights=None, weights_backbone=None, **args)
    torch.save(model.state_dict(), root / "maskrcnn.pt")
    (root / "classes.names").write_text("\n".join(CLASSES) + "\n")
    (root / "maskrcnn.yaml").write_text(
        "module: pytorch_detect\nclasses: classes.names\ndevice: cpu\nmodel:\n  format: state_dict\n"
        "  architecture: torchvision.models.detection.maskrcnn_resnet50_fpn\n"
        f"  args: {json.dumps(args)}\n  weights: maskrcnn.pt\nscore_threshold: 0.0\nbatch_size: 2\n")
    (root / "run.yaml").write_text(
        "dataset:\n  format: coco\n  annotations: gt.json\n  images: images\nmodel: maskrcnn.yaml\n"
        "output: out\niou_type: [bbox, segm]\nanalyses: []\n")
    return root


@pytest.fixture(scope="module")
def whole(masked_run: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    done = run_ds("evaluate", masked_run / "run.yaml", "--batch-size", "1")
    assert done.returncode == 0, done.stderr
    return done, masked_run / "out"


def python_masks(root: Path) -> list[dict[str, np.ndarray]]:
    from detection_studio import pytorch_detect

    model = pytorch_detect.load(str(root / "maskrcnn.yaml"))
    gt = json.loads((root / "gt.json").read_text())
    # One image per call, as the runs below (--batch-size 1): batching moves scores in the 6th digit.
    return [model.infer([cv2.imread(str(root / "images" / im["file_name"]))])[0] for im in gt["images"]]


def test_evaluate_writes_the_models_masks_and_scores_them_as_pycocotools(
        masked_run: Path, whole: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    from pycocotools import mask as mask_utils

    done, out = whole
    dets = json.loads((out / "detections.json").read_text())
    gt = json.loads((masked_run / "gt.json").read_text())
    want = python_masks(masked_run)
    for im, result in zip(gt["images"], want, strict=True):
        ours = [d for d in dets if d["image_id"] == im["id"]]
        assert len(ours) == len(result["scores"]) > 0
        assert result["masks"].shape == (len(result["scores"]), im["height"], im["width"])
        # pytorch_detect's order (best first) is the file's order for each image.
        for d, mask, score in zip(ours, result["masks"], result["scores"], strict=True):
            rle = mask_utils.encode(np.asfortranarray(mask))
            assert d["segmentation"] == {"size": [im["height"], im["width"]], "counts": rle["counts"].decode()}
            assert d["score"] == pytest.approx(float(score), abs=1e-6)
    assert 0 < sum(int(m.sum()) for r in want for m in r["masks"])  # not all empty

    metrics = json.loads((out / "metrics.json").read_text())
    oracle = pycocotools_segm(gt, dets)
    assert metrics["segm_coco_stats"] == [float(v) for v in oracle.stats]
    assert len(metrics["coco_stats"]) == 12
    assert "gives no masks" not in done.stdout


def test_mask_threshold_is_checked(masked_run: Path, tmp_path: Path) -> None:
    config = masked_run / "bad_threshold.yaml"
    config.write_text((masked_run / "maskrcnn.yaml").read_text() + "mask_threshold: 1.5\n")
    done = run_ds("evaluate", masked_run / "run.yaml", "--model", config, "--output", tmp_path / "o")
    assert done.returncode == 1
    assert error_line(done).endswith("bad_threshold.yaml: mask_threshold: expected a number in [0, 1)")


def test_box_models_under_segm_are_scored_by_their_boxes(masked_run: Path, tmp_path: Path) -> None:
    """No masks from the model: each box is its mask, as pycocotools' loadRes makes it."""
    done = run_ds("evaluate", masked_run / "run.yaml", "--model", REPO / "configs" / "models" / "shapes-fcos.yaml",
                  "--output", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "shapes-fcos gives no masks: segm scores its boxes as masks" in done.stdout
    dets: list[dict[str, Any]] = json.loads((tmp_path / "detections.json").read_text())
    assert dets and all("segmentation" not in d for d in dets)
    oracle = pycocotools_segm(json.loads((masked_run / "gt.json").read_text()), dets)
    assert json.loads((tmp_path / "metrics.json").read_text())["segm_coco_stats"] == [float(v) for v in oracle.stats]


def test_kill_9_then_resume_keeps_the_masks(masked_run: Path, whole: tuple[subprocess.CompletedProcess[str], Path],
                                            tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    args = [str(BIN / "detection-studio"), "evaluate", str(masked_run / "run.yaml"), "--output", str(tmp_path),
            "--batch-size", "1"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    # The header and one image's batch, with its masks, then kill.
    while (not journal.exists() or journal.read_bytes().count(b"\n") < 2) and process.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert b"[240,320,\"" in journal.read_bytes()  # masks as [h, w, counts]
    resumed = run_ds(*args[1:], "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming after" in resumed.stderr
    assert (tmp_path / "detections.json").read_bytes() == (whole[1] / "detections.json").read_bytes()
    want = json.loads((whole[1] / "metrics.json").read_text())
    assert json.loads((tmp_path / "metrics.json").read_text())["segm_coco_stats"] == want["segm_coco_stats"]


def test_shards_merged_keep_the_masks(masked_run: Path, whole: tuple[subprocess.CompletedProcess[str], Path],
                                      tmp_path: Path) -> None:
    dirs = [tmp_path / f"shard{i}" for i in range(2)]
    for i, d in enumerate(dirs):
        done = run_ds("evaluate", masked_run / "run.yaml", "--output", d, "--batch-size", "1", "--shard", f"{i}/2")
        assert done.returncode == 0, done.stderr
    merged = run_ds("merge", masked_run / "run.yaml", *dirs, "--output", tmp_path / "merged")
    assert merged.returncode == 0, merged.stderr
    assert (tmp_path / "merged" / "detections.json").read_bytes() == (whole[1] / "detections.json").read_bytes()
    want = json.loads((whole[1] / "metrics.json").read_text())
    got = json.loads((tmp_path / "merged" / "metrics.json").read_text())
    assert got["segm_coco_stats"] == want["segm_coco_stats"] and got["coco_stats"] == want["coco_stats"]


@pytest.mark.parametrize(("line", "message"), [
    ("sigmas: {person: [0.1]}", "sigmas: applies to the coco_keypoints metric (iou_type: keypoints)"),
    ("iou_type: [bbox, mask]", "iou_type: unknown type 'mask' (bbox, segm, boundary, keypoints)"),
    ("iou_type: []", "iou_type: empty list: give bbox, segm, boundary, keypoints or a list such as [bbox, segm]"),
    ("metrics: [voc]\niou_type: segm", "iou_type: applies to the coco metric, which 'metrics' leaves out"),
])
def test_bad_iou_type_is_one_line(masked_run: Path, tmp_path: Path, line: str, message: str) -> None:
    run = tmp_path / "run.yaml"
    text = (masked_run / "run.yaml").read_text().replace("iou_type: [bbox, segm]\n", "")
    run.write_text(text.replace("gt.json", str(masked_run / "gt.json")).replace("images\nmodel", f"{masked_run}/images\nmodel")
                   .replace("maskrcnn.yaml", str(masked_run / "maskrcnn.yaml")) + line + "\n")
    done = run_ds("evaluate", run)
    assert done.returncode == 1
    assert message in error_line(done) and "run.yaml" in error_line(done)


def test_segm_alone_scores_masks_only(masked_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "run.yaml"
    run.write_text((masked_run / "run.yaml").read_text().replace("[bbox, segm]", "segm")
                   .replace("gt.json", str(masked_run / "gt.json")).replace("images\nmodel", f"{masked_run}/images\nmodel")
                   .replace("maskrcnn.yaml", str(masked_run / "maskrcnn.yaml")))
    done = run_ds("evaluate", run, "--limit", "1", "--output", tmp_path / "o")
    assert done.returncode == 0, done.stderr
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert "segm_coco_stats" in metrics and "coco_stats" not in metrics
