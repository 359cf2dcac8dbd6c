"""Takes the README's screenshots of the desktop viewer on a virtual display (Xvfb).

    .venv/bin/python docs/screenshots/take.py     (after make install and make data)

The demo run with both bundled models: the list filtered to images with errors, a false
positive clicked, then the two models side by side, zoomed in step.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
import xvfb

OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    display = xvfb.VirtualDisplay(1400, 860)
    home = tempfile.mkdtemp()
    app = xvfb.Viewer(
        ROOT / ".venv" / "bin" / "detection-studio",
        [ROOT / "configs" / "demo.yaml", "--model", ROOT / "configs/models/shapes-fcos.yaml",
         "--model", ROOT / "configs/models/shapes-fcos-torchscript.yaml", "--ui", "qt"],
        display, extra_env={"DETECTION_STUDIO_VIEW_LAYOUT": "1", "XDG_CONFIG_HOME": home})
    try:
        app.next_line(r"view: metrics images=250 pending=0 ")  # the background thread is done
        widgets = {}
        for line in app.history:
            if line.startswith("view: widget "):
                _, _, name, box = line.split(" ")
                widgets[name] = tuple(int(v) for v in box.split(","))

        def click(x: int, y: int) -> None:
            app.display.xdotool("mousemove", "--window", str(app.window), str(x), str(y))
            app.display.xdotool("click", "1")

        x, y, w, h = widgets["outcome"]
        click(x + w // 2, y + h // 2)
        app.display.xdotool("key", "Down", "Return")  # "with errors (FP or FN)"
        app.next_line(r"view: metrics ")
        app.press("e")
        # Clicking a box: the one under the picture's centre.
        px, py, pw, ph = widgets["picture"]
        click(px + pw // 2, py + ph // 2)
        app.next_line(r"view: box ")
        app.screen().save(OUT / "viewer-errors.png")

        x, y, w, h = widgets["compare"]
        click(x + w // 2, y + h // 2)
        app.display.xdotool("key", "Down", "Down", "Return")  # the TorchScript model beside
        app.next_line(r"view: image .* compare=")
        for _ in range(3):
            app.press("plus", expect=r"view: zoom=")
        app.screen().save(OUT / "viewer-side-by-side.png")
        app.press("q", expect=None)
        app.wait_exit()
    finally:
        app.kill()
        display.close()


if __name__ == "__main__":
    main()
