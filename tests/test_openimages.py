"""--metric openimages: the Open Images challenge detection metric against our numpy port of the
TF Object Detection API's evaluation (tests/oid_reference.py): the reference checked by hand on
tiny cases, then ours equal to it (mAP and every class's AP to 1e-9) on randomized challenge-like
sets; score --gt DATASET.yaml with the challenge CSV or a COCO results JSON; one line and exit 1
for each kind of bad input."""

from __future__ import annotations

import json
import random
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import oid_reference as ref
import pytest
from conftest import BIN

CLI = BIN / "detection-studio"
ROOT = "/m/root"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, timeout=300, check=False)


@dataclass
class Case:
    classes: list[tuple[str, str]]  # (LabelName, DisplayName)
    boxes: list[ref.Box]
    labels: list[ref.Label]
    predictions: list[ref.Prediction]
    hierarchy: dict[str, Any] | None = None
    image_ids: list[str] = field(default_factory=list)
    expand_detections: bool = False

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        ref.write_csv(folder / "classes.csv", ["LabelName", "DisplayName"], self.classes)
        ref.write_csv(folder / "boxes.csv", ["ImageID", "Source", "LabelName", "Confidence", "XMin", "XMax", "YMin", "YMax", "IsGroupOf"],
                      [(b.image, "xclick", b.label, 1, b.xmin, b.xmax, b.ymin, b.ymax, int(b.group_of)) for b in self.boxes])
        ref.write_csv(folder / "labels.csv", ["ImageID", "Source", "LabelName", "Confidence"],
                      [(lab.image, "verification", lab.label, lab.confidence) for lab in self.labels])
        ref.write_csv(folder / "dets.csv", ["ImageID", "LabelName", "Score", "XMin", "XMax", "YMin", "YMax"],
                      [(p.image, p.label, p.score, p.xmin, p.xmax, p.ymin, p.ymax) for p in self.predictions])
        spec = "format: openimages\nboxes: boxes.csv\nlabels: labels.csv\nclass_descriptions: classes.csv\n"
        if self.hierarchy is not None:
            (folder / "hierarchy.json").write_text(json.dumps(self.hierarchy))
            spec += "hierarchy: hierarchy.json\n"
        if self.image_ids:
            ref.write_csv(folder / "image_ids.csv", ["ImageID"], [(i,) for i in self.image_ids])
            spec += "image_ids: image_ids.csv\n"
        if self.expand_detections:
            spec += "expand_detections: true\n"
        (folder / "dataset.yaml").write_text(spec)
        return folder / "dataset.yaml"

    def reference(self) -> ref.Result:
        return ref.evaluate([c[0] for c in self.classes], self.boxes, self.labels, self.predictions, self.hierarchy,
                            self.expand_detections)


def ours(case: Case, folder: Path, dets: Path | None = None) -> dict[str, Any]:
    dataset = case.write(folder)
    out = folder / "metrics.json"
    done = run("score", "--gt", dataset, "--dt", dets or folder / "dets.csv", "--metric", "openimages", "--analyses", "none",
               "--output", out)
    assert done.returncode == 0, done.stderr
    doc: dict[str, Any] = json.loads(out.read_text())["openimages"]
    return doc


def assert_same(doc: dict[str, Any], expected: ref.Result, tol: float = 1e-9) -> None:
    assert set(doc["per_class"]) == set(expected.per_class)
    for name, ap in expected.per_class.items():
        assert doc["per_class"][name] == pytest.approx(ap, abs=tol), name
    assert doc["mAP"] == pytest.approx(expected.mAP, abs=tol)


ANIMALS = [("/m/animal", "Animal"), ("/m/cat", "Cat"), ("/m/dog", "Dog"), ("/m/bird", "Bird")]
TREE = {"LabelName": ROOT, "Subcategory": [
    {"LabelName": "/m/animal", "Subcategory": [{"LabelName": "/m/cat"}, {"LabelName": "/m/dog"}]},
    {"LabelName": "/m/bird"}]}


def box(image: str, label: str, x0: float, x1: float, y0: float, y1: float, group_of: bool = False) -> ref.Box:
    return ref.Box(image, label, x0, x1, y0, y1, group_of)


def det(image: str, label: str, score: float, x0: float, x1: float, y0: float, y1: float) -> ref.Prediction:
    return ref.Prediction(image, label, score, x0, x1, y0, y1)


