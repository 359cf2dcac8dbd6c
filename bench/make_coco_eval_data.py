"""The synthetic COCO benchmark set: 5,000 images, ~34.6k ground-truth boxes in 80 categories,
100 detections per image (500k). Deterministic (seeded), written to bench/data/."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

# COCO's 80 category ids (1..90 with gaps), so ids are sparse as in real files.
CATEGORY_IDS = [c for c in range(1, 91) if c not in
                {12, 26, 29, 30, 45, 66, 68, 69, 71, 83}]
GT_PER_IMAGE = 6.92  # 5,000 x 6.92 = 34.6k, about COCO val2017's 36.8k boxes per 5k images
WIDTH, HEIGHT = 640, 480


def boxes(rng: np.random.Generator, n: int) -> np.ndarray:
    """n boxes [x, y, w, h] inside the image, sizes spread over small, medium and large."""
    side = np.exp(rng.uniform(np.log(6), np.log(400), n))
    aspect = np.exp(rng.uniform(-0.8, 0.8, n))
    w = np.minimum(side * aspect, WIDTH - 1)
    h = np.minimum(side / aspect, HEIGHT - 1)
    x = rng.uniform(0, WIDTH - w)
    y = rng.uniform(0, HEIGHT - h)
    return np.stack([x, y, w, h], axis=1)


def make(n_images: int, dets_per_image: int, seed: int) -> tuple[dict, list[str]]:
    rng = np.random.default_rng(seed)
    images, annotations, results = [], [], []
    ann_id = 1
    for image_id in range(1, n_images + 1):
        images.append({"id": image_id, "file_name": f"{image_id:012d}.jpg",
                       "width": WIDTH, "height": HEIGHT})
        n_gt = rng.poisson(GT_PER_IMAGE)
        gt = boxes(rng, n_gt)
        gt_cats = rng.choice(CATEGORY_IDS, n_gt)
        crowd = rng.random(n_gt) < 0.01
        for box, cat, is_crowd in zip(gt, gt_cats, crowd):
            x, y, w, h = (round(float(v), 2) for v in box)
            annotations.append({"id": ann_id, "image_id": image_id, "category_id": int(cat),
                                "bbox": [x, y, w, h], "area": round(w * h * rng.uniform(0.5, 1), 2),
                                "iscrowd": int(is_crowd)})
            ann_id += 1
        # Detections: up to 3 jittered copies of each ground truth (sometimes the wrong class),
        # the rest background boxes; scores with 3 decimals, so ties happen as in real files.
        near = np.repeat(np.arange(n_gt), rng.integers(1, 4, n_gt))[:dets_per_image]
        jitter = rng.normal(0, 0.08, (len(near), 4)) * np.repeat(gt[near, 2:], 2, axis=1)
        det = np.concatenate([gt[near] + jitter, boxes(rng, dets_per_image - len(near))])
        det[:, 2:] = np.maximum(det[:, 2:], 1)
        cats = np.concatenate([
            np.where(rng.random(len(near)) < 0.9, gt_cats[near], rng.choice(CATEGORY_IDS, len(near))),
            rng.choice(CATEGORY_IDS, dets_per_image - len(near))]).astype(int)
        scores = np.concatenate([rng.beta(4, 2, len(near)), rng.beta(1, 4, dets_per_image - len(near))])
        for box, cat, score in zip(det, cats, scores):
            x, y, w, h = (round(float(v), 2) for v in box)
            results.append(f'{{"image_id": {image_id}, "category_id": {cat}, '
                           f'"bbox": [{x}, {y}, {w}, {h}], "score": {round(float(score), 3)}}}')
    categories = [{"id": c, "name": f"class{c}", "supercategory": "thing"} for c in CATEGORY_IDS]
    return {"images": images, "annotations": annotations, "categories": categories}, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "data")
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--dets-per-image", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    gt, results = make(args.images, args.dets_per_image, args.seed)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "gt.json").write_text(json.dumps(gt))
    (args.output / "results.json").write_text("[" + ",\n".join(results) + "]\n")
    print(f"{args.output}: {len(gt['images'])} images, {len(gt['annotations'])} ground truths, "
          f"{len(gt['categories'])} categories, {len(results)} detections")


if __name__ == "__main__":
    main()
