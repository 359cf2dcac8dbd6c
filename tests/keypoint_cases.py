"""Random COCO keypoint ground truth and results for the OKS parity tests (hypothesis
strategies), and runners for pycocotools (the oracle) and detection_studio.coco on the same input.

The cases aim at computeOks' and evaluateImg's rules: visibility 0/1/2, people with no labelled
keypoint (num_keypoints 0, scored against their box grown by its size, and ignored), crowd
regions, two keypoint categories with the same K, tied scores, results with a box (area w * h)
and without (box and area from the keypoints' extent), integer and fractional coordinates,
areas exactly at the medium/large bounds, and more than maxDets=20 detections in an image."""

from __future__ import annotations

import contextlib
import copy
import io
from dataclasses import dataclass, field
from typing import Any

import coco_cases
import numpy as np
from hypothesis import strategies as st

SCORES = [0.1, 0.25, 0.5, 0.5, 0.75, 0.9, 1.0]  # few values: many ties
# Shifts of a detected keypoint from the true one: exact hits, near and far misses.
SHIFTS = [0, 0, 0.5, -1, 2, -3.5, 6, 15, -40]
AREAS = [1024.0, 9216.0, 1023.5, 5000.0, 20000.0, 300.0, 0.0]
NAMES = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
         "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
         "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"]


@dataclass
class Case:
    gt: dict[str, Any]
    results: list[dict[str, Any]]
    params: dict[str, Any] = field(default_factory=dict)


def _number(draw: st.DrawFn, lo: float, hi: float, integers: bool) -> float | int:
    if integers:
        return draw(st.integers(int(lo), int(hi)))
    return draw(st.sampled_from([0.5, 0.25, 1.0])) * draw(st.integers(int(2 * lo), int(2 * hi)))


@st.composite
def person(draw: st.DrawFn, k: int, integers: bool) -> tuple[list[float], list[Any], int]:
    """A box and K keypoints inside it, each labelled (v 1 or 2) or not (v 0, x = y = 0)."""
    x, y = _number(draw, 0, 200, integers), _number(draw, 0, 200, integers)
    w, h = _number(draw, 0, 120, integers), _number(draw, 0, 160, integers)
    labelled = draw(st.sampled_from([0.0, 0.3, 0.8, 1.0]))  # share of labelled keypoints
    kps: list[Any] = []
    n = 0
    for _ in range(k):
        if draw(st.floats(0, 1)) < labelled:
            kps += [x + _number(draw, 0, max(w, 1), integers),
                    y + _number(draw, 0, max(h, 1), integers), draw(st.sampled_from([1, 2]))]
            n += 1
        else:
            kps += [0, 0, 0]
    return [x, y, w, h], kps, n


@st.composite
def detected(draw: st.DrawFn, truth: list[Any] | None, k: int, integers: bool) -> list[Any]:
    """Keypoints near a true person's (labelled or not), or anywhere."""
    out: list[Any] = []
    for j in range(k):
        if truth is not None and draw(st.integers(0, 4)) > 0:
            x, y = truth[3 * j], truth[3 * j + 1]
            if x == 0 and y == 0:  # not labelled: somewhere near the others
                x, y = truth[0] or 50, truth[1] or 50
            dx, dy = draw(st.sampled_from(SHIFTS)), draw(st.sampled_from(SHIFTS))
            if integers:
                dx, dy = int(dx), int(dy)
            out += [x + dx, y + dy]
        else:
            out += [_number(draw, -20, 250, integers), _number(draw, -20, 250, integers)]
        out.append(draw(st.sampled_from([0, 1, 2, 0.37, 1.5])))
    return out


