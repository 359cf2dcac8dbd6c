"""`detection-studio evaluate`: the demo end to end, model swapping, and every bad input."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import pty
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import BIN, REPO, error_line, pycocotools_eval, run_ds

DEMO = REPO / "configs" / "demo.yaml"
MODELS = REPO / "configs" / "models"


def pycocotools_stats(gt_file: Path, results_file: Path, img_ids: list[int]) -> list[float]:
    return [float(x) for x in pycocotools_eval(gt_file, results_file, img_ids).stats]


@pytest.fixture(scope="module")
def demo_run(shapes_val: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    result = run_ds("evaluate", DEMO, "--output", out)
    assert result.returncode == 0, result.stderr
    return out


def test_demo_metrics_equal_pycocotools_and_reach_ap50(demo_run: Path, shapes_val: Path) -> None:
    metrics = json.loads((demo_run / "metrics.json").read_text())
    gt_file = shapes_val / "annotations" / "instances_val.json"
    all_ids = [im["id"] for im in json.loads(gt_file.read_text())["images"]]
    expected = pycocotools_stats(gt_file, demo_run / "detections.json", all_ids)
    assert metrics["coco_stats"] == expected  # bit for bit
    assert metrics["AP50"] >= 0.80
    # Every COCO size range has ground truth, so APs/APm/APl mean something.
    assert all(metrics[k] > -1 for k in ("APs", "APm", "APl"))
    assert metrics["images"] == len(all_ids)
    assert {c["name"] for c in metrics["per_class"]} >= {"circle", "square", "triangle"}


def test_swapping_to_the_torchscript_model_gives_the_same_metrics(
    demo_run: Path, tmp_path: Path
) -> None:
    result = run_ds("evaluate", DEMO, "--model", MODELS / "shapes-fcos-torchscript.yaml",
                    "--output", tmp_path)
    assert result.returncode == 0, result.stderr
    a = json.loads((demo_run / "metrics.json").read_text())
    b = json.loads((tmp_path / "metrics.json").read_text())
    assert a["coco_stats"] == b["coco_stats"]
    assert b["model_config"].endswith("shapes-fcos-torchscript.yaml")


def test_limit_scores_only_the_images_it_ran(shapes_val: Path, tmp_path: Path) -> None:
    objects = tmp_path.parent / f"{tmp_path.name}-objects.csv"
    result = run_ds("evaluate", DEMO, "--limit", "5", "--output", tmp_path,
                    "--export-objects", objects, "--export-iou", "0.5,0.75")
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    gt_file = shapes_val / "annotations" / "instances_val.json"
    first5 = [im["id"] for im in json.loads(gt_file.read_text())["images"][:5]]
    assert metrics["images"] == 5
    assert metrics["coco_stats"] == pycocotools_stats(gt_file, tmp_path / "detections.json", first5)
    # --export-objects: score's records (tests/test_export_objects.py) of the run's own
    # detections.json, for the images it ran; detection ids are positions in that file
    scored = tmp_path.parent / f"{tmp_path.name}-scored.csv"
    result = run_ds("score", "--gt", gt_file, "--dt", tmp_path / "detections.json", "--quiet",
                    "--analyses", "none", "--export-objects", scored, "--export-iou", "0.5,0.75")
    assert result.returncode == 0, result.stderr
    with objects.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with scored.open(newline="", encoding="utf-8") as f:
        want = [r for r in csv.DictReader(f) if int(r["image_id"]) in first5]
    assert rows == want
    assert {r["status@0.5"] for r in rows} >= {"TP", "FP"}


def test_progress_bar_on_a_terminal_and_quiet_in_a_pipe(shapes_val: Path, tmp_path: Path) -> None:
    piped = run_ds("evaluate", DEMO, "--limit", "3", "--output", tmp_path / "a")
    assert piped.returncode == 0
    assert "img/s" not in piped.stderr
    # On a terminal (a pty for stderr) the bar shows images/s and an ETA.
    leader, follower = pty.openpty()
    proc = subprocess.run(
        [str(BIN / "detection-studio"), "evaluate", str(DEMO), "--limit", "3",
         "--output", str(tmp_path / "b")],
        check=False, stdout=subprocess.DEVNULL, stderr=follower, timeout=600,
    )
    os.close(follower)
    chunks = []
    with contextlib.suppress(OSError):
        while data := os.read(leader, 65536):
            chunks.append(data)
    os.close(leader)
    shown = b"".join(chunks).decode(errors="replace")
    assert proc.returncode == 0
    assert "img/s" in shown and "ETA" in shown and "3/3" in shown


# ---- bad input: one line naming the file and the key, exit code 1, nothing half-written ----


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def run_config(tmp: Path, *, dataset: str | None = None, model: str | None = None) -> Path:
    ann = REPO / "datasets" / "shapes" / "annotations" / "instances_val.json"
    images = REPO / "datasets" / "shapes" / "val"
    dataset = dataset or f"{{format: coco, annotations: {ann}, images: {images}}}"
    model = model or str(MODELS / "shapes-fcos.yaml")
    return write(tmp / "run.yaml", f"dataset: {dataset}\nmodel: {model}\noutput: out\n")


def copy_model(tmp: Path, **replace: str) -> Path:
    """The demo model's config and files, copied, with some lines replaced."""
    for f in MODELS.iterdir():
        if f.suffix in {".pt", ".names"}:
            shutil.copy(f, tmp / f.name)
    text = (MODELS / "shapes-fcos.yaml").read_text()
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return write(tmp / "model.yaml", text)


