"""LVIS: the dataset fields (read, written back by convert, checked) and `--metric lvis` /
`lvis_segm` against lvis-api 0.5.3's LVISEval (the oracle) on random federated cases."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import error_line, run_ds
from lvis_cases import lvis_oracle, make_lvis_case, write_lvis_case

KEYS = ["AP", "AP50", "AP75", "APs", "APm", "APl", "APr", "APc", "APf",
        "AR@300", "ARs@300", "ARm@300", "ARl@300"]


def score_lvis(gt: Path, dt: Path, out: Path, *extra: str) -> dict[str, Any]:
    r = run_ds("score", "--gt", gt, "--dt", dt, "--metric", "lvis", "--analyses", "none",
               "--output", out, "--quiet", *extra)
    assert r.returncode == 0, r.stderr
    return json.loads(out.read_text())


def compare(tmp_path: Path, seeds: range, segm: bool) -> float:
    worst = 0.0
    for seed in seeds:
        gt, results = make_lvis_case(seed, segm=segm)
        folder = tmp_path / str(seed)
        gt_file, dt_file = write_lvis_case(folder, gt, results)
        expected = lvis_oracle(gt_file, dt_file, "segm" if segm else "bbox")
        got = score_lvis(gt_file, dt_file, folder / "m.json", *(["--iou-type", "segm"] if segm else []))
        ours = got["lvis_segm" if segm else "lvis"]
        assert list(expected["results"]) == KEYS
        for key in KEYS:
            diff = abs(ours[key] - expected["results"][key])
            worst = max(worst, diff)
            assert diff <= 1e-12, (seed, key, ours[key], expected["results"][key])
        per_class = {row["category_id"]: row["AP"] for row in ours["per_class"]}
        assert per_class.keys() == expected["per_class"].keys()
        for cat, ap in expected["per_class"].items():
            worst = max(worst, abs(per_class[cat] - ap))
            assert abs(per_class[cat] - ap) <= 1e-12, (seed, cat, per_class[cat], ap)
    return worst


def test_lvis_bbox_equals_lvis_api(tmp_path: Path) -> None:
    assert compare(tmp_path, range(160), segm=False) <= 1e-12


def test_lvis_segm_equals_lvis_api(tmp_path: Path) -> None:
    assert compare(tmp_path, range(1000, 1050), segm=True) <= 1e-12


def tiny_lvis() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Two images, three categories: 1 present on both, 2 verified absent on image 1,
    3 not exhaustively annotated on image 2."""
    cats = [{"id": 1, "name": "cup", "frequency": "f", "synset": "cup.n.01", "image_count": 300,
             "instance_count": 900, "synonyms": ["cup"], "def": "a small open container"},
            {"id": 2, "name": "mug", "frequency": "c", "synset": "mug.n.04", "image_count": 40,
             "instance_count": 80, "synonyms": ["mug"], "def": "with a handle"},
            {"id": 3, "name": "saucer", "frequency": "r", "synset": "saucer.n.02",
             "image_count": 5, "instance_count": 7, "synonyms": ["saucer"], "def": "a plate"}]
    images = [{"id": 1, "file_name": "1.jpg", "width": 64, "height": 48, "neg_category_ids": [2],
               "not_exhaustive_category_ids": [], "coco_url": "http://x/1.jpg"},
              {"id": 2, "file_name": "2.jpg", "width": 64, "height": 48, "neg_category_ids": [],
               "not_exhaustive_category_ids": [3], "coco_url": "http://x/2.jpg"}]
    anns = [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 10, 10], "area": 100},
            {"id": 2, "image_id": 2, "category_id": 1, "bbox": [20, 20, 10, 10], "area": 100},
            {"id": 3, "image_id": 2, "category_id": 3, "bbox": [5, 5, 20, 20], "area": 400}]
    dts = [{"image_id": 1, "category_id": 1, "bbox": [1, 1, 10, 10], "score": 0.9},
           {"image_id": 1, "category_id": 2, "bbox": [30, 30, 5, 5], "score": 0.8},  # FP: absent
           {"image_id": 1, "category_id": 3, "bbox": [30, 30, 5, 5], "score": 0.95},  # unknown: dropped
           {"image_id": 2, "category_id": 3, "bbox": [5, 5, 20, 20], "score": 0.7},
           {"image_id": 2, "category_id": 3, "bbox": [40, 30, 5, 5], "score": 0.99},  # not exhaustive: ignored
           {"image_id": 2, "category_id": 1, "bbox": [20, 20, 10, 10], "score": 0.6}]
    return {"images": images, "categories": cats, "annotations": anns}, dts


