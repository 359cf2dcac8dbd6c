"""Keypoints from a model: torchvision's Keypoint R-CNN (random weights, nothing downloaded)
through pytorch_detect. `evaluate` with `iou_type: keypoints` writes each detection's 17 points to
detections.json; its keypoint stats are pycocotools' on that file and `score --iou-type
keypoints`'s; a run killed and resumed, and a run in two shards merged, give the same file and
stats. `render` draws the skeletons and, for a run scoring keypoints alone, decides TP/FP/FN by
OKS as COCOeval matches at OKS 0.5.

The ground truth is made from the model's own points (shifted a little or a lot), so the scores
are neither 0 nor 1. PNG images: the C++ host and this test decode the same pixels."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from conftest import BIN, error_line, run_ds
from keypoint_cases import NAMES
from PIL import Image

# COCO's person skeleton (1-based keypoint numbers), as person_keypoints_*.json has it.
SKELETON = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8],
            [7, 9], [8, 10], [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7]]
# Small inputs, few proposals and detections: the keypoint head runs once per detection.
ARGS = {"num_classes": 2, "min_size": 128, "max_size": 160, "rpn_pre_nms_top_n_test": 100,
        "rpn_post_nms_top_n_test": 20, "box_detections_per_img": 5, "box_score_thresh": 0.0}
SIZES = [(96, 128), (120, 160), (100, 100)]  # height, width


def _model_outputs(root: Path, images: list[np.ndarray]) -> list[dict[str, np.ndarray]]:
    import torch
    import torchvision

    torch.manual_seed(0)
    model = torchvision.models.detection.keypointrcnn_resnet50_fpn(weights=None, weights_backbone=None, **ARGS)
    torch.save(model.state_dict(), root / "keypointrcnn.pt")
    model.eval()
    out = []
    with torch.inference_mode():
        for im in images:  # as pytorch_detect hands them: RGB floats in [0, 1]
            t = torch.from_numpy(im[:, :, ::-1].copy()).permute(2, 0, 1).float() / 255.0
            out.append({k: v.numpy() for k, v in model([t])[0].items()})
    return out


@pytest.fixture(autouse=True)
def _torch_threads_restored() -> Any:
    """The config's `threads: 1` reaches torch's global setting when a test loads it in-process:
    put it back, so later tests in this process keep their threads."""
    import torch

    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def kp_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("keypointrcnn")
    rng = np.random.default_rng(7)
    (root / "images").mkdir()
    images = []
    for i, (h, w) in enumerate(SIZES, start=1):
        im = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        cv2.imwrite(str(root / "images" / f"{i}.png"), im)
        images.append(im)
    outputs = _model_outputs(root, images)

    # People where the model put its best two: the first's points shifted by a pixel or two (a
    # hit), the second's by a lot (a miss and a false positive); v 2, 1 and 0 by turns. Their
    # areas (OKS's scale; medium and large) are their own, not the random model's small boxes'.
    anns = []
    for i, det in enumerate(outputs, start=1):
        assert len(det["scores"]) >= 2, "the random model must detect something"
        for rank, shift, area in ((0, 1.5, 5000.0), (1, 25.0, 12000.0)):
            x0, y0, x1, y1 = (float(v) for v in det["boxes"][rank])
            kps: list[float] = []
            for k, (x, y, _) in enumerate(det["keypoints"][rank]):
                v = (2, 1, 0)[k % 3]
                kps += [round(float(x) + shift, 2), round(float(y) - shift / 2, 2), v] if v else [0, 0, 0]
            anns.append({"id": len(anns) + 1, "image_id": i, "category_id": 1, "iscrowd": 0,
                         "bbox": [x0, y0, x1 - x0, y1 - y0], "area": area,
                         "keypoints": kps, "num_keypoints": sum(1 for v in kps[2::3] if v > 0)})
    gt = {"images": [{"id": i, "file_name": f"{i}.png", "width": w, "height": h}
                     for i, (h, w) in enumerate(SIZES, start=1)],
          "annotations": anns,
          "categories": [{"id": 1, "name": "person", "supercategory": "person", "keypoints": NAMES,
                          "skeleton": SKELETON}]}
    (root / "gt.json").write_text(json.dumps(gt))
    (root / "classes.names").write_text("__background__\nperson\n")
    (root / "keypointrcnn.yaml").write_text(
        "module: pytorch_detect\nclasses: classes.names\ndevice: cpu\nmodel:\n  format: state_dict\n"
        "  architecture: torchvision.models.detection.keypointrcnn_resnet50_fpn\n"
        f"  args: {json.dumps(ARGS)}\n  weights: keypointrcnn.pt\nscore_threshold: 0.0\nbatch_size: 1\n"
        # one intra-op thread wherever it runs (evaluate, the test process): the same sums, so
        # the same scores to the last bits, whatever the machine's core count
        "threads: 1\n")
    (root / "run.yaml").write_text(
        "dataset:\n  format: coco\n  annotations: gt.json\n  images: images\nmodel: keypointrcnn.yaml\n"
        "output: out\niou_type: keypoints\nanalyses: []\n")
    return root


@pytest.fixture(scope="module")
def whole(kp_run: Path) -> Path:
    done = run_ds("evaluate", kp_run / "run.yaml", "--batch-size", "1")
    assert done.returncode == 0, done.stderr
    return kp_run / "out"


def pycocotools_keypoints(gt_file: Path, dt_file: Path) -> Any:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(gt_file))
        ev = COCOeval(gt, gt.loadRes(str(dt_file)), "keypoints")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def test_pytorch_detect_returns_keypoints_at_the_images_scale(kp_run: Path) -> None:
    """In-process: N x 17 x 3 float32, torchvision's points (v = 1), best first; an input
    resize (input.size) scales them back to the image as it does the boxes."""
    from detection_studio import pytorch_detect

    model = pytorch_detect.load(str(kp_run / "keypointrcnn.yaml"))
    image = cv2.imread(str(kp_run / "images" / "1.png"))
    det = model.infer([image])[0]
    n = len(det["scores"])
    assert n > 0 and det["keypoints"].shape == (n, 17, 3) and det["keypoints"].dtype == np.float32
    assert (det["keypoints"][..., 2] == 1).all()
    assert (np.diff(det["scores"]) <= 0).all()

    # torchvision's points lie in their boxes; with the input resized to twice the image, both
    # come back to the image's scale (points left at the model's would lie outside).
    resized = kp_run / "resized.yaml"
    resized.write_text((kp_run / "keypointrcnn.yaml").read_text() + "input: {size: [192, 256]}\n")
    for result in (det, pytorch_detect.load(str(resized)).infer([image])[0]):
        assert len(result["scores"]) > 0
        for box, kp in zip(result["boxes"], result["keypoints"], strict=True):
            assert (kp[:, 0] >= box[0] - 1e-3).all() and (kp[:, 0] <= box[2] + 1e-3).all()
            assert (kp[:, 1] >= box[1] - 1e-3).all() and (kp[:, 1] <= box[3] + 1e-3).all()


def test_evaluate_writes_keypoints_scored_as_pycocotools_and_score(kp_run: Path, whole: Path,
                                                                  tmp_path: Path) -> None:
    from detection_studio import pytorch_detect

    dets = json.loads((whole / "detections.json").read_text())
    assert dets and all(len(d["keypoints"]) == 51 and len(d["bbox"]) == 4 for d in dets)
    # The file holds what pytorch_detect returned, image by image, best first.
    model = pytorch_detect.load(str(kp_run / "keypointrcnn.yaml"))
    for i in range(1, len(SIZES) + 1):
        want = model.infer([cv2.imread(str(kp_run / "images" / f"{i}.png"))])[0]
        ours = [d for d in dets if d["image_id"] == i]
        assert len(ours) == len(want["scores"])
        for d, kp, score in zip(ours, want["keypoints"], want["scores"], strict=True):
            np.testing.assert_allclose(np.array(d["keypoints"]).reshape(17, 3), kp, atol=1e-3)
            assert d["score"] == pytest.approx(float(score), abs=1e-5)

    metrics = json.loads((whole / "metrics.json").read_text())
    oracle = pycocotools_keypoints(kp_run / "gt.json", whole / "detections.json")
    stats = [float(v) for v in oracle.stats]
    assert metrics["keypoints_coco_stats"] == stats
    assert 0 < stats[0] < 1, stats  # hits and misses: neither nothing nor everything

    out = tmp_path / "score.json"
    done = run_ds("score", "--gt", kp_run / "gt.json", "--dt", whole / "detections.json", "--iou-type", "keypoints",
                  "--output", out, "--quiet")
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["keypoints_coco_stats"] == stats


def test_kill_9_then_resume_keeps_the_keypoints(kp_run: Path, whole: Path, tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    args = [str(BIN / "detection-studio"), "evaluate", str(kp_run / "run.yaml"), "--output", str(tmp_path),
            "--batch-size", "1"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    # The header and one image's batch, with its keypoints, then kill.
    while (not journal.exists() or journal.read_bytes().count(b"\n") < 2) and process.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    lines = journal.read_text().splitlines()
    assert len(lines) >= 2
    entry = json.loads(lines[1].split(" ", 1)[1])["images"][0]
    assert entry[2] is None and len(entry[3][0]) == 51  # no masks; x, y, v of 17 points each
    resumed = run_ds(*args[1:], "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming after" in resumed.stderr
    assert (tmp_path / "detections.json").read_bytes() == (whole / "detections.json").read_bytes()
    want = json.loads((whole / "metrics.json").read_text())["keypoints_coco_stats"]
    assert json.loads((tmp_path / "metrics.json").read_text())["keypoints_coco_stats"] == want


def test_shards_merged_keep_the_keypoints(kp_run: Path, whole: Path, tmp_path: Path) -> None:
    dirs = [tmp_path / f"shard{i}" for i in range(2)]
    for i, d in enumerate(dirs):
        done = run_ds("evaluate", kp_run / "run.yaml", "--output", d, "--batch-size", "1", "--shard", f"{i}/2")
        assert done.returncode == 0, done.stderr
    merged = run_ds("merge", kp_run / "run.yaml", *dirs, "--output", tmp_path / "merged")
    assert merged.returncode == 0, merged.stderr
    assert (tmp_path / "merged" / "detections.json").read_bytes() == (whole / "detections.json").read_bytes()
    want = json.loads((whole / "metrics.json").read_text())["keypoints_coco_stats"]
    assert json.loads((tmp_path / "merged" / "metrics.json").read_text())["keypoints_coco_stats"] == want


def _render(kp_run: Path, results: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = run_ds("render", kp_run / "run.yaml", "--results", results, "--output", out, "--format", "png", *args)
    assert done.returncode == 0, done.stderr
    return done


def test_render_draws_the_detections_skeletons(kp_run: Path, whole: Path, tmp_path: Path) -> None:
    """The same detections with and without their keypoints, matched by boxes both times: the
    pictures differ only in the detections' skeletons, drawn in their boxes' colours, where the
    points are."""
    dets = json.loads((whole / "detections.json").read_text())
    boxes_only = tmp_path / "boxes.json"
    boxes_only.write_text(json.dumps([{k: v for k, v in d.items() if k != "keypoints"} for d in dets]))
    _render(kp_run, whole / "detections.json", tmp_path / "with", "--iou-type", "bbox", "--score-threshold", "0")
    _render(kp_run, boxes_only, tmp_path / "without", "--iou-type", "bbox", "--score-threshold", "0")
    tp, fp = (0, 158, 115), (213, 94, 0)  # RGB of draw.hpp's true and false positive colours
    for i, (h, w) in enumerate(SIZES, start=1):
        scale = display_scale(w, h)
        # The picture, without the footer (whose status line names the results file).
        a = np.asarray(Image.open(tmp_path / "with" / f"{i}.png").convert("RGB")).astype(int)[:h * scale, :w * scale]
        b = np.asarray(Image.open(tmp_path / "without" / f"{i}.png").convert("RGB")).astype(int)[:h * scale, :w * scale]
        assert a.shape == b.shape == (h * scale, w * scale, 3)
        changed = (a != b).any(axis=2)
        assert changed.sum() > 0
        colours = {tuple(c) for c in a[changed]}
        assert colours <= {tp, fp}, colours - {tp, fp}
        mine = [d for d in dets if d["image_id"] == i]
        hits = 0
        for d in mine:
            for x, y, _ in np.array(d["keypoints"]).reshape(17, 3):
                cx, cy = round(x * scale), round(y * scale)
                if 0 <= cy < h * scale and 0 <= cx < w * scale:
                    hits += bool(changed[cy, cx])
        assert hits > 0


def display_scale(w: int, h: int) -> int:
    """draw.cpp's display_scale for small images: enlarged by a whole factor to 640 wide."""
    f = 1
    while w * f < 640 and w * (f + 1) <= 1600 and h * (f + 1) <= 900:
        f += 1
    return f


