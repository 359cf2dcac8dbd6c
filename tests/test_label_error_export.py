"""score --export-label-errors: the likely label errors as a CVAT / LabelMe task to fix them in,
read back with our own readers (convert to COCO): every candidate is there, as a box labelled
'suspect <type>: <class>' at its detection's place, beside the images' ground truth as it was."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import error_line, run_ds
from diagnostics_cases import score, write_case


def case_with_images(folder: Path, seed: int) -> tuple[Path, Path, Path]:
    gt_file, dt_file = write_case(folder, seed)
    images = folder / "images"
    images.mkdir(exist_ok=True)
    for im in json.loads(gt_file.read_text())["images"]:
        (images / im["file_name"]).write_bytes(b"")  # linked, never read: sizes are in the records
    return gt_file, dt_file, images


def read_back(task: Path, tmp: Path) -> dict[str, Any]:
    """The written task through our reader, as COCO."""
    out = tmp / f"back-{task.name}"
    done = run_ds("convert", task / "dataset.yaml", "--to", "coco", "--output", out)
    assert done.returncode == 0, done.stderr
    back: dict[str, Any] = json.loads((out / "annotations.json").read_text())
    return back


@pytest.mark.parametrize("fmt", ["cvat", "labelme"])
def test_candidates_are_in_the_task(tmp_path: Path, fmt: str) -> None:
    seen = 0
    for seed in (200, 203, 207):
        gt_file, dt_file, images = case_with_images(tmp_path, seed)
        task = tmp_path / f"task-{fmt}-{seed}"
        metrics = score(gt_file, dt_file, tmp_path / f"m{seed}.json", "--analyses", "label_errors",
                        "--score-threshold", "0.3", "--export-label-errors", str(task),
                        "--label-errors-format", fmt, "--images", str(images))
        candidates = metrics["label_errors"]["candidates"]
        if not candidates:
            assert not (task / "dataset.yaml").exists() or read_back(task, tmp_path)["images"] == []
            continue
        gt = json.loads(gt_file.read_text())
        dts = json.loads(dt_file.read_text())
        back = read_back(task, tmp_path)
        names = {c["id"]: c["name"] for c in back["categories"]}
        by_file = {im["file_name"]: im for im in gt["images"]}
        image_of = {im["id"]: Path(im["file_name"]).name for im in back["images"]}
        # the images with a candidate, and nothing else
        assert sorted(image_of.values()) == sorted(
            {by_file_name(gt, c["image_id"]) for c in candidates})
        suspects = [a for a in back["annotations"] if names[a["category_id"]].startswith("suspect ")]
        want = sorted((by_file_name(gt, c["image_id"]),
                       f"suspect {c['type']}: {c['dt_category']}",
                       [round(v, 6) for v in dts[c["dt_id"] - 1]["bbox"]]) for c in candidates)
        got = sorted((image_of[a["image_id"]], names[a["category_id"]],
                      [round(v, 6) for v in a["bbox"]]) for a in suspects)
        assert got == want, seed
        # the ground truth of those images, every box with its class
        flagged = {c["image_id"] for c in candidates}
        want_gt = sorted((by_file_name(gt, a["image_id"]), f"c{a['category_id']}",
                          [round(v, 6) for v in a["bbox"]])
                         for a in gt["annotations"] if a["image_id"] in flagged)
        got_gt = sorted((image_of[a["image_id"]], names[a["category_id"]],
                         [round(v, 6) for v in a["bbox"]])
                        for a in back["annotations"] if not names[a["category_id"]].startswith("suspect "))
        assert got_gt == want_gt, seed
        assert all(by_file[f]["width"] == 200 for f in image_of.values())
        seen += len(candidates)
    assert seen > 5


def by_file_name(gt: dict[str, Any], image_id: int) -> str:
    return next(im["file_name"] for im in gt["images"] if im["id"] == image_id)


def test_bad_exports_are_one_line(tmp_path: Path) -> None:
    gt_file, dt_file, _ = case_with_images(tmp_path, 200)
    base = ["score", "--gt", gt_file, "--dt", dt_file, "--quiet"]
    onto_input = run_ds(*base, "--export-label-errors", dt_file)
    assert onto_input.returncode == 1 and "is the --dt file" in error_line(onto_input)
    other = tmp_path / "notes.txt"
    other.write_text("mine")
    a_file = run_ds(*base, "--export-label-errors", other)
    assert a_file.returncode == 1 and "is not a folder" in error_line(a_file)
    assert other.read_text() == "mine"
    unknown = run_ds(*base, "--export-label-errors", tmp_path / "t", "--label-errors-format", "voc")
    assert unknown.returncode == 2 and "--label-errors-format" in error_line(unknown)
    alone = run_ds(*base, "--label-errors-format", "cvat")
    assert alone.returncode == 2 and "applies to --export-label-errors" in error_line(alone)
    no_images = run_ds(*base, "--score-threshold", "0.1", "--export-label-errors", tmp_path / "t2")
    assert no_images.returncode == 1 and "--images" in error_line(no_images)
    assert not (tmp_path / "t2").exists()
