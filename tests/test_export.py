"""`detection_studio.export`: the demo model to ONNX, TorchScript and torch.export, scored like
the source."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, error_line, run_ds

DEMO = REPO / "configs" / "demo.yaml"
SOURCE = REPO / "configs" / "models" / "shapes-fcos.yaml"
LIMIT = "40"


def _export(target: str, out: Path, cli: bool = True) -> subprocess.CompletedProcess[str]:
    if cli:  # the C++ command, which runs detection_studio.export in its interpreter
        return run_ds("export", SOURCE, "--to", target, "--output", out)
    return subprocess.run(
        [sys.executable, "-m", "detection_studio.export", str(SOURCE), "--to", target,
         "--output", str(out), "--size", "240", "320"],
        capture_output=True, text=True, check=False, timeout=600)


@pytest.fixture(scope="module")
def source_ap(shapes_val: Path, tmp_path_factory: pytest.TempPathFactory) -> float:
    out = tmp_path_factory.mktemp("source")
    result = run_ds("evaluate", DEMO, "--limit", LIMIT, "--output", out)
    assert result.returncode == 0, result.stderr
    return float(json.loads((out / "metrics.json").read_text())["AP"])


@pytest.mark.parametrize(("target", "suffix", "cli"),
                         [("onnx", ".onnx", True), ("torchscript", ".ts.pt", True),
                          ("export", ".pt2", True), ("onnx", ".onnx", False)])
def test_exported_model_scores_like_the_source(target: str, suffix: str, cli: bool,
                                               source_ap: float, tmp_path: Path) -> None:
    model_file = tmp_path / "exported" / f"shapes{suffix}"
    done = _export(target, model_file, cli)
    assert done.returncode == 0, done.stderr
    config = model_file.with_suffix(".yaml")
    assert model_file.is_file() and config.is_file()
    result = run_ds("evaluate", DEMO, "--model", config, "--limit", LIMIT,
                    "--output", tmp_path / "run")
    assert result.returncode == 0, result.stderr
    ap = float(json.loads((tmp_path / "run" / "metrics.json").read_text())["AP"])
    assert source_ap > 0.5
    assert abs(ap - source_ap) <= 0.002, (ap, source_ap)
    print(f"{target} (cli={cli}): AP {ap:.6f} vs source {source_ap:.6f}")


def test_torch_export_of_a_two_stage_detector_fails_in_one_line(tmp_path: Path) -> None:
    # One-stage detectors export their body (exported_body); a two-stage one's region proposals
    # run NMS inside the network, a data-dependent branch torch.export cannot trace: the
    # command says so in one line instead of a traceback.
    import torch
    from detection_studio import torchvision_zoo

    name = "fasterrcnn_mobilenet_v3_large_320_fpn"
    torch.save(torchvision_zoo.build(name=name).state_dict(), tmp_path / "w.pth")
    zoo = REPO / "configs" / "models" / "torchvision"
    config = tmp_path / "source.yaml"
    config.write_text(f"module: pytorch_detect\nclasses: {zoo / 'coco91.names'}\nmodel:\n"
                      f"  format: state_dict\n  architecture: detection_studio.torchvision_zoo:build\n"
                      f"  args: {{name: {name}}}\n  weights: w.pth\n")
    done = run_ds("export", config, "--to", "export", "--output", tmp_path / "frcnn.pt2")
    if done.returncode == 0:  # a later torch/torchvision may trace it
        assert (tmp_path / "frcnn.yaml").is_file()
        return
    assert "torch.export of this model failed" in error_line(done)