# --- the reference by hand -------------------------------------------------------------------

def group_of_case() -> Case:
    # A group-of cat box (top left quarter) and a plain one (bottom right). Three detections inside
    # the group-of box are one true positive at 0.9; a detection outside both is a false positive.
    return Case(
        [("/m/cat", "Cat")],
        [box("i1", "/m/cat", 0, 0.5, 0, 0.5, group_of=True), box("i1", "/m/cat", 0.5, 1, 0.5, 1)],
        [],
        [det("i1", "/m/cat", 0.9, 0, 0.125, 0, 0.125), det("i1", "/m/cat", 0.8, 0.25, 0.375, 0.25, 0.375),
         det("i1", "/m/cat", 0.7, 0.125, 0.25, 0.125, 0.25), det("i1", "/m/cat", 0.6, 0.5, 1, 0.5, 1),
         det("i1", "/m/cat", 0.95, 0.5, 1, 0, 0.5)],
    )


def test_reference_group_of_box_is_one_true_positive_at_the_highest_score() -> None:
    r = group_of_case().reference()
    # Records: 0.95 FP, 0.9 TP (the group), 0.6 TP; 2 ground truths. Precision 0, 1/2, 2/3 at
    # recall 0, 1/2, 1: AP = 1/2 * 2/3 + 1/2 * 2/3.
    assert r.per_class["/m/cat"] == pytest.approx(2 / 3, abs=1e-15)


def verified_case() -> Case:
    # i2: a cat; dog verified absent; bird not verified. i3: a dog and a bird, both detected.
    return Case(
        [("/m/cat", "Cat"), ("/m/dog", "Dog"), ("/m/bird", "Bird")],
        [box("i2", "/m/cat", 0, 0.5, 0, 0.5), box("i3", "/m/dog", 0, 0.5, 0, 0.5), box("i3", "/m/bird", 0.5, 1, 0.5, 1)],
        [ref.Label("i2", "/m/dog", 0)],
        [det("i2", "/m/cat", 0.5, 0, 0.5, 0, 0.5), det("i2", "/m/dog", 0.9, 0.5, 1, 0.5, 1),
         det("i2", "/m/bird", 0.95, 0.5, 1, 0, 0.5), det("i3", "/m/dog", 0.8, 0, 0.5, 0, 0.5),
         det("i3", "/m/bird", 0.3, 0.5, 1, 0.5, 1)],
    )


def test_reference_verified_absent_is_false_positive_unverified_ignored() -> None:
    r = verified_case().reference()
    assert r.per_class["/m/cat"] == 1.0
    assert r.per_class["/m/dog"] == 0.5  # the verified-absent dog on i2 ranks first, a false positive
    assert r.per_class["/m/bird"] == 1.0  # the bird on i2 (unverified) is ignored
    assert r.mAP == pytest.approx(2.5 / 3, abs=1e-15)


def hierarchy_case(expand: bool = False) -> Case:
    # A cat box counts for Animal too; a cat detection does not (unless detections are expanded).
    return Case(
        ANIMALS,
        [box("i4", "/m/cat", 0, 0.5, 0, 0.5)],
        [ref.Label("i4", "/m/cat", 1)],
        [det("i4", "/m/cat", 0.7, 0, 0.5, 0, 0.5)],
        TREE,
        expand_detections=expand,
    )


def test_reference_child_detection_does_not_count_for_its_parent() -> None:
    r = hierarchy_case().reference()
    assert r.per_class == {"/m/animal": 0.0, "/m/cat": 1.0}
    assert r.mAP == 0.5
    assert hierarchy_case(expand=True).reference().per_class == {"/m/animal": 1.0, "/m/cat": 1.0}


def test_reference_negative_label_expands_to_descendants() -> None:
    # Animal verified absent on i5: cat and dog are too, so their detections there are false positives.
    case = Case(
        ANIMALS,
        [box("i6", "/m/cat", 0, 0.5, 0, 0.5)],
        [ref.Label("i5", "/m/animal", 0)],
        [det("i5", "/m/cat", 0.9, 0, 0.5, 0, 0.5), det("i6", "/m/cat", 0.8, 0, 0.5, 0, 0.5)],
        TREE,
    )
    assert case.reference().per_class["/m/cat"] == 0.5


# --- ours, the same cases --------------------------------------------------------------------

