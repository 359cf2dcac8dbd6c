"""Random COCO ground truth, results and params for the parity tests (hypothesis strategies),
and runners for pycocotools (the oracle) and detection_studio.coco on the same input."""

from __future__ import annotations

import contextlib
import copy
import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Coordinates on a half-pixel grid and sizes that make exact IoUs likely: a 10x10 box and a
# 10x5 one sharing a corner overlap with IoU exactly 0.5, 10x7.5 exactly 0.75.
COORDS = [0.0, 0.5, 2.0, 5.0, 10.0, 20.0, 40.0]
SIZES = [0.0, 1.0, 5.0, 7.5, 10.0, 20.0, 32.0, 40.0, 96.0]
# Box sizes whose area is exactly an area-range bound (32*32 = 1024, 96*96 = 9216).
BOUNDARY_SIZES = [(32.0, 32.0), (16.0, 64.0), (96.0, 96.0), (48.0, 192.0), (10.0, 7.5)]
SCORES = [0.1, 0.25, 0.5, 0.5, 0.75, 0.9, 1.0]  # few values: many ties


@dataclass
class Case:
    gt: dict[str, Any]
    results: list[dict[str, Any]]
    params: dict[str, Any] = field(default_factory=dict)


@st.composite
def boxes(draw: st.DrawFn, near: list[list[float]] | None = None) -> list[float]:
    kind = draw(st.integers(0, 3))
    if near and kind == 0:
        # A box derived from an existing one: same, cut in half or to 3/4, or shifted.
        x, y, w, h = draw(st.sampled_from(near))
        cut = draw(st.sampled_from([1.0, 0.5, 0.75, 2.0]))
        if draw(st.booleans()):
            return [x, y, w * cut, h]
        return [x + draw(st.sampled_from([0.0, 0.5, 1.0])), y, w, h * cut]
    if kind == 1:
        w, h = draw(st.sampled_from(BOUNDARY_SIZES))
        return [draw(st.sampled_from(COORDS)), draw(st.sampled_from(COORDS)), w, h]
    if kind == 2:
        return [draw(st.floats(0, 50, width=16)), draw(st.floats(0, 50, width=16)),
                draw(st.floats(0, 60, width=16)), draw(st.floats(0, 60, width=16))]
    return [draw(st.sampled_from(COORDS)), draw(st.sampled_from(COORDS)),
            draw(st.sampled_from(SIZES)), draw(st.sampled_from(SIZES))]


@st.composite
def cases(draw: st.DrawFn, max_dets_per_image: int = 12, many_dets: bool = False,
          duplicate_ids: bool = False) -> Case:
    n_images = draw(st.integers(1, 5))
    image_ids = draw(st.lists(st.integers(0, 30), min_size=n_images, max_size=n_images,
                              unique=True))
    cat_ids = draw(st.lists(st.integers(1, 9), min_size=1, max_size=4, unique=True))
    images = [{"id": i, "file_name": f"{i}.jpg", "width": 100, "height": 100} for i in image_ids]
    categories = [{"id": c, "name": f"c{c}", "supercategory": "x"} for c in cat_ids]

    annotations: list[dict[str, Any]] = []
    # Ids from 0 (pycocotools' "unmatched" marker); a small pool repeats them when asked.
    id_pool = st.integers(0, 6) if duplicate_ids else None
    next_id = draw(st.sampled_from([0, 1]))
    for img in image_ids:
        for _ in range(draw(st.integers(0, 6))):  # images without ground truth too
            box = draw(boxes())
            area_kind = draw(st.integers(0, 4))
            area = {0: box[2] * box[3], 1: 1024.0, 2: 9216.0, 3: 1024.5}.get(
                area_kind, draw(st.floats(0, 12000, width=32)))
            if id_pool is not None:
                ann_id = draw(id_pool)
            else:
                ann_id, next_id = next_id, next_id + 1
            annotations.append({
                "id": ann_id, "image_id": img,
                # Sometimes a category with no entry in 'categories', or none with ground truth.
                "category_id": draw(st.sampled_from(cat_ids) | st.just(50)),
                "bbox": box, "area": area,
                "iscrowd": int(draw(st.integers(0, 6)) == 0),
            })
    gt = {"images": images, "categories": categories, "annotations": annotations}

    gt_boxes = [a["bbox"] for a in annotations]
    results: list[dict[str, Any]] = []
    for img in image_ids:
        n = draw(st.integers(0, max_dets_per_image))
        if many_dets and draw(st.booleans()):
            n = draw(st.integers(100, 140))  # over maxDets=100, per image and per category
        for _ in range(n):
            results.append({
                "image_id": img,
                "category_id": draw(st.sampled_from(cat_ids + [max(cat_ids) + 1])),
                "bbox": draw(boxes(near=gt_boxes or None)),
                "score": draw(st.sampled_from(SCORES) | st.floats(0, 1, width=32)),
            })
    if not results:  # loadRes needs one detection
        results.append({"image_id": image_ids[0], "category_id": cat_ids[0],
                        "bbox": [0.0, 0.0, 10.0, 10.0], "score": 0.5})
    return Case(gt, results)


