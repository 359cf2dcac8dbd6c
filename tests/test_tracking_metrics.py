"""score --metric tracking: HOTA, CLEAR and Identity equal to TrackEval 1.3 (the oracle, run on the
same files) to 1e-9, on randomised MOT Challenge sequences with id switches, fragments,
false-positive tracks, distractors and zero-marked lines; the MOT results reader's refusals."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tracking_cases as tc
from conftest import REPO, run_ds

pytest.importorskip("trackeval")

ARRAYS = ("HOTA", "DetA", "AssA", "DetRe", "DetPr", "AssRe", "AssPr", "LocA", "OWTA")
SCALARS = ("HOTA(0)", "LocA(0)", "HOTALocA(0)", "MOTA", "MOTP", "MODA", "CLR_Re", "CLR_Pr", "MTR", "PTR", "MLR",
           "sMOTA", "CLR_F1", "FP_per_frame", "MOTAL", "MOTP_sum", "CLR_TP", "CLR_FN", "CLR_FP", "IDSW", "MT", "PT",
           "ML", "Frag", "CLR_Frames", "IDF1", "IDR", "IDP", "IDTP", "IDFN", "IDFP")


def score(gt: Path, dt: Path, out: Path) -> dict[str, Any]:
    r = run_ds("score", "--gt", gt, "--dt", dt, "--metric", "tracking", "--output", out, "--quiet")
    assert r.returncode == 0, r.stderr
    return json.loads(out.read_text())["tracking"]


def close(a: float, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)


def compare(ours: dict[str, Any], theirs: dict[str, Any], where: str) -> int:
    """Every field of one sequence (or COMBINED_SEQ); returns how many were compared."""
    n = 0
    for f in ARRAYS:
        assert close(ours[f], np.mean(theirs[f])), (where, f, ours[f], np.mean(theirs[f]))
        n += 1
    for f in SCALARS:
        assert close(ours[f], theirs[f]), (where, f, ours[f], theirs[f])
        n += 1
    return n


def curves_of(ours: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in ours["alpha_curves"]["sequences"] if c["name"] == name)


# ties: whole-pixel boxes, half exactly on their object, many exact duplicate tracks, so the
# Hungarian matchings meet equal scores everywhere and scipy's tie-breaking decides.
@pytest.mark.parametrize(("seed", "ties"), [(0, False), (1, False), (2, False), (3, False), (100, True), (101, True)])
def test_equal_to_trackeval_mot17(tmp_path: Path, seed: int, ties: bool) -> None:
    sequences = tc.make_sequences(seed, 5, ties=ties)
    gt, data, _ = tc.write_layout(tmp_path, sequences)
    theirs = tc.trackeval_results(tmp_path)
    ours = score(gt, data, tmp_path / "metrics.json")
    assert ours["sequence_count"] == len(sequences)
    compare(ours, theirs["COMBINED_SEQ"], "COMBINED")
    combined = curves_of(ours, "COMBINED")
    for f in (*ARRAYS, "HOTA_TP", "HOTA_FN", "HOTA_FP"):
        assert np.allclose(combined[f], theirs["COMBINED_SEQ"][f], rtol=0, atol=1e-9), f
    assert np.allclose(ours["alpha_curves"]["alpha"], np.arange(0.05, 0.99, 0.05), rtol=0, atol=0)
    for row in ours["sequences"]:
        compare(row, theirs[row["name"]], row["name"])
    # The data exercise what the test claims: switches, fragments, misses and false positives.
    assert ours["IDSW"] > 0 and ours["Frag"] > 0 and ours["CLR_FP"] > 0 and ours["CLR_FN"] > 0
    # The report's timeline and table add up to TrackEval's IDSW and Frag.
    timeline = {c["name"]: c for c in ours["timeline"]["sequences"]}
    combined_line = timeline["COMBINED"]
    assert sum(combined_line["IDSW_count"]) == ours["IDSW"] and sum(combined_line["Frag_count"]) == ours["Frag"]
    assert combined_line["Frag"][-1] == 1.0 and combined_line["Frag"] == sorted(combined_line["Frag"])
    for row in ours["sequences"]:
        line = timeline[row["name"]]
        assert sum(line["IDSW_count"]) == row["IDSW"] and sum(line["Frag_count"]) == row["Frag"]
    worst = ours["fragmented_tracks"]
    assert 0 < len(worst) <= 20
    breaks = [t["Frag"] + t["IDSW"] for t in worst]
    assert breaks == sorted(breaks, reverse=True)
    if len(worst) < 20:
        assert sum(t["Frag"] for t in worst) == ours["Frag"] and sum(t["IDSW"] for t in worst) == ours["IDSW"]


def test_one_sequence_from_its_dataset_yaml(tmp_path: Path) -> None:
    sequences = tc.make_sequences(11, 1, length=80, tracks=12)
    gt, data, _ = tc.write_layout(tmp_path, sequences)
    theirs = tc.trackeval_results(tmp_path)
    name = sequences[0].name
    ours = score(gt / name / "dataset.yaml", data / f"{name}.txt", tmp_path / "m.json")
    compare(ours, theirs["COMBINED_SEQ"], "COMBINED")
    compare(ours["sequences"][0], theirs[name], name)
    assert ours["sequences"][0]["name"] == name


def test_class_agnostic_equals_trackeval_mot15(tmp_path: Path) -> None:
    """A mot dataset without a pedestrian class is scored class-agnostic: TrackEval's MOT15 path
    (no distractors, only zero-marked lines left out)."""
    sequences = tc.make_sequences(21, 1, length=70, tracks=12)
    classes = "[" + ", ".join(f"c{i}" for i in range(1, 14)) + "]"
    gt, data, _ = tc.write_layout(tmp_path, sequences, classes=classes)
    theirs = tc.trackeval_results(tmp_path, benchmark="MOT15")
    name = sequences[0].name
    ours = score(gt / name / "dataset.yaml", data / f"{name}.txt", tmp_path / "m.json")
    assert ours["preprocessing"].startswith("class-agnostic")
    compare(ours, theirs["COMBINED_SEQ"], "COMBINED")
    # and it differs from the MOT17 preprocessing on these data (distractors present)
    mot17 = score(gt / name, data / f"{name}.txt", tmp_path / "m17.json")
    assert mot17["CLR_FN"] != ours["CLR_FN"]


def test_empty_tracker_and_empty_frames(tmp_path: Path) -> None:
    sequences = tc.make_sequences(5, 3)
    sequences[1].tracker_lines = []  # a sequence the tracker found nothing in
    gt, data, _ = tc.write_layout(tmp_path, sequences)
    theirs = tc.trackeval_results(tmp_path)
    ours = score(gt, data, tmp_path / "metrics.json")
    compare(ours, theirs["COMBINED_SEQ"], "COMBINED")
    for row in ours["sequences"]:
        compare(row, theirs[row["name"]], row["name"])


def test_clip_scored_against_its_own_tracks(tmp_path: Path) -> None:
    """datasets/clip (make data): its ground truth as the tracker's output scores perfectly."""
    clip = REPO / "datasets" / "clip"
    if not (clip / "gt" / "gt.txt").is_file():
        pytest.skip("datasets/clip is made by make data")
    lines = [line for line in (clip / "gt" / "gt.txt").read_text().splitlines() if line]
    results = tmp_path / "tracks.txt"
    results.write_text("".join(",".join(line.split(",")[:6]) + ",1,-1,-1,-1\n" for line in lines
                               if line.split(",")[6] != "0"))
    ours = score(clip / "dataset.yaml", results, tmp_path / "m.json")
    assert ours["HOTA"] == pytest.approx(1.0) and ours["MOTA"] == 1.0 and ours["IDF1"] == 1.0
    assert ours["IDSW"] == 0 and ours["CLR_FP"] == 0
    assert ours["preprocessing"].startswith("class-agnostic")  # shapes, no pedestrian class
    # The same tracks against the clip as CVAT for video: any video dataset with tracks is scored.
    converted = run_ds("convert", clip / "dataset.yaml", "--to", "cvat-video", "--output", tmp_path / "cvat")
    assert converted.returncode == 0, converted.stderr
    cvat = score(tmp_path / "cvat" / "dataset.yaml", results, tmp_path / "c.json")
    assert cvat["sequences"][0]["name"] == "cvat"
    assert cvat["HOTA"] == pytest.approx(1.0) and cvat["CLR_TP"] == ours["CLR_TP"]


