"""Trackers: ByteTrack gives the same tracks as supervision 0.27's sv.ByteTrack (the oracle, run on
the same detections) on randomised sequences with moving and crossing boxes, noise, missed frames,
low-score detections and false positives: the same detections tracked, their ids equal up to a
renumbering, the boxes those of the detections; `track`'s inputs and refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import error_line, run_ds

sv = pytest.importorskip("supervision")

Frame = tuple[np.ndarray, np.ndarray]  # xyxy float32 (N, 4), scores float32 (N,)


def random_sequence(seed: int, frames: int = 120) -> list[Frame]:
    """Objects moving at constant speed (some crossing), box noise, missed detections, stretches of
    low scores (occlusion), false positives, objects entering and leaving."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 14))
    start = rng.integers(0, frames // 2, n)
    end = np.minimum(frames, start + rng.integers(10, frames, n))
    pos = rng.uniform(50, 900, (n, 2))
    vel = rng.normal(0, 4, (n, 2))
    size = rng.uniform(20, 120, (n, 2))
    low_from = rng.integers(0, frames, n)
    low_len = rng.integers(0, 15, n)
    out: list[Frame] = []
    for f in range(frames):
        boxes, scores = [], []
        for i in range(n):
            if not start[i] <= f < end[i] or rng.random() < 0.08:
                continue
            c = pos[i] + vel[i] * f + rng.normal(0, 1.5, 2)
            wh = size[i] * (1 + rng.normal(0, 0.03, 2))
            boxes.append([c[0] - wh[0] / 2, c[1] - wh[1] / 2, c[0] + wh[0] / 2, c[1] + wh[1] / 2])
            occluded = low_from[i] <= f < low_from[i] + low_len[i]
            scores.append(rng.uniform(0.12, 0.3) if occluded else rng.uniform(0.35, 0.98))
        for _ in range(int(rng.poisson(1.0))):
            x, y = rng.uniform(0, 950, 2)
            w, h = rng.uniform(10, 80, 2)
            boxes.append([x, y, x + w, y + h])
            scores.append(rng.uniform(0.05, 0.6))
        order = rng.permutation(len(boxes))
        xyxy = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)[order]
        out.append((xyxy, np.asarray(scores, dtype=np.float32)[order]))
    return out


def write_jsonl(path: Path, seq: list[Frame]) -> None:
    """As detect writes detections.jsonl: xywh in float64 (exact for float32 corners)."""
    with path.open("w") as f:
        for i, (xyxy, scores) in enumerate(seq):
            dets = [{"bbox": [float(b[0]), float(b[1]), float(b[2]) - float(b[0]), float(b[3]) - float(b[1])],
                     "score": float(s), "label": "thing", "class_id": 0} for b, s in zip(xyxy, scores, strict=True)]
            f.write(json.dumps({"frame": i, "time_ms": 0, "name": f"frame {i}", "detections": dets}) + "\n")


def supervision_tracks(seq: list[Frame], params: dict[str, Any]) -> list[dict[int, int]]:
    """Per frame: detection index -> sv.ByteTrack's tracker id."""
    tracker = sv.ByteTrack(**params)
    out = []
    for xyxy, scores in seq:
        d = sv.Detections(xyxy=xyxy, confidence=scores, class_id=np.zeros(len(scores), dtype=int),
                          data={"index": np.arange(len(scores))})
        t = tracker.update_with_detections(d)
        out.append({int(i): int(k) for i, k in zip(t.data.get("index", []), t.tracker_id, strict=True)})
    return out


