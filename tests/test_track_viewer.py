"""Track ids and trails where a video dataset is drawn against detections: `render` (the viewer's
pictures, written headless) and `view` (the desktop application, on a virtual X display).

The clip (conftest's make_clip: a mot dataset whose ground truth has track ids) with detections
that have them too: detect --track's detections.jsonl, its tracks.txt (MOT results) and evaluate's
detections.json of a run with a tracker. Behind each box the centres of the same track over the
frames before are drawn: ground truth's as dots in truth's colour, a tracker's as a line in its
track's colour. The checks look for those pixels where the earlier frames' centres are, and find
them missing for the same detections without track ids."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, error_line, make_clip, run_ds
from PIL import Image

MODEL = REPO / "configs" / "models" / "shapes-fcos.yaml"
SCALE = 2  # the clip's 320 x 240 frames are drawn at twice their size (vision::display_scale)
FRAME = 24  # the frame looked at: 24 frames of trails behind it
TRUTH = (86, 180, 233)  # vision::colors::kTruth, RGB
# vision::track_color's palette (BGR there), RGB here: a track's colour is PALETTE[id % 10].
PALETTE = [(68, 119, 170), (102, 204, 238), (34, 170, 51), (204, 187, 68), (238, 102, 119),
           (170, 51, 119), (238, 119, 51), (51, 187, 238), (204, 51, 17), (238, 68, 153)]

Centres = dict[int, dict[int, tuple[float, float]]]  # frame (0-based) -> track id -> box centre


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("clip"))


@pytest.fixture(scope="module")
def detected(clip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """detect --track over the clip's first frames (tracked/), the same detections without their
    track ids (plain/), and a run config for the clip."""
    root = tmp_path_factory.mktemp("detected")
    done = run_ds("detect", clip / "clip.mp4", "--model", MODEL, "--output", root / "tracked", "--track", "bytetrack",
                  "--limit", str(FRAME + 1))
    assert done.returncode == 0, done.stderr
    (root / "plain").mkdir()
    with (root / "plain" / "detections.jsonl").open("w") as plain:
        for line in (root / "tracked" / "detections.jsonl").read_text().splitlines():
            frame = json.loads(line)
            for d in frame["detections"]:
                del d["track_id"]
            plain.write(json.dumps(frame) + "\n")
    (root / "run.yaml").write_text(f"dataset: {clip / 'dataset.yaml'}\noutput: {root / 'run'}\n")
    return root


def truth_centres(clip: Path) -> Centres:
    out: Centres = {}
    for line in (clip / "gt" / "gt.txt").read_text().splitlines():
        f = line.split(",")
        left, top, w, h = (float(v) for v in f[2:6])
        out.setdefault(int(f[0]) - 1, {})[int(f[1])] = (left - 1 + w / 2, top - 1 + h / 2)
    return out


def jsonl_centres(path: Path, threshold: float = 0.5) -> Centres:
    out: Centres = {}
    for line in path.read_text().splitlines():
        frame = json.loads(line)
        for d in frame["detections"]:
            if d.get("track_id", -1) >= 0 and d["score"] >= threshold:
                x, y, w, h = d["bbox"]
                out.setdefault(frame["frame"], {})[d["track_id"]] = (x + w / 2, y + h / 2)
    return out


def mot_centres(path: Path, threshold: float = 0.5) -> Centres:
    out: Centres = {}
    for line in path.read_text().splitlines():
        f = line.split(",")
        left, top, w, h, conf = (float(v) for v in f[2:7])
        if conf >= threshold:
            out.setdefault(int(f[0]) - 1, {})[int(f[1])] = (left - 1 + w / 2, top - 1 + h / 2)
    return out


def trail_share(picture: np.ndarray, centres: Centres, colour: Callable[[int], tuple[int, int, int]],
                at: Callable[[float, float], tuple[int, int]] | None = None, within: int = 1,
                frame: int = FRAME) -> float:
    """The share of the earlier frames' centres (the 12 before `frame`) where the picture has the
    trail's colour within `within` pixels. `colour(track)` gives a track's colour; `at(x, y)` where
    an image pixel is in `picture` (default: the render's scale, the picture at the top left)."""
    place = at or (lambda x, y: (int(x * SCALE), int(y * SCALE)))
    hits = total = 0
    for earlier in range(frame - 12, frame):
        for track, (x, y) in centres.get(earlier, {}).items():
            px, py = place(x, y)
            near = picture[max(py - within, 0): py + within + 1, max(px - within, 0): px + within + 1].reshape(-1, 3)
            hits += bool(np.all(near == colour(track), axis=1).any())
            total += 1
    assert total > 20, total
    return hits / total


def render_frame(detected: Path, results: Path | None, name: str) -> np.ndarray:
    out = detected / name
    args = ["--results", results] if results else []
    done = run_ds("render", detected / "run.yaml", *args, "--output", out, "--limit", str(FRAME + 1))
    assert done.returncode == 0, done.stderr
    return np.asarray(Image.open(out / f"clip_frame{FRAME}.png").convert("RGB"))


def track_colour(track: int) -> tuple[int, int, int]:
    return PALETTE[track % len(PALETTE)]


def test_render_draws_track_trails_of_truth_and_detections(clip: Path, detected: Path) -> None:
    truth = truth_centres(clip)
    tracked = jsonl_centres(detected / "tracked" / "detections.jsonl")
    assert len(tracked.get(FRAME, {})) >= 3  # the shapes are tracked by then

    # detect --track's detections.jsonl: both trails behind the boxes.
    picture = render_frame(detected, detected / "tracked" / "detections.jsonl", "from_jsonl")
    assert trail_share(picture, truth, lambda _: TRUTH) > 0.8
    assert trail_share(picture, tracked, track_colour) > 0.8

    # The same detections without track ids: no trail of theirs (the truth's are there still).
    plain = render_frame(detected, detected / "plain" / "detections.jsonl", "from_plain")
    assert trail_share(plain, tracked, track_colour) < 0.2
    assert trail_share(plain, truth, lambda _: TRUTH) > 0.8

    # tracks.txt (MOT results: 1-based frames and pixels, no classes) draws the same trails.
    from_mot = render_frame(detected, detected / "tracked" / "tracks.txt", "from_mot")
    assert trail_share(from_mot, mot_centres(detected / "tracked" / "tracks.txt"), track_colour) > 0.8
    # detect's run folder is taken for its detections.jsonl.
    from_dir = render_frame(detected, detected / "tracked", "from_dir")
    assert np.array_equal(from_dir, picture)


def test_a_malformed_results_file_is_one_line(detected: Path, tmp_path: Path) -> None:
    bad = tmp_path / "tracks.txt"
    bad.write_text("1,1,10,10,20,20,0.9,-1,-1,-1\n2,1,x,10,20,20,0.9,-1,-1,-1\n")
    done = run_ds("render", detected / "run.yaml", "--results", bad, "--output", tmp_path / "o", "--limit", "1")
    assert done.returncode == 1
    assert error_line(done).endswith("tracks.txt:2: bb_left: expected a number, got 'x'")


def test_view_draws_the_trails_in_the_desktop_viewer(clip: Path, detected: Path, tmp_path: Path) -> None:
    import xvfb
    from test_viewer_qt import App, fields, wait_view

    if not xvfb.tools_available():
        pytest.fail("Xvfb and xdotool are needed (make deps installs them)")
    display = xvfb.VirtualDisplay()
    app = App([detected / "run.yaml", "--results", detected / "tracked" / "detections.jsonl", "--output",
               tmp_path / "shots"], display, tmp_path / "home")
    try:
        first = fields(app.next_line(r"view: image 1/60 "))
        assert int(first["trails"]) >= 5  # the ground truth's five objects (and the tracker's), one frame long
        app.layout()  # the window is up
        for k in range(FRAME):
            line = app.press("Right", rf"view: image {k + 2}/60 ")
        assert int(fields(line)["trails"]) >= 9  # the truth's five and the tracker's
        if not app.view()[0] > 1:  # fitted to the window once it is laid out
            wait_view(app, r"view: zoom=(?!0\.)")
        zoom, ox, oy = app.view()
        shot = np.asarray(app.screen().convert("RGB"))

        def at(x: float, y: float) -> tuple[int, int]:
            return round(ox + x * zoom), round(oy + y * zoom)

        assert trail_share(shot, truth_centres(clip), lambda _: TRUTH, at, within=2) > 0.8
        tracked = jsonl_centres(detected / "tracked" / "detections.jsonl")
        assert trail_share(shot, tracked, track_colour, at, within=2) > 0.8
    finally:
        app.kill()
        display.close()