def _coco_matches_at_half(kp_run: Path, dt_file: Path) -> tuple[int, int, int]:
    """TP, FP, missed at OKS 0.5 over every detection, as COCOeval's matching (area all)."""
    ev = pycocotools_keypoints(kp_run / "gt.json", dt_file)
    t = list(ev.params.iouThrs).index(0.5)
    tp = fp = missed = 0
    for e in ev.evalImgs:
        if e is None or e["aRng"] != ev.params.areaRng[0]:
            continue
        matched = e["dtMatches"][t]
        tp += int((matched > 0).sum())
        fp += int((matched == 0).sum())
        missed += int((e["gtMatches"][t] == 0).sum())
    return tp, fp, missed


def test_render_matches_by_oks_for_a_keypoint_run(kp_run: Path, whole: Path, tmp_path: Path) -> None:
    dets = json.loads((whole / "detections.json").read_text())
    assert max(sum(d["image_id"] == i for d in dets) for i in range(1, 4)) <= 20  # COCO's maxDets
    done = _render(kp_run, whole / "detections.json", tmp_path / "oks", "--score-threshold", "0")
    counts = tuple(int(v) for v in re.search(r"TP (\d+), FP (\d+), missed (\d+)", done.stdout).groups())
    assert counts == _coco_matches_at_half(kp_run, whole / "detections.json")
    assert counts[0] > 0 and counts[2] > 0
    # --iou-type keypoints says the same; by boxes the ground truth made far from the model's
    # points is found.
    again = _render(kp_run, whole / "detections.json", tmp_path / "again", "--score-threshold", "0",
                    "--iou-type", "keypoints")
    assert re.search(r"TP \d+, FP \d+, missed \d+", again.stdout).group() == \
        re.search(r"TP \d+, FP \d+, missed \d+", done.stdout).group()
    by_box = _render(kp_run, whole / "detections.json", tmp_path / "box", "--score-threshold", "0",
                     "--iou-type", "bbox")
    box_missed = int(re.search(r"missed (\d+)", by_box.stdout).group(1))
    assert box_missed < counts[2]