@pytest.mark.parametrize("make", [group_of_case, verified_case, hierarchy_case, lambda: hierarchy_case(True)],
                         ids=["group_of", "verified", "hierarchy", "expand_detections"])
def test_hand_cases(make: Any, tmp_path: Path) -> None:
    case = make()
    if not case.image_ids:
        case.image_ids = sorted({b.image for b in case.boxes} | {lab.image for lab in case.labels})
    expected = case.reference()
    assert_same(ours(case, tmp_path), expected, tol=1e-15)


def test_summary_names_classes_by_display_name(tmp_path: Path) -> None:
    case = hierarchy_case()
    dataset = case.write(tmp_path)
    done = run("score", "--gt", dataset, "--dt", tmp_path / "dets.csv", "--metric", "openimages", "--analyses", "none")
    assert done.returncode == 0, done.stderr
    assert " Animal " in done.stdout and " Cat " in done.stdout and "mAP" in done.stdout


# --- randomized parity -----------------------------------------------------------------------

def random_case(seed: int, images: int = 80, classes: int = 14) -> Case:
    rng = random.Random(seed)
    names = [f"/m/c{k:02d}" for k in range(classes)]
    # A hierarchy: the first few classes are top-level, the others under one or two earlier ones.
    children: dict[str, list[str]] = {n: [] for n in names}
    top = names[:4]
    for k, n in enumerate(names[4:], start=4):
        for p in rng.sample(names[:k], rng.choice([1, 1, 2])):
            children[p].append(n)

    def node(n: str) -> dict[str, Any]:
        d: dict[str, Any] = {"LabelName": n}
        if children[n]:
            d["Subcategory"] = [node(c) for c in children[n]]
        return d

    hierarchy = {"LabelName": ROOT, "Subcategory": [node(n) for n in top]}
    image_ids = [f"img{i:04d}" for i in range(images)]

    def rand_box() -> tuple[float, float, float, float]:
        x0, y0 = rng.random() * 0.8, rng.random() * 0.8
        return x0, x0 + 0.05 + rng.random() * 0.4, y0, y0 + 0.05 + rng.random() * 0.4

    boxes: list[ref.Box] = []
    labels: list[ref.Label] = []
    predictions: list[ref.Prediction] = []
    for image in image_ids:
        gt_here = []
        for _ in range(rng.randint(0, 6)):
            x0, x1, y0, y1 = rand_box()
            b = box(image, rng.choice(names), x0, x1, y0, y1, group_of=rng.random() < 0.2)
            boxes.append(b)
            gt_here.append(b)
            if rng.random() < 0.05:
                boxes.append(box(image, b.label, x0, x1, y0, y1))  # a duplicate
        for n in rng.sample(names, rng.randint(0, 5)):
            labels.append(ref.Label(image, n, 1 if rng.random() < 0.6 else 0))
        for _ in range(rng.randint(0, 14)):
            score = round(rng.random(), 2)  # ties across images and classes
            if gt_here and rng.random() < 0.6:
                b = rng.choice(gt_here)
                j = 0.03
                x0, x1 = b.xmin + rng.uniform(-j, j), b.xmax + rng.uniform(-j, j)
                y0, y1 = b.ymin + rng.uniform(-j, j), b.ymax + rng.uniform(-j, j)
                if b.group_of and rng.random() < 0.5:  # a small box inside the group
                    x0, y0 = b.xmin + (b.xmax - b.xmin) * rng.random() * 0.5, b.ymin + (b.ymax - b.ymin) * rng.random() * 0.5
                    x1, y1 = x0 + (b.xmax - b.xmin) * 0.3, y0 + (b.ymax - b.ymin) * 0.3
                label = b.label if rng.random() < 0.8 else rng.choice(names)
            else:
                x0, x1, y0, y1 = rand_box()
                label = rng.choice(names)
            if rng.random() < 0.03:
                x1 = x0  # zero size: removed
            predictions.append(det(image, label, score, x0, x1, y0, y1))
    return Case([(n, f"class {n[3:]}") for n in names], boxes, labels, predictions, hierarchy, image_ids)


@pytest.mark.parametrize("seed", range(6))
def test_randomized_parity(seed: int, tmp_path: Path) -> None:
    case = random_case(seed)
    expected = case.reference()
    assert len(expected.per_class) >= 10
    assert_same(ours(case, tmp_path), expected)


