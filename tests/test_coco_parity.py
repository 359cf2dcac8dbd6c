"""detection_studio.coco against pycocotools 2.0.11 (the oracle) on random cases: the 12 stats
and eval['precision'|'recall'|'scores'] must be the same doubles (np.array_equal, not isclose).
The cases aim at pycocotools' rules: crowd regions, tied scores, areas exactly 1024 and 9216,
IoU exactly at a threshold, images and categories without ground truth, more than maxDets
detections, annotation id 0, repeated annotation ids, and every parameter users change."""

from __future__ import annotations

from coco_cases import Case, assert_same, cases, examples, params
from hypothesis import given
from hypothesis import strategies as st


@examples(400)
@given(cases())
def test_default_params(case: Case) -> None:
    assert_same(case)


@examples(400)
@given(st.data())
def test_custom_params(data: st.DataObject) -> None:
    case = data.draw(cases())
    case.params = data.draw(params(case))
    assert_same(case)


@examples(25)
@given(cases(max_dets_per_image=3, many_dets=True))
def test_more_detections_than_max_dets(case: Case) -> None:
    assert_same(case)


@examples(100)
@given(st.data())
def test_repeated_annotation_ids(data: st.DataObject) -> None:
    # pycocotools evaluates the last annotation with an id in place of each one with that id.
    case = data.draw(cases(duplicate_ids=True))
    if data.draw(st.booleans()):
        case.params = data.draw(params(case))
    assert_same(case)
