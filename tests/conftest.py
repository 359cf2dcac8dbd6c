"""Shared helpers: the installed executables and real files on disk."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
# The executables under test: the installed ones, or a build folder's (DS_BIN_DIR=build/dev/cpp/app,
# to run tests against a build before installing it).
BIN = Path(os.environ["DS_BIN_DIR"]).resolve() if os.environ.get("DS_BIN_DIR") else Path(sys.prefix) / "bin"
# Real COCO annotations and results with pycocotools' published numbers, shipped with the tests
# (a copy of the workplace's shared fixture; licences in its README) so a fresh clone has them.
FIXTURES = REPO / "tests" / "data"
COCO_FIXTURE = FIXTURES / "cocoapi-val2014-100"
SHAPES = REPO / "datasets" / "shapes"


def make_clip(out: Path) -> Path:
    """datasets/make_clip.py's moving shapes written to `out`: 60 frames with ground-truth
    tracks (a mot dataset)."""
    subprocess.run([sys.executable, str(REPO / "datasets" / "make_clip.py"), "--output", str(out)],
                   check=True, capture_output=True)
    return out


def load_make_shapes() -> ModuleType:
    """datasets/make_shapes.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("make_shapes", REPO / "datasets" / "make_shapes.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["make_shapes"] = mod
    spec.loader.exec_module(mod)
    return mod


def pycocotools_eval(gt_file: Path, results_file: Path, img_ids: list[int] | None = None,
                     evaluator: Any = None, iou_type: str = "bbox") -> Any:
    """The oracle: pycocotools' COCOeval (or a subclass of it, `evaluator`) after evaluate,
    accumulate and summarize (quietly)."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(gt_file))
        ev = (evaluator or COCOeval)(gt, gt.loadRes(str(results_file)), iou_type)
        if img_ids is not None:
            ev.params.imgIds = img_ids
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def run_ds(
    *args: str | os.PathLike[str],
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 600,
    opens: ChildOpens | None = None,
) -> subprocess.CompletedProcess[str]:
    """Runs the installed `detection-studio` with the given arguments (under `opens`' strace
    when given)."""
    command = [str(BIN / "detection-studio"), *map(str, args)]
    return subprocess.run(
        opens.wrap(command) if opens else command,
        cwd=cwd,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class ChildOpens:
    """The files that the commands run through `wrap` (and their children) opened, by strace:
    only those processes count, so tests or builds using the same venv meanwhile cannot make a
    check pass or fail."""

    def __init__(self, folder: Path) -> None:
        if shutil.which("strace") is None:
            raise RuntimeError("strace is missing (make deps installs it)")
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.runs = 0

    def wrap(self, command: Sequence[str]) -> list[str]:
        self.runs += 1
        log = self.folder / f"opens-{self.runs}.log"
        # -z: successful calls only; -qq: no attach/exit chatter in the log
        return ["strace", "-f", "-qq", "-z", "-e", "trace=open,openat,openat2", "-o", str(log),
                *command]

    def count(self, pattern: str) -> int:
        """How many opens of a path matching the regex `pattern` the wrapped commands made."""
        found = re.compile(r'"[^"]*' + pattern + r'"')
        return sum(1 for log in sorted(self.folder.glob("opens-*.log"))
                   for line in log.read_text(errors="replace").splitlines() if found.search(line))

    def python_started(self) -> bool:
        # The embedded interpreter finds the venv through its pyvenv.cfg when it starts.
        return self.count(r"/pyvenv\.cfg") > 0


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single line a failed command printed; fails the test if there is more."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one error line, got:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture(scope="session")
def shapes_val() -> Path:
    """The demo dataset's val split (made by `make data`)."""
    ann = SHAPES / "annotations" / "instances_val.json"
    if not ann.exists():
        subprocess.run(
            [sys.executable, str(REPO / "datasets" / "make_shapes.py"), "--output", str(SHAPES),
             "--splits", "val"],
            check=True,
        )
    return SHAPES
