"""Test tooling: the Open Images challenge detection metric in numpy, ported from the TF Object
Detection API (tensorflow/models, research/object_detection) without importing TensorFlow:

- dataset_tools/oid_hierarchical_labels_expansion.py: boxes and verified-present labels to every
  ancestor (the root skipped), verified-absent labels to every descendant;
- metrics/oid_challenge_evaluation.py and oid_challenge_evaluation_utils.py: ground truth and
  image-level labels per ImageID (pandas' groupby: sorted ImageIDs, rows in file order), then the
  predictions per sorted ImageID;
- utils/object_detection_evaluation.py (OpenImagesDetectionChallengeEvaluator,
  ObjectDetectionEvaluation with group_of_weight 1.0): detections of classes neither boxed nor
  labelled on the image dropped, ground-truth counts, AP per class, nanmean;
- utils/per_image_evaluation.py (box mode): invalid boxes removed, the sort of
  np_box_list_ops.non_max_suppression at IoU 1.0 (no suppression, 10,000 per class), IoU matching
  by argmax without fallback, then IoA into group-of boxes;
- utils/metrics.py: compute_precision_recall and compute_average_precision.

One deliberate choice: the reference sorts scores with np.argsort's default (not stable) and
reverses; we use a stable sort, so equal scores come later record first. Coordinates are read with
Python's float() (exact), not pandas' parser.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


# --- oid_hierarchical_labels_expansion.py -----------------------------------------------------


def _update_dict(initial: dict[str, set[str]], update: dict[str, set[str]]) -> None:
    for key, values in update.items():
        initial.setdefault(key, set()).update(values)


def build_plain_hierarchy(
    hierarchy: dict[str, Any], skip_root: bool = False
) -> tuple[dict[str, set[str]], dict[str, set[str]], set[str]]:
    """(keyed_parent: node -> its descendants, keyed_child: node -> its ancestors, all nodes)."""
    all_children: set[str] = set()
    all_keyed_parent: dict[str, set[str]] = {}
    all_keyed_child: dict[str, set[str]] = {}
    for node in hierarchy.get("Subcategory", []):
        keyed_parent, keyed_child, children = build_plain_hierarchy(node)
        _update_dict(all_keyed_parent, keyed_parent)
        _update_dict(all_keyed_child, keyed_child)
        all_children.update(children)
    if not skip_root:
        all_keyed_parent[hierarchy["LabelName"]] = set(all_children)
        all_children.add(hierarchy["LabelName"])
        for ancestors in all_keyed_child.values():
            ancestors.add(hierarchy["LabelName"])
        all_keyed_child[hierarchy["LabelName"]] = set()
    return all_keyed_parent, all_keyed_child, all_children


class HierarchyExpansion:
    def __init__(self, hierarchy: dict[str, Any]) -> None:
        self.keyed_parent, self.keyed_child, _ = build_plain_hierarchy(hierarchy, skip_root=True)

    def expand_box(self, label: str) -> list[str]:
        assert label in self.keyed_child, label
        return [label, *sorted(self.keyed_child[label])]

    def expand_label(self, label: str, confidence: int) -> list[str]:
        if confidence == 1:
            assert label in self.keyed_child, label
            return [label, *sorted(self.keyed_child[label])]
        assert label in self.keyed_parent, label
        return [label, *sorted(self.keyed_parent[label])]


# --- the inputs -------------------------------------------------------------------------------


@dataclass
class Box:
    image: str
    label: str
    xmin: float
    xmax: float
    ymin: float
    ymax: float
    group_of: bool = False


@dataclass
class Label:
    image: str
    label: str
    confidence: int


@dataclass
class Prediction:
    image: str
    label: str
    score: float
    xmin: float
    xmax: float
    ymin: float
    ymax: float


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def read_boxes(path: Path) -> list[Box]:
    return [
        Box(r["ImageID"], r["LabelName"], float(r["XMin"]), float(r["XMax"]), float(r["YMin"]), float(r["YMax"]),
            int(r.get("IsGroupOf", "0") or 0) == 1)
        for r in read_csv_rows(path)
    ]


def read_labels(path: Path) -> list[Label]:
    return [Label(r["ImageID"], r["LabelName"], int(r["Confidence"])) for r in read_csv_rows(path)]


def read_predictions(path: Path) -> list[Prediction]:
    return [
        Prediction(r["ImageID"], r["LabelName"], float(r["Score"]), float(r["XMin"]), float(r["XMax"]),
                   float(r["YMin"]), float(r["YMax"]))
        for r in read_csv_rows(path)
    ]


def expand(boxes: list[Box], labels: list[Label], hierarchy: dict[str, Any] | None) -> tuple[list[Box], list[Label]]:
    """The expansion tool: each row followed by its copies for the expanded classes."""
    if hierarchy is None:
        return boxes, labels
    h = HierarchyExpansion(hierarchy)
    out_boxes = [Box(b.image, name, b.xmin, b.xmax, b.ymin, b.ymax, b.group_of) for b in boxes for name in h.expand_box(b.label)]
    out_labels = [Label(lab.image, name, lab.confidence) for lab in labels for name in h.expand_label(lab.label, lab.confidence)]
    return out_boxes, out_labels


# --- np_box_ops --------------------------------------------------------------------------------


def _area(boxes: FloatArray) -> FloatArray:
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _intersection(boxes1: FloatArray, boxes2: FloatArray) -> FloatArray:
    y_min1, x_min1, y_max1, x_max1 = np.split(boxes1, 4, axis=1)
    y_min2, x_min2, y_max2, x_max2 = np.split(boxes2, 4, axis=1)
    heights = np.maximum(np.zeros((len(boxes1), len(boxes2))), np.minimum(y_max1, y_max2.T) - np.maximum(y_min1, y_min2.T))
    widths = np.maximum(np.zeros((len(boxes1), len(boxes2))), np.minimum(x_max1, x_max2.T) - np.maximum(x_min1, x_min2.T))
    return heights * widths


def _iou(boxes1: FloatArray, boxes2: FloatArray) -> FloatArray:
    intersect = _intersection(boxes1, boxes2)
    union = np.expand_dims(_area(boxes1), axis=1) + np.expand_dims(_area(boxes2), axis=0) - intersect
    return intersect / union


def _ioa(boxes1: FloatArray, boxes2: FloatArray) -> FloatArray:
    """Intersection over the area of boxes2."""
    return _intersection(boxes1, boxes2) / np.expand_dims(_area(boxes2), axis=0)


def _descending(scores: FloatArray) -> npt.NDArray[np.intp]:
    """np.argsort(scores)[::-1] with a stable sort: equal scores later record first."""
    return np.argsort(scores, kind="stable")[::-1]


# --- per_image_evaluation.py (box mode, no difficult boxes) ------------------------------------

MATCHING_IOU = 0.5
NMS_MAX_OUTPUT = 10000
GROUP_OF_WEIGHT = 1.0


def tp_fp_single_class(
    det_boxes: FloatArray, det_scores: FloatArray, gt_boxes: FloatArray, gt_group_of: npt.NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray]:
    if det_boxes.size == 0:
        return np.array([], dtype=float), np.array([], dtype=float)
    order = _descending(det_scores)[:NMS_MAX_OUTPUT]  # non_max_suppression at IoU 1.0: a sort
    det_boxes, scores = det_boxes[order], det_scores[order]
    n = len(scores)
    iou = _iou(det_boxes, gt_boxes[~gt_group_of]) if (~gt_group_of).any() else np.zeros((n, 0))
    ioa = _ioa(gt_boxes[gt_group_of], det_boxes).T if gt_group_of.any() else np.zeros((n, 0))
    if gt_boxes.size == 0:
        return scores, np.zeros(n, dtype=float)
    tp = np.zeros(n, dtype=bool)
    matched_group_of = np.zeros(n, dtype=bool)
    if iou.shape[1] > 0:
        best = np.argmax(iou, axis=1)
        detected = np.zeros(iou.shape[1], dtype=bool)
        for i in range(n):
            g = best[i]
            if iou[i, g] >= MATCHING_IOU and not detected[g]:
                tp[i] = True
                detected[g] = True
    group_scores = np.ndarray([0], dtype=float)
    group_tp = np.ndarray([0], dtype=float)
    if ioa.shape[1] > 0:
        group_scores = np.zeros(ioa.shape[1], dtype=float)
        group_tp = GROUP_OF_WEIGHT * np.ones(ioa.shape[1], dtype=float)
        best = np.argmax(ioa, axis=1)
        for i in range(n):
            g = best[i]
            if not tp[i] and ioa[i, g] >= MATCHING_IOU and not matched_group_of[i]:
                matched_group_of[i] = True
                group_scores[g] = max(group_scores[g], scores[i])
        selector = np.where((group_scores > 0) & (group_tp > 0))
        group_scores, group_tp = group_scores[selector], group_tp[selector]
    valid = ~matched_group_of
    return np.concatenate((scores[valid], group_scores)), np.concatenate((tp[valid].astype(float), group_tp))


# --- metrics.py --------------------------------------------------------------------------------


def compute_precision_recall(scores: FloatArray, labels: FloatArray, num_gt: float) -> tuple[FloatArray, FloatArray]:
    order = _descending(scores)
    tp = labels[order]
    fp = (tp <= 0).astype(float)
    cum_tp, cum_fp = np.cumsum(tp), np.cumsum(fp)
    return cum_tp.astype(float) / (cum_tp + cum_fp), cum_tp.astype(float) / num_gt


def compute_average_precision(precision: FloatArray, recall: FloatArray) -> float:
    if not precision.size:
        return 0.0
    recall = np.concatenate([[0], recall, [1]])
    precision = np.concatenate([[0], precision, [0]])
    for i in range(len(precision) - 2, -1, -1):
        precision[i] = np.maximum(precision[i], precision[i + 1])
    indices = np.where(recall[1:] != recall[:-1])[0] + 1
    return float(np.sum((recall[indices] - recall[indices - 1]) * precision[indices]))


# --- the challenge evaluation ------------------------------------------------------------------


@dataclass
class Result:
    mAP: float
    per_class: dict[str, float] = field(default_factory=dict)  # LabelName -> AP (classes with ground truth)


def evaluate(
    classes: list[str],
    boxes: list[Box],
    labels: list[Label],
    predictions: list[Prediction],
    hierarchy: dict[str, Any] | None = None,
    expand_predictions: bool = False,
) -> Result:
    """oid_challenge_evaluation's main over the expansion tool's output (boxes and labels
    expanded when a hierarchy is given)."""
    boxes, labels = expand(boxes, labels, hierarchy)
    if expand_predictions and hierarchy is not None:
        h = HierarchyExpansion(hierarchy)
        predictions = [
            Prediction(p.image, name, p.score, p.xmin, p.xmax, p.ymin, p.ymax)
            for p in predictions for name in h.expand_box(p.label)
        ]
    index = {name: k for k, name in enumerate(classes)}
    K = len(classes)
    gt_boxes: dict[str, list[Box]] = defaultdict(list)
    for b in boxes:
        gt_boxes[b.image].append(b)
    gt_labels: dict[str, list[Label]] = defaultdict(list)
    for lab in labels:
        gt_labels[lab.image].append(lab)

    num_gt = np.zeros(K, dtype=float)
    evaluatable: dict[str, set[int]] = {}
    per_image_gt: dict[str, tuple[FloatArray, npt.NDArray[np.int64], npt.NDArray[np.bool_]]] = {}
    for image in sorted(set(gt_boxes) | set(gt_labels)):
        bs = gt_boxes.get(image, [])
        arr = np.array([[b.ymin, b.xmin, b.ymax, b.xmax] for b in bs], dtype=float).reshape(-1, 4)
        cls = np.array([index[b.label] for b in bs], dtype=np.int64)
        group = np.array([b.group_of for b in bs], dtype=bool)
        per_image_gt[image] = (arr, cls, group)
        for k in range(K):
            num_gt[k] += np.sum(cls[~group] == k) + GROUP_OF_WEIGHT * np.sum(cls[group] == k)
        evaluatable[image] = {index[lab.label] for lab in gt_labels.get(image, [])} | set(cls.tolist())

    by_image: dict[str, list[Prediction]] = defaultdict(list)
    for p in predictions:
        by_image[p.image].append(p)
    scores_per_class: list[list[FloatArray]] = [[] for _ in range(K)]
    tp_per_class: list[list[FloatArray]] = [[] for _ in range(K)]
    for image in sorted(by_image):
        allowed = evaluatable.get(image, set())
        ps = [p for p in by_image[image] if index[p.label] in allowed]
        det = np.array([[p.ymin, p.xmin, p.ymax, p.xmax] for p in ps], dtype=float).reshape(-1, 4)
        det_scores = np.array([p.score for p in ps], dtype=float)
        det_cls = np.array([index[p.label] for p in ps], dtype=np.int64)
        valid = np.logical_and(det[:, 0] < det[:, 2], det[:, 1] < det[:, 3])  # _remove_invalid_boxes
        det, det_scores, det_cls = det[valid], det_scores[valid], det_cls[valid]
        gt, gt_cls, gt_group = per_image_gt.get(image, (np.zeros((0, 4)), np.zeros(0, np.int64), np.zeros(0, bool)))
        for k in range(K):
            s, t = tp_fp_single_class(det[det_cls == k], det_scores[det_cls == k], gt[gt_cls == k], gt_group[gt_cls == k])
            if s.shape[0] > 0:
                scores_per_class[k].append(s)
                tp_per_class[k].append(t)

    ap = np.full(K, np.nan)
    for k in range(K):
        if num_gt[k] == 0:
            continue
        scores = np.concatenate(scores_per_class[k]) if scores_per_class[k] else np.array([], dtype=float)
        tps = np.concatenate(tp_per_class[k]) if tp_per_class[k] else np.array([], dtype=float)
        precision, recall = compute_precision_recall(scores, tps, num_gt[k])
        ap[k] = compute_average_precision(precision, recall)
    mean = float(np.nanmean(ap)) if np.any(~np.isnan(ap)) else float("nan")
    return Result(mean, {classes[k]: float(ap[k]) for k in range(K) if not np.isnan(ap[k])})


def load_and_evaluate(
    class_descriptions: Path,
    boxes: Path,
    labels: Path | None,
    predictions: Path,
    hierarchy: Path | None = None,
    expand_predictions: bool = False,
) -> Result:
    classes = [row[0] for row in csv.reader(class_descriptions.open(newline="")) if row and row[0] != "LabelName"]
    return evaluate(
        classes,
        read_boxes(boxes),
        read_labels(labels) if labels else [],
        read_predictions(predictions),
        json.loads(hierarchy.read_text()) if hierarchy else None,
        expand_predictions,
    )


def write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable[object]]) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(list(header))
        for r in rows:
            w.writerow([repr(v) if isinstance(v, float) else v for v in r])
