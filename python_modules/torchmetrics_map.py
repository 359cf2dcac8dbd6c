"""``MeanAveragePrecision``: a drop-in for ``torchmetrics.detection.MeanAveragePrecision``.

Switching is one line::

    from detection_studio import MeanAveragePrecision  # was: from torchmetrics.detection import ...

The constructor, ``update(preds, target)``, ``reset()`` and ``compute()`` take and return what
torchmetrics' do (same keys, dtypes and shapes), and the numbers are those of torchmetrics with
``backend="pycocotools"``. The work is done by the C++ core (``core/eval/coco/incremental``):
each image is checked and matched when ``update`` receives it and only its match records are kept
(a score, a rank and one byte per area range and IoU threshold per detection), so memory stays
flat over an epoch and ``compute()`` only accumulates. torchmetrics itself is not needed.

Differences, all deliberate:

- bad input raises ``ValueError`` or ``TypeError`` naming the image (its position in the
  ``update`` call's lists) and the key, at ``update``: wrong shapes or dtypes, labels that are
  not integers, non-finite numbers, boxes that are not in the declared ``box_format`` (x2 < x1
  for ``xyxy``, a negative width or height for ``xywh`` / ``cxcywh``), masks whose count or
  size does not fit.
- ``backend`` is accepted and ignored (the numbers are pycocotools').
- under ``torch.distributed``, ``compute()`` gathers every rank's match records (bytes, with
  ``all_gather_object``), not the inputs: the images are ordered as torchmetrics orders its
  gathered lists (the i-th image of each rank, ranks in order), so the result is torchmetrics'.
- ``extended_summary``'s ``ious`` are kept only when it is on (they grow with the epoch).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from detection_studio import _core

__all__ = ["MeanAveragePrecision"]

IouTypeName = Literal["bbox", "segm"]
_BOX_FORMATS = ("xyxy", "xywh", "cxcywh")
_KEY_OF = {"bbox": "boxes", "segm": "masks"}


def _torch_linspace_f32(start: float, end: float, steps: int) -> list[float]:
    """torch.linspace(start, end, steps).tolist() in float32 (torchmetrics' default thresholds)."""
    try:
        import torch

        return [float(v) for v in torch.linspace(start, end, steps).tolist()]
    except ImportError:  # the same kernel's arithmetic: halves from each end, in float32
        s, e = np.float32(start), np.float32(end)
        step = np.float32((e - s) / np.float32(steps - 1))
        half = steps // 2
        return [
            float(s + step * np.float32(i) if i < half else e - step * np.float32(steps - i - 1))
            for i in range(steps)
        ]


def _as_numpy(value: Any, where: str) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach"):  # a torch tensor: a view when it is on the CPU without grad
        try:
            return value.numpy()
        except (RuntimeError, TypeError):
            return value.detach().cpu().numpy()
    raise TypeError(f"{where}: expected a tensor or an array, got {type(value).__name__}")


def _labels(value: Any, where: str) -> npt.NDArray[np.int64]:
    a = _as_numpy(value, where)
    if a.ndim != 1:
        raise ValueError(f"{where}: expected shape (N,), got {tuple(a.shape)}")
    if a.dtype.kind not in "iu":
        raise TypeError(f"{where}: labels must be integers, got {a.dtype}")
    return np.ascontiguousarray(a, dtype=np.int64)


def _floats(value: Any, n: int, where: str) -> npt.NDArray[np.float64]:
    a = _as_numpy(value, where)
    if a.ndim != 1 or a.shape[0] != n:
        raise ValueError(f"{where}: expected shape ({n},) (one per label), got {tuple(a.shape)}")
    if a.dtype.kind not in "fiu":
        raise TypeError(f"{where}: expected numbers, got {a.dtype}")
    return np.ascontiguousarray(a, dtype=np.float64)


class MeanAveragePrecision:
    """COCO mAP / mAR over boxes or masks, torchmetrics' interface, pycocotools' numbers.

    Args: as ``torchmetrics.detection.MeanAveragePrecision``. ``process_group`` (keyword) names
    the ``torch.distributed`` group ``compute()`` gathers over (default: the world, when a
    process group is initialised); ``sync_on_compute=False`` turns the gathering off.
    """

    full_state_update = True
    warn_on_many_detections = True

    def __init__(
        self,
        box_format: Literal["xyxy", "xywh", "cxcywh"] = "xyxy",
        iou_type: IouTypeName | tuple[IouTypeName, ...] = "bbox",
        iou_thresholds: list[float] | None = None,
        rec_thresholds: list[float] | None = None,
        max_detection_thresholds: list[int] | None = None,
        class_metrics: bool = False,
        extended_summary: bool = False,
        average: Literal["macro", "micro"] = "macro",
        backend: Literal["pycocotools", "faster_coco_eval"] = "pycocotools",
        *,
        process_group: Any = None,
        sync_on_compute: bool = True,
        **kwargs: Any,
    ) -> None:
        if box_format not in _BOX_FORMATS:
            raise ValueError(
                f"Expected argument `box_format` to be one of {_BOX_FORMATS} but got {box_format}"
            )
        types = (iou_type,) if isinstance(iou_type, str) else tuple(iou_type)
        if not types or any(t not in _KEY_OF for t in types):
            raise ValueError(
                "Expected argument `iou_type` to be one of ('segm', 'bbox') or a tuple of, "
                f"but got {iou_type}"
            )
        if iou_thresholds is not None and not isinstance(iou_thresholds, list):
            raise ValueError(
                "Expected argument `iou_thresholds` to either be `None` or a list of floats "
                f"but got {iou_thresholds}"
            )
        if rec_thresholds is not None and not isinstance(rec_thresholds, list):
            raise ValueError(
                "Expected argument `rec_thresholds` to either be `None` or a list of floats "
                f"but got {rec_thresholds}"
            )
        if max_detection_thresholds is not None and not isinstance(max_detection_thresholds, list):
            raise ValueError(
                "Expected argument `max_detection_thresholds` to either be `None` or a list of "
                f"ints but got {max_detection_thresholds}"
            )
        if max_detection_thresholds is not None and len(max_detection_thresholds) != 3:
            raise ValueError(
                "When providing a list of max detection thresholds it should have length 3. "
                f"Got value {len(max_detection_thresholds)}"
            )
        # ValueError where torchmetrics raises ValueError, for code that catches it
        if not isinstance(class_metrics, bool):
            raise ValueError("Expected argument `class_metrics` to be a boolean")  # noqa: TRY004
        if not isinstance(extended_summary, bool):
            raise ValueError("Expected argument `extended_summary` to be a boolean")  # noqa: TRY004
        if average not in ("macro", "micro"):
            raise ValueError(
                f"Expected argument `average` to be one of ('macro', 'micro') but got {average}"
            )
        if backend not in ("pycocotools", "faster_coco_eval"):
            raise ValueError(
                "Expected argument `backend` to be one of ('pycocotools', 'faster_coco_eval') "
                f"but got {backend}"
            )
        self.box_format = box_format
        self.iou_type: tuple[IouTypeName, ...] = types  # type: ignore[assignment]
        # torchmetrics' defaults are torch.linspace's float32 values (0.550000011920929, ...).
        self.iou_thresholds: list[float] = iou_thresholds or _torch_linspace_f32(0.5, 0.95, 10)
        self.rec_thresholds: list[float] = rec_thresholds or _torch_linspace_f32(0.0, 1.0, 101)
        self.max_detection_thresholds: list[int] = sorted(
            int(np.int32(m)) for m in (max_detection_thresholds or [1, 10, 100])
        )
        self.class_metrics = class_metrics
        self.extended_summary = extended_summary
        self.average = average
        self.backend = backend
        self.process_group = process_group
        self.sync_on_compute = sync_on_compute
        self._kwargs = kwargs
        self.reset()

    # --- state -------------------------------------------------------------------------------

    def _new_evaluator(self) -> _core.IncrementalEvaluator:
        micro = self.average == "micro"
        return _core.IncrementalEvaluator(
            iou_types=[getattr(_core.IouType, t) for t in self.iou_type],
            box_format=getattr(_core.BoxFormat, self.box_format),
            iou_thrs=[float(t) for t in self.iou_thresholds],
            rec_thrs=[float(t) for t in self.rec_thresholds],
            max_dets=self.max_detection_thresholds,
            micro=micro,
            # per-label records: for macro, and for class_metrics (always by label)
            macro=not micro or self.class_metrics,
            keep_ious=self.extended_summary,
        )

    def reset(self) -> None:
        """Forgets every image (the records of earlier updates)."""
        self._evaluator = self._new_evaluator()

    @property
    def images(self) -> int:
        """How many images ``update`` has received since the last ``reset``."""
        return int(self._evaluator.images)

    def to(self, *args: Any, **kwargs: Any) -> MeanAveragePrecision:
        """Accepted for torchmetrics compatibility: the records live in host memory."""
        return self

    # --- update ------------------------------------------------------------------------------

    def _side(
        self, item: Any, i: int, name: str, detections: bool
    ) -> tuple[Any, npt.NDArray[np.int64], Any, Any, Any, Any]:
        where = f"image {i}: {name}"
        if not isinstance(item, Mapping):
            raise TypeError(f"{where}: expected a dict of tensors, got {type(item).__name__}")
        needed = [_KEY_OF[t] for t in self.iou_type] + ["labels"] + (["scores"] if detections else [])
        for key in needed:
            if key not in item:
                raise ValueError(f"{where}: missing key '{key}' (it has {sorted(item)})")
        labels = _labels(item["labels"], f"{where} 'labels'")
        n = labels.shape[0]
        boxes = None
        if "bbox" in self.iou_type:
            b = _as_numpy(item["boxes"], f"{where} 'boxes'")
            if b.size == 0 and n == 0:
                b = b.reshape(0, 4)
            if b.ndim != 2 or b.shape[1] != 4 or b.shape[0] != n:
                raise ValueError(
                    f"{where} 'boxes': expected shape ({n}, 4) (one per label), got {tuple(b.shape)}"
                )
            if b.dtype.kind in "iu":
                # torchvision converts integer boxes exactly (xyxy, xywh) or in float32 (cxcywh)
                b = b.astype(np.float32 if self.box_format == "cxcywh" else np.float64)
            elif b.dtype == np.float16:
                b = b.astype(np.float32)
            elif b.dtype not in (np.float32, np.float64):
                raise TypeError(f"{where} 'boxes': expected floating point boxes, got {b.dtype}")
            boxes = np.ascontiguousarray(b)
        masks = None
        if "segm" in self.iou_type:
            m = _as_numpy(item["masks"], f"{where} 'masks'")
            if m.ndim != 3 or m.shape[0] != n:
                raise ValueError(
                    f"{where} 'masks': expected shape ({n}, H, W) (one per label), "
                    f"got {tuple(m.shape)}"
                )
            if m.dtype != np.bool_ and m.dtype.kind not in "iu":
                raise TypeError(f"{where} 'masks': expected bool or integer masks, got {m.dtype}")
            masks = np.ascontiguousarray(m, dtype=np.uint8) if m.dtype != np.uint8 else np.ascontiguousarray(m)
        scores = crowd = area = None
        if detections:
            s = _as_numpy(item["scores"], f"{where} 'scores'")
            if s.dtype.kind != "f":
                raise TypeError(f"{where} 'scores': expected floating point scores, got {s.dtype}")
            scores = _floats(s, n, f"{where} 'scores'")
        else:
            if item.get("iscrowd") is not None:
                c = _as_numpy(item["iscrowd"], f"{where} 'iscrowd'")
                if c.ndim != 1 or c.shape[0] != n:
                    raise ValueError(
                        f"{where} 'iscrowd': expected shape ({n},) (one per label), got {tuple(c.shape)}"
                    )
                if c.dtype != np.bool_ and c.dtype.kind not in "iu":
                    raise TypeError(f"{where} 'iscrowd': expected integers or booleans, got {c.dtype}")
                crowd = np.ascontiguousarray(c != 0, dtype=np.uint8)
            if item.get("area") is not None:
                area = _floats(item["area"], n, f"{where} 'area'")
        return boxes, labels, scores, crowd, area, masks

    def update(self, preds: Sequence[Mapping[str, Any]], target: Sequence[Mapping[str, Any]]) -> None:
        """Scores a batch of images: ``preds[i]`` (boxes, scores, labels[, masks]) against
        ``target[i]`` (boxes, labels[, masks, iscrowd, area]); tensors or NumPy arrays."""
        for name, value in (("preds", preds), ("target", target)):
            if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
                raise ValueError(  # noqa: TRY004 (torchmetrics' error)
                    f"Expected argument `{name}` to be a list of dicts, got {type(value).__name__}"
                )
        if len(preds) != len(target):
            raise ValueError(
                "Expected argument `preds` and `target` to have the same length, "
                f"but got {len(preds)} and {len(target)}"
            )
        # Shapes, dtypes and keys of the whole batch are checked before its first image is added;
        # the values (box formats, finite numbers) are checked by the core as each image is
        # added, so a bad value keeps the batch's images before it.
        sides = [
            (self._side(p, i, "preds", True), self._side(t, i, "target", False))
            for i, (p, t) in enumerate(zip(preds, target))
        ]
        for i, (dt, gt) in enumerate(sides):
            self._add(self._evaluator, i, dt, gt)

    @staticmethod
    def _add(ev: _core.IncrementalEvaluator, i: int, dt: tuple[Any, ...], gt: tuple[Any, ...]) -> None:
        ev.add_image(
            gt_boxes=gt[0], gt_labels=gt[1], gt_crowd=gt[3], gt_area=gt[4], gt_masks=gt[5],
            dt_boxes=dt[0], dt_labels=dt[1], dt_scores=dt[2], dt_masks=dt[5], where=f"image {i}",
        )

    def forward(self, preds: Sequence[Mapping[str, Any]], target: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Adds the batch to the state and returns the metrics of the batch alone."""
        batch = MeanAveragePrecision.__new__(MeanAveragePrecision)
        batch.__dict__.update(self.__dict__)
        batch._evaluator = self._new_evaluator()
        batch.sync_on_compute = False
        batch.update(preds, target)
        self.update(preds, target)
        return batch.compute()

    __call__ = forward

    # --- compute -----------------------------------------------------------------------------

    def _synced(self) -> _core.IncrementalEvaluator:
        if not self.sync_on_compute:
            return self._evaluator
        try:
            import torch.distributed as dist
        except ImportError:
            return self._evaluator
        if not (dist.is_available() and dist.is_initialized()):
            return self._evaluator
        world = dist.get_world_size(group=self.process_group)
        if world <= 1:
            return self._evaluator
        states: list[Any] = [None] * world
        dist.all_gather_object(states, self._evaluator.serialize(), group=self.process_group)
        return self._evaluator.merged(states)

    def compute(self) -> dict[str, Any]:
        """torchmetrics' result dict: float32 values, ``classes`` int32, extended arrays float64."""
        ev = self._synced()
        mdt = self.max_detection_thresholds
        names = ["map", "map_50", "map_75", "map_small", "map_medium", "map_large",
                 f"mar_{mdt[0]}", f"mar_{mdt[1]}", f"mar_{mdt[2]}",
                 "mar_small", "mar_medium", "mar_large"]  # fmt: skip
        out: dict[str, Any] = {}
        micro = self.average == "micro"
        for ti, t in enumerate(self.iou_type):
            prefix = "" if len(self.iou_type) == 1 else f"{t}_"
            if ev.dt_images == 0 or ev.gt_images == 0:
                out.update({prefix + k: _tensor([-1.0], "float32") for k in names})
                continue
            # torchmetrics rebuilds its datasets by label for class_metrics, and with several iou
            # types the later ones are then scored on those: reproduced.
            main_micro = micro and not (ti > 0 and self.class_metrics)
            result = ev.accumulate(ti, main_micro)
            stats, _ = _core.summarize(result)
            out.update({prefix + k: _tensor([v], "float32") for k, v in zip(names, stats)})
            if self.extended_summary:
                out[f"{prefix}ious"] = self._ious(ev, ti, main_micro)
                out[f"{prefix}precision"] = _tensor(np.array(result.precision), "float64")
                out[f"{prefix}recall"] = _tensor(np.array(result.recall), "float64")
                out[f"{prefix}scores"] = _tensor(np.array(result.scores), "float64")
            if self.class_metrics:
                by_label = result if not main_micro else ev.accumulate(ti, False)
                per = [_core.category_stats(by_label, k) for k in range(len(ev.classes))]
                out[f"{prefix}map_per_class"] = _tensor([s[0] for s in per], "float32")
                out[f"{prefix}mar_{mdt[2]}_per_class"] = _tensor([s[8] for s in per], "float32")
            else:
                out[f"{prefix}map_per_class"] = _tensor([-1.0], "float32")
                out[f"{prefix}mar_{mdt[2]}_per_class"] = _tensor([-1.0], "float32")
        out["classes"] = _tensor(list(ev.classes), "int32")
        return _squeeze(out)

    @staticmethod
    def _ious(ev: _core.IncrementalEvaluator, ti: int, micro: bool) -> dict[Any, Any]:
        # pycocotools' ious: every (image, category) of the evaluation, [] where one side is empty.
        image, category, rows, cols, offset, values = ev.ious(ti, micro)
        kept = {
            (int(i), int(c)): _tensor(values[o : o + r * n].reshape(r, n), "float32")
            for i, c, r, n, o in zip(image, category, rows, cols, offset)
        }
        cats = [0] if micro else list(ev.classes)
        return {(i, c): kept.get((i, c), []) for i in ev.evaluated_images() for c in cats}

    def plot(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("plot: use torchmetrics' MeanAveragePrecision.plot on compute()'s result")


def _tensor(values: Any, dtype: str) -> Any:
    try:
        import torch
    except ImportError:
        return np.asarray(values, dtype=dtype)
    return torch.tensor(np.asarray(values, dtype=dtype))


def _squeeze(value: Any) -> Any:
    """torchmetrics squeezes every one-element tensor of compute()'s result to a scalar."""
    if isinstance(value, dict):
        return {k: _squeeze(v) for k, v in value.items()}
    if hasattr(value, "squeeze") and getattr(value, "size", None) is not None:
        n = value.numel() if hasattr(value, "numel") else value.size
        return value.squeeze() if n == 1 else value
    return value
