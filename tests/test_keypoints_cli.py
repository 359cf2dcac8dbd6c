"""`score --iou-type keypoints`: metrics.json's keypoints_coco_stats equal to pycocotools' stats
(the same doubles) on random files, per-category sigmas from a YAML file, and one clear line
with exit code 1 for every kind of bad keypoint input; `convert` keeps keypoints through COCO."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import error_line, run_ds
from hypothesis import HealthCheck, given, settings
from keypoint_cases import NAMES, Case, cases


def write(path: Path, data: Any) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def pycocotools_stats(gt: Path, dt: Path, sigmas: np.ndarray | None = None) -> np.ndarray:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        g = COCO(str(gt))
        ev = COCOeval(g, g.loadRes(str(dt)), "keypoints")
        if sigmas is not None:
            ev.params.kpt_oks_sigmas = sigmas
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev.stats


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(cases())
def test_stats_equal_pycocotools(tmp_path: Path, case: Case) -> None:
    gt = write(tmp_path / "gt.json", case.gt)
    dt = write(tmp_path / "dt.json", case.results)
    out = tmp_path / "metrics.json"
    done = run_ds("score", "--gt", gt, "--dt", dt, "--iou-type", "keypoints", "--output", out,
                  "--quiet")
    assert done.returncode == 0, done.stderr
    metrics = json.loads(out.read_text())
    want = pycocotools_stats(gt, dt)
    assert np.array_equal(np.array(metrics["keypoints_coco_stats"]), want)
    names = ["AP", "AP50", "AP75", "APm", "APl", "AR", "AR50", "AR75", "ARm", "ARl"]
    assert [metrics[f"keypoints_{n}"] for n in names] == list(want)


def hands(tmp_path: Path) -> tuple[Path, Path]:
    """A five-keypoint category: scored only with sigmas of its own."""
    gt = {"images": [{"id": 1, "file_name": "a.jpg"}],
          "categories": [{"id": 4, "name": "hand", "keypoints": ["a", "b", "c", "d", "e"]}],
          "annotations": [{"id": 1, "image_id": 1, "category_id": 4, "bbox": [0, 0, 40, 40],
                           "area": 1600, "iscrowd": 0, "num_keypoints": 4,
                           "keypoints": [1, 2, 2, 10, 12, 1, 20, 5, 2, 0, 0, 0, 30, 30, 2]}]}
    dt = [{"image_id": 1, "category_id": 4, "score": 0.9,
           "keypoints": [1.5, 2, 1, 11, 12, 1, 21, 6, 1, 9, 9, 1, 28, 31, 1]}]
    return write(tmp_path / "gt.json", gt), write(tmp_path / "dt.json", dt)


def test_sigmas_per_category(tmp_path: Path) -> None:
    gt, dt = hands(tmp_path)
    sigmas = write(tmp_path / "sigmas.yaml", "sigmas:\n  hand: [0.05, 0.04, 0.03, 0.06, 0.07]\n")
    out = tmp_path / "metrics.json"
    done = run_ds("score", "--gt", gt, "--dt", dt, "--iou-type", "keypoints", "--sigmas", sigmas,
                  "--output", out)
    assert done.returncode == 0, done.stderr
    want = pycocotools_stats(gt, dt, np.array([0.05, 0.04, 0.03, 0.06, 0.07]))
    assert np.array_equal(np.array(json.loads(out.read_text())["keypoints_coco_stats"]), want)


def test_other_skeleton_without_sigmas_is_an_error(tmp_path: Path) -> None:
    gt, dt = hands(tmp_path)
    line = error_line(run_ds("score", "--gt", gt, "--dt", dt, "--iou-type", "keypoints"))
    assert line.endswith(f"{gt}: category 'hand' has 5 keypoints, and the default sigmas are "
                         "COCO's 17: give its own in the run config's 'sigmas:'")


@pytest.mark.parametrize(("yaml", "message"), [
    ("sigmas:\n  hand: [0.05, 0.04]\n",
     "{s}:2: sigmas.hand: 2 sigmas, but category 'hand' has 5 keypoints (one sigma each)"),
    ("sigmas:\n  foot: [0.05]\n", "{s}:2: sigmas.foot: no category 'foot' in {gt}"),
    ("sigmas:\n  hand: [0.05, x]\n", "{s}:2: sigmas.hand: expected numbers, got 'x'"),
    ("sigmas:\n  hand: 0.05\n",
     "{s}:2: sigmas.hand: expected a list of numbers (one sigma per keypoint)"),
    ("sigmas: [1, 2]\n", "{s}:1: sigmas: expected a mapping of category name -> list of sigmas"),
])
def test_bad_sigmas(tmp_path: Path, yaml: str, message: str) -> None:
    gt, dt = hands(tmp_path)
    sigmas = write(tmp_path / "sigmas.yaml", yaml)
    done = run_ds("score", "--gt", gt, "--dt", dt, "--iou-type", "keypoints", "--sigmas", sigmas)
    assert done.returncode == 1
    assert error_line(done).endswith(message.format(s=sigmas, gt=gt))


PERSON = {"id": 1, "name": "person", "keypoints": NAMES[:3]}


def gt_with(annotation: dict[str, Any], categories: list[Any] | None = None) -> dict[str, Any]:
    base = {"id": 7, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100,
            "iscrowd": 0}
    return {"images": [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48}],
            "categories": categories or [PERSON],
            "annotations": [{**base, **annotation}]}


@pytest.mark.parametrize(("gt", "message"), [
    (gt_with({"keypoints": [1, 2, 2, 3, 4, 2]}),
     ("{gt}: annotations[0] (id 7): 'keypoints': 2 keypoints, category 1 has 3 (expected 9 "
     "numbers)")),
    (gt_with({"keypoints": [1, 2, 2, 3, 4, 2, 5, 6]}),
     "annotations[0] (id 7): 'keypoints': 8 numbers, not x, y, v for each keypoint"),
    (gt_with({"keypoints": [1, 2, 2, 3, 4, 3, 5, 6, 0]}),
     ("annotations[0] (id 7): 'keypoints': keypoint 2: visibility 3 (expected 0: not labelled, "
     "1: labelled but not visible, 2: visible)")),
    (gt_with({"keypoints": [1, 2, 2, 3, 4, 0.5, 5, 6, 0]}),
     "annotations[0] (id 7): 'keypoints': keypoint 2: visibility 0.5"),
    (('{"images": [{"id": 1}], "categories": [{"id": 1, "name": "p", "keypoints": ["a"]}], '
     '"annotations": [{"id": 7, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], '
     '"keypoints": [1e999, 0, 2]}]}'),
     "annotations[0] (id 7): 'keypoints': not a valid number"),
    (gt_with({"keypoints": [1, 2, 2]}, [{"id": 1, "name": "box"}]),
     "{gt}: annotations[0] (id 7): 'keypoints': category 1 has no keypoint names"),
    (gt_with({"keypoints": "many"}), "annotations[0] (id 7): 'keypoints': expected an array"),
    (gt_with({"num_keypoints": -1}), "annotations[0] (id 7): 'num_keypoints': expected a count"),
    (gt_with({}, [{"id": 1, "name": "p", "keypoints": ["a", 2]}]),
     "categories[0]: 'keypoints': expected a string"),
    (gt_with({}, [{"id": 1, "name": "p", "keypoints": ["a"], "skeleton": [[1, 2, 3]]}]),
     "categories[0]: 'skeleton': expected pairs of keypoint numbers, got more"),
])
def test_bad_ground_truth(tmp_path: Path, gt: Any, message: str) -> None:
    gt_path = write(tmp_path / "gt.json", gt)
    dt = write(tmp_path / "dt.json", [{"image_id": 1, "category_id": 1, "score": 1,
                                       "keypoints": [1, 2, 1] * 3}])
    line = error_line(run_ds("score", "--gt", gt_path, "--dt", dt, "--iou-type", "keypoints"))
    assert str(gt_path) in line and message.format(gt=gt_path) in line


def det(**changes: Any) -> dict[str, Any]:
    return {"image_id": 1, "category_id": 1, "keypoints": [1, 2, 1] * 3, "score": 0.5, **changes}


@pytest.mark.parametrize(("results", "message"), [
    ([det(keypoints=[1, 2, 1] * 2)],
     ("{dt}: detection [0]: 'keypoints': 6 numbers, category 'person' has 3 keypoints (expected "
     "9: x, y, v each)")),
    ([det(), det(keypoints=[1, 2])],
     "detection [1]: 'keypoints': 2 numbers, not x, y, v for each keypoint"),
    ([det(keypoints=[])], "detection [0]: 'keypoints': empty"),
    ([det(), {"image_id": 1, "category_id": 1, "score": 0.5}],
     "detection [1]: missing 'keypoints'"),
    ([det(bbox=[0, 0, 5, 5]), det()],
     "detection [1]: missing 'bbox' (the first detection has one, so every one needs it)"),
    ('[{"image_id": 1, "category_id": 1, "score": 1, "keypoints": [1, 2, 1, 1e999, 0, 1, 0, 0, 0]}]',
     "detection [0]: 'keypoints': not a valid number"),
    ([det(category_id=2)],
     ("{dt}: detection [0]: 'keypoints': category 'box' (id 2) has no keypoint names in the ground "
     "truth")),
])
def test_bad_results(tmp_path: Path, results: Any, message: str) -> None:
    gt = write(tmp_path / "gt.json", {
        "images": [{"id": 1, "file_name": "a.jpg"}],
        "categories": [PERSON, {"id": 2, "name": "box"}], "annotations": []})
    dt = write(tmp_path / "dt.json", results)
    line = error_line(run_ds("score", "--gt", gt, "--dt", dt, "--iou-type", "keypoints"))
    assert message.format(dt=dt) in line


def test_convert_keeps_keypoints(tmp_path: Path) -> None:
    gt = gt_with({"keypoints": [1, 2, 2, 3.5, 4, 1, 0, 0, 0], "num_keypoints": 2},
                 [{**PERSON, "skeleton": [[1, 2], [2, 3]]}, {"id": 2, "name": "box"}])
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.jpg").write_bytes(b"")  # linked, never read (sizes given)
    write(tmp_path / "gt.json", gt)
    write(tmp_path / "dataset.yaml", "format: coco\nannotations: gt.json\nimages: images\n")
    done = run_ds("convert", tmp_path / "dataset.yaml", "--to", "coco", "--output", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    out = json.loads((tmp_path / "out" / "annotations.json").read_text())
    assert out["categories"][0]["keypoints"] == NAMES[:3]
    assert out["categories"][0]["skeleton"] == [[1, 2], [2, 3]]
    assert "keypoints" not in out["categories"][1]
    assert out["annotations"][0]["keypoints"] == [1, 2, 2, 3.5, 4, 1, 0, 0, 0]
    assert out["annotations"][0]["num_keypoints"] == 2
    done = run_ds("convert", tmp_path / "dataset.yaml", "--to", "voc", "--output", tmp_path / "voc")
    assert done.returncode == 0, done.stderr
    assert "note: voc has no keypoints: 1 box is written without its keypoints" in done.stdout