def our_tracks(tmp_path: Path, seq: list[Frame], params: dict[str, Any], tracker: str = "bytetrack") -> list[dict[int, int]]:
    det = tmp_path / "detections.jsonl"
    write_jsonl(det, seq)
    config = tmp_path / "tracker.yaml"
    config.write_text("".join(f"{k}: {v}\n" for k, v in params.items()) or "{}\n")
    r = run_ds("track", det, "--tracker", tracker, "--tracker-config", config, "--output", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    out: list[dict[int, int]] = [{} for _ in seq]
    for line in (tmp_path / "out" / "tracks.txt").read_text().splitlines():
        v = line.split(",")
        frame, tid = int(v[0]) - 1, int(v[1])
        box = np.array([float(x) for x in v[2:6]]) - [1, 1, 0, 0]
        assert v[7:] == ["-1", "-1", "-1"]
        xyxy, scores = seq[frame]
        wide = xyxy.astype(np.float64)
        xywh = np.column_stack([wide[:, :2], wide[:, 2:] - wide[:, :2]])
        hits = np.flatnonzero(np.abs(xywh - box).max(axis=1) <= 1e-6)
        assert len(hits) >= 1, (frame, line)
        i = next(int(h) for h in hits if int(h) not in out[frame])
        assert abs(float(v[6]) - float(scores[i])) <= 1e-6
        out[frame][i] = tid
    return out


def same_up_to_renumbering(ours: list[dict[int, int]], theirs: list[dict[int, int]]) -> None:
    forward: dict[int, int] = {}
    backward: dict[int, int] = {}
    for f, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a.keys() == b.keys(), (f, sorted(a), sorted(b))
        for i in a:
            assert forward.setdefault(a[i], b[i]) == b[i], (f, i, a[i], b[i])
            assert backward.setdefault(b[i], a[i]) == a[i], (f, i, a[i], b[i])


PARAMS: list[dict[str, Any]] = [
    {},
    {"minimum_consecutive_frames": 3},
    {"track_activation_threshold": 0.5, "lost_track_buffer": 5, "minimum_matching_threshold": 0.6},
    {"track_activation_threshold": 0.2, "lost_track_buffer": 60, "frame_rate": 15, "minimum_consecutive_frames": 2},
]


@pytest.mark.parametrize("seed", range(40))
def test_bytetrack_equals_supervision(tmp_path: Path, seed: int) -> None:
    params = PARAMS[seed % len(PARAMS)]
    seq = random_sequence(seed)
    theirs = supervision_tracks(seq, params)
    ours = our_tracks(tmp_path, seq, params)
    assert sum(len(f) for f in theirs) > 0
    same_up_to_renumbering(ours, theirs)
    # The ids themselves agree too: new tracks are numbered in the order supervision's sets give.
    assert ours == theirs


def test_dense_crossing_crowd(tmp_path: Path) -> None:
    """Many boxes close together: the assignments' ties and the duplicate-track removal matter."""
    rng = np.random.default_rng(99)
    seq: list[Frame] = []
    n = 40
    pos = rng.uniform(100, 300, (n, 2))
    vel = rng.normal(0, 3, (n, 2))
    for f in range(80):
        c = pos + vel * f + rng.normal(0, 2, (n, 2))
        keep = rng.random(n) > 0.15
        xyxy = np.column_stack([c - 20, c + 20])[keep].astype(np.float32)
        seq.append((xyxy, rng.uniform(0.05, 1.0, int(keep.sum())).astype(np.float32)))
    theirs = supervision_tracks(seq, {})
    ours = our_tracks(tmp_path, seq, {})
    same_up_to_renumbering(ours, theirs)
    assert ours == theirs


def test_mot_detection_file_round_trip(tmp_path: Path) -> None:
    """A MOT detection file: 1-based pixels in, the same numbers out; frames without a line are
    frames without detections."""
    det = tmp_path / "det.txt"
    det.write_text("1,-1,11.5,21,40,80,0.9\n2,-1,12.5,22,40,80,0.9\n4,-1,14.5,24,40,80,0.9,-1,-1,-1\n")
    r = run_ds("track", det, "--output", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    rows = [line.split(",") for line in (tmp_path / "out" / "tracks.txt").read_text().splitlines()]
    assert [(x[0], x[1], x[2], x[3]) for x in rows] == [("1", "1", "11.5", "21"), ("2", "1", "12.5", "22"),
                                                       ("4", "1", "14.5", "24")]


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        ("track_activation_treshold: 0.3\n", "t.yaml", "t.yaml:1: track_activation_treshold: unknown key (did you mean 'track_activation_threshold'?)"),
        ("lost_track_buffer: -1\n", "t.yaml", "t.yaml:1: lost_track_buffer: must be 0 or more"),
        ("type: sort\n", "t.yaml", "t.yaml:1: type: is 'sort', but the tracker asked for is 'bytetrack'"),
    ],
)
def test_bad_tracker_config(tmp_path: Path, content: str, name: str, expected: str) -> None:
    det = tmp_path / "det.txt"
    det.write_text("1,-1,1,1,10,10,0.9\n")
    cfg = tmp_path / name
    cfg.write_text(content)
    r = run_ds("track", det, "--tracker-config", cfg, "--output", tmp_path / "out")
    assert r.returncode == 1
    assert expected in error_line(r)


