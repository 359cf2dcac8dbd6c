"""The self-contained HTML report of one run, or the comparison of several.

``write_report(runs, out_path)`` turns parsed metrics.json documents into one HTML file with
every style, script, chart (matplotlib, inline SVG) and picture inline: it opens offline and
fetches nothing. ``python -m detection_studio.report METRICS.json ... --output report.html``
rebuilds one from saved runs.
"""

from __future__ import annotations

import os
from typing import Any

from .schema import ReportInputError, check_comparison, check_gallery, check_run

__all__ = ["ReportInputError", "build_report", "write_report"]


def build_report(runs: list[dict[str, Any]], galleries: list[list[dict[str, Any]]] | None = None,
                 comparison: dict[str, Any] | None = None) -> str:
    """The report's HTML text (see write_report)."""
    if not isinstance(runs, list) or not runs:
        raise ReportInputError("runs", "expected a list of at least one run")
    for i, run in enumerate(runs):
        check_run(run, f"runs[{i}]" if len(runs) > 1 else "")
    if galleries is not None:
        if not isinstance(galleries, list) or len(galleries) > len(runs):
            raise ReportInputError("galleries", "expected at most one gallery list per run")
        for i, gallery in enumerate(galleries):
            if gallery is not None:
                check_gallery(gallery, f"galleries[{i}]")
    if len(runs) > 1 and comparison is not None:
        check_comparison(comparison, len(runs), "comparison")
    # matplotlib is imported only now: bad input is reported without that second's wait
    from . import document

    if len(runs) == 1:
        return document.single_run(runs[0], galleries[0] if galleries else None)
    return document.comparison(runs, comparison)


def write_report(runs: list[dict[str, Any]], out_path: str,
                 galleries: list[list[dict[str, Any]]] | None = None,
                 comparison: dict[str, Any] | None = None) -> None:
    """Writes the report of ``runs`` (parsed metrics.json documents) to ``out_path``.

    One run gives the single-model report; several give a comparison (one table of all runs,
    overlaid PR curves, per-class winners and, when ``comparison`` is given, the differences to
    its baseline with their bootstrap confidence intervals). ``galleries[i]`` holds run i's
    worst images (``{"image_id", "file_name", "tp", "fp", "fn", "jpeg_base64"}``); only a
    single-run report shows them. Sections whose data is absent say so. A key of the wrong
    type raises ReportInputError naming it, before anything is written. The file appears
    whole or not at all: it is written to ``out_path + ".partial"`` and renamed.
    """
    write_text_atomically(build_report(runs, galleries, comparison), out_path)


def write_text_atomically(text: str, out_path: str) -> None:
    """``text`` into ``out_path`` through ``out_path + ".partial"`` and one rename."""
    partial = os.fspath(out_path) + ".partial"
    try:
        with open(partial, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, out_path)
    except BaseException:
        try:
            os.unlink(partial)
        except OSError:
            pass
        raise
