"""Type checks for the parts of metrics.json (and gallery.json, comparison) the report reads.

Every key may be absent: a section without its data says so. A key that is present with the
wrong type is an error that names the key (``per_class[2].AP: expected a number, got a
string``), so a report is never built from data it misreads.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class ReportInputError(ValueError):
    """A run, gallery or comparison has a key of the wrong type.

    ``key`` is the path of the key (``thresholds.classes[0].f1[3]``); ``source`` names the file
    or argument it came from when known (the message then starts with it).
    """

    def __init__(self, key: str, problem: str, source: str = "") -> None:
        self.key = key
        self.problem = problem
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__(f"{prefix}{key or 'top level'}: {problem}")

    def with_source(self, source: str) -> ReportInputError:
        return ReportInputError(self.key, self.problem, source)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class Spec:
    def check(self, value: Any, key: str) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class Num(Spec):
    """A number; null is accepted as "no data" unless ``nullable`` is False."""

    nullable: bool = True
    integer: bool = False

    def check(self, value: Any, key: str) -> None:
        if value is None and self.nullable:
            return
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok and self.integer and isinstance(value, float) and not value.is_integer():
            ok = False
        if not ok:
            want = "an integer" if self.integer else "a number"
            raise ReportInputError(key, f"expected {want}, got {_kind(value)}")


@dataclass(frozen=True)
class Str(Spec):
    def check(self, value: Any, key: str) -> None:
        if not isinstance(value, str):
            raise ReportInputError(key, f"expected a string, got {_kind(value)}")


@dataclass(frozen=True)
class Scalar(Spec):
    """A string or a number (version maps)."""

    def check(self, value: Any, key: str) -> None:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ReportInputError(key, f"expected a string, got {_kind(value)}")


@dataclass(frozen=True)
class ListOf(Spec):
    item: Spec
    length: int | None = None
    nullable: bool = False

    def check(self, value: Any, key: str) -> None:
        if value is None and self.nullable:
            return
        if not isinstance(value, list):
            raise ReportInputError(key, f"expected a list, got {_kind(value)}")
        if self.length is not None and len(value) != self.length:
            raise ReportInputError(key, f"expected {self.length} entries, got {len(value)}")
        for i, v in enumerate(value):
            self.item.check(v, f"{key}[{i}]")


@dataclass(frozen=True)
class MapOf(Spec):
    value: Spec

    def check(self, value: Any, key: str) -> None:
        if not isinstance(value, dict):
            raise ReportInputError(key, f"expected an object, got {_kind(value)}")
        for k, v in value.items():
            self.value.check(v, f"{key}.{k}")


@dataclass(frozen=True)
class Obj(Spec):
    """An object whose listed keys, when present, have the given types (others are ignored)."""

    fields: Mapping[str, Spec] = field(default_factory=dict)
    nullable: bool = False
    required: tuple[str, ...] = ()

    def check(self, value: Any, key: str) -> None:
        if value is None and self.nullable:
            return
        if not isinstance(value, dict):
            raise ReportInputError(key, f"expected an object, got {_kind(value)}")
        for name in self.required:
            if name not in value:
                raise ReportInputError(_join(key, name), "missing")
        for name, spec in self.fields.items():
            if name in value:
                spec.check(value[name], _join(key, name))


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


NUM = Num()
INT = Num(integer=True)
STR = Str()
CURVE = ListOf(NUM)
MATRIX = ListOf(ListOf(NUM))
BEST = Obj({"score": NUM, "precision": NUM, "recall": NUM, "f1": NUM}, nullable=True)

# The chart kinds the report draws: each kind's data has this shape, whichever evaluator wrote
# it and under whatever key (the schema's chart.key).
_CLASS_CURVES = Obj({
    "category_id": INT, "name": STR, "gt": INT, "detections": INT, "best": BEST,
    "precision": CURVE, "recall": CURVE, "f1": CURVE,
})

CHART_DATA: dict[str, Spec] = {
    "thresholds": Obj({
        "iou": NUM, "score_grid": CURVE,
        "overall": Obj({"best": BEST, "precision": CURVE, "recall": CURVE, "f1": CURVE}),
        "classes": ListOf(_CLASS_CURVES),
    }),
    "confusion": Obj({
        "iou": NUM, "score_threshold": NUM, "labels": ListOf(STR),
        "counts": MATRIX, "normalized": ListOf(ListOf(NUM, nullable=True)),
    }),
    "tide": Obj({
        "main": MapOf(NUM), "special": MapOf(NUM), "ap50": NUM, "counts": MapOf(NUM),
    }),
    "reliability": Obj({
        "bins": ListOf(Obj({"bin_lower": NUM, "bin_upper": NUM, "avg_confidence": NUM,
                            "avg_accuracy": NUM, "count": INT},
                           required=("bin_lower", "bin_upper", "avg_confidence",
                                     "avg_accuracy", "count"))),
    }, required=("bins",)),
    "per_image": Obj({
        "iou": NUM, "score_threshold": NUM,
        "images": ListOf(Obj({"image_id": INT, "file_name": STR, "tp": INT, "fp": INT,
                              "fn": INT})),
        "worst": ListOf(INT),
    }),
    # ranked detections to look at (label_errors' candidates): pictures come from the gallery's
    # crops of the same dt_id
    "candidates": ListOf(Obj({"dt_id": INT, "image_id": INT, "dt_score": NUM, "what": STR,
                              "type": STR}, required=("dt_id",))),
}

_TEXTS = ("key", "label", "meaning", "format")
SCHEMA = Obj({
    "version": INT,
    "sections": ListOf(Obj({
        "id": STR, "title": STR, "short_label": STR, "meaning": STR, "primary": STR,
        "values": ListOf(Obj({**{k: STR for k in _TEXTS}}, required=("key", "label"))),
        "tables": ListOf(Obj({
            "key": STR, "title": STR, "meaning": STR, "row_id": STR, "row_label": STR,
            "primary": STR,
            "columns": ListOf(Obj({**{k: STR for k in _TEXTS}}, required=("key", "label"))),
        }, required=("key",))),
        "curves": ListOf(Obj({
            "key": STR, "title": STR, "meaning": STR, "x": STR, "x_label": STR, "y_label": STR,
            "items": STR, "item_label": STR,
            "series": ListOf(Obj({"key": STR, "label": STR}, required=("key", "label"))),
        }, required=("key",))),
        "charts": ListOf(Obj({"kind": STR, "key": STR, "title": STR, "meaning": STR},
                             required=("kind", "key"))),
    }, required=("id", "title"))),
})

RUN = Obj({
    "config": STR, "model": STR, "model_config": STR, "dataset": STR,
    "ground_truth": STR, "results": STR,
    "images": INT, "detections": INT,
    "timings": MapOf(NUM),
    "versions": MapOf(Scalar()),
    "skipped_images": ListOf(STR),
    "schema": SCHEMA,
})

# The worst images; and crops ("kind": "crop") of a candidates chart's detections (its "chart"
# key, each by "dt_id").
GALLERY = ListOf(Obj({
    "image_id": INT, "file_name": STR, "tp": INT, "fp": INT, "fn": INT, "jpeg_base64": STR,
    "kind": STR, "chart": STR, "dt_id": INT,
}, required=("jpeg_base64",)))

COMPARISON = Obj({
    "baseline": INT, "metric": STR, "bootstrap_samples": INT,
    "differences": ListOf(Obj({"run": INT, "baseline": INT, "observed": NUM, "mean": NUM,
                               "ci_low": NUM, "ci_high": NUM, "samples": INT},
                              required=("run",))),
})


def check_run(run: Any, key: str = "") -> None:
    RUN.check(run, key)
    _check_described(run, key)
    _check_shapes(run, key)


def _at(run: dict[str, Any], path: str) -> tuple[bool, Any]:
    data: Any = run
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return False, None
        data = data[part]
    return True, data


def _check_described(run: dict[str, Any], key: str) -> None:
    """What the schema describes has the described shape: values are numbers, tables lists of
    objects whose columns are numbers, curves lists of numbers, charts their kind's shape."""
    for s in (run.get("schema") or {}).get("sections") or []:
        for v in s.get("values") or []:
            found, data = _at(run, v["key"])
            if found:
                NUM.check(data, _join(key, v["key"]))
        for t in s.get("tables") or []:
            found, rows = _at(run, t["key"])
            if not found:
                continue
            # a list of rows, or an object of rows keyed by the row id
            if isinstance(rows, dict):
                keyed = [(f".{k}", row) for k, row in rows.items()]
                for name, row in keyed:
                    Obj().check(row, _join(key, t["key"] + name))
            else:
                ListOf(Obj()).check(rows, _join(key, t["key"]))
                keyed = [(f"[{i}]", row) for i, row in enumerate(rows)]
            for name, row in keyed:
                for c in t.get("columns") or []:
                    present, data = _at(row, c["key"])
                    if present:
                        NUM.check(data, _join(key, f"{t['key']}{name}.{c['key']}"))
        for c in s.get("curves") or []:
            found, data = _at(run, c["key"])
            if not found:
                continue
            where = _join(key, c["key"])
            x = c.get("x", "recall_thresholds")
            items = c.get("items", "classes")
            Obj({x: CURVE, items: ListOf(Obj({sr["key"]: CURVE for sr in c.get("series") or []}))
                 }).check(data, where)
            n = len(data.get(x) or [])
            for i, item in enumerate(data.get(items) or []):
                for sr in c.get("series") or []:
                    if sr["key"] in item and len(item[sr["key"]]) != n:
                        raise ReportInputError(f"{where}.{items}[{i}].{sr['key']}",
                                               f"expected {n} entries (as {x}), "
                                               f"got {len(item[sr['key']])}")
        for ch in s.get("charts") or []:
            found, data = _at(run, ch["key"])
            spec = CHART_DATA.get(ch["kind"])
            if found and spec is not None:
                spec.check(data, _join(key, ch["key"]))