def test_lvis_rules_by_hand(tmp_path: Path) -> None:
    gt, dts = tiny_lvis()
    gt_file, dt_file = write_lvis_case(tmp_path, gt, dts)
    m = score_lvis(gt_file, dt_file, tmp_path / "m.json")["lvis"]
    rows = {row["name"]: row for row in m["per_class"]}
    # cup: two true positives, nothing else: AP 1. saucer: the ignored detection does not cost.
    assert rows["cup"]["AP"] == pytest.approx(1.0) and rows["saucer"]["AP"] == pytest.approx(1.0)
    # mug has no ground truth: no AP (-1), yet its false positive was evaluated.
    assert rows["mug"]["AP"] == -1 and rows["mug"]["detections"] == 1
    assert rows["saucer"]["detections"] == 2  # image 1's saucer is neither present nor absent
    assert m["APr"] == pytest.approx(1.0) and m["APc"] == -1 and m["APf"] == pytest.approx(1.0)
    assert rows["cup"]["frequency"] == "f"
    assert m == pytest.approx({**m, **lvis_oracle(gt_file, dt_file)["results"]}, abs=1e-12)


def test_results_capped_at_300_per_image(tmp_path: Path) -> None:
    """LVISResults keeps an image's 300 best results over all its categories: 301 results with
    the true positive scored lowest lose it (AP -> 0); the same tie at the border keeps the
    earlier record."""
    gt, _ = tiny_lvis()
    noise = [{"image_id": 1, "category_id": 2, "bbox": [40, 30, 3, 3], "score": 0.5}] * 300
    # Image 2's cup is never detected here: recall reaches 0.5 at most (AP50 51 / 101).
    for tp_score, expected in ((0.4, 0.0), (0.6, 51 / 101)):
        dts = [*noise, {"image_id": 1, "category_id": 1, "bbox": [1, 1, 10, 10], "score": tp_score}]
        gt_file, dt_file = write_lvis_case(tmp_path / str(tp_score), gt, dts)
        m = score_lvis(gt_file, dt_file, tmp_path / str(tp_score) / "m.json")["lvis"]
        cup = next(row for row in m["per_class"] if row["name"] == "cup")
        assert cup["AP50"] == pytest.approx(expected, abs=1e-12)
        assert cup["detections"] == (tp_score > 0.5)
        assert m["AP"] == pytest.approx(lvis_oracle(gt_file, dt_file)["results"]["AP"], abs=1e-12)
    # A tie at the border: the true positive first in the file is kept, last is dropped.
    for first, expected_ap in ((True, 1.0), (False, None)):
        tp = {"image_id": 1, "category_id": 1, "bbox": [1, 1, 10, 10], "score": 0.5}
        dts = [tp, *noise] if first else [*noise, tp]
        gt_file, dt_file = write_lvis_case(tmp_path / f"tie{first}", gt, dts)
        m = score_lvis(gt_file, dt_file, tmp_path / f"tie{first}" / "m.json")["lvis"]
        oracle = lvis_oracle(gt_file, dt_file)
        assert m["AP"] == pytest.approx(oracle["results"]["AP"], abs=1e-12)
        cup = next(row for row in m["per_class"] if row["name"] == "cup")
        assert cup["AP"] == pytest.approx(oracle["per_class"][1], abs=1e-12)
        if expected_ap is not None:
            assert cup["AP"] > 0.5


def test_schema_describes_lvis(tmp_path: Path) -> None:
    gt, dts = tiny_lvis()
    gt_file, dt_file = write_lvis_case(tmp_path, gt, dts)
    doc = score_lvis(gt_file, dt_file, tmp_path / "m.json")
    section = next(s for s in doc["schema"]["sections"] if s["id"] == "lvis")
    assert [v["key"] for v in section["values"]] == [f"lvis.{k}" for k in KEYS]
    table = section["tables"][0]
    assert table["key"] == "lvis.per_class" and "AR@300" in [c["key"] for c in table["columns"]]


