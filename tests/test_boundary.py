"""Boundary IoU (`score --iou-type boundary`, `COCOeval(gt, dt, "boundary")`) against
faster-coco-eval 1.8.0's iouType="boundary" (the oracle) on random mask cases
(boundary_cases.py): the 12 stats and the precision curves within 1e-9.

Not bitwise, and not because of the boundaries: faster-coco-eval accumulates precision in its own
C++ and rounds differently from pycocotools' NumPy (a precision of 1.0 where pycocotools has
tp / (tp + fp + eps) = 0.9999999999999998), so its segm stats differ from pycocotools' by up to
2.2e-16 too, on the same cases. Our accumulate is pycocotools' bit for bit (test_masks.py), and
the boundary stats differ from faster-coco-eval's by no more than that (2.2e-16 on 1,800 cases
when this was written); a different boundary or IoU would move them by far more than 1e-9."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from boundary_cases import faster_coco_eval_boundary, make_boundary_case
from conftest import COCO_FIXTURE, error_line, run_ds
from mask_cases import _rle
from mask_cases import write_case as write_files

TOLERANCE = 1e-9


def score_boundary(gt: Path, dt: Path, out: Path, ratio: float | None = None) -> dict[str, Any]:
    extra = [] if ratio is None else ["--boundary-dilation-ratio", str(ratio)]
    done = run_ds("score", "--gt", gt, "--dt", dt, "--iou-type", "boundary", *extra, "--output", out, "--quiet")
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


def assert_close(ours: dict[str, Any], e: Any) -> None:
    assert len(ours["boundary_coco_stats"]) == 12
    assert np.allclose(ours["boundary_coco_stats"], e.stats[:12], rtol=0, atol=TOLERANCE)
    precision = e.eval["precision"]
    for k, cls in enumerate(ours["boundary_pr_curves"]["classes"]):
        assert np.allclose(cls["precision_iou50"], precision[0, :, k, 0, -1], rtol=0, atol=TOLERANCE)
        assert np.allclose(cls["precision_iou75"], precision[5, :, k, 0, -1], rtol=0, atol=TOLERANCE)


def check_seeds(tmp_path: Path, seeds: range, ratio: float | None = None) -> None:
    for seed in seeds:
        gt, results = make_boundary_case(seed, 0.02 if ratio is None else ratio)
        folder = tmp_path / str(seed)
        folder.mkdir()
        gt_file, dt_file = write_files(folder, gt, results)
        ours = score_boundary(gt_file, dt_file, folder / "m.json", ratio)
        try:
            assert_close(ours, faster_coco_eval_boundary(gt, results, 0.02 if ratio is None else ratio))
        except AssertionError:
            pytest.fail(f"seed {seed} differs from faster-coco-eval (case in {folder})")


def test_cocoapi_fakesegm_fixture(tmp_path: Path) -> None:
    # Real COCO polygons and crowd RLE (100 val2014 images) against cocoapi's fake mask results.
    gt_file = COCO_FIXTURE / "instances_val2014_100.json"
    dt_file = COCO_FIXTURE / "instances_val2014_fakesegm100_results.json"
    ours = score_boundary(gt_file, dt_file, tmp_path / "m.json")
    assert_close(ours, faster_coco_eval_boundary(json.loads(gt_file.read_text()), json.loads(dt_file.read_text())))


@pytest.mark.parametrize("block", range(6))
def test_random_cases(tmp_path: Path, block: int) -> None:
    check_seeds(tmp_path, range(block * 50, block * 50 + 50))


@pytest.mark.parametrize("ratio", [0.005, 0.05, 0.1])
def test_random_cases_other_ratios(tmp_path: Path, ratio: float) -> None:
    # 0.005 keeps the dilation at 1 on most images; 0.1 makes it 1 to 42 pixels.
    check_seeds(tmp_path, range(1000, 1040), ratio)


def test_dilation_ties_round_down_as_faster_coco_eval(tmp_path: Path) -> None:
    # 49 x 168: diagonal 175, 0.02 * 175 = 3.5. faster-coco-eval erodes by 3, where the authors'
    # Python round() would give 4: 32 x 24 boxes against themselves moved 1 to 6 pixels tell the two apart.
    gt: dict[str, Any] = {"images": [{"id": 1, "file_name": "a.jpg", "height": 49, "width": 168}],
                          "categories": [{"id": 1, "name": "a"}], "annotations": []}
    results = []
    for n, shift in enumerate(range(1, 7)):
        m = np.zeros((49, 168), np.uint8)
        m[8:40, 2 + n * 27:26 + n * 27] = 1
        gt["annotations"].append({"id": n + 1, "image_id": 1, "category_id": 1, "segmentation": _rle(m),
                                  "area": float(m.sum()), "bbox": [0.0, 0.0, 1.0, 1.0], "iscrowd": 0})
        results.append({"image_id": 1, "category_id": 1, "score": 0.9 - n * 0.1,
                        "segmentation": _rle(np.roll(m, shift, axis=1))})
    gt_file, dt_file = write_files(tmp_path, gt, results)
    ours = score_boundary(gt_file, dt_file, tmp_path / "m.json")
    assert_close(ours, faster_coco_eval_boundary(gt, results))
    three = score_boundary(gt_file, dt_file, tmp_path / "three.json", 3 / 175)
    four = score_boundary(gt_file, dt_file, tmp_path / "four.json", 4 / 175)
    assert ours["boundary_coco_stats"] == three["boundary_coco_stats"] != four["boundary_coco_stats"]


def test_metrics_fields_and_table(tmp_path: Path) -> None:
    gt, results = make_boundary_case(7)
    gt_file, dt_file = write_files(tmp_path, gt, results)
    out = tmp_path / "m.json"
    done = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--metric", "coco_segm,coco_boundary",
                  "--boundary-dilation-ratio", "0.05", "--output", out)
    assert done.returncode == 0, done.stderr
    assert "COCO boundaries (boundary IoU)" in done.stdout and "(dilation ratio 0.05)" in done.stdout
    m = json.loads(out.read_text())
    # each evaluation describes itself: its own section, its values under its prefix
    sections = {s["id"]: s for s in m["schema"]["sections"]}
    assert [v["key"] for v in sections["coco_boundary"]["values"]][:3] == [
        "boundary_AP", "boundary_AP50", "boundary_AP75"]
    assert sections["coco_boundary"]["tables"][0]["key"] == "boundary_per_class"
    assert sections["coco_segm"]["curves"][0]["key"] == "segm_pr_curves"
    # the analyses explain the first metric (segm): they match masks
    assert "mask IoU" in sections["thresholds"]["meaning"]
    for prefix in ("segm_", "boundary_"):
        assert len(m[prefix + "coco_stats"]) == 12
        assert m[prefix + "AP"] == m[prefix + "coco_stats"][0]
        assert {"per_class", "pr_curves"} <= {k[len(prefix):] for k in m if k.startswith(prefix)}
    assert_close(m, faster_coco_eval_boundary(gt, results, 0.05))


def test_python_drop_in(tmp_path: Path) -> None:
    from detection_studio.coco import COCO, COCOeval

    for seed in range(300, 315):
        ratio = 0.02 if seed % 3 else 0.05
        gt, results = make_boundary_case(seed, ratio)
        gt_file, _ = write_files(tmp_path, gt, results)
        with contextlib.redirect_stdout(io.StringIO()):
            coco = COCO(gt_file)
            ev = COCOeval(coco, coco.loadRes(json.loads(json.dumps(results))), "boundary",
                          boundary_dilation_ratio=ratio)
            assert ev.params.boundary_dilation_ratio == ratio
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
        oracle = faster_coco_eval_boundary(gt, results, ratio)
        assert np.allclose(ev.stats, oracle.stats[:12], rtol=0, atol=TOLERANCE), seed
        for key in ("precision", "recall"):
            assert np.allclose(ev.eval[key], oracle.eval[key], rtol=0, atol=TOLERANCE), (seed, key)


def test_python_bad_ratio(tmp_path: Path) -> None:
    from detection_studio.coco import COCO, COCOeval

    gt, results = make_boundary_case(1)
    gt_file, _ = write_files(tmp_path, gt, results)
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(gt_file)
        ev = COCOeval(coco, coco.loadRes(results), "boundary")
        ev.boundary_dilation_ratio = 1.5  # faster-coco-eval's attribute: the same as params'
        assert ev.params.boundary_dilation_ratio == 1.5
        with pytest.raises(ValueError, match="boundary_dilation_ratio: expected a number above 0 and below 1"):
            ev.evaluate()


@pytest.mark.parametrize("value", ["0", "1", "-0.1", "abc", "nan", "0.02x"])
def test_bad_ratio_is_one_line(tmp_path: Path, value: str) -> None:
    gt, results = make_boundary_case(1)
    gt_file, dt_file = write_files(tmp_path, gt, results)
    done = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--iou-type", "boundary",
                  "--boundary-dilation-ratio", value)
    assert done.returncode == 1
    assert error_line(done).endswith(
        f"--boundary-dilation-ratio: expected a number above 0 and below 1 (a share of the image diagonal), got '{value}'")


def test_ratio_without_boundary_is_a_usage_error(tmp_path: Path) -> None:
    gt, results = make_boundary_case(1)
    gt_file, dt_file = write_files(tmp_path, gt, results)
    done = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--iou-type", "segm", "--boundary-dilation-ratio", "0.1")
    assert done.returncode == 2
    assert "--boundary-dilation-ratio applies to boundary IoU: add --iou-type boundary" in done.stderr


@pytest.mark.parametrize(("lines", "message"), [
    ("iou_type: boundary\nboundary_dilation_ratio: 0", "run.yaml:5: boundary_dilation_ratio: expected a number above 0 and below 1"),
    ("iou_type: boundary\nboundary_dilation_ratio: 1.0", "run.yaml:5: boundary_dilation_ratio: expected a number above 0 and below 1"),
    ("iou_type: boundary\nboundary_dilation_ratio: wide", "run.yaml:5: boundary_dilation_ratio: expected a number, got 'wide'"),
    ("iou_type: segm\nboundary_dilation_ratio: 0.05", "run.yaml:5: boundary_dilation_ratio: applies to boundary IoU"),
    ("iou_type: [bbox, edge]", "run.yaml:4: iou_type: unknown type 'edge' (bbox, segm, boundary, keypoints)"),
])
def test_bad_run_config_is_one_line(tmp_path: Path, lines: str, message: str) -> None:
    # merge reads the run config first (the light front, no model loaded).
    run = tmp_path / "run.yaml"
    run.write_text("dataset: {format: coco, annotations: gt.json, images: images}\nmodel: run.yaml\n"
                   "output: out\n" + lines + "\n")
    done = run_ds("merge", run, tmp_path)
    assert done.returncode == 1
    assert message in error_line(done)
