"""``ds.score``, ``ds.evaluate`` and ``Run``: what ``detection-studio score`` and ``evaluate``
compute, as a Python object.

``score`` runs the same C++ evaluators as the command (core/eval/score: run_evaluators'
make_evaluators, side by side over every image) and builds the same metrics.json document, so
``score(gt, results).metrics`` equals the metrics.json that ``detection-studio score --gt GT
--dt RESULTS --output metrics.json`` writes. What ``Run`` shows of it (``stats``,
``per_class``, ``per_image``) is read through metrics.json's ``schema``: no metric name is
written here.

``evaluate`` runs ``detection-studio evaluate``'s run itself (detection_studio._runtime over
cpp/app/commands/evaluation_run: the C++ pipeline decodes and batches the images and journals
the run), with a model config or a Python model plugged in as the inferencer.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from detection_studio import _core
from detection_studio.report.described import lookup, sections

__all__ = ["Run", "evaluate", "score"]

PathLike = str | os.PathLike[str]


class Run:
    """A scored run: ``metrics`` is metrics.json's content (numbers and their ``schema``)."""

    def __init__(self, metrics: dict[str, Any], text: str = "",
                 detection_arrays: Callable[[], dict[str, Any]] | None = None, scored: Any = None, *,
                 objects: Callable[[list[float]], str] | None = None,
                 label_errors: Callable[[], tuple[Any, int]] | None = None,
                 analysis_iou: float = 0.5) -> None:
        self.metrics = metrics
        self.text = text  # the tables the command prints
        self._detection_arrays = detection_arrays
        self._columns: dict[str, Any] | None = None
        self._detections: list[dict[str, Any]] | None = None
        self._scored = scored  # ds.evaluate's run in C++ (ground truth, images, detections)
        self._objects = objects  # the records' CSV at some IoU thresholds (core's object_records)
        self._label_errors = label_errors  # (the label-error task as a dataset, its candidates)
        self._analysis_iou = analysis_iou

    @property
    def detection_columns(self) -> dict[str, Any]:
        """The run's detections as NumPy columns: ``image_id`` and ``category_id`` (int64),
        ``bbox`` (N x 4 xywh) and ``score`` (float64); with masks ``mask_height``,
        ``mask_width``, ``mask_counts`` (compressed RLE, "" for none) and ``mask_polygons``;
        with keypoints ``keypoints`` (a list per detection). Crossed from C++ as buffers."""
        if self._columns is None:
            empty = {"image_id": np.zeros(0, np.int64), "category_id": np.zeros(0, np.int64),
                     "bbox": np.zeros((0, 4)), "score": np.zeros(0)}
            self._columns = self._detection_arrays() if self._detection_arrays else empty
        return self._columns

    @property
    def detections(self) -> list[dict[str, Any]]:
        """The run's detections as COCO result dicts (``image_id``, ``category_id``, ``bbox``
        xywh, ``score``; ``segmentation`` / ``keypoints`` when it has them): what
        detections.json holds (an RLE given as raw counts comes back compressed)."""
        if self._detections is None:
            self._detections = _result_dicts(self.detection_columns)
        return self._detections

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

    def compare(self, baseline: Run, samples: int = 1000, seed: int = 0) -> dict[str, Any]:
        """Is this run better than ``baseline``, or is the AP difference noise? ``detection-studio
        compare``'s paired bootstrap over the images (both runs of ``ds.evaluate`` on the same
        images): ``metric`` (the AP's metrics.json key), ``observed`` (AP(self) - AP(baseline), the
        metrics' own), ``mean``, ``ci_low`` / ``ci_high`` (the 95% interval of the resampled
        differences) and ``samples``, as comparison.json's ``differences`` has them."""
        if self._scored is None or baseline._scored is None:
            raise ValueError("compare: both runs must come from ds.evaluate (they keep the images "
                             "and detections the bootstrap resamples)")
        from detection_studio import _runtime

        out = dict(_runtime.paired_bootstrap(self._scored, baseline._scored, samples, seed))
        # The difference itself is the metrics' own (pycocotools'), not the resampling's estimate.
        now, before = lookup(self.metrics, out["metric"]), lookup(baseline.metrics, out["metric"])
        if isinstance(now, float) and isinstance(before, float) and now >= 0 and before >= 0:
            out["observed"] = now - before
        return out

    def _object_csv(self, ious: float | Sequence[float] | None) -> str:
        if self._objects is None:
            raise ValueError("objects: this run keeps no ground truth and detections (a tracking run)")
        wanted = [self._analysis_iou] if ious is None else [ious] if isinstance(ious, (int, float)) else list(ious)
        return self._objects([_fraction("ious", t) for t in wanted])

    def objects(self, ious: float | Sequence[float] | None = None) -> list[dict[str, Any]]:
        """Every ground truth and detection with what the matching made of it (``--export-objects``'
        records): ``kind`` (gt, dt), ``id``, ``image_id``, ``file_name``, ``category_id``,
        ``class``, ``score`` (dt only), and per IoU threshold T ``status@T`` (TP, FP, FN,
        ignored), ``match@T`` and ``iou@T`` (None where empty). ``ious``: the thresholds
        (default: the analyses' IoU)."""
        return _typed_rows(self._object_csv(ious))

    def export_objects(self, path: PathLike, ious: float | Sequence[float] | None = None) -> Path:
        """Writes ``objects()``' records to ``path``: CSV, or typed Parquet for a ``.parquet`` name
        (``--export-objects``), atomically; returns the path."""
        _core.write_object_records(str(path), self._object_csv(ious))
        return Path(path)

    def export_label_errors(self, folder: PathLike, format: str = "cvat", images: PathLike | None = None) -> int:
        """Writes the likely label errors as an annotation task to fix them in
        (``--export-label-errors``): their images, ground truth, and each candidate as a
        ``suspect <type>: <class>`` box, in ``format`` (``cvat`` or ``labelme``); ``images``: where
        the images are (default: the dataset's). Returns how many candidates it holds."""
        if format not in ("cvat", "labelme"):
            raise ValueError(f"format: unknown format {format!r} (cvat, labelme)")
        if self._label_errors is None:
            raise ValueError("export_label_errors: this run keeps no ground truth and detections")
        task, count = self._label_errors()
        if images is not None:
            task.image_dir = str(images)
        _core.check_convert_target(str(folder), task, "")
        _core.convert_dataset(task, format, str(folder), False)
        return int(count)

    def to_pandas(self, what: str = "per_class") -> Any:
        """``per_class`` or ``per_image`` as a pandas DataFrame (pandas must be installed)."""
        import pandas as pd

        if what not in ("per_class", "per_image"):
            raise ValueError(f"to_pandas: expected 'per_class' or 'per_image', got {what!r}")
        return pd.DataFrame(getattr(self, what))

    def save(self, folder: PathLike) -> Path:
        """Writes ``folder/metrics.json`` (the document `score --output` writes) and
        ``folder/per_class.csv`` beside it, as every run does; returns metrics.json's path."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        path = out / "metrics.json"
        text = json.dumps(self.metrics, indent=1) + "\n"
        per_class = _core.per_class_csv(text)
        for name, content in (("metrics.json", text), ("per_class.csv", per_class)):
            if content is None:
                continue
            target = out / name
            tmp = target.with_name(name + ".partial")
            tmp.write_text(content, encoding="utf-8", newline="")
            tmp.replace(target)
        return path

    def report(self, path: PathLike) -> Path:
        """Writes the self-contained HTML report of this run (python_modules/report)."""
        from detection_studio.report import write_report

        write_report([self.metrics], str(path))
        return Path(path)


_CELL_TYPES: dict[str, Callable[[str], Any]] = {"i": int, "f": float, "s": str}


def _typed_rows(text: str) -> list[dict[str, Any]]:
    """The object records' CSV as rows typed as their Parquet export types them (the core's
    object_record_column_kind); an empty cell is None."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    types = [_CELL_TYPES[_core.object_record_column_kind(name)] for name in header]
    return [{name: (cast(v) if v != "" else None) for name, cast, v in zip(header, types, row, strict=True)}
            for row in reader]


