"""Slices of the objects (`objects:` rules in SLICES.yaml): each slice's 12 COCO numbers and
per-class AP against pycocotools (the oracle) with the ground truth outside the slice ignored and
the detections outside it given an area outside every range, so that pycocotools ignores them
unless they match, exactly as it treats objects outside an area range."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import error_line, pycocotools_eval, run_ds
from diagnostics_cases import random_case, score

TOLERANCE = 1e-12

SLICES: dict[str, dict[str, Any]] = {
    "small": {"area": [0, 1500]},
    "tall": {"aspect": [1.2, 100]},
    "wide": {"width": [30, 200]},
    "mid": {"height": [10, 60], "area": [200, 4000]},
    "not_crowd": {"iscrowd": False},
}


def box_fields(bbox: list[float], area: float) -> dict[str, float]:
    w, h = bbox[2], bbox[3]
    return {"area": area, "width": w, "height": h, "aspect": h / w if w > 0 else float("inf")}


def inside(rules: dict[str, Any], record: dict[str, Any], detection: bool) -> bool:
    fields = box_fields(record["bbox"], record["area"])
    for name, want in rules.items():
        if name == "iscrowd":
            if detection:
                continue  # a flag of the ground truth: detections have none
            if bool(record.get("iscrowd", 0)) != want:
                return False
        elif not want[0] <= fields[name] <= want[1]:
            return False
    return True


def pycocotools_slice(gt_file: Path, dt_file: Path, rules: dict[str, Any],
                      img_ids: list[int] | None = None, iou_type: str = "bbox") -> Any:
    from pycocotools.cocoeval import COCOeval

    class SliceEval(COCOeval):  # type: ignore[misc]
        def _prepare(self) -> None:
            super()._prepare()
            for gts in self._gts.values():
                for g in gts:
                    g["ignore"] = g["ignore"] or not inside(rules, g, False)
            for dts in self._dts.values():
                for d in dts:
                    if not inside(rules, d, True):
                        d["area"] = -1.0  # outside every area range: ignored unless matched

    return pycocotools_eval(gt_file, dt_file, img_ids, SliceEval, iou_type)


def per_class_ap(ev: Any) -> dict[int, float]:
    out = {}
    for k, cat in enumerate(ev.params.catIds):
        p = ev.eval["precision"][:, :, k, 0, -1]
        out[cat] = float(np.mean(p[p > -1])) if (p > -1).any() else -1.0
    return out


def test_object_slices_equal_pycocotools(tmp_path: Path) -> None:
    import yaml

    worst, compared, changed = 0.0, 0, 0
    for seed in range(500, 512):
        gt, dts = random_case(seed)
        gt_file, dt_file = tmp_path / f"gt{seed}.json", tmp_path / f"dt{seed}.json"
        gt_file.write_text(json.dumps(gt))
        dt_file.write_text(json.dumps(dts))
        slices = tmp_path / f"slices{seed}.yaml"
        spec: dict[str, Any] = {name: {"objects": rules} for name, rules in SLICES.items()}
        first = gt["images"][0]["id"]
        spec["one_image_small"] = {"id": first, "objects": SLICES["small"]}
        slices.write_text(yaml.safe_dump(spec))
        metrics = score(gt_file, dt_file, tmp_path / f"m{seed}.json", "--analyses", "none",
                        "--slices", slices, "--slice-bootstrap", "0")
        for name, rules in [*SLICES.items(), ("one_image_small", SLICES["small"])]:
            ev = pycocotools_slice(gt_file, dt_file, rules, [first] if name == "one_image_small" else None)
            ours = metrics["slices"][name]
            changed += ours["coco_stats"] != metrics["coco_stats"]  # the slice does something
            for a, b in zip(ours["coco_stats"], ev.stats, strict=True):
                worst = max(worst, abs(a - float(b)))
            want = per_class_ap(ev)
            counted = {}  # the slice's ground truth per class (not crowd), on its images
            for g in gt["annotations"]:
                if (not g["iscrowd"] and inside(rules, g, False)
                        and (name != "one_image_small" or g["image_id"] == first)):
                    counted[g["category_id"]] = counted.get(g["category_id"], 0) + 1
            for row in ours["per_class"]:
                worst = max(worst, abs(row["AP"] - want[row["category_id"]]))
                assert row["gt"] == counted.get(row["category_id"], 0), (name, row)
            compared += 1
    # the bootstrap resamples the slice's own matching: one image drawn every time is its AP
    again = score(gt_file, dt_file, tmp_path / "again.json", "--analyses", "none", "--slices", slices,
                  "--slice-bootstrap", "50")
    one = again["slices"]["one_image_small"]
    assert one["AP_ci"]["low"] == one["AP_ci"]["high"] == one["AP"] or (one["AP"] == -1 and one["AP_ci"]["samples"] == 0)
    assert again["slices"]["small"]["AP"] == metrics["slices"]["small"]["AP"]
    print(f"{compared} object slices ({changed} differ from the whole run), largest difference {worst:.3g}")
    assert worst <= TOLERANCE and changed > compared * 2 // 3


def test_object_slices_segm_equal_pycocotools(tmp_path: Path) -> None:
    """Masks: an object's area is its mask's (the ground truth's `area` field; a detection's
    mask area, as pycocotools' loadRes sets it), its width / height / aspect its box's."""
    import yaml
    from mask_cases import make_case

    rules_by_name = {"small": {"area": [0, 400]}, "wide": {"width": [20, 200]}, "tall": {"aspect": [1.1, 100]}}
    worst, compared, changed = 0.0, 0, 0
    for seed in range(600, 612):
        gt, dts = make_case(seed)
        gt_file, dt_file = tmp_path / f"gt{seed}.json", tmp_path / f"dt{seed}.json"
        gt_file.write_text(json.dumps(gt))
        dt_file.write_text(json.dumps(dts))
        slices = tmp_path / f"slices{seed}.yaml"
        slices.write_text(yaml.safe_dump({name: {"objects": r} for name, r in rules_by_name.items()}))
        metrics = score(gt_file, dt_file, tmp_path / f"m{seed}.json", "--iou-type", "segm", "--analyses", "none",
                        "--slices", slices, "--slice-bootstrap", "0")
        for name, rules in rules_by_name.items():
            ev = pycocotools_slice(gt_file, dt_file, rules, iou_type="segm")
            ours = metrics["segm_slices"][name]  # the segm metric's sections are prefixed
            changed += ours["coco_stats"] != metrics["segm_coco_stats"]
            for a, b in zip(ours["coco_stats"], ev.stats, strict=True):
                worst = max(worst, abs(a - float(b)))
            compared += 1
    print(f"{compared} segm object slices ({changed} differ from the whole run), largest difference {worst:.3g}")
    assert worst <= TOLERANCE and changed > compared // 2


@pytest.mark.parametrize(("objects", "expected"), [
    ("{colour: red}", "colour: not a field of an object (known: area, width"),
    ("{area: big}", "area: expected a number or a range"),
    ("{truncated: 3}", "truncated: expected true or false"),
    ("{}", "objects: an empty mapping"),
    ("[1, 2]", "objects: expected a mapping"),
])
def test_bad_object_rules_are_one_line(tmp_path: Path, objects: str, expected: str) -> None:
    gt, dts = random_case(3)
    gt_file, dt_file = tmp_path / "gt.json", tmp_path / "dt.json"
    gt_file.write_text(json.dumps(gt))
    dt_file.write_text(json.dumps(dts))
    slices = tmp_path / "slices.yaml"
    slices.write_text(f"s:\n  objects: {objects}\n")
    done = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--slices", slices)
    assert done.returncode == 1, done.stderr
    line = error_line(done)
    assert f"{slices}:2: s." in line and expected in line, line
