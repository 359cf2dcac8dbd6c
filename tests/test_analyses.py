"""The analyses in metrics.json (thresholds, confusion, tide, per_image) against independent
oracles: tidecv 1.0.1 for TIDE, pycocotools' per-image matching for the P/R/F1 curves and the
per-image counts, a hand-worked matrix and a direct reading of the rules for the confusion
matrix; and the options and terminal lines of `score`. Cases: tests/analysis_cases.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from analysis_cases import (
    Case,
    confusion_reference,
    demo_case,
    kept,
    per_image_reference,
    polygon,
    random_case,
    thresholds_reference,
    tide_difference,
    tidecv_reference,
)
from conftest import run_ds

ANALYSES = ("thresholds", "confusion", "tide", "per_image")
RANDOM_SEEDS = range(150)


def score(folder: Path, case: Case, *args: str) -> dict[str, Any]:
    gt_file, dt_file = case.write(folder)
    out = folder / "metrics.json"
    done = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--output", out, "--quiet", *args,
                  timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def demo(shapes_val: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Case, Path, dict]:
    case = demo_case(shapes_val / "annotations" / "instances_val.json")
    folder = tmp_path_factory.mktemp("demo")
    return case, folder, score(folder, case)


@pytest.fixture(scope="module")
def random_runs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Case, Path, dict]]:
    """The random cases with results (tidecv and pycocotools need at least one detection)."""
    runs = []
    root = tmp_path_factory.mktemp("random")
    for seed in RANDOM_SEEDS:
        case = random_case(seed)
        if case.results:
            runs.append((case, root / str(seed), score(root / str(seed), case)))
    return runs


def test_random_cases_cover_the_rules(random_runs: list[tuple[Case, Path, dict]]) -> None:
    def count(pred: Any) -> int:
        return sum(1 for case, _, _ in random_runs if pred(case))

    assert len(random_runs) >= 140
    assert count(lambda c: any(a["iscrowd"] for a in c.gt["annotations"])) >= 30
    with_gt = lambda c: {a["image_id"] for a in c.gt["annotations"]}
    with_dt = lambda c: {d["image_id"] for d in c.results}
    assert count(lambda c: len(with_gt(c)) < len(c.gt["images"])) >= 30
    assert count(lambda c: len(with_dt(c)) < len(c.gt["images"])) >= 30
    assert count(lambda c: len({d["score"] for d in c.results}) < len(c.results)) >= 30
    assert count(lambda c: len(kept(c)) < len(c.results)) >= 3


# --- TIDE ----------------------------------------------------------------------------------

def test_tide_equals_tidecv_on_the_demo(demo: tuple[Case, Path, dict]) -> None:
    _, folder, metrics = demo
    ref = tidecv_reference(folder / "gt.json", folder / "dt.json")
    assert ref is not None
    tide = metrics["tide"]
    assert tide_difference(tide, ref) <= 1e-9
    assert tide["counts"] == ref["counts"]
    # The perturbations make every kind of error.
    assert all(tide["counts"][k] > 0 for k in ("Cls", "Loc", "Dupe", "Bkg", "Miss"))
    assert 20 < tide["ap50"] < 95


def test_tide_equals_tidecv_on_random_cases(random_runs: list[tuple[Case, Path, dict]]) -> None:
    compared, worst = 0, 0.0
    for _case, folder, metrics in random_runs:
        ref = tidecv_reference(folder / "gt.json", folder / "dt.json")
        if ref is None:  # tidecv divides by zero (no ground truth at all): we give zeros
            tide = metrics["tide"]
            assert tide["ap50"] == 0 and not any(tide["main"].values())
            assert not any(tide["special"].values())
            continue
        diff = tide_difference(metrics["tide"], ref)
        assert diff <= 1e-9, (folder, metrics["tide"], ref)
        assert metrics["tide"]["counts"] == ref["counts"], folder
        compared, worst = compared + 1, max(worst, diff)
    assert compared >= 100


# --- thresholds ----------------------------------------------------------------------------

def assert_curves_equal(ours: dict[str, Any], ref: dict[str, Any]) -> None:
    def close(a: Any, b: Any) -> bool:
        if a is None or b is None:
            return a is b
        return abs(a - b) <= 1e-12

    assert ours["iou"] == ref["iou"]
    assert ours["score_grid"] == ref["score_grid"]
    pairs = [(ours["overall"], ref["overall"])] + list(zip(ours["classes"], ref["classes"],
                                                           strict=True))
    for a, b in pairs:
        assert a.get("category_id") == b.get("category_id") and a.get("name") == b.get("name")
        assert (a["gt"], a["detections"]) == (b["gt"], b["detections"])
        for key in ("precision", "recall", "f1"):
            assert len(a[key]) == 101
            assert all(close(x, y) for x, y in zip(a[key], b[key])), (key, a[key], b[key])
        if b["best"] is None:
            assert a["best"] is None
        else:
            assert a["best"]["score"] == b["best"]["score"]
            assert all(close(a["best"][k], b["best"][k]) for k in ("precision", "recall", "f1"))


def test_thresholds_equal_pycocotools_matching_on_the_demo(demo: tuple[Case, Path, dict]) -> None:
    case, _, metrics = demo
    assert_curves_equal(metrics["thresholds"], thresholds_reference(case, 0.5))
    best = metrics["thresholds"]["overall"]["best"]
    assert 0.5 < best["f1"] < 1


def test_thresholds_equal_pycocotools_matching_on_random_cases(
        random_runs: list[tuple[Case, Path, dict]]) -> None:
    for case, _, metrics in random_runs:
        assert_curves_equal(metrics["thresholds"], thresholds_reference(case, 0.5))


def test_equal_ious_take_the_first_ground_truth(tmp_path: Path) -> None:
    """The one place our matching and pycocotools' differ, kept out of the random cases: a
    detection with exactly equal IoUs to two free boxes takes the first (pycocotools: the
    last), which leaves the second for a later detection that overlaps only it."""
    gt = {"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
          "categories": [{"id": 1, "name": "cat"}],
          "annotations": [{"id": i + 1, "image_id": 1, "category_id": 1, "bbox": b,
                           "area": 100.0, "iscrowd": 0, "segmentation": polygon(b)}
                          for i, b in enumerate([box(0, 0), box(2, 0)])]}
    results = [{"image_id": 1, "category_id": 1, "bbox": box(1, 0), "score": 0.9},   # 9/11 both
               {"image_id": 1, "category_id": 1, "bbox": box(4, 0), "score": 0.8}]   # 2/3, 3/7
    case = Case(gt, results)
    metrics = score(tmp_path, case)
    assert metrics["thresholds"]["overall"]["recall"][0] == 1.0
    assert thresholds_reference(case, 0.5)["overall"]["recall"][0] == 0.5
    assert [(i["tp"], i["fp"], i["fn"]) for i in metrics["per_image"]["images"]] == [(2, 0, 0)]


def test_analysis_iou_changes_the_matching(demo: tuple[Case, Path, dict],
                                           tmp_path: Path) -> None:
    case, _, at50 = demo
    metrics = score(tmp_path, case, "--analysis-iou", "0.75")
    ref = thresholds_reference(case, 0.75)
    assert_curves_equal(metrics["thresholds"], ref)
    assert all(metrics[a]["iou"] == 0.75 for a in ("thresholds", "confusion", "per_image"))
    assert metrics["thresholds"]["overall"]["recall"][0] < at50["thresholds"]["overall"]["recall"][0]
    assert metrics["confusion"]["counts"] != at50["confusion"]["counts"]
    # TIDE keeps tidecv's fixed thresholds (t_f 0.5, t_b 0.1).
    assert metrics["tide"] == at50["tide"]


def test_all_analyses_at_iou_075_on_random_cases(tmp_path: Path) -> None:
    for seed in RANDOM_SEEDS[:50]:
        case = random_case(seed)
        if not case.results:
            continue
        metrics = score(tmp_path / str(seed), case, "--analysis-iou", "0.75")
        assert_curves_equal(metrics["thresholds"], thresholds_reference(case, 0.75))
        c = metrics["confusion"]
        assert c["counts"] == confusion_reference(case, 0.75, c["score_threshold"])
        check_per_image(case, metrics)


# --- confusion -----------------------------------------------------------------------------

def box(x: float, y: float, w: float = 10, h: float = 10) -> list[float]:
    return [float(x), float(y), float(w), float(h)]


def hand_case() -> Case:
    images = [{"id": i, "file_name": f"{i}.jpg", "width": 200, "height": 200} for i in (1, 2, 3, 4)]
    cats = [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]
    gts = [  # (image, class, box, crowd)
        (1, 1, box(0, 0), 0),          # A: taken by a dog detection (no dog box there)
        (1, 2, box(50, 50), 0),        # B: found, then a duplicate
        (1, 1, box(100, 100), 0),      # C: only a detection under the cut: missed
        (1, 2, box(0, 100, 40, 40), 1),  # D: a crowd of dogs
        (3, 2, box(20, 20), 0),        # an image without detections: missed
        (4, 1, box(0, 0), 0),          # E: its class first, though F overlaps more
        (4, 2, box(2, 0), 0),          # F: then missed
    ]
    anns = [{"id": i + 1, "image_id": im, "category_id": c, "bbox": b, "area": b[2] * b[3],
             "iscrowd": crowd, "segmentation": polygon(b)}
            for i, (im, c, b, crowd) in enumerate(gts)]
    dets = [  # (image, class, box, score)
        (1, 2, box(0, 0), 0.9),      # dog on A: GT cat, predicted dog
        (1, 1, box(1, 0), 0.8),      # cat on A, taken: background
        (1, 2, box(50, 50), 0.7),    # dog on B: right
        (1, 2, box(50, 51), 0.6),    # duplicate on B: background
        (1, 2, box(5, 105), 0.5),    # inside the dog crowd: not counted
        (1, 1, box(150, 0), 0.4),    # nothing there: background
        (1, 1, box(100, 100), 0.1),  # under the cut
        (2, 1, box(30, 30), 0.95),   # an image without ground truth: background
        (4, 1, box(2, 0), 0.9),      # IoU 1 with F (dog), 2/3 with E (cat): takes E
    ]
    results = [{"image_id": im, "category_id": c, "bbox": b, "score": s}
               for im, c, b, s in dets]
    return Case({"images": images, "categories": cats, "annotations": anns}, results)


def test_confusion_matrix_of_a_hand_made_case(tmp_path: Path) -> None:
    metrics = score(tmp_path, hand_case(), "--score-threshold", "0.3")
    c = metrics["confusion"]
    assert (c["iou"], c["score_threshold"]) == (0.5, 0.3)
    assert c["labels"] == ["cat", "dog", "background"]
    assert c["category_ids"] == [1, 2]
    #                 predicted: cat dog background
    assert c["counts"] == [[1, 1, 1],   # cat: E; A (as dog); C
                           [0, 1, 2],   # dog: B; the image without detections, F
                           [3, 1, 0]]   # background: cat on taken A, at (150, 0), on image 2; dupe
    assert c["normalized"] == [[1 / 3, 1 / 3, 1 / 3], [0, 1 / 3, 2 / 3], [0.75, 0.25, 0]]
    assert c["counts"] == confusion_reference(hand_case(), 0.5, 0.3)

    p = metrics["per_image"]
    assert [(i["image_id"], i["tp"], i["fp"], i["fn"]) for i in p["images"]] == [
        (1, 2, 3, 1),  # cat on A, dog on B; dog on A, dupe, (150, 0); C (crowd one ignored)
        (2, 0, 1, 0),
        (3, 0, 0, 1),
        (4, 1, 0, 1),
    ]
    assert p["worst"] == [1, 2, 3, 4]
    # The dog detection that took A costs the cat class its match on the diagonal.
    trace = sum(c["counts"][k][k] for k in range(2))
    assert trace == 2 < sum(i["tp"] for i in p["images"]) == 3


def confusion_invariants(case: Case, metrics: dict[str, Any]) -> None:
    c = metrics["confusion"]
    counts, cut = c["counts"], c["score_threshold"]
    cats = sorted(x["id"] for x in case.gt["categories"])
    assert c["category_ids"] == cats and len(counts) == len(cats) + 1
    assert counts[-1][-1] == 0
    # Each class's row: every non-crowd ground truth of it, once.
    for k, cat in enumerate(cats):
        n_gt = sum(1 for a in case.gt["annotations"] if a["category_id"] == cat and not a["iscrowd"])
        assert sum(counts[k]) == n_gt
    # Each predicted column: every detection at or above the cut except those a crowd region
    # of their class absorbed (none where there are no crowd regions).
    crowd = any(a["iscrowd"] for a in case.gt["annotations"])
    for k, cat in enumerate(cats):
        n_dt = sum(1 for d in kept(case) if d["category_id"] == cat and d["score"] >= cut)
        column = sum(row[k] for row in counts)
        assert column == n_dt if not crowd else column <= n_dt
    # The diagonal: the per-image true positives, less those a detection of another class
    # took first; equal when no detection took another class's ground truth.
    tp = sum(i["tp"] for i in metrics["per_image"]["images"])
    trace = sum(counts[k][k] for k in range(len(cats)))
    off = sum(counts[g][p] for g in range(len(cats)) for p in range(len(cats)) if g != p)
    assert trace <= tp
    if off == 0:
        assert trace == tp
    total = sum(sum(r) for r in c["normalized"] if None not in r)
    assert abs(total - sum(1 for r in counts if sum(r))) < 1e-9


def test_confusion_on_the_demo(demo: tuple[Case, Path, dict]) -> None:
    case, _, metrics = demo
    c = metrics["confusion"]
    assert c["score_threshold"] == metrics["thresholds"]["overall"]["best"]["score"]
    assert c["counts"] == confusion_reference(case, 0.5, c["score_threshold"])
    confusion_invariants(case, metrics)
    assert c["labels"][-1] == "background" and len(c["labels"]) == 7


def test_confusion_on_random_cases(random_runs: list[tuple[Case, Path, dict]]) -> None:
    off_diagonal = 0
    for case, _, metrics in random_runs:
        c = metrics["confusion"]
        best = metrics["thresholds"]["overall"]["best"]
        assert c["score_threshold"] == (best["score"] if best else 0.0)
        assert c["counts"] == confusion_reference(case, 0.5, c["score_threshold"])
        confusion_invariants(case, metrics)
        k = len(c["category_ids"])
        off_diagonal += any(c["counts"][g][p] for g in range(k) for p in range(k) if g != p)
    assert off_diagonal >= 20


def test_score_threshold_sets_the_cut(demo: tuple[Case, Path, dict], tmp_path: Path) -> None:
    case, _, default = demo
    metrics = score(tmp_path, case, "--score-threshold", "0.2")
    assert metrics["confusion"]["score_threshold"] == 0.2
    assert metrics["per_image"]["score_threshold"] == 0.2
    assert metrics["confusion"]["counts"] == confusion_reference(case, 0.5, 0.2)
    assert metrics["confusion"]["counts"] != default["confusion"]["counts"]
    assert metrics["thresholds"] == default["thresholds"]  # the curves do not depend on it
    check_per_image(case, metrics)


# --- per image -----------------------------------------------------------------------------

def check_per_image(case: Case, metrics: dict[str, Any]) -> None:
    p = metrics["per_image"]
    cut, iou = p["score_threshold"], p["iou"]
    images = p["images"]
    assert [i["image_id"] for i in images] == [im["id"] for im in case.gt["images"]]
    assert [i["file_name"] for i in images] == [im["file_name"] for im in case.gt["images"]]
    ref = per_image_reference(case, iou, cut)
    assert {i["image_id"]: (i["tp"], i["fp"], i["fn"]) for i in images} == ref
    for i in images:
        n_gt = sum(1 for a in case.gt["annotations"]
                   if a["image_id"] == i["image_id"] and not a["iscrowd"])
        assert i["tp"] + i["fn"] == n_gt
    # Consistent with the thresholds' curve when the cut is on the grid or is the best F1's.
    overall = metrics["thresholds"]["overall"]
    tp = sum(i["tp"] for i in images)
    if overall["gt"]:
        if overall["best"] and cut == overall["best"]["score"]:
            assert tp == round(overall["best"]["recall"] * overall["gt"])
        if cut in metrics["thresholds"]["score_grid"]:
            g = metrics["thresholds"]["score_grid"].index(cut)
            assert tp == round(overall["recall"][g] * overall["gt"])
    # The worst: most errors first (ties in image order), at most 12, none without an error.
    errors = [(i["fp"] + i["fn"], i["image_id"]) for i in images]
    expected = [im for e, im in sorted(errors, key=lambda x: -x[0]) if e > 0][:12]
    assert p["worst"] == expected


def test_per_image_on_the_demo(demo: tuple[Case, Path, dict]) -> None:
    case, _, metrics = demo
    check_per_image(case, metrics)
    assert len(metrics["per_image"]["worst"]) == 12


def test_per_image_on_random_cases(random_runs: list[tuple[Case, Path, dict]]) -> None:
    for case, _, metrics in random_runs:
        assert metrics["per_image"]["score_threshold"] == metrics["confusion"]["score_threshold"]
        check_per_image(case, metrics)


# --- the command line ----------------------------------------------------------------------

def test_analyses_none_and_one(tmp_path: Path) -> None:
    case = hand_case()
    none = score(tmp_path / "none", case, "--analyses", "none")
    assert not set(ANALYSES) & set(none)
    assert "coco_stats" in none
    tide = score(tmp_path / "tide", case, "--analyses", "tide")
    assert [a for a in ANALYSES if a in tide] == ["tide"]
    two = score(tmp_path / "two", case, "--analyses", "per_image,thresholds")
    assert [a for a in ANALYSES if a in two] == ["thresholds", "per_image"]
    every = score(tmp_path / "all", case)
    assert all(a in every for a in ANALYSES)
    assert two["per_image"] == every["per_image"]


@pytest.mark.parametrize(("args", "named"), [
    (["--analyses", "tide,nonsense"], "nonsense"),
    (["--score-threshold", "2"], "--score-threshold"),
    (["--score-threshold", "-0.5"], "--score-threshold"),
    (["--analysis-iou", "0"], "--analysis-iou"),
    (["--analysis-iou", "1.5"], "--analysis-iou"),
])
def test_bad_options_are_usage_errors(tmp_path: Path, args: list[str], named: str) -> None:
    gt_file, dt_file = hand_case().write(tmp_path)
    done = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--output", tmp_path / "m.json",
                  *args)
    assert done.returncode == 2, done.stderr
    # One line naming the problem (as every usage error of the CLI).
    assert len(done.stderr.splitlines()) == 1
    first = done.stderr.splitlines()[0]
    assert first.startswith("detection-studio score: ") and named in first
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "m.json").exists()


def test_terminal_lines(demo: tuple[Case, Path, dict]) -> None:
    _, folder, metrics = demo
    done = run_ds("score", "--gt", folder / "gt.json", "--dt", folder / "dt.json")
    assert done.returncode == 0, done.stderr
    best = metrics["thresholds"]["overall"]["best"]
    line = next(x for x in done.stdout.splitlines() if x.startswith("Best F1"))
    assert line.startswith(f"Best F1 {best['f1']:.3f} at score >= {best['score']:.3f}")
    assert f"precision {best['precision']:.3f}, recall {best['recall']:.3f}" in line
    tide = next(x for x in done.stdout.splitlines() if x.startswith("TIDE errors"))
    assert f"AP50 {metrics['tide']['ap50']:.2f}" in tide
    largest = max(metrics["tide"]["main"], key=metrics["tide"]["main"].get)
    assert f"{largest} {metrics['tide']['main'][largest]:.2f}" in tide
    quiet = run_ds("score", "--gt", folder / "gt.json", "--dt", folder / "dt.json",
                   "--analyses", "none")
    assert "Best F1" not in quiet.stdout and "TIDE" not in quiet.stdout


def test_detections_of_unknown_categories_are_left_out_alike(tmp_path: Path) -> None:
    # A category the ground truth does not have: not a false positive anywhere but in TIDE,
    # which (as tidecv) calls it background.
    gt = {"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
          "categories": [{"id": 1, "name": "cat"}],
          "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10],
                           "area": 100, "iscrowd": 0, "segmentation": polygon([0, 0, 10, 10])}]}
    dt = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9},
          {"image_id": 1, "category_id": 99, "bbox": [50, 50, 10, 10], "score": 0.8}]
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    (tmp_path / "dt.json").write_text(json.dumps(dt))
    # A bare relative --output in the working folder, too.
    done = run_ds("score", "--gt", "gt.json", "--dt", "dt.json", "--output", "m.json", "--quiet",
                  "--score-threshold", "0.5", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    m = json.loads((tmp_path / "m.json").read_text())
    assert [(i["tp"], i["fp"], i["fn"]) for i in m["per_image"]["images"]] == [(1, 0, 0)]
    assert m["confusion"]["counts"] == [[1, 0], [0, 0]]
    assert m["thresholds"]["overall"]["detections"] == 1
    assert m["tide"]["counts"]["Bkg"] == 1
