#!/usr/bin/env python3
"""Generate the synthetic "shapes" detection dataset (COCO instances format).

Deterministic: the same ``--seed`` gives identical JSON and identical JPEG bytes (for a given
numpy/Pillow). Only numpy and Pillow are needed.

Each image is ``WIDTH x HEIGHT`` (320x240) with a textured, noisy background, a few distractor
lines, and 3-10 filled shapes of six classes whose sizes span the COCO ranges (small: mask area
< 32², medium, large: > 96²). Shapes may overlap; an annotation whose visible part is under
``MIN_VISIBLE`` of its full mask is dropped. Some images hold a crowd region: a cluster of tiny
shapes covered by a single ``iscrowd=1`` box. ``area`` is the visible mask area in pixels,
``bbox`` the tight box of the visible mask and ``segmentation`` that mask as a compressed COCO
RLE (like COCO; occluded shapes are no longer polygons).

Usage::

    python datasets/make_shapes.py --output datasets/shapes --splits val
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

WIDTH = 320
HEIGHT = 240
JPEG_QUALITY = 90
SUPERSAMPLE = 4
MIN_VISIBLE = 0.45  # drop an annotation when less than this fraction of its mask is visible
MAX_BOX_OVERLAP = 0.5  # placement: intersection / smaller box area with any placed shape
CROWD_PROBABILITY = 0.15
DEFAULT_SEED = 2024
DEFAULT_TRAIN_IMAGES = 4000
DEFAULT_VAL_IMAGES = 250

CLASSES = ["circle", "square", "triangle", "star", "cross", "ellipse"]
SPLIT_KEYS = {"train": 1, "val": 2, "test": 3}

# Target mask area ranges (pixels) per COCO size range, with margins from the 32² / 96² limits.
SIZE_AREAS = {
    "small": (200.0, 850.0),
    "medium": (1250.0, 8000.0),
    "large": (10500.0, 24000.0),
}
MIN_EXTENT = 14.0  # smallest side of an object's box, pixels
MAX_EXTENT = 0.85 * min(WIDTH, HEIGHT)


def _unit_polygon(cls: str, rng: np.random.Generator) -> np.ndarray:
    """Return an (N, 2) polygon centred on 0, circumscribed radius about 1, not rotated."""
    if cls == "circle":
        t = np.linspace(0.0, 2.0 * math.pi, 64, endpoint=False)
        return np.stack([np.cos(t), np.sin(t)], axis=1)
    if cls == "ellipse":
        ratio = rng.uniform(0.35, 0.6)
        t = np.linspace(0.0, 2.0 * math.pi, 64, endpoint=False)
        return np.stack([np.cos(t), ratio * np.sin(t)], axis=1)
    if cls == "square":
        return np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]]) / math.sqrt(2.0)
    if cls == "triangle":
        apex = rng.uniform(-0.25, 0.25)
        t = np.array([-90.0, 30.0 + 15 * apex, 150.0 - 15 * apex]) * math.pi / 180.0
        return np.stack([np.cos(t), np.sin(t)], axis=1)
    if cls == "star":
        inner = rng.uniform(0.4, 0.5)
        t = np.arange(10) * math.pi / 5.0 - math.pi / 2.0
        r = np.where(np.arange(10) % 2 == 0, 1.0, inner)
        return np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
    if cls == "cross":
        a = rng.uniform(0.17, 0.24)  # half arm thickness
        pts = [(-a, -1), (a, -1), (a, -a), (1, -a), (1, a), (a, a), (a, 1), (-a, 1), (-a, a),
               (-1, a), (-1, -a), (-a, -a)]
        return np.array(pts, dtype=np.float64) * 0.9
    raise ValueError(cls)


def _polygon_area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _rotate(poly: np.ndarray, angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return poly @ np.array([[c, s], [-s, c]])


def _make_shape(cls: str, size_range: str, rng: np.random.Generator) -> np.ndarray | None:
    """A rotated polygon (centred on 0) whose area lies in the size range, or None."""
    lo, hi = SIZE_AREAS[size_range]
    for _ in range(5):
        poly = _rotate(_unit_polygon(cls, rng), rng.uniform(0.0, 2.0 * math.pi))
        area = math.exp(rng.uniform(math.log(lo), math.log(hi)))
        poly = poly * math.sqrt(area / _polygon_area(poly))
        extent = poly.max(axis=0) - poly.min(axis=0)
        if extent.min() < MIN_EXTENT:
            poly = poly * (MIN_EXTENT / extent.min())
        extent = poly.max(axis=0) - poly.min(axis=0)
        if extent.max() > MAX_EXTENT:
            poly = poly * (MAX_EXTENT / extent.max())
        if lo <= _polygon_area(poly) <= hi:
            return poly
    return None


def _smooth_noise(rng: np.random.Generator, cells: int, channels: int) -> np.ndarray:
    """Low-frequency noise in [-1, 1], shape (HEIGHT, WIDTH, channels)."""
    gh = max(2, cells * HEIGHT // WIDTH)
    grid = rng.uniform(-1.0, 1.0, size=(gh, cells, channels)).astype(np.float32)
    out = np.empty((HEIGHT, WIDTH, channels), dtype=np.float32)
    for c in range(channels):
        img = Image.fromarray(grid[:, :, c]).resize((WIDTH, HEIGHT), Image.BICUBIC)
        out[:, :, c] = np.asarray(img)
    return out


def _background(rng: np.random.Generator) -> np.ndarray:
    """A textured, noisy float32 RGB background in [0, 255]."""
    base = rng.uniform(40.0, 215.0, size=3).astype(np.float32)
    img = np.broadcast_to(base, (HEIGHT, WIDTH, 3)).astype(np.float32)
    # Linear gradient in a random direction.
    ang = rng.uniform(0.0, 2.0 * math.pi)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    ramp = ((xx - WIDTH / 2) * math.cos(ang) + (yy - HEIGHT / 2) * math.sin(ang)) / WIDTH
    img = img + ramp[:, :, None] * rng.uniform(-60.0, 60.0, size=3).astype(np.float32)
    # Blotchy low-frequency texture, per channel.
    img = img + _smooth_noise(rng, int(rng.integers(4, 12)), 3) * rng.uniform(10.0, 35.0)
    kind = rng.integers(0, 3)
    if kind == 1:  # faint stripes
        period = rng.uniform(6.0, 20.0)
        a2 = rng.uniform(0.0, math.pi)
        stripes = np.sin((xx * math.cos(a2) + yy * math.sin(a2)) * 2 * math.pi / period)
        img = img + stripes[:, :, None] * rng.uniform(5.0, 15.0)
    elif kind == 2:  # fine grain texture
        grain = _smooth_noise(rng, int(rng.integers(40, 80)), 1)
        img = img + grain * rng.uniform(8.0, 20.0)
    return img


def _distractors(img: Image.Image, rng: np.random.Generator) -> None:
    """Draw a few thin random lines and arcs (clutter that is not an object)."""
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(0, 5))):
        col = tuple(int(v) for v in rng.integers(0, 256, size=3))
        x0, x1 = rng.uniform(-20, WIDTH + 20, size=2)
        y0, y1 = rng.uniform(-20, HEIGHT + 20, size=2)
        width = int(rng.integers(1, 3))
        if rng.random() < 0.6:
            draw.line([(x0, y0), (x1, y1)], fill=col, width=width)
        else:
            bx = sorted((x0, x1))
            by = sorted((y0, y1))
            if bx[1] - bx[0] > 4 and by[1] - by[0] > 4:
                start = float(rng.uniform(0, 360))
                draw.arc([bx[0], by[0], bx[1], by[1]], start, start + float(rng.uniform(40, 120)),
                         fill=col, width=width)


def _pick_colour(rng: np.random.Generator, bg_mean: np.ndarray) -> np.ndarray:
    """A random colour that contrasts with ``bg_mean``."""
    best = None
    best_d = -1.0
    for _ in range(12):
        col = rng.uniform(0.0, 255.0, size=3)
        d = float(np.linalg.norm(col - bg_mean))
        if d >= 110.0:
            return col.astype(np.float32)
        if d > best_d:
            best, best_d = col, d
    assert best is not None
    return best.astype(np.float32)


def _fill(rng: np.random.Generator, colour: np.ndarray, h: int, w: int) -> np.ndarray:
    """Fill texture for an object crop: solid, shaded, noisy or striped (float32 HxWx3)."""
    out = np.broadcast_to(colour, (h, w, 3)).astype(np.float32)
    kind = rng.integers(0, 4)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == 1:
        ang = rng.uniform(0.0, 2.0 * math.pi)
        ramp = ((xx - w / 2) * math.cos(ang) + (yy - h / 2) * math.sin(ang)) / max(h, w)
        out = out + ramp[:, :, None] * rng.uniform(30.0, 70.0)
    elif kind == 2:
        out = out + rng.normal(0.0, rng.uniform(6.0, 16.0), size=(h, w, 1)).astype(np.float32)
    elif kind == 3:
        period = rng.uniform(4.0, 10.0)
        ang = rng.uniform(0.0, math.pi)
        s = np.sin((xx * math.cos(ang) + yy * math.sin(ang)) * 2 * math.pi / period)
        out = out + s[:, :, None] * rng.uniform(10.0, 25.0)
    return out


def _render_mask(poly: np.ndarray, x0: int, y0: int, w: int, h: int) -> np.ndarray:
    """Anti-aliased coverage in [0, 1] (float32, h x w) of ``poly`` (image coords) in a crop."""
    ss = SUPERSAMPLE
    m = Image.new("L", (w * ss, h * ss), 0)
    pts = [((px - x0) * ss, (py - y0) * ss) for px, py in poly]
    ImageDraw.Draw(m).polygon(pts, fill=255)
    m = m.resize((w, h), Image.BOX)
    return np.asarray(m, dtype=np.float32) / 255.0


class _Canvas:
    """Image plus a per-pixel instance id map (0 = background) for occlusion bookkeeping."""

    def __init__(self, img: np.ndarray) -> None:
        self.img = img
        self.ids = np.zeros((HEIGHT, WIDTH), dtype=np.int32)
        self.full_area: dict[int, int] = {}

    def paint(self, inst: int, poly: np.ndarray, rng: np.random.Generator) -> None:
        x0 = max(0, math.floor(poly[:, 0].min()) - 1)
        y0 = max(0, math.floor(poly[:, 1].min()) - 1)
        x1 = min(WIDTH, math.ceil(poly[:, 0].max()) + 2)
        y1 = min(HEIGHT, math.ceil(poly[:, 1].max()) + 2)
        w, h = x1 - x0, y1 - y0
        if w <= 0 or h <= 0:
            return
        alpha = _render_mask(poly, x0, y0, w, h)
        crop = self.img[y0:y1, x0:x1]
        colour = _pick_colour(rng, crop.reshape(-1, 3).mean(axis=0))
        fill = _fill(rng, colour, h, w)
        a = alpha[:, :, None]
        self.img[y0:y1, x0:x1] = crop * (1.0 - a) + fill * a
        inside = alpha >= 0.5
        self.ids[y0:y1, x0:x1][inside] = inst
        self.full_area[inst] = int(inside.sum())


def _rle(mask: np.ndarray) -> dict[str, Any]:
    """A binary mask as COCO's compressed RLE, the bytes pycocotools' maskUtils.encode gives."""
    flat = mask.T.reshape(-1).astype(np.uint8)  # column-major
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0] == 1:
        counts = [0, *counts]  # runs start with the 0s
    out = []
    for i, c in enumerate(counts):
        x = c - counts[i - 2] if i > 2 else c  # deltas from the 3rd run on, as maskApi.c
        more = True
        while more:
            ch = x & 0x1F
            x >>= 5
            more = (x != -1) if ch & 0x10 else (x != 0)
            if more:
                ch |= 0x20
            out.append(chr(ch + 48))
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": "".join(out)}


def _box_overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over the smaller box's area (boxes are x0, y0, x1, y1)."""
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    sa = (a[2] - a[0]) * (a[3] - a[1])
    sb = (b[2] - b[0]) * (b[3] - b[1])
    return iw * ih / min(sa, sb)


