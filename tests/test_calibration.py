"""The calibration analysis against hotcoco 1.3's COCOeval.calibration() (the oracle), on random
ground truth and results, through `detection-studio score`; its options; its report chart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import COCO_FIXTURE, error_line, run_ds
from diagnostics_cases import hotcoco_eval, score, write_case

TOLERANCE = 1e-9
# (seed, bins, IoU): hotcoco takes only its own IoU thresholds (0.9 is 0.8999999999999999 there).
CASES = [(seed, bins, iou) for seed, (bins, iou) in enumerate(
    [(10, 0.5), (10, 0.75), (7, 0.5), (1, 0.5), (15, 0.9), (20, 0.95), (10, 0.55), (3, 0.5),
     (100, 0.5), (12, 0.7), (10, 0.5), (5, 0.85), (100, 0.75), (25, 0.6), (10, 0.5), (10, 0.65)])]


def differences(ours: dict[str, Any], want: dict[str, Any]) -> list[float]:
    """Every number's |ours - hotcoco|; fails on anything that is not a number apart."""
    assert ours["n_bins"] == want["n_bins"]
    assert ours["num_detections"] == want["num_detections"]
    assert abs(ours["iou_threshold"] - want["iou_threshold"]) < 1e-9
    out = [abs(ours["ece"] - want["ece"]), abs(ours["mce"] - want["mce"])]
    assert len(ours["bins"]) == len(want["bins"])
    for a, b in zip(ours["bins"], want["bins"], strict=True):
        assert a["count"] == b["count"]
        out += [abs(a[k] - b[k]) for k in ("bin_lower", "bin_upper", "avg_confidence",
                                           "avg_accuracy")]
    by_name = {c["name"]: c for c in ours["per_category"]}
    assert sorted(by_name) == sorted(want["per_category"])
    out += [abs(by_name[n]["ece"] - e) for n, e in want["per_category"].items()]
    return out


def test_parity_with_hotcoco(tmp_path: Path) -> None:
    worst = 0.0
    for seed, bins, iou in CASES:
        gt_file, dt_file = write_case(tmp_path, seed)
        want = hotcoco_eval(gt_file, dt_file).calibration(n_bins=bins, iou_threshold=iou)
        metrics = score(gt_file, dt_file, tmp_path / f"m{seed}.json", "--analyses", "calibration",
                        "--calibration-bins", str(bins), "--calibration-iou", str(iou))
        diffs = differences(metrics["calibration"], want)
        worst = max(worst, *diffs)
        assert max(diffs) <= TOLERANCE, (seed, bins, iou, max(diffs))
    # the cases are not all trivial: detections were binned and some were wrong
    assert worst <= TOLERANCE


def test_described_for_compare_and_the_report(tmp_path: Path) -> None:
    gt_file, dt_file = write_case(tmp_path, 3)
    metrics = score(gt_file, dt_file, tmp_path / "metrics.json", "--analyses", "calibration")
    (section,) = [s for s in metrics["schema"]["sections"] if s["id"] == "calibration"]
    assert [v["key"] for v in section["values"]][:2] == ["calibration.ece", "calibration.mce"]
    assert [c["kind"] for c in section["charts"]] == ["reliability"]
    report = tmp_path / "report.html"
    done = subprocess.run([sys.executable, "-m", "detection_studio.report", tmp_path / "metrics.json",
                           "--output", report], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    html = report.read_text(encoding="utf-8")
    start = html.index('<section id="calibration"')
    ours = html[start:html.index("</section>", start)]
    assert 'data-chart="reliability-calibration"' in ours and "<svg" in ours
    assert f'data-v="{metrics["calibration"]["ece"]!r}"' in ours
    assert "No calibration bins" not in ours


def test_not_in_the_default_analyses(tmp_path: Path) -> None:
    gt_file, dt_file = write_case(tmp_path, 1)
    metrics = score(gt_file, dt_file, tmp_path / "metrics.json")
    assert "calibration" not in metrics and "f_scores" not in metrics
    assert "thresholds" in metrics


@pytest.mark.parametrize(("option", "value"), [
    ("--calibration-bins", "0"), ("--calibration-bins", "2.5"), ("--calibration-iou", "0"),
    ("--calibration-iou", "1.5"), ("--f-beta", "0"), ("--f-beta", "nan"),
])
def test_bad_option_one_line(tmp_path: Path, option: str, value: str) -> None:
    gt_file, dt_file = write_case(tmp_path, 2)
    done = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--analyses", "calibration,f_scores",
                  option, value)
    assert done.returncode == 2
    assert option in error_line(done)


def test_real_results(tmp_path: Path) -> None:
    """pycocotools' own fake results on 100 val2014 images (80 classes, 734 detections kept)."""
    gt_file = COCO_FIXTURE / "instances_val2014_100.json"
    dt_file = COCO_FIXTURE / "instances_val2014_fakebbox100_results.json"
    ev = hotcoco_eval(gt_file, dt_file)
    metrics = score(gt_file, dt_file, tmp_path / "m.json", "--analyses", "calibration,f_scores")
    assert max(differences(metrics["calibration"], ev.calibration())) <= TOLERANCE
    for name, value in ev.f_scores().items():
        assert abs(metrics["f_scores"][name] - value) <= TOLERANCE, name


def test_comparison_has_their_columns(tmp_path: Path) -> None:
    """Two runs side by side: ECE, MCE and F1 are columns of the runs table, from the schema."""
    from detection_studio.report import build_report

    runs = []
    for seed in (4, 5):
        gt_file, dt_file = write_case(tmp_path, seed)
        runs.append(score(gt_file, dt_file, tmp_path / f"m{seed}.json", "--analyses",
                          "calibration,f_scores"))
    html = build_report(runs)
    start = html.index('id="runs-table"')
    header = html[start:html.index("</thead>", start)]
    for label in ("<th>ECE</th>", "<th>MCE</th>", "<th>F1</th>", "<th>F1_50</th>"):
        assert label in header
    for run in runs:
        assert f'data-v="{run["calibration"]["ece"]!r}"' in html
        assert f'data-v="{run["f_scores"]["F1"]!r}"' in html
