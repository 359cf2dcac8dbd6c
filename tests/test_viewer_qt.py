"""`detection-studio view` as a desktop application (Qt), used as a person uses it: on a virtual X
display (Xvfb), with xdotool's keys, clicks, wheel and drags, and the screen read back by pixels.

The scene is test_viewer.py's (same images, boxes and expected outcomes). The application prints
where it drew image pixel (0, 0) and at what zoom ("view: zoom=Z origin=X,Y"), and, with
DETECTION_STUDIO_VIEW_LAYOUT set, where its controls are ("view: widget NAME X,Y,W,H"), so the
test clicks what a person would click and looks where a box must be.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import test_viewer as tv
import xvfb
from conftest import BIN, run_ds
from PIL import Image
from test_viewer import DETECTIONS, FP, MISSED, TP, TRUTH, TRUTH_BOXES, counts

# test_viewer.py's fixtures: the same scene, display and models.
scene = tv.scene
display = tv.display
random_models = tv.random_models

FIELDS = re.compile(r"(\w+)=(\S+)")
OVERLAY = (204, 121, 167)  # a second model overlaid (RGB)


class App(xvfb.Viewer):
    """The Qt viewer on the virtual display, with its layout and view lines parsed."""

    def __init__(self, args: list[str | os.PathLike[str]], display: xvfb.VirtualDisplay,
                 home: Path) -> None:
        # Recent files go to XDG_CONFIG_HOME: the test's, not the user's.
        super().__init__(BIN / "detection-studio", [*map(str, args), "--ui", "qt"], display,
                         extra_env={"DETECTION_STUDIO_VIEW_LAYOUT": "1", "XDG_CONFIG_HOME": str(home)})
        self.widgets: dict[str, tuple[int, int, int, int]] = {}

    def widget_lines(self, since: int = 0) -> None:
        """The controls' places printed after history line `since` (waits for a whole batch:
        the class list comes last). Lines read while waiting for others are looked at too."""
        def take(line: str) -> bool:
            _, _, name, box = line.split(" ")
            self.widgets[name] = tuple(int(v) for v in box.split(","))  # type: ignore[assignment]
            return name == "class:square"

        done = False
        for line in self.history[since:]:
            if line.startswith("view: widget "):
                done = take(line) or done
        while not done:
            done = take(self.next_line(r"view: widget "))

    def layout(self) -> None:
        """The first layout (it may have come before the line waited for)."""
        self.widget_lines()

    def view(self) -> tuple[float, int, int]:
        """The last zoom and origin printed (window coordinates of image pixel 0, 0)."""
        line = next(h for h in reversed(self.history) if h.startswith("view: zoom="))
        f = dict(FIELDS.findall(line))
        x, y = f["origin"].split(",")
        return float(f["zoom"]), int(x), int(y)

    def click(self, x: int, y: int, button: int = 1) -> None:
        """A click at window coordinates."""
        # XTEST events (no --window on click): sent ones are not turned into Qt wheel events.
        self.display.xdotool("mousemove", "--window", str(self.window), str(x), str(y))
        self.display.xdotool("click", str(button))

    def click_widget(self, name: str, dx: int | None = None, dy: int | None = None) -> None:
        x, y, w, h = self.widgets[name]
        self.click(x + (w // 2 if dx is None else dx), y + (h // 2 if dy is None else dy))

    def at_image(self, ix: float, iy: float) -> tuple[int, int]:
        zoom, ox, oy = self.view()
        return round(ox + ix * zoom), round(oy + iy * zoom)

    def picture(self, shot: Image.Image) -> np.ndarray:
        x, y, w, h = self.widgets["picture"]
        return np.asarray(shot)[y: y + h, x: x + w]


@pytest.fixture
def app_home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def fields(line: str) -> dict[str, str]:
    return dict(FIELDS.findall(line))


def outline(shot: Image.Image, app: App, xywh: tuple[float, ...], color: tuple[int, int, int]) -> float:
    """Fraction of the box's outline, on screen at the current zoom, with `color` within 3 px."""
    zoom, ox, oy = app.view()
    pixels = np.asarray(shot)
    mask = np.all(pixels == color, axis=-1)
    x, y, w, h = xywh
    x1, y1 = round(ox + x * zoom), round(oy + y * zoom)
    x2, y2 = round(ox + (x + w) * zoom), round(oy + (y + h) * zoom)
    hits = [mask[max(yy - 3, 0): yy + 4, xx].any() for xx in range(x1, x2 + 1) for yy in (y1, y2)]
    hits += [mask[yy, max(xx - 3, 0): xx + 4].any() for yy in range(y1, y2 + 1) for xx in (x1, x2)]
    return float(np.mean(hits))