def _place(poly: np.ndarray, rng: np.random.Generator,
           boxes: list[tuple[float, float, float, float]],
           keep_out: list[tuple[float, float, float, float]]) -> np.ndarray | None:
    """Translate ``poly`` to a random position inside the image.

    Its box may overlap each of ``boxes`` by at most ``MAX_BOX_OVERLAP`` (of the smaller box)
    and must not touch any of ``keep_out``.
    """
    mn, mx = poly.min(axis=0), poly.max(axis=0)
    for _ in range(25):
        cx = rng.uniform(-mn[0] + 1.0, WIDTH - mx[0] - 1.0)
        cy = rng.uniform(-mn[1] + 1.0, HEIGHT - mx[1] - 1.0)
        box = (cx + mn[0], cy + mn[1], cx + mx[0], cy + mx[1])
        if all(_box_overlap(box, b) <= MAX_BOX_OVERLAP for b in boxes) and all(
            _box_overlap(box, b) == 0.0 for b in keep_out
        ):
            return poly + np.array([cx, cy])
    return None


def _make_image(seed: int, split: str, index: int) -> tuple[bytes, list[dict[str, Any]]]:
    """Render image ``index`` of ``split``; return (JPEG bytes, annotations without ids)."""
    rng = np.random.default_rng([seed, SPLIT_KEYS[split], index])
    canvas = _Canvas(_background(rng))
    boxes: list[tuple[float, float, float, float]] = []
    crowd_boxes: list[tuple[float, float, float, float]] = []
    objects: list[tuple[int, np.ndarray]] = []  # (class index, placed polygon)

    # Crowd region: a cluster of tiny shapes of one class, reserved first.
    crowd: tuple[int, list[np.ndarray]] | None = None
    if rng.random() < CROWD_PROBABILITY:
        ccls = int(rng.integers(0, len(CLASSES)))
        rw, rh = rng.uniform(40.0, 90.0), rng.uniform(35.0, 70.0)
        rx, ry = rng.uniform(2.0, WIDTH - rw - 2.0), rng.uniform(2.0, HEIGHT - rh - 2.0)
        tiny = []
        for _ in range(int(rng.integers(12, 30))):
            p = _unit_polygon(CLASSES[ccls], rng)
            p = _rotate(p, rng.uniform(0.0, 2 * math.pi)) * rng.uniform(2.0, 4.0)
            tiny.append(p + np.array([rng.uniform(rx + 4, rx + rw - 4), rng.uniform(ry + 4, ry + rh - 4)]))
        crowd = (ccls, tiny)
        crowd_boxes.append((rx, ry, rx + rw, ry + rh))

    n_large = int(rng.choice([0, 1, 2], p=[0.35, 0.45, 0.2]))
    n_medium = int(rng.integers(1, 5))
    n_small = int(rng.integers(2, 7))
    for size_range, count in (("large", n_large), ("medium", n_medium), ("small", n_small)):
        for _ in range(count):
            cls = int(rng.integers(0, len(CLASSES)))
            poly = _make_shape(CLASSES[cls], size_range, rng)
            if poly is None:
                continue
            placed = _place(poly, rng, boxes, crowd_boxes)
            if placed is None:
                continue
            mn, mx = placed.min(axis=0), placed.max(axis=0)
            box = (float(mn[0]), float(mn[1]), float(mx[0]), float(mx[1]))
            boxes.append(box)
            objects.append((cls, placed))

    # Paint: the crowd first, then the objects in random order (later ones occlude earlier).
    anns: list[dict[str, Any]] = []
    if crowd is not None:
        for p in crowd[1]:
            canvas.paint(-1, p, rng)
    order = rng.permutation(len(objects))
    for k in order:
        canvas.paint(int(k) + 1, objects[k][1], rng)

    img = Image.fromarray(np.clip(canvas.img, 0, 255).astype(np.uint8))
    _distractors(img, rng)
    if rng.random() < 0.3:
        img = img.filter(ImageFilter.GaussianBlur(radius=float(rng.uniform(0.3, 0.8))))
    arr = np.asarray(img, dtype=np.float32)
    arr = arr + rng.normal(0.0, rng.uniform(2.0, 8.0), size=arr.shape).astype(np.float32)
    img = Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8))

    def box_of(mask: np.ndarray) -> list[float]:
        ys = np.flatnonzero(mask.any(axis=1))
        xs = np.flatnonzero(mask.any(axis=0))
        return [float(xs[0]), float(ys[0]), float(xs[-1] - xs[0] + 1), float(ys[-1] - ys[0] + 1)]

    if crowd is not None:
        vis = canvas.ids == -1
        if vis.sum() > 0:
            anns.append({"category_id": crowd[0] + 1, "bbox": box_of(vis),
                         "area": float(vis.sum()), "segmentation": _rle(vis), "iscrowd": 1})
    for k, (cls, _) in enumerate(objects):
        inst = k + 1
        full = canvas.full_area.get(inst, 0)
        vis = canvas.ids == inst
        visible = int(vis.sum())
        if full == 0 or visible < MIN_VISIBLE * full:
            continue
        anns.append({"category_id": cls + 1, "bbox": box_of(vis), "area": float(visible),
                     "segmentation": _rle(vis), "iscrowd": 0})

    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=JPEG_QUALITY)
    return buf.getvalue(), anns


