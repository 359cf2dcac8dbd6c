"""The report's `candidates` chart kind (label_errors' ranked candidates): each candidate that
has a crop in the gallery ({"kind": "crop", "dt_id", ...}) shown as a picture in rank order, in
its own section; crops never among the worst images; without crops, one line saying so."""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import pytest
from detection_studio.report import ReportInputError, build_report
from report_data import make_gallery, make_jpeg, make_run

CHROMIUM = Path("/usr/bin/chromium")


def label_errors_run() -> dict[str, Any]:
    run = make_run(4, seed=2)
    kinds = ["wrong_label", "missing_annotation"]
    run["label_errors"] = {
        "iou_threshold": 0.5, "score_threshold": 0.5, "wrong_label": 2, "missing_annotation": 3,
        "candidates": [{"image_id": 10 + i, "dt_id": 100 - i, "dt_score": 0.95 - i / 20,
                        "dt_category": "dog", "dt_category_id": 4, "gt_id": None,
                        "gt_category": None, "gt_category_id": None, "iou": 0.0,
                        "type": kinds[i % 2], "what": f"candidate {i} (image {10 + i})"}
                       for i in range(5)],
    }
    run["schema"]["sections"].append({
        "id": "label_errors", "title": "Likely label errors", "short_label": "", "meaning": "",
        "primary": "",
        "values": [{"key": "label_errors.wrong_label", "label": "wrong labels", "format": "count"}],
        "tables": [{"key": "label_errors.candidates", "title": "Candidates", "row_id": "dt_id",
                    "row_label": "what",
                    "columns": [{"key": "dt_score", "label": "score", "format": "score"}]}],
        "curves": [],
        "charts": [{"kind": "candidates", "key": "label_errors.candidates",
                    "title": "The top candidates", "meaning": "most confident first"}]})
    return run


def crops(run: dict[str, Any], dt_ids: list[int]) -> list[dict[str, Any]]:
    return [{"kind": "crop", "chart": "label_errors.candidates", "dt_id": d, "image_id": 1,
             "file_name": f"{d}.jpg", "jpeg_base64": make_jpeg(d, 200, 150)} for d in dt_ids]


def section(text: str, section_id: str) -> str:
    found = re.search(rf'<section id="{section_id}".*?</section>', text, re.DOTALL)
    assert found, section_id
    return found.group(0)


def test_crops_in_rank_order_in_their_section() -> None:
    run = label_errors_run()
    gallery = make_gallery(run) + crops(run, [98, 100, 99])  # gallery order is not the ranking
    text = build_report([run], [gallery])
    mine = section(text, "label_errors")
    shown = re.findall(r'<figure><img [^>]*alt="(candidate \d)', mine)
    assert shown == ["candidate 0", "candidate 1", "candidate 2"]  # dt_id 100, 99, 98
    assert "the first 3 of 5" in mine
    assert mine.count("wrong label") >= 1 and "score 0.95" in mine
    # the worst images' gallery holds its own pictures only
    worst = section(text, "per_image")
    assert worst.count("<figure>") == len(make_gallery(run))
    assert "candidate" not in worst


def test_without_crops_says_so() -> None:
    run = label_errors_run()
    text = build_report([run], [make_gallery(run)])
    assert "5 candidates, no pictures saved with this run" in section(text, "label_errors")
    empty = copy.deepcopy(run)
    empty["label_errors"]["candidates"] = []
    assert "No candidates in this run" in section(build_report([empty]), "label_errors")


@pytest.mark.parametrize(("change", "key"), [
    (lambda g: g[-1].update(dt_id="7"), "galleries[0][6].dt_id"),
    (lambda g: g[-1].update(kind=3), "galleries[0][6].kind"),
])
def test_bad_crop_entries_name_the_key(change: Any, key: str) -> None:
    run = label_errors_run()
    gallery = make_gallery(run) + crops(run, [100])
    change(gallery)
    with pytest.raises(ReportInputError) as e:
        build_report([run], [gallery])
    assert key in str(e.value)


def test_bad_candidates_name_the_key() -> None:
    run = label_errors_run()
    run["label_errors"]["candidates"][1]["dt_id"] = "x"
    with pytest.raises(ReportInputError) as e:
        build_report([run])
    assert "label_errors.candidates[1].dt_id" in str(e.value)


def test_renders_in_chromium(tmp_path: Path) -> None:
    if not CHROMIUM.is_file():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    run = label_errors_run()
    page_file = tmp_path / "report.html"
    page_file.write_text(build_report([run], [make_gallery(run) + crops(run, [100, 99, 98, 97])]),
                         encoding="utf-8")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = b.new_page(viewport={"width": 1280, "height": 900})
        problems: list[str] = []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(page_file.as_uri(), wait_until="load")
        sizes = page.eval_on_selector_all(
            "#label_errors img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.clientWidth])")
        assert len(sizes) == 4 and all(done and w == 200 and shown > 0 for done, w, shown in sizes)
        assert problems == []
        if os.environ.get("DS_CANDIDATES_SCREENSHOT"):
            page.locator("#label_errors").screenshot(path=os.environ["DS_CANDIDATES_SCREENSHOT"])
        b.close()


def test_score_report_crops_the_candidates(shapes_val: Path, tmp_path: Path) -> None:
    """`score --report --images` with label_errors: gallery.json gets a JPEG crop of each top
    candidate (by dt_id), and report.html shows them in the label_errors section."""
    import base64
    import io
    import json

    from conftest import run_ds
    from PIL import Image

    gt_file = shapes_val / "annotations" / "instances_val.json"
    gt = json.loads(gt_file.read_text())
    other = {c["id"]: gt["categories"][(i + 1) % len(gt["categories"])]["id"]
             for i, c in enumerate(gt["categories"])}
    dts = []
    objects = [a for a in gt["annotations"] if not a["iscrowd"]]  # a crowd region is no object
    for n, a in enumerate(objects[:60]):
        if n % 3 == 0:  # a confident detection of the wrong class on an object: wrong label
            dts.append({"image_id": a["image_id"], "category_id": other[a["category_id"]],
                        "bbox": a["bbox"], "score": 0.9 - n / 1000})
        else:
            dts.append({"image_id": a["image_id"], "category_id": a["category_id"],
                        "bbox": a["bbox"], "score": 0.8})
    dt_file = tmp_path / "dt.json"
    dt_file.write_text(json.dumps(dts))
    out = tmp_path / "out" / "metrics.json"
    out.parent.mkdir()
    done = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--output", out, "--quiet",
                  "--analyses", "per_image,label_errors", "--report", "--images", shapes_val / "val")
    assert done.returncode == 0, done.stderr
    metrics = json.loads(out.read_text())
    candidates = metrics["label_errors"]["candidates"]
    assert len(candidates) == 20 and {c["type"] for c in candidates} == {"wrong_label"}
    gallery = json.loads((out.parent / "gallery.json").read_text())
    crops = [g for g in gallery if g.get("kind") == "crop"]
    assert [g["dt_id"] for g in crops] == [c["dt_id"] for c in candidates]  # rank order
    for g, c in zip(crops, candidates, strict=True):
        assert g["image_id"] == c["image_id"] and g["chart"] == "label_errors.candidates"
        with Image.open(io.BytesIO(base64.b64decode(g["jpeg_base64"]))) as im:
            assert im.format == "JPEG" and max(im.size) == 200
    text = (out.parent / "report.html").read_text(encoding="utf-8")
    mine = section(text, "label_errors")
    assert mine.count("<figure><img") == len(crops)
    assert section(text, "per_image").count("<figure>") == len(gallery) - len(crops)
