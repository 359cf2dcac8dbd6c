"""Malformed files, per format: one line naming the file and line, exit 1, no traceback or
abort; with --skip-bad the rest is read and what was skipped is counted."""

import json
import re

import pytest
from formats_support import make_coco, make_coco_keypoints, run


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    """A clean source written in every format; tests copy the one they break."""
    root = tmp_path_factory.mktemp("clean")
    spec = make_coco(root / "coco")
    for fmt in ("voc", "yolo", "darknet", "openimages", "labelme", "cvat"):
        run("convert", spec, "--to", fmt, "--output", root / fmt, "--copy-images")
    return root


def copy_of(datasets, fmt, tmp_path):
    import shutil

    shutil.copytree(datasets / fmt, tmp_path / fmt, symlinks=True)
    return tmp_path / fmt


def assert_one_line_error(proc, where_pattern):
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("detection-studio: error: "), lines[0]
    assert re.search(where_pattern, lines[0]), lines[0]
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr


def convert_skipping(spec, tmp_path):
    out = run("convert", spec, "--to", "coco", "--output", tmp_path / "out", "--skip-bad")
    return out.stdout, json.loads((tmp_path / "out" / "annotations.json").read_text())


def replace_in(path, old, new, count=1):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))


def test_coco_syntax_error(tmp_path):
    spec = make_coco(tmp_path)
    text = (tmp_path / "annotations.json").read_text()
    (tmp_path / "annotations.json").write_text(text[: len(text) // 2])
    for command in ("check", "convert"):
        args = ["--to", "voc", "--output", tmp_path / "o"] if command == "convert" else []
        proc = run(command, spec, *args, check=False)
        assert_one_line_error(proc, r"annotations\.json:1:\d+: invalid JSON")


def test_coco_bad_record_skipped(tmp_path):
    spec = make_coco(tmp_path)
    doc = json.loads((tmp_path / "annotations.json").read_text())
    del doc["annotations"][3]["bbox"]
    doc["annotations"][5]["bbox"][2] = -4
    (tmp_path / "annotations.json").write_text(json.dumps(doc, indent=1))
    assert_one_line_error(run("check", spec, check=False), r"annotations\.json:\d+:\d+: annotations\[3\] \(id \d+\): missing 'bbox'")
    stdout, out = convert_skipping(spec, tmp_path)
    assert "skipped 2 malformed records or files (--skip-bad)" in stdout
    assert len(out["annotations"]) == len(doc["annotations"]) - 2
    checked = run("check", spec, "--skip-bad", check=False)
    assert checked.returncode == 1 and "error: skipped as malformed (2)" in checked.stdout


def test_voc_malformed_xml(datasets, tmp_path):
    d = copy_of(datasets, "voc", tmp_path)
    replace_in(d / "Annotations" / "b.xml", "</object>", "</objekt>")
    assert_one_line_error(run("check", d / "dataset.yaml", check=False), r"b\.xml:\d+:\d+: invalid XML")
    stdout, out = convert_skipping(d / "dataset.yaml", tmp_path)
    assert "skipped 1 malformed record or file" in stdout
    assert len(out["images"]) == 7 and "b.png" not in {im["file_name"] for im in out["images"]}


def test_voc_bad_number(datasets, tmp_path):
    d = copy_of(datasets, "voc", tmp_path)
    replace_in(d / "Annotations" / "a.xml", "<xmin>", "<xmin>x")
    assert_one_line_error(run("check", d / "dataset.yaml", check=False), r"a\.xml:\d+: <xmin>: expected a number, got 'x")


@pytest.mark.parametrize("fmt", ["yolo", "darknet"])
def test_yolo_bad_label_line(fmt, datasets, tmp_path):
    d = copy_of(datasets, fmt, tmp_path)
    label = d / "labels" / "c.txt"
    label.write_text(label.read_text() + "2 0.5 0.5 0.1\n")
    lines = label.read_text().count("\n")
    assert_one_line_error(run("check", d / "dataset.yaml", check=False), rf"c\.txt:{lines}: expected '<class> <cx> <cy> <w> <h>' \(5 values\), got 4")
    label.write_text("9 0.5 0.5 0.1 0.1\n")
    assert_one_line_error(run("check", d / "dataset.yaml", check=False), r"c\.txt:1: class 9 is not in the 5 class names")
    stdout, out = convert_skipping(d / "dataset.yaml", tmp_path)
    assert "skipped 1 malformed record or file" in stdout and len(out["images"]) == 7


def test_openimages_bad_rows(datasets, tmp_path):
    d = copy_of(datasets, "openimages", tmp_path)
    rows = (d / "boxes.csv").read_text().splitlines(keepends=True)
    rows[2] = rows[2].replace(",1,", ",1,abc,", 1)  # XMin is not a number
    rows[4] = rows[4].replace(",person,", ",nobody,") if ",person," in rows[4] else rows[4].replace(",car,", ",nobody,")
    (d / "boxes.csv").write_text("".join(rows))
    assert_one_line_error(run("check", d / "dataset.yaml", check=False), r"boxes\.csv:3: 'abc' is not a number")
    stdout, out = convert_skipping(d / "dataset.yaml", tmp_path)
    assert "skipped 2 malformed records or files" in stdout
    assert "boxes.csv:5: LabelName 'nobody' is not in the class descriptions" in stdout
    assert len(out["annotations"]) == len(rows) - 1 - 2


def test_openimages_unterminated_quote(datasets, tmp_path):
    d = copy_of(datasets, "openimages", tmp_path)
    rows = (d / "boxes.csv").read_text().splitlines(keepends=True)
    last = len(rows)
    rows[-1] = rows[-1].replace("detection-studio", '"detection-studio', 1)
    (d / "boxes.csv").write_text("".join(rows))
    assert_one_line_error(run("check", d / "dataset.yaml", check=False), rf"boxes\.csv:{last}: unterminated quoted field")
    rows[-1] = rows[-1].replace('"detection-studio', "detection-studio", 1)
    rows[6] = rows[6].replace("detection-studio", '"detection-studio', 1)
    (d / "boxes.csv").write_text("".join(rows))
    assert_one_line_error(run("check", d / "dataset.yaml", check=False), r"boxes\.csv:7: quoted field.* is followed by text before the next comma")


def test_labelme_broken_json(datasets, tmp_path):
    d = copy_of(datasets, "labelme", tmp_path)
    replace_in(d / "d.json", '"shape_type"', '"shape_type" "rectangle",')
    assert_one_line_error(run("check", d / "dataset.yaml", check=False), r"d\.json:\d+:\d+: invalid JSON")
    stdout, out = convert_skipping(d / "dataset.yaml", tmp_path)
    assert "skipped 1 malformed record or file" in stdout and len(out["images"]) == 7


def test_labelme_other_shapes_are_reported(datasets, tmp_path):
    d = copy_of(datasets, "labelme", tmp_path)
    doc = json.loads((d / "a.json").read_text())
    doc["shapes"].append({"label": "car", "points": [[1, 1], [5, 1]], "shape_type": "circle", "flags": {}})
    (d / "a.json").write_text(json.dumps(doc))
    out = run("convert", d / "dataset.yaml", "--to", "coco", "--output", tmp_path / "o")
    assert "warning: 1 'circle' shape(s) not read (only rectangles and polygons are objects); first: " in out.stdout
    assert "a.json: shapes[" in out.stdout


def test_cvat_bad_box(datasets, tmp_path):
    d = copy_of(datasets, "cvat", tmp_path)
    replace_in(d / "annotations.xml", 'xtl="', 'xtl="-', 1)  # still a number: fine
    replace_in(d / "annotations.xml", 'ybr="', 'ybr="oops', 1)
    assert_one_line_error(run("check", d / "dataset.yaml", check=False), r"annotations\.xml:\d+: ybr: expected a number, got 'oops")
    stdout, out = convert_skipping(d / "dataset.yaml", tmp_path)
    assert "skipped 1 malformed record or file" in stdout and len(out["images"]) == 7


def test_cvat_malformed_xml(datasets, tmp_path):
    d = copy_of(datasets, "cvat", tmp_path)
    replace_in(d / "annotations.xml", "</image>", "</imag>")
    assert_one_line_error(run("check", d / "dataset.yaml", check=False), r"annotations\.xml:\d+:\d+: invalid XML")


def test_spec_errors_name_the_key(tmp_path):
    spec = tmp_path / "d.yaml"
    spec.write_text("format: pascal\nroot: x\n")
    assert_one_line_error(run("check", spec, check=False), r"d\.yaml:1: format: unknown dataset format 'pascal' \(known: coco, voc, yolo")
    spec.write_text("format: voc\nroot: nowhere\n")
    assert_one_line_error(run("check", spec, check=False), r"d\.yaml:2: root: folder not found: ")
    proc = run("convert", spec, "--to", "png", "--output", tmp_path / "o", check=False)
    assert proc.returncode == 2 and "--to: unknown dataset format 'png'" in proc.stderr


def test_missing_image_where_boxes_need_its_size(datasets, tmp_path):
    # Open Images and YOLO boxes are normalised: without the image there is no box to read.
    d = copy_of(datasets, "openimages", tmp_path)
    (d / "images" / "c.bmp").unlink()
    assert_one_line_error(run("check", d / "dataset.yaml", check=False), r"images/c\.jpg: image not found \(ImageID 'c'; boxes from .*boxes\.csv:\d+\)")
    stdout, out = convert_skipping(d / "dataset.yaml", tmp_path)
    assert "skipped 1 malformed record or file" in stdout and len(out["images"]) == 7


def test_missing_image_where_the_annotations_know_its_size(datasets, tmp_path):
    # VOC records the size: the dataset reads, and `check` names the missing file.
    d = copy_of(datasets, "voc", tmp_path)
    (d / "JPEGImages" / "c.bmp").unlink()
    out = run("check", d / "dataset.yaml", check=False)
    assert out.returncode == 1
    assert "error: missing image (1)\n  " + str(d / "JPEGImages" / "c.bmp") + ": image not found (image 3 (c.bmp))" in out.stdout


# YOLO pose labels: data.yaml's kpt_shape says how long every line is.


@pytest.fixture(scope="module")
def pose_dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("pose")
    spec = make_coco_keypoints(root / "coco")
    run("convert", spec, "--to", "yolo", "--output", root / "yolo", "--copy-images")
    return root


def first_line_changed(label, change):
    lines = label.read_text().splitlines()
    values = lines[0].split()
    change(values)
    lines[0] = " ".join(values)
    label.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(("change", "message"), [
    (lambda v: v.pop(), r"c\.txt:1: expected '<class> <cx> <cy> <w> <h>' and 17 keypoints of 3 values \(x y v; data\.yaml's kpt_shape is \[17, 3\]\): 56 values, got 55"),
    (lambda v: v.extend(["0.1", "0.1", "2"]), r"c\.txt:1: expected .* 56 values, got 59"),
    (lambda v: v.__setitem__(5 + 3 * 4 + 2, "3"), r"c\.txt:1: keypoint 5: visibility 3 is not 0, 1 or 2"),
    (lambda v: v.__setitem__(5 + 2, "-1"), r"c\.txt:1: keypoint 1: visibility -1 is not 0, 1 or 2"),
    (lambda v: v.__setitem__(5 + 3 * 2 + 2, "1.5"), r"c\.txt:1: keypoint 3: visibility 1\.5 is not 0, 1 or 2"),
    (lambda v: v.__setitem__(5 + 3 * 16, "nan"), r"c\.txt:1: keypoint 17: 'nan' is not a number"),
    (lambda v: v.__setitem__(5 + 1, "inf"), r"c\.txt:1: keypoint 1: 'inf' is not a number"),
    (lambda v: v.__setitem__(2, "1e999"), r"c\.txt:1: '1e999' is not a number"),
])
def test_yolo_bad_pose_line(change, message, pose_dataset, tmp_path):
    d = copy_of(pose_dataset, "yolo", tmp_path)
    first_line_changed(d / "labels" / "c.txt", change)
    assert_one_line_error(run("check", d / "dataset.yaml", check=False), message)
    stdout, out = convert_skipping(d / "dataset.yaml", tmp_path)
    assert "skipped 1 malformed record or file" in stdout and len(out["images"]) == 4


@pytest.mark.parametrize(("lines", "message"), [
    ("kpt_shape: [17]", r"data\.yaml:\d+: kpt_shape: expected \[number of keypoints, 2 or 3\]"),
    ("kpt_shape: [17, 4]", r"data\.yaml:\d+: kpt_shape: expected \[number of keypoints, 2 or 3\]"),
    ("kpt_shape: [0, 3]", r"data\.yaml:\d+: kpt_shape: expected \[number of keypoints, 2 or 3\]"),
    ("kpt_shape: [-17, 3]", r"data\.yaml:\d+: kpt_shape: expected \[number of keypoints, 2 or 3\]"),
    ("kpt_shape: 17", r"data\.yaml:\d+: kpt_shape: expected \[number of keypoints, 2 or 3\]"),
    ("kpt_shape: [17.5, 3]", r"data\.yaml:\d+: kpt_shape: expected \[number of keypoints, 2 or 3\]"),
    ("kpt_shape: [17, 3]\nflip_idx: [0, 1]", r"data\.yaml:\d+: flip_idx: expected a list of 17 keypoint indices"),
    ("kpt_shape: [17, 3]\nflip_idx: [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 17]",
     r"data\.yaml:\d+: flip_idx: expected keypoint indices from 0 to 16"),
    ("kpt_shape: [17, 3]\nkpt_names: {0: [a, b]}", r"data\.yaml:\d+: kpt_names\.0: 2 keypoint names, where kpt_shape has 17"),
    ("kpt_shape: [17, 3]\nkpt_names: {1: [a]}", r"data\.yaml:\d+: kpt_names\.1: expected a class index \(0 to 0\)"),
    ("kpt_shape: [17, 3]\nkpt_names: [a, b]", r"data\.yaml:\d+: kpt_names: expected a mapping class index: list of keypoint names"),
    ("kpt_shape: [16, 3]", r"\w\.txt:1: expected .*kpt_shape is \[16, 3\]\): 53 values, got 56"),
])
def test_yolo_bad_pose_data_yaml(lines, message, pose_dataset, tmp_path):
    d = copy_of(pose_dataset, "yolo", tmp_path)
    text = (d / "data.yaml").read_text()
    kept = [line for line in text.splitlines() if not line.startswith(("kpt_shape", "flip_idx", "kpt_names", "  ", "    "))]
    # names: is a mapping written as "  0: ..." lines: keep the class names, replace the pose keys.
    names = "names: [person]"
    (d / "data.yaml").write_text("\n".join(line for line in kept if line != "names:") + f"\n{names}\n{lines}\n")
    assert_one_line_error(run("check", d / "dataset.yaml", check=False), message)
