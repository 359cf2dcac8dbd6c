"""The diagnostics of issue 28 from Python: ``ds.score``'s slices and analysis options,
``Run.objects`` / ``export_objects`` and ``Run.export_label_errors`` give what ``score``'s
``--slices``, ``--calibration-*``, ``--f-beta``, ``--export-objects`` and
``--export-label-errors`` give (the command is the oracle: its own outputs are checked against
pycocotools and hotcoco elsewhere); ``evaluate --export-label-errors`` and a run config's
``slice_bootstrap:``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import detection_studio as ds
import pytest
from conftest import REPO, error_line, run_ds
from diagnostics_cases import score, write_case

SEEDS = (200, 203, 207)


def slices_of(gt_file: Path) -> dict[str, Any]:
    ids = [im["id"] for im in json.loads(gt_file.read_text())["images"]]
    return {"first_half": ids[: max(1, len(ids) // 2)], "all": ids, "big": {"objects": {"area": [1024, 1e10]}}}


@pytest.mark.parametrize("seed", SEEDS)
def test_slices_and_analysis_options_equal_the_command(tmp_path: Path, seed: int) -> None:
    gt_file, dt_file = write_case(tmp_path, seed)
    slices = slices_of(gt_file)
    (tmp_path / "slices.yaml").write_text(json.dumps(slices))
    cli = score(gt_file, dt_file, tmp_path / "m.json", "--slices", str(tmp_path / "slices.yaml"),
                "--slice-bootstrap", "40", "--analyses", "calibration,f_scores,thresholds",
                "--calibration-bins", "7", "--calibration-iou", "0.6", "--f-beta", "2",
                "--analysis-iou", "0.55")
    for given in (slices, tmp_path / "slices.yaml"):
        run = ds.score(gt_file, dt_file, analyses=["calibration", "f_scores", "thresholds"], slices=given,
                       slice_bootstrap=40, calibration_bins=7, calibration_iou=0.6, f_beta=2,
                       analysis_iou=0.55)
        for key in ("coco_stats", "slices", "calibration", "f_scores", "thresholds"):
            assert run.metrics[key] == cli[key], key
    assert len(cli["calibration"]["bins"]) == 7
    # without the options, the analyses differ (the options are not ignored)
    plain = ds.score(gt_file, dt_file, analyses=["calibration", "f_scores"])
    assert plain.metrics["calibration"] != cli["calibration"]
    assert "slices" not in plain.metrics


def typed(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The CLI's CSV with the types Run.objects gives (Parquet's)."""
    def cell(k: str, v: str) -> Any:
        if v == "":
            return None
        if k in ("id", "image_id", "category_id") or k.startswith("match@"):
            return int(v)
        if k == "score" or k.startswith("iou@"):
            return float(v)
        return v
    return [{k: cell(k, v) for k, v in r.items()} for r in rows]


@pytest.mark.parametrize("seed", SEEDS)
def test_objects_equal_export_objects(tmp_path: Path, seed: int) -> None:
    gt_file, dt_file = write_case(tmp_path, seed)
    for suffix in ("csv", "parquet"):
        score(gt_file, dt_file, tmp_path / "m.json", "--analyses", "none",
              "--export-objects", str(tmp_path / f"cli.{suffix}"), "--export-iou", "0.5,0.75")
    run = ds.score(gt_file, dt_file, analyses=[])
    cli_csv = (tmp_path / "cli.csv").read_text()
    rows = run.objects(ious=[0.5, 0.75])
    assert rows == typed(list(csv.DictReader(io.StringIO(cli_csv))))
    assert {r["kind"] for r in rows} <= {"gt", "dt"} and rows
    assert "status@0.75" in rows[0] and "iou@0.5" in rows[0]
    for suffix in ("csv", "parquet"):
        written = run.export_objects(tmp_path / f"py.{suffix}", ious=(0.5, 0.75))
        assert written.read_bytes() == (tmp_path / f"cli.{suffix}").read_bytes()
    # the default threshold is the analyses' IoU
    one = ds.score(gt_file, dt_file, analyses=[], analysis_iou=0.75).objects()
    assert "status@0.75" in one[0] and "status@0.5" not in one[0]