@pytest.mark.parametrize(
    ("file", "content", "expected"),
    [
        ("det.txt", "1,-1,1,1,10,10,0.9\n2,-1,1,x,10,10,0.9\n", "det.txt:2: bb_top: expected a number, got 'x'"),
        ("det.txt", "1,-1,1,1,-10,10,0.9\n", "det.txt:1: negative width or height"),
        ("det.txt", "0,-1,1,1,10,10,0.9\n", "det.txt:1: frame: expected a frame number from 1"),
        ("det.txt", "1,-1,1,1\n", "det.txt:1: expected 'frame,id,bb_left,bb_top,width,height,conf,...'"),
        ("det.txt", "1,-1,1e300,1,10,10,0.9\n", "det.txt:1: box value"),
        ("det.txt", "1,-1,1,1,10,10,0.9,1.5\n", "det.txt:1: class: expected an integer, got '1.5'"),
        ("det.txt", "1,2.5,1,1,10,10,0.9\n", "det.txt:1: id: expected an integer, got '2.5'"),
        ("d.jsonl", '{"frame": 0, "detections": [{"bbox": [1, 1, 1e30, 1], "score": 1}]}\n',
         "d.jsonl:1: detections[0]: box value"),
        ("d.jsonl", '{"frame": 1, "detections": []}\n{"frame": 0, "detections": []}\n',
         "d.jsonl:2: frame 0 comes after frame 1"),
        ("d.jsonl", '{"frame": 0, "detections": [{"score": 1}]}\n', "d.jsonl:1: detections[0]: no 'bbox'"),
        ("d.jsonl", '{"frame": 0}\n', "d.jsonl:1: expected detect's detections.jsonl lines"),
    ],
)
def test_bad_detections(tmp_path: Path, file: str, content: str, expected: str) -> None:
    det = tmp_path / file
    det.write_text(content)
    r = run_ds("track", det, "--output", tmp_path / "out")
    assert r.returncode == 1, r.stdout
    assert expected in error_line(r)
    assert not (tmp_path / "out" / "tracks.txt").exists()


def test_unknown_tracker(tmp_path: Path) -> None:
    det = tmp_path / "det.txt"
    det.write_text("1,-1,1,1,10,10,0.9\n")
    r = run_ds("track", det, "--tracker", "bytetrak", "--output", tmp_path / "out")
    assert r.returncode == 2
    assert "unknown tracker 'bytetrak' (did you mean 'bytetrack'?)" in error_line(r)


# --- SORT: abewley/sort's sort.py (its Kalman filter is filterpy's), ported to numpy here -------

class _KalmanBoxTracker:
    count = 0

    def __init__(self, bbox: np.ndarray) -> None:
        self.F = np.eye(7)
        for i in range(3):
            self.F[i, i + 4] = 1
        self.H = np.eye(4, 7)
        self.R = np.eye(4)
        self.R[2:, 2:] *= 10.0
        self.P = np.eye(7)
        self.P[4:, 4:] *= 1000.0
        self.P *= 10.0
        self.Q = np.eye(7)
        self.Q[-1, -1] *= 0.01
        self.Q[4:, 4:] *= 0.01
        self.x = np.zeros((7, 1))
        self.x[:4] = _to_z(bbox)
        self.time_since_update = 0
        self.id = _KalmanBoxTracker.count
        _KalmanBoxTracker.count += 1
        self.hits = 0
        self.hit_streak = 0
        self.age = 0

    def update(self, bbox: np.ndarray) -> None:
        self.time_since_update = 0
        self.hits += 1
        self.hit_streak += 1
        # filterpy.kalman.KalmanFilter.update (Joseph form)
        y = _to_z(bbox) - self.H @ self.x
        pht = self.P @ self.H.T
        s = self.H @ pht + self.R
        k = pht @ np.linalg.inv(s)
        self.x = self.x + k @ y
        i_kh = np.eye(7) - k @ self.H
        self.P = i_kh @ self.P @ i_kh.T + k @ self.R @ k.T

    def predict(self) -> np.ndarray:
        if (self.x[6] + self.x[2]) <= 0:
            self.x[6] *= 0.0
        self.x = self.F @ self.x
        self.P = self.F @ self.P @ self.F.T + self.Q
        self.age += 1
        if self.time_since_update > 0:
            self.hit_streak = 0
        self.time_since_update += 1
        return _to_bbox(self.x)


def _to_z(b: np.ndarray) -> np.ndarray:
    w, h = b[2] - b[0], b[3] - b[1]
    return np.array([b[0] + w / 2.0, b[1] + h / 2.0, w * h, w / float(h)]).reshape((4, 1))


def _to_bbox(x: np.ndarray) -> np.ndarray:
    w = np.sqrt(x[2] * x[3])
    h = x[2] / w
    return np.array([x[0] - w / 2.0, x[1] - h / 2.0, x[0] + w / 2.0, x[1] + h / 2.0]).reshape((1, 4))


def _iou_batch(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    b = np.expand_dims(b, 0)
    a = np.expand_dims(a, 1)
    xx1 = np.maximum(a[..., 0], b[..., 0])
    yy1 = np.maximum(a[..., 1], b[..., 1])
    xx2 = np.minimum(a[..., 2], b[..., 2])
    yy2 = np.minimum(a[..., 3], b[..., 3])
    wh = np.maximum(0.0, xx2 - xx1) * np.maximum(0.0, yy2 - yy1)
    return wh / ((a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1]) + (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1]) - wh)


