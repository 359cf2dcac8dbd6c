"""Takes the README's viewer screenshot (docs/viewer.png) from the real window.

The viewer runs on a virtual X display (Xvfb), keys are typed with xdotool and the window's
pixels are read back from the X server, as tests/test_viewer.py does:

    .venv/bin/python bench/viewer_screenshot.py        # configs/demo.yaml, keys e e e e e
    .venv/bin/python bench/viewer_screenshot.py --keys e e n --output /tmp/shot.png
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
import xvfb  # the test helpers: Xvfb, xdotool, screen grabs

# The viewer's own colours (boxes, footer, text), RGB: kept exact in the palette.
VIEWER_COLORS = [(0, 158, 115), (213, 94, 0), (86, 180, 233), (240, 228, 66), (160, 160, 160),
                 (40, 40, 40), (235, 235, 235), (0, 0, 0), (255, 255, 255)]


def small(shot: Image.Image, colors: int) -> Image.Image:
    """A palette image (a third of the RGB PNG's size) whose palette holds the viewer's colours
    exactly, plus the picture's most common others. Every pixel takes its nearest palette
    colour (no dithering), so a box's pixels keep exactly the colour the viewer drew."""
    picture = shot.quantize(colors=colors - len(VIEWER_COLORS), method=Image.Quantize.FASTOCTREE,
                            dither=Image.Dither.NONE)
    palette = np.array(picture.getpalette()[: 3 * (colors - len(VIEWER_COLORS))], dtype=np.int32)
    palette = np.concatenate([palette.reshape(-1, 3), np.array(VIEWER_COLORS, dtype=np.int32)])
    rgb = np.asarray(shot.convert("RGB"), dtype=np.int32).reshape(-1, 1, 3)
    nearest = np.empty(rgb.shape[0], dtype=np.uint8)
    for start in range(0, rgb.shape[0], 65536):  # bounded memory: 64k pixels x palette at a time
        chunk = rgb[start: start + 65536]
        nearest[start: start + 65536] = ((chunk - palette[None]) ** 2).sum(axis=2).argmin(axis=1)
    out = Image.frombytes("P", shot.size, nearest.tobytes())
    out.putpalette(palette.astype(np.uint8).ravel().tolist())
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "demo.yaml")
    # Five times e: the demo's fifth image with errors, where a detection placed too far off
    # (a false positive) sits next to the cross it failed to find (missed).
    parser.add_argument("--keys", nargs="*", default=["e"] * 5,
                        help="xdotool key names typed before the shot (e: the next image with a "
                             "false positive or a missed object)")
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "viewer.png")
    parser.add_argument("--colors", type=int, default=256, help="palette size of the PNG")
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

    args.output.parent.mkdir(parents=True, exist_ok=True)
    small(shot, args.colors).save(args.output, optimize=True)
    print(f"wrote {args.output} ({args.output.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