@st.composite
def cases(draw: st.DrawFn, k: int = 17, many_dets: bool = False) -> Case:
    integers = draw(st.booleans())  # COCO's own files hold integers: NumPy int64 arrays
    image_ids = draw(st.lists(st.integers(0, 30), min_size=1, max_size=4, unique=True))
    cat_ids = draw(st.lists(st.integers(1, 9), min_size=1, max_size=2, unique=True))
    images = [{"id": i, "file_name": f"{i}.jpg", "width": 300, "height": 300} for i in image_ids]
    categories = [{"id": c, "name": f"c{c}", "supercategory": "person",
                   "keypoints": NAMES[:k] if k <= len(NAMES) else [f"k{j}" for j in range(k)],
                   "skeleton": [[1, 2], [2, 3]]} for c in cat_ids]
    annotations: list[dict[str, Any]] = []
    truths: dict[int, list[tuple[int, list[float], list[Any]]]] = {}
    for img in image_ids:
        for _ in range(draw(st.integers(0, 5))):
            box, kps, n = draw(person(k, integers))
            crowd = draw(st.integers(0, 7)) == 0
            if crowd:  # COCO's crowd regions: no keypoints labelled
                kps, n = [0] * (3 * k), 0
            if draw(st.integers(0, 9)) == 0:
                # The file's num_keypoints decides `ignore`, whatever v says (pycocotools reads
                # it, it does not count).
                n = draw(st.sampled_from([0, 1, k]))
            area = draw(st.sampled_from(AREAS)) if draw(st.booleans()) else box[2] * box[3]
            cat = draw(st.sampled_from(cat_ids))
            annotations.append({
                "id": len(annotations) + 1, "image_id": img, "category_id": cat, "bbox": box,
                "area": area, "iscrowd": int(crowd), "keypoints": kps, "num_keypoints": n,
            })
            truths.setdefault(img, []).append((cat, box, kps))
    gt = {"images": images, "categories": categories, "annotations": annotations}

    with_box = draw(st.integers(0, 2))  # 0: none, 1: every record, 2: all but the first
    results: list[dict[str, Any]] = []
    for img in image_ids:
        n = draw(st.integers(0, 8))
        if many_dets and draw(st.booleans()):
            n = draw(st.integers(21, 30))  # over maxDets=20
        for _ in range(n):
            near = draw(st.sampled_from(truths[img])) if truths.get(img) and draw(
                st.integers(0, 3)) > 0 else None
            cat = near[0] if near and draw(st.integers(0, 4)) > 0 else draw(
                st.sampled_from(cat_ids))
            r: dict[str, Any] = {"image_id": img, "category_id": cat,
                                 "keypoints": draw(detected(near[2] if near else None, k,
                                                            integers)),
                                 "score": draw(st.sampled_from(SCORES) | st.floats(0, 1, width=32))}
            if with_box == 1 or (with_box == 2 and results):
                r["bbox"] = [_number(draw, 0, 200, integers), _number(draw, 0, 200, integers),
                             _number(draw, 0, 120, integers), _number(draw, 0, 160, integers)]
            results.append(r)
    if not results:  # loadRes needs one detection
        results.append({"image_id": image_ids[0], "category_id": cat_ids[0],
                        "keypoints": [10, 10, 1] * k, "score": 0.5})
    if with_box == 1:
        results[0].setdefault("bbox", [0, 0, 10, 10])
    return Case(gt, results)


@st.composite
def params(draw: st.DrawFn, case: Case) -> dict[str, Any]:
    """Some of pycocotools' keypoint params changed from their defaults."""
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        out["iouThrs"] = np.array(sorted(draw(st.lists(
            st.sampled_from([0.1, 0.3, 0.5, 0.55, 0.75, 0.9, 0.95, 1.0]), min_size=1,
            max_size=5))))
    if draw(st.booleans()):
        out["maxDets"] = draw(st.sampled_from([[20], [1, 20], [3], [5, 20, 100]]))
    if draw(st.booleans()):
        out["areaRng"], out["areaRngLbl"] = draw(st.sampled_from([
            ([[0, 1e10], [0, 1024], [1024, 9216], [9216, 1e10]],
             ["all", "small", "medium", "large"]),
            ([[0, 1e10], [1024, 1e10]], ["all", "large"]),
        ]))
    if draw(st.booleans()):
        image_ids = [im["id"] for im in case.gt["images"]]
        out["imgIds"] = draw(st.lists(st.sampled_from(image_ids + [999]), max_size=4))
    if draw(st.integers(0, 3)) == 0:
        out["useCats"] = 0
    return out


def run(module: str, case: Case) -> dict[str, Any]:
    """Evaluate `case` with pycocotools or detection_studio.coco; stdout is captured."""
    return coco_cases.run(module, case, "keypoints")


def assert_same(case: Case) -> float:
    """Both libraries give the same doubles; returns the largest absolute difference (0.0)."""
    want = run("pycocotools", case)
    got = run("detection_studio", case)
    diff = 0.0
    for key in ("stats", "precision", "recall", "scores"):
        assert want[key].shape == got[key].shape, key
        if want[key].size:
            diff = max(diff, float(np.max(np.abs(want[key] - got[key]))))
        # Bitwise: the same doubles, not close ones.
        assert np.array_equal(want[key], got[key]), (key, want[key], got[key])
    assert want["summary"] == got["summary"]
    return diff


def assert_same_oks(case: Case, sigmas: np.ndarray | None = None) -> int:
    """Every OKS pycocotools' computeOks gives (its `ious`) equals the core's, bitwise: the stats
    only compare OKS with thresholds, so an ulp off would rarely show there. Returns how many
    OKS values were compared."""
    import json

    from detection_studio import _core
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = copy.deepcopy(case.gt)
        gt.createIndex()
        ev = COCOeval(gt, gt.loadRes(copy.deepcopy(case.results)), "keypoints")
        if sigmas is not None:
            ev.params.kpt_oks_sigmas = sigmas
        ev.evaluate()
    ours_gt = _core.read_coco_text(json.dumps(case.gt), "gt")
    dets = _core.read_keypoint_results_text(json.dumps(case.results), "dt")
    compared = 0
    for (img, cat), theirs in ev.ious.items():
        if len(theirs) == 0:
            continue
        gts = [a for a in ours_gt.annotations if a.image_id == img and a.category_id == cat]
        mine = [n for n, r in enumerate(case.results)
                if r["image_id"] == img and r["category_id"] == cat]
        scores = np.array([-case.results[n]["score"] for n in mine])
        order = [mine[i] for i in np.argsort(scores, kind="mergesort")][:ev.params.maxDets[-1]]
        got = np.array(_core.keypoint_oks(dets, order, gts, list(ev.params.kpt_oks_sigmas)))
        assert np.array_equal(got.reshape(theirs.shape), theirs), (img, cat, got, theirs)
        compared += theirs.size
    return compared