BAD_ROWS = [
    ("1,1,10,10,20\n", "expected 'frame,id"),
    ("1,1,10,10,20,x,1,-1,-1,-1\n", "height: expected a number"),
    ("1,1,10,10,20,30,1,-1,-1,-1\n99,1,10,10,20,30,1,-1,-1,-1\n", "frame 99 is outside the sequence"),
    ("1,1,10,10,-20,30,1,-1,-1,-1\n", "negative width or height"),
    ("1,1,10,10,20,30,1,1,-1,-1\n2,1,10,10,20,30,1,3,-1,-1\n", "id 1 is class 3 here but class 1 on line 1"),
    ("1,1,10,10,20,30,1,-1,-1,-1\n1,1,12,10,20,30,1,-1,-1,-1\n", "id 1 is in frame 1 twice"),
    ("2,1,10,10,20,30,1,-1,-1,-1\n1,4,10,10,20,30,1,-1,-1,-1\n2,1,10,10,20,30,1,-1,-1,-1\n", "id 1 is in frame 2 twice"),
    ("1,-3,10,10,20,30,1,-1,-1,-1\n", "track ids are non-negative"),
    ("1.5,1,10,10,20,30,1,-1,-1,-1\n", "frame: expected an integer"),
    ("1,1,10,10,20,nan,1,-1,-1,-1\n", "height: expected a number"),
]