def test_results_without_boxes_render_from_their_keypoints(kp_run: Path, whole: Path, tmp_path: Path) -> None:
    """A keypoint results file without boxes (pycocotools' loadRes gives each the extent of its
    points) renders and matches by OKS as the file with boxes does."""
    dets = json.loads((whole / "detections.json").read_text())
    no_boxes = tmp_path / "no_boxes.json"
    no_boxes.write_text(json.dumps([{k: v for k, v in d.items() if k != "bbox"} for d in copy.deepcopy(dets)]))
    done = _render(kp_run, no_boxes, tmp_path / "r", "--score-threshold", "0")
    counts = tuple(int(v) for v in re.search(r"TP (\d+), FP (\d+), missed (\d+)", done.stdout).groups())
    assert counts == _coco_matches_at_half(kp_run, no_boxes)


USER_MODULE = '''
import numpy as np

KEYPOINTS = {keypoints}


class Model:
    name = "user"
    class_names = ["person"]
    batch_size = 1

    def infer(self, images):
        out = []
        for _ in images:
            r = {{"boxes": np.array([[10, 10, 60, 80]], np.float32), "scores": np.array([0.9], np.float32),
                  "labels": np.array([0], np.int64)}}
            if KEYPOINTS is not None:
                r["keypoints"] = np.array(KEYPOINTS, np.float32)
            out.append(r)
        return out


def load(config_path):
    return Model()
'''


