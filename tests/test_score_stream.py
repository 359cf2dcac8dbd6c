"""`score --stream`: COCO's box metrics from results read a piece at a time and kept as match
records, with the default analyses built image by image beside them (the default path of
`score`), equal the whole-file path's metrics.json byte for byte, and pycocotools' stats,
whether the results are grouped by image (one pass) or not (two passes, bucketed by image); bad
input gets the whole-file path's one line."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest
from conftest import COCO_FIXTURE, REPO, error_line, pycocotools_eval, run_ds

GT_FILE = COCO_FIXTURE / "instances_val2014_100.json"
DT_FILE = COCO_FIXTURE / "instances_val2014_fakebbox100_results.json"


NO_ANALYSES = ("--analyses", "none")


def scored(gt: Path, dt: Path, out: Path, *extra: str, analyses: tuple[str, ...] = NO_ANALYSES) -> tuple[bytes, str]:
    """metrics.json's bytes (and per_class.csv's beside it) and what --verbose said of the path taken."""
    out.parent.mkdir(parents=True, exist_ok=True)
    done = run_ds("score", "--gt", gt, "--dt", dt, "--output", out, *analyses, "--quiet", "--verbose", *extra)
    assert done.returncode == 0, done.stderr
    return out.read_bytes() + (out.parent / "per_class.csv").read_bytes(), done.stderr


def shuffled(src: Path, dst: Path, seed: int) -> Path:
    records = json.loads(src.read_text())
    random.Random(seed).shuffle(records)
    dst.write_text(json.dumps(records))
    return dst


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The bench's generator at 300 images (30,000 detections, grouped by image)."""
    sys.path.insert(0, str(REPO / "bench"))
    from make_coco_eval_data import write

    folder = tmp_path_factory.mktemp("synthetic")
    write(folder, 300, 100, 7)
    return folder / "gt.json", folder / "results.json"


# The analyses a stream can run: the default ones (each image's 100 highest-scoring detections
# and their IoUs, built as the image completes), also at another IoU and score cut.
ANALYSES = {
    "none": NO_ANALYSES,
    "default": (),
    "tide,per_image at 0.7": ("--analyses", "tide,per_image", "--analysis-iou", "0.7", "--score-threshold", "0.3"),
}


@pytest.mark.parametrize("analyses", list(ANALYSES))
@pytest.mark.parametrize("order", ["grouped", "shuffled"])
@pytest.mark.parametrize("which", ["fixture", "synthetic"])
def test_streamed_equals_whole_file(
    tmp_path: Path, synthetic: tuple[Path, Path], order: str, which: str, analyses: str
) -> None:
    gt, dt = (GT_FILE, DT_FILE) if which == "fixture" else synthetic
    if order == "shuffled":
        dt = shuffled(dt, tmp_path / "shuffled.json", 3)
    wanted = ANALYSES[analyses]
    streamed, said = scored(gt, dt, tmp_path / "streamed" / "metrics.json", "--stream", "on", analyses=wanted)
    whole, whole_said = scored(gt, dt, tmp_path / "whole" / "metrics.json", "--stream", "off", analyses=wanted)
    assert ("one pass: grouped by image" if order == "grouped" else "two passes: bucketed by image") in said
    assert "streamed" not in whole_said
    assert streamed == whole
    # The default is the stream.
    auto, auto_said = scored(gt, dt, tmp_path / "auto" / "metrics.json", analyses=wanted)
    assert auto == whole and "streamed" in auto_said
    metrics = json.loads((tmp_path / "streamed" / "metrics.json").read_text())
    assert metrics["coco_stats"] == [float(v) for v in pycocotools_eval(gt, dt).stats]
    if analyses == "default":
        assert {"thresholds", "confusion", "tide", "per_image"} <= metrics.keys()


def test_stream_on_refuses_what_needs_every_detection(tmp_path: Path) -> None:
    for analysis in ("calibration", "f_scores", "label_errors"):
        done = run_ds("score", "--gt", GT_FILE, "--dt", DT_FILE, "--stream", "on", "--analyses", f"tide,{analysis}")
        assert done.returncode != 0
        assert f"--stream on: the {analysis} analysis needs every detection" in error_line(done)
    done = run_ds("score", "--gt", GT_FILE, "--dt", DT_FILE, "--stream", "on", "--export-objects", "x.csv")
    assert "--stream on: --export-objects needs every detection" in error_line(done)
    done = run_ds("score", "--gt", GT_FILE, "--dt", DT_FILE, "--stream", "on", "--analyses", "none", "--metric", "coco,voc")
    assert "--stream on: only --metric coco (boxes) streams" in error_line(done)
    done = run_ds("score", "--gt", GT_FILE, "--dt", DT_FILE, "--stream", "sometimes")
    assert "--stream: expected auto, on or off, got 'sometimes'" in error_line(done)


@pytest.mark.parametrize("bad", ["unknown_image", "syntax", "empty", "missing_score"])
def test_bad_results_get_the_whole_file_message(tmp_path: Path, bad: str) -> None:
    records = json.loads(DT_FILE.read_text())
    text = json.dumps(records)
    if bad == "unknown_image":
        records[len(records) // 2]["image_id"] = 987654321
        text = json.dumps(records)
    elif bad == "syntax":
        cut = text.index("}, {", len(text) // 2)
        text = text[:cut] + "}, {]" + text[cut + 4:]
    elif bad == "empty":
        text = "[]"
    else:
        del records[-1]["score"]
        text = json.dumps(records)
    dt = tmp_path / "bad.json"
    dt.write_text(text)
    lines = []
    for analyses in (NO_ANALYSES, ()):  # the stream with the analyses built beside it, too
        for mode in ("on", "off"):
            done = run_ds("score", "--gt", GT_FILE, "--dt", dt, *analyses, "--stream", mode)
            assert done.returncode == 1
            lines.append(error_line(done))
    assert len(set(lines)) == 1
    assert str(dt) in lines[0]


def test_repeated_annotation_ids_take_the_whole_file_path(tmp_path: Path) -> None:
    # pycocotools then scores each repeated id as the last annotation with it, across images:
    # only the whole evaluation reproduces that, so auto falls back and on refuses.
    gt = json.loads(GT_FILE.read_text())
    gt["annotations"][5]["id"] = gt["annotations"][4]["id"]
    gt_file = tmp_path / "gt.json"
    gt_file.write_text(json.dumps(gt))
    auto, said = scored(gt_file, DT_FILE, tmp_path / "auto" / "metrics.json")
    whole, _ = scored(gt_file, DT_FILE, tmp_path / "whole" / "metrics.json", "--stream", "off")
    assert auto == whole
    assert "streamed" not in said and "annotation ids repeat" in said
    done = run_ds("score", "--gt", gt_file, "--dt", DT_FILE, "--analyses", "none", "--stream", "on")
    assert "--stream on: " in error_line(done) and "repeats annotation ids" in error_line(done)
