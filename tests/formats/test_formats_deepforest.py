"""A real dataset no one here wrote: the Pascal VOC annotations shipped inside the `deepforest`
wheel on PyPI (tree crowns in aerial images), read by our VOC reader and checked against
deepforest's own CSV of the same boxes and against globox's reading of the same XML."""

import csv
import json
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from formats_support import by_file, run

CACHE = Path(__file__).resolve().parents[1] / ".cache"
VERSION = "2.1.0"


@pytest.fixture(scope="module")
def data_dir():
    wheel = CACHE / f"deepforest-{VERSION}-py3-none-any.whl"
    if not wheel.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
             f"deepforest=={VERSION}", "-d", str(CACHE)],
            check=False, capture_output=True, text=True, timeout=300,
        )
        if proc.returncode != 0 or not wheel.exists():
            pytest.skip(f"PyPI unreachable: cannot download deepforest {VERSION}: {proc.stderr.strip()[-300:]}")
    out = CACHE / f"deepforest-{VERSION}"
    data = out / "deepforest" / "data"
    if not (data / "OSBS_029.xml").exists():
        with zipfile.ZipFile(wheel) as z:
            z.extractall(out, [n for n in z.namelist() if n.startswith("deepforest/data/")])
    return data


@pytest.fixture(scope="module")
def converted(data_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("deepforest")
    spec = tmp / "dataset.yaml"
    spec.write_text(f"format: voc\nannotations: {data_dir}\n")
    run("convert", spec, "--to", "coco", "--output", tmp / "coco")
    return spec, json.loads((tmp / "coco" / "annotations.json").read_text())


def test_check_reads_every_file(converted):
    spec, doc = converted
    out = run("check", spec)
    assert f"boxes:  {len(doc['annotations'])} (" in out.stdout
    assert len(doc["images"]) == 4 and len(doc["annotations"]) > 900
    # One of them names a TIFF: its size comes from the XML, and the header check reads the TIFF.
    assert "OSBS_029.tif" in {im["file_name"] for im in doc["images"]}
    assert "OK: 0 errors" in out.stdout


def test_boxes_match_deepforests_own_csv(data_dir, converted):
    _, doc = converted
    with open(data_dir / "OSBS_029.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    ours = by_file(doc)["OSBS_029.tif"]
    assert len(ours) == len(rows) > 0
    # VOC is 1-based and inclusive: xmin is pixel xmin-1's right neighbour, so x = xmin - 1.
    for (label, (x1, y1, x2, y2), _), row in zip(ours, rows):
        assert label == row["label"]
        assert (x1 + 1, y1 + 1, x2, y2) == tuple(float(row[k]) for k in ("xmin", "ymin", "xmax", "ymax"))


def test_same_boxes_as_globox(data_dir, converted):
    globox = pytest.importorskip("globox")
    _, doc = converted
    theirs = globox.AnnotationSet.from_pascal_voc(data_dir)
    ours = by_file(doc)
    assert sorted(theirs.image_ids) == sorted(ours)
    for ann in theirs:
        mine = ours[ann.image_id]
        assert Counter(b.label for b in ann.boxes) == Counter(label for label, _, _ in mine)
        # globox reads VOC numbers as they are; we shift the left/top edge by the 1-based offset.
        assert sorted(tuple(b.ltrb) for b in ann.boxes) == sorted((x1 + 1, y1 + 1, x2, y2) for _, (x1, y1, x2, y2), _ in mine)


def test_voc_written_back_is_identical(data_dir, converted, tmp_path):
    spec, _ = converted
    run("convert", spec, "--to", "voc", "--output", tmp_path / "voc")
    written = {}
    for xml in (tmp_path / "voc" / "Annotations").glob("*.xml"):
        written[xml.stem] = _boxes(xml)
    assert written.keys() == {p.stem for p in data_dir.glob("*.xml")}
    for name, boxes in written.items():
        assert boxes == _boxes(data_dir / f"{name}.xml")


def _boxes(xml_path):
    import xml.etree.ElementTree as ET

    root = ET.parse(xml_path).getroot()
    return [
        (o.findtext("name"), *(int(float(o.find("bndbox").findtext(k))) for k in ("xmin", "ymin", "xmax", "ymax")))
        for o in root.iter("object")
    ]
