"""The merge driver's memory and time for a simulated run: synthetic shards of COCO match records
(records.coco.bin, the layout of docs/scale.md, written with numpy: no model, no detections), then
`detection-studio merge --metrics-only` over them as one process, its peak resident set from
getrusage. Run as:

    python bench/bench_shard_records.py --images 1000000 --shards 128 [--bin-dir build/dev/cpp/app]

Each image gets --detections detections spread over a few categories, with random scores,
per-threshold true-positive / ignored bits and ground-truth counts: the numbers mean nothing,
the sizes are a real run's. Prints one line of figures (and writes nothing else outside --work).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

T, A, MAX_DETS = 10, 4, 100
IOU_THRS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
AREA_RNG = np.array([[0, 1e5**2], [0, 32**2], [32**2, 96**2], [96**2, 1e5**2]], dtype=np.float64)
CATEGORY_IDS = np.array([c for c in range(1, 91) if c not in {12, 26, 29, 30, 45, 66, 68, 69, 71, 83}])


def pad8(b: bytes) -> bytes:
    return b + b"\0" * (-len(b) % 8)


def records(image_ids: np.ndarray, per_image: int, per_group: int, rng: np.random.Generator) -> bytes:
    """One shard's records: each image's detections in per_image // per_group categories."""
    k_per_image = per_image // per_group
    n_img = len(image_ids)
    cats = np.stack([rng.choice(len(CATEGORY_IDS), k_per_image, replace=False) for _ in range(min(n_img, 512))])
    cats = cats[np.arange(n_img) % len(cats)]  # (n_img, k): a few hundred patterns, cycled
    group_cat = cats.reshape(-1).astype(np.uint32)
    group_img = np.repeat(image_ids, k_per_image).astype(np.int64)
    order = np.lexsort((group_img, group_cat))  # by category, then image id
    group_cat, group_img = group_cat[order], group_img[order]
    G, D = len(group_cat), len(group_cat) * per_group
    dt_count = np.full(G, per_group, dtype=np.uint32)
    gt_counted = rng.integers(0, 4, size=(G, A), dtype=np.uint32)
    first = np.arange(G + 1, dtype=np.uint64) * per_group
    score = -np.sort(-rng.random((G, per_group)), axis=1).reshape(-1)  # descending within a group
    tp = rng.integers(0, 1 << T, size=(D, A), dtype=np.uint16)
    ignored = (rng.integers(0, 1 << T, size=(D, A), dtype=np.uint16) & ~tp) & np.uint16(0x0003)
    header = b"DSMATCH1" + np.array([T, A, len(CATEGORY_IDS), 0], np.uint32).tobytes() + \
        np.array([G, D], np.uint64).tobytes()
    parts = [header, IOU_THRS.tobytes(), AREA_RNG.tobytes(), np.array([MAX_DETS], np.int64).tobytes(),
             CATEGORY_IDS.astype(np.int64).tobytes(), group_img.tobytes(),
             pad8(group_cat.tobytes() + dt_count.tobytes() + gt_counted.tobytes()),
             first.tobytes(), score.astype(np.float64).tobytes(), tp.tobytes(), ignored.tobytes()]
    return b"".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=1_000_000)
    parser.add_argument("--shards", type=int, default=128)
    parser.add_argument("--detections", type=int, default=100, help="per image")
    parser.add_argument("--per-group", type=int, default=10, help="detections per (image, category)")
    parser.add_argument("--bin-dir", type=Path, default=Path(sys.executable).parent)
    parser.add_argument("--work", type=Path, help="folder for the shards (default: a temporary one, removed)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="ds_shard_records_"))
    rng = np.random.default_rng(0)
    try:
        work.mkdir(parents=True, exist_ok=True)
        (work / "images").mkdir(exist_ok=True)
        gt = {"images": [{"id": i + 1, "file_name": f"{i + 1}.jpg", "width": 640, "height": 480}
                         for i in range(args.images)],
              "annotations": [], "categories": [{"id": int(c), "name": f"c{c}"} for c in CATEGORY_IDS]}
        (work / "gt.json").write_text(json.dumps(gt))
        del gt
        (work / "model.yaml").write_text("# never loaded: merge runs no model\n")
        (work / "run.yaml").write_text("dataset:\n  format: coco\n  annotations: gt.json\n  images: images\n"
                                       "model: model.yaml\noutput: out\nmetrics: [coco]\nanalyses: []\n")
        dirs, record_bytes = [], 0
        for s in range(args.shards):
            first, end = args.images * s // args.shards, args.images * (s + 1) // args.shards
            d = work / f"shard{s}"
            d.mkdir(exist_ok=True)
            blob = records(np.arange(first + 1, end + 1), args.detections, args.per_group, rng)
            (d / "records.coco.bin").write_bytes(blob)
            record_bytes += len(blob)
            (d / "shard.json").write_text(json.dumps({"shard": s, "shards": args.shards, "run": "simulated",
                                                      "first": first, "end": end, "total": args.images,
                                                      "skipped": [], "skipped_ids": []}))
            dirs.append(str(d))
        cmd = [str(args.bin_dir / "detection-studio"), "merge", str(work / "run.yaml"), *dirs, "--metrics-only",
               "--output", str(work / "out")]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"merge failed: {proc.stderr.read().decode() if proc.stderr else ''}")
        n_dt = args.images * args.detections
        print(f"{args.images:,} images, {n_dt:,} detections in {args.shards} shards: records "
              f"{record_bytes / 2**30:.2f} GiB ({record_bytes / n_dt:.1f} B per detection); merge --metrics-only "
              f"{wall:.1f} s wall, {usage.ru_utime + usage.ru_stime:.1f} s CPU, peak memory "
              f"{usage.ru_maxrss / 2**20:.2f} GiB")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
