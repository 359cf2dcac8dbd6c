"""ds.detect: detect's loop as an iterator. On a folder its detections are the command's
detections.jsonl; a live source (GStreamer's test source) streams; leaving the loop early stops
it; a Python model's exception comes through."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import detection_studio as ds
import numpy as np
import pytest
from conftest import REPO, run_ds

MODEL = REPO / "configs" / "models" / "shapes-fcos.yaml"
FRAMES = 6


def test_a_folder_gives_the_commands_detections(shapes_val: Path, tmp_path: Path) -> None:
    folder = shapes_val / "val"
    done = run_ds("detect", folder, "--model", MODEL, "--limit", str(FRAMES), "--output", tmp_path,
                  "--score-threshold", "0.3")
    assert done.returncode == 0, done.stderr
    cli = [json.loads(line) for line in (tmp_path / "detections.jsonl").read_text().splitlines()]
    got = list(ds.detect(folder, MODEL, limit=FRAMES, score_threshold=0.3))
    assert [(f.index, f.name) for f, _ in got] == [(c["frame"], c["name"]) for c in cli]
    for (frame, dets), line in zip(got, cli, strict=True):
        assert frame.image.shape == (240, 320, 3) and frame.image.dtype == np.uint8
        assert not frame.image.flags.writeable
        expected = line["detections"]
        assert dets["names"] == [d["label"] for d in expected]
        # The model runs on the loop's thread here: on a loaded machine torch's CPU kernels may
        # split their sums otherwise, and float32 scores then differ in their last bits.
        np.testing.assert_allclose(dets["scores"], [d["score"] for d in expected], rtol=1e-5)
        x1, y1, x2, y2 = (dets["boxes"].astype(np.float64).T if len(expected) else np.zeros((4, 0)))
        np.testing.assert_allclose(np.stack([x1, y1, x2 - x1, y2 - y1], axis=1).reshape(-1, 4),
                                   np.array([d["bbox"] for d in expected]).reshape(-1, 4), atol=1e-3)
    assert sum(len(d["scores"]) for _, d in got) > 0


def test_live_source_streams_and_stopping_early_ends_it() -> None:
    calls: list[int] = []

    def one_box(images: list[np.ndarray]) -> list[dict[str, Any]]:
        calls.append(len(images))
        return [{"boxes": np.array([[1, 2, 30, 40]], np.float32), "scores": np.array([0.9], np.float32),
                 "labels": np.array([0])} for _ in images]

    source = ("videotestsrc num-buffers=300 is-live=true pattern=ball ! video/x-raw,width=160,height=120,"
              "framerate=30/1 ! videoconvert ! appsink")
    seen = []
    for frame, dets in ds.detect(source, one_box, class_names=["ball"]):
        seen.append(frame.index)
        assert dets["names"] == ["ball"] and dets["boxes"].tolist() == [[1, 2, 30, 40]]
        if len(seen) == 3:
            break  # the pipeline stops here, well before its 300 frames
    assert seen == sorted(set(seen)) and len(seen) == 3
    assert all(n == 1 for n in calls)  # live: one frame at a time


def test_a_recorded_pipeline_gives_every_frame_unless_asked_to_be_live() -> None:
    def nothing(images: list[np.ndarray]) -> list[dict[str, Any]]:
        return [{"boxes": np.zeros((0, 4), np.float32), "scores": np.zeros(0, np.float32),
                 "labels": np.zeros(0, np.int64)} for _ in images]

    source = "videotestsrc num-buffers=20 ! video/x-raw,width=64,height=48 ! videoconvert ! appsink"
    assert [f.index for f, _ in ds.detect(source, nothing, class_names=["x"])] == list(range(20))
    live = [f.index for f, _ in ds.detect(source, nothing, class_names=["x"], live=True)]
    assert live == sorted(set(live)) and 1 <= len(live) <= 20


def test_a_raising_model_raises_its_own_exception(shapes_val: Path) -> None:
    def broken(images: list[np.ndarray]) -> list[dict[str, Any]]:
        raise KeyError("my model's bug")

    with pytest.raises(KeyError, match="my model's bug"):
        list(ds.detect(shapes_val / "val", broken, class_names=["circle"], limit=2))
    with pytest.raises(ValueError, match="000000.jpg: 'labels' holds 3, outside the 1 class_names"):
        list(ds.detect(shapes_val / "val", class_names=["circle"], limit=2,
                       model=lambda images: [{"boxes": np.zeros((1, 4)), "scores": np.ones(1),
                                              "labels": np.array([3])} for _ in images]))
    with pytest.raises(ValueError, match="every: must be 1 or more"):
        next(ds.detect(shapes_val / "val", MODEL, every=0))
