"""Shared by the dataset-format tests: a small COCO dataset with real image files, the CLI,
and box comparison. Every test writes into its own tmp_path."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

from PIL import Image as PILImage

# The installed executables, or a build folder's (DS_BIN_DIR, as tests/conftest.py).
BIN = Path(os.environ["DS_BIN_DIR"]).resolve() if os.environ.get("DS_BIN_DIR") else Path(sys.executable).parent
CLI = BIN / "detection-studio"

# Sparse COCO-style ids; one class has no boxes; one name holds a comma (CSV quoting).
CATEGORIES = [
    {"id": 1, "name": "person", "supercategory": ""},
    {"id": 3, "name": "car", "supercategory": ""},
    {"id": 7, "name": "traffic light", "supercategory": ""},
    {"id": 12, "name": "sign, stop", "supercategory": ""},
    {"id": 20, "name": "unused", "supercategory": ""},
]

# (file name, width, height): every header format the readers must size, one in a subfolder.
IMAGES = [
    ("a.jpg", 160, 120),
    ("b.png", 200, 100),
    ("c.bmp", 64, 96),
    ("d.gif", 120, 80),
    ("e.webp", 150, 150),
    ("f.jpg", 320, 240),
    ("sub/g.jpg", 100, 140),
    ("h.png", 90, 60),  # no boxes
]


def run(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess:
    """Runs the CLI; with check, a non-zero exit fails the test with its output."""
    proc = subprocess.run([str(CLI), *map(str, args)], check=False, capture_output=True, text=True, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {proc.stdout}\n{proc.stderr}")
    return proc


def write_image(path: Path, width: int, height: int, seed: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    color = tuple(rng.randrange(256) for _ in range(3))
    img = PILImage.new("RGB", (width, height), color)
    if path.suffix == ".gif":
        img = img.convert("P")
    img.save(path)


def make_coco(root: Path, images=IMAGES, seed: int = 7) -> Path:
    """A COCO dataset under root (images/, annotations.json, dataset.yaml); returns the yaml.

    Boxes have fractional and whole coordinates, touch every edge, include sub-pixel ones, and
    carry crowd / difficult / truncated flags."""
    rng = random.Random(seed)
    imgs, anns = [], []
    for i, (name, w, h) in enumerate(images):
        write_image(root / "images" / name, w, h, seed=i)
        image_id = 100 + 3 * i  # not 1..N: ids the formats without ids renumber
        imgs.append({"id": image_id, "file_name": name, "width": w, "height": h})
        if name.startswith("h."):
            continue
        for k in range(3 + i % 3):
            cat = CATEGORIES[(i + k) % 4]["id"]
            if k == 0:
                box = [0.0, 0.0, float(w), float(h)]  # the whole image
            elif k == 1:
                x, y = round(rng.uniform(0, w / 2), 2), round(rng.uniform(0, h / 2), 2)
                box = [x, y, round(w - x, 2), round(h - y, 2)]  # to the right/bottom edges
            elif k == 2:
                box = [float(rng.randrange(w // 2)), float(rng.randrange(h // 2)), 10.0, 7.0]
            elif k == 3:
                box = [rng.uniform(1, w / 2), rng.uniform(1, h / 2), 0.6, 0.8]  # sub-pixel
            else:
                box = [rng.uniform(0, w / 3), rng.uniform(0, h / 3), rng.uniform(5, w / 2), rng.uniform(5, h / 2)]
            ann = {
                "id": 1000 + len(anns),
                "image_id": image_id,
                "category_id": cat,
                "bbox": box,
                "area": box[2] * box[3],
                "iscrowd": int(k == 2 and i % 2 == 0),
            }
            if k == 1:
                ann["difficult"] = 1
            if k == 4 or (k == 2 and i % 2 == 1):
                ann["truncated"] = 1
            anns.append(ann)
    doc = {"images": imgs, "annotations": anns, "categories": CATEGORIES}
    (root / "annotations.json").write_text(json.dumps(doc))
    spec = root / "dataset.yaml"
    spec.write_text("format: coco\nannotations: annotations.json\nimages: images\n")
    return spec


def to_coco(spec: Path, out: Path) -> dict:
    """Converts any dataset to COCO with the CLI and returns the JSON."""
    run("convert", spec, "--to", "coco", "--output", out)
    return json.loads((out / "annotations.json").read_text())


def by_file(doc: dict) -> dict[str, list[tuple[str, list[float], dict]]]:
    """file name -> [(class name, [x1, y1, x2, y2], flags)] in annotation order."""
    names = {c["id"]: c["name"] for c in doc["categories"]}
    files = {im["id"]: im["file_name"] for im in doc["images"]}
    out: dict[str, list] = {f: [] for f in files.values()}
    for a in doc["annotations"]:
        x, y, w, h = a["bbox"]
        flags = {k: bool(a.get(k, 0)) for k in ("iscrowd", "difficult", "truncated")}
        out[files[a["image_id"]]].append((names[a["category_id"]], [x, y, x + w, y + h], flags))
    return out


def assert_same_boxes(
    original: dict,
    converted: dict,
    tolerance: float,
    flags: tuple[str, ...] = (),
    offset: tuple[float, float, float, float] = (0, 0, 0, 0),
) -> int:
    """Every image and every box of `original` is in `converted` with the same class, each edge
    within `tolerance` pixels (after adding `offset` to the original's x1, y1, x2, y2), and the
    same `flags`. Returns the number of boxes compared."""
    a, b = by_file(original), by_file(converted)
    assert sorted(a) == sorted(b), "image files differ"
    compared = 0
    for name, boxes in a.items():
        got = b[name]
        assert [c for c, _, _ in boxes] == [c for c, _, _ in got], f"{name}: classes differ"
        for (cls, edges, f1), (_, edges2, f2) in zip(boxes, got):
            for e1, e2, d in zip(edges, edges2, offset):
                assert abs(e1 + d - e2) <= tolerance, f"{name}: {cls} {edges} became {edges2}"
            for flag in flags:
                assert f1[flag] == f2[flag], f"{name}: {cls} {edges}: {flag} {f1[flag]} became {f2[flag]}"
            compared += 1
    return compared


def category_names(doc: dict) -> list[str]:
    return sorted(c["name"] for c in doc["categories"])


# COCO's person keypoints (names and skeleton as person_keypoints_*.json has them).
COCO_KEYPOINTS = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
                  "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
                  "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"]
COCO_SKELETON = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8],
                 [7, 9], [8, 10], [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7]]
# Ultralytics' flip_idx for them (coco8-pose.yaml).
COCO_FLIP_IDX = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]


def make_coco_keypoints(root: Path, images=IMAGES[:5], categories=None, seed: int = 3,
                        polygons: bool = False) -> Path:
    """A COCO keypoints dataset under root (images/, annotations.json, dataset.yaml): people with
    every visibility (2, 1, and 0 as 0, 0, 0 or, once, with coordinates), one with no labelled
    keypoint, one crowd region; `categories` (default: COCO's person) all of the same K.
    With `polygons`, each person has an outline too (as in person_keypoints_*.json)."""
    rng = random.Random(seed)
    categories = categories or [{"id": 1, "name": "person", "supercategory": "person",
                                 "keypoints": COCO_KEYPOINTS, "skeleton": COCO_SKELETON}]
    imgs, anns = [], []
    for i, (name, w, h) in enumerate(images):
        write_image(root / "images" / name, w, h, seed=i)
        imgs.append({"id": 10 + i, "file_name": name, "width": w, "height": h})
        for n in range(1 + i % 3):
            cat = categories[(i + n) % len(categories)]
            k = len(cat["keypoints"])
            x, y = round(rng.uniform(0, w / 2), 2), round(rng.uniform(0, h / 2), 2)
            bw, bh = round(rng.uniform(4, w - x), 2), round(rng.uniform(4, h - y), 2)
            kps: list[float] = []
            for j in range(k):
                v = rng.choice([2, 2, 2, 1, 0])
                if v or (i == 1 and j == 0):  # a v = 0 keypoint that still has coordinates
                    kps += [round(rng.uniform(x, x + bw), 3), round(rng.uniform(y, y + bh), 2), v]
                else:
                    kps += [0, 0, 0]
            crowd = i == 3 and n == 0
            if (i == 2 and n == 1) or crowd:
                kps = [0] * (3 * k)  # no labelled keypoint
            ann = {"id": 500 + len(anns), "image_id": 10 + i, "category_id": cat["id"],
                   "bbox": [x, y, bw, bh], "area": round(bw * bh, 4), "iscrowd": int(crowd),
                   "keypoints": kps, "num_keypoints": sum(1 for v in kps[2::3] if v > 0)}
            if polygons:
                ann["segmentation"] = [[x, y, x + bw, y, x + bw / 2, y + bh]]
            anns.append(ann)
    doc = {"images": imgs, "annotations": anns, "categories": categories}
    (root / "annotations.json").write_text(json.dumps(doc))
    spec = root / "dataset.yaml"
    spec.write_text("format: coco\nannotations: annotations.json\nimages: images\n")
    return spec


def keypoints_by_file(doc: dict) -> dict[str, list[tuple[str, list[float], int]]]:
    """file name -> [(class name, keypoints, num_keypoints)] in annotation order."""
    names = {c["id"]: c["name"] for c in doc["categories"]}
    files = {im["id"]: im["file_name"] for im in doc["images"]}
    out: dict[str, list] = {f: [] for f in files.values()}
    for a in doc["annotations"]:
        out[files[a["image_id"]]].append((names[a["category_id"]], a.get("keypoints", []), a.get("num_keypoints", 0)))
    return out


def assert_same_keypoints(original: dict, converted: dict, tolerance: float) -> int:
    """Every object's keypoints of `original` are in `converted`: x and y within `tolerance`
    pixels, v and num_keypoints the same. Returns the number of keypoints compared."""
    a, b = keypoints_by_file(original), keypoints_by_file(converted)
    assert sorted(a) == sorted(b), "image files differ"
    compared = 0
    for name, objects in a.items():
        got = b[name]
        assert [c for c, _, _ in objects] == [c for c, _, _ in got], f"{name}: classes differ"
        for (cls, kps, n), (_, kps2, n2) in zip(objects, got):
            assert len(kps) == len(kps2), f"{name}: {cls}: {len(kps) // 3} keypoints became {len(kps2) // 3}"
            for j in range(0, len(kps), 3):
                assert abs(kps[j] - kps2[j]) <= tolerance and abs(kps[j + 1] - kps2[j + 1]) <= tolerance, (
                    f"{name}: {cls}: keypoint {j // 3 + 1} {kps[j:j + 3]} became {kps2[j:j + 3]}")
                assert kps[j + 2] == kps2[j + 2], f"{name}: {cls}: keypoint {j // 3 + 1} visibility"
                compared += 1
            assert n == n2, f"{name}: {cls}: num_keypoints {n} became {n2}"
    return compared
