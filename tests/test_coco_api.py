"""detection_studio.coco as a drop-in for pycocotools: the fixture's published numbers, the three
ways to give results, the quirks reproduced on purpose, and the errors for bad input."""

from __future__ import annotations

import contextlib
import copy
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from coco_cases import Case, run
from conftest import COCO_FIXTURE, pycocotools_eval
from detection_studio import coco as ds_coco

FIXTURE = COCO_FIXTURE
GT_FILE = FIXTURE / "instances_val2014_100.json"
DT_FILE = FIXTURE / "instances_val2014_fakebbox100_results.json"


def expected_stats() -> list[float]:
    return json.loads((FIXTURE / "expected_bbox_stats.json").read_text())["stats"]


def evaluate(gt: ds_coco.COCO, dt: ds_coco.COCO) -> ds_coco.COCOeval:
    with contextlib.redirect_stdout(io.StringIO()):
        ev = ds_coco.COCOeval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


@pytest.fixture(scope="module")
def fixture_eval() -> tuple[ds_coco.COCOeval, Any]:
    ref = pycocotools_eval(GT_FILE, DT_FILE)
    gt2 = ds_coco.COCO(str(GT_FILE))
    return evaluate(gt2, gt2.loadRes(str(DT_FILE))), ref


def test_fixture_gives_the_published_stats(fixture_eval: Any) -> None:
    ours, ref = fixture_eval
    assert ours.stats.tolist() == expected_stats()
    for key in ("precision", "recall", "scores"):
        assert np.array_equal(ours.eval[key], ref.eval[key])
    assert ours.eval["counts"] == [10, 101, 80, 4, 3]
    assert ours.eval["params"] is ours.params


def test_summary_text_is_pycocotools_text() -> None:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    texts = []
    for coco_cls, eval_cls in ((COCO, COCOeval), (ds_coco.COCO, ds_coco.COCOeval)):
        with contextlib.redirect_stdout(io.StringIO()):
            gt = coco_cls(str(GT_FILE))
            ev = eval_cls(gt, gt.loadRes(str(DT_FILE)), "bbox")
            ev.evaluate()
            ev.accumulate()
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            ev.summarize()
        texts.append(out.getvalue())
    assert texts[0] == texts[1]
    assert texts[0].count("\n") == 12


def test_results_as_list_and_array_equal_file() -> None:
    gt = ds_coco.COCO(str(GT_FILE))
    records = json.loads(DT_FILE.read_text())
    rows = np.array([[r["image_id"], *r["bbox"], r["score"], r["category_id"]] for r in records])
    for res in (records, rows):
        with contextlib.redirect_stdout(io.StringIO()):
            dt = gt.loadRes(res)
        assert evaluate(gt, dt).stats.tolist() == expected_stats()


def test_lookups_match_pycocotools() -> None:
    from pycocotools.coco import COCO

    with contextlib.redirect_stdout(io.StringIO()):
        ref = COCO(str(GT_FILE))
        ours = ds_coco.COCO(str(GT_FILE))
        ref_dt, our_dt = ref.loadRes(str(DT_FILE)), ours.loadRes(str(DT_FILE))
    assert ours.getImgIds() == ref.getImgIds()
    assert ours.getCatIds() == ref.getCatIds()
    assert ours.getCatIds(catNms=["person", "dog"]) == ref.getCatIds(catNms=["person", "dog"])
    img = ref.getImgIds()[3]
    assert ours.getAnnIds(imgIds=img) == ref.getAnnIds(imgIds=img)
    assert ours.getAnnIds(catIds=[1], iscrowd=0) == ref.getAnnIds(catIds=[1], iscrowd=0)
    assert ours.getImgIds(catIds=[18]) == ref.getImgIds(catIds=[18])
    assert ours.loadAnns(ours.getAnnIds(imgIds=img)) == ref.loadAnns(ref.getAnnIds(imgIds=img))
    assert ours.loadImgs(img) == ref.loadImgs(img)
    assert ours.loadCats([1, 2]) == ref.loadCats([1, 2])
    assert our_dt.dataset["annotations"] == ref_dt.dataset["annotations"]
    assert our_dt.getAnnIds(imgIds=img) == ref_dt.getAnnIds(imgIds=img)


def test_params_are_normalised_like_pycocotools() -> None:
    gt = ds_coco.COCO(str(GT_FILE))
    with contextlib.redirect_stdout(io.StringIO()):
        ev = ds_coco.COCOeval(gt, gt.loadRes(str(DT_FILE)), "bbox")
        ev.params.imgIds = [ev.params.imgIds[5], ev.params.imgIds[2], ev.params.imgIds[5]]
        ev.params.maxDets = [100, 1, 10]
        ev.evaluate()
    assert ev.params.imgIds == sorted(set(ev.params.imgIds))
    assert ev.params.maxDets == [1, 10, 100]


def small_case(annotations: list[dict[str, Any]], results: list[dict[str, Any]]) -> Case:
    gt = {"images": [{"id": 1}, {"id": 2}],
          "categories": [{"id": 1, "name": "a"}],
          "annotations": [{"category_id": 1, "iscrowd": 0, **a} for a in annotations]}
    for a in gt["annotations"]:
        a.setdefault("area", a["bbox"][2] * a["bbox"][3])
    return Case(gt, [{"category_id": 1, **r} for r in results])


