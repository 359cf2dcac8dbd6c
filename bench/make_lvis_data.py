"""A synthetic LVIS-shaped evaluation set for bench/bench_lvis.py: LVIS v1's 1,203 categories
(337 rare, 461 common, 405 frequent), images with a few present categories (their boxes), verified
absent ones (neg_category_ids) and some present ones not exhaustively annotated, and a results
file with exactly `--per-image` detections on every image (LVIS' cap is 300): a jittered copy or
two of each object, the rest of random categories (present, absent, or neither) anywhere."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
N_CATEGORIES = 1203


def make(images: int, per_image: int, seed: int) -> tuple[dict, str]:
    rng = np.random.default_rng(seed)
    freq = np.array(["r"] * 337 + ["c"] * 461 + ["f"] * 405)
    rng.shuffle(freq)
    categories = [{"id": c + 1, "name": f"category_{c + 1}", "synset": f"category_{c + 1}.n.01",
                   "frequency": str(freq[c]), "image_count": 1, "instance_count": 1,
                   "synonyms": [f"category_{c + 1}"], "def": "synthetic"} for c in range(N_CATEGORIES)]
    # Frequent categories are present on more images.
    weight = np.where(freq == "f", 20.0, np.where(freq == "c", 4.0, 1.0))
    weight /= weight.sum()
    image_records, annotations, chunks = [], [], []
    ann_id = 1
    for i in range(images):
        image_id = i + 1
        present = np.unique(rng.choice(N_CATEGORIES, size=int(rng.integers(1, 9)), p=weight)) + 1
        others = np.setdiff1d(rng.choice(N_CATEGORIES, size=40, replace=False) + 1, present)
        neg = others[: int(rng.integers(3, 20))]
        not_exhaustive = present[rng.random(len(present)) < 0.1]
        image_records.append({"id": image_id, "file_name": f"{image_id:012d}.jpg", "width": 640,
                              "height": 480, "neg_category_ids": [int(c) for c in neg],
                              "not_exhaustive_category_ids": [int(c) for c in not_exhaustive]})
        boxes, cats = [], []
        for c in present:
            for _ in range(int(rng.integers(1, 6))):
                w, h = float(rng.uniform(4, 300)), float(rng.uniform(4, 240))
                x, y = float(rng.uniform(0, 640 - w)), float(rng.uniform(0, 480 - h))
                annotations.append({"id": ann_id, "image_id": image_id, "category_id": int(c),
                                    "bbox": [round(x, 2), round(y, 2), round(w, 2), round(h, 2)],
                                    "area": round(w * h, 2)})
                ann_id += 1
                boxes.append((x, y, w, h))
                cats.append(int(c))
        # Detections: up to two jittered copies of each object, then random ones.
        n_near = min(per_image, 2 * len(boxes))
        near = rng.integers(0, len(boxes), n_near)
        b = np.array(boxes)[near]
        b = b + rng.normal(0, 0.1, b.shape) * np.c_[b[:, 2], b[:, 3], b[:, 2], b[:, 3]]
        b[:, 2:] = np.maximum(b[:, 2:], 1.0)
        det_cats = np.array(cats)[near]
        n_far = per_image - n_near
        pool = np.concatenate([present, neg, others])
        far_cats = rng.choice(pool, n_far)
        wh = rng.uniform(4, 200, (n_far, 2))
        xy = rng.uniform(0, 1, (n_far, 2)) * (np.array([640.0, 480.0]) - wh)
        b = np.vstack([b, np.c_[xy, wh]])
        det_cats = np.concatenate([det_cats, far_cats])
        scores = np.concatenate([rng.uniform(0.3, 1.0, n_near), rng.uniform(0.0, 0.7, n_far)])
        chunks.append(",\n".join(
            f'{{"image_id":{image_id},"category_id":{int(c)},"bbox":[{x:.2f},{y:.2f},{w:.2f},{h:.2f}],'
            f'"score":{s:.4f}}}' for (x, y, w, h), c, s in zip(b, det_cats, scores, strict=True)))
    gt = {"images": image_records, "categories": categories, "annotations": annotations}
    return gt, "[\n" + ",\n".join(chunks) + "\n]\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=20_000)
    parser.add_argument("--per-image", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1203)
    parser.add_argument("--output", type=Path, default=HERE / "data")
    args = parser.parse_args()
    gt, results = make(args.images, args.per_image, args.seed)
    args.output.mkdir(parents=True, exist_ok=True)
    stem = f"lvis_{args.images}x{args.per_image}"
    (args.output / f"{stem}_gt.json").write_text(json.dumps(gt))
    (args.output / f"{stem}_results.json").write_text(results)
    print(f"wrote {args.output / stem}_*.json: {len(gt['images'])} images, "
          f"{len(gt['annotations'])} objects, {results.count('score')} detections")


if __name__ == "__main__":
    main()
