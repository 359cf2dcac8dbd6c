"""Tracking in the pipeline: `detect --track` (tracks.txt beside detections.jsonl, track ids in
it, the tracker seeing what --score-threshold keeps from the files), `track` over the same
detections giving the same tracks, and `evaluate` with a run config's `tracker:` scoring the
tracks with the tracking metric as `score --metric tracking` scores tracks.txt."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, error_line, make_clip, run_ds

MODEL = REPO / "configs" / "models" / "shapes-fcos.yaml"


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("clip"))


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def tracks(path: Path) -> list[list[str]]:
    return [line.split(",") for line in path.read_text().splitlines()]


def test_detect_track_writes_tracks_and_ids(clip: Path, tmp_path: Path) -> None:
    # All the model's detections, untracked: what `track` re-tracks below.
    everything = run_ds("detect", clip / "clip.mp4", "--model", MODEL, "--output", tmp_path / "all",
                        "--score-threshold", "0")
    assert everything.returncode == 0, everything.stderr
    assert not (tmp_path / "all" / "tracks.txt").exists()
    assert all("track_id" not in d for f in read_jsonl(tmp_path / "all" / "detections.jsonl") for d in f["detections"])

    done = run_ds("detect", clip / "clip.mp4", "--model", MODEL, "--output", tmp_path / "det", "--track", "bytetrack",
                  "--score-threshold", "0.6", "--save-video")
    assert done.returncode == 0, done.stderr
    assert "tracks.txt" in done.stdout and "tracking" in done.stdout
    rows = tracks(tmp_path / "det" / "tracks.txt")
    assert rows and all(len(r) == 10 and r[7:] == ["-1", "-1", "-1"] for r in rows)
    assert {int(r[0]) for r in rows} <= set(range(1, 61))
    # Five shapes, each followed through the clip by one long track (the class-agnostic tracker also
    # follows the model's second guesses at a shape's class, with tracks of their own).
    length = {i: sum(int(r[1]) == i for r in rows) for i in {int(r[1]) for r in rows}}
    assert sum(n >= 50 for n in length.values()) >= 5, length

    # detections.jsonl: every detection at or above 0.6, each with its track id, which tracks.txt has
    # for the same box (MOT's 1-based pixels).
    lines = read_jsonl(tmp_path / "det" / "detections.jsonl")
    assert len(lines) == 60
    # (The model gives one box for several classes: the box, the score and the id together are the key.)
    in_tracks = Counter((int(r[0]), round(float(r[2]) - 1, 3), round(float(r[3]) - 1, 3), round(float(r[4]), 3),
                         round(float(r[6]), 5), int(r[1])) for r in rows)
    tracked = 0
    for f in lines:
        for d in f["detections"]:
            assert d["score"] >= 0.6 and "track_id" in d
            if d["track_id"] >= 0:
                tracked += 1
                key = (f["frame"] + 1, round(d["bbox"][0], 3), round(d["bbox"][1], 3), round(d["bbox"][2], 3),
                       round(d["score"], 5), d["track_id"])
                assert in_tracks[key] > 0, key
                in_tracks[key] -= 1
    assert tracked > 100
    # The tracker saw the detections below 0.6 too: tracks.txt has some that the file leaves out.
    assert any(float(r[6]) < 0.6 for r in rows)

    # `track` over the model's detections gives the same tracks as the pipeline's tracker.
    again = run_ds("track", tmp_path / "all" / "detections.jsonl", "--tracker", "bytetrack", "--output", tmp_path / "re")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "re" / "tracks.txt").read_text() == (tmp_path / "det" / "tracks.txt").read_text()

    # tracks.txt reads back as MOT results against the clip's ground truth.
    scored = run_ds("score", "--gt", clip / "dataset.yaml", "--dt", tmp_path / "det" / "tracks.txt", "--metric",
                    "tracking", "--output", tmp_path / "m.json", "--quiet")
    assert scored.returncode == 0, scored.stderr
    m = json.loads((tmp_path / "m.json").read_text())["tracking"]
    # Associations are good (AssA); with the default activation threshold (0.25) the model's second
    # guesses at a shape's class start tracks of their own, which DetA counts against it.
    assert m["AssA"] > 0.6 and m["HOTA"] > 0.3, m
    assert (tmp_path / "det" / "annotated.mp4").stat().st_size > 0


def test_evaluate_with_a_tracker_scores_the_tracks(clip: Path, tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text(f"dataset: {clip / 'dataset.yaml'}\nmodel: {MODEL}\noutput: {tmp_path / 'run'}\n"
                      "metrics: [coco, tracking]\ntracker: {type: bytetrack, frame_rate: 10, track_activation_threshold: 0.5}\n")
    done = run_ds("evaluate", config)
    assert done.returncode == 0, done.stderr
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    ours = metrics["tracking"]

    # The same tracker over detect's detections of the same frames, scored from tracks.txt.
    cfg = tmp_path / "t.yaml"
    cfg.write_text("frame_rate: 10\ntrack_activation_threshold: 0.5\n")
    det = run_ds("detect", clip / "clip.mp4", "--model", MODEL, "--output", tmp_path / "det", "--track", "bytetrack",
                 "--tracker-config", cfg, "--score-threshold", "0")
    assert det.returncode == 0, det.stderr
    scored = run_ds("score", "--gt", clip / "dataset.yaml", "--dt", tmp_path / "det" / "tracks.txt", "--metric",
                    "tracking", "--output", tmp_path / "m.json", "--quiet")
    assert scored.returncode == 0, scored.stderr
    theirs = json.loads((tmp_path / "m.json").read_text())["tracking"]
    for k in ("HOTA", "DetA", "AssA", "MOTA", "IDF1", "IDSW"):
        assert ours[k] == pytest.approx(theirs[k], abs=1e-9), k
    assert ours["HOTA"] > 0.55 and ours["IDF1"] > 0.65  # measured 0.64 and 0.73


def test_tracker_refusals(clip: Path, tmp_path: Path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("frame_rate: 10\nlost_track_bufer: 3\n")
    r = run_ds("detect", clip / "clip.mp4", "--model", MODEL, "--track", "bytetrack", "--tracker-config", bad,
               "--output", tmp_path / "o")
    assert r.returncode == 1
    assert error_line(r).endswith("t.yaml:2: lost_track_bufer: unknown key (did you mean 'lost_track_buffer'?) (known: type, "
                                  "track_activation_threshold, lost_track_buffer, minimum_matching_threshold, frame_rate, "
                                  "minimum_consecutive_frames)")
    r = run_ds("detect", clip / "clip.mp4", "--model", MODEL, "--track", "bytetrak", "--output", tmp_path / "o")
    assert r.returncode == 2 and "unknown tracker 'bytetrak' (did you mean 'bytetrack'?)" in error_line(r)
    r = run_ds("detect", clip / "clip.mp4", "--model", MODEL, "--tracker-config", bad, "--output", tmp_path / "o")
    assert r.returncode == 2 and "--tracker-config goes with --track NAME" in error_line(r)

    config = tmp_path / "run.yaml"
    config.write_text(f"dataset: {clip / 'dataset.yaml'}\nmodel: {MODEL}\nmetrics: [coco, tracking]\n"
                      "tracker:\n  type: sort\n  max_ag: 3\n")
    r = run_ds("evaluate", config)
    assert r.returncode == 1
    assert "run.yaml:6: tracker.max_ag: unknown key (did you mean 'max_age'?)" in error_line(r)
    config.write_text(f"dataset: {clip / 'dataset.yaml'}\nmodel: {MODEL}\nmetrics: [coco, tracking]\ntracker: bytetrack\n")
    r = run_ds("evaluate", config, "--shard", "1/2", "--output", tmp_path / "s")
    assert r.returncode == 1 and "cannot be sharded" in error_line(r)
