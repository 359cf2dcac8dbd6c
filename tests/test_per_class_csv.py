"""per_class.csv, written beside every metrics.json: a row per class and a column per per-class
value the run's metrics describe (metrics.json "schema"), holding metrics.json's own numbers."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from conftest import error_line, run_ds
from diagnostics_cases import score, write_case


def value_at(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def described_columns(metrics: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """CSV column -> (table key, column key), from the schema as the CSV is built from it."""
    out: dict[str, tuple[str, str]] = {}
    first = True
    for section in metrics["schema"]["sections"]:
        for table in section["tables"]:
            if table["row_id"] != "category_id":
                continue
            key = table["key"]
            prefix = "" if first else (key.rsplit(".", 1)[0] + "." if "." in key
                                       else section["id"] + ".")
            first = False
            for c in table["columns"]:
                out[prefix + c["key"]] = (table["key"], c["key"])
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_rows_equal_metrics_json(tmp_path: Path) -> None:
    gt_file, dt_file = write_case(tmp_path, 7)
    out = tmp_path / "out" / "m.json"
    out.parent.mkdir()
    metrics = score(gt_file, dt_file, out, "--metric", "coco,voc", "--analyses",
                    "thresholds,confusion,tide,per_image,calibration")
    rows = read_csv(out.parent / "per_class.csv")
    columns = described_columns(metrics)
    # every described per-class value of four sections: COCO's bare, the others prefixed
    assert {"AP", "voc.AP", "thresholds.best.f1", "calibration.ece"} <= set(columns)
    assert list(rows[0]) == ["category_id", "name", *columns]
    tables = {key for key, _ in columns.values()}
    by_table = {t: {r["category_id"]: r for r in value_at(metrics, t)} for t in tables}
    assert [int(r["category_id"]) for r in rows] == [c["category_id"] for c in metrics["per_class"]]
    checked = 0
    for row in rows:
        cid = int(row["category_id"])
        for column, (table, key) in columns.items():
            want = value_at(by_table[table].get(cid), key)
            if want is None:
                assert row[column] == "", (column, row)
            else:
                assert float(row[column]) == want, (column, row)  # shortest round trip: exact
                checked += 1
        assert row["name"] == by_table["per_class"][cid]["name"]
    assert checked > 3 * len(rows)


def test_score_without_output_writes_none_and_refuses_an_input(tmp_path: Path) -> None:
    gt_file, dt_file = write_case(tmp_path, 8)
    done = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--quiet")
    assert done.returncode == 0 and not (tmp_path / "per_class.csv").exists()
    victim = tmp_path / "per_class.csv"
    victim.write_text(dt_file.read_text())
    done = run_ds("score", "--gt", gt_file, "--dt", victim, "--output", tmp_path / "metrics.json")
    assert done.returncode == 2, done.stderr
    assert "per_class.csv" in error_line(done) and "--dt" in error_line(done)
    assert victim.read_text() == dt_file.read_text()


def test_coco_alone_gives_its_own_columns(tmp_path: Path) -> None:
    gt_file, dt_file = write_case(tmp_path, 9)
    out = tmp_path / "m.json"
    metrics = score(gt_file, dt_file, out, "--metric", "coco", "--analyses", "none")
    rows = read_csv(tmp_path / "per_class.csv")  # COCO's per-class table alone, keys bare
    assert list(rows[0]) == ["category_id", "name", *(c["key"] for c in
                                                      metrics["schema"]["sections"][0]["tables"][0]["columns"])]
    assert len(rows) == len(metrics["per_class"])


def test_each_slice_gets_its_own_columns(tmp_path: Path) -> None:
    gt_file, dt_file = write_case(tmp_path, 11)
    ids = [im["id"] for im in json.loads(gt_file.read_text())["images"]]
    slices = tmp_path / "slices.yaml"
    slices.write_text(f"first: [{ids[0]}]\nrest: {ids[1:] or ids}\n")
    out = tmp_path / "m.json"
    metrics = score(gt_file, dt_file, out, "--analyses", "none", "--slices", slices)
    rows = read_csv(tmp_path / "per_class.csv")
    columns = described_columns(metrics)
    assert {"slices.first.AP", "slices.rest.AP", "AP"} <= set(columns) == set(rows[0]) - {
        "category_id", "name"}
    for row in rows:
        for name in ("first", "rest"):
            want = {r["category_id"]: r for r in metrics["slices"][name]["per_class"]}
            assert float(row[f"slices.{name}.AP"]) == want[int(row["category_id"])]["AP"]