@st.composite
def params(draw: st.DrawFn, case: Case) -> dict[str, Any]:
    """Some of pycocotools' params changed from their defaults."""
    out: dict[str, Any] = {}
    image_ids = [im["id"] for im in case.gt["images"]]
    cat_ids = [c["id"] for c in case.gt["categories"]]
    if draw(st.booleans()):
        out["iouThrs"] = np.array(sorted(draw(st.lists(
            st.sampled_from([0.1, 0.3, 0.5, 0.55, 0.75, 0.9, 0.95, 1.0]), min_size=1,
            max_size=5))))
    if draw(st.booleans()):
        out["recThrs"] = np.array(draw(st.sampled_from([
            [0.0, 0.5, 1.0], list(np.linspace(0, 1, 11)), [0.25, 0.3333333333333333, 0.75],
            [0.0]])))
    if draw(st.booleans()):
        out["maxDets"] = draw(st.sampled_from([[1, 10, 100], [0, 2, 5], [3, 1, 100],
                                               [1, 5, 10, 100], [2, 2, 4]]))
    if draw(st.booleans()):
        out["areaRng"], out["areaRngLbl"] = draw(st.sampled_from([
            ([[0, 1e10], [0, 1024], [1024, 9216], [9216, 1e10]],
             ["all", "small", "medium", "large"]),
            ([[0, 1e10], [100, 1024], [1024, 1e10]], ["all", "small", "large"]),
            ([[0, 50], [0, 1e10]], ["small", "all"]),
            ([[0, 1e10], [0, 1e10], [0, 9216]], ["all", "medium", "medium"]),
        ]))
    if draw(st.booleans()):
        out["imgIds"] = draw(st.lists(st.sampled_from(image_ids + [999]), max_size=4))
    if draw(st.booleans()):
        out["catIds"] = draw(st.lists(st.sampled_from(cat_ids + [99]), max_size=4))
    if draw(st.integers(0, 3)) == 0:
        out["useCats"] = 0
    return out


def examples(n: int) -> settings:
    # Derandomized: `make test` runs the same cases every time (a failure reproduces).
    return settings(max_examples=n, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def run(module: str, case: Any, iou_type: str = "bbox") -> dict[str, Any]:
    """Evaluate `case` (its gt, results and params) with pycocotools or detection_studio.coco;
    stdout is captured."""
    if module == "pycocotools":
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
    else:
        from detection_studio.coco import COCO, COCOeval  # type: ignore[assignment]
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        gt = COCO()
        gt.dataset = copy.deepcopy(case.gt)
        gt.createIndex()
        dt = gt.loadRes(copy.deepcopy(case.results))
        ev = COCOeval(gt, dt, iou_type)
        for name, value in case.params.items():
            setattr(ev.params, name, copy.deepcopy(value))
        ev.evaluate()
        ev.accumulate()
        start = len(text.getvalue())
        ev.summarize()
    return {"stats": ev.stats, "precision": ev.eval["precision"], "recall": ev.eval["recall"],
            "scores": ev.eval["scores"], "summary": text.getvalue()[start:],
            "imgIds": list(ev.params.imgIds), "catIds": list(ev.params.catIds),
            "maxDets": list(ev.params.maxDets)}


def assert_same(case: Case) -> None:
    want = run("pycocotools", case)
    got = run("detection_studio", case)
    for key in ("stats", "precision", "recall", "scores"):
        assert want[key].shape == got[key].shape, key
        # Bitwise: the same doubles, not close ones.
        assert np.array_equal(want[key], got[key]), (key, want[key], got[key])
    assert want["summary"] == got["summary"]
    for key in ("imgIds", "catIds", "maxDets"):
        assert [int(v) for v in want[key]] == [int(v) for v in got[key]], key
