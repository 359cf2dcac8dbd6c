"""A synthetic COCO mask set for the segm benchmark: 5,000 images (240 x 320), about 7 polygon
objects each (star shapes, some of two parts), 20 detections per image as compressed RLE (jittered
copies of the objects and strays). Seeded: the same files every time. Writes bench/data/segm_*."""

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


def main(images: int = 5000, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    cats = [{"id": c + 1, "name": f"class{c + 1}"} for c in range(10)]
    gt_images, anns, results = [], [], []
    for i in range(images):
        image_id = i + 1
        gt_images.append({"id": image_id, "file_name": f"{image_id}.jpg", "height": H, "width": W})
        objects = []
        for _ in range(int(rng.integers(3, 12))):
            cx, cy, r = rng.uniform(0, W), rng.uniform(0, H), rng.uniform(4, 60)
            parts = [star(rng, cx, cy, r)]
            if rng.random() < 0.2:
                parts.append(star(rng, cx + r, cy, r / 2))
            rle = mask_utils.merge(mask_utils.frPyObjects(parts, H, W))
            cat = int(rng.integers(1, 11))
            anns.append({"id": len(anns) + 1, "image_id": image_id, "category_id": cat,
                         "segmentation": parts, "area": float(mask_utils.area(rle)),
                         "bbox": [float(v) for v in mask_utils.toBbox(rle)], "iscrowd": 0})
            objects.append((cat, cx, cy, r))
        for n in range(20):
            if n < len(objects) and rng.random() < 0.8:
                cat, cx, cy, r = objects[n]
                cx, cy, r = cx + rng.normal(0, 3), cy + rng.normal(0, 3), r * rng.uniform(0.8, 1.2)
            else:
                cat, cx, cy, r = int(rng.integers(1, 11)), rng.uniform(0, W), rng.uniform(0, H), rng.uniform(4, 40)
            rle = mask_utils.frPyObjects([star(rng, cx, cy, r)], H, W)[0]
            results.append({"image_id": image_id, "category_id": cat, "score": round(float(rng.random()), 4),
                            "segmentation": {"size": [H, W], "counts": rle["counts"].decode("ascii")}})
    out = HERE / "data"
    out.mkdir(exist_ok=True)
    (out / "segm_gt.json").write_text(json.dumps({"images": gt_images, "annotations": anns, "categories": cats}))
    (out / "segm_results.json").write_text(json.dumps(results))
    print(f"{images} images, {len(anns)} objects, {len(results)} detections -> {out}")


if __name__ == "__main__":
    main()
