"""detection_studio.coco with iouType='segm' as a drop-in for pycocotools: the same stats and
precision arrays from files, from lists of dicts (RLE counts as bytes, as pycocotools' encode
gives them, or polygons), from box results (each box its polygon), and loadRes' dicts."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import COCO_FIXTURE
from detection_studio import coco as ds_coco
from mask_cases import make_case
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

GT_FILE = COCO_FIXTURE / "instances_val2014_100.json"
SEGM_FILE = COCO_FIXTURE / "instances_val2014_fakesegm100_results.json"
BOX_FILE = COCO_FIXTURE / "instances_val2014_fakebbox100_results.json"


def both(gt: Path, results: Path) -> tuple[Any, Any]:
    """(ours, pycocotools') COCOeval of two files after evaluate, accumulate, summarize."""
    out = []
    with contextlib.redirect_stdout(io.StringIO()):
        for lib_coco, lib_eval in ((ds_coco.COCO, ds_coco.COCOeval), (COCO, COCOeval)):
            g = lib_coco(str(gt))
            e = lib_eval(g, g.loadRes(str(results)), "segm")
            e.evaluate()
            e.accumulate()
            e.summarize()
            out.append(e)
    return out[0], out[1]


def assert_same(ours: Any, theirs: Any) -> None:
    assert np.array_equal(ours.stats, theirs.stats)
    for key in ("precision", "recall", "scores"):
        assert np.array_equal(ours.eval[key], theirs.eval[key]), key


def test_fixture_files() -> None:
    ours, theirs = both(GT_FILE, SEGM_FILE)
    assert_same(ours, theirs)
    assert ours.stats[0] == pytest.approx(0.3195452758576433, abs=0)


def test_box_results_are_scored_as_their_polygons() -> None:
    assert_same(*both(GT_FILE, BOX_FILE))


def test_lists_with_rle_bytes_and_polygons() -> None:
    for seed in range(12):
        gt, results = make_case(seed)
        # Some RLE counts as bytes, as maskUtils.encode returns them.
        for r in results[::2]:
            seg = r.get("segmentation")
            if isinstance(seg, dict) and isinstance(seg["counts"], str):
                seg["counts"] = seg["counts"].encode()
        with contextlib.redirect_stdout(io.StringIO()):
            g, g2 = ds_coco.COCO(), COCO()
            for c in (g, g2):
                c.dataset = json.loads(json.dumps(gt))
                c.createIndex()
            ours = ds_coco.COCOeval(g, g.loadRes([dict(r) for r in results]), "segm")
            theirs = COCOeval(g2, g2.loadRes([dict(r) for r in results]), "segm")
            for e in (ours, theirs):
                e.evaluate()
                e.accumulate()
                e.summarize()
        assert_same(ours, theirs)


def test_loadres_dicts_of_mask_results() -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        ours = ds_coco.COCO(str(GT_FILE)).loadRes(str(SEGM_FILE))
        theirs = COCO(str(GT_FILE)).loadRes(str(SEGM_FILE))
    a, b = ours.dataset["annotations"], theirs.dataset["annotations"]
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x["area"] == float(y["area"]) and x["bbox"] == [float(v) for v in y["bbox"]]
        assert x["id"] == y["id"] and x["iscrowd"] == y["iscrowd"]


def test_bad_masks_are_value_errors() -> None:
    gt = ds_coco.COCO(str(GT_FILE))
    image = gt.getImgIds()[0]
    with contextlib.redirect_stdout(io.StringIO()):
        with pytest.raises(ValueError, match=r"results(:1:\d+)?: detection \[0\]: 'segmentation': 'counts'"):
            gt.loadRes([{"image_id": image, "category_id": 1, "score": 0.5,
                         "segmentation": {"size": [2, 2], "counts": "zz"}}])
        m = mask_utils.encode(np.asfortranarray(np.ones((4, 4), dtype=np.uint8)))
        with pytest.raises(ValueError, match=r"detection \[1\]: missing 'bbox'"):
            gt.loadRes([{"image_id": image, "category_id": 1, "score": 0.5, "bbox": [0, 0, 1, 1]},
                        {"image_id": image, "category_id": 1, "score": 0.5, "segmentation": m}])
