"""docs/python.md's examples run: every ```python block, in order, from the repository root."""

from __future__ import annotations

import os
import re

import pytest
from conftest import REPO

BLOCKS = re.findall(r"```python\n(.*?)```", (REPO / "docs" / "python.md").read_text(), re.DOTALL)


def test_has_examples() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("n", range(len(BLOCKS)))
def test_example_runs(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code = compile(BLOCKS[n], f"docs/python.md[block {n}]", "exec")
    exec(code, {"__name__": f"python_md_{n}"})  # noqa: S102
    assert os.getcwd() == str(REPO)
