"""`detection-studio score`: the fixture's numbers, metrics.json (PR curves included), the
VOC metrics, and one clear line with exit code 1 for every kind of bad input."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import BIN, COCO_FIXTURE, pycocotools_eval

FIXTURE = COCO_FIXTURE
GT_FILE = FIXTURE / "instances_val2014_100.json"
DT_FILE = FIXTURE / "instances_val2014_fakebbox100_results.json"
CLI = BIN / "detection-studio"


def score(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), "score", *map(str, args)], capture_output=True, text=True,
                          timeout=60, check=False)


@pytest.fixture(scope="module")
def metrics(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("score") / "metrics.json"
    done = score("--gt", GT_FILE, "--dt", DT_FILE, "--output", out, "--metric", "coco,voc,voc07")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def reference() -> Any:
    return pycocotools_eval(GT_FILE, DT_FILE)


def test_fixture_stats_are_exact(metrics: dict[str, Any]) -> None:
    expected = json.loads((FIXTURE / "expected_bbox_stats.json").read_text())
    assert metrics["coco_stats"] == expected["stats"]
    for name, value in zip(expected["names"], expected["stats"]):
        assert metrics[name] == value


def test_summary_printed_like_pycocotools(reference: Any) -> None:
    done = score("--gt", GT_FILE, "--dt", DT_FILE)
    assert done.returncode == 0
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        reference.summarize()
    assert done.stdout.startswith(text.getvalue())
    assert " person " in done.stdout  # the per-class table follows


def test_pr_curves_are_pycocotools_precision(metrics: dict[str, Any], reference: Any) -> None:
    precision = reference.eval["precision"]  # [T, R, K, A, M]
    curves = metrics["pr_curves"]
    assert curves["recall_thresholds"] == reference.params.recThrs.tolist()
    assert [c["category_id"] for c in curves["classes"]] == reference.params.catIds
    for k, curve in enumerate(curves["classes"]):
        # area "all", maxDets 100; IoU 0.5 is index 0, 0.75 index 5.
        assert np.array_equal(curve["precision_iou50"], precision[0, :, k, 0, -1])
        assert np.array_equal(curve["precision_iou75"], precision[5, :, k, 0, -1])
        column = precision[:, :, k, 0, -1]
        mean = [np.mean(column[:, r][column[:, r] > -1]) if (column[:, r] > -1).any() else -1.0
                for r in range(column.shape[1])]
        assert np.array_equal(curve["precision_mean"], mean)


def test_per_class_numbers(metrics: dict[str, Any], reference: Any) -> None:
    precision = reference.eval["precision"]
    person = next(c for c in metrics["per_class"] if c["name"] == "person")
    k = reference.params.catIds.index(person["category_id"])
    p = precision[:, :, k, 0, -1]
    assert person["AP"] == np.mean(p[p > -1])
    assert person["gt"] == 250 and person["detections"] == 201


def test_voc_metrics_reported(metrics: dict[str, Any]) -> None:
    for name, interpolation in (("voc", "all-point"), ("voc07", "11-point")):
        voc = metrics[name]
        assert voc["interpolation"] == interpolation and voc["iou_threshold"] == 0.5
        aps = [c["AP"] for c in voc["per_class"] if c["gt"] > 0]
        assert voc["mAP"] == pytest.approx(np.mean(aps))
        assert 0 < voc["mAP"] < 1


def test_front_loads_no_torch_opencv_or_python() -> None:
    libs = subprocess.run(["ldd", str(CLI)], capture_output=True, text=True, check=True).stdout
    for lib in ("torch", "opencv", "python", "c10", "Qt"):
        assert lib not in libs, libs


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def det(**changes: Any) -> dict[str, Any]:
    return {"image_id": 42, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.5, **changes}


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr and "terminate" not in done.stderr
    assert lines[0].startswith("detection-studio: error: ")
    return lines[0]


@pytest.mark.parametrize(("results", "message"), [
    ([], "{dt}: no detections"),
    ([det(), det(image_id=7)],
     "{dt}: detection [1]: image_id 7 is not an image of the ground truth"),
    ('[{"image_id": 42, "category_id": 1,\n "bbox": [1, 2, 3, 4] "score": 1}]',
     "{dt}:2:23: invalid JSON"),
    ('[{"image_id": 42, "category_id": 1, "bbox": [1, 2, 3, 4], "score": NaN}]',
     "{dt}:1:68: invalid JSON: NaN and Infinity are not valid JSON numbers (in [0].score)"),
    ([det(), {"image_id": 42, "category_id": 1, "bbox": [1, 2, 3, 4]}],
     "detection [1]: missing 'score'"),
    ([{"image_id": 42, "category_id": 1, "score": 0.5, "segmentation": []}],
     "detection [0]: missing 'bbox' (results without boxes are read for --iou-type segm only)"),
    ([det(score="high")], "detection [0]: 'score': expected a number"),
    ([det(image_id="42")], "detection [0]: 'image_id': expected an integer"),
    ([det(bbox=[1, 2, 3])], "detection [0]: 'bbox': expected 4 numbers, got 3"),
    ([det(bbox=[1, 2, -3, 4])], "detection [0]: 'bbox': negative width or height"),
    ('[{"image_id": 42, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 1e999}]',
     "detection [0]: 'score': "),
    ('[{"image_id": 42, "category_id": 1, "bbox": [1, 2, 1e400, 4], "score": 1}]',
     "detection [0]: 'bbox': "),
    ({"annotations": []}, "{dt}:1:1: top level: expected an array of detections"),
])
def test_bad_results(tmp_path: Path, results: Any, message: str) -> None:
    dt = write(tmp_path, "dt.json", results)
    line = one_error_line(score("--gt", GT_FILE, "--dt", dt))
    assert message.format(dt=dt) in line


def gt_with(annotation: dict[str, Any]) -> dict[str, Any]:
    return {"images": [{"id": 42}], "categories": [{"id": 1, "name": "a"}],
            "annotations": [annotation]}


@pytest.mark.parametrize(("gt", "message"), [
    (gt_with({"id": 3, "image_id": 42, "category_id": 1}),
     "annotations[0] (id 3): missing 'bbox'"),
    (gt_with({"id": 3, "image_id": 42, "bbox": [0, 0, 1, 1]}),
     "annotations[0] (id 3): missing 'category_id'"),
    (gt_with({"id": 3, "image_id": 42, "category_id": 1, "bbox": [0, 0, -1, 1]}),
     "annotations[0] (id 3): 'bbox': negative width or height"),
    (gt_with({"id": 3, "image_id": 42, "category_id": 1, "bbox": [0, 0, 1, 1], "area": "big"}),
     "annotations[0] (id 3): 'area': expected a number"),
    (('{"images": [{"id": 42}], "annotations": [{"id": 3, "image_id": 42, "category_id": 1, '
      '"bbox": [0, 0, 1, 1e999]}]}'), "annotations[0] (id 3): 'bbox': "),
    (('{"images": [{"id": 42}], "annotations": [{"id": 3, "image_id": 42, "category_id": 1, '
      '"bbox": [0, 0, 1, 1], "area": NaN}]}'), "(in annotations[0].area)"),
    ({"images": [{"file_name": "a.jpg"}]}, "images[0]: missing 'id'"),
    ({"annotations": []}, "missing 'images' (not a COCO instances file?)"),
])
def test_bad_ground_truth(tmp_path: Path, gt: Any, message: str) -> None:
    gt_path = write(tmp_path, "gt.json", gt)
    dt = write(tmp_path, "dt.json", [det()])
    line = one_error_line(score("--gt", gt_path, "--dt", dt))
    assert str(gt_path) in line and message in line


def test_missing_file() -> None:
    line = one_error_line(score("--gt", GT_FILE, "--dt", "/nonexistent/dt.json"))
    assert "/nonexistent/dt.json: file not found" in line


@pytest.mark.parametrize(("args", "message"), [
    (["--iou-type", "boxes"], "--iou-type: unknown type 'boxes' (bbox, segm, boundary, keypoints)"),
    (["--iou-type", "keypoints", "--metric", "coco"], "--iou-type keypoints scores the metric coco_keypoints: leave out --metric, or give --metric coco_keypoints alone"),
    (["--sigmas", "s.yaml"], "--sigmas applies to --iou-type keypoints"),
    (["--iou-type", "segm", "--metric", "voc"], "--iou-type segm scores the metric coco_segm: leave out --metric, or give --metric coco_segm alone"),
    (["--metric", "map"], "--metric: unknown metric 'map' (known: coco, coco_segm, coco_boundary, coco_keypoints, lvis, lvis_segm, voc, voc07, openimages, tracking)"),
])
def test_usage_errors(args: list[str], message: str) -> None:
    done = score("--gt", GT_FILE, "--dt", DT_FILE, *args)
    assert done.returncode == 2
    # one line: the problem, then where the options are
    assert done.stderr.splitlines() == [
        f"detection-studio score: {message}; 'detection-studio score --help' shows the options"]


def test_repeated_annotation_ids_warn(tmp_path: Path) -> None:
    gt = {"images": [{"id": 42}], "categories": [{"id": 1, "name": "a"}],
          "annotations": [{"id": 5, "image_id": 42, "category_id": 1, "bbox": [0, 0, 9, 9]},
                          {"id": 5, "image_id": 42, "category_id": 1, "bbox": [1, 2, 3, 4]}]}
    done = score("--gt", write(tmp_path, "gt.json", gt), "--dt",
                 write(tmp_path, "dt.json", [det()]), "--quiet")
    assert done.returncode == 0
    assert "annotation ids repeat" in done.stderr


def test_voc_reads_difficult_and_ignores_matches_to_it(tmp_path: Path) -> None:
    # Image 1 holds A (counts) and B (difficult). Ranked detections: a false positive (0.95),
    # one on B (0.9: ignored), one on A (0.8: true positive). Without the ignored one: FP, TP,
    # so recall 0, 1 and precision 0, 1/2 against 1 ground truth. All-point AP = 1 * 1/2;
    # 11-point AP = 11 * 1/2 / 11. Were B counted, AP would be 2/3 (recall 0, 1/2, 1).
    gt = {"images": [{"id": 1}], "categories": [{"id": 1, "name": "a"}],
          "annotations": [
              {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10]},
              {"id": 2, "image_id": 1, "category_id": 1, "bbox": [50, 50, 10, 10],
               "difficult": 1}]}
    dts = [det(image_id=1, bbox=[80, 80, 5, 5], score=0.95),
           det(image_id=1, bbox=[50, 50, 10, 10], score=0.9),
           det(image_id=1, bbox=[0, 0, 10, 10], score=0.8)]
    out = tmp_path / "m.json"
    done = score("--gt", write(tmp_path, "gt.json", gt), "--dt", write(tmp_path, "dt.json", dts),
                 "--metric", "voc,voc07", "--output", out)
    assert done.returncode == 0, done.stderr
    m = json.loads(out.read_text())
    for name in ("voc", "voc07"):
        (cls,) = m[name]["per_class"]
        # (11-point: eleven additions of 0.5 / 11 round to 0.5000000000000001, as in the devkit.)
        assert cls["AP"] == pytest.approx(0.5)
        assert (cls["gt"], cls["detections"], cls["true_positives"]) == (1, 3, 1)
        assert m[name]["mAP"] == cls["AP"]
    assert "Pascal VOC AP" in done.stdout