def test_randomized_parity_expanded_detections(tmp_path: Path) -> None:
    case = random_case(11)
    case.expand_detections = True
    assert_same(ours(case, tmp_path), case.reference())


def test_coco_results_json_scores_the_same(tmp_path: Path) -> None:
    # The same detections as a COCO results file (normalised coordinates: the dataset has no
    # images), by the reader's image and category ids.
    case = random_case(3, images=40)
    image_index = {image: k + 1 for k, image in enumerate(case.image_ids)}  # image_ids.csv's order
    class_index = {name: k + 1 for k, (name, _) in enumerate(case.classes)}
    records = [{"image_id": image_index[p.image], "category_id": class_index[p.label], "score": p.score,
                "bbox": [p.xmin, p.ymin, p.xmax - p.xmin, p.ymax - p.ymin]} for p in case.predictions]
    (tmp_path / "dets.json").write_text(json.dumps(records))
    doc = ours(case, tmp_path, tmp_path / "dets.json")
    assert_same(doc, case.reference())


# --- bad input -------------------------------------------------------------------------------

def bad(tmp_path: Path, change: dict[str, str]) -> subprocess.CompletedProcess[str]:
    case = hierarchy_case()
    case.image_ids = ["i4"]
    dataset = case.write(tmp_path)
    for name, text in change.items():
        (tmp_path / name).write_text(text)
    return run("score", "--gt", dataset, "--dt", tmp_path / "dets.csv", "--metric", "openimages")


def one_line(done: subprocess.CompletedProcess[str], *parts: str) -> None:
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for p in parts:
        assert p in lines[0], lines[0]


def test_bad_hierarchy_cycle(tmp_path: Path) -> None:
    cycle = {"LabelName": ROOT, "Subcategory": [
        {"LabelName": "/m/animal", "Subcategory": [{"LabelName": "/m/cat", "Subcategory": [{"LabelName": "/m/animal"}]}]}]}
    one_line(bad(tmp_path, {"hierarchy.json": json.dumps(cycle)}), "hierarchy.json:1:", "cycle")


def test_bad_hierarchy_unknown_class(tmp_path: Path) -> None:
    tree = {"LabelName": ROOT, "Subcategory": [{"LabelName": "/m/animal", "Subcategory": [{"LabelName": "/m/zebra"}]}]}
    one_line(bad(tmp_path, {"hierarchy.json": json.dumps(tree)}), "hierarchy.json:1:", "/m/zebra", "not in the class descriptions")


def test_bad_hierarchy_not_json(tmp_path: Path) -> None:
    one_line(bad(tmp_path, {"hierarchy.json": '{"LabelName": "/m/root", "Subcategory": [{"Label'}), "hierarchy.json")


def test_bad_labels_unknown_class(tmp_path: Path) -> None:
    one_line(bad(tmp_path, {"labels.csv": "ImageID,Source,LabelName,Confidence\ni4,x,/m/cat,1\ni4,x,/m/zebra,1\n"}),
             "labels.csv:3:", "/m/zebra")


def test_bad_labels_unknown_image(tmp_path: Path) -> None:
    one_line(bad(tmp_path, {"labels.csv": "ImageID,Source,LabelName,Confidence\nnowhere,x,/m/cat,1\n"}),
             "labels.csv:2:", "nowhere")


def test_bad_labels_confidence(tmp_path: Path) -> None:
    one_line(bad(tmp_path, {"labels.csv": "ImageID,Source,LabelName,Confidence\ni4,x,/m/cat,0.5\n"}),
             "labels.csv:2:", "Confidence", "0.5")


def test_bad_labels_missing_column(tmp_path: Path) -> None:
    one_line(bad(tmp_path, {"labels.csv": "ImageID,Source,LabelName\ni4,x,/m/cat\n"}), "labels.csv:1:", "Confidence")


def test_bad_boxes_unknown_class(tmp_path: Path) -> None:
    one_line(bad(tmp_path, {"boxes.csv": "ImageID,LabelName,XMin,XMax,YMin,YMax,IsGroupOf\ni4,/m/zebra,0,1,0,1,0\n"}),
             "boxes.csv:2:", "/m/zebra")


def test_bad_detections_missing_column(tmp_path: Path) -> None:
    one_line(bad(tmp_path, {"dets.csv": "ImageID,LabelName,XMin,XMax,YMin,YMax\ni4,/m/cat,0,1,0,1\n"}), "dets.csv:1:", "Score")


