"""The slices' bootstrap intervals (`score --slices`, `--slice-bootstrap N`): each slice's AP
over its images resampled with replacement, from the run's own matching. Oracles: pycocotools on
the datasets a sample can be (an image drawn twice is two images with the same boxes)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import error_line, run_ds
from diagnostics_cases import random_case, score


def pycocotools_ap(gt: dict[str, Any], dts: list[dict[str, Any]], folder: Path, name: str) -> float:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gt_file, dt_file = folder / f"{name}-gt.json", folder / f"{name}-dt.json"
    gt_file.write_text(json.dumps(gt))
    dt_file.write_text(json.dumps(dts))
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(gt_file))
        ev = COCOeval(coco, coco.loadRes(str(dt_file)), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return float(ev.stats[0])


def drawn(gt: dict[str, Any], dts: list[dict[str, Any]], ids: list[int]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The dataset of a sample: the images `ids` (repeats allowed), each copy an image of its own."""
    images, anns, results = [], [], []
    for n, i in enumerate(ids):
        new = 10_000 + n
        images.append({**next(im for im in gt["images"] if im["id"] == i), "id": new})
        anns += [{**a, "id": len(anns) + 1 + k, "image_id": new}
                 for k, a in enumerate(a for a in gt["annotations"] if a["image_id"] == i)]
        results += [{**d, "image_id": new} for d in dts if d["image_id"] == i]
    return {**gt, "images": images, "annotations": anns}, results


def two_image_case() -> tuple[dict[str, Any], list[dict[str, Any]], list[int]]:
    for seed in range(300, 400):
        gt, dts = random_case(seed)
        with_truth = sorted({a["image_id"] for a in gt["annotations"] if not a["iscrowd"]}
                            & {d["image_id"] for d in dts})
        if len(with_truth) >= 2:
            return gt, dts, with_truth[:2]
    raise AssertionError("no case with two images holding ground truth and detections")


def write_case(folder: Path, gt: dict[str, Any], dts: list[dict[str, Any]]) -> tuple[Path, Path]:
    gt_file, dt_file = folder / "gt.json", folder / "dt.json"
    gt_file.write_text(json.dumps(gt))
    dt_file.write_text(json.dumps(dts))
    return gt_file, dt_file


def test_intervals_against_the_samples_pycocotools_scores(tmp_path: Path) -> None:
    gt, dts, (a, b) = two_image_case()
    gt_file, dt_file = write_case(tmp_path, gt, dts)
    slices = tmp_path / "slices.yaml"
    slices.write_text(f"one: [{a}]\ntwo: [{a}, {b}]\n")
    metrics = score(gt_file, dt_file, tmp_path / "m.json", "--analyses", "none", "--slices", slices,
                    "--slice-bootstrap", "300")
    one, two = metrics["slices"]["one"], metrics["slices"]["two"]
    # one image: every sample is that image, once; its AP is the slice's, bit for bit
    assert one["AP_ci"] == {"low": one["AP"], "high": one["AP"], "samples": 300}
    assert one["AP"] == pycocotools_ap(*drawn(gt, dts, [a]), tmp_path, "a")
    # two images: each sample is {a, a}, {a, b} or {b, b}; the percentiles lie among their APs
    aa, ab, bb = (pycocotools_ap(*drawn(gt, dts, ids), tmp_path, f"s{n}")
                  for n, ids in enumerate(([a, a], [a, b], [b, b])))
    possible = sorted([aa, ab, bb])
    print("possible sample APs", possible, "interval", two["AP_ci"])
    assert possible[0] <= two["AP_ci"]["low"] <= two["AP_ci"]["high"] <= possible[-1]
    assert two["AP_ci"]["samples"] == 300
    assert two["AP"] == pytest.approx(ab, abs=1e-12)  # {a, b}: the slice itself
    # seeded: the same run gives the same interval
    again = score(gt_file, dt_file, tmp_path / "m2.json", "--analyses", "none", "--slices", slices,
                  "--slice-bootstrap", "300")
    assert again["slices"] == metrics["slices"]
    # described: the slice table shows the interval
    (section,) = [s for s in metrics["schema"]["sections"] if s["id"] == "coco_slices"]
    keys = [c["key"] for c in section["tables"][0]["columns"]]
    assert keys[:4] == ["images", "AP", "AP_ci.low", "AP_ci.high"]


def test_none_and_bad_counts(tmp_path: Path) -> None:
    gt, dts, (a, _) = two_image_case()
    gt_file, dt_file = write_case(tmp_path, gt, dts)
    slices = tmp_path / "slices.yaml"
    slices.write_text(f"one: [{a}]\n")
    metrics = score(gt_file, dt_file, tmp_path / "m.json", "--analyses", "none", "--slices", slices,
                    "--slice-bootstrap", "0")
    assert "AP_ci" not in metrics["slices"]["one"]
    bad = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--slices", slices, "--slice-bootstrap", "x")
    assert bad.returncode == 2 and "--slice-bootstrap" in error_line(bad)
    alone = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--slice-bootstrap", "10")
    assert alone.returncode == 2 and "applies to --slices" in error_line(alone)
