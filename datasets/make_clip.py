#!/usr/bin/env python3
"""Generate a short video of moving shapes with ground-truth tracks (a MOT Challenge sequence).

The README's video examples run on it (``datasets/clip/clip.mp4``) and it loads as a ``mot``
dataset (``datasets/clip/dataset.yaml``): ``seqinfo.ini``, ``gt/gt.txt`` (one line per visible
object per frame: ``frame,id,bb_left,bb_top,w,h,1,class,1``, MOT's 1-based pixels) and the
video. The shapes, background and textures are make_shapes.py's, so the demo detector finds
them; each object keeps its shape, colour and id while it moves and bounces off the edges, and
one passes in front of another (its box is left out while less than ``MIN_VISIBLE`` of it
shows, as make_shapes does).

Deterministic for a given ``--seed`` (the frames; the MP4 encoder's bytes may differ between
OpenCV builds). Needs numpy, Pillow and OpenCV's Python package.

Usage::

    python datasets/make_clip.py --output datasets/clip
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_shapes as shapes  # the sibling script, not an installed module

FRAMES = 60
FPS = 10
SIZES = ("medium", "medium", "small", "medium", "medium")  # make_shapes' COCO size ranges
OBJECTS = len(SIZES)
DEFAULT_SEED = 7
NAME = "shapes-clip"


def _objects(rng: np.random.Generator) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """(class index, polygon centred on 0, start centre, velocity in pixels per frame)."""
    out = []
    while len(out) < OBJECTS:
        cls = int(rng.integers(0, len(shapes.CLASSES)))
        poly = shapes._make_shape(shapes.CLASSES[cls], SIZES[len(out)], rng)
        if poly is None:
            continue
        half = (poly.max(axis=0) - poly.min(axis=0)) / 2 + 2
        start = rng.uniform(half, np.array([shapes.WIDTH, shapes.HEIGHT]) - half)
        speed = rng.uniform(1.5, 4.0)
        angle = rng.uniform(0, 2 * np.pi)
        out.append((cls, poly, start, np.array([np.cos(angle), np.sin(angle)]) * speed))
    return out


def _centre(start: np.ndarray, velocity: np.ndarray, half: np.ndarray, frame: int) -> np.ndarray:
    """Where an object is at `frame`, bouncing between the edges (a triangle wave per axis)."""
    size = np.array([shapes.WIDTH, shapes.HEIGHT], dtype=np.float64)
    lo, span = half, size - 2 * half
    travelled = (start - lo) + velocity * frame
    period = 2 * span
    t = np.mod(travelled, period)
    return lo + np.where(t <= span, t, period - t)


def make_clip(output: Path, seed: int = DEFAULT_SEED) -> Path:
    import cv2  # opencv-python(-headless): its bundled FFmpeg writes MP4

    rng = np.random.default_rng([seed, 1])
    background = shapes._background(rng)
    objects = _objects(rng)
    output.mkdir(parents=True, exist_ok=True)
    (output / "gt").mkdir(exist_ok=True)
    video = output / "clip.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), FPS,
                             (shapes.WIDTH, shapes.HEIGHT))
    if not writer.isOpened():
        raise RuntimeError(f"{video}: OpenCV cannot write MP4 here")
    lines = []
    for frame in range(FRAMES):
        canvas = shapes._Canvas(background.copy())
        for k, (_, poly, start, velocity) in enumerate(objects):
            half = (poly.max(axis=0) - poly.min(axis=0)) / 2 + 2
            # The same generator for an object in every frame: the same colour and texture.
            canvas.paint(k + 1, poly + _centre(start, velocity, half, frame),
                         np.random.default_rng([seed, 2, k]))
        noise = np.random.default_rng([seed, 3, frame]).normal(0.0, 3.0, size=canvas.img.shape)
        rgb = np.clip(canvas.img + noise + 0.5, 0, 255).astype(np.uint8)
        writer.write(np.ascontiguousarray(rgb[:, :, ::-1]))
        for k, (cls, *_rest) in enumerate(objects):
            visible = canvas.ids == k + 1
            full = canvas.full_area.get(k + 1, 0)
            if full == 0 or visible.sum() < shapes.MIN_VISIBLE * full:
                continue
            ys, xs = np.flatnonzero(visible.any(axis=1)), np.flatnonzero(visible.any(axis=0))
            x, y = int(xs[0]), int(ys[0])
            w, h = int(xs[-1]) - x + 1, int(ys[-1]) - y + 1
            lines.append(f"{frame + 1},{k + 1},{x + 1},{y + 1},{w},{h},1,{cls + 1},1")
    writer.release()
    (output / "gt" / "gt.txt").write_text("\n".join(lines) + "\n")
    (output / "seqinfo.ini").write_text(
        f"[Sequence]\nname={NAME}\nimDir=img1\nframeRate={FPS}\nseqLength={FRAMES}\n"
        f"imWidth={shapes.WIDTH}\nimHeight={shapes.HEIGHT}\nimExt=.jpg\n")
    classes = ", ".join(shapes.CLASSES)
    spec = output / "dataset.yaml"
    spec.write_text(f"# {FRAMES} frames of moving shapes with their tracks (datasets/make_clip.py)\n"
                    f"format: mot\nsequence: .\nvideo: clip.mp4\nclasses: [{classes}]\n")
    # A still of the first frame, to look at without a video player.
    first = cv2.VideoCapture(str(video))
    ok, picture = first.read()
    first.release()
    if not ok:
        raise RuntimeError(f"{video}: written, but OpenCV cannot read it back")
    Image.fromarray(picture[:, :, ::-1]).save(output / "first_frame.png")
    return spec


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--output", required=True, type=Path, help="the sequence folder to write")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = p.parse_args(argv)
    spec = make_clip(args.output, args.seed)
    print(f"wrote {spec.parent / 'clip.mp4'} ({FRAMES} frames, {OBJECTS} tracks) and {spec}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