@pytest.mark.parametrize(("text", "message"), BAD_ROWS)
def test_bad_results_lines(tmp_path: Path, text: str, message: str) -> None:
    sequences = tc.make_sequences(3, 1, length=20, tracks=2)
    gt, _, _ = tc.write_layout(tmp_path, sequences)
    bad = tmp_path / "bad.txt"
    bad.write_text(text)
    r = run_ds("score", "--gt", gt / sequences[0].name, "--dt", bad, "--metric", "tracking")
    assert r.returncode == 1, r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert f"{bad}:" in lines[0] and message in lines[0], lines[0]


def test_bad_inputs_other(tmp_path: Path) -> None:
    sequences = tc.make_sequences(4, 2, length=20, tracks=2)
    gt, data, _ = tc.write_layout(tmp_path, sequences)
    # a pedestrian-only evaluation refuses other classes, as TrackEval
    bad = tmp_path / "car.txt"
    bad.write_text("1,1,10,10,20,30,1,3,-1,-1\n")
    r = run_ds("score", "--gt", gt / sequences[0].name, "--dt", bad, "--metric", "tracking")
    assert r.returncode == 1 and f"{bad}:1: class 3" in r.stderr
    # a missing sequence file in the results folder
    (data / f"{sequences[1].name}.txt").unlink()
    r = run_ds("score", "--gt", gt, "--dt", data, "--metric", "tracking")
    assert r.returncode == 1 and f"{sequences[1].name}.txt: file not found" in r.stderr
    # several sequences need a folder of results
    r = run_ds("score", "--gt", gt, "--dt", data / f"{sequences[0].name}.txt", "--metric", "tracking")
    assert r.returncode == 1 and "must be a folder" in r.stderr
    # tracking is scored alone
    r = run_ds("score", "--gt", gt, "--dt", data, "--metric", "tracking,coco")
    assert r.returncode == 2 and "give it alone" in r.stderr
    # ground truth with an id twice in one frame
    seq = gt / sequences[0].name
    line = (seq / "gt" / "gt.txt").read_text().splitlines()[0]
    (seq / "gt" / "gt.txt").write_text(line + "\n" + line + "\n")
    ok = tmp_path / "ok.txt"
    ok.write_text("1,1,10,10,20,30,1,-1,-1,-1\n")
    r = run_ds("score", "--gt", seq, "--dt", ok, "--metric", "tracking")
    assert r.returncode == 1 and "more than once" in r.stderr, r.stderr
