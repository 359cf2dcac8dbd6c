"""What a run's metrics are, as its evaluators describe them (metrics.json's ``schema``).

Every evaluator says what it wrote: its values (key, label, meaning, direction, format), its
tables (columns), its curves (axes, series) and its charts of a kind the report draws. The
report, ``compare`` and the Python API render from this, so no metric name is spelled here.
Keys are paths into metrics.json with dots between levels (``voc.mAP``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

Run = dict[str, Any]


@dataclass(frozen=True)
class Value:
    key: str
    label: str
    meaning: str = ""
    higher_is_better: bool = True
    format: str = "fraction"
    headline: bool = False


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    meaning: str = ""
    higher_is_better: bool = True
    format: str = "fraction"


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    meaning: str = ""
    row_id: str = "category_id"
    row_label: str = "name"
    columns: tuple[Column, ...] = ()
    primary: str = ""


@dataclass(frozen=True)
class Curve:
    key: str
    title: str
    meaning: str = ""
    x: str = "recall_thresholds"
    x_label: str = "recall"
    y_label: str = "precision"
    items: str = "classes"
    item_label: str = "name"
    series: tuple[tuple[str, str], ...] = ()  # (key, label); the first is compared across runs


@dataclass(frozen=True)
class Chart:
    kind: str
    key: str
    title: str = ""
    meaning: str = ""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    short_label: str = ""
    meaning: str = ""
    primary: str = ""
    values: tuple[Value, ...] = ()
    tables: tuple[Table, ...] = ()
    curves: tuple[Curve, ...] = ()
    charts: tuple[Chart, ...] = field(default_factory=tuple)


_NESTED = ("values", "tables", "curves", "charts", "columns", "series")


def _fields(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """The plain fields of a dataclass from a schema object (nested lists are built apart)."""
    names = cls.__dataclass_fields__  # type: ignore[attr-defined]
    return {k: v for k, v in data.items() if k in names and k not in _NESTED}


def sections(run: Run) -> list[Section]:
    """The run's described sections, in metrics.json's order ([] without a schema)."""
    schema = run.get("schema")
    if not isinstance(schema, dict):
        return []
    out = []
    for s in schema.get("sections") or []:
        out.append(Section(
            **_fields(Section, s),
            values=tuple(Value(**_fields(Value, v)) for v in s.get("values") or []),
            tables=tuple(Table(**_fields(Table, t),
                               columns=tuple(Column(**_fields(Column, c))
                                             for c in t.get("columns") or []))
                         for t in s.get("tables") or []),
            curves=tuple(Curve(**_fields(Curve, c),
                               series=tuple((x["key"], x["label"]) for x in c.get("series") or []))
                         for c in s.get("curves") or []),
            charts=tuple(Chart(**_fields(Chart, c)) for c in s.get("charts") or []),
        ))
    return out


def lookup(data: Any, key: str) -> Any:
    """The value at a dotted path, or None where any step is missing."""
    for part in key.split(".") if key else []:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def number(data: Any, key: str) -> float | None:
    """A described number that is data: None, NaN, infinities and -1 ("no data") are not."""
    v = lookup(data, key)
    if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    f = float(v)
    if math.isnan(f) or math.isinf(f) or f == -1:
        return None
    return f


def value_labels(runs: Sequence[Run]) -> list[tuple[Value, str]]:
    """Every value any run describes, once per key, in order, with a label unique among them:
    a section's short label goes in front where two sections share a label (AP of boxes, AP of
    masks)."""
    owners: dict[str, set[str]] = {}
    found: list[tuple[Value, Section]] = []
    seen: set[str] = set()
    for run in runs:
        for s in sections(run):
            for v in s.values:
                owners.setdefault(v.label, set()).add(s.id)
                if v.key not in seen:
                    seen.add(v.key)
                    found.append((v, s))
    return [(v, f"{s.short_label} {v.label}" if len(owners[v.label]) > 1 and s.short_label
             else v.label) for v, s in found]


def format_value(v: float | None, fmt: str) -> str:
    """A described number as people read it; "–" for no data."""
    if v is None:
        return "–"
    if fmt == "count":
        return f"{int(v):,}".replace(",", " ")
    if fmt == "score":
        return f"{v:.2f}"
    if fmt == "number":
        return f"{v:.4g}"
    return f"{v:.3f}"
