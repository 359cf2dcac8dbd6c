"""Takes the README's viewer screenshot (docs/viewer.png) from the real window.

The viewer runs on a virtual X display (Xvfb), keys are typed with xdotool and the window's
pixels are read back from the X server, as tests/test_viewer.py does:

    .venv/bin/python bench/viewer_screenshot.py                # configs/demo.yaml, key e
    .venv/bin/python bench/viewer_screenshot.py --keys e e n --output /tmp/shot.png
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image, ImageChops

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
import xvfb  # the test helpers: Xvfb, xdotool, screen grabs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "demo.yaml")
    parser.add_argument("--keys", nargs="*", default=["e"],
                        help="xdotool key names typed before the shot (default: e, the first "
                             "image with a false positive or a missed object)")
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "viewer.png")
    parser.add_argument("--colors", type=int, default=128, help="palette size of the PNG")
    parser.add_argument("view_args", nargs="*", help="more arguments for `view` (after --)")
    args = parser.parse_args()

    executable = Path(sys.prefix) / "bin" / "detection-studio"
    display = xvfb.VirtualDisplay()
    try:
        viewer = xvfb.Viewer(executable, [args.config, *args.view_args], display)
        try:
            print(viewer.next_line())
            shot = viewer.screen()
            for key in args.keys:
                before = shot
                print(viewer.press(key))
                shot = viewer.screen(
                    until=lambda s, b=before: ImageChops.difference(s, b).getbbox() is not None)
            viewer.press("q", expect=None)
            viewer.wait_exit()
        finally:
            viewer.kill()
    finally:
        display.close()

    # A palette keeps the PNG small; the boxes' colours are few and survive exactly.
    args.output.parent.mkdir(parents=True, exist_ok=True)
    shot.quantize(colors=args.colors, method=Image.Quantize.MEDIANCUT).save(args.output, optimize=True)
    print(f"wrote {args.output} ({args.output.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
