"""`module: ./file.py`: a user's inferencer beside its config, the example of docs/inferencers.md."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from conftest import REPO, error_line, run_ds
from detection_studio import loader
from detection_studio.errors import ConfigError

DOC = REPO / "docs" / "inferencers.md"
MODELS = REPO / "configs" / "models"
DEMO = REPO / "configs" / "demo.yaml"


def _doc_blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(), flags=re.DOTALL)


def _user_model(folder: Path) -> Path:
    """The documented example, written as the doc says, beside copies of the demo files."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "my_detector.py").write_text(_doc_blocks("python")[0])
    (folder / "my_model.yaml").write_text(_doc_blocks("yaml")[0])
    shutil.copy(MODELS / "shapes.names", folder)
    shutil.copy(MODELS / "shapes_fcos.torchscript.pt", folder)
    return folder / "my_model.yaml"


def test_the_documented_example_is_about_30_lines() -> None:
    code = [ln for ln in _doc_blocks("python")[0].splitlines() if ln.strip()]
    assert 20 <= len(code) <= 45


def test_evaluate_with_a_module_beside_the_config(shapes_val: Path, tmp_path: Path) -> None:
    model = _user_model(tmp_path / "mine")
    ours = run_ds("evaluate", DEMO, "--model", model, "--limit", "12", "--output", tmp_path / "a")
    assert ours.returncode == 0, ours.stderr
    ref = run_ds("evaluate", DEMO, "--model", MODELS / "shapes-fcos-torchscript.yaml",
                 "--limit", "12", "--output", tmp_path / "b")
    assert ref.returncode == 0, ref.stderr
    a = json.loads((tmp_path / "a" / "metrics.json").read_text())
    b = json.loads((tmp_path / "b" / "metrics.json").read_text())
    assert a["AP"] > 0.5
    assert a["coco_stats"] == pytest.approx(b["coco_stats"], abs=1e-4)


def test_two_files_of_one_name_stay_apart_in_one_process(tmp_path: Path) -> None:
    # As in `view --model a.yaml --model b.yaml`: both detector.py files load, neither shadows
    # the other nor any installed module named my_detector.
    first = _user_model(tmp_path / "one")
    second = _user_model(tmp_path / "two")
    (second.parent / "my_detector.py").write_text(
        (second.parent / "my_detector.py").read_text() + "\nMARK = 2\n")
    a = loader.import_module(str(first), "./my_detector.py")
    b = loader.import_module(str(second), "my_detector.py")
    assert a is not b and not hasattr(a, "MARK") and b.MARK == 2
    assert "my_detector" not in sys.modules
    assert loader.import_module(str(first), "./my_detector.py") is a  # a reload reuses it
    m = loader.load(str(first), "./my_detector.py")
    assert m.name == "my-detector" and len(m.class_names) == 6


def test_missing_module_file_is_one_line(tmp_path: Path) -> None:
    model = _user_model(tmp_path)
    model.write_text(model.read_text().replace("./my_detector.py", "./gone.py"))
    result = run_ds("evaluate", DEMO, "--model", model, "--limit", "1",
                    "--output", tmp_path / "out")
    assert result.returncode == 1
    assert f"{model}: module: file not found: {tmp_path / 'gone.py'}" in error_line(result)


def test_module_file_without_load_is_one_line(tmp_path: Path) -> None:
    model = _user_model(tmp_path)
    (tmp_path / "my_detector.py").write_text("X = 1\n")
    result = run_ds("evaluate", DEMO, "--model", model, "--limit", "1",
                    "--output", tmp_path / "out")
    assert result.returncode == 1
    assert f"{model}: module: " in error_line(result) and "no load(config_path)" in result.stderr


def test_dotted_module_outside_detection_studio_needs_trusted(tmp_path: Path) -> None:
    # a dotted name imports whatever the environment holds under it and calls its load()
    cfg = tmp_path / "model.yaml"
    cfg.write_text("module: json.decoder\n")
    with pytest.raises(ConfigError, match="trusted by default: set trusted: true"):
        loader.import_module(str(cfg), "json.decoder")
    cfg.write_text("module: json.decoder\ntrusted: true\n")
    assert loader.import_module(str(cfg), "json.decoder").__name__ == "json.decoder"
    # detection_studio's own, and a .py file beside the config, need nothing
    assert loader.import_module(str(cfg), "detection_studio.demo_model").__name__.endswith(
        "demo_model")