def test_convert_writes_lvis_back(tmp_path: Path) -> None:
    from PIL import Image

    gt, _ = tiny_lvis()
    (tmp_path / "images").mkdir()
    for im in gt["images"]:
        Image.new("RGB", (im["width"], im["height"])).save(tmp_path / "images" / im["file_name"])
    (tmp_path / "lvis.json").write_text(json.dumps(gt, indent=2))
    (tmp_path / "ds.yaml").write_text("format: coco\nannotations: lvis.json\nimages: images\n")
    r = run_ds("convert", tmp_path / "ds.yaml", "--to", "coco", "--output", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    back = json.loads((tmp_path / "out" / "annotations.json").read_text())
    assert back["images"] == gt["images"]
    assert back["categories"] == [{"supercategory": "", **c} for c in gt["categories"]]
    r = run_ds("check", tmp_path / "ds.yaml")
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_finds_contradictions(tmp_path: Path) -> None:
    from PIL import Image

    gt, _ = tiny_lvis()
    gt["images"][0]["neg_category_ids"] = [1, 2]  # 1 has an annotation on image 1
    gt["images"][1]["neg_category_ids"] = [3]  # both absent and not exhaustive
    gt["images"][1]["not_exhaustive_category_ids"] = [3]
    del gt["categories"][2]["frequency"]
    (tmp_path / "images").mkdir()
    for im in gt["images"]:
        Image.new("RGB", (im["width"], im["height"])).save(tmp_path / "images" / im["file_name"])
    (tmp_path / "lvis.json").write_text(json.dumps(gt))
    (tmp_path / "ds.yaml").write_text("format: coco\nannotations: lvis.json\nimages: images\n")
    r = run_ds("check", tmp_path / "ds.yaml")
    assert r.returncode == 1
    assert "negative category present" in r.stdout and "category 1 is in 'neg_category_ids'" in r.stdout
    assert "contradictory LVIS labels" in r.stdout
    assert "LVIS category without frequency" in r.stdout and "category 3 ('saucer')" in r.stdout


@pytest.mark.parametrize(("change", "expected"), [
    (lambda gt: gt["images"][1].update(neg_category_ids=[7]),
     r"lvis\.json:\d+:\d+: images\[1\] \(id 2\): 'neg_category_ids': 7 is not a category of the file"),
    (lambda gt: gt["images"][0].update(not_exhaustive_category_ids=[1, 99]),
     r"lvis\.json:\d+:\d+: images\[0\] \(id 1\): 'not_exhaustive_category_ids': 99 is not a category"),
    (lambda gt: gt["images"][0].update(neg_category_ids="2"),
     r"lvis\.json:\d+:\d+: images\[0\]: 'neg_category_ids': .*array"),
    (lambda gt: gt["categories"][0].update(frequency="x"),
     r"lvis\.json:\d+:\d+: categories\[0\]: 'frequency': 'x' \(LVIS' frequencies are r, c and f"),
    (lambda gt: gt["categories"][0].update(image_count=-3),
     r"lvis\.json:\d+:\d+: categories\[0\]: 'image_count': expected a count, got -3"),
    (lambda gt: gt["images"][1].pop("neg_category_ids"),
     r"lvis\.json: image 2: no 'neg_category_ids' \(LVIS evaluation needs both lists"),
    (lambda gt: gt["categories"][1].pop("frequency"),
     r"lvis\.json: category 2 \('mug'\): no 'frequency' \(r, c or f\)"),
])
def test_bad_lvis_input_is_one_line(tmp_path: Path, change: Any, expected: str) -> None:
    gt, dts = tiny_lvis()
    change(gt)
    gt_file, dt_file = write_lvis_case(tmp_path, gt, dts)
    gt_file.rename(tmp_path / "lvis.json")
    r = run_ds("score", "--gt", tmp_path / "lvis.json", "--dt", dt_file, "--metric", "lvis",
               "--output", tmp_path / "m.json")
    assert r.returncode == 1, r.stdout + r.stderr
    assert re.search(expected, error_line(r)), error_line(r)
    assert not (tmp_path / "m.json").exists()


def test_evaluate_with_a_run_config_scores_lvis_as_lvis_api(shapes_val: Path, tmp_path: Path) -> None:
    # The whole pipeline (`evaluate`, model, detections.json) with `metrics: [lvis]`: the shapes
    # val set's first 12 images as an LVIS file (one category verified absent on each image, one
    # not exhaustively annotated), scored as lvis-api scores the detections the run wrote.
    coco = json.loads((shapes_val / "annotations" / "instances_val.json").read_text())
    images = coco["images"][:12]
    ids = {im["id"] for im in images}
    cats = sorted(c["id"] for c in coco["categories"])
    for k, im in enumerate(images):
        present = {a["category_id"] for a in coco["annotations"] if a["image_id"] == im["id"]}
        absent = [c for c in cats if c not in present]
        im["neg_category_ids"] = absent[k % len(absent):][:1] if absent else []
        im["not_exhaustive_category_ids"] = sorted(present)[:1] if k % 3 == 0 else []
    for k, c in enumerate(coco["categories"]):
        c["frequency"] = "rcf"[k % 3]
    gt = {**coco, "images": images, "annotations": [a for a in coco["annotations"] if a["image_id"] in ids]}
    gt_file = tmp_path / "lvis_val.json"
    gt_file.write_text(json.dumps(gt))
    run = tmp_path / "run.yaml"
    run.write_text(f"dataset:\n  format: coco\n  annotations: {gt_file}\n  images: {shapes_val / 'val'}\n"
                   f"model: {Path(__file__).resolve().parents[1] / 'configs' / 'models' / 'shapes-fcos.yaml'}\n"
                   f"output: {tmp_path / 'out'}\nmetrics: [lvis]\n")
    r = run_ds("evaluate", run)
    assert r.returncode == 0, r.stderr
    ours = json.loads((tmp_path / "out" / "metrics.json").read_text())["lvis"]
    expected = lvis_oracle(gt_file, tmp_path / "out" / "detections.json")
    for key in KEYS:
        assert abs(ours[key] - expected["results"][key]) <= 1e-12, (key, ours[key], expected["results"][key])
    assert ours["AP"] > 0.3  # the demo model finds the shapes: not a vacuous equality