def _result_dicts(c: dict[str, Any]) -> list[dict[str, Any]]:
    """COCO result dicts from detection columns, keys in detections.json's order."""
    ids, cats, scores = c["image_id"].tolist(), c["category_id"].tolist(), c["score"].tolist()
    boxes = c["bbox"].tolist()
    out: list[dict[str, Any]] = []
    for i in range(len(ids)):
        d: dict[str, Any] = {"image_id": ids[i], "category_id": cats[i], "bbox": boxes[i]}
        if "mask_counts" in c:
            if c["mask_counts"][i]:
                d["segmentation"] = {"size": [int(c["mask_height"][i]), int(c["mask_width"][i])],
                                     "counts": c["mask_counts"][i]}
            elif c["mask_polygons"][i]:
                d["segmentation"] = c["mask_polygons"][i]
        if "keypoints" in c and c["keypoints"][i]:
            d["keypoints"] = c["keypoints"][i]
        d["score"] = scores[i]
        out.append(d)
    return out


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
        # As `score --gt`: a COCO / LVIS json, or any dataset.yaml or run config.
        return _core.load_dataset_file(str(gt), "", masks, False), str(gt)
    from detection_studio.coco import COCO
    from detection_studio.dataset import Dataset

    if isinstance(gt, COCO):
        return gt._core_dataset(masks=masks), gt._file or "ground truth"
    if isinstance(gt, Dataset):
        core = _core.load_dataset_file(str(gt.file), "", True, False) if masks else gt._core
        return core, str(gt.file)
    raise TypeError("gt: expected a dataset file (COCO / LVIS json, dataset.yaml, run config), a "
                    f"ds.Dataset or a detection_studio.coco.COCO, got {type(gt).__name__}")


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


