"""The label_errors analysis against hotcoco 1.3's COCOeval.image_diagnostics()["label_errors"]
(the oracle), on random ground truth and results, through `detection-studio score`."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from diagnostics_cases import score, write_case

hotcoco = pytest.importorskip("hotcoco")

TOLERANCE = 1e-12
FIELDS = ["image_id", "dt_id", "dt_category", "dt_category_id", "gt_id", "gt_category",
          "gt_category_id", "type"]


def hotcoco_label_errors(gt_file: Path, dt_file: Path, iou: float, score_thr: float) -> list[Any]:
    with contextlib.redirect_stdout(io.StringIO()):
        gt = hotcoco.COCO(str(gt_file))
        ev = hotcoco.COCOeval(gt, gt.load_res(str(dt_file)), "bbox")
        ev.evaluate()
        errors: list[Any] = ev.image_diagnostics(iou_thr=iou, score_thr=score_thr)["label_errors"]
    return errors


def joined_case(folder: Path, seed: int) -> tuple[Path, Path]:
    """Several random cases on one image each, so classes overlap (wrong labels happen)."""
    gt_file, dt_file = write_case(folder, seed)
    gt = json.loads(gt_file.read_text())
    gt["annotations"] = [dict(a, id=i + 1) for i, a in enumerate(gt["annotations"])]
    gt_file.write_text(json.dumps(gt))  # unique annotation ids (hotcoco warns on repeats)
    return gt_file, dt_file


# hotcoco takes IoU thresholds of its iouThrs only (0.5, 0.55, ..., 0.95)
@pytest.mark.parametrize("options", [(0.5, 0.5), (0.5, 0.3), (0.75, 0.6), (0.5, 0.0), (0.95, 0.2)])
def test_parity_with_hotcoco(tmp_path: Path, options: tuple[float, float]) -> None:
    iou, score_thr = options
    kinds = {"wrong_label": 0, "missing_annotation": 0}
    worst = 0.0
    for seed in range(200, 240):
        gt_file, dt_file = joined_case(tmp_path, seed)
        want = hotcoco_label_errors(gt_file, dt_file, iou, score_thr)
        metrics = score(gt_file, dt_file, tmp_path / f"m{seed}.json", "--analyses", "label_errors",
                        "--analysis-iou", str(iou), "--score-threshold", str(score_thr))
        ours = metrics["label_errors"]["candidates"]
        assert [[e[k] for k in FIELDS] for e in ours] == [[e[k] for k in FIELDS] for e in want], seed
        for a, b in zip(ours, want, strict=True):
            worst = max(worst, abs(a["dt_score"] - b["dt_score"]), abs(a["iou"] - b["iou"]))
            kinds[b["type"]] += 1
        assert metrics["label_errors"]["wrong_label"] == sum(e["type"] == "wrong_label" for e in want)
    print(f"label errors compared: {kinds}, max difference {worst:.3g}")
    assert worst <= TOLERANCE
    assert kinds["missing_annotation"] > 50 and (kinds["wrong_label"] > 0 or iou > 0.9)


def test_described(tmp_path: Path) -> None:
    gt_file, dt_file = joined_case(tmp_path, 3)
    metrics = score(gt_file, dt_file, tmp_path / "m.json", "--analyses", "label_errors")
    (section,) = [s for s in metrics["schema"]["sections"] if s["id"] == "label_errors"]
    assert [v["key"] for v in section["values"]] == ["label_errors.wrong_label",
                                                     "label_errors.missing_annotation"]
    assert section["tables"][0]["key"] == "label_errors.candidates"
    assert metrics["label_errors"]["score_threshold"] == 0.5
