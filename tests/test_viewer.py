"""`detection-studio view`: a real window on a virtual X display (Xvfb), driven with xdotool and
read back from the screen; `detection-studio render`: the same pictures written to files.

The scene is built here, so every expected outcome follows from how it was built: three flat
images; image 0 has a hit, a false alarm, a miss and a weak false alarm (score 0.3); image 1 only
a hit; image 2 a miss and a detection inside a crowd region (neither right nor wrong).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import xvfb
from conftest import BIN, ChildOpens, error_line, run_ds
from PIL import Image, ImageChops

# The viewer's visual language (README, "Viewer"), RGB.
TP = (0, 158, 115)
FP = (213, 94, 0)
TRUTH = (86, 180, 233)
MISSED = (240, 228, 66)
CROWD = (160, 160, 160)
BACKGROUND = (30, 30, 30)

WIDTH, HEIGHT = 320, 240
SCALE = 2  # images narrower than 640 px are enlarged by a whole factor
FOOTER = 48  # status line and legend under the image
CATEGORIES = ["circle", "square"]
VIEW = str(BIN / "detection-studio")


@dataclass(frozen=True)
class Box:
    image: int
    category: int  # 1-based, as in the COCO file
    xywh: tuple[float, float, float, float]
    outcome: str  # truth: matched | missed | crowd; detection: tp | fp | crowd
    score: float = 1.0  # detections only


TRUTH_BOXES = [
    Box(0, 1, (20, 20, 80, 60), "matched"),
    Box(0, 2, (200, 120, 60, 80), "missed"),
    Box(1, 1, (100, 50, 100, 100), "matched"),
    Box(2, 2, (50, 50, 50, 50), "missed"),
    Box(2, 1, (180, 100, 100, 100), "crowd"),
]
DETECTIONS = [
    Box(0, 1, (24, 24, 80, 60), "tp", 0.9),  # IoU 0.80 with the circle
    Box(0, 1, (150, 30, 50, 40), "fp", 0.8),  # overlaps nothing
    Box(0, 2, (230, 20, 40, 40), "fp", 0.3),  # overlaps nothing, weak
    Box(1, 1, (102, 48, 100, 100), "tp", 0.95),
    Box(2, 1, (200, 120, 30, 30), "crowd", 0.7),  # inside the crowd region
]


def counts(image: int | None, threshold: float = 0.5) -> tuple[int, int, int]:
    """(TP, FP, missed) the scene was built to have, for one image or all."""
    def here(b: Box) -> bool:
        return image is None or b.image == image
    shown = [d for d in DETECTIONS if here(d) and d.score >= threshold]
    return (sum(d.outcome == "tp" for d in shown), sum(d.outcome == "fp" for d in shown),
            sum(t.outcome == "missed" for t in TRUTH_BOXES if here(t)))


def has_errors(image: int, threshold: float = 0.5) -> bool:
    _, fp, missed = counts(image, threshold)
    return fp + missed > 0


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scene")
    (root / "images").mkdir()
    images = []
    for i in range(3):
        name = f"{i:03d}.png"
        Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND).save(root / "images" / name)
        images.append({"id": i + 1, "file_name": name, "width": WIDTH, "height": HEIGHT})
    annotations = [
        {"id": k + 1, "image_id": t.image + 1, "category_id": t.category, "bbox": list(t.xywh),
         "area": t.xywh[2] * t.xywh[3], "iscrowd": int(t.outcome == "crowd")}
        for k, t in enumerate(TRUTH_BOXES)
    ]
    categories = [{"id": k + 1, "name": n, "supercategory": "shape"} for k, n in enumerate(CATEGORIES)]
    (root / "gt.json").write_text(json.dumps(
        {"images": images, "annotations": annotations, "categories": categories}))
    (root / "detections.json").write_text(json.dumps([
        {"image_id": d.image + 1, "category_id": d.category, "bbox": list(d.xywh), "score": d.score}
        for d in DETECTIONS
    ]))
    (root / "run.yaml").write_text(
        "dataset:\n  format: coco\n  annotations: gt.json\n  images: images\noutput: out\n")
    return root


def render(scene: Path, out: Path, *args: str | os.PathLike[str],
           opens: ChildOpens | None = None) -> subprocess.CompletedProcess[str]:
    return run_ds("render", scene / "run.yaml", "--results", scene / "detections.json",
                  "--output", out, *args, opens=opens)


# --- looking at pictures ------------------------------------------------------------------

def pixels(picture: Image.Image | Path) -> np.ndarray:
    image = Image.open(picture) if isinstance(picture, Path) else picture
    return np.asarray(image.convert("RGB"))


def image_area(canvas: np.ndarray) -> np.ndarray:
    """The picture without the footer (whose legend shows every colour)."""
    return canvas[: HEIGHT * SCALE]


def outline(canvas: np.ndarray, xywh: tuple[float, ...], color: tuple[int, int, int]) -> float:
    """Fraction of the box's outline (in canvas pixels) with `color` within 2 px across the line:
    about 1 for a solid line, about 0.6-0.8 for a dashed one, 0 when the box is not drawn."""
    x, y, w, h = xywh
    x1, y1, x2, y2 = (round(v * SCALE) for v in (x, y, x + w, y + h))
    mask = np.all(canvas == color, axis=-1)
    hits = [mask[max(yy - 2, 0): yy + 3, xx].any() for xx in range(x1, x2 + 1) for yy in (y1, y2)]
    hits += [mask[yy, max(xx - 2, 0): xx + 3].any() for yy in range(y1, y2 + 1) for xx in (x1, x2)]
    return float(np.mean(hits))


def solid(coverage: float) -> bool:
    return coverage > 0.95


def dashed(coverage: float) -> bool:
    return 0.4 < coverage < 0.9


def color_count(canvas: np.ndarray, color: tuple[int, int, int]) -> int:
    return int(np.all(image_area(canvas) == color, axis=-1).sum())


TRUTH_COLOR = {"matched": TRUTH, "missed": MISSED, "crowd": CROWD}
DETECTION_COLOR = {"tp": TP, "fp": FP, "crowd": CROWD}


def check_picture(canvas: np.ndarray, image: int, threshold: float = 0.5, truth: bool = True,
                  detections: bool = True) -> None:
    """Everything a person should see on image `image` (and nothing they should not)."""
    assert canvas.shape == (HEIGHT * SCALE + FOOTER, WIDTH * SCALE, 3)
    for t in TRUTH_BOXES:
        if t.image == image and truth:
            coverage = outline(canvas, t.xywh, TRUTH_COLOR[t.outcome])
            assert dashed(coverage), f"{t} should be dashed {TRUTH_COLOR[t.outcome]}: {coverage:.2f}"
    for d in DETECTIONS:
        if d.image != image:
            continue
        coverage = outline(canvas, d.xywh, DETECTION_COLOR[d.outcome])
        if detections and d.score >= threshold:
            assert solid(coverage), f"{d} should be solid {DETECTION_COLOR[d.outcome]}: {coverage:.2f}"
        else:
            assert coverage == 0, f"{d} should not be drawn: {coverage:.2f}"
    if not truth:
        for color in (TRUTH, MISSED):
            assert color_count(canvas, color) == 0, f"ground truth still drawn in {color}"
    if not detections:
        for color in (TP, FP):
            assert color_count(canvas, color) == 0, f"detections still drawn in {color}"
    background = np.all(image_area(canvas) == BACKGROUND, axis=-1).mean()
    assert background > 0.7, "the image itself is covered"


# --- render: headless -----------------------------------------------------------------------

def test_render_draws_truth_and_detections_in_their_styles(scene: Path, tmp_path: Path) -> None:
    result = render(scene, tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["000.png", "001.png", "002.png"]
    for i in range(3):
        check_picture(pixels(tmp_path / f"{i:03d}.png"), i)
    tp, fp, missed = counts(None)
    assert f"TP {tp}, FP {fp}, missed {missed}" in result.stdout


def test_render_follows_the_score_threshold(scene: Path, tmp_path: Path) -> None:
    result = render(scene, tmp_path, "--score-threshold", "0.25")
    assert result.returncode == 0, result.stderr
    check_picture(pixels(tmp_path / "000.png"), 0, threshold=0.25)
    tp, fp, missed = counts(None, 0.25)
    assert f"TP {tp}, FP {fp}, missed {missed}" in result.stdout
    assert fp == counts(None)[1] + 1  # the weak false alarm now counts

    bad = render(scene, tmp_path / "bad", "--score-threshold", "1.5")
    assert bad.returncode == 2 and "--score-threshold" in bad.stderr


def test_render_errors_only_as_jpeg(scene: Path, tmp_path: Path) -> None:
    result = render(scene, tmp_path, "--errors-only", "--format", "jpg")
    assert result.returncode == 0, result.stderr
    expected = [f"{i:03d}.jpg" for i in range(3) if has_errors(i)]
    assert sorted(p.name for p in tmp_path.iterdir()) == expected
    for name in expected:
        data = (tmp_path / name).read_bytes()
        assert data[:3] == b"\xff\xd8\xff"
        with Image.open(tmp_path / name) as im:
            assert im.size == (WIDTH * SCALE, HEIGHT * SCALE + FOOTER)


def test_render_and_view_reject_bad_input(scene: Path, tmp_path: Path) -> None:
    missing = render(scene, tmp_path, "--model", tmp_path / "nope.yaml")
    assert missing.returncode == 2  # --model with --results
    no_model = run_ds("render", scene / "run.yaml", "--output", tmp_path)
    assert no_model.returncode == 1
    assert "model: missing" in error_line(no_model)
    bad_results = run_ds("render", scene / "run.yaml", "--results", tmp_path / "none.json",
                         "--output", tmp_path)
    assert bad_results.returncode == 1
    assert "none.json" in error_line(bad_results)
    # Detections for images the dataset does not have are left out, with a warning.
    stray = tmp_path / "stray.json"
    stray.write_text(json.dumps([{"image_id": 999, "category_id": 1, "bbox": [1, 2, 3, 4],
                                  "score": 0.9}]))
    result = run_ds("render", scene / "run.yaml", "--results", stray, "--output", tmp_path / "s")
    assert result.returncode == 0, result.stderr
    assert "1 detections are for images that are not in the dataset" in result.stderr
    assert "TP 0, FP 0" in result.stdout


def test_results_need_no_python(scene: Path, tmp_path: Path) -> None:
    # Embedded Python reads the venv's pyvenv.cfg when it starts: with --results nothing may.
    quiet = ChildOpens(tmp_path / "quiet")
    assert render(scene, tmp_path / "a", opens=quiet).returncode == 0
    assert not quiet.python_started(), "render --results started Python"
    # The control: a model config makes it start Python (and fail importing the module).
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nmodule: no_such_module_here\n")
    control = ChildOpens(tmp_path / "control")
    result = run_ds("render", scene / "run.yaml", "--model", bad, "--output", tmp_path / "b",
                    opens=control)
    assert result.returncode == 1
    assert "no_such_module_here" in error_line(result)
    assert control.python_started()


# --- view without a screen ------------------------------------------------------------------

def headless_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(extra)
    return env


def test_view_without_a_display_says_so(scene: Path) -> None:
    args = ("view", scene / "run.yaml", "--results", scene / "detections.json")
    result = run_ds(*args, env=headless_env())
    assert result.returncode == 1
    assert "no display" in error_line(result)
    assert "DISPLAY" in error_line(result)

    unused = next(n for n in range(400, 500) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    result = run_ds(*args, env=headless_env(DISPLAY=f":{unused}"))
    assert result.returncode == 1
    assert f"cannot connect to the X server at DISPLAY=:{unused}" in error_line(result)


def test_view_runs_on_qt_offscreen(scene: Path) -> None:
    process = subprocess.Popen(
        [VIEW, "view", scene / "run.yaml", "--results", scene / "detections.json", "--ui", "highgui"],
        env=headless_env(QT_QPA_PLATFORM="offscreen"), stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        first = xvfb.line_within(process.stdout, xvfb.WAIT_SECONDS)  # after the first frame is shown
        tp, fp, missed = counts(0)
        assert first.startswith("view: image 1/3 000.png model=detections.json threshold=0.50 "
                                f"tp={tp} fp={fp} fn={missed} ")
    finally:
        process.kill()
        process.wait()
    # Past the display check, input errors are still one line.
    no_model = run_ds("view", scene / "run.yaml", env=headless_env(QT_QPA_PLATFORM="offscreen"))
    assert no_model.returncode == 1
    assert "model: missing" in error_line(no_model)


# --- view in a window -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def display() -> Iterator[xvfb.VirtualDisplay]:
    d = xvfb.VirtualDisplay()
    try:
        yield d
    finally:
        d.close()


LOG = re.compile(r"view: image (?P<index>\d+)/(?P<count>\d+) (?P<file>\S+) model=(?P<model>\S+) "
                 r"threshold=(?P<threshold>[\d.]+) tp=(?P<tp>\d+) fp=(?P<fp>\d+) fn=(?P<fn>\d+) "
                 r"truth=(?P<truth>on|off) detections=(?P<detections>on|off) masks=(?P<masks>on|off) help=(?P<help>on|off) "
                 r"infer_ms=(?P<infer_ms>\S+) status=(?P<status>\w+)"
                 r"(?: \w+=\S+)*")  # the Qt application adds fields (iou=, crowd=, listed=, compare=)


def log(line: str) -> dict[str, str]:
    m = LOG.fullmatch(line)
    assert m, line
    return m.groupdict()


def same(a: Image.Image, b: Image.Image | Path) -> bool:
    other = Image.open(b).convert("RGB") if isinstance(b, Path) else b
    return a.size == other.size and ImageChops.difference(a, other).getbbox() is None


def test_view_browses_with_keys(scene: Path, display: xvfb.VirtualDisplay, tmp_path: Path) -> None:
    rendered = tmp_path / "rendered"
    assert render(scene, rendered).returncode == 0  # the pictures the window must show
    shots = tmp_path / "shots"
    opens = ChildOpens(tmp_path / "opens")
    viewer = xvfb.Viewer(BIN / "detection-studio",
                         [scene / "run.yaml", "--results", scene / "detections.json",
                          "--output", shots, "--ui", "highgui"], display, wrap=opens.wrap)
    try:
        def at(line: str, index: int, threshold: str = "0.50") -> dict[str, str]:
            fields = log(line)
            tp, fp, missed = counts(index, float(threshold))
            assert (fields["index"], fields["file"], fields["threshold"]) == (
                str(index + 1), f"{index:03d}.png", threshold), line
            assert (int(fields["tp"]), int(fields["fp"]), int(fields["fn"])) == (tp, fp, missed)
            assert fields["model"] == "detections.json" and fields["infer_ms"] == "-"
            return fields

        at(viewer.next_line(), 0)
        # The window shows exactly what render draws (and so everything check_picture saw there).
        first = viewer.screen(until=lambda s: same(s, rendered / "000.png"))
        check_picture(pixels(first), 0)
        assert "000.png" in viewer.title() and "detections.json" in viewer.title()

        assert at(viewer.press("g"), 0)["truth"] == "off"
        check_picture(pixels(viewer.screen(until=lambda s: not same(s, first))), 0, truth=False)
        assert at(viewer.press("g"), 0)["truth"] == "on"
        viewer.screen(until=lambda s: same(s, first))
        assert at(viewer.press("d"), 0)["detections"] == "off"
        check_picture(pixels(viewer.screen(until=lambda s: not same(s, first))), 0, detections=False)
        at(viewer.press("d"), 0)

        # Score threshold: five steps of 0.05 down shows the weak false alarm.
        for threshold in ("0.45", "0.40", "0.35", "0.30", "0.25"):
            at(viewer.press("bracketleft"), 0, threshold)
        low = viewer.screen(until=lambda s: outline(pixels(s), DETECTIONS[2].xywh, FP) > 0)
        check_picture(pixels(low), 0, threshold=0.25)
        for threshold in ("0.30", "0.35", "0.40", "0.45", "0.50"):
            at(viewer.press("bracketright"), 0, threshold)

        # Navigation: the picture changes to the next image's.
        at(viewer.press("n"), 1)
        second = viewer.screen(until=lambda s: same(s, rendered / "001.png"))
        assert not same(second, first)
        at(viewer.press("Right"), 2)
        at(viewer.press("space"), 0)  # wraps around
        at(viewer.press("Left"), 2)
        at(viewer.press("p"), 1)

        # e: the next image with a false positive or a missed object, skipping clean ones.
        with_errors = [i for i in range(3) if has_errors(i)]
        at(viewer.press("e"), next(i for i in with_errors if i > 1))
        at(viewer.press("e"), with_errors[0])
        at(viewer.press("E"), with_errors[-1])
        at(viewer.press("n"), 0)
        viewer.screen(until=lambda s: same(s, first))

        # Help: an overlay darkens the middle of the picture.
        assert at(viewer.press("h"), 0)["help"] == "on"
        helped = viewer.screen(until=lambda s: not same(s, first))
        middle = (slice(HEIGHT * SCALE // 2 - 20, HEIGHT * SCALE // 2 + 20),
                  slice(WIDTH * SCALE // 2 - 40, WIDTH * SCALE // 2 + 40))
        assert np.median(pixels(helped)[middle]) < np.median(pixels(first)[middle])  # text lies on it too
        assert at(viewer.press("h"), 0)["help"] == "off"
        viewer.screen(until=lambda s: same(s, first))

        # s saves what is on screen into the output folder and prints where.
        saved = Path(viewer.press("s", expect=r"view: saved ").split("view: saved ", 1)[1])
        assert saved.parent == shots.resolve() and saved.suffix == ".png"
        assert same(viewer.screen(), saved)

        viewer.press("q", expect=None)
        assert viewer.wait_exit() == 0
    finally:
        viewer.kill()
    assert not opens.python_started(), "view --results started Python"


def test_view_quits_on_escape_and_on_closing_the_window(scene: Path, display: xvfb.VirtualDisplay) -> None:
    args = [scene / "run.yaml", "--results", scene / "detections.json", "--ui", "highgui"]
    for close in ("escape", "window"):
        viewer = xvfb.Viewer(BIN / "detection-studio", args, display)
        try:
            viewer.next_line()
            if close == "escape":
                viewer.press("Escape", expect=None)
            else:
                xvfb.send_close_request(display.name, viewer.window)
            assert viewer.wait_exit() == 0, viewer.stderr
        finally:
            viewer.kill()


@pytest.mark.parametrize("ui", ["highgui", "qt"])
def test_view_ends_when_its_display_goes_away(scene: Path, ui: str) -> None:
    """A viewer whose X server died (an ssh session closed, Xvfb stopped) must not live on."""
    display = xvfb.VirtualDisplay()  # its own: this one is killed
    args = [scene / "run.yaml", "--results", scene / "detections.json", "--ui", ui]
    viewer = xvfb.Viewer(BIN / "detection-studio", args, display)
    try:
        viewer.next_line()
        display.close()
        assert viewer.wait_exit() != 0
        assert "X11 connection broke" in viewer.stderr
    finally:
        viewer.kill()
        display.close()


# The desktop application (qt) keeps the highgui window's keys and log lines: both are checked.
@pytest.mark.parametrize("ui", ["highgui", "qt"])
def test_view_skip_bad_passes_over_unreadable_images(scene: Path, display: xvfb.VirtualDisplay,
                                                     tmp_path: Path, ui: str) -> None:
    spoiled = tmp_path / "scene"
    shutil.copytree(scene, spoiled)
    data = (spoiled / "images" / "001.png").read_bytes()
    (spoiled / "images" / "001.png").write_bytes(data[: len(data) // 2])
    args = [spoiled / "run.yaml", "--results", spoiled / "detections.json", "--ui", ui]
    viewer = xvfb.Viewer(BIN / "detection-studio", [*args, "--skip-bad"], display)
    try:
        assert log(viewer.next_line())["index"] == "1"
        assert "001.png: truncated PNG" in viewer.press("n", r"view: skipped ")
        assert log(viewer.next_line())["index"] == "3"
        assert "001.png" in viewer.press("p", r"view: skipped ")
        assert log(viewer.next_line())["index"] == "1"
        viewer.press("q", expect=None)
        assert viewer.wait_exit() == 0, viewer.stderr
    finally:
        viewer.kill()
    # Without --skip-bad the picture says what is wrong, and browsing goes on.
    viewer = xvfb.Viewer(BIN / "detection-studio", args, display)
    try:
        viewer.next_line()
        assert log(viewer.press("n"))["status"] == "error"
        viewer.press("q", expect=None)
        assert viewer.wait_exit() == 0, viewer.stderr
    finally:
        viewer.kill()


@pytest.fixture(scope="module")
def random_models(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two model configs over one randomly initialised demo FCOS (threshold 0: it finds boxes)."""
    import torch
    from detection_studio import demo_model

    root = tmp_path_factory.mktemp("models")
    torch.manual_seed(0)
    torch.save(demo_model.build(len(CATEGORIES)).state_dict(), root / "random.pt")
    (root / "classes.names").write_text("\n".join(CATEGORIES) + "\n")
    configs = []
    for name in ("random-a", "random-b"):
        config = root / f"{name}.yaml"
        config.write_text(
            f"name: {name}\nmodule: pytorch_detect\nclasses: classes.names\ndevice: cpu\n"
            "model:\n  format: state_dict\n  architecture: detection_studio.demo_model:build\n"
            f"  args: {{num_classes: {len(CATEGORIES)}, score_thresh: 0.0}}\n  weights: random.pt\n"
            "score_threshold: 0.0\nmax_detections: 5\nbatch_size: 1\nthreads: 1\n")
        configs.append(config)
    return configs[0], configs[1]


