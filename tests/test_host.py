"""The runtime host: embedded Python finds the venv by itself, and torch keeps its own BLAS."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import BIN, run_ds

NETLIB_BLAS = Path("/usr/lib/x86_64-linux-gnu/libblas.so.3")


def test_doctor_reports_torch_blas_and_the_venv(tmp_path: Path) -> None:
    result = run_ds("doctor", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    sgemm = next(line for line in result.stdout.splitlines() if line.startswith("sgemm_ from:"))
    assert "/torch/lib/libtorch_cpu.so" in sgemm
    assert f"prefix {Path(BIN).parent}" in result.stdout


def test_doctor_catches_the_blas_trap() -> None:
    # Netlib's BLAS first in the global scope is exactly the regression to catch: the check
    # must fail then (so it can fail at all).
    env = dict(os.environ, LD_PRELOAD=str(NETLIB_BLAS))
    result = run_ds("doctor", env=env)
    assert result.returncode == 1
    assert f"PROBLEM: torch's BLAS is shadowed by {NETLIB_BLAS}" in result.stdout


def test_runtime_links_libtorch_before_opencv() -> None:
    dynamic = subprocess.run(
        ["readelf", "-d", str(BIN / "detection-studio-runtime")],
        capture_output=True, text=True, check=True,
    ).stdout
    needed = [line.split("[")[1].rstrip("]") for line in dynamic.splitlines() if "(NEEDED)" in line]
    torch_at = needed.index("libtorch_cpu.so")
    opencv_at = min(i for i, lib in enumerate(needed) if lib.startswith("libopencv_"))
    assert torch_at < opencv_at, needed


def test_python_found_without_environment_from_any_directory(tmp_path: Path) -> None:
    # A hostile environment: no venv activated, a PYTHONHOME that would be fatal if honoured.
    env = {"PATH": "/usr/bin:/bin", "PYTHONHOME": str(tmp_path), "PYTHONPATH": str(tmp_path)}
    result = run_ds("doctor", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "package:     " + str(Path(BIN).parent) in result.stdout
