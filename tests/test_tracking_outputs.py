"""Where a tracker's ids go besides detect's tracks.txt: evaluate's tracks.txt (and detections.json's
track_id), the video datasets --export-dataset writes (mot, cvat-video: read back, the ids are
tracks.txt's), and ds.detect(track=...) (the same ids as the command's tracks.txt)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import test_track_viewer as tv
from conftest import REPO, make_clip, run_ds
from PIL import Image

MODEL = REPO / "configs" / "models" / "shapes-fcos.yaml"
TRACKER = "frame_rate: 10\ntrack_activation_threshold: 0.5\n"
FRAMES = "20"  # the clip's first frames (of 60): enough tracks, less time

Row = tuple[int, int, float, float, float, float]  # frame (1-based), id, MOT box (1-based pixels)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("clip"))


@pytest.fixture(scope="module")
def detected(clip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """detect --track over the clip's first frames with every detection kept, exported as a mot
    dataset."""
    root = tmp_path_factory.mktemp("detected")
    (root / "t.yaml").write_text(TRACKER)
    done = run_ds("detect", clip / "clip.mp4", "--model", MODEL, "--output", root / "det", "--track", "bytetrack",
                  "--tracker-config", root / "t.yaml", "--score-threshold", "0", "--limit", FRAMES,
                  "--export-dataset", root / "mot", "--format", "mot")
    assert done.returncode == 0, done.stderr
    return root


def tracks(path: Path) -> list[tuple[float, ...]]:
    return [tuple(float(v) for v in line.split(",")) for line in path.read_text().splitlines()]


def rows(path: Path) -> Counter[Row]:
    return Counter((int(r[0]), int(r[1]), round(r[2], 3), round(r[3], 3), round(r[4], 3), round(r[5], 3))
                   for r in tracks(path))


def test_evaluate_with_a_tracker_writes_tracks_txt(clip: Path, detected: Path, tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text(f"dataset: {clip / 'dataset.yaml'}\nmodel: {MODEL}\noutput: {tmp_path / 'run'}\n"
                      "metrics: [coco]\ntracker: {type: bytetrack, frame_rate: 10, track_activation_threshold: 0.5}\n")
    done = run_ds("evaluate", config, "--limit", FRAMES)
    assert done.returncode == 0, done.stderr
    assert "tracks.txt" in done.stdout
    # The same tracker over the same detections: detect --track's file, line for line.
    ours = (tmp_path / "run" / "tracks.txt").read_text()
    assert ours and ours == (detected / "det" / "tracks.txt").read_text()
    # detections.json carries each tracked detection's id (view and render draw them).
    scored = json.loads((tmp_path / "run" / "detections.json").read_text())
    ids = Counter(d["track_id"] for d in scored if "track_id" in d)
    assert ids == Counter(int(r[1]) for r in tracks(tmp_path / "run" / "tracks.txt"))
    # render draws the run's detections (its detections.json) with their trails.
    last = int(FRAMES) - 1
    done = run_ds("render", config, "--output", tmp_path / "pictures", "--limit", FRAMES)
    assert done.returncode == 0, done.stderr
    picture = np.asarray(Image.open(tmp_path / "pictures" / f"clip_frame{last}.png").convert("RGB"))
    centres = tv.mot_centres(tmp_path / "run" / "tracks.txt")
    assert tv.trail_share(picture, centres, tv.track_colour, frame=last) > 0.8

    # Without the tracker the run writes no tracks.txt, and an earlier one is gone.
    config.write_text(f"dataset: {clip / 'dataset.yaml'}\nmodel: {MODEL}\noutput: {tmp_path / 'run'}\nmetrics: [coco]\n")
    done = run_ds("evaluate", config, "--limit", "2")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "run" / "tracks.txt").exists()
    assert all("track_id" not in d for d in json.loads((tmp_path / "run" / "detections.json").read_text()))


def exported_rows(dataset_file: Path) -> Counter[Row]:
    """(frame, id, MOT box) of every box of a video dataset, read by ds.load_dataset."""
    import detection_studio as ds

    out: Counter[Row] = Counter()
    for frame, (_, boxes) in enumerate(ds.load_dataset(dataset_file)):
        for a in boxes:
            x, y, w, h = a.bbox.x, a.bbox.y, a.bbox.w, a.bbox.h
            out[(frame + 1, a.track_id, round(x + 1, 3), round(y + 1, 3), round(w, 3), round(h, 3))] += 1
    return out


def test_exported_video_datasets_keep_the_track_ids(detected: Path, clip: Path) -> None:
    expected = rows(detected / "det" / "tracks.txt")
    ids = {r[1] for r in expected}
    # mot: every tracked detection under its id; the untracked ones (the model's other guesses, which
    # the tracker left out) under ids of their own, above the tracker's.
    mot = exported_rows(detected / "mot" / "dataset.yaml")
    assert Counter({r: n for r, n in mot.items() if r[1] in ids}) == expected
    assert all(r[1] > max(ids) for r in mot if r[1] not in ids)

    # cvat-video: a CVAT track has one label, and the class-agnostic tracker may give a track several
    # classes (the model's guesses at a shape change): the track keeps its id for its first class, its
    # boxes of another class are a track with a new id.
    out = detected / "cvat"
    done = run_ds("detect", clip / "clip.mp4", "--model", MODEL, "--output", detected / "det2", "--track", "bytetrack",
                  "--tracker-config", detected / "t.yaml", "--score-threshold", "0", "--limit", FRAMES,
                  "--export-dataset", out, "--format", "cvat-video")
    assert done.returncode == 0, done.stderr
    assert (detected / "det2" / "tracks.txt").read_text() == (detected / "det" / "tracks.txt").read_text()
    cvat = exported_rows(out / "dataset.yaml")
    kept = Counter({r: n for r, n in cvat.items() if r[1] in ids})
    assert kept <= expected  # an id the tracker gave is on its own boxes only
    assert {r[1] for r in kept} == ids  # and every track of the tracker keeps its id
    boxes = Counter(r[:1] + r[2:] for r in expected)
    assert boxes <= Counter(r[:1] + r[2:] for r in cvat)  # every tracked box is there, under some id
    assert all(r[1] > max(ids) for r in cvat if r[1] not in ids)


def test_ds_detect_tracks_as_detect_does(clip: Path, detected: Path) -> None:
    import detection_studio as ds

    got = []
    for frame, d in ds.detect(clip / "clip.mp4", MODEL, score_threshold=0, limit=int(FRAMES), track="bytetrack",
                              tracker_config=detected / "t.yaml"):
        assert len(d["track_ids"]) == len(d["boxes"])
        for (x1, y1, x2, y2), score, track in zip(d["boxes"].tolist(), d["scores"].tolist(), d["track_ids"].tolist(),
                                                  strict=True):
            if track >= 0:
                got.append((frame.index + 1.0, float(track), x1 + 1, y1 + 1, x2 - x1, y2 - y1, score, -1.0, -1.0, -1.0))
    # tracks.txt's numbers are the shortest text of the same doubles: equal, not close.
    assert got == tracks(detected / "det" / "tracks.txt")

    # Without track: no ids; tracker_config alone is a mistake.
    _, d = next(iter(ds.detect(clip / "clip.mp4", MODEL, limit=1)))
    assert "track_ids" not in d
    with pytest.raises(ValueError, match="tracker_config goes with track"):
        next(iter(ds.detect(clip / "clip.mp4", MODEL, tracker_config=detected / "t.yaml")))
    with pytest.raises(ValueError, match="unknown tracker 'bytetrak'"):
        next(iter(ds.detect(clip / "clip.mp4", MODEL, track="bytetrak")))
