"""The synthetic COCO keypoints benchmark set: 5,000 images (640 x 480), 1 to 8 people each with
COCO's 17 keypoints (a standing pose scaled into the person's box, jittered), a realistic
visibility mix (v = 2 mostly, some v = 1, unlabelled ones as 0, 0, 0), about one person in five
without any labelled keypoint (num_keypoints 0, mostly small ones) and 1% crowd regions.
Detections, as a Keypoint R-CNN results file (keypoints and score, no box: pycocotools derives it
from the keypoints): most people found once, some twice, every keypoint predicted (v = 1) with an
error of a few percent of the person's size, plus 2 to 6 false positives per image; scores with
3 decimals, so ties happen. Deterministic (seeded), written to bench/data/kpt_*."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

WIDTH, HEIGHT = 640, 480
NAMES = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
         "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
         "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"]
SKELETON = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8],
            [7, 9], [8, 10], [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7]]
# Where each keypoint sits in a standing person's box (x, y as fractions of w, h).
POSE = np.array([[0.50, 0.08], [0.54, 0.06], [0.46, 0.06], [0.58, 0.08], [0.42, 0.08],
                 [0.68, 0.24], [0.32, 0.24], [0.78, 0.40], [0.22, 0.40], [0.82, 0.55],
                 [0.18, 0.55], [0.62, 0.55], [0.38, 0.55], [0.63, 0.76], [0.37, 0.76],
                 [0.64, 0.96], [0.36, 0.96]])
K = len(NAMES)


def person_box(rng: np.random.Generator) -> tuple[float, float, float, float]:
    """A person's box: heights from 16 to 440 pixels (small, medium and large areas)."""
    h = float(np.exp(rng.uniform(np.log(16), np.log(440))))
    w = h * rng.uniform(0.3, 0.7)
    return rng.uniform(0, WIDTH - w), rng.uniform(0, HEIGHT - h), w, h


def pose(rng: np.random.Generator, box: tuple[float, float, float, float], jitter: float) -> np.ndarray:
    """K x 2 keypoints of a person in `box`: the standing pose, a lean, and noise of `jitter` x h."""
    x, y, w, h = box
    lean = rng.normal(0, 0.08)
    pts = POSE * [w, h] + [x, y]
    pts[:, 0] += lean * (1 - POSE[:, 1]) * h  # feet stay, the head moves
    pts += rng.normal(0, jitter * h, (K, 2))
    return np.clip(pts, [0, 0], [WIDTH - 1, HEIGHT - 1])


def make(n_images: int, seed: int) -> tuple[dict, list[str]]:
    rng = np.random.default_rng(seed)
    images, annotations, results = [], [], []
    for image_id in range(1, n_images + 1):
        images.append({"id": image_id, "file_name": f"{image_id:012d}.jpg",
                       "width": WIDTH, "height": HEIGHT})
        people: list[tuple[tuple[float, float, float, float], np.ndarray]] = []
        for _ in range(int(rng.integers(1, 9))):
            box = person_box(rng)
            truth = pose(rng, box, 0.02)
            area = box[2] * box[3] * rng.uniform(0.45, 0.65)  # the person's mask, not its box
            crowd = rng.random() < 0.01
            # Small people are often left unlabelled in COCO; others lose occluded points.
            unlabelled = crowd or rng.random() < (0.35 if area < 32 ** 2 else 0.06)
            share = 0.0 if unlabelled else float(rng.choice([1.0, 0.9, 0.7, 0.4, 0.15]))
            labelled = rng.random(K) < share
            visible = np.where(rng.random(K) < 0.8, 2, 1)
            kps: list[int] = []
            for (px, py), lab, v in zip(truth, labelled, visible):
                kps += [round(float(px)), round(float(py)), int(v)] if lab else [0, 0, 0]
            annotations.append({
                "id": len(annotations) + 1, "image_id": image_id, "category_id": 1,
                "bbox": [round(v, 2) for v in box], "area": round(area, 2), "iscrowd": int(crowd),
                "keypoints": kps, "num_keypoints": int(labelled.sum())})
            if not crowd:
                people.append((box, truth))
        dets: list[tuple[np.ndarray, float]] = []
        for box, truth in people:
            for copy, found in enumerate((0.88, 0.25)):
                if rng.random() < found:
                    error = rng.uniform(0.004, 0.04) * (1 + 2 * copy) * box[3]  # duplicates are worse
                    pts = np.clip(truth + rng.normal(0, error, (K, 2)), 0, [WIDTH - 1, HEIGHT - 1])
                    dets.append((pts, float(rng.beta(4, 2 + 3 * copy))))
        for _ in range(int(rng.integers(2, 7))):
            dets.append((pose(rng, person_box(rng), 0.05), float(rng.beta(1, 4))))
        for pts, score in dets:
            flat = ", ".join(f"{round(float(px), 2)}, {round(float(py), 2)}, 1" for px, py in pts)
            results.append(f'{{"image_id": {image_id}, "category_id": 1, "keypoints": [{flat}], '
                           f'"score": {round(score, 3)}}}')
    categories = [{"id": 1, "name": "person", "supercategory": "person", "keypoints": NAMES,
                   "skeleton": SKELETON}]
    return {"images": images, "annotations": annotations, "categories": categories}, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "data")
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    gt, results = make(args.images, args.seed)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "kpt_gt.json").write_text(json.dumps(gt))
    (args.output / "kpt_results.json").write_text("[" + ",\n".join(results) + "]\n")
    anns = gt["annotations"]
    print(f"{args.output}: {len(gt['images'])} images, {len(anns)} people "
          f"({sum(a['num_keypoints'] == 0 for a in anns)} without labelled keypoints, "
          f"{sum(a['iscrowd'] for a in anns)} crowd), {len(results)} detections")


if __name__ == "__main__":
    main()
