"""`detect` over a video against the model's forward-only throughput, on the same frames.

The demo's val images (the first N) become a lossless FFV1 video. Measured, in one run:
- forward-only: the inferencer's model called on tensors prepared beforehand (batch 4), the
  best a pipeline could do with this model and thread count;
- infer(): the inferencer module on pre-decoded arrays (its pre- and post-processing included);
- `detection-studio detect VIDEO` as a whole process, and its steady state (from its summary
  line: frames after the first batch over the time they took; start-up and warm-up excluded, as
  forward-only excludes its warm-up call).
Writes the results as a table into docs/benchmarks.md (between the detect-bench markers).

    .venv/bin/python bench/bench_detect.py [--frames 100]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODEL = REPO / "configs" / "models" / "shapes-fcos.yaml"
DOCS = REPO / "docs" / "benchmarks.md"
START, END = "<!-- detect-bench:start -->", "<!-- detect-bench:end -->"


def make_video(n: int, path: Path) -> list:
    import cv2

    gt = json.loads((REPO / "datasets/shapes/annotations/instances_val.json").read_text())
    frames = [cv2.imread(str(REPO / "datasets/shapes/val" / im["file_name"]))
              for im in gt["images"][:n]]
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"FFV1"), 25, (w, h))
    for f in frames:
        writer.write(f)
    writer.release()
    return frames


def forward_only(frames: list, batch: int) -> tuple[float, float]:
    """(forward-only img/s, infer() img/s) in this process."""
    import torch
    from detection_studio import pytorch_detect

    inf = pytorch_detect.load(str(MODEL))
    prepared = [inf._prepare(f)[0] for f in frames]
    with torch.inference_mode():
        inf.model(prepared[:batch])  # warm-up
        t0 = time.perf_counter()
        for i in range(0, len(prepared), batch):
            inf.model(prepared[i:i + batch])
        fwd = len(prepared) / (time.perf_counter() - t0)
    inf.infer(frames[:batch])
    t0 = time.perf_counter()
    inf.infer(frames)
    return fwd, len(frames) / (time.perf_counter() - t0)


def detect(video: Path, out: Path) -> tuple[float, float, float]:
    """(whole-process img/s, steady-state img/s from its own timings, model-stage img/s)."""
    exe = Path(sys.prefix) / "bin" / "detection-studio"
    t0 = time.perf_counter()
    result = subprocess.run([str(exe), "detect", str(video), "--model", str(MODEL), "--output",
                             str(out), "--score-threshold", "0"],
                            capture_output=True, text=True, check=True)
    whole = time.perf_counter() - t0
    m = re.search(r"(\d+) frames in ([\d.]+) s .*model ([\d.]+) s.*steady ([\d.]+)/s",
                  result.stdout)
    assert m, result.stdout
    n, model, steady = int(m.group(1)), float(m.group(3)), float(m.group(4))
    return n / whole, steady, n / model


def live_latency(out: Path) -> str:
    """Capture-to-written latency on a live GStreamer source at 10 frames/s (50 frames)."""
    exe = Path(sys.prefix) / "bin" / "detection-studio"
    pipeline = ("videotestsrc num-buffers=50 is-live=true pattern=ball ! video/x-raw,width=320,"
                "height=240,framerate=10/1 ! videoconvert ! appsink")
    result = subprocess.run([str(exe), "detect", pipeline, "--model", str(MODEL), "--output",
                             str(out)], capture_output=True, text=True, check=True)
    m = re.search(r"(\d+) frames in .*?(?:, (\d+) frames dropped \(live\))?, "
                  r"latency p50 ([\d.]+) ms, p95 ([\d.]+) ms", result.stdout)
    assert m, result.stdout
    return (f"{m.group(1)} frames processed, {m.group(2) or 0} dropped; latency from capture to "
            f"written: p50 {m.group(3)} ms, p95 {m.group(4)} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    threads = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "clip.mkv"
        frames = make_video(args.frames, video)
        runs = []
        for _ in range(args.rounds):  # alternating, so a busy spell hits every layout alike
            fwd, infer = forward_only(frames, 4)
            whole, steady, model = detect(video, Path(tmp) / "out")
            runs.append((fwd, infer, whole, steady, model))
        live = live_latency(Path(tmp) / "live")
    best = [max(r[i] for r in runs) for i in range(5)]
    fwd = best[0]
    rows = [
        ("forward-only (prepared tensors, batch 4)", best[0]),
        ("inferencer infer() on decoded arrays", best[1]),
        ("`detect` steady state (after its first batch)", best[3]),
        ("`detect` as a whole process (start-up included)", best[2]),
    ]
    table = "\n".join(f"| {name} | {v:.1f} | {v / fwd:.2f} |" for name, v in rows)
    section = f"""{START}
## `detect` over a video (pipeline throughput)

Generated by `bench/bench_detect.py`: the first {args.frames} demo val images as a lossless
FFV1 video (320x240), the demo FCOS on the CPU with torch's default thread count ({threads}
cores), best of {args.rounds} alternating rounds. Ratio: throughput over forward-only.
Machine: {platform.machine()}, Python {platform.python_version()}.

| layout | images/s | vs forward-only |
|---|---|---|
{table}

Live source (GStreamer `videotestsrc is-live=true`, 10 frames/s, 50 frames): {live}.

Decoding runs on the source's thread while the model works; the detections are written per
frame (detections.jsonl, flushed). Goal (issue 11): steady state at least 0.9x forward-only.
Re-run: `.venv/bin/python bench/bench_detect.py`.
{END}"""
    text = DOCS.read_text()
    if START in text:
        text = text[:text.index(START)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.write_text(text)
    print(section)


if __name__ == "__main__":
    main()
