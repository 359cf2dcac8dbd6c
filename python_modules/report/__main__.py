"""python -m detection_studio.report METRICS.json [METRICS2.json ...] --output report.html

Rebuilds a report from saved runs: one metrics.json gives the report of that run, several a
comparison. A ``gallery.json`` beside a metrics.json (a list of gallery entries) is its worst
images. Bad input gives one line naming the file and the key, exit code 1, and no file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from . import ReportInputError, build_report, write_text_atomically


class InputError(Exception):
    """One line for the user: ``<file>: <key>: <problem>``."""


def _load(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: cannot read: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: cannot read: is a directory") from None
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text (byte {e.start})") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: line {e.lineno} column {e.colno}: not JSON ({e.msg})") from None
    except RecursionError:
        raise InputError(f"{path}: not JSON (nested too deeply)") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m detection_studio.report",
        description="Write the HTML report of one run, or the comparison of several, from "
                    "their metrics.json files (and a gallery.json beside each, when there is "
                    "one).")
    parser.add_argument("metrics", nargs="+", type=Path, help="metrics.json of each run")
    parser.add_argument("--output", "-o", required=True, type=Path, help="the report to write")
    parser.add_argument("--comparison", type=Path,
                        help="a JSON file with the differences to a baseline (bootstrap CIs)")
    args = parser.parse_args(argv)

    try:
        runs = []
        galleries: list[Any] = []
        sources: list[str] = []
        for path in args.metrics:
            run = _load(path)
            if not isinstance(run, dict):
                raise InputError(f"{path}: top level: expected a JSON object")
            runs.append(run)
            sources.append(str(path))
            gallery_path = path.parent / "gallery.json"
            galleries.append(_load(gallery_path) if gallery_path.is_file() else None)
        comparison = _load(args.comparison) if args.comparison else None
        try:
            text = build_report(runs, galleries, comparison)  # checks every input first
        except ReportInputError as e:
            raise InputError(_locate(e, args.metrics, args.comparison)) from None
        write_text_atomically(text, str(args.output))
    except InputError as e:
        print(e, file=sys.stderr)
        return 1
    except OSError as e:
        print(f"{args.output}: cannot write: {e.strerror or e}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}")
    return 0


def _locate(error: ReportInputError, metrics: list[Path], comparison: Path | None) -> str:
    """The error's key turned into ``<file>: <key inside that file>: <problem>``."""
    key = error.key
    if key.startswith("runs["):
        index, _, rest = key[len("runs["):].partition("]")
        return f"{metrics[int(index)]}: {rest.lstrip('.') or 'top level'}: {error.problem}"
    if key.startswith("galleries["):
        index, _, rest = key[len("galleries["):].partition("]")
        gallery = metrics[int(index)].parent / "gallery.json"
        return f"{gallery}: {rest.lstrip('.') or 'top level'}: {error.problem}"
    if key.startswith("comparison") and comparison is not None:
        rest = key[len("comparison"):].lstrip(".")
        return f"{comparison}: {rest or 'top level'}: {error.problem}"
    return f"{metrics[0]}: {key or 'top level'}: {error.problem}"


if __name__ == "__main__":
    sys.exit(main())