@pytest.mark.parametrize("ui", ["highgui", "qt"])
def test_view_swaps_models_live(scene: Path, random_models: tuple[Path, Path],
                                display: xvfb.VirtualDisplay, ui: str) -> None:
    # A copy of the first config: this test edits it.
    a = random_models[0].with_name("live.yaml")
    a.write_text(random_models[0].read_text())
    b = random_models[1]
    viewer = xvfb.Viewer(BIN / "detection-studio",
                         [scene / "run.yaml", "--model", a, "--model", b, "--score-threshold", "0",
                          "--ui", ui],
                         display)
    try:
        first = log(viewer.next_line())
        assert (first["index"], first["model"], first["status"]) == ("1", "random-a", "ok")
        assert int(first["fp"]) + int(first["tp"]) > 0  # the model ran: threshold 0 shows its boxes
        float(first["infer_ms"])

        # m: the other model runs on the current image at once.
        swapped = log(viewer.press("m"))
        assert (swapped["index"], swapped["model"], swapped["status"]) == ("1", "random-b", "ok")
        float(swapped["infer_ms"])
        assert "random-b" in viewer.title()
        # Back to the first model: its detections come from the cache (same inference time).
        back = log(viewer.press("m"))
        assert back["model"] == "random-a" and back["infer_ms"] == first["infer_ms"]

        # r: the config is read again; what it says now is what the viewer shows.
        a.write_text(a.read_text().replace("name: random-a", "name: random-c"))
        reloaded = log(viewer.press("r"))
        assert reloaded["model"] == "random-c" and reloaded["status"] == "ok"
        # A broken config on reload is shown in the window, not fatal.
        a.write_text("name: broken\n")
        broken = log(viewer.press("r"))
        assert broken["status"] == "error"
        viewer.press("q", expect=None)
        assert viewer.wait_exit() == 0
    finally:
        viewer.kill()
    assert "module" in viewer.stderr  # the broken config's problem was reported


def test_render_runs_a_model(scene: Path, random_models: tuple[Path, Path], tmp_path: Path) -> None:
    result = run_ds("render", scene / "run.yaml", "--model", random_models[0], "--output", tmp_path,
                    "--score-threshold", "0", "--limit", "2")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["000.png", "001.png"]
    assert "(random-a, score >= 0:" in result.stdout
    for name in ("000.png", "001.png"):
        canvas = pixels(tmp_path / name)
        assert color_count(canvas, TP) + color_count(canvas, FP) > 0  # its boxes are drawn
