"""Issue 12, bad input: every case is one line naming the file (and line, key or byte offset),
exit 1 (2 for a bad command line), never a crash, a hang or a half-written output.
docs/reliability.md lists these tests against the cases they cover."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BIN, REPO, error_line, run_ds
from PIL import Image

CATEGORIES = [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]
DETECTIONS = [{"image_id": 1, "category_id": 1, "bbox": [1, 1, 10, 10], "score": 0.9}]


def coco_dataset(root: Path, file_name: str = "a.png", images: int = 1) -> Path:
    """A COCO dataset (PNG images, annotations.json, dataset.yaml) under root; returns the yaml."""
    (root / "images").mkdir(parents=True, exist_ok=True)
    doc = {"images": [], "annotations": [], "categories": CATEGORIES}
    for i in range(1, images + 1):
        name = file_name if i == 1 else f"{i}.png"
        Image.new("RGB", (64, 48), (i, 2, 3)).save(root / "images" / name)
        doc["images"].append({"id": i, "file_name": name, "width": 64, "height": 48})
        doc["annotations"].append({"id": i, "image_id": i, "category_id": 1, "bbox": [1, 2, 30, 20],
                                   "area": 600, "iscrowd": 0})
    (root / "annotations.json").write_text(json.dumps(doc), encoding="utf-8")
    spec = root / "dataset.yaml"
    spec.write_text("format: coco\nannotations: annotations.json\nimages: images\n")
    return spec


def latin1_coco(root: Path) -> Path:
    """A COCO file whose file name is Latin-1 ("café.png" with a bare 0xE9), as real files are."""
    spec = coco_dataset(root, "cafe.png")
    ann = root / "annotations.json"
    ann.write_bytes(ann.read_bytes().replace(b'"cafe.png"', b'"caf\xe9.png"'))
    return spec


def offset_of_bad_byte(path: Path) -> int:
    return path.read_bytes().index(b"\xe9")


def assert_names_offset(line: str, path: Path) -> None:
    assert str(path) in line, line
    offset = offset_of_bad_byte(path)
    assert "invalid UTF-8" in line and f"offset {offset}" in line, line
    line_no = path.read_bytes()[:offset].count(b"\n") + 1
    assert f"{path}:{line_no}:" in line, line  # the line (and column) too


# --- invalid UTF-8 ------------------------------------------------------------------------------


def test_invalid_utf8_in_score_gt_is_an_error(tmp_path):
    latin1_coco(tmp_path)
    dt = tmp_path / "dt.json"
    dt.write_text(json.dumps(DETECTIONS))
    proc = run_ds("score", "--gt", tmp_path / "annotations.json", "--dt", dt)
    assert proc.returncode == 1, proc.stderr
    assert_names_offset(error_line(proc), tmp_path / "annotations.json")
    assert "(in images[0].file_name)" in proc.stderr


def test_invalid_utf8_in_score_results_is_an_error(tmp_path):
    coco_dataset(tmp_path)
    dt = tmp_path / "dt.json"
    dt.write_bytes(json.dumps(DETECTIONS).replace('"score"', '"n\\u00e9", "x": 1, "score"').encode()
                   .replace(b"n\\u00e9", b"n\xe9"))
    proc = run_ds("score", "--gt", tmp_path / "annotations.json", "--dt", dt)
    assert proc.returncode == 1, proc.stderr
    assert_names_offset(error_line(proc), dt)


def test_invalid_utf8_in_large_results_file_is_an_error(tmp_path):
    """Files over 4 MiB are read in two halves on two threads: the same error from either half."""
    coco_dataset(tmp_path)
    records = [json.dumps({"image_id": 1, "category_id": 1, "bbox": [1, 1, 10, 10], "score": 0.5})] * 60000
    records[45000] = records[45000].replace('"score"', '"caf\xe9": 0, "score"')
    dt = tmp_path / "dt.json"
    dt.write_bytes(("[" + ",\n ".join(records) + "]").encode("latin-1"))
    proc = run_ds("score", "--gt", tmp_path / "annotations.json", "--dt", dt)
    assert proc.returncode == 1, proc.stderr
    line = error_line(proc)
    assert str(dt) in line and f"offset {offset_of_bad_byte(dt)}" in line, line


@pytest.mark.parametrize("command", ["check", "convert"])
def test_invalid_utf8_in_coco_check_and_convert_is_an_error(tmp_path, command):
    spec = latin1_coco(tmp_path / "d")
    args = ["--to", "voc", "--output", tmp_path / "out"] if command == "convert" else []
    proc = run_ds(command, spec, *args)
    assert proc.returncode == 1, proc.stderr
    assert_names_offset(error_line(proc), tmp_path / "d" / "annotations.json")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["check", "convert"])
def test_invalid_utf8_in_labelme_is_an_error(tmp_path, command):
    d = tmp_path / "lm"
    d.mkdir()
    Image.new("RGB", (64, 48)).save(d / "a.png")
    shape = {"label": "caf\u00e9", "points": [[1, 2], [30, 40]], "shape_type": "rectangle", "flags": {}}
    doc = {"shapes": [shape], "imagePath": "a.png", "imageHeight": 48, "imageWidth": 64}
    (d / "a.json").write_bytes(json.dumps(doc, ensure_ascii=False).encode("latin-1"))
    (d / "dataset.yaml").write_text("format: labelme\nannotations: .\n")
    args = ["--to", "coco", "--output", tmp_path / "out"] if command == "convert" else []
    proc = run_ds(command, d / "dataset.yaml", *args)
    assert proc.returncode == 1, proc.stderr
    assert_names_offset(error_line(proc), d / "a.json")


def test_invalid_utf8_in_text_formats_is_an_error(tmp_path):
    """CSV, XML without an encoding declaration, names files: the same error, not bytes passed
    on into the JSON that convert writes."""
    d = tmp_path / "oi"
    (d / "images").mkdir(parents=True)
    Image.new("RGB", (64, 48)).save(d / "images" / "a.jpg")
    (d / "boxes.csv").write_bytes(b"ImageID,LabelName,XMin,XMax,YMin,YMax\na,caf\xe9,0.1,0.2,0.1,0.2\n")
    (d / "dataset.yaml").write_text("format: openimages\nboxes: boxes.csv\nimages: images\n")
    proc = run_ds("check", d / "dataset.yaml")
    assert proc.returncode == 1, proc.stderr
    assert_names_offset(error_line(proc), d / "boxes.csv")

    v = tmp_path / "voc"
    v.mkdir()
    Image.new("RGB", (64, 48)).save(v / "a.png")
    (v / "a.xml").write_bytes(b"<annotation>\n<filename>a.png</filename><object><name>caf\xe9</name><bndbox>"
                              b"<xmin>1</xmin><ymin>1</ymin><xmax>9</xmax><ymax>9</ymax></bndbox></object>"
                              b"</annotation>")
    (v / "dataset.yaml").write_text("format: voc\nannotations: .\n")
    proc = run_ds("convert", v / "dataset.yaml", "--to", "coco", "--output", tmp_path / "out")
    assert proc.returncode == 1, proc.stderr
    assert_names_offset(error_line(proc), v / "a.xml")

    spec = darknet(tmp_path / "dn")
    (tmp_path / "dn" / "obj.names").write_bytes(b"cat\ncaf\xe9\n")
    proc = run_ds("check", spec)
    assert proc.returncode == 1, proc.stderr
    assert_names_offset(error_line(proc), tmp_path / "dn" / "obj.names")


@pytest.mark.parametrize("command", ["evaluate", "render"])
def test_invalid_utf8_in_evaluate_and_render_is_an_error(tmp_path, command):
    latin1_coco(tmp_path / "d")
    config = tmp_path / "run.yaml"
    config.write_text(f"dataset: d/dataset.yaml\nmodel: {REPO / 'configs/models/shapes-fcos.yaml'}\n")
    args = ["--output", tmp_path / "out"] if command == "render" else []
    proc = run_ds(command, config, *args)
    assert proc.returncode == 1, proc.stderr
    assert_names_offset(error_line(proc), tmp_path / "d" / "annotations.json")


def test_invalid_utf8_in_python_coco_api_raises(tmp_path):
    """COCO(path) used to kill the interpreter: now a ValueError naming the file and offset."""
    latin1_coco(tmp_path)
    ann = tmp_path / "annotations.json"
    code = ("from detection_studio.coco import COCO\n"
            f"try:\n    COCO({str(ann)!r})\nexcept ValueError as e:\n    print('raised:', e)\n")
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.splitlines()[-1]
    assert last.startswith("raised: "), proc.stdout
    assert_names_offset(last, ann)


# --- inputs that are not regular files -----------------------------------------------------------


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def darknet(root: Path) -> Path:
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    Image.new("RGB", (64, 48)).save(root / "images" / "a.png")
    (root / "labels" / "a.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    (root / "images.txt").write_text("images/a.png\n")
    (root / "obj.names").write_text("cat\n")
    (root / "dataset.yaml").write_text("format: darknet\nlist: images.txt\nnames: obj.names\n")
    return root / "dataset.yaml"


@pytest.mark.parametrize("which", ["dataset_yaml", "coco_json", "darknet_names", "yolo_label", "score_gt"])
def test_fifo_as_input_is_refused(tmp_path, which):
    """A FIFO used to block forever: refused before anything is opened for reading."""
    if which == "dataset_yaml":
        args, bad = ["check", fifo(tmp_path / "dataset.yaml")], tmp_path / "dataset.yaml"
    elif which == "coco_json":
        spec = coco_dataset(tmp_path)
        (tmp_path / "annotations.json").unlink()
        bad = fifo(tmp_path / "annotations.json")
        args = ["check", spec]
    elif which == "score_gt":
        dt = tmp_path / "dt.json"
        dt.write_text(json.dumps(DETECTIONS))
        bad = fifo(tmp_path / "gt.json")
        args = ["score", "--gt", bad, "--dt", dt]
    else:
        spec = darknet(tmp_path)
        bad = tmp_path / ("obj.names" if which == "darknet_names" else "labels/a.txt")
        bad.unlink()
        fifo(bad)
        args = ["check", spec]
    proc = run_ds(*args, timeout=20)
    assert proc.returncode == 1, proc.stderr
    line = error_line(proc)
    assert str(bad) in line and "FIFO" in line, line


@pytest.mark.parametrize("line", ["0 0.5 0.5 0.2 0.2 1e6 1e6 0.9 0.1\n",  # a segment point
                                  "0 0.5 0.5 40 0.2\n",  # pixels where a fraction belongs
                                  "0 -3 0.5 0.2 0.2\n"])
def test_yolo_label_far_outside_the_image_is_refused(tmp_path, line):
    """A segment at 1e6 image widths was rasterised for 14 s (fuzz_yolo_text's timeout)."""
    spec = darknet(tmp_path)
    (tmp_path / "labels" / "a.txt").write_text("0 0.5 0.5 0.2 0.2\n" + line)
    proc = run_ds("check", spec, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert f"{tmp_path / 'labels' / 'a.txt'}:2: " in error_line(proc)
    assert "is not a normalised coordinate" in error_line(proc)
    # 1% past the edge is rounding: read (check then names the boxes crossing the edges)
    (tmp_path / "labels" / "a.txt").write_text("0 0.5 0.5 1.005 0.2\n0 0.1 0.1 1.005 0.5 0.5 -0.004\n")
    kept = run_ds("check", spec, timeout=60)
    assert "boxes:  2 " in kept.stdout and "normalised" not in kept.stdout + kept.stderr


def test_dev_zero_as_input_is_refused(tmp_path):
    spec = darknet(tmp_path)
    (tmp_path / "obj.names").unlink()
    (tmp_path / "obj.names").symlink_to("/dev/zero")
    proc = run_ds("check", spec, timeout=20)
    assert proc.returncode == 1, proc.stderr
    assert "character device, not a regular file" in error_line(proc)


def test_proc_self_mem_as_list_file_is_an_error(tmp_path):
    """Used to say "internal error: basic_string::_M_replace_aux"."""
    spec = darknet(tmp_path)
    spec.write_text("format: darknet\nlist: /proc/self/mem\nnames: obj.names\n")
    proc = run_ds("check", spec, timeout=20)
    assert proc.returncode == 1, proc.stderr
    line = error_line(proc)
    assert "/proc/self/mem" in line and "internal error" not in line, line


# --- score --output ------------------------------------------------------------------------------


def test_score_output_same_as_dt_is_refused(tmp_path):
    coco_dataset(tmp_path)
    dt = tmp_path / "dt.json"
    dt.write_text(json.dumps(DETECTIONS))
    before = dt.read_bytes()
    for out in (dt, tmp_path / "." / "dt.json"):
        proc = run_ds("score", "--gt", tmp_path / "annotations.json", "--dt", dt, "--output", out)
        assert proc.returncode == 2, proc.stderr
        assert "is the --dt file" in proc.stderr
    assert dt.read_bytes() == before


def test_score_output_same_as_gt_is_refused(tmp_path):
    coco_dataset(tmp_path)
    gt = tmp_path / "annotations.json"
    dt = tmp_path / "dt.json"
    dt.write_text(json.dumps(DETECTIONS))
    before = gt.read_bytes()
    proc = run_ds("score", "--gt", gt, "--dt", dt, "--output", gt)
    assert proc.returncode == 2 and "is the --gt file" in proc.stderr, proc.stderr
    assert gt.read_bytes() == before


def test_score_output_folder_is_refused(tmp_path):
    """Used to say "cannot replace: Success"."""
    coco_dataset(tmp_path)
    dt = tmp_path / "dt.json"
    dt.write_text(json.dumps(DETECTIONS))
    for out in ("./", ".", "sub/"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        proc = run_ds("score", "--gt", "annotations.json", "--dt", "dt.json", "--output", out, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert "is a folder" in proc.stderr and "Success" not in proc.stderr, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["annotations.json", "dataset.yaml", "dt.json",
                                                         "images", "sub"]


# --- convert publishes its outputs together --------------------------------------------------------


def run_with_file_size_limit(limit: int, *args) -> subprocess.CompletedProcess[str]:
    """The CLI with writes past `limit` bytes failing (EFBIG), as on a full disk."""

    def limit_writes():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an error from write(), not a signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([str(BIN / "detection-studio"), *map(str, args)], capture_output=True, text=True,
                          timeout=120, preexec_fn=limit_writes, check=False)


def big_dataset(root: Path) -> Path:
    """Six images of ~30 kB each (noise does not compress)."""
    spec = coco_dataset(root, images=6)
    for png in (root / "images").glob("*.png"):
        Image.frombytes("RGB", (64, 48), os.urandom(64 * 48 * 3)).resize((128, 96)).save(png)
    return spec


@pytest.mark.parametrize("fmt", ["voc", "yolo", "coco", "labelme"])
def test_convert_disk_full_leaves_no_partial_output(tmp_path, fmt):
    spec = big_dataset(tmp_path / "src")
    out = tmp_path / "out"
    proc = run_with_file_size_limit(20_000, "convert", spec, "--to", fmt, "--output", out, "--copy-images")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    line = error_line(proc)
    # The final name, not the hidden staging folder's; the reason is the kernel's (EFBIG, or EIO
    # from libstdc++'s copy_file).
    assert f"{out}/" in line and "cannot copy image" in line and ".partial" not in line, line
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["src"]  # no staging folder left behind


def test_convert_failure_keeps_previous_output(tmp_path):
    spec = big_dataset(tmp_path / "src")
    out = tmp_path / "out"
    run_ds("convert", spec, "--to", "voc", "--output", out)  # links: small files
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    assert "Annotations/a.xml" in before
    proc = run_with_file_size_limit(20_000, "convert", spec, "--to", "yolo", "--output", out, "--copy-images")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "src"]


def test_convert_replaces_previous_output_as_a_whole(tmp_path):
    spec = coco_dataset(tmp_path / "src")
    out = tmp_path / "out"
    assert run_ds("convert", spec, "--to", "voc", "--output", out).returncode == 0
    proc = run_ds("convert", spec, "--to", "yolo", "--output", out)
    assert proc.returncode == 0, proc.stderr
    assert not (out / "Annotations").exists()  # nothing of the VOC output mixed in
    assert "format: yolo" in (out / "dataset.yaml").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "src"]


def test_convert_refuses_folder_it_would_destroy(tmp_path):
    spec = coco_dataset(tmp_path / "src")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    proc = run_ds("convert", spec, "--to", "voc", "--output", tmp_path / "mine")
    assert proc.returncode == 2 and "holds no dataset.yaml" in proc.stderr, proc.stderr
    proc = run_ds("convert", spec, "--to", "voc", "--output", tmp_path / "src")
    assert proc.returncode == 2 and "holds the dataset being converted" in proc.stderr, proc.stderr
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
    assert (tmp_path / "src" / "annotations.json").exists()


# --- configs ---------------------------------------------------------------------------------------


def model_config(tmp_path: Path, **overrides: str) -> Path:
    models = REPO / "configs" / "models"
    keys = {"name": "m", "module": "pytorch_detect", "classes": str(models / "shapes.names"),
            "threads": "1", "max_detections": "100", "weights": str(models / "shapes_fcos.pt")}
    keys.update(overrides)
    text = "".join(f"{k}: {v}\n" for k, v in keys.items() if k != "weights")
    text += f"model:\n  format: state_dict\n  architecture: detection_studio.demo_model:build\n" \
            f"  args: {{num_classes: 6}}\n  weights: {keys['weights']}\n"
    path = tmp_path / "model.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("threads", "100000", r"model.yaml:\d+: threads: expected an integer from 0 to 1024, got 100000"),
    ("weights", "/dev/zero", r"/dev/zero: is a character device, not a regular file"),
    ("max_detections", "1e20", r"model.yaml:\d+: max_detections: expected an integer, got '1e20'"),
    ("max_detections", "0", r"max_detections: expected an integer from 1 to 1000000"),
])
def test_model_config_checked_before_python(tmp_path, key, value, expected):
    """`threads: 100000` and `weights: /dev/zero` used to say "file not found"; 1e20 passed."""
    import re

    spec = coco_dataset(tmp_path / "d")
    config = tmp_path / "run.yaml"
    config.write_text(f"dataset: {spec}\nmodel: model.yaml\n")
    model_config(tmp_path, **{key: value})
    proc = run_ds("evaluate", config, "--output", tmp_path / "out", timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert re.search(expected, error_line(proc)), proc.stderr
    assert "file not found" not in proc.stderr


def test_run_config_empty_metrics_list_is_an_error(tmp_path):
    spec = coco_dataset(tmp_path / "d")
    config = tmp_path / "run.yaml"
    config.write_text(f"dataset: {spec}\nmodel: model.yaml\nmetrics: []\n")
    model_config(tmp_path)
    proc = run_ds("evaluate", config, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "run.yaml:3: metrics: empty list" in error_line(proc)


# --- messages and empty datasets -------------------------------------------------------------------


def test_csv_quoted_newline_in_error_stays_one_line(tmp_path):
    d = tmp_path / "oi"
    (d / "images").mkdir(parents=True)
    Image.new("RGB", (64, 48)).save(d / "images" / "a.jpg")
    (d / "boxes.csv").write_text('ImageID,LabelName,XMin,XMax,YMin,YMax\na,cat,"0.1\nevil",0.2,0.1,0.2\n')
    (d / "classes.csv").write_text("cat,Cat\n")
    (d / "dataset.yaml").write_text("format: openimages\nboxes: boxes.csv\nimages: images\n"
                                    "class_descriptions: classes.csv\n")
    proc = run_ds("check", d / "dataset.yaml")
    assert proc.returncode == 1, proc.stderr
    line = error_line(proc)  # exactly one line
    assert "boxes.csv:2: '0.1\\nevil' is not a number" in line, line


def test_empty_dataset_fails_check(tmp_path):
    root = tmp_path / "empty"
    (root / "images").mkdir(parents=True)
    (root / "annotations.json").write_text(json.dumps({"images": [], "annotations": [], "categories": CATEGORIES}))
    (root / "dataset.yaml").write_text("format: coco\nannotations: annotations.json\nimages: images\n")
    proc = run_ds("check", root / "dataset.yaml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "no images" in proc.stdout


@pytest.mark.parametrize("large", [False, True])
def test_records_after_an_early_closing_bracket_are_an_error(tmp_path, large):
    """Found by fuzzing: a ']' (or '}') too early ended the list and the records after it were
    silently dropped by the whole-file reader but read by the two-halves one."""
    coco_dataset(tmp_path)
    record = json.dumps({"image_id": 1, "category_id": 1, "bbox": [1, 1, 10, 10], "score": 0.5})
    n = 60000 if large else 3  # over 4 MiB: the two-halves reader
    dt = tmp_path / "dt.json"
    dt.write_text("[" + record + "], " + ",\n ".join([record] * n) + "]")
    proc = run_ds("score", "--gt", tmp_path / "annotations.json", "--dt", dt)
    assert proc.returncode == 1, proc.stderr
    assert "unexpected content after the list of detections" in error_line(proc)
    gt = json.loads((tmp_path / "annotations.json").read_text())
    bad_gt = tmp_path / "bad_gt.json"
    bad_gt.write_text(json.dumps(gt) + ' {"images": []}')
    good = tmp_path / "good.json"
    good.write_text("[" + record + "]")
    proc = run_ds("score", "--gt", bad_gt, "--dt", good)
    assert proc.returncode == 1 and "bad_gt.json" in error_line(proc)


def test_polygon_error_in_results_names_the_file(tmp_path):
    """Used to say "detection [0]: 'segmentation': polygon 0: ..." without the file."""
    spec = coco_dataset(tmp_path)
    dt = tmp_path / "dt.json"
    dt.write_text(json.dumps([{"image_id": 1, "category_id": 1, "segmentation": [[1, 2, 3]],
                               "bbox": [1, 2, 3, 4], "score": 0.5}]))
    gt = tmp_path / "annotations.json"
    doc = json.loads(gt.read_text())
    doc["annotations"][0]["segmentation"] = [[1, 2, 30, 2, 30, 20]]
    gt.write_text(json.dumps(doc))
    assert spec.is_file()
    proc = run_ds("score", "--gt", gt, "--dt", dt, "--iou-type", "segm")
    assert proc.returncode == 1
    assert error_line(proc).endswith(f"{dt}: detection [0]: 'segmentation': polygon 0: 3 numbers; "
                                     "a polygon needs at least 3 points")


def test_nul_byte_in_a_file_name_is_escaped_in_check(tmp_path):
    """A NUL in a file name went out raw, cutting the line for whoever reads it."""
    spec = coco_dataset(tmp_path, "a.png")
    gt = tmp_path / "annotations.json"
    gt.write_text(gt.read_text().replace('"a.png"', '"a\\u0000b.png"'))
    proc = run_ds("check", spec)
    assert proc.returncode == 1
    assert "\0" not in proc.stdout
    assert "a\\x00b.png: image not found" in proc.stdout


def test_a_nul_byte_in_a_path_does_not_cut_the_message_short(tmp_path: Path) -> None:
    spec = tmp_path / "data.yaml"
    spec.write_text('format: coco\nannotations: "a\\0b.json"\nimages: .\n')
    done = run_ds("check", spec)
    assert done.returncode == 1
    line = error_line(done)
    assert "data.yaml:2: annotations: file not found: " in line and line.endswith("a\\x00b.json"), line


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/usr/bin/setpriv").exists(),
                    reason="runs the command as nobody (root reads any folder): needs root and setpriv")
def test_an_unreadable_subfolder_is_named_not_its_parent() -> None:
    import shutil
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="ds-unreadable-"))  # not under pytest's 0700 folders
    try:
        (root / "images" / "val" / "locked").mkdir(parents=True)
        (root / "images" / "val" / "a.jpg").write_bytes(b"")
        (root / "data.yaml").write_text("path: .\nval: images/val\nnames: {0: thing}\n")
        (root / "dataset.yaml").write_text("format: yolo\ndata: data.yaml\nsplit: val\n")
        for p in [root, *root.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
        (root / "images" / "val" / "locked").chmod(0o000)
        done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                               str(BIN / "detection-studio"), "check", str(root / "dataset.yaml")],
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 1
        line = error_line(done)
        assert f"{root}/images/val/locked: cannot list folder: Permission denied" in line, line
    finally:
        (root / "images" / "val" / "locked").chmod(0o755)
        shutil.rmtree(root)
