"""The synthetic COCO benchmark set: 5,000 images, ~34.6k ground-truth boxes in 80 categories,
100 detections per image (500k); --images scales it (bench_scale.py: 100,000 and 1,000,000).
Deterministic (seeded), written to bench/data/, streamed (memory does not grow with the set)."""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Iterator
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


def make_images(n_images: int, dets_per_image: int, seed: int) -> Iterator[tuple[dict, list[dict], list[str]]]:
    """Image by image: its record, its ground truth and its detections' JSON lines, so a set of
    any size streams to disk without being held (bench_scale.py writes 100M detections)."""
    rng = np.random.default_rng(seed)
    ann_id = 1
    for image_id in range(1, n_images + 1):
        image = {"id": image_id, "file_name": f"{image_id:012d}.jpg", "width": WIDTH, "height": HEIGHT}
        annotations = []
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
        results = []
        for box, cat, score in zip(det, cats, scores):
            x, y, w, h = (round(float(v), 2) for v in box)
            results.append(f'{{"image_id": {image_id}, "category_id": {cat}, '
                           f'"bbox": [{x}, {y}, {w}, {h}], "score": {round(float(score), 3)}}}')
        yield image, annotations, results


def write(output: Path, n_images: int, dets_per_image: int, seed: int) -> tuple[int, int, int]:
    """gt.json and results.json in `output`, streamed (the same bytes json.dumps of the whole
    document gave). Returns the images, ground truths and detections written."""
    output.mkdir(parents=True, exist_ok=True)
    n_gt = n_dt = 0
    with (output / "results.json").open("w") as res, (output / "gt.images.tmp").open("w") as ims, \
            (output / "gt.annotations.tmp").open("w") as anns:
        res.write("[")
        for image, annotations, results in make_images(n_images, dets_per_image, seed):
            ims.write((", " if image["id"] > 1 else "") + json.dumps(image))
            for a in annotations:
                anns.write((", " if n_gt else "") + json.dumps(a))
                n_gt += 1
            if results:
                res.write((",\n" if n_dt else "") + ",\n".join(results))
                n_dt += len(results)
        res.write("]\n")
    categories = [{"id": c, "name": f"class{c}", "supercategory": "thing"} for c in CATEGORY_IDS]
    with (output / "gt.json").open("w") as f:
        f.write('{"images": [')
        with (output / "gt.images.tmp").open() as part:
            shutil.copyfileobj(part, f)
        f.write('], "annotations": [')
        with (output / "gt.annotations.tmp").open() as part:
            shutil.copyfileobj(part, f)
        f.write('], "categories": ' + json.dumps(categories) + "}")
    (output / "gt.images.tmp").unlink()
    (output / "gt.annotations.tmp").unlink()
    return n_images, n_gt, n_dt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "data")
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--dets-per-image", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    images, n_gt, n_dt = write(args.output, args.images, args.dets_per_image, args.seed)
    print(f"{args.output}: {images} images, {n_gt} ground truths, "
          f"{len(CATEGORY_IDS)} categories, {n_dt} detections")


if __name__ == "__main__":
    main()
