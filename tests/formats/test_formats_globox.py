"""globox (PyPI) as an independent reader and writer: what we write, globox reads, and what
globox writes, we read, box for box. Open Images is one way only: globox takes the ImageID as a
file name with its extension, while Open Images' ImageIDs (and ours) have none."""

import json
import os

import pytest
from formats_support import by_file, make_coco, run, to_coco

globox = pytest.importorskip("globox")

IMAGES = [("a.jpg", 160, 120), ("b.jpg", 200, 100), ("c.jpg", 64, 96), ("f.jpg", 320, 240), ("h.jpg", 90, 60)]


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    root = tmp_path_factory.mktemp("src")
    spec = make_coco(root, images=IMAGES)
    return spec, json.loads((root / "annotations.json").read_text())


def boxes_of(annotation_set):
    """file name -> sorted [(label, (x1, y1, x2, y2))] from a globox AnnotationSet."""
    return {a.image_id: sorted((b.label, tuple(b.ltrb)) for b in a.boxes) for a in annotation_set}


def ours(doc, offset=(0, 0, 0, 0)):
    return {
        f: sorted((label, tuple(e + d for e, d in zip(edges, offset))) for label, edges, _ in boxes)
        for f, boxes in by_file(doc).items()
    }


def assert_close(a, b, tolerance):
    assert a.keys() == b.keys()
    for name in a:
        assert [label for label, _ in a[name]] == [label for label, _ in b[name]], name
        for (_, e1), (_, e2) in zip(a[name], b[name]):
            assert max(abs(x - y) for x, y in zip(e1, e2)) <= tolerance, (name, e1, e2)


def convert(spec, fmt, out):
    run("convert", spec, "--to", fmt, "--output", out)
    return out


# What we write, globox reads.


def test_globox_reads_our_coco(source, tmp_path):
    spec, doc = source
    out = convert(spec, "coco", tmp_path / "coco")
    assert boxes_of(globox.AnnotationSet.from_coco(out / "annotations.json")) == ours(doc)


def test_globox_reads_our_yolo(source, tmp_path):
    spec, doc = source
    out = convert(spec, "yolo", tmp_path / "yolo")
    theirs = globox.AnnotationSet.from_yolo_v5(out / "labels", image_folder=out / "images")
    names = [c["name"] for c in sorted(doc["categories"], key=lambda c: c["id"])]
    theirs = theirs.map_labels({str(i): n for i, n in enumerate(names)})
    assert_close(boxes_of(theirs), ours(doc), 1e-9)


def test_globox_reads_our_labelme(source, tmp_path):
    spec, doc = source
    out = convert(spec, "labelme", tmp_path / "labelme")
    assert boxes_of(globox.AnnotationSet.from_labelme(out)) == ours(doc)


def test_globox_reads_our_cvat(source, tmp_path):
    spec, doc = source
    out = convert(spec, "cvat", tmp_path / "cvat")
    assert boxes_of(globox.AnnotationSet.from_cvat(out / "annotations.xml")) == ours(doc)


def test_globox_reads_our_voc(source, tmp_path):
    spec, _ = source
    out = convert(spec, "voc", tmp_path / "voc")
    back = to_coco(out / "dataset.yaml", tmp_path / "back")
    # globox takes VOC numbers as they are; the VOC convention (and we) count pixels from 1.
    assert boxes_of(globox.AnnotationSet.from_pascal_voc(out / "Annotations")) == ours(back, (1, 1, 0, 0))


# What globox writes, we read.


@pytest.fixture(scope="module")
def theirs(source):
    spec, _ = source
    return globox.AnnotationSet.from_coco(spec.parent / "annotations.json")


def link_images(spec, folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name, _, _ in IMAGES:
        os.symlink(spec.parent / "images" / name, folder / name)


def test_we_read_globox_coco(source, theirs, tmp_path):
    spec, doc = source
    theirs.save_coco(tmp_path / "gt.json")
    (tmp_path / "d.yaml").write_text(f"format: coco\nannotations: gt.json\nimages: {spec.parent / 'images'}\n")
    assert ours(to_coco(tmp_path / "d.yaml", tmp_path / "back")) == ours(doc)


def test_we_read_globox_yolo(source, theirs, tmp_path):
    spec, doc = source
    names = [c["name"] for c in sorted(doc["categories"], key=lambda c: c["id"])]
    link_images(spec, tmp_path / "images")
    theirs.save_yolo_v5(tmp_path / "labels", label_to_id={n: i for i, n in enumerate(names)})
    data = "val: images\nnames:\n" + "".join(f"  {i}: {json.dumps(n)}\n" for i, n in enumerate(names))
    (tmp_path / "data.yaml").write_text(data)
    (tmp_path / "d.yaml").write_text("format: yolo\ndata: data.yaml\n")
    assert_close(ours(to_coco(tmp_path / "d.yaml", tmp_path / "back")), ours(doc), 1e-9)


def test_we_read_globox_labelme(source, theirs, tmp_path):
    spec, doc = source
    theirs.save_labelme(tmp_path / "lm")
    link_images(spec, tmp_path / "lm")
    (tmp_path / "d.yaml").write_text("format: labelme\nannotations: lm\n")
    assert ours(to_coco(tmp_path / "d.yaml", tmp_path / "back")) == ours(doc)


def test_we_read_globox_cvat(source, theirs, tmp_path):
    spec, doc = source
    theirs.save_cvat(tmp_path / "annotations.xml")
    (tmp_path / "d.yaml").write_text(f"format: cvat\nannotations: annotations.xml\nimages: {spec.parent / 'images'}\n")
    assert ours(to_coco(tmp_path / "d.yaml", tmp_path / "back")) == ours(doc)


def test_we_read_globox_openimages(source, tmp_path):
    spec, doc = source
    # globox refuses commas in Open Images labels (it does not quote CSV fields).
    renamed = globox.AnnotationSet.from_coco(spec.parent / "annotations.json").map_labels({"sign, stop": "sign stop"})
    renamed.save_openimage(tmp_path / "boxes.csv")
    (tmp_path / "d.yaml").write_text(f"format: openimages\nboxes: boxes.csv\nimages: {spec.parent / 'images'}\n")
    back = to_coco(tmp_path / "d.yaml", tmp_path / "back")
    # Open Images lists boxes only: the image without boxes is not in globox's file.
    expected = {
        f: sorted(("sign stop" if label == "sign, stop" else label, e) for label, e in b) for f, b in ours(doc).items() if b
    }
    assert_close(ours(back), expected, 1e-9)


def test_we_read_globox_voc(source, theirs, tmp_path):
    spec, doc = source
    theirs.save_pascal_voc(tmp_path / "xml")
    (tmp_path / "d.yaml").write_text(f"format: voc\nannotations: xml\nimages: {spec.parent / 'images'}\n")
    assert_close(ours(to_coco(tmp_path / "d.yaml", tmp_path / "back")), ours(doc, (-1, -1, 0, 0)), 1e-9)
