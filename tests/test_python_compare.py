"""Run.compare: `detection-studio compare`'s paired bootstrap, from two ds.evaluate runs (the
demo model in Python and natively in libtorch), equal to comparison.json's numbers."""

from __future__ import annotations

import json
from pathlib import Path

import detection_studio as ds
import pytest
from conftest import REPO, run_ds

DEMO = REPO / "configs" / "demo.yaml"
MODELS = REPO / "configs" / "models"
LIMIT, SAMPLES = 8, 200


def test_equals_the_commands_comparison(shapes_val: Path, tmp_path: Path) -> None:
    base, other = MODELS / "shapes-fcos.yaml", MODELS / "shapes-fcos-libtorch.yaml"
    done = run_ds("compare", DEMO, "--model", base, "--model", other, "--limit", str(LIMIT),
                  "--bootstrap", str(SAMPLES), "--output", tmp_path / "cmp")
    assert done.returncode == 0, done.stderr
    cli = json.loads((tmp_path / "cmp" / "comparison.json").read_text())
    a = ds.evaluate(DEMO, model=base, limit=LIMIT, progress=False)
    b = ds.evaluate(DEMO, model=other, limit=LIMIT, progress=False)
    got = b.compare(a, samples=SAMPLES)
    expected = {k: v for k, v in cli["differences"][0].items() if k not in ("run", "baseline")}
    assert got == {"metric": cli["metric"], **expected}
    assert got["samples"] == SAMPLES and got["ci_low"] <= got["mean"] <= got["ci_high"]

    with pytest.raises(ValueError, match="compare: the runs are not of the same images"):
        ds.evaluate(DEMO, model=base, limit=LIMIT // 2, progress=False).compare(a)
    with pytest.raises(ValueError, match="both runs must come from ds.evaluate"):
        b.compare(ds.Run({}))