def _fraction(name: str, value: float, zero: bool = False) -> float:
    v = float(value)
    if not ((v >= 0 if zero else v > 0) and v <= 1):
        raise ValueError(f"{name}: expected a number {'from 0' if zero else 'above 0'}, at most 1, got {value!r}")
    return v


def _score_options(threads: int, metric: str, slices: PathLike | Mapping[str, Any] | None, slice_bootstrap: int,
                   analysis_iou: float, score_threshold: float | None, calibration_bins: int,
                   calibration_iou: float, f_beta: float) -> Any:
    """`score`'s options as the command's flags set them, checked as it checks them."""
    o = _core.ScoreOptions()
    o.threads = int(threads)
    o.analysis_iou = _fraction("analysis_iou", analysis_iou)
    o.score_threshold = None if score_threshold is None else _fraction("score_threshold", score_threshold, True)
    o.calibration_iou = _fraction("calibration_iou", calibration_iou)
    if int(calibration_bins) < 1:
        raise ValueError(f"calibration_bins: expected 1 or more, got {calibration_bins!r}")
    o.calibration_bins = int(calibration_bins)
    if not float(f_beta) > 0 or not np.isfinite(f_beta):
        raise ValueError(f"f_beta: expected a positive number, got {f_beta!r}")
    o.f_beta = float(f_beta)
    o.set_matching(metric)
    if int(slice_bootstrap) < 0:
        raise ValueError(f"slice_bootstrap: expected 0 (no intervals) or more samples, got {slice_bootstrap!r}")
    if slices is None:
        return o
    if not metric.startswith("coco"):
        raise ValueError("slices: apply to the COCO metrics (coco, coco_segm, coco_boundary, coco_keypoints)")
    if isinstance(slices, Mapping):
        # JSON is YAML: the slices file's reader checks a dict as it checks the file.
        o.set_slices_text(json.dumps(slices), "slices", int(slice_bootstrap))
    else:
        o.set_slices_file(str(slices), int(slice_bootstrap))
    return o


