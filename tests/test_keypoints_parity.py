"""detection_studio.coco with iouType='keypoints' against pycocotools 2.0.11 (the oracle) on
random cases: the 10 stats and eval['precision'|'recall'|'scores'] must be the same doubles
(np.array_equal, not isclose), and the printed summary the same text. See keypoint_cases for
what the cases aim at."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from keypoint_cases import Case, assert_same, cases, params


def examples(n: int) -> settings:
    # Derandomized: `make test` runs the same cases every time (a failure reproduces).
    return settings(max_examples=n, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


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
