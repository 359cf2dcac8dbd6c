"""COCO -> X -> COCO for every format X, through the CLI on real files: every image, every box
within one pixel, every label, and the flags X can carry."""

import json
import os

import pytest
from formats_support import (
    CATEGORIES,
    IMAGES,
    assert_same_boxes,
    by_file,
    category_names,
    make_coco,
    run,
    to_coco,
)

# format -> (flags it keeps, largest edge error in pixels)
FORMATS = {
    "coco": (("iscrowd", "difficult", "truncated"), 0.0),
    "voc": (("difficult", "truncated"), 1.0),  # whole pixels
    "yolo": ((), 1e-9),
    "darknet": ((), 1e-9),
    "openimages": (("iscrowd", "truncated"), 1e-9),
    "labelme": (("iscrowd", "difficult", "truncated"), 0.0),
    "cvat": (("iscrowd", "difficult", "truncated"), 1e-9),
}


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    root = tmp_path_factory.mktemp("coco")
    spec = make_coco(root)
    return spec, json.loads((root / "annotations.json").read_text())


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_round_trip_through(fmt, source, tmp_path):
    spec, original = source
    flags, tolerance = FORMATS[fmt]
    out = run("convert", spec, "--to", fmt, "--output", tmp_path / fmt)
    assert f"8 images, {len(original['annotations'])} boxes, 5 classes" in out.stdout
    assert (tmp_path / fmt / "dataset.yaml").is_file()
    back = to_coco(tmp_path / fmt / "dataset.yaml", tmp_path / "back")
    assert assert_same_boxes(original, back, tolerance, flags) == len(original["annotations"])
    # Classes without boxes survive too (class lists, names files, label metadata).
    assert category_names(back) == sorted(c["name"] for c in CATEGORIES)
    # The written dataset is itself a valid input.
    checked = run("check", tmp_path / fmt / "dataset.yaml")
    assert "OK: 0 errors" in checked.stdout


def test_lost_flags_are_announced(source, tmp_path):
    spec, original = source
    crowd = sum(a["iscrowd"] for a in original["annotations"])
    out = run("convert", spec, "--to", "yolo", "--output", tmp_path / "y")
    assert f"note: yolo has no crowd flag: {crowd} crowd boxes are written as ordinary boxes" in out.stdout
    out = run("convert", spec, "--to", "cvat", "--output", tmp_path / "c")
    assert "note:" not in out.stdout


def test_ids_kept_where_the_format_has_them(source, tmp_path):
    spec, original = source
    back = to_coco(run_convert(spec, "cvat", tmp_path), tmp_path / "back_cvat")
    assert sorted(im["id"] for im in back["images"]) == sorted(im["id"] for im in original["images"])
    back = to_coco(run_convert(spec, "voc", tmp_path), tmp_path / "back_voc")
    assert {c["id"]: c["name"] for c in back["categories"]} == {c["id"]: c["name"] for c in CATEGORIES}


def run_convert(spec, fmt, tmp_path):
    run("convert", spec, "--to", fmt, "--output", tmp_path / fmt)
    return tmp_path / fmt / "dataset.yaml"


def test_coco_voc_yolo_coco_chain(source, tmp_path):
    spec, original = source
    run("convert", spec, "--to", "voc", "--output", tmp_path / "voc")
    run("convert", tmp_path / "voc" / "dataset.yaml", "--to", "yolo", "--output", tmp_path / "yolo")
    back = to_coco(tmp_path / "yolo" / "dataset.yaml", tmp_path / "back")
    assert assert_same_boxes(original, back, 1.0) == len(original["annotations"])


def test_every_pair_through_every_format(source, tmp_path):
    """X -> Y for all pairs, starting from each format's own output: no box is lost anywhere."""
    spec, original = source
    specs = {f: run_convert(spec, f, tmp_path / "first") for f in FORMATS}
    for a in FORMATS:
        for b in FORMATS:
            out = tmp_path / f"{a}_to_{b}"
            run("convert", specs[a], "--to", b, "--output", out)
            back = to_coco(out / "dataset.yaml", tmp_path / f"{a}_to_{b}_coco")
            tolerance = 1.0 if "voc" in (a, b) else 1e-9
            assert assert_same_boxes(original, back, tolerance) == len(original["annotations"]), (a, b)


def test_images_are_linked_or_copied_never_reencoded(source, tmp_path):
    spec, _ = source
    run("convert", spec, "--to", "voc", "--output", tmp_path / "linked")
    run("convert", spec, "--to", "voc", "--output", tmp_path / "copied", "--copy-images")
    for name, _, _ in IMAGES:
        src = spec.parent / "images" / name
        linked = tmp_path / "linked" / "JPEGImages" / name
        copied = tmp_path / "copied" / "JPEGImages" / name
        assert linked.is_symlink() and os.path.samefile(linked, src)
        assert not copied.is_symlink() and copied.read_bytes() == src.read_bytes()


def test_run_config_dataset_is_accepted(source, tmp_path):
    spec, original = source
    config = tmp_path / "run.yaml"
    config.write_text(f"dataset: {spec}\nmodel: none.yaml\n")
    back = to_coco(config, tmp_path / "back")
    assert by_file(back) == by_file(original)