def sort_reference(seq: list[Frame], max_age: int = 1, min_hits: int = 3, iou_threshold: float = 0.3) -> list[dict[int, int]]:
    """sort.py's Sort.update, with scipy's linear_sum_assignment (its fallback without `lap`);
    per frame, detection index -> the id of the track it updated or started, when output."""
    from scipy.optimize import linear_sum_assignment

    _KalmanBoxTracker.count = 0
    trackers: list[_KalmanBoxTracker] = []
    out = []
    for frame_count, (xyxy, _) in enumerate(seq, start=1):
        dets = xyxy.astype(np.float64)
        trks = np.zeros((len(trackers), 4))
        for t in range(len(trackers)):
            trks[t] = trackers[t].predict()[0]
        keep = ~np.any(np.isnan(trks), axis=1)
        trackers = [t for t, k in zip(trackers, keep, strict=True) if k]
        trks = trks[keep]
        det_track: dict[int, _KalmanBoxTracker] = {}
        if len(trks) == 0:
            unmatched = list(range(len(dets)))
            matches: list[tuple[int, int]] = []
        else:
            iou = _iou_batch(dets, trks)
            if min(iou.shape) > 0:
                a = (iou > iou_threshold).astype(np.int32)
                if a.sum(1).max() == 1 and a.sum(0).max() == 1:
                    matched = np.stack(np.where(a), axis=1)
                else:
                    matched = np.array(list(zip(*linear_sum_assignment(-iou), strict=True)))
            else:
                matched = np.empty((0, 2), dtype=int)
            unmatched = [d for d in range(len(dets)) if d not in matched[:, 0]]
            matches = []
            for m in matched:
                if iou[m[0], m[1]] < iou_threshold:
                    unmatched.append(int(m[0]))
                else:
                    matches.append((int(m[0]), int(m[1])))
        for d, t in matches:
            trackers[t].update(dets[d])
            det_track[d] = trackers[t]
        for d in unmatched:
            trk = _KalmanBoxTracker(dets[d])
            trackers.append(trk)
            det_track[d] = trk
        out.append({d: t.id + 1 for d, t in det_track.items()
                    if t.time_since_update < 1 and (t.hit_streak >= min_hits or frame_count <= min_hits)})
        trackers = [t for t in trackers if t.time_since_update <= max_age]
    return out


@pytest.mark.parametrize("seed", range(12))
def test_sort_equals_reference(tmp_path: Path, seed: int) -> None:
    params: dict[str, Any] = [{}, {"max_age": 5, "min_hits": 1}, {"max_age": 3, "min_hits": 2, "iou_threshold": 0.5}][seed % 3]
    seq = random_sequence(100 + seed)
    theirs = sort_reference(seq, **params)
    ours = our_tracks(tmp_path, seq, params, "sort")
    assert sum(len(f) for f in theirs) > 0
    assert ours == theirs


def test_sort_by_hand(tmp_path: Path) -> None:
    """One box moving right by 10 px a frame, a second appearing on frame 3: with min_hits 3 the
    first is output from frame 1 (the first min_hits frames), the second only on its third hit."""
    a = [[10 + 10 * f, 10, 50 + 10 * f, 50] for f in range(6)]
    seq: list[Frame] = []
    for f in range(6):
        boxes = [a[f]] + ([[200, 200, 240, 260]] if f >= 2 else [])
        seq.append((np.array(boxes, dtype=np.float32), np.full(len(boxes), 0.9, dtype=np.float32)))
    ours = our_tracks(tmp_path, seq, {}, "sort")
    assert ours == [{0: 1}, {0: 1}, {0: 1, 1: 2}, {0: 1}, {0: 1}, {0: 1, 1: 2}]


@pytest.mark.parametrize("tracker", ["bytetrack", "sort"])
def test_degenerate_boxes_neither_crash_nor_hang(tmp_path: Path, tracker: str) -> None:
    """Empty and zero-height boxes (a model can give them) among ordinary ones: the trackers go on."""
    det = tmp_path / "d.jsonl"
    lines = []
    for f in range(12):
        dets = [{"bbox": [10 + f, 10, 0, 0], "score": 0.9}, {"bbox": [50, 50, 20, 0], "score": 0.8},
                {"bbox": [100 + 2 * f, 100, 30, 30], "score": 0.9}]
        lines.append(json.dumps({"frame": f, "detections": dets}))
    det.write_text("\n".join(lines) + "\n")
    r = run_ds("track", det, "--tracker", tracker, "--output", tmp_path / "out", timeout=60)
    assert r.returncode == 0, r.stderr
    rows = [line.split(",") for line in (tmp_path / "out" / "tracks.txt").read_text().splitlines()]
    # The ordinary box is tracked on every frame that the tracker outputs, under one id.
    ordinary = [r for r in rows if float(r[4]) == 30]
    assert len(ordinary) >= 9 and len({r[1] for r in ordinary}) == 1