def colour_pixels(picture: np.ndarray, color: tuple[int, int, int]) -> int:
    return int(np.all(picture == color, axis=-1).sum())


def last(app: App, prefix: str) -> dict[str, str]:
    return fields(next(h for h in reversed(app.history) if h.startswith(prefix)))


def wait_view(app: App, pattern: str) -> dict[str, str]:
    return fields(app.next_line(pattern))


def test_qt_view_browses_filters_zooms_and_describes_boxes(
        scene: Path, display: xvfb.VirtualDisplay, tmp_path: Path, app_home: Path) -> None:
    shots = tmp_path / "shots"
    app = App([scene / "run.yaml", "--results", scene / "detections.json", "--output", shots],
              display, app_home)
    try:
        first = fields(app.next_line(r"view: image 1/3 "))
        tp, fp, missed = counts(0)
        assert (int(first["tp"]), int(first["fp"]), int(first["fn"])) == (tp, fp, missed)
        app.layout()
        _ = app.window
        assert "000.png" in app.title()

        # What is drawn, where the zoom says it is: every box of image 0 in its style.
        shot = app.screen()
        for d in DETECTIONS:
            if d.image == 0:
                coverage = outline(shot, app, d.xywh, {"tp": TP, "fp": FP}[d.outcome])
                assert (coverage > 0.95) == (d.score >= 0.5), (d, coverage)
        for t in TRUTH_BOXES:
            if t.image == 0:
                coverage = outline(shot, app, t.xywh, {"matched": TRUTH, "missed": MISSED}[t.outcome])
                assert 0.4 < coverage < 0.95, (t, coverage)

        # The whole dataset's metrics are listed at once (saved detections).
        metrics = last(app, "view: metrics ")
        all_tp, all_fp, all_fn = counts(None)
        assert (metrics["images"], metrics["tp"], metrics["fp"], metrics["fn"]) == (
            "3", str(all_tp), str(all_fp), str(all_fn))

        # Clicking a box says what it is.
        x, y = app.at_image(175, 50)  # the middle of the false alarm (150, 30, 50, 40)
        app.click(x, y)
        info = app.next_line(r"view: box ")
        assert "detection: circle;score 0.800;false positive" in info, info
        x, y = app.at_image(60, 79)  # on the hit, inside its ground truth too: the smaller wins
        app.click(x, y)
        info = app.next_line(r"view: box ")
        assert "true positive;IoU 0.796 with ground truth id 1" in info, info
        app.click(*app.at_image(230, 190))
        info = app.next_line(r"view: box ")
        assert "ground truth: square;id 2;missed" in info and "area 4800 (medium)" in info, info

        # Wheel: zoom about the mouse; dragging pans; 1 is 1:1, f fits.
        zoom = app.view()[0]
        app.click(*app.at_image(160, 120), button=4)
        zoomed = wait_view(app, r"view: zoom=")
        assert float(zoomed["zoom"]) == pytest.approx(zoom * 1.25, rel=1e-3)
        shot = app.screen()
        assert outline(shot, app, DETECTIONS[1].xywh, FP) > 0.95  # still exactly where it says
        before = app.view()
        w = str(app.window)
        px, py = app.at_image(160, 120)
        app.display.xdotool("mousemove", "--window", w, str(px), str(py))
        app.display.xdotool("mousedown", "1")
        for step in range(1, 6):
            app.display.xdotool("mousemove", "--window", w, str(px - 12 * step), str(py - 8 * step))
        app.display.xdotool("mouseup", "1")
        # Dragged 60 px left and 40 up: the picture follows the mouse as far as it is larger than
        # the view (it is wider, not taller).
        moved = fields(app.next_line(rf"view: zoom=\S+ origin={before[1] - 60},{before[2]} "))
        assert float(moved["zoom"]) == before[0]
        app.press("1", expect=r"view: zoom=1\.000 ")
        app.press("f", expect=r"view: zoom=\S+ origin=\S+ fit=on")

        # Class checkboxes: circles off, only the missed square is left.
        app.click_widget("class:circle", dx=10)
        line = fields(app.next_line(r"view: image 1/3 "))
        assert (line["tp"], line["fp"], line["fn"]) == ("0", "0", "1")
        metrics = last(app, "view: metrics ")  # printed just before the picture's line
        assert (metrics["tp"], metrics["fp"], metrics["fn"]) == ("0", "0", "2")
        picture = app.picture(app.screen(until=lambda s: colour_pixels(app.picture(s), TP) == 0))
        assert colour_pixels(picture, FP) == 0 and colour_pixels(picture, MISSED) > 0
        time.sleep(0.6)  # past Qt's double-click interval: two clicks, not one double click
        app.click_widget("class:circle", dx=10)
        app.next_line(r"view: image 1/3 ")

        # The IoU threshold: at 0.85 the hit (IoU 0.80) is a false alarm and its truth missed.
        app.click_widget("iou")
        app.display.xdotool("key", "ctrl+a")
        app.display.xdotool("type", "0.85")
        app.display.xdotool("key", "Return")
        line = fields(app.next_line(r"view: image 1/3 .* iou=0\.85 "))
        assert (line["tp"], line["fp"], line["fn"]) == ("0", "2", "2")
        app.display.xdotool("key", "Escape")  # leaves the field (does not quit)
        app.press("bracketleft", expect=r"view: image 1/3 .*threshold=0\.45 ")

        # The score slider: a click left of the handle steps it down.
        x, y, w, h = app.widgets["score"]
        app.click(x + 3, y + h // 2)
        line = fields(app.next_line(r"view: image 1/3 "))
        assert float(line["threshold"]) < 0.45

        # Ground truth / detections toggles, by checkbox as by key.
        app.click_widget("detections", dx=10)
        assert fields(app.next_line(r"view: image "))["detections"] == "off"
        picture = app.picture(app.screen(until=lambda s: colour_pixels(app.picture(s), TP) == 0))
        assert colour_pixels(picture, FP) == 0
        app.press("d")

        # The list: typing filters it, and browsing stays inside it.
        app.click_widget("search")
        app.display.xdotool("type", "002")
        metrics = wait_view(app, r"view: metrics images=1 ")
        assert metrics["fn"] == "1"
        app.display.xdotool("key", "Escape")
        assert fields(app.press("n"))["listed"] == "1/3"
        assert app.history[-1].startswith("view: image 3/3 002.png")

        # s saves the picture.
        saved = Path(app.press("s", expect=r"view: saved ").split("view: saved ", 1)[1])
        assert saved.parent == shots.resolve()
        with Image.open(saved) as im:
            assert im.size == (640, 480)

        app.press("q", expect=None)
        assert app.wait_exit() == 0, app.stderr
    finally:
        app.kill()


def test_qt_view_keeps_the_highgui_keys(scene: Path, display: xvfb.VirtualDisplay,
                                        app_home: Path) -> None:
    app = App([scene / "run.yaml", "--results", scene / "detections.json"], display, app_home)
    try:
        assert fields(app.next_line())["tp"] == "1"
        order = []
        for key in ("n", "Right", "space", "Left", "p"):
            order.append(app.press(key).split()[2])
        assert order == ["2/3", "3/3", "1/3", "3/3", "2/3"]
        assert app.press("e").split()[2] == "3/3"  # image 2 has errors, 1 has none
        assert app.press("E").split()[2] == "1/3"
        assert fields(app.press("g"))["truth"] == "off"
        assert fields(app.press("g"))["truth"] == "on"
        assert fields(app.press("h"))["help"] == "on"
        assert fields(app.press("bracketright"))["threshold"] == "0.55"
        assert "only one detection source" in app.press("m", expect=r"view: only one")
        assert "no model to reload" in app.press("r", expect=r"view: no model")
        assert fields(app.press("c"))["crowd"] == "off"
        assert fields(app.press("k"))["masks"] == "off"
        app.press("Escape", expect=None)
        assert app.wait_exit() == 0, app.stderr
    finally:
        app.kill()
    # Closing the window quits too.
    app = App([scene / "run.yaml", "--results", scene / "detections.json"], display, app_home)
    try:
        app.next_line()
        xvfb.send_close_request(display.name, app.window)
        assert app.wait_exit() == 0, app.stderr
    finally:
        app.kill()
    # SIGTERM (a session ending, `kill`) quits too, as 128 + 15 (it used to be ignored).
    app = App([scene / "run.yaml", "--results", scene / "detections.json"], display, app_home)
    try:
        app.next_line()
        app.process.send_signal(signal.SIGTERM)
        assert app.wait_exit() == 143, app.stderr
    finally:
        app.kill()


def test_qt_view_side_by_side_and_background_models(
        scene: Path, random_models: tuple[Path, Path], display: xvfb.VirtualDisplay,
        app_home: Path) -> None:
    a, b = random_models
    app = App([scene / "run.yaml", "--model", a, "--model", b, "--score-threshold", "0"],
              display, app_home)
    try:
        first = fields(app.next_line(r"view: image 1/3 "))
        assert (first["model"], first["status"]) == ("random-a", "ok")
        # The background thread runs the model on the other images without a key pressed.
        done = fields(app.next_line(r"view: metrics images=3 pending=0 "))
        assert int(done["tp"]) + int(done["fp"]) > 0
        app.layout()

        # The second model beside the first: the same weights, so the same picture, in step.
        mark = len(app.history)
        app.click_widget("compare")
        app.display.xdotool("key", "Down", "Down", "Return")
        line = fields(app.next_line(r"view: image 1/3 .* compare=random-b"))
        assert line["status"] == "ok"
        app.widget_lines(since=mark)  # laid out again with the second picture
        app.press("1", expect=r"view: zoom=1\.000 ")
        app.click(*app.at_image(100, 100), button=4)
        app.next_line(r"view: zoom=1\.250 ")

        shot = app.screen()

        def region(name: str) -> np.ndarray:
            x, y, w, h = app.widgets[name]
            return np.asarray(shot)[y: y + h, x: x + w]

        left, right = region("picture"), region("picture2")
        assert colour_pixels(left, TP) + colour_pixels(left, FP) > 0
        assert left.shape == right.shape and np.array_equal(left, right)

        # Overlaid instead: the second model's boxes, thin and reddish purple, over the first's.
        app.click_widget("overlay", dx=10)
        assert fields(app.next_line(r"view: image 1/3 "))["overlay"] == "on"
        shot = app.screen(until=lambda s: colour_pixels(np.asarray(s), OVERLAY) > 0)
        assert colour_pixels(region("picture"), TP) + colour_pixels(region("picture"), FP) > 0
        assert fields(app.press("o"))["overlay"] == "off"
        app.screen(until=lambda s: colour_pixels(np.asarray(s), OVERLAY) == 0)

        # m switches the main picture's model; back again, from the cache.
        assert fields(app.press("m"))["model"] == "random-b"
        back = fields(app.press("m"))
        assert back["model"] == "random-a" and back["infer_ms"] == first["infer_ms"]
        app.press("q", expect=None)
        assert app.wait_exit() == 0, app.stderr
    finally:
        app.kill()


def test_qt_view_without_a_display_says_so(scene: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = run_ds("view", scene / "run.yaml", "--results", scene / "detections.json", "--ui", "qt", env=env)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "no display" in result.stderr
    bad = run_ds("view", scene / "run.yaml", "--ui", "gtk", env=env)
    assert bad.returncode == 2 and "--ui must be qt or highgui" in bad.stderr


@pytest.fixture(autouse=True)
def _tools() -> Iterator[None]:
    if not xvfb.tools_available():
        pytest.fail("Xvfb and xdotool are needed (make deps installs them)")
    yield


@pytest.mark.parametrize("kind", ["results", "dataset"])
def test_qt_view_opens_a_file_from_the_menu(scene: Path, display: xvfb.VirtualDisplay,
                                            app_home: Path, tmp_path: Path, kind: str) -> None:
    if kind == "results":
        # Another results file: only the hit on image 1 (index 1) and nothing on image 0.
        other = tmp_path / "other.json"
        other.write_text('[{"image_id": 2, "category_id": 1, "bbox": [102, 48, 100, 100], "score": 0.95}]')
        expected = ("other.json", "0", "0", "2")
    else:
        # A dataset config naming the same dataset (its paths relative to it): the detections stay.
        other = tmp_path / "other.yaml"
        other.write_text(f"format: coco\nannotations: {scene / 'gt.json'}\nimages: {scene / 'images'}\n")
        tp, fp, missed = counts(0)
        expected = ("detections.json", str(tp), str(fp), str(missed))
    app = App([scene / "run.yaml", "--results", scene / "detections.json"], display, app_home)
    try:
        app.next_line()
        _ = app.window
        # File > Open results... / Open dataset... (by the menus' letters), then the file
        # dialog's name field.
        app.display.xdotool("key", "alt+f")
        app.display.xdotool("key", kind[0])
        dialog = app.display.xdotool("search", "--sync", "--name", f"Open {kind}").split()[0]
        # No window manager: give the dialog the keyboard before typing (on a busy machine the
        # keys went to the main window while the dialog was still being mapped).
        app.display.xdotool("windowfocus", "--sync", dialog)
        app.display.xdotool("type", str(other))
        app.display.xdotool("key", "Return")
        app.next_line(rf"view: opening {kind} {re.escape(str(other))}")
        # The new window keeps the inherited stderr open: no waiting for its end here.
        assert app.wait_exit(stderr_wait=0) == 0, app.stderr
        # The new window prints on the same output (inherited).
        line = fields(app.next_line(r"view: image 1/3 "))
        assert (line["model"], line["tp"], line["fp"], line["fn"]) == expected
        recent = (app_home / "detection-studio" / "viewer.conf").read_text()
        assert str(other) in recent and str(scene / "run.yaml") in recent
        # Close the new window as a person would.
        window = app.display.xdotool("search", "--sync", "--name", f"Detection Studio - 000.png - {expected[0]}").split()[0]
        app.display.xdotool("windowfocus", "--sync", window)
        app.display.xdotool("key", "q")
        # It quits: the output closes when its last writer (the new process) is gone.
        while (rest := app.lines.get(timeout=xvfb.WAIT_SECONDS)) is not None:
            app.history.append(rest)
    finally:
        app.kill()
        # A new window left behind by a failure is closed too (it is not our child to kill).
        found = subprocess.run(["xdotool", "search", "--name", "Detection Studio"], env=display.env(),
                               capture_output=True, text=True, check=False)
        for window in found.stdout.split():
            xvfb.send_close_request(display.name, int(window))
