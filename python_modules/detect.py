"""``ds.detect``: ``detection-studio detect``'s loop as a Python iterator.

The source is opened as the command opens it (an image, a folder, a video file, a camera, a
stream URL, a GStreamer pipeline) and decoded by the C++ pipeline on its threads; the loop runs
on a thread of its own (pipeline/frame_stream) and hands over each frame with its detections
(detection_studio._runtime.DetectStream). Live sources keep only the newest frame, as the
command's do.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

__all__ = ["Frame", "detect"]


class Frame(NamedTuple):
    """One frame of the source."""

    image: np.ndarray  # H x W x 3 uint8 BGR, read-only (the pipeline's decoded pixels)
    index: int         # its position in the source (frames skipped by ``every`` count too)
    name: str          # the image's file name, or "frame <index>"
    time_ms: float     # its time in the footage (files), or since the source opened (live)


def detect(
    source: str | os.PathLike[str],
    model: Any,
    *,
    class_names: Sequence[str] | None = None,
    every: int = 1,
    limit: int | None = None,
    score_threshold: float = 0.5,
    batch_size: int | None = None,
    name: str | None = None,
    skip_bad: bool = False,
    live: bool | None = None,
    track: str | None = None,
    tracker_config: str | os.PathLike[str] | None = None,
) -> Iterator[tuple[Frame, dict[str, Any]]]:
    """Runs a model over images, a video or a camera, as ``detection-studio detect`` does.

    Args:
        source: as ``detect SOURCE``: an image file, a folder of images, a video file, a camera
            (``0``, ``/dev/video0``), a stream URL or a GStreamer pipeline.
        model: a model config path, a callable ``images -> results`` or a torchvision-style
            ``torch.nn.Module``, as for ``ds.evaluate``.
        class_names, batch_size, name: a Python model's, as for ``ds.evaluate``.
        every: every n-th frame only (``--every``); limit: at most this many frames.
        score_threshold: detections scoring below are dropped (``--score-threshold``).
        skip_bad: unreadable images are skipped rather than an error.
        live: ``True`` hands the model the newest frame and drops older ones (``--live``),
            ``False`` hands it every frame (``--no-drop``); ``None``: files and recorded
            pipelines drop nothing, cameras, streams and live pipelines do.
        track: a tracker's name (``"bytetrack"``, ``"sort"``: ``--track``) follows objects from
            frame to frame; it sees the model's detections below ``score_threshold`` too, as
            ``detect --track``'s does. tracker_config: its parameters (``--tracker-config``).

    Yields:
        ``(frame, detections)``: a :class:`Frame` and ``{"boxes": (N, 4) float32 xyxy in the
        frame's pixels, "scores": (N,) float32, "labels": (N,) int64, "names": the labels'
        class names, "model": the model's name}``, and with ``track`` ``"track_ids": (N,) int64``
        (the track of each detection, -1 for none: tracks.txt's ids). Leaving the loop early
        stops the pipeline.
    """
    from detection_studio import _runtime
    from detection_studio.api import _python_model

    if every < 1:
        raise ValueError(f"every: must be 1 or more, got {every}")
    if tracker_config is not None and track is None:
        raise ValueError("tracker_config goes with track=NAME")
    if limit is not None and limit < 0:
        raise ValueError(f"limit: must be 0 (all) or more, got {limit}")
    if isinstance(model, (str, os.PathLike)):
        if class_names is not None:
            raise ValueError("class_names: a model config names its classes (classes:)")
        pipeline_model, model_config, label, names, batch = None, str(model), "", [], batch_size or 0
    else:
        pipeline_model, label, names, batch = _python_model(model, class_names, batch_size, name)
        model_config = ""
    stream = _runtime.DetectStream(str(source), model_config, pipeline_model, label, names, batch, every,
                                   limit or 0, float(score_threshold), skip_bad, live, track or "",
                                   None if tracker_config is None else os.fspath(tracker_config))
    try:
        while (item := stream.next()) is not None:
            index, frame_name, time_ms, image, boxes, scores, labels, classes, model_name, track_ids = item
            detections: dict[str, Any] = {"boxes": boxes, "scores": scores, "labels": labels,
                                          "names": [classes[int(k)] for k in labels], "model": model_name}
            if track is not None:
                detections["track_ids"] = track_ids
            yield Frame(image, index, frame_name, time_ms), detections
    finally:
        stream.close()