@pytest.mark.parametrize("fmt", ["cvat", "labelme"])
def test_export_label_errors_equals_the_command(tmp_path: Path, fmt: str) -> None:
    written = 0
    for seed in SEEDS:
        gt_file, dt_file = write_case(tmp_path, seed)
        images = tmp_path / "images"
        images.mkdir(exist_ok=True)
        for im in json.loads(gt_file.read_text())["images"]:
            (images / im["file_name"]).write_bytes(b"")
        cli_task, py_task = tmp_path / f"cli-{seed}", tmp_path / f"py-{seed}"
        metrics = score(gt_file, dt_file, tmp_path / "m.json", "--analyses", "label_errors",
                        "--score-threshold", "0.3", "--export-label-errors", str(cli_task),
                        "--label-errors-format", fmt, "--images", str(images))
        run = ds.score(gt_file, dt_file, analyses=["label_errors"], score_threshold=0.3)
        count = run.export_label_errors(py_task, format=fmt, images=images)
        assert count == len(metrics["label_errors"]["candidates"])
        cli_files = sorted(p.relative_to(cli_task) for p in cli_task.rglob("*") if p.is_file())
        py_files = sorted(p.relative_to(py_task) for p in py_task.rglob("*") if p.is_file())
        assert cli_files == py_files
        for rel in cli_files:
            assert (py_task / rel).read_bytes() == (cli_task / rel).read_bytes(), rel
        written += count
    assert written > 0  # the cases hold candidates: the comparison compared something


def test_bad_diagnostics_options(tmp_path: Path) -> None:
    gt_file, dt_file = write_case(tmp_path, SEEDS[0])
    with pytest.raises(ValueError, match=r"slices:1: night\.colour: no image has a field 'colour'"):
        ds.score(gt_file, dt_file, slices={"night": {"colour": "red"}})
    with pytest.raises(ValueError, match="slices: no slices"):
        ds.score(gt_file, dt_file, slices={})
    with pytest.raises(ValueError, match="slices: apply to the COCO metrics"):
        ds.score(gt_file, dt_file, metrics="voc", slices={"a": [1]})
    with pytest.raises(ValueError, match="analysis_iou: expected a number above 0, at most 1"):
        ds.score(gt_file, dt_file, analysis_iou=0)
    with pytest.raises(ValueError, match="slice_bootstrap"):
        ds.score(gt_file, dt_file, slices={"a": [1]}, slice_bootstrap=-1)
    run = ds.score(gt_file, dt_file, analyses=[])
    with pytest.raises(ValueError, match="format: unknown format 'yolo'"):
        run.export_label_errors(tmp_path / "t", format="yolo")
    with pytest.raises(ValueError, match="ious: expected a number above 0"):
        run.objects(ious=[0.5, 1.5])
    # a task never goes onto a file that is there
    with pytest.raises(ValueError, match="gt"):
        run.export_label_errors(gt_file)


def demo_config(tmp_path: Path, extra: str) -> Path:
    demo = (REPO / "configs" / "demo.yaml").read_text()
    config = tmp_path / "run.yaml"
    config.write_text(demo.replace("../", str(REPO) + "/").replace("models/", str(REPO / "configs" / "models") + "/")
                      + extra)
    return config


def test_evaluate_exports_and_slice_bootstrap(tmp_path: Path) -> None:
    """evaluate --export-label-errors writes the task; a run config's slice_bootstrap: 0 leaves
    the intervals out; ds.evaluate's Run.objects equals evaluate --export-objects."""
    (tmp_path / "slices.yaml").write_text("first: [1, 2, 3]\n")
    config = demo_config(tmp_path, "slices: slices.yaml\nslice_bootstrap: 0\n")
    done = run_ds("evaluate", config, "--limit", "4", "--output", tmp_path / "out",
                  "--export-objects", tmp_path / "objects.csv",
                  "--export-label-errors", tmp_path / "task", "--label-errors-format", "labelme")
    assert done.returncode == 0, done.stderr
    assert "likely label errors" in done.stderr
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    first = metrics["slices"]["first"]
    assert first["images"] == 3
    assert "AP_ci" not in first, first.keys()
    assert (tmp_path / "task" / "dataset.yaml").exists()
    run = ds.evaluate(config, model=None, limit=4, progress=False)
    assert run.metrics["coco_stats"] == metrics["coco_stats"]
    assert run.objects() == typed(list(csv.DictReader(io.StringIO((tmp_path / "objects.csv").read_text()))))
    count = run.export_label_errors(tmp_path / "py-task", format="labelme")
    for rel in sorted(p.relative_to(tmp_path / "task") for p in (tmp_path / "task").rglob("*") if p.is_file()):
        assert (tmp_path / "py-task" / rel).read_bytes() == (tmp_path / "task" / rel).read_bytes(), rel
    assert count >= 0
    config.write_text(config.read_text().replace("slice_bootstrap: 0\n", "slice_bootstrap: -1\n"))
    done = run_ds("evaluate", config, "--limit", "1", "--output", tmp_path / "out2")
    assert done.returncode == 1
    assert "run.yaml:12: slice_bootstrap: expected 0 (no intervals) or a positive number" in error_line(done)
    config.write_text(config.read_text().replace("slice_bootstrap: -1\n", ""))
    done = run_ds("evaluate", config, "--limit", "2", "--output", tmp_path / "out3", "--shard", "0/2",
                  "--export-label-errors", tmp_path / "task3")
    assert done.returncode == 2
    assert "--export-label-errors applies to a whole local run" in error_line(done)