def check_gallery(gallery: Any, key: str = "") -> None:
    GALLERY.check(gallery, key)
    for i, entry in enumerate(gallery):
        where = f"{key}[{i}].jpeg_base64"
        data = "".join(entry["jpeg_base64"].split())
        try:
            base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as e:
            raise ReportInputError(where, f"not base64 ({e})") from None
        if picture_type(data) is None:
            raise ReportInputError(where, "not a JPEG or PNG picture")


def picture_type(data: str) -> str | None:
    """The MIME type of a base64 picture from its first bytes: JPEG, PNG, or None."""
    head = base64.b64decode(data[:16] + "=" * (-len(data[:16]) % 4))
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG"):
        return "image/png"
    return None


def check_comparison(comparison: Any, runs: int, key: str = "") -> None:
    COMPARISON.check(comparison, key)
    base = comparison.get("baseline", 0)
    if not 0 <= base < runs:
        raise ReportInputError(_join(key, "baseline"), f"no run {base} (there are {runs})")
    for i, d in enumerate(comparison.get("differences", [])):
        for name in ("run", "baseline"):
            if name in d and not 0 <= d[name] < runs:
                raise ReportInputError(_join(key, f"differences[{i}].{name}"),
                                       f"no run {d[name]} (there are {runs})")


def _same_lengths(parts: list[tuple[str, Any]], names: tuple[str, ...], n: int, axis: str,
                  key: str) -> None:
    """Each curve `names` of each part has the `n` entries of its `axis`."""
    for where, part in parts:
        for name in names:
            if name in part and len(part[name]) != n:
                raise ReportInputError(_join(key, f"{where}.{name}"),
                                       f"expected {n} entries (as {axis}), got {len(part[name])}")


