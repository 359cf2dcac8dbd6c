"""segm evaluation (`score --iou-type segm`) against pycocotools 2.0.11: the 12 stats and the
per-class precision curves the same doubles, on cocoapi's own fakesegm100 fixture and on random
mask cases (mask_cases.py); bad masks are one clear line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import COCO_FIXTURE, error_line, run_ds
from mask_cases import make_case, pycocotools_segm, write_case

GT_FILE = COCO_FIXTURE / "instances_val2014_100.json"
SEGM_FILE = COCO_FIXTURE / "instances_val2014_fakesegm100_results.json"


def score_segm(gt: Path, dt: Path, out: Path) -> dict[str, Any]:
    done = run_ds("score", "--gt", gt, "--dt", dt, "--iou-type", "segm", "--output", out, "--quiet")
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


def assert_same(ours: dict[str, Any], e: Any) -> None:
    assert ours["segm_coco_stats"] == [float(v) for v in e.stats]
    precision = e.eval["precision"]
    for k, cls in enumerate(ours["segm_pr_curves"]["classes"]):
        assert cls["precision_iou50"] == [float(v) for v in precision[0, :, k, 0, -1]]
        assert cls["precision_iou75"] == [float(v) for v in precision[5, :, k, 0, -1]]


def test_cocoapi_fakesegm_fixture(tmp_path: Path) -> None:
    ours = score_segm(GT_FILE, SEGM_FILE, tmp_path / "m.json")
    assert_same(ours, pycocotools_segm(json.loads(GT_FILE.read_text()), json.loads(SEGM_FILE.read_text())))
    assert ours["segm_AP"] == pytest.approx(0.3195452758576433, abs=0)


@pytest.mark.parametrize("block", range(6))
def test_random_mask_cases(tmp_path: Path, block: int) -> None:
    for seed in range(block * 40, block * 40 + 40):
        gt, results = make_case(seed)
        folder = tmp_path / str(seed)
        folder.mkdir()
        gt_file, dt_file = write_case(folder, gt, results)
        ours = score_segm(gt_file, dt_file, folder / "m.json")
        try:
            assert_same(ours, pycocotools_segm(gt, results))
        except AssertionError:
            pytest.fail(f"seed {seed} differs from pycocotools (case in {folder})")


def test_masks_and_boxes_in_one_run(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    done = run_ds("score", "--gt", GT_FILE, "--dt", SEGM_FILE, "--metric", "coco,coco_segm", "--output", out, "--quiet")
    assert done.returncode == 0, done.stderr
    m = json.loads(out.read_text())
    # Mask results without boxes get their boxes from the masks, as loadRes gives them.
    assert len(m["coco_stats"]) == 12 and len(m["segm_coco_stats"]) == 12
    assert m["coco_stats"] != m["segm_coco_stats"]


def _bad(tmp_path: Path, gt: dict[str, Any], results: list[dict[str, Any]]) -> str:
    gt_file, dt_file = write_case(tmp_path, gt, results)
    done = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--iou-type", "segm")
    assert done.returncode != 0
    return error_line(done)


def test_bad_masks_are_one_line(tmp_path: Path) -> None:
    gt, results = make_case(3)
    rle = {"size": [4, 4], "counts": "0{"}
    line = _bad(tmp_path, gt, [{**results[0], "segmentation": rle}])
    assert "results.json" in line and "'segmentation'" in line and "not one of" in line
    short = {"size": [10, 10], "counts": [5, 5, 5]}
    line = _bad(tmp_path, gt, [{**results[0], "segmentation": short}])
    assert "add up to 15 pixels, not 100" in line
    no_mask = {k: v for k, v in results[0].items() if k not in ("segmentation", "bbox")}
    line = _bad(tmp_path, gt, [no_mask])
    assert "missing 'segmentation'" in line
    gt_no_seg = {**gt, "annotations": [{k: v for k, v in a.items() if k != "segmentation"} for a in gt["annotations"]]}
    if gt_no_seg["annotations"]:
        line = _bad(tmp_path, gt_no_seg, results)
        assert "no 'segmentation'" in line and "annotation id" in line
