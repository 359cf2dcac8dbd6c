"""Tests of datasets/make_shapes.py: determinism, size ranges, crowd boxes, valid COCO."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import load_make_shapes

REPO = Path(__file__).resolve().parents[1]


make_shapes = load_make_shapes()


def _size_range(area: float) -> str:
    return "small" if area < 32**2 else "large" if area > 96**2 else "medium"


@pytest.fixture(scope="module")
def default_val(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The val split exactly as `make demo` generates it (default seed and size)."""
    root = tmp_path_factory.mktemp("shapes")
    assert make_shapes.main(["--output", str(root), "--splits", "val"]) == 0
    doc = json.loads((root / "annotations" / "instances_val.json").read_text())
    return root, doc


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out, seed in ((a, 7), (b, 7), (c, 8)):
        make_shapes.main(["--output", str(out), "--splits", "train,val", "--train-images", "4",
                          "--val-images", "6", "--seed", str(seed)])
    for split, n in (("train", 4), ("val", 6)):
        ja = (a / "annotations" / f"instances_{split}.json").read_bytes()
        assert ja == (b / "annotations" / f"instances_{split}.json").read_bytes()
        assert ja != (c / "annotations" / f"instances_{split}.json").read_bytes()
        files = sorted(p.name for p in (a / split).iterdir())
        assert len(files) == n
        for name in files:
            assert (a / split / name).read_bytes() == (b / split / name).read_bytes()
    # The train and val splits are different images.
    assert (a / "train" / "000000.jpg").read_bytes() != (a / "val" / "000000.jpg").read_bytes()


def test_val_covers_every_size_range(default_val: tuple[Path, dict[str, Any]]) -> None:
    _, doc = default_val
    assert 200 <= len(doc["images"]) <= 300
    counts = {"small": 0, "medium": 0, "large": 0}
    for a in doc["annotations"]:
        if not a["iscrowd"]:
            counts[_size_range(a["area"])] += 1
    assert all(n >= 150 for n in counts.values()), counts


def test_val_has_crowd_regions(default_val: tuple[Path, dict[str, Any]]) -> None:
    _, doc = default_val
    crowd = [a for a in doc["annotations"] if a["iscrowd"] == 1]
    assert len(crowd) >= 10
    assert len({a["image_id"] for a in crowd}) == len(crowd)  # one crowd box per image at most
    assert {a["iscrowd"] for a in doc["annotations"]} == {0, 1}


def test_val_is_valid_coco(default_val: tuple[Path, dict[str, Any]]) -> None:
    from pycocotools.coco import COCO

    root, doc = default_val
    coco = COCO(str(root / "annotations" / "instances_val.json"))
    cats = coco.loadCats(coco.getCatIds())
    assert len(cats) in (5, 6)
    assert all(set(c) >= {"id", "name", "supercategory"} for c in cats)
    assert [a["id"] for a in doc["annotations"]] == list(range(1, len(doc["annotations"]) + 1))
    images = {i["id"]: i for i in doc["images"]}
    assert len(images) == len(doc["images"])
    for img in doc["images"]:
        assert (root / "val" / img["file_name"]).is_file()
        assert img["file_name"].endswith(".jpg")
    for a in doc["annotations"]:
        img = images[a["image_id"]]
        x, y, w, h = a["bbox"]
        assert all(isinstance(v, float) for v in a["bbox"])
        assert w > 0 and h > 0 and x >= 0 and y >= 0
        assert x + w <= img["width"] and y + h <= img["height"]
        assert 0 < a["area"] <= w * h
        assert a["category_id"] in coco.getCatIds()
        if not a["iscrowd"]:
            assert min(w, h) >= 10  # no tiny objects outside crowd regions
    # Every image file is a JPEG of the declared size.
    from PIL import Image

    first = doc["images"][0]
    with Image.open(root / "val" / first["file_name"]) as im:
        assert im.format == "JPEG"
        assert im.size == (first["width"], first["height"])