def test_match_to_ground_truth_id_0_is_a_false_positive() -> None:
    # pycocotools records the matched ground truth's id and reads 0 as "no match".
    case = small_case([{"id": 0, "image_id": 1, "bbox": [0, 0, 10, 10]}],
                      [{"image_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9}])
    ours = run("detection_studio", case)
    assert np.array_equal(ours["stats"], run("pycocotools", case)["stats"])
    assert ours["stats"][0] == 0.0  # a perfect box, scored as a miss
    renumbered = copy.deepcopy(case)
    renumbered.gt["annotations"][0]["id"] = 1
    # 1 / (1 + eps): pycocotools' precision of a single true positive.
    assert run("detection_studio", renumbered)["stats"][0] == pytest.approx(1.0)


def test_repeated_annotation_id_takes_the_last_annotation() -> None:
    # Ids repeat across two images: pycocotools evaluates the second annotation twice (once in
    # place of the first) and the first not at all. Reproduced, so the numbers stay comparable.
    case = small_case([{"id": 7, "image_id": 1, "bbox": [0, 0, 10, 10]},
                       {"id": 7, "image_id": 2, "bbox": [50, 50, 20, 20]}],
                      [{"image_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9},
                       {"image_id": 2, "bbox": [50, 50, 20, 20], "score": 0.8}])
    ours = run("detection_studio", case)
    assert np.array_equal(ours["stats"], run("pycocotools", case)["stats"])
    assert ours["stats"][8] == 0.5  # AR100: one of two (copies of the same) ground truths found
    unique = copy.deepcopy(case)
    unique.gt["annotations"][1]["id"] = 8
    assert run("detection_studio", unique)["stats"][8] == 1.0


def test_empty_id_lists_evaluate_nothing() -> None:
    case = small_case([{"id": 1, "image_id": 1, "bbox": [0, 0, 10, 10]}],
                      [{"image_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9}])
    for name in ("imgIds", "catIds"):
        case.params = {name: []}
        ours = run("detection_studio", case)
        ref = run("pycocotools", case)
        assert np.array_equal(ours["stats"], ref["stats"])
        assert ours["precision"].shape == ref["precision"].shape
        assert (ours["stats"] == -1).all()


def test_unknown_iou_types_are_refused() -> None:
    gt = ds_coco.COCO(str(GT_FILE))
    with pytest.raises(NotImplementedError, match="boxes"):
        ds_coco.COCOeval(gt, gt, "boxes")
    ev = ds_coco.COCOeval(gt, gt, "segm")
    ev.params.iouType = "boxes"  # changed afterwards, as pycocotools allows
    with pytest.raises(NotImplementedError, match="iouType 'boxes' is not supported"):
        ev.evaluate()


def test_pycocotools_objects_are_refused_clearly() -> None:
    from pycocotools.coco import COCO

    with contextlib.redirect_stdout(io.StringIO()):
        theirs = COCO(str(GT_FILE))
    with pytest.raises(TypeError, match="cocoGt: expected a detection_studio.coco.COCO"):
        ds_coco.COCOeval(theirs, None, "bbox")


def load_res_error(results: Any) -> str:
    gt = ds_coco.COCO(str(GT_FILE))
    with contextlib.redirect_stdout(io.StringIO()), pytest.raises(ValueError) as err:
        gt.loadRes(results)
    return str(err.value)


def good_record(**changes: Any) -> dict[str, Any]:
    return {"image_id": 42, "category_id": 1, "bbox": [1.0, 2.0, 3.0, 4.0], "score": 0.5,
            **changes}


@pytest.mark.parametrize(("records", "message"), [
    ([], "results: no detections"),
    ([good_record(), good_record(image_id=123456789)],
     "results: detection [1]: image_id 123456789 is not an image of the ground truth"),
    ([good_record(), {"image_id": 42, "category_id": 1, "bbox": [1, 2, 3, 4]}],
     "results: detection [1]: missing 'score'"),
    ([good_record(score=float("nan"))], "results: detection [0]: 'score': not a finite number"),
    ([good_record(bbox=[1, 2, float("inf"), 4])],
     "results: detection [0]: 'bbox': not a finite number"),
    ([good_record(bbox=[1, 2, -3, 4])], "results: detection [0]: 'bbox': negative width"),
    ([good_record(bbox=[1, 2, 3])], "results: detection [0]: 'bbox': expected [x, y, width"),
    ([good_record(score="high")], "results: detection [0]: 'score': expected a number"),
    ([good_record(image_id=4.5)], "results: detection [0]: 'image_id': expected an integer"),
    (np.array([[42, 1, 2, 3, 4, np.nan, 1]]),
     "results array: detection [0]: 'score': not a finite number"),
    (np.zeros((2, 6)), "results array: expected N x 7 rows"),
])
def test_bad_results_name_the_record_and_field(records: Any, message: str) -> None:
    assert message in load_res_error(records)


def test_results_file_errors_name_file_and_record(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('[{"image_id": 42, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 1e999}]')
    assert f"{bad}:1:" in load_res_error(str(bad))
    assert "detection [0]: 'score'" in load_res_error(str(bad))
