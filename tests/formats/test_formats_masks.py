"""Masks through the formats that carry them: COCO polygons and RLE, LabelMe and CVAT polygons
(several parts of one object joined by a group_id), YOLO-seg segment lines. COCO -> X -> COCO
keeps every polygon; the masks X cannot hold are announced; the converted ground truth scores
`--iou-type segm` as pycocotools scores it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from formats_support import run, write_image
from pycocotools import mask as mask_utils

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mask_cases import pycocotools_segm

W, H = 120, 90
CATEGORIES = [{"id": 1, "name": "cat", "supercategory": ""}, {"id": 2, "name": "dog", "supercategory": ""}]


def crowd_rle() -> dict[str, Any]:
    m = np.zeros((H, W), dtype=np.uint8)
    m[60:80, 10:50] = 1
    rle = mask_utils.encode(np.asfortranarray(m))
    return {"size": [H, W], "counts": rle["counts"].decode()}


def area_of(polygons: list[list[float]]) -> float:
    return float(mask_utils.area(mask_utils.merge(mask_utils.frPyObjects(polygons, H, W))))


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("masks")
    polygons = [
        [[10.5, 10.25, 40.0, 12.0, 30.0, 35.5]],                               # one triangle
        [[50.0, 5.0, 70.0, 5.0, 70.0, 25.0, 50.0, 25.0], [80.0, 5.0, 95.0, 20.0, 80.0, 30.0]],  # two parts
        [[0.0, 40.0, 119.0, 40.0, 119.0, 55.0, 0.0, 55.0, 0.0, 47.0]],          # touching the borders
    ]
    images, anns = [], []
    for i in range(2):
        name = f"im{i}.png"
        write_image(root / "images" / name, W, H, seed=i)
        images.append({"id": i + 1, "file_name": name, "width": W, "height": H})
        for k, poly in enumerate(polygons):
            xs, ys = [v for p in poly for v in p[0::2]], [v for p in poly for v in p[1::2]]
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": 1 + (k + i) % 2,
                         "bbox": [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)],
                         "area": area_of(poly), "segmentation": poly, "iscrowd": 0})
    anns.append({"id": len(anns) + 1, "image_id": 1, "category_id": 2, "bbox": [10.0, 60.0, 40.0, 20.0],
                 "area": 800.0, "segmentation": crowd_rle(), "iscrowd": 1})
    gt = {"images": images, "annotations": anns, "categories": CATEGORIES}
    (root / "annotations.json").write_text(json.dumps(gt))
    (root / "dataset.yaml").write_text("format: coco\nannotations: annotations.json\nimages: images\n")
    return root / "dataset.yaml", gt


def to_coco(spec: Path, out: Path) -> dict[str, Any]:
    run("convert", spec, "--to", "coco", "--output", out)
    return json.loads((out / "annotations.json").read_text())


def polygons_by_image(gt: dict[str, Any]) -> dict[str, list[tuple[str, list[list[float]]]]]:
    names = {c["id"]: c["name"] for c in gt["categories"]}
    files = {im["id"]: im["file_name"] for im in gt["images"]}
    out: dict[str, list[tuple[str, list[list[float]]]]] = {}
    for a in gt["annotations"]:
        if isinstance(a.get("segmentation"), list):
            out.setdefault(files[a["image_id"]], []).append((names[a["category_id"]], a["segmentation"]))
    return {k: sorted(v, key=lambda t: json.dumps(t)) for k, v in out.items()}


@pytest.mark.parametrize("fmt", ["coco", "labelme", "cvat"])
def test_polygons_survive_a_round_trip(fmt: str, source: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    spec, original = source
    out = run("convert", spec, "--to", fmt, "--output", tmp_path / fmt)
    crowd_note = "note: " + fmt + " cannot hold this mask: 1 box is written without its mask"
    assert (crowd_note in out.stdout) == (fmt != "coco")  # the crowd RLE
    back = to_coco(tmp_path / fmt / "dataset.yaml", tmp_path / "back")
    assert polygons_by_image(back) == polygons_by_image(original)
    # Areas are the masks' (as in COCO files), boxes the points' bounds.
    for a in back["annotations"]:
        if isinstance(a.get("segmentation"), list):
            assert a["area"] == area_of(a["segmentation"])
    assert run("check", tmp_path / fmt / "dataset.yaml").returncode == 0


def test_yolo_segments_keep_single_polygons(source: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    spec, original = source
    out = run("convert", spec, "--to", "yolo", "--output", tmp_path / "y")
    # Two-part objects (one per image) and the crowd RLE cannot be one segment line.
    assert "note: yolo cannot hold these masks: 3 boxes are written without their mask" in out.stdout.replace(
        "without its mask", "without their mask")
    labels = (tmp_path / "y" / "labels" / "im0.txt").read_text().splitlines()
    assert sorted(len(line.split()) for line in labels) == [5, 5, 7, 11]
    back = to_coco(tmp_path / "y" / "dataset.yaml", tmp_path / "back")
    got = [p for v in polygons_by_image(back).values() for _, p in v]
    want = [p for v in polygons_by_image(original).values() for _, p in v if len(p) == 1]
    assert len(got) == len(want) == 4
    for g, w in zip(sorted(got), sorted(want), strict=True):
        assert np.allclose(g, w, rtol=0, atol=1e-9)


def test_labelme_groups_and_cvat_groups_are_one_object(source: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    spec, _ = source
    run("convert", spec, "--to", "labelme", "--output", tmp_path / "l")
    shapes = json.loads((tmp_path / "l" / "im0.json").read_text())["shapes"]
    grouped = [s for s in shapes if s["group_id"] is not None]
    assert len(grouped) == 2 and grouped[0]["group_id"] == grouped[1]["group_id"]
    run("convert", spec, "--to", "cvat", "--output", tmp_path / "c")
    xml = (tmp_path / "c" / "annotations.xml").read_text()
    assert xml.count("<polygon ") == 8 and xml.count('group_id="') == 4


def test_converted_ground_truth_scores_segm_as_pycocotools(source: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    spec, _ = source
    run("convert", spec, "--to", "labelme", "--output", tmp_path / "l")
    back = to_coco(tmp_path / "l" / "dataset.yaml", tmp_path / "back")
    # The crowd region came back as a box without its mask: segm needs a mask for every object.
    back["annotations"] = [a for a in back["annotations"] if "segmentation" in a]
    (tmp_path / "gt.json").write_text(json.dumps(back))
    rng = np.random.default_rng(3)
    results = []
    for a in back["annotations"]:
        x, y, w, h = a["bbox"]
        jitter = rng.uniform(-3, 3, 4)
        poly = [x + jitter[0], y + jitter[1], x + w + jitter[2], y + jitter[1], x + w / 2, y + h + jitter[3]]
        results.append({"image_id": a["image_id"], "category_id": a["category_id"], "bbox": [x, y, w, h],
                        "segmentation": [poly], "score": float(rng.uniform())})
    (tmp_path / "dt.json").write_text(json.dumps(results))
    done = run("score", "--gt", tmp_path / "gt.json", "--dt", tmp_path / "dt.json",
               "--iou-type", "segm", "--output", tmp_path / "m.json", "--quiet")
    assert done.returncode == 0
    ours = json.loads((tmp_path / "m.json").read_text())["segm_coco_stats"]
    assert ours == [float(v) for v in pycocotools_segm(back, results).stats]
    assert ours[0] > 0


@pytest.mark.parametrize(("fmt", "edit", "message"), [
    ("labelme", lambda d: d.replace('"shape_type": "polygon"', '"shape_type": "polygon", "group_id": "x"', 1),
     r"im0\.json:\d+:\d+: shapes\[0\]: 'group_id': expected an integer"),
    ("labelme", lambda d: json.dumps({**json.loads(d), "shapes": [{**json.loads(d)["shapes"][0],
                                                                   "points": [[1, 2], [3, 4]]}]}),
     r"im0\.json: shapes\[0\]: a polygon needs at least 3 points, got 2"),
])
def test_bad_polygons_are_one_line(fmt: str, edit: Any, message: str, source: tuple[Path, dict[str, Any]],
                                   tmp_path: Path) -> None:
    import re

    spec, _ = source
    run("convert", spec, "--to", fmt, "--output", tmp_path / "l")
    f = tmp_path / "l" / "im0.json"
    f.write_text(edit(f.read_text()))
    done = run("check", tmp_path / "l" / "dataset.yaml", check=False)
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and re.search(message, lines[0]), done.stderr


@pytest.mark.parametrize(("points", "message"), [
    ("1,2;3,4", "a polygon needs at least 3 points, got 2"),
    ("1,2;3,x;5,6", "points: expected 'x,y;x,y;...', got '3,x'"),
])
def test_bad_cvat_polygons_are_one_line(points: str, message: str, source: tuple[Path, dict[str, Any]],
                                        tmp_path: Path) -> None:
    import re

    spec, _ = source
    run("convert", spec, "--to", "cvat", "--output", tmp_path / "c")
    f = tmp_path / "c" / "annotations.xml"
    text = f.read_text()
    start = text.index('points="') + len('points="')
    f.write_text(text[:start] + points + text[text.index('"', start):])
    done = run("check", tmp_path / "c" / "dataset.yaml", check=False)
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and re.search(r"annotations\.xml:\d+: " + re.escape(message), lines[0]), done.stderr