def score(
    gt: Any,
    detections: Any,
    metrics: str | Sequence[str] = ("coco",),
    iou_type: str = "bbox",
    analyses: Iterable[str] | None = None,
    threads: int = 0,
    *,
    slices: PathLike | Mapping[str, Any] | None = None,
    slice_bootstrap: int = 200,
    analysis_iou: float = 0.5,
    score_threshold: float | None = None,
    calibration_bins: int = 10,
    calibration_iou: float = 0.5,
    f_beta: float = 1.0,
) -> Run:
    """Scores detections against ground truth, as ``detection-studio score`` does.

    Args:
        gt: a dataset file (a COCO or LVIS instances json, a dataset.yaml, a run config), a
            ``ds.Dataset`` or a ``detection_studio.coco.COCO``; for ``metrics="tracking"`` a mot
            dataset file, a MOT sequence folder or a folder of them.
        detections: a COCO results json path, an Open Images challenge detection CSV (``.csv``),
            for ``metrics="tracking"`` a MOT results file (or a folder of ``<sequence>.txt``),
            a list of result dicts, an N x 7 array
            ``[image_id, x, y, w, h, score, category_id]`` or columns
            ``{"image_id", "category_id", "bbox" (N x 4 xywh), "score"}``.
        metrics: metric names (``coco``, ``voc``, ``lvis``, ``openimages``, ``tracking``, ...;
            see ``detection-studio score --help``).
        iou_type: ``bbox``, ``segm``, ``boundary`` or ``keypoints`` (the last three score their
            one metric, as ``score --iou-type``).
        analyses: analysis names (None: the default ones, as the command; ``[]``: none).
        threads: evaluation threads (0: one per core).
        slices: the COCO numbers per slice of the images too (``--slices``): a SLICES.yaml path
            or its mapping, slice name -> image ids or rules (``{"small": {"width": [0, 640]}}``).
        slice_bootstrap: bootstrap samples of each slice's AP interval (0: none).
        analysis_iou, score_threshold: the IoU the analyses count a detection right at, and the
            score cut of the confusion matrix and per-image counts (None: the best F1's).
        calibration_bins, calibration_iou, f_beta: the calibration and f_scores analyses'.

    Returns:
        a ``Run`` whose ``metrics`` is the metrics.json the command writes with the same inputs
        (``ground_truth`` and ``results`` name the paths given, or say what was passed).
    """
    names = _metric_names(metrics, iou_type)
    if "tracking" in names:
        return _score_tracking(gt, detections, names, analyses, threads)
    masks = any(_core.evaluator_reads_masks(m) for m in names)
    keypoints = _core.metric_for_iou_type("keypoints") in names
    chosen = list(_core.default_analysis_names()) if analyses is None else list(analyses)
    dataset, gt_label = _ground_truth(gt, masks)
    if isinstance(detections, (str, os.PathLike)) and str(detections).endswith(".csv"):
        # The Open Images challenge's detection CSV names images and classes by the gt's ids.
        if masks or keypoints:
            raise ValueError(f"{detections}: a challenge CSV holds boxes only (no masks or keypoints)")
        dts, dt_label = _core.read_challenge_detections(str(detections), dataset), str(detections)
    else:
        dts, dt_label = _detections(detections, masks, keypoints)
    options = _score_options(threads, names[0], slices, slice_bootstrap, analysis_iou, score_threshold,
                             calibration_bins, calibration_iou, f_beta)
    document, text = _core.score_document(dataset, dts, names, chosen, options, gt_label, dt_label)
    return Run(json.loads(document), text, lambda: _core.detection_arrays(dts),
               objects=lambda ious: _core.object_records_csv(dataset, dts, ious, options),
               label_errors=lambda: _core.label_error_task(dataset, dts, options),
               analysis_iou=options.analysis_iou)


def _score_tracking(gt: Any, detections: Any, names: list[str], analyses: Iterable[str] | None,
                    threads: int) -> Run:
    """``score --metric tracking``: MOT results files against MOT sequences (TrackEval's HOTA,
    CLEAR and Identity)."""
    if names != ["tracking"]:
        raise ValueError("metrics: 'tracking' scores a tracker's MOT results: give it alone")
    if analyses:
        raise ValueError("analyses: the analyses score detections per image; tracking has none")
    if not isinstance(gt, (str, os.PathLike)) or not isinstance(detections, (str, os.PathLike)):
        raise TypeError("tracking: gt is a mot dataset file or sequence folder (or a folder of them) "
                        "and detections a MOT results file (or a folder of <sequence>.txt)")
    document, text = _core.score_tracking_document(str(gt), str(detections), threads)
    return Run(json.loads(document), text)


