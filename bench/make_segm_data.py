"""A synthetic COCO mask set for the segm benchmark: 5,000 images (240 x 320), about 7 polygon
objects each (star shapes of every COCO size, some of two parts), 20 detections per image as
compressed RLE: most objects found as a shifted, rescaled copy of their outline (mask IoUs mostly
0.5-0.9, so the runs are really compared), the rest strays. Seeded: the same files every time.
Writes bench/data/segm_*."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from pycocotools import mask as mask_utils

HERE = Path(__file__).resolve().parent
H, W = 240, 320


def star(rng: np.random.Generator, cx: float, cy: float, r: float) -> list[float]:
    n = int(rng.integers(8, 16))
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = r * rng.uniform(0.5, 1.0, n)
    xs = np.clip(cx + radii * np.cos(angles), 0, W)
    ys = np.clip(cy + radii * np.sin(angles), 0, H)
    return [round(float(v), 2) for xy in zip(xs, ys, strict=True) for v in xy]


def moved(parts: list[list[float]], rng: np.random.Generator) -> list[list[float]]:
    """The outline shifted by a few pixels and rescaled by up to 12% about its first vertex."""
    dx, dy, s = rng.normal(0, 2.0), rng.normal(0, 2.0), rng.uniform(0.88, 1.12)
    x0, y0 = parts[0][0], parts[0][1]
    out = []
    for p in parts:
        xs = np.clip(x0 + (np.array(p[0::2]) - x0) * s + dx, 0, W)
        ys = np.clip(y0 + (np.array(p[1::2]) - y0) * s + dy, 0, H)
        out.append([round(float(v), 2) for xy in zip(xs, ys, strict=True) for v in xy])
    return out


def main(images: int = 5000, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    cats = [{"id": c + 1, "name": f"class{c + 1}"} for c in range(10)]
    gt_images, anns, results = [], [], []
    for i in range(images):
        image_id = i + 1
        gt_images.append({"id": image_id, "file_name": f"{image_id}.jpg", "height": H, "width": W})
        objects = []
        for _ in range(int(rng.integers(3, 12))):
            cx, cy, r = rng.uniform(0, W), rng.uniform(0, H), float(np.exp(rng.uniform(np.log(4), np.log(110))))
            parts = [star(rng, cx, cy, r)]
            if rng.random() < 0.2:
                parts.append(star(rng, cx + r, cy, r / 2))
            rle = mask_utils.merge(mask_utils.frPyObjects(parts, H, W))
            cat = int(rng.integers(1, 11))
            anns.append({"id": len(anns) + 1, "image_id": image_id, "category_id": cat,
                         "segmentation": parts, "area": float(mask_utils.area(rle)),
                         "bbox": [float(v) for v in mask_utils.toBbox(rle)], "iscrowd": 0})
            objects.append((cat, parts))
        for n in range(20):
            if n < len(objects) and rng.random() < 0.8:
                cat, parts = objects[n]
                parts = moved(parts, rng)
            else:
                cat = int(rng.integers(1, 11))
                parts = [star(rng, rng.uniform(0, W), rng.uniform(0, H), rng.uniform(4, 40))]
            rle = mask_utils.merge(mask_utils.frPyObjects(parts, H, W))
            results.append({"image_id": image_id, "category_id": cat, "score": round(float(rng.random()), 4),
                            "segmentation": {"size": [H, W], "counts": rle["counts"].decode("ascii")}})
    out = HERE / "data"
    out.mkdir(exist_ok=True)
    (out / "segm_gt.json").write_text(json.dumps({"images": gt_images, "annotations": anns, "categories": cats}))
    (out / "segm_results.json").write_text(json.dumps(results))
    print(f"{images} images, {len(anns)} objects, {len(results)} detections -> {out}")


if __name__ == "__main__":
    main()