def generate_split(output: Path, split: str, num_images: int, seed: int = DEFAULT_SEED) -> Path:
    """Write ``output/<split>/*.jpg`` and ``output/annotations/instances_<split>.json``."""
    img_dir = output / split
    ann_dir = output / "annotations"
    img_dir.mkdir(parents=True, exist_ok=True)
    ann_dir.mkdir(parents=True, exist_ok=True)
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for i in range(num_images):
        data, anns = _make_image(seed, split, i)
        file_name = f"{i:06d}.jpg"
        (img_dir / file_name).write_bytes(data)
        images.append({"id": i + 1, "file_name": file_name, "width": WIDTH, "height": HEIGHT})
        for a in anns:
            annotations.append({"id": len(annotations) + 1, "image_id": i + 1, **a})
    doc = {
        "info": {"description": f"Detection Studio synthetic shapes, split {split}, seed {seed}",
                 "version": "1.0", "year": 2025},
        "licenses": [],
        "images": images,
        "annotations": annotations,
        "categories": [{"id": k + 1, "name": n, "supercategory": "shape"}
                       for k, n in enumerate(CLASSES)],
    }
    path = ann_dir / f"instances_{split}.json"
    path.write_text(json.dumps(doc, indent=1) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--output", required=True, type=Path, help="dataset root directory")
    p.add_argument("--splits", default="train,val", help="comma-separated: train,val")
    p.add_argument("--train-images", type=int, default=DEFAULT_TRAIN_IMAGES)
    p.add_argument("--val-images", type=int, default=DEFAULT_VAL_IMAGES)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = p.parse_args(argv)
    splits = [s.strip() for s in args.splits.split(",") if s.strip()]
    for split in splits:
        if split not in ("train", "val"):
            p.error(f"unknown split {split!r} (use train and/or val)")
        n = args.train_images if split == "train" else args.val_images
        t0 = time.perf_counter()
        path = generate_split(args.output, split, n, args.seed)
        print(f"{split}: {n} images -> {path} ({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