def test_missing_run_config(tmp_path: Path) -> None:
    result = run_ds("evaluate", tmp_path / "nope.yaml")
    assert result.returncode == 1
    assert error_line(result).endswith("nope.yaml: file not found")


def test_run_config_that_is_not_yaml(tmp_path: Path) -> None:
    cfg = write(tmp_path / "bad.yaml", "dataset: {format: coco\nmodel: [\n")
    result = run_ds("evaluate", cfg)
    assert result.returncode == 1
    assert f"{cfg}:" in error_line(result) and "invalid YAML" in error_line(result)


def test_run_config_without_dataset(tmp_path: Path) -> None:
    cfg = write(tmp_path / "run.yaml", "model: x.yaml\n")
    result = run_ds("evaluate", cfg)
    assert result.returncode == 1
    assert error_line(result) == f"detection-studio: error: {cfg}:1: dataset: missing"


@pytest.mark.parametrize(
    ("dataset", "expected"),
    [
        ("{format: coco, annotations: missing.json, images: .}",
         "dataset.annotations: file not found"),
        ("{format: coco, annotations: run.yaml, images: no_such_dir}",
         "dataset.images: folder not found"),
        ("{format: pascal, annotations: run.yaml, images: .}",
         "dataset.format: unknown dataset format 'pascal'"),
    ],
)
def test_bad_dataset_spec(tmp_path: Path, dataset: str, expected: str) -> None:
    cfg = run_config(tmp_path, dataset=dataset)
    result = run_ds("evaluate", cfg)
    assert result.returncode == 1
    line = error_line(result)
    assert line.startswith(f"detection-studio: error: {cfg}:1: ") and expected in line


def test_malformed_annotations_json_names_line_and_column(tmp_path: Path) -> None:
    ann = write(tmp_path / "ann.json", '{"images": [\n  {"id": 1, "file_name": "a.jpg"},,\n]}')
    cfg = run_config(tmp_path, dataset=f"{{format: coco, annotations: {ann}, images: .}}")
    result = run_ds("evaluate", cfg)
    assert result.returncode == 1
    assert f"{ann}:2:35: invalid JSON" in error_line(result)


def test_missing_model_config(tmp_path: Path) -> None:
    cfg = run_config(tmp_path, model="models/none.yaml")
    result = run_ds("evaluate", cfg)
    assert result.returncode == 1
    assert error_line(result).endswith(f"{cfg}:2: model: file not found: {tmp_path}/models/none.yaml")


def test_model_given_with_option_that_does_not_exist(tmp_path: Path) -> None:
    result = run_ds("evaluate", run_config(tmp_path), "--model", tmp_path / "m.yaml")
    assert result.returncode == 1
    assert f"{tmp_path}/m.yaml: model config not found (--model)" in error_line(result)


def test_model_config_without_module(tmp_path: Path) -> None:
    model = write(tmp_path / "m.yaml", "classes: x.names\n")
    result = run_ds("evaluate", run_config(tmp_path, model=str(model)))
    assert result.returncode == 1
    assert error_line(result).endswith(f"{model}:1: module: missing")


def test_model_module_that_cannot_be_imported(tmp_path: Path) -> None:
    model = copy_model(tmp_path, **{"module: pytorch_detect": "module: no_such_inferencer"})
    result = run_ds("evaluate", run_config(tmp_path, model=str(model)))
    assert result.returncode == 1
    assert f"{model}: module: cannot import 'detection_studio.no_such_inferencer'" in error_line(
        result
    )


@pytest.mark.parametrize(
    ("replace", "file_name", "key"),
    [
        ({"weights: shapes_fcos.pt": "weights: gone.pt"}, "gone.pt", "weights"),
        ({"classes: shapes.names": "classes: gone.names"}, "gone.names", "classes"),
    ],
)
def test_model_files_missing(tmp_path: Path, replace: dict[str, str], file_name: str,
                             key: str) -> None:
    model = copy_model(tmp_path, **replace)
    result = run_ds("evaluate", run_config(tmp_path, model=str(model)))
    assert result.returncode == 1
    line = error_line(result)
    assert file_name in line and key in line


def test_corrupt_weights_file(tmp_path: Path) -> None:
    model = copy_model(tmp_path)
    (tmp_path / "shapes_fcos.pt").write_bytes(b"not a checkpoint")
    result = run_ds("evaluate", run_config(tmp_path, model=str(model)))
    assert result.returncode == 1
    assert "shapes_fcos.pt" in error_line(result)


def test_python_exception_is_one_line_and_verbose_shows_the_traceback(tmp_path: Path) -> None:
    # A builder that raises: a plain Python error inside the inferencer.
    model = copy_model(tmp_path, **{"args: {num_classes: 6}": "args: {num_classes: -3}"})
    result = run_ds("evaluate", run_config(tmp_path, model=str(model)))
    assert result.returncode == 1
    assert str(model) in error_line(result)
    verbose = run_ds("evaluate", run_config(tmp_path, model=str(model)), "--verbose")
    assert verbose.returncode == 1
    assert "Traceback" in verbose.stderr


def test_bad_limit_is_a_usage_error(tmp_path: Path) -> None:
    result = run_ds("evaluate", run_config(tmp_path), "--limit", "many")
    assert result.returncode == 2
    assert "--limit: expected an integer, got 'many'" in result.stderr


def test_a_failed_run_leaves_earlier_outputs_intact(shapes_val: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_ds("evaluate", DEMO, "--limit", "2", "--output", out).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    model = copy_model(tmp_path, **{"weights: shapes_fcos.pt": "weights: gone.pt"})
    failed = run_ds("evaluate", DEMO, "--model", model, "--output", out)
    assert failed.returncode == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
