"""COCO -> X -> COCO for every format X, through the CLI on real files: every image, every box
within one pixel, every label, and the flags X can carry."""

import json
import os

import pytest
from formats_support import (
    CATEGORIES,
    COCO_FLIP_IDX,
    COCO_KEYPOINTS,
    IMAGES,
    assert_same_boxes,
    assert_same_keypoints,
    by_file,
    category_names,
    make_coco,
    make_coco_keypoints,
    run,
    to_coco,
    write_image,
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


# YOLO pose labels (Ultralytics layout): COCO keypoints -> yolo -> COCO.


@pytest.fixture(scope="module")
def people(tmp_path_factory):
    root = tmp_path_factory.mktemp("people")
    spec = make_coco_keypoints(root)
    return spec, json.loads((root / "annotations.json").read_text())


def data_yaml(folder):
    import yaml

    return yaml.safe_load((folder / "data.yaml").read_text())


def test_pose_round_trip_through_yolo(people, tmp_path):
    spec, original = people
    out = run("convert", spec, "--to", "yolo", "--output", tmp_path / "yolo")
    assert "keypoints" not in out.stdout  # nothing lost but the crowd flag
    data = data_yaml(tmp_path / "yolo")
    assert data["kpt_shape"] == [17, 3]
    assert data["flip_idx"] == COCO_FLIP_IDX  # from the left_/right_ names
    assert data["kpt_names"] == {0: COCO_KEYPOINTS}
    # Every line is a pose line: class, box, 17 x (x, y, v).
    for label in (tmp_path / "yolo" / "labels").rglob("*.txt"):
        assert all(len(line.split()) == 5 + 17 * 3 for line in label.read_text().splitlines()), label
    back = to_coco(tmp_path / "yolo" / "dataset.yaml", tmp_path / "back")
    assert assert_same_boxes(original, back, 1e-9) == len(original["annotations"])
    assert assert_same_keypoints(original, back, 1e-9) == 17 * len(original["annotations"])
    person = back["categories"][0]
    assert person["keypoints"] == COCO_KEYPOINTS
    assert not person.get("skeleton")  # YOLO has no skeleton
    assert "OK: 0 errors" in run("check", tmp_path / "yolo" / "dataset.yaml").stdout


def test_pose_yolo_to_yolo_keeps_flip_idx_and_names(tmp_path):
    # A skeleton whose names say nothing of left and right: flip_idx only survives as read.
    hand = ["wrist", "thumb", "index", "pinky"]
    cats = [{"id": 1, "name": "hand", "supercategory": "", "keypoints": hand, "skeleton": [[1, 2]]},
            {"id": 2, "name": "paw", "supercategory": "", "keypoints": ["a", "b", "c", "d"], "skeleton": []}]
    spec = make_coco_keypoints(tmp_path / "src", categories=cats)
    original = json.loads((tmp_path / "src" / "annotations.json").read_text())
    run("convert", spec, "--to", "yolo", "--output", tmp_path / "y1")
    data = data_yaml(tmp_path / "y1")
    assert data["kpt_shape"] == [4, 3] and "flip_idx" not in data
    assert data["kpt_names"] == {0: hand, 1: ["a", "b", "c", "d"]}
    text = (tmp_path / "y1" / "data.yaml").read_text()
    (tmp_path / "y1" / "data.yaml").write_text(text + "flip_idx: [0, 3, 2, 1]\n")
    run("convert", tmp_path / "y1" / "dataset.yaml", "--to", "yolo", "--output", tmp_path / "y2")
    assert data_yaml(tmp_path / "y2")["flip_idx"] == [0, 3, 2, 1]
    back = to_coco(tmp_path / "y2" / "dataset.yaml", tmp_path / "back")
    assert assert_same_keypoints(original, back, 1e-9) == 4 * len(original["annotations"])
    assert [c["keypoints"] for c in back["categories"]] == [hand, ["a", "b", "c", "d"]]


def test_pose_without_names_and_with_two_dims(tmp_path):
    # Ultralytics' own layout: no kpt_names (we name them kp0..), kpt_shape [K, 2] (no v: a
    # keypoint is labelled unless a coordinate is negative), a class without keypoint lines.
    root = tmp_path / "y"
    write_image(root / "images" / "a.jpg", 200, 100)
    (root / "labels").mkdir(parents=True)
    (root / "labels" / "a.txt").write_text("0 0.5 0.5 0.4 0.6 0.25 0.5 -1 -1 0.75 0.125\n"
                                           "1 0.2 0.2 0.1 0.1 0 0 0.5 0.5 0.1 0.1\n")
    (root / "data.yaml").write_text("val: images\nnames: [cat, dog]\nkpt_shape: [3, 2]\n")
    (root / "dataset.yaml").write_text("format: yolo\ndata: data.yaml\n")
    doc = to_coco(root / "dataset.yaml", tmp_path / "coco")
    assert [c["keypoints"] for c in doc["categories"]] == [["kp0", "kp1", "kp2"]] * 2
    first, second = doc["annotations"]
    assert first["keypoints"] == [50, 50, 2, 0, 0, 0, 150, 12.5, 2] and first["num_keypoints"] == 2
    assert second["keypoints"] == [0, 0, 2, 100, 50, 2, 20, 10, 2] and second["num_keypoints"] == 3
    # Written back as [K, 3], without kpt_names (they are the default ones).
    run("convert", tmp_path / "coco" / "dataset.yaml", "--to", "yolo", "--output", tmp_path / "y3")
    data = data_yaml(tmp_path / "y3")
    assert data["kpt_shape"] == [3, 3] and "kpt_names" not in data
    assert (tmp_path / "y3" / "labels" / "a.txt").read_text().splitlines()[0] == "0 0.5 0.5 0.4 0.6 0.25 0.5 2 0.0 0.0 0 0.75 0.125 2"


def test_pose_lost_elsewhere_is_announced(people, tmp_path):
    spec, original = people
    n = sum(1 for a in original["annotations"] if a["keypoints"])
    for fmt in ("voc", "darknet", "cvat"):
        out = run("convert", spec, "--to", fmt, "--output", tmp_path / fmt)
        assert f"note: {fmt} has no keypoints: {n} boxes are written without its keypoints" in out.stdout


def test_pose_drops_masks_and_says_so(tmp_path):
    spec = make_coco_keypoints(tmp_path / "src", polygons=True)
    n = len(json.loads((tmp_path / "src" / "annotations.json").read_text())["annotations"])
    out = run("convert", spec, "--to", "yolo", "--output", tmp_path / "y")
    assert f"note: yolo cannot hold these masks: {n} boxes are written without its mask" in out.stdout
    assert "none in yolo pose labels" in out.stdout
