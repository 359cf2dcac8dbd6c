"""Randomised MOT Challenge sequences for the tracking metrics' parity tests and bench: ground
truth with pedestrians, distractor classes, other classes and zero-marked lines; a tracker that
follows them with jitter, id switches, fragments, duplicates, false-positive tracks and boxes on
the distractors; written in TrackEval's folder layout (and ours: a sequence folder is a mot
dataset)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

DISTRACTORS = (2, 7, 8, 12)
OTHERS = (3, 4, 5, 6, 9, 10, 11, 13)


@dataclass
class Sequence:
    name: str
    length: int
    gt_lines: list[str]
    tracker_lines: list[str]


def make_sequence(rng: np.random.Generator, name: str, length: int, tracks: int,
                  fp_tracks: int = 3, integer_tracker: bool = False, exact: float = 0.05,
                  duplicates: float = 0.04) -> Sequence:
    """One sequence of `length` frames and about `tracks` ground-truth tracks; `exact`: the share
    of tracker boxes exactly on their object, `duplicates`: of objects given a second track there
    (both make ties in the matchings)."""
    gt: list[str] = []
    out: list[str] = []
    next_tid = 1
    for gid in range(1, tracks + 1):
        start = int(rng.integers(1, length))
        stop = int(min(length, start + rng.integers(5, max(6, length))))
        x, y = rng.uniform(-20, 900), rng.uniform(-20, 500)
        w, h = rng.uniform(15, 120), rng.uniform(30, 200)
        vx, vy = rng.normal(0, 4), rng.normal(0, 2)
        u = rng.random()
        cls = 1 if u < 0.72 else int(rng.choice(DISTRACTORS)) if u < 0.88 else int(rng.choice(OTHERS))
        zero_track = rng.random() < 0.08
        followed = rng.random() < 0.85
        tid = next_tid
        next_tid += 1
        switch_at = int(rng.integers(start, stop + 1)) if rng.random() < 0.3 else -1
        drop_p = float(rng.choice([0.0, 0.1, 0.3]))
        for f in range(start, stop + 1):
            x += vx + rng.normal(0, 1)
            y += vy + rng.normal(0, 0.5)
            bx, by, bw, bh = round(x), round(y), round(w), round(h)
            zero = zero_track or rng.random() < 0.03
            gt.append(f"{f},{gid},{bx},{by},{bw},{bh},{0 if zero else 1},{cls},{rng.random():.3f}")
            if not followed or rng.random() < drop_p:
                continue
            if f == switch_at:  # id switch: the tracker carries on under a new id
                tid = next_tid
                next_tid += 1
            if rng.random() < exact:  # exactly on the ground truth (ties in the matching)
                tx, ty, tw, th = float(bx), float(by), float(bw), float(bh)
            else:
                s = float(rng.choice([2.0, 6.0, 15.0]))
                tx, ty = bx + rng.normal(0, s), by + rng.normal(0, s)
                tw, th = max(1.0, bw + rng.normal(0, s)), max(1.0, bh + rng.normal(0, s))
            if integer_tracker:
                tx, ty, tw, th = round(tx), round(ty), round(tw), round(th)
            out.append(f"{f},{tid},{tx:.3f},{ty:.3f},{tw:.3f},{th:.3f},{rng.random():.4f},-1,-1,-1")
            if rng.random() < duplicates:  # a duplicate track on the same object
                dup = next_tid + 10_000
                dx, dy = (0.0, 0.0) if integer_tracker else (1.5, -1.0)
                out.append(f"{f},{dup},{tx + dx:.3f},{ty + dy:.3f},{tw:.3f},{th:.3f},0.3,-1,-1,-1")
    for _ in range(fp_tracks):  # false-positive tracks
        tid = next_tid
        next_tid += 1
        start = int(rng.integers(1, length))
        x, y = rng.uniform(0, 900), rng.uniform(0, 500)
        for f in range(start, min(length, start + int(rng.integers(1, 30))) + 1):
            out.append(f"{f},{tid},{x:.3f},{y:.3f},40.000,90.000,0.2,-1,-1,-1")
            x += rng.normal(0, 3)
    order = rng.permutation(len(out)) if rng.random() < 0.3 else np.arange(len(out))
    return Sequence(name, length, gt, [out[i] for i in order])


def make_sequences(seed: int, count: int, length: int = 60, tracks: int = 10, ties: bool = False) -> list[Sequence]:
    """`ties`: whole-pixel tracker boxes, half of them exactly on their object, and many exact
    duplicate tracks: equal scores everywhere in the matchings."""
    rng = np.random.default_rng(seed)
    return [make_sequence(rng, f"SEQ-{seed:03d}-{k:02d}", int(rng.integers(length // 2, length + 1)),
                          int(rng.integers(1, tracks + 1)), fp_tracks=int(rng.integers(0, 4)),
                          integer_tracker=ties or bool(rng.random() < 0.3), exact=0.5 if ties else 0.05,
                          duplicates=0.3 if ties else 0.04)
            for k in range(count)]


def write_layout(root: Path, sequences: list[Sequence], tracker: str = "tracker",
                 classes: str | None = None) -> tuple[Path, Path, Path]:
    """TrackEval's layout with SKIP_SPLIT_FOL: root/gt/<seq>/{seqinfo.ini,gt/gt.txt},
    root/trackers/<tracker>/data/<seq>.txt and root/seqmap.txt. Each sequence folder also gets a
    dataset.yaml (`classes:` when given). Returns (gt folder, tracker data folder, seqmap)."""
    gt_root = root / "gt"
    data = root / "trackers" / tracker / "data"
    data.mkdir(parents=True, exist_ok=True)
    for s in sequences:
        d = gt_root / s.name
        (d / "gt").mkdir(parents=True, exist_ok=True)
        (d / "gt" / "gt.txt").write_text("".join(line + "\n" for line in s.gt_lines))
        (d / "seqinfo.ini").write_text(f"[Sequence]\nname={s.name}\nimDir=img1\nframeRate=30\nseqLength={s.length}\n"
                                       "imWidth=1920\nimHeight=1080\nimExt=.jpg\n")
        (d / "dataset.yaml").write_text("format: mot\nsequence: .\n" + (f"classes: {classes}\n" if classes else ""))
        (data / f"{s.name}.txt").write_text("".join(line + "\n" for line in s.tracker_lines))
    seqmap = root / "seqmap.txt"
    seqmap.write_text("name\n" + "".join(s.name + "\n" for s in sequences))
    return gt_root, data, seqmap


def trackeval_results(root: Path, benchmark: str = "MOT17", tracker: str = "tracker") -> dict:
    """TrackEval 1.3's HOTA, CLEAR and Identity for write_layout's folders: {sequence or
    'COMBINED_SEQ': {field: value}} (array fields as arrays)."""
    import trackeval  # the oracle, imported only where used

    eval_config = {"USE_PARALLEL": False, "PRINT_RESULTS": False, "PRINT_CONFIG": False, "TIME_PROGRESS": False,
                   "OUTPUT_SUMMARY": False, "OUTPUT_DETAILED": False, "PLOT_CURVES": False,
                   "OUTPUT_EMPTY_CLASSES": False, "DISPLAY_LESS_PROGRESS": True, "BREAK_ON_ERROR": True,
                   "RETURN_ON_ERROR": False, "LOG_ON_ERROR": None}
    dataset_config = {"GT_FOLDER": str(root / "gt"), "TRACKERS_FOLDER": str(root / "trackers"),
                      "OUTPUT_FOLDER": str(root / "trackeval_out"), "TRACKERS_TO_EVAL": [tracker],
                      "BENCHMARK": benchmark, "SKIP_SPLIT_FOL": True, "SEQMAP_FILE": str(root / "seqmap.txt"),
                      "PRINT_CONFIG": False, "TRACKER_SUB_FOLDER": "data"}
    metric_config = {"THRESHOLD": 0.5, "PRINT_CONFIG": False}
    evaluator = trackeval.Evaluator(eval_config)
    dataset = trackeval.datasets.MotChallenge2DBox(dataset_config)
    metrics = [trackeval.metrics.HOTA(metric_config), trackeval.metrics.CLEAR(metric_config),
               trackeval.metrics.Identity(metric_config)]
    res, msg = evaluator.evaluate([dataset], metrics)
    assert msg["MotChallenge2DBox"][tracker] == "Success", msg
    out: dict = {}
    for seq, by_class in res["MotChallenge2DBox"][tracker].items():
        fields: dict = {}
        for metric in ("HOTA", "CLEAR", "Identity"):
            fields.update(by_class["pedestrian"][metric])
        out[seq] = fields
    return out