@pytest.mark.parametrize(("keypoints", "message"), [
    ("None", ("user gives no keypoints, and {run} scores them (iou_type: keypoints): use a model that gives "
              "them (Keypoint R-CNN) or another iou_type")),
    ("[[[1, 2]] * 17]", "{model}: inference result 'keypoints' must be 1 x K x 3 (x, y, v of K keypoints per box)"),
    ("[[[1, float('nan'), 1]] * 17]",
     "{model}: inference result 'keypoints' of box 0 holds a value that is not a finite number"),
])
def test_a_models_keypoints_are_checked_in_one_line(kp_run: Path, tmp_path: Path, keypoints: str,
                                                    message: str) -> None:
    (tmp_path / "user.py").write_text(USER_MODULE.format(keypoints=keypoints))
    model = tmp_path / "user.yaml"
    model.write_text("module: ./user.py\n")
    done = run_ds("evaluate", kp_run / "run.yaml", "--model", model, "--output", tmp_path / "out")
    assert done.returncode == 1
    assert error_line(done).endswith(message.format(run=kp_run / "run.yaml", model=model))


def test_a_user_modules_keypoints_reach_detections_json(kp_run: Path, tmp_path: Path) -> None:
    points = [[20 + k, 30 + 2 * k, 1] for k in range(17)]
    (tmp_path / "user.py").write_text(USER_MODULE.format(keypoints=f"[{points}]"))
    (tmp_path / "user.yaml").write_text("module: ./user.py\n")
    done = run_ds("evaluate", kp_run / "run.yaml", "--model", tmp_path / "user.yaml", "--output", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    dets = json.loads((tmp_path / "out" / "detections.json").read_text())
    assert [d["keypoints"] for d in dets] == [[v for p in points for v in p]] * len(SIZES)
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    oracle = pycocotools_keypoints(kp_run / "gt.json", tmp_path / "out" / "detections.json")
    assert metrics["keypoints_coco_stats"] == [float(v) for v in oracle.stats]


def test_score_report_gallery_matches_by_oks_as_per_image(kp_run: Path, whole: Path, tmp_path: Path) -> None:
    """`score --iou-type keypoints --report --images`: the gallery's pictures are matched as the
    per_image analysis matched (by OKS, with the detections' keypoints)."""
    metrics_file = tmp_path / "metrics.json"
    done = run_ds("score", "--gt", kp_run / "gt.json", "--dt", whole / "detections.json", "--iou-type", "keypoints",
                  "--output", metrics_file, "--report", "--images", kp_run / "images", "--quiet")
    assert done.returncode == 0, done.stderr
    metrics = json.loads(metrics_file.read_text())
    gallery = json.loads((tmp_path / "gallery.json").read_text())
    assert gallery and [g["image_id"] for g in gallery] == metrics["per_image"]["worst"]
    counts = {im["image_id"]: im for im in metrics["per_image"]["images"]}
    for g in gallery:
        assert (g["tp"], g["fp"], g["fn"]) == tuple(counts[g["image_id"]][k] for k in ("tp", "fp", "fn"))
    assert sum(g["tp"] for g in gallery) > 0
