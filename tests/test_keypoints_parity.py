"""detection_studio.coco with iouType='keypoints' against pycocotools 2.0.11 (the oracle) on
random cases: the 10 stats and eval['precision'|'recall'|'scores'] must be the same doubles
(np.array_equal, not isclose), and the printed summary the same text. See keypoint_cases for
what the cases aim at."""

from __future__ import annotations

import numpy as np
from coco_cases import examples
from hypothesis import given
from hypothesis import strategies as st
from keypoint_cases import Case, assert_same, assert_same_oks, cases, params


@examples(400)
@given(cases())
def test_default_params(case: Case) -> None:
    assert assert_same(case) == 0.0


@examples(200)
@given(st.data())
def test_custom_params(data: st.DataObject) -> None:
    case = data.draw(cases())
    case.params = data.draw(params(case))
    assert_same(case)


@examples(40)
@given(cases(many_dets=True))
def test_more_detections_than_max_dets(case: Case) -> None:
    assert_same(case)


@examples(100)
@given(cases(k=5))
def test_other_skeletons_with_their_sigmas(case: Case) -> None:
    # pycocotools' one sigma vector for every category, set by the user (five keypoints here).
    case.params["kpt_oks_sigmas"] = np.array([0.5, 0.35, 0.72, 1.07, 0.89]) / 10.0
    assert_same(case)


@examples(30)
@given(cases())
def test_results_and_ground_truth_from_files(case: Case) -> None:
    # loadRes from a file path (with boxes, or without: the core reads the keypoints' extent).
    import contextlib
    import io
    import json
    import tempfile
    from pathlib import Path

    from detection_studio import coco as ds_coco
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with tempfile.TemporaryDirectory() as tmp:
        gt_file, dt_file = Path(tmp) / "gt.json", Path(tmp) / "dt.json"
        gt_file.write_text(json.dumps(case.gt))
        dt_file.write_text(json.dumps(case.results))
        stats = []
        with contextlib.redirect_stdout(io.StringIO()):
            for lib_coco, lib_eval in ((ds_coco.COCO, ds_coco.COCOeval), (COCO, COCOeval)):
                g = lib_coco(str(gt_file))
                dt = g.loadRes(str(dt_file))
                e = lib_eval(g, dt, "keypoints")
                e.evaluate()
                e.accumulate()
                e.summarize()
                stats.append((e.stats, e.eval["precision"], dt.loadAnns(dt.getAnnIds())))
    assert np.array_equal(stats[0][0], stats[1][0])
    assert np.array_equal(stats[0][1], stats[1][1])
    # loadRes' dicts: the same boxes and areas.
    for ours, theirs in zip(stats[0][2], stats[1][2]):
        assert [float(v) for v in ours["bbox"]] == [float(v) for v in theirs["bbox"]]
        assert float(ours["area"]) == float(theirs["area"])


@examples(300)
@given(cases())
def test_oks_values_are_the_same_doubles(case: Case) -> None:
    assert_same_oks(case)


@examples(100)
@given(cases(k=5))
def test_oks_values_with_other_sigmas(case: Case) -> None:
    assert_same_oks(case, np.array([0.5, 0.35, 0.72, 1.07, 0.89]) / 10.0)
