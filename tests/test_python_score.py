"""ds.score: its metrics equal the metrics.json `detection-studio score --output` writes with the
same inputs (bbox, segm, keypoints; every analysis), and Run's views of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import detection_studio as ds
import numpy as np
import pytest
from conftest import COCO_FIXTURE, run_ds
from hypothesis import HealthCheck, given, settings
from keypoint_cases import Case, cases

GT = COCO_FIXTURE / "instances_val2014_100.json"
BBOX = COCO_FIXTURE / "instances_val2014_fakebbox100_results.json"
SEGM = COCO_FIXTURE / "instances_val2014_fakesegm100_results.json"


def cli_metrics(tmp_path: Path, gt: Path, dt: Path, *extra: str) -> dict[str, Any]:
    out = tmp_path / "metrics.json"
    done = run_ds("score", "--gt", gt, "--dt", dt, "--output", out, "--quiet", *extra)
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


@pytest.mark.parametrize(("dt", "iou_type"), [(BBOX, "bbox"), (SEGM, "segm"), (SEGM, "boundary")])
def test_equals_cli(tmp_path: Path, dt: Path, iou_type: str) -> None:
    run = ds.score(str(GT), str(dt), iou_type=iou_type)
    assert run.metrics == cli_metrics(tmp_path, GT, dt, "--iou-type", iou_type)


def test_equals_cli_metrics_and_analyses(tmp_path: Path) -> None:
    run = ds.score(str(GT), str(BBOX), metrics=("coco", "voc"), analyses=["thresholds", "tide"])
    assert run.metrics == cli_metrics(tmp_path, GT, BBOX, "--metric", "coco,voc", "--analyses", "thresholds,tide")
    none = ds.score(str(GT), str(BBOX), analyses=[])
    assert none.metrics == cli_metrics(tmp_path, GT, BBOX, "--analyses", "none")


def test_in_memory_inputs_give_the_same_numbers() -> None:
    by_path = ds.score(str(GT), str(BBOX))
    records = json.loads(BBOX.read_text())
    from detection_studio.coco import COCO

    by_list = ds.score(COCO(str(GT)), records)
    skip = ("ground_truth", "results")
    assert {k: v for k, v in by_list.metrics.items() if k not in skip} == {
        k: v for k, v in by_path.metrics.items() if k not in skip}
    rows = np.array([[r["image_id"], *r["bbox"], r["score"], r["category_id"]] for r in records])
    by_array = ds.score(str(GT), rows)
    assert by_array.stats == by_path.stats
    columns = {"image_id": rows[:, 0], "category_id": rows[:, 6], "bbox": rows[:, 1:5], "score": rows[:, 5]}
    assert ds.score(str(GT), columns).stats == by_path.stats


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(cases())
def test_keypoints_equal_cli(tmp_path: Path, case: Case) -> None:
    gt = tmp_path / "gt.json"
    dt = tmp_path / "dt.json"
    gt.write_text(json.dumps(case.gt))
    dt.write_text(json.dumps(case.results))
    run = ds.score(str(gt), str(dt), iou_type="keypoints")
    assert run.metrics == cli_metrics(tmp_path, gt, dt, "--iou-type", "keypoints")


def test_any_dataset_file_lvis_open_images_and_tracking_equal_cli(tmp_path: Path) -> None:
    """The ground truth as `score --gt` takes it (a dataset.yaml, an LVIS json), the Open Images
    challenge CSV and MOT tracking results: the same metrics.json as the command."""
    import tracking_cases as tc
    from lvis_cases import make_lvis_case, write_lvis_case
    from test_openimages import random_case

    spec = tmp_path / "coco.yaml"
    (tmp_path / "images").mkdir()
    spec.write_text(f"format: coco\nannotations: {GT}\nimages: images\n")
    assert ds.score(spec, BBOX, analyses=[]).metrics == cli_metrics(tmp_path, spec, BBOX, "--analyses", "none")
    loaded = ds.load_dataset(spec)
    assert ds.score(loaded, BBOX, analyses=[]).stats == ds.score(spec, BBOX, analyses=[]).stats

    gt, dt = write_lvis_case(tmp_path / "lvis", *make_lvis_case(3))
    lvis = ds.score(gt, dt, metrics="lvis")
    assert lvis.metrics == cli_metrics(tmp_path, gt, dt, "--metric", "lvis")
    assert lvis.metrics["lvis"]["AP"] > 0

    oid = random_case(4, images=30).write(tmp_path / "oid")
    csv = tmp_path / "oid" / "dets.csv"
    run = ds.score(oid, csv, metrics="openimages", analyses=[])
    assert run.metrics == cli_metrics(tmp_path, oid, csv, "--metric", "openimages", "--analyses", "none")
    assert 0 < run.metrics["openimages"]["mAP"] < 1

    sequences = tc.make_sequences(5, 2, length=30, tracks=5)
    gt_root, data, _ = tc.write_layout(tmp_path / "mot", sequences)
    tracks = ds.score(gt_root, data, metrics="tracking")
    assert tracks.metrics == cli_metrics(tmp_path, gt_root, data, "--metric", "tracking")
    assert 0 < tracks.metrics["tracking"]["HOTA"] < 1 and len(tracks.metrics["tracking"]["sequences"]) == 2
    with pytest.raises(ValueError, match="give it alone"):
        ds.score(gt_root, data, metrics=("tracking", "coco"))
    with pytest.raises(ValueError, match="SEQ-005-00.txt: file not found"):
        ds.score(gt_root, tmp_path, metrics="tracking")


def test_run_views(tmp_path: Path) -> None:
    run = ds.score(str(GT), str(BBOX))
    schema = run.metrics["schema"]["sections"][0]
    headline = [v["key"] for v in schema["values"] if v.get("headline")]
    assert list(run.stats) == headline and all(isinstance(run.stats[k], float) for k in headline)
    table = schema["tables"][0]
    assert run.per_class == run.metrics[table["key"]]
    assert run.per_image and {"image_id", "tp", "fp", "fn"} <= set(run.per_image[0])
    saved = run.save(tmp_path / "out")
    assert json.loads(saved.read_text()) == run.metrics
    # per_class.csv beside it, as `score --output` writes it
    (tmp_path / "cli").mkdir()
    done = run_ds("score", "--gt", GT, "--dt", BBOX, "--output", tmp_path / "cli" / "metrics.json",
                  "--quiet")
    assert done.returncode == 0, done.stderr
    assert (saved.parent / "per_class.csv").read_text() == (tmp_path / "cli" / "per_class.csv").read_text()
    pd = pytest.importorskip("pandas")
    frame = run.to_pandas()
    assert isinstance(frame, pd.DataFrame) and len(frame) == len(run.per_class)
    assert len(run.to_pandas("per_image")) == len(run.per_image)


def test_detections_cross_as_columns_and_equal_the_results_file() -> None:
    from detection_studio import _core

    for dt, iou_type in ((BBOX, "bbox"), (SEGM, "segm")):
        run = ds.score(str(GT), str(dt), iou_type=iou_type, analyses=[])
        columns = run.detection_columns
        n = len(json.loads(dt.read_text()))
        assert columns["image_id"].dtype == np.int64 and columns["bbox"].shape == (n, 4)
        assert columns["score"].dtype == np.float64 and len(columns["category_id"]) == n
        # What the JSON writer makes of the same file's detections (loadRes adds a mask's box).
        read = _core.read_mask_results(str(dt)) if iou_type == "segm" else _core.read_results(str(dt))
        assert run.detections == json.loads(_core.write_results(read))
        assert ("segmentation" in run.detections[0]) == (iou_type == "segm")


def test_report(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = ds.score(str(GT), str(BBOX)).report(tmp_path / "report.html")
    assert path.read_text().lstrip().lower().startswith("<!doctype html")


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="iou_type 'segm' scores the metric 'coco_segm'"):
        ds.score(str(GT), str(SEGM), metrics=("voc",), iou_type="segm")
    with pytest.raises(ValueError, match="unknown type 'mask'"):
        ds.score(str(GT), str(SEGM), iou_type="mask")
    with pytest.raises(ValueError, match="no detections"):
        ds.score(str(GT), [])
    with pytest.raises(TypeError, match="detections: expected"):
        ds.score(str(GT), 3)
    with pytest.raises(TypeError, match="gt: expected"):
        ds.score(3, str(BBOX))
    with pytest.raises(ValueError, match="unknown"):
        ds.score(str(GT), str(BBOX), metrics=("nope",))