def _python_model(model: Any, class_names: Sequence[str] | None, batch_size: int | None,
                  name: str | None) -> tuple[Any, str, list[str], int]:
    """(pipeline model, name, class names, batch size) of a callable or an nn.Module."""
    from detection_studio.python_model import PipelineModel, is_module, module_infer

    owner = getattr(model, "__self__", None)  # a bound method: an inferencer's infer
    if is_module(model):
        infer, label = module_infer(model), type(model).__name__
    elif not callable(model) and callable(getattr(model, "infer", None)):
        # An inferencer object (what an inferencer module's load() returns).
        owner, infer = model, model.infer
        label = getattr(model, "name", None) or type(model).__name__
    elif callable(model):
        infer = model
        label = getattr(owner, "name", None) or getattr(model, "__name__", type(model).__name__)
    else:
        raise TypeError("model: expected a model config path, a callable images -> results, an "
                        f"object with infer(images) or a torch.nn.Module, got {type(model).__name__}")
    if class_names is None:
        class_names = getattr(model, "class_names", None) or getattr(owner, "class_names", None)
    if class_names is None:
        raise ValueError("class_names: required with a Python model (its labels index them)")
    names = [str(c) for c in class_names]
    if not names:
        raise ValueError("class_names: empty (the model's labels index them)")
    if batch_size is None:
        batch_size = getattr(model, "batch_size", None) or getattr(owner, "batch_size", None) or 4
    return PipelineModel(infer, len(names)), str(name or label), names, int(batch_size)


def evaluate(
    config_or_dataset: PathLike,
    *,
    model: Any,
    class_names: Sequence[str] | None = None,
    limit: int | None = None,
    output: PathLike | None = None,
    metrics: Sequence[str] | None = None,
    analyses: Iterable[str] | None = None,
    progress: bool = True,
    batch_size: int | None = None,
    name: str | None = None,
    skip_bad: bool = False,
) -> Run:
    """Runs a model over a dataset and scores it, as ``detection-studio evaluate`` does.

    The images go through the command's own pipeline (decoded by OpenCV on the C++ side, in
    batches, journaled when ``output`` is given), so with the same model the numbers are the
    command's.

    Args:
        config_or_dataset: a run config (its dataset, metrics, analyses, class_map) or a
            dataset.yaml (the default metrics and analyses).
        model: a model config path (as ``--model``; None: the run config's ``model:``), an
            inferencer object (its ``infer``, ``class_names``, ``batch_size``, ``name``), or a
            callable ``images -> [{"boxes" (N, 4) xyxy, "scores" (N,), "labels" (N,) int(,
            "masks" (N, H, W) bool/uint8, "keypoints" (N, K, 3))}]`` getting a batch of H x W x
            3 uint8 BGR arrays (read-only), or a torchvision-style ``torch.nn.Module`` (given RGB
            float tensors 0..1 on its device, run in eval mode under no_grad).
        class_names: what the labels of a Python model index (default: its ``class_names``
            attribute, or that of the object whose method it is); matched to the dataset's
            categories by name, as a model config's classes are.
        limit: the first ``limit`` images only (``--limit``).
        output: a folder: the run is journaled there and detections.json, metrics.json,
            gallery.json and report.html are written, as evaluate writes them.
        metrics, analyses: instead of the run config's (``[]``: no analyses).
        progress: a progress bar on stderr (when it is a terminal).
        batch_size: images per model call (default: the model config's; for a Python model,
            its ``batch_size`` attribute or its object's, else 4).
        name: the model's name in metrics.json (default: its ``name``, or the function's).
        skip_bad: unreadable images are skipped (``--skip-bad``) rather than an error.

    Returns:
        a ``Run``: ``metrics`` is the metrics.json the command writes, ``detections`` its
        detections.json.
    """
    from detection_studio import _runtime

    if isinstance(model, (str, os.PathLike)) or model is None:
        if class_names is not None:
            raise ValueError("class_names: a model config names its classes (classes:)")
        pipeline_model, model_config, label, names, batch = None, str(model or ""), "", [], batch_size or 0
    else:
        pipeline_model, label, names, batch = _python_model(model, class_names, batch_size, name)
        model_config = ""
    if limit is not None and limit < 0:
        raise ValueError(f"limit: must be 0 (all) or more, got {limit}")
    if batch < 0:
        raise ValueError(f"batch_size: must be 1 or more, got {batch}")
    scored = _runtime.evaluate(
        str(config_or_dataset), model_config, pipeline_model, label, names, batch, limit or 0, skip_bad,
        None if output is None else str(output), None if metrics is None else list(metrics),
        None if analyses is None else list(analyses), progress)
    return Run(json.loads(scored.metrics_json), scored.text, scored.detection_arrays, scored,
               objects=scored.object_records_csv, label_errors=scored.label_error_task,
               analysis_iou=scored.analysis_iou)