def _check_shapes(run: dict[str, Any], key: str) -> None:
    """Lengths that must agree for the charts to be drawn, per chart kind at its key."""
    for s in (run.get("schema") or {}).get("sections") or []:
        for chart in s.get("charts") or []:
            found, data = _at(run, chart["key"])
            if not found or not isinstance(data, dict):
                continue
            check = _SHAPES.get(chart["kind"])
            if check is not None:
                check(data, _join(key, chart["key"]))


def _threshold_shapes(th: dict[str, Any], where: str) -> None:
    if "score_grid" in th:
        parts = [("overall", th.get("overall") or {})]
        parts += [(f"classes[{i}]", c) for i, c in enumerate(th.get("classes", []))]
        _same_lengths(parts, ("precision", "recall", "f1"), len(th["score_grid"]), "score_grid",
                      where)


def _confusion_shapes(conf: dict[str, Any], where: str) -> None:
    if "counts" in conf:
        k = len(conf.get("labels", conf["counts"]))
        for name in ("counts", "normalized"):
            m = conf.get(name)
            if m is None:
                continue
            if len(m) != k:
                raise ReportInputError(_join(where, name),
                                       f"expected {k} rows (one per label), got {len(m)}")
            for r, row in enumerate(m):
                if row is not None and len(row) != k:
                    raise ReportInputError(_join(where, f"{name}[{r}]"),
                                           f"expected {k} columns, got {len(row)}")


_SHAPES = {"thresholds": _threshold_shapes, "confusion": _confusion_shapes}
