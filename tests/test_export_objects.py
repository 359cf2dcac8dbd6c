"""`score --export-objects`: every ground truth and detection with its status, match and IoU,
against pycocotools' evaluateImg (the oracle: its dtMatches, gtMatches, ignore flags and ious,
with one area range, all of it, and no maxDets cap) on random cases."""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
from conftest import REPO, error_line, run_ds
from diagnostics_cases import write_case

THRESHOLDS = ["0.5", "0.75"]


def pycocotools_records(gt_file: Path, dt_file: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """(kind, id) -> {status@T, match@T, iou@T} from pycocotools' per-image evaluation."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(gt_file))
        ev = COCOeval(gt, gt.loadRes(str(dt_file)), "bbox")
        ev.params.iouThrs = np.array([float(t) for t in THRESHOLDS])
        ev.params.areaRng, ev.params.areaRngLbl = [[0, 1e10]], ["all"]
        ev.params.maxDets = [100000]
        ev.evaluate()
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for e in ev.evalImgs:
        if e is None:
            continue
        key = (e["image_id"], e["category_id"])
        gts = ev._gts[key]
        gt_pos = {g["id"]: i for i, g in enumerate(gts)}
        dts = sorted(ev._dts[key], key=lambda d: -d["score"])  # stable, as its mergesort
        dt_pos = {d["id"]: i for i, d in enumerate(dts)}
        ious = ev.ious[key]
        for k, t in enumerate(THRESHOLDS):
            for i, d in enumerate(e["dtIds"]):
                m = int(e["dtMatches"][k][i])
                ignored = bool(e["dtIgnore"][k][i])
                rec = out.setdefault(("dt", d), {})
                rec[f"status@{t}"] = "ignored" if ignored else "TP" if m else "FP"
                rec[f"match@{t}"] = m if m and not ignored else None
                rec[f"iou@{t}"] = (float(ious[dt_pos[d], gt_pos[m]]) if m and not ignored
                                   else None)
            for i, g in enumerate(e["gtIds"]):
                m = int(e["gtMatches"][k][i])
                rec = out.setdefault(("gt", g), {})
                rec[f"status@{t}"] = ("ignored" if e["gtIgnore"][i] else "TP" if m else "FN")
                rec[f"match@{t}"] = m or None
                rec[f"iou@{t}"] = float(ious[dt_pos[m], gt_pos[g]]) if m else None
    return out


def test_records_agree_with_pycocotools(tmp_path: Path) -> None:
    rows_seen = 0
    for seed in range(200, 208):
        gt_file, dt_file = write_case(tmp_path, seed)
        out = tmp_path / f"objects{seed}.csv"
        done = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--quiet", "--analyses", "none",
                      "--export-objects", out, "--export-iou", ",".join(THRESHOLDS))
        assert done.returncode == 0, done.stderr
        want = pycocotools_records(gt_file, dt_file)
        with out.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        # every ground truth and detection once (the cases list only known classes)
        assert sorted((r["kind"], int(r["id"])) for r in rows) == sorted(want)
        for r in rows:
            w = want[(r["kind"], int(r["id"]))]
            for t in THRESHOLDS:
                assert r[f"status@{t}"] == w[f"status@{t}"], (seed, r)
                if w[f"status@{t}"] == "ignored":
                    continue
                assert (int(r[f"match@{t}"]) if r[f"match@{t}"] else None) == w[f"match@{t}"]
                if w[f"iou@{t}"] is None:
                    assert r[f"iou@{t}"] == ""
                else:
                    assert abs(float(r[f"iou@{t}"]) - w[f"iou@{t}"]) <= 1e-12
            assert r["file_name"] == f"{r['image_id']}.jpg"
            assert r["class"] == f"c{r['category_id']}"
        rows_seen += len(rows)
    assert rows_seen > 300


def test_export_onto_an_input_is_one_line(tmp_path: Path) -> None:
    gt_file, dt_file = write_case(tmp_path, 5)
    metrics = tmp_path / "metrics.json"
    for target, option in ((gt_file, "--gt"), (dt_file, "--dt"), (metrics, "--output")):
        before = target.read_bytes() if target.exists() else None
        done = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--output", metrics,
                      "--export-objects", target)
        assert done.returncode == 1
        line = error_line(done)
        assert str(target) in line and option in line
        assert (target.read_bytes() if target.exists() else None) == before
    done = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--export-objects", tmp_path)
    assert done.returncode == 1 and "folder" in error_line(done)


def test_evaluate_export_onto_its_config_is_one_line(shapes_val: Path, tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text((REPO / "configs" / "demo.yaml").read_text().replace(
        "../", str(REPO) + "/").replace("models/", str(REPO / "configs" / "models") + "/"))
    before = config.read_bytes()
    done = run_ds("evaluate", config, "--output", tmp_path / "out", "--export-objects", config)
    assert done.returncode == 1
    line = error_line(done)
    assert str(config) in line and "run config" in line
    assert config.read_bytes() == before


def test_parquet_holds_the_csv_records_typed(tmp_path: Path) -> None:
    """FILE.parquet (our own writer) read back by pyarrow and pandas: the CSV's rows, ids and
    matches as int64, scores and IoUs as float64 (bit for bit), empty cells null."""
    import pandas as pd
    import pyarrow.parquet as pq

    checked = 0
    for seed in (200, 201, 205):
        gt_file, dt_file = write_case(tmp_path, seed)
        csv_out, pq_out = tmp_path / f"o{seed}.csv", tmp_path / f"o{seed}.parquet"
        for out in (csv_out, pq_out):
            done = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--quiet", "--analyses", "none",
                          "--export-objects", out, "--export-iou", "0.5,0.6,0.7,0.75,0.9")
            assert done.returncode == 0, done.stderr
        with csv_out.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        table = pq.read_table(pq_out)
        assert table.column_names == list(rows[0])  # 7 + 3 x 5 columns, in order
        types = {f.name: str(f.type) for f in table.schema}
        assert types["id"] == types["image_id"] == types["match@0.5"] == "int64"
        assert types["score"] == types["iou@0.75"] == "double" and types["kind"] == "string"
        got = table.to_pylist()
        assert len(got) == len(rows)
        for want, row in zip(rows, got, strict=True):
            for name, text in want.items():
                value = row[name]
                if text == "":
                    assert value is None, (name, row)
                elif types[name] == "int64":
                    assert value == int(text)
                elif types[name] == "double":
                    assert value == float(text)  # the CSV's shortest round-trip text: exact
                else:
                    assert value == text
                checked += 1
        frame = pd.read_parquet(pq_out)
        assert len(frame) == len(rows) and list(frame.columns) == list(rows[0])
    assert checked > 1000
