"""``ds.score`` and ``Run``: what ``detection-studio score`` computes, as a Python object.

``score`` runs the same C++ evaluators as the command (core/eval/score: run_evaluators'
make_evaluators, side by side over every image) and builds the same metrics.json document, so
``score(gt, results).metrics`` equals the metrics.json that ``detection-studio score --gt GT
--dt RESULTS --output metrics.json`` writes. What ``Run`` shows of it (``stats``,
``per_class``, ``per_image``) is read through metrics.json's ``schema``: no metric name is
written here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from detection_studio import _core
from detection_studio.report.described import lookup, sections

__all__ = ["Run", "score"]

PathLike = str | os.PathLike[str]


class Run:
    """A scored run: ``metrics`` is metrics.json's content (numbers and their ``schema``)."""

    def __init__(self, metrics: dict[str, Any], text: str = "") -> None:
        self.metrics = metrics
        self.text = text  # the tables `score` prints

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                          for k, v in list(self.stats.items())[:4])
        return f"Run({shown})"

    @property
    def stats(self) -> dict[str, Any]:
        """The first metric's headline values by metrics.json key (e.g. ``AP``, ``AP50``)."""
        described = sections(self.metrics)
        if not described:
            return {}
        return {v.key: lookup(self.metrics, v.key) for v in described[0].values if v.headline}

    @property
    def per_class(self) -> list[dict[str, Any]]:
        """The rows of the first described table (the first metric's per-class table)."""
        for s in sections(self.metrics):
            for t in s.tables:
                rows = lookup(self.metrics, t.key)
                if isinstance(rows, list):
                    return [dict(r) for r in rows]
        return []

    @property
    def per_image(self) -> list[dict[str, Any]]:
        """The per_image analysis' rows (image_id, file_name, tp, fp, fn); [] without it."""
        for s in sections(self.metrics):
            for c in s.charts:
                if c.kind == "per_image":
                    data = lookup(self.metrics, c.key)
                    if isinstance(data, dict) and isinstance(data.get("images"), list):
                        return [dict(r) for r in data["images"]]
        return []

    def to_pandas(self, what: str = "per_class") -> Any:
        """``per_class`` or ``per_image`` as a pandas DataFrame (pandas must be installed)."""
        import pandas as pd

        if what not in ("per_class", "per_image"):
            raise ValueError(f"to_pandas: expected 'per_class' or 'per_image', got {what!r}")
        return pd.DataFrame(getattr(self, what))

    def save(self, folder: PathLike) -> Path:
        """Writes ``folder/metrics.json`` (the document `score --output` writes); returns its path."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        path = out / "metrics.json"
        tmp = path.with_name(path.name + ".partial")
        tmp.write_text(json.dumps(self.metrics, indent=1) + "\n")
        tmp.replace(path)
        return path

    def report(self, path: PathLike) -> Path:
        """Writes the self-contained HTML report of this run (python_modules/report)."""
        from detection_studio.report import write_report

        write_report([self.metrics], str(path))
        return Path(path)


def _metric_names(metrics: str | Sequence[str], iou_type: str) -> list[str]:
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    if iou_type == "bbox":
        return names
    # segm, boundary and keypoints are one metric each, as `score --iou-type` has it.
    metric = _core.metric_for_iou_type(iou_type)
    if names not in (["coco"], [metric]):
        raise ValueError(
            f"iou_type {iou_type!r} scores the metric {metric!r}: leave out metrics, or give "
            f"metrics=({metric!r},)"
        )
    return [metric]


def _ground_truth(gt: Any, masks: bool) -> tuple[Any, str]:
    if isinstance(gt, (str, os.PathLike)):
        return _core.read_coco(str(gt), masks=masks), str(gt)
    from detection_studio.coco import COCO

    if isinstance(gt, COCO):
        return gt._core_dataset(masks=masks), gt._file or "ground truth"
    raise TypeError(f"gt: expected a COCO json path or a detection_studio.coco.COCO, got {type(gt).__name__}")


def _detections(dt: Any, masks: bool, keypoints: bool) -> tuple[Any, str]:
    from detection_studio import coco

    if isinstance(dt, (str, os.PathLike)):
        path = str(dt)
        if masks:
            return _core.read_mask_results(path), path
        if keypoints:
            return _core.read_keypoint_results(path), path
        return _core.read_results(path), path
    if isinstance(dt, np.ndarray):
        if masks or keypoints:
            raise ValueError("detections: an N x 7 array holds boxes only (no masks or keypoints)")
        return coco._detections_from_array(dt), "results array"
    if isinstance(dt, Mapping):  # columns: image_id, category_id, bbox (N x 4 xywh), score
        if masks or keypoints:
            raise ValueError("detections: columns hold boxes only (give masks or keypoints as a list of dicts)")
        missing = [k for k in ("image_id", "category_id", "bbox", "score") if k not in dt]
        if missing:
            raise ValueError(f"detections: columns {missing} are missing")
        return _core.detections_from_columns(
            np.asarray(dt["image_id"], dtype=np.int64), np.asarray(dt["category_id"], dtype=np.int64),
            np.asarray(dt["bbox"], dtype=np.float64).reshape(-1, 4), np.asarray(dt["score"], dtype=np.float64),
            "results",
        ), "results"
    if isinstance(dt, list):
        if not dt:
            raise ValueError("results: no detections (the results are an empty list)")
        if masks:
            return coco._mask_detections_from_dicts(dt), "results"
        if keypoints:
            return coco._keypoint_detections_from_dicts(dt), "results"
        return coco._detections_from_dicts(dt), "results"
    raise TypeError(
        "detections: expected a results json path, a list of dicts, an N x 7 array or columns, "
        f"got {type(dt).__name__}"
    )


def score(
    gt: Any,
    detections: Any,
    metrics: str | Sequence[str] = ("coco",),
    iou_type: str = "bbox",
    analyses: Iterable[str] | None = None,
    threads: int = 0,
) -> Run:
    """Scores COCO results against COCO ground truth, as ``detection-studio score`` does.

    Args:
        gt: a COCO instances json path, or a ``detection_studio.coco.COCO``.
        detections: a COCO results json path, a list of result dicts, an N x 7 array
            ``[image_id, x, y, w, h, score, category_id]`` or columns
            ``{"image_id", "category_id", "bbox" (N x 4 xywh), "score"}``.
        metrics: metric names (``coco``, ``voc``, ...; see ``detection-studio score --help``).
        iou_type: ``bbox``, ``segm``, ``boundary`` or ``keypoints`` (the last three score their
            one metric, as ``score --iou-type``).
        analyses: analysis names (None: the default ones, as the command; ``[]``: none).
        threads: evaluation threads (0: one per core).

    Returns:
        a ``Run`` whose ``metrics`` is the metrics.json the command writes with the same inputs
        (``ground_truth`` and ``results`` name the paths given, or say what was passed).
    """
    names = _metric_names(metrics, iou_type)
    masks = any(_core.evaluator_reads_masks(m) for m in names)
    keypoints = _core.metric_for_iou_type("keypoints") in names
    chosen = list(_core.default_analysis_names()) if analyses is None else list(analyses)
    dataset, gt_label = _ground_truth(gt, masks)
    dts, dt_label = _detections(detections, masks, keypoints)
    document, text = _core.score_document(dataset, dts, names, chosen, threads, gt_label, dt_label)
    return Run(json.loads(document), text)