def test_bad_detections_unknown_class_and_image(tmp_path: Path) -> None:
    header = "ImageID,LabelName,Score,XMin,XMax,YMin,YMax\n"
    one_line(bad(tmp_path, {"dets.csv": header + "i4,/m/cat,0.5,0,1,0,1\ni4,/m/zebra,0.5,0,1,0,1\n"}), "dets.csv:3:", "/m/zebra")
    one_line(bad(tmp_path, {"dets.csv": header + "elsewhere,/m/cat,0.5,0,1,0,1\n"}), "dets.csv:2:", "elsewhere")
    one_line(bad(tmp_path, {"dets.csv": header + "i4,/m/cat,high,0,1,0,1\n"}), "dets.csv:2:", "Score")


# --- score --gt DATASET.yaml (any format) ----------------------------------------------------

def test_score_gt_accepts_a_dataset_yaml(tmp_path: Path) -> None:
    # The COCO fixture through a dataset.yaml gives the numbers the json gives.
    from conftest import COCO_FIXTURE

    (tmp_path / "images").mkdir()
    (tmp_path / "dataset.yaml").write_text(
        f"format: coco\nannotations: {COCO_FIXTURE / 'instances_val2014_100.json'}\nimages: images\n")
    dt = COCO_FIXTURE / "instances_val2014_fakebbox100_results.json"
    by_yaml, by_json = tmp_path / "yaml.json", tmp_path / "json.json"
    for gt, out in ((tmp_path / "dataset.yaml", by_yaml), (COCO_FIXTURE / "instances_val2014_100.json", by_json)):
        done = run("score", "--gt", gt, "--dt", dt, "--metric", "coco,voc", "--analyses", "none", "--output", out)
        assert done.returncode == 0, done.stderr
    a, b = json.loads(by_yaml.read_text()), json.loads(by_json.read_text())
    assert a["coco_stats"] == b["coco_stats"] and a["voc"] == b["voc"]
    assert a["coco_stats"][0] > 0.4


def png_header(width: int, height: int) -> bytes:
    """The bytes a reader looks at for a PNG's size."""
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr
            + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr)))


def test_parity_with_images_in_pixels(tmp_path: Path) -> None:
    # With images: the boxes are read into pixels and the metric divides them back: the same
    # numbers as in normalised coordinates (to rounding).
    case = random_case(7, images=50)
    dataset = case.write(tmp_path)
    (tmp_path / "images").mkdir()
    rng = random.Random(7)
    for image in case.image_ids:
        (tmp_path / "images" / f"{image}.png").write_bytes(png_header(rng.randint(50, 2000), rng.randint(50, 2000)))
    dataset.write_text(dataset.read_text() + "images: images\nimage_ext: .png\n")
    out = tmp_path / "metrics.json"
    done = run("score", "--gt", dataset, "--dt", tmp_path / "dets.csv", "--metric", "openimages", "--analyses", "none",
               "--output", out)
    assert done.returncode == 0, done.stderr
    assert_same(json.loads(out.read_text())["openimages"], case.reference())


def test_convert_keeps_labels_hierarchy_and_label_names(tmp_path: Path) -> None:
    # openimages -> openimages: the same LabelNames, labels and hierarchy, so the same metric
    # for the same submission.
    case = random_case(5, images=30)
    dataset = case.write(tmp_path / "a")
    (tmp_path / "a" / "images").mkdir()
    for image in case.image_ids:
        (tmp_path / "a" / "images" / f"{image}.png").write_bytes(png_header(640, 480))
    dataset.write_text(dataset.read_text() + "images: images\nimage_ext: .png\n")
    done = run("convert", dataset, "--to", "openimages", "--output", tmp_path / "b")
    assert done.returncode == 0, done.stderr
    assert "labels: labels.csv" in (tmp_path / "b" / "dataset.yaml").read_text()
    scores = []
    for gt in (dataset, tmp_path / "b" / "dataset.yaml"):
        out = gt.parent / "metrics.json"
        done = run("score", "--gt", gt, "--dt", tmp_path / "a" / "dets.csv", "--metric", "openimages", "--analyses", "none",
                   "--output", out)
        assert done.returncode == 0, done.stderr
        scores.append(json.loads(out.read_text())["openimages"])
    assert scores[0]["per_class"] == pytest.approx(scores[1]["per_class"], abs=1e-12)
    assert_same(scores[1], case.reference())
