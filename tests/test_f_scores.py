"""The f_scores analysis against hotcoco 1.3's COCOeval.f_scores() (the oracle), on random ground
truth and results, through `detection-studio score`."""

from __future__ import annotations

from pathlib import Path

from diagnostics_cases import hotcoco_eval, score, write_case

TOLERANCE = 1e-9
BETAS = ["1", "0.5", "2", "3", "1.5", "0.25", "1", "1"]


def test_parity_with_hotcoco(tmp_path: Path) -> None:
    for seed, beta in enumerate(BETAS, start=100):
        gt_file, dt_file = write_case(tmp_path, seed)
        want = hotcoco_eval(gt_file, dt_file).f_scores(beta=float(beta))
        metrics = score(gt_file, dt_file, tmp_path / f"m{seed}.json", "--analyses", "f_scores",
                        "--f-beta", beta)
        ours = metrics["f_scores"]
        assert ours["beta"] == float(beta)
        # hotcoco's names, with metrics.json's '_' for a dot (its paths are dotted)
        assert sorted(ours) == sorted(["beta", *(k.replace(".", "_") for k in want)])
        for name, value in want.items():
            assert abs(ours[name.replace(".", "_")] - value) <= TOLERANCE, (seed, beta, name)
        (section,) = [s for s in metrics["schema"]["sections"] if s["id"] == "f_scores"]
        assert [v["label"] for v in section["values"]] == [f"F{beta}", f"F{beta}_50",
                                                            f"F{beta}_75"]


def test_f1_is_the_default(tmp_path: Path) -> None:
    gt_file, dt_file = write_case(tmp_path, 7)
    metrics = score(gt_file, dt_file, tmp_path / "m.json", "--analyses", "f_scores")
    assert sorted(metrics["f_scores"]) == ["F1", "F1_50", "F1_75", "beta"]
    assert all(0 <= v <= 1 for v in metrics["f_scores"].values())
