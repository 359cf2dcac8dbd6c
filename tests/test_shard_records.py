"""merge from compact match records (records.METRIC.bin, docs/scale.md's layout) without a model:
shards written with numpy (bench/bench_shard_records.py's writer), merged with --metrics-only,
and split differently; a damaged or foreign records file is one line naming it. The records'
bit-for-bit equality with one run is tests/cpp/match_records_test.cpp's (2, 7 and 16 shards)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from conftest import run_ds

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from bench_shard_records import records


def make_run(tmp: Path, images: int, bounds: list[int], seed: int = 0) -> list[Path]:
    """Shards over image ranges `bounds` of one synthetic run (the same records however split)."""
    (tmp / "images").mkdir(parents=True, exist_ok=True)
    gt = {"images": [{"id": i + 1, "file_name": f"{i + 1}.jpg", "width": 64, "height": 48} for i in range(images)],
          "annotations": [], "categories": [{"id": c, "name": f"c{c}"} for c in range(1, 91)
                                            if c not in {12, 26, 29, 30, 45, 66, 68, 69, 71, 83}]}
    (tmp / "gt.json").write_text(json.dumps(gt))
    (tmp / "model.yaml").write_text("# never loaded\n")
    (tmp / "run.yaml").write_text("dataset:\n  format: coco\n  annotations: gt.json\n  images: images\n"
                                  "model: model.yaml\noutput: out\nmetrics: [coco]\nanalyses: []\n")
    dirs = []
    for s in range(len(bounds) - 1):
        d = tmp / f"shard{s}"
        d.mkdir()
        ids = np.arange(bounds[s] + 1, bounds[s + 1] + 1)
        # The same image's records whatever the split: one generator per image.
        blobs = [records(ids[i:i + 1], 20, 5, np.random.default_rng(seed + int(ids[i]))) for i in range(len(ids))]
        (d / "records.coco.bin").write_bytes(merge_blobs(blobs))
        (d / "shard.json").write_text(json.dumps({"shard": s, "shards": len(bounds) - 1, "run": "r",
                                                  "first": bounds[s], "end": bounds[s + 1], "total": images,
                                                  "skipped": [], "skipped_ids": []}))
        dirs.append(d)
    return dirs


def parse(blob: bytes) -> dict[str, np.ndarray]:
    """A records file's arrays, as docs/scale.md lays them out."""
    t, a, k, _ = np.frombuffer(blob, np.uint32, 4, 8)
    g, d = np.frombuffer(blob, np.uint64, 2, 24)
    g, d = int(g), int(d)
    at = 40
    out: dict[str, np.ndarray] = {}

    def take(name: str, dtype: type, count: int) -> None:
        nonlocal at
        out[name] = np.frombuffer(blob, dtype, count, at)
        at += out[name].nbytes

    take("iou_thrs", np.float64, int(t))
    take("area_rng", np.float64, 2 * int(a))
    take("max_dets", np.int64, 1)
    take("cat_ids", np.int64, int(k))
    take("image_id", np.int64, g)
    take("category", np.uint32, g)
    take("dt_count", np.uint32, g)
    take("gt_counted", np.uint32, g * int(a))
    at += -at % 8
    take("first", np.uint64, g + 1)
    take("score", np.float64, d)
    take("tp", np.uint16, d * int(a))
    take("ignored", np.uint16, d * int(a))
    assert at == len(blob)
    return out


def merge_blobs(blobs: list[bytes]) -> bytes:
    """One records file of several (disjoint images), groups by category then image id again."""
    parts = [parse(b) for b in blobs]
    head = parts[0]
    a = len(head["area_rng"]) // 2
    groups = []  # (category, image, part, group)
    for p, arr in enumerate(parts):
        groups += [(int(c), int(i), p, n) for n, (c, i) in enumerate(zip(arr["category"], arr["image_id"],
                                                                            strict=True))]
    groups.sort()
    cat = np.array([g[0] for g in groups], np.uint32)
    img = np.array([g[1] for g in groups], np.int64)
    dt_count = np.array([parts[p]["dt_count"][n] for _, _, p, n in groups], np.uint32)
    gt = np.concatenate([parts[p]["gt_counted"][n * a:(n + 1) * a] for _, _, p, n in groups]).astype(np.uint32)
    spans = [(p, int(parts[p]["first"][n]), int(parts[p]["first"][n + 1])) for _, _, p, n in groups]
    first = np.concatenate([[0], np.cumsum([e - b for _, b, e in spans])]).astype(np.uint64)
    score = np.concatenate([parts[p]["score"][b:e] for p, b, e in spans])
    tp = np.concatenate([parts[p]["tp"][b * a:e * a] for p, b, e in spans]).astype(np.uint16)
    ignored = np.concatenate([parts[p]["ignored"][b * a:e * a] for p, b, e in spans]).astype(np.uint16)
    header = b"DSMATCH1" + np.array([len(head["iou_thrs"]), a, len(head["cat_ids"]), 0], np.uint32).tobytes() + \
        np.array([len(cat), len(score)], np.uint64).tobytes()
    u32 = cat.tobytes() + dt_count.tobytes() + gt.tobytes()
    u32 += b"\0" * (-len(u32) % 8)
    return b"".join([header, head["iou_thrs"].tobytes(), head["area_rng"].tobytes(), head["max_dets"].tobytes(),
                     head["cat_ids"].tobytes(), img.tobytes(), u32, first.tobytes(), score.tobytes(), tp.tobytes(),
                     ignored.tobytes()])


def merged_stats(tmp: Path, dirs: list[Path]) -> list[float]:
    done = run_ds("merge", tmp / "run.yaml", *dirs, "--metrics-only", "--output", tmp / "out")
    assert done.returncode == 0, done.stderr
    metrics = json.loads((tmp / "out" / "metrics.json").read_text())
    assert not (tmp / "out" / "detections.json").exists() and metrics["detections"] is None
    return metrics["coco_stats"]


def test_records_merge_alike_however_split(tmp_path: Path) -> None:
    two = merged_stats(tmp_path / "a", make_run(tmp_path / "a", 60, [0, 25, 60]))
    seven = merged_stats(tmp_path / "b", make_run(tmp_path / "b", 60, [0, 3, 10, 11, 30, 41, 50, 60]))
    assert len(two) == 12 and two == seven
    assert any(v > 0 for v in two)


def test_bad_records_are_named(tmp_path: Path) -> None:
    dirs = make_run(tmp_path, 20, [0, 8, 20])
    damaged = dirs[1] / "records.coco.bin"
    damaged.write_bytes(damaged.read_bytes()[:-5])
    done = run_ds("merge", tmp_path / "run.yaml", *dirs, "--metrics-only", "--output", tmp_path / "out")
    assert done.returncode == 1
    assert str(damaged) in done.stderr and "truncated" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    # Without records, --metrics-only has nothing to score.
    for d in dirs:
        (d / "records.coco.bin").unlink()
    done = run_ds("merge", tmp_path / "run.yaml", *dirs, "--metrics-only", "--output", tmp_path / "out")
    assert done.returncode == 1 and "no metric" in done.stderr
