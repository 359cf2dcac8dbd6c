"""ds.load_dataset: the records the C++ readers read (checked against the json itself), `check`'s
problems and text (equal to `detection-studio check`'s), and `convert` (the files `detection-studio
convert` writes)."""

from __future__ import annotations

import json
from pathlib import Path

import detection_studio as ds
import numpy as np
import pytest
from conftest import REPO, run_ds
from PIL import Image

DEMO = REPO / "configs" / "demo.yaml"


def small_coco(root: Path, missing: bool = True) -> Path:
    """Three images (the third missing on disk unless `missing` is False), two classes, a crowd
    box and a box across an edge."""
    (root / "images").mkdir(parents=True)
    for name in ("a.png", "b.png") if missing else ("a.png", "b.png", "gone.png"):
        Image.new("RGB", (64, 48), (20, 40, 60)).save(root / "images" / name)
    doc = {
        "images": [{"id": 1, "file_name": "a.png", "width": 64, "height": 48},
                   {"id": 2, "file_name": "b.png", "width": 64, "height": 48},
                   {"id": 3, "file_name": "gone.png", "width": 64, "height": 48}],
        "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [4, 5, 20, 10], "area": 200, "iscrowd": 0},
            {"id": 2, "image_id": 1, "category_id": 2, "bbox": [50, 30, 20, 10], "area": 200, "iscrowd": 0},
            {"id": 3, "image_id": 2, "category_id": 2, "bbox": [1, 2, 30, 30], "area": 900, "iscrowd": 1},
        ],
    }
    (root / "gt.json").write_text(json.dumps(doc))
    spec = root / "dataset.yaml"
    spec.write_text("format: coco\nannotations: gt.json\nimages: images\n")
    return spec


def test_records_are_the_files(shapes_val: Path) -> None:
    data = ds.load_dataset(DEMO)  # a run config: its dataset
    doc = json.loads((shapes_val / "annotations" / "instances_val.json").read_text())
    assert len(data) == len(doc["images"]) and len(data.annotations) == len(doc["annotations"])
    assert [c.name for c in data.categories] == [c["name"] for c in doc["categories"]]
    assert [(im.id, im.file_name, im.width, im.height) for im in data.images] == [
        (im["id"], im["file_name"], im["width"], im["height"]) for im in doc["images"]]
    columns = data.columns()
    np.testing.assert_array_equal(columns["bbox"], [a["bbox"] for a in doc["annotations"]])
    np.testing.assert_array_equal(columns["category_id"], [a["category_id"] for a in doc["annotations"]])
    assert columns["bbox"].shape == (len(doc["annotations"]), 4) and columns["iscrowd"].dtype == bool
    pairs = list(data)
    assert sum(len(anns) for _, anns in pairs) == len(doc["annotations"])
    first, anns = pairs[0]
    assert [a.id for a in anns] == [a["id"] for a in doc["annotations"] if a["image_id"] == first.id]
    # The json itself (no images folder: check does not open images then).
    bare = ds.load_dataset(shapes_val / "annotations" / "instances_val.json")
    np.testing.assert_array_equal(bare.columns()["bbox"], columns["bbox"])


def test_check_is_the_commands(tmp_path: Path) -> None:
    spec = small_coco(tmp_path)
    data = ds.load_dataset(spec)
    problems = data.check()
    kinds = {(p["error"], p["kind"]) for p in problems}
    assert (True, "missing image") in kinds and (True, "box outside image") in kinds
    assert any("gone.png" in p["message"] for p in problems)
    cli = run_ds("check", spec)
    assert cli.returncode == 1
    assert data.report() == cli.stdout


def test_convert_writes_what_the_command_writes(tmp_path: Path) -> None:
    spec = small_coco(tmp_path / "in", missing=False)
    data = ds.load_dataset(spec)
    with pytest.warns(UserWarning, match="yolo has no crowd flag: 1 crowd box is written as ordinary boxes"):
        written = data.convert("yolo", tmp_path / "mine")
    assert written == tmp_path / "mine" / "dataset.yaml"
    cli = run_ds("convert", spec, "--to", "yolo", "--output", tmp_path / "theirs")
    assert cli.returncode == 0, cli.stderr
    mine = {p.relative_to(tmp_path / "mine"): p for p in (tmp_path / "mine").rglob("*") if p.is_file()}
    theirs = {p.relative_to(tmp_path / "theirs"): p for p in (tmp_path / "theirs").rglob("*") if p.is_file()}
    assert mine.keys() == theirs.keys()
    for name, p in mine.items():
        if p.suffix in (".txt", ".names"):
            assert p.read_bytes() == theirs[name].read_bytes(), name
    back = ds.load_dataset(written)
    assert len(back) == len(data) and len(back.annotations) == len(data.annotations)


def test_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nope.yaml"):
        ds.load_dataset(tmp_path / "nope.yaml")
    data = ds.load_dataset(small_coco(tmp_path / "in"))
    with pytest.raises(ValueError, match="unknown dataset format 'tiff'"):
        data.convert("tiff", tmp_path / "out")
    with pytest.raises(ValueError, match="holds the dataset being converted"):
        data.convert("coco", tmp_path / "in")
    assert not (tmp_path / "out").exists() and (tmp_path / "in" / "gt.json").exists()
