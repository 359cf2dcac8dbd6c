"""The HTML report (detection_studio.report): self-contained, every chart present, atomic, the
command line's one-line errors, sections without data, and in headless Chromium (Debian's
/usr/bin/chromium through Playwright): no console errors, charts of nonzero size, sorting.

DS_REPORT_SCREENSHOT=FILE makes the browser test save the full single-run report
there (a screenshot of the synthetic report)."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import COCO_FIXTURE
from detection_studio.report import ReportInputError, build_report, write_report
from report_data import make_gallery, make_run, schema

CHROMIUM = Path("/usr/bin/chromium")

COMPARISON = {"baseline": 0, "metric": "AP", "bootstrap_samples": 1000,
              "differences": [{"run": 1, "mean": -0.0123, "ci_low": -0.0281, "ci_high": 0.0042},
                              {"run": 2, "mean": 0.0215, "ci_low": 0.0079, "ci_high": 0.0342}]}

# The charts each section must hold (data-chart of its <figure class="chart">).
# Section ids are the schema's: the evaluators' own (coco: its per-class curves).
SINGLE_CHARTS = {"coco": ["curves-coco"],
                 "thresholds": ["threshold-overall", "threshold-classes"],
                 "confusion": ["confusion"], "tide": ["tide"]}
COMPARISON_CHARTS = {"pr-overlay": ["pr-overlay"], "differences": ["ap-differences"]}


@pytest.fixture(scope="module")
def runs() -> list[dict[str, Any]]:
    return [make_run(5, seed=1, model="fcos_resnet50"),
            make_run(5, seed=2, quality=0.9, model="retinanet_resnet50"),
            make_run(5, seed=3, quality=1.05, model="yolo11n")]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory,
            runs: list[dict[str, Any]]) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("report")
    single = out / "single" / "report.html"
    single.parent.mkdir()
    write_report([runs[0]], str(single), galleries=[make_gallery(runs[0])])
    comparison = out / "comparison.html"
    write_report(runs, str(comparison), comparison=COMPARISON)
    return {"single": single, "comparison": comparison}


class Outline(HTMLParser):
    """Per <section id>: the data-chart of each chart figure, the img srcs, the tables."""

    def __init__(self) -> None:
        super().__init__()
        self.section = ""
        self.charts: dict[str, list[str]] = {}
        self.images: list[str] = []
        self.absent: dict[str, int] = {}
        self.urls: list[str] = []
        self.tags: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if a.get("id"):
            self.ids.append(str(a["id"]))
        for name in ("src", "href", "xlink:href", "action", "data", "poster"):
            if a.get(name):
                self.urls.append(str(a[name]))
        if tag == "section":
            self.section = a.get("id") or ""
        elif tag == "figure" and "chart" in (a.get("class") or "").split():
            self.charts.setdefault(self.section, []).append(a.get("data-chart") or "")
        elif tag == "img":
            self.images.append(a.get("src") or "")
        elif tag == "p" and a.get("class") == "absent":
            self.absent[self.section] = self.absent.get(self.section, 0) + 1


def outline(text: str) -> Outline:
    o = Outline()
    o.feed(text)
    return o


# ---------------------------------------------------------------------------------------------
# the file

def test_self_contained(reports: dict[str, Path]) -> None:
    for path in reports.values():
        text = path.read_text(encoding="utf-8")
        o = outline(text)
        # every reference stays in the page: anchors and data: URLs only
        assert o.urls, path
        for url in o.urls:
            assert url.startswith(("#", "data:image/")), (path, url[:80])
        assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, re.IGNORECASE)
        assert "link" not in o.tags and "iframe" not in o.tags
        assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", text, re.IGNORECASE)
        assert "<script src" not in text and "<?xml" not in text and "<!DOCTYPE svg" not in text
        # ids are unique in the page (each chart's prefixed), and every reference finds one
        assert len(o.ids) == len(set(o.ids)) > 50, [i for i in o.ids if o.ids.count(i) > 1][:5]
        for ref in re.findall(r'href="#([^"]+)"|url\(#([^)]+)\)', text):
            assert (ref[0] or ref[1]) in o.ids, ref
        # text stays text in the charts (svg.fonttype none): no glyph paths
        assert "<text" in text and 'id="DejaVuSans' not in text


def test_every_chart_in_its_section(reports: dict[str, Path]) -> None:
    single = outline(reports["single"].read_text(encoding="utf-8"))
    assert single.charts == SINGLE_CHARTS
    assert len(single.images) == 6
    assert all(src.startswith("data:image/jpeg;base64,/9j/") for src in single.images)
    assert single.absent == {}, single.absent  # everything was there

    comparison = outline(reports["comparison"].read_text(encoding="utf-8"))
    assert comparison.charts == COMPARISON_CHARTS
    assert comparison.images == []


def test_comparison_tables(reports: dict[str, Path], runs: list[dict[str, Any]]) -> None:
    text = reports["comparison"].read_text(encoding="utf-8")
    for r in runs:
        assert r["model"] in text
    assert "fcos_resnet50 (baseline)" in text
    runs_table = text[text.index('id="runs-table"'):]
    runs_table = runs_table[:runs_table.index("</table>")]
    assert runs_table.count("<tr>") == 1 + len(runs)
    assert f'data-v="{runs[1]["AP"]!r}"' in runs_table
    # one column per described value, its label as the header
    assert ">best-F1 threshold</th>" in runs_table and ">AR100</th>" in runs_table
    # one winner per class, the run with the highest AP
    winners = text[text.index('id="winners-table"'):]
    winners = winners[:winners.index("</table>")]
    for c in range(5):
        aps = [r["per_class"][c]["AP"] for r in runs]
        best = max(range(len(runs)), key=lambda i: aps[i])
        assert f'<td data-v="{aps[best]!r}" class="win">' in winners
    assert winners.count('class="win"') == 5
    diffs = text[text.index('id="differences-table"'):]
    assert "worse" not in diffs[:diffs.index("</table>")]  # -0.0123 [-0.0281, 0.0042]: unclear
    assert "better" in diffs and "no clear difference" in diffs


def test_comparison_section_omitted_without_differences(runs: list[dict[str, Any]]) -> None:
    o = outline(build_report(runs[:2]))
    assert "differences" not in o.charts
    assert 'id="differences"' not in build_report(runs[:2])
    assert o.charts == {"pr-overlay": ["pr-overlay"]}


def test_deterministic(reports: dict[str, Path], runs: list[dict[str, Any]]) -> None:
    a = build_report([runs[0]], [make_gallery(runs[0])])
    assert a == reports["single"].read_text(encoding="utf-8")
    # chart ids (clip paths) are unique in the page, so two charts never share one
    ids = re.findall(r'<clipPath id="([^"]+)"', a)
    assert ids and len(ids) == len(set(ids))


def test_atomic_write(tmp_path: Path, runs: list[dict[str, Any]],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "report.html"
    tide_only = {"version": 1, "sections": [s for s in schema()["sections"] if s["id"] == "tide"]}
    small = {"model": "m", "tide": runs[0]["tide"], "schema": tide_only}  # one chart: quick
    write_report([small], str(out))
    assert out.is_file() and sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
    before = out.read_bytes()

    # bad input: nothing is written, the old report stays
    bad = {**small, "per_class": copy.deepcopy(runs[0]["per_class"]), "schema": schema()}
    bad["per_class"][1]["AP"] = "high"
    with pytest.raises(ReportInputError, match=r"per_class\[1\]\.AP: expected a number"):
        write_report([bad], str(out))
    assert out.read_bytes() == before

    # a failure while writing: the old report stays, no .partial is left behind
    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        write_report([{**small, "model": "n"}], str(out))
    monkeypatch.undo()
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_large_class_count_is_capped(score_report: tuple[Path, dict[str, Any]]) -> None:
    path, scored = score_report  # COCO's 80 classes
    text = path.read_text(encoding="utf-8")
    assert "24 classes with the most ground truth (of 80)" in text
    if "confusion" in scored:
        assert "Counts are not written in the cells (81 labels)" in text
    per_class = text[text.index('id="table-coco"'):]
    assert per_class[:per_class.index("</table>")].count("<tr>") == 81  # the table has all


# ---------------------------------------------------------------------------------------------
# data that is not there

VOC_SCHEMA = {"version": 1, "sections": [{
    "id": "voc", "title": "Pascal VOC AP (all-point)", "short_label": "VOC", "primary": "voc.mAP",
    "values": [{"key": "voc.mAP", "label": "VOC mAP", "meaning": "mean AP", "headline": True}],
    "tables": [{"key": "voc.per_class", "title": "Per class", "primary": "AP",
                "columns": [{"key": "AP", "label": "AP"}]}]}]}


def test_sections_without_their_data() -> None:
    score_run = {k: v for k, v in make_run(3, seed=4).items()
                 if k not in ("timings", "model", "model_config", "config", "versions",
                              "confusion", "tide", "per_image", "thresholds")}
    text = build_report([score_run])
    o = outline(text)
    assert o.charts == {"coco": ["curves-coco"]}
    assert "No threshold curves in this run" in text
    assert "No confusion matrix in this run" in text
    assert "No TIDE analysis in this run" in text
    assert "No per-image results in this run" in text
    assert "No timings in this run" in text
    assert "No versions recorded in this run" in text

    voc_only = {"dataset": "voc2007 test", "images": 12, "detections": 40,
                "voc": {"mAP": 0.61, "iou_threshold": 0.5, "interpolation": "all-point"},
                "schema": VOC_SCHEMA}
    text = build_report([voc_only])
    assert "0.610" in text and 'id="values-voc"' in text
    assert "No rows in voc.per_class" in text
    assert outline(text).charts == {}

    # written before metrics described themselves: the report says so, and draws no metric
    no_schema = {k: v for k, v in voc_only.items() if k != "schema"}
    text = build_report([no_schema])
    assert "does not describe its metrics" in text and "0.610" not in text
    assert set(outline(text).absent) >= {"summary", "facts"}
    empty = build_report([{}])
    assert set(outline(empty).absent) == set(outline(text).absent)

    # a null best (no detections at all), null curve entries, a null confusion row
    run = make_run(3, seed=4)
    run["thresholds"]["overall"]["best"] = None
    run["thresholds"]["overall"]["f1"] = [None] * 101
    run["confusion"]["normalized"][0] = None
    text = build_report([run])
    assert outline(text).charts == SINGLE_CHARTS
    assert "No best-F1 threshold" in text
    # no gallery, but per-image counts: a table of the worst images instead of pictures
    assert "No pictures saved with this run" in text and 'id="worst-table"' in text
    # a comparison of runs that lack curves
    text = build_report([no_schema, {"model": "b"}])
    assert "No PR curves for" in text and "No per-class AP in these runs" in text


@pytest.mark.parametrize(("change", "key"), [
    (lambda r: r.update(AP50="high"), "AP50: expected a number, got a string"),
    (lambda r: r["pr_curves"]["classes"][1]["precision_iou75"].pop(),
     "pr_curves.classes[1].precision_iou75: expected 101 entries"),
    (lambda r: r["schema"]["sections"][0].update(values={}), "schema.sections[0].values: expected"),
    (lambda r: r.update(timings="fast"), "timings: expected an object"),
    (lambda r: r["thresholds"]["classes"][0]["f1"].pop(), ("thresholds.classes[0].f1: expected"
                                                          " 101 entries")),
    (lambda r: r["confusion"]["counts"][2].append(1), "confusion.counts[2]: expected 4 columns"),
    (lambda r: r["tide"]["main"].update(Loc="big"), "tide.main.Loc: expected a number"),
    (lambda r: r.update(images=True), "images: expected an integer, got a boolean"),
])
def test_wrong_types_name_the_key(change: Any, key: str) -> None:
    run = make_run(3, seed=4)
    change(run)
    with pytest.raises(ReportInputError) as e:
        build_report([run])
    assert str(e.value).startswith(key), str(e.value)


# ---------------------------------------------------------------------------------------------
# python -m detection_studio.report

def report_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "detection_studio.report", *map(str, args)],
                          capture_output=True, text=True, timeout=60, check=False)


def save_run(folder: Path, run: dict[str, Any], gallery: list[dict[str, Any]] | None) -> Path:
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(json.dumps(run))
    if gallery is not None:
        (folder / "gallery.json").write_text(json.dumps(gallery))
    return folder / "metrics.json"


def test_cli_rebuilds_reports(tmp_path: Path, runs: list[dict[str, Any]]) -> None:
    a = save_run(tmp_path / "a", runs[0], make_gallery(runs[0], 3))
    b = save_run(tmp_path / "b", runs[1], None)
    out = tmp_path / "report.html"
    done = report_cli(a, "--output", out)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    o = outline(out.read_text(encoding="utf-8"))
    assert o.charts == SINGLE_CHARTS and len(o.images) == 3  # gallery.json beside it

    comparison = tmp_path / "comparison.json"
    comparison.write_text(json.dumps({**COMPARISON, "differences": COMPARISON["differences"][:1]}))
    done = report_cli(a, b, "--output", tmp_path / "cmp.html", "--comparison", comparison)
    assert done.returncode == 0, done.stderr
    assert outline((tmp_path / "cmp.html").read_text()).charts == COMPARISON_CHARTS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "cmp.html", "comparison.json",
                                                          "report.html"]


@pytest.fixture(scope="module")
def score_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The report of a real `detection-studio score` run (COCO + VOC, no model) and its
    metrics, rebuilt by the command line."""
    tmp_path = tmp_path_factory.mktemp("score")
    fixture = COCO_FIXTURE
    metrics = tmp_path / "metrics.json"
    done = subprocess.run(
        [str(Path(sys.executable).parent / "detection-studio"), "score",
         "--gt", fixture / "instances_val2014_100.json",
         "--dt", fixture / "instances_val2014_fakebbox100_results.json",
         "--output", metrics, "--metric", "coco,voc"],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    done = report_cli(metrics, "--output", tmp_path / "report.html")
    assert done.returncode == 0, done.stderr
    return tmp_path / "report.html", json.loads(metrics.read_text())


def score_charts(scored: dict[str, Any]) -> dict[str, list[str]]:
    """The charts of what score wrote (the analyses too, when this build writes them)."""
    return {section: charts for section, charts in SINGLE_CHARTS.items()
            if {"coco": "pr_curves"}.get(section, section) in scored}


def test_cli_on_what_score_writes(score_report: tuple[Path, dict[str, Any]]) -> None:
    path, scored = score_report
    text = path.read_text(encoding="utf-8")
    expected = score_charts(scored)
    assert "coco" in expected
    assert outline(text).charts == expected
    assert f'data-v="{scored["coco_stats"][0]!r}"' in text
    assert f'data-v="{scored["voc"]["mAP"]!r}"' in text and 'id="table-voc"' in text
    assert "instances_val2014_fakebbox100_results.json" in text  # the run's name
    assert "No timings in this run" in text  # score runs no model


def _bad_inputs(tmp: Path, run: dict[str, Any]) -> list[tuple[list[Path], str]]:
    tmp.mkdir()
    missing = tmp / "nowhere" / "metrics.json"
    not_json = tmp / "not_json.json"
    not_json.write_text('{"AP": 0.5,\n "per_class": [}\n')
    top_list = tmp / "list.json"
    top_list.write_text("[1, 2]")
    wrong = copy.deepcopy(run)
    wrong["per_class"][1]["AP"] = "high"
    wrong_type = save_run(tmp / "wrong", wrong, None)
    bad_gallery = save_run(tmp / "gallery", run, [{"file_name": "x.jpg", "jpeg_base64": 7}])
    not_jpeg = save_run(tmp / "notjpeg", run, [{"file_name": "x.jpg",
                                                "jpeg_base64": "aGVsbG8gd29ybGQ="}])
    good = save_run(tmp / "good", run, None)
    wrong2 = copy.deepcopy(run)
    wrong2["thresholds"]["overall"]["best"] = {"score": "0.5"}
    second = save_run(tmp / "second", wrong2, None)
    return [
        ([missing], f"{missing}: cannot read: no such file"),
        ([not_json], f"{not_json}: line 2 column 16: not JSON"),
        ([top_list], f"{top_list}: top level: expected a JSON object"),
        ([wrong_type], f"{wrong_type}: per_class[1].AP: expected a number, got a string"),
        ([bad_gallery], (f"{bad_gallery.parent / 'gallery.json'}: [0].jpeg_base64: expected a "
                        "string, got a number")),
        ([not_jpeg], f"{not_jpeg.parent / 'gallery.json'}: [0].jpeg_base64: not a JPEG or PNG"),
        ([good, second], f"{second}: thresholds.overall.best.score: expected a number"),
    ]


def test_cli_bad_input_one_line(tmp_path: Path, runs: list[dict[str, Any]]) -> None:
    for inputs, expected in _bad_inputs(tmp_path / "in", runs[0]):
        out = tmp_path / "out.html"
        done = report_cli(*inputs, "--output", out)
        assert done.returncode == 1, (expected, done.stderr)
        assert done.stdout == ""
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(expected), (expected, done.stderr)
        assert "Traceback" not in done.stderr
        assert not out.exists() and not Path(str(out) + ".partial").exists()
    good = tmp_path / "in" / "good" / "metrics.json"
    done = report_cli(good, "--output", tmp_path / "no" / "such" / "dir" / "r.html")
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith(f"{tmp_path / 'no' / 'such' / 'dir' / 'r.html'}: cannot write")


# ---------------------------------------------------------------------------------------------
# in a browser

@pytest.fixture(scope="module")
def browser() -> Any:
    if not CHROMIUM.is_file():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium): apt-get install "
                    "chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


def open_page(browser: Any, path: Path) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    assert requests == [path.as_uri()], requests  # the page and nothing else
    return page, problems


def test_renders_in_chromium(browser: Any, reports: dict[str, Path],
                             score_report: tuple[Path, dict[str, Any]]) -> None:
    paths = {**reports, "score": score_report[0]}
    for name, expected in (("single", SINGLE_CHARTS), ("comparison", COMPARISON_CHARTS),
                           ("score", score_charts(score_report[1]))):
        page, problems = open_page(browser, paths[name])
        charts = page.eval_on_selector_all(
            "figure.chart", """figs => figs.map(f => {
                const s = f.querySelector('svg'); const r = s ? s.getBoundingClientRect() : null;
                return [f.closest('section').id, f.dataset.chart,
                        r ? r.width : 0, r ? r.height : 0,
                        s ? s.querySelectorAll('text').length : 0];
            })""")
        found: dict[str, list[str]] = {}
        for section, chart, width, height, texts in charts:
            found.setdefault(section, []).append(chart)
            assert width > 100 and height > 100, (name, chart, width, height)
            assert texts > 3, (name, chart)
        assert found == expected
        images = page.eval_on_selector_all(
            "img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.clientWidth])")
        assert len(images) == (6 if name == "single" else 0)
        assert all(done and natural == 320 and shown > 0 for done, natural, shown in images)
        assert problems == [], problems
        if name == "single" and os.environ.get("DS_REPORT_SCREENSHOT"):
            from PIL import Image

            shot = paths[name].parent / "report.png"
            page.screenshot(path=str(shot), full_page=True)
            with Image.open(shot) as im:  # 128 colours: a third of the size, looks the same
                im.convert("RGB").quantize(128, dither=Image.Dither.NONE).save(
                    os.environ["DS_REPORT_SCREENSHOT"], optimize=True)
        page.close()


def column(page: Any, table: str, index: int) -> list[str]:
    return page.eval_on_selector_all(
        f"#{table} tbody tr", f"rows => rows.map(r => r.cells[{index}].textContent.trim())")


def test_sorting_in_chromium(browser: Any, reports: dict[str, Path],
                             runs: list[dict[str, Any]]) -> None:
    page, problems = open_page(browser, reports["single"])
    per_class = runs[0]["per_class"]
    names = [c["name"] for c in per_class]
    assert column(page, "table-coco", 0) == names  # the metrics.json order at first

    header = page.locator("#table-coco thead th", has_text=re.compile(r"^AP$"))
    header.click()
    by_ap = [c["name"] for c in sorted(per_class, key=lambda c: c["AP"])]
    assert column(page, "table-coco", 0) == by_ap
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert column(page, "table-coco", 0) == by_ap[::-1]
    assert header.get_attribute("aria-sort") == "descending"

    # numbers as numbers (GT 43 before 156), not as text
    page.locator("#table-coco thead th", has_text=re.compile(r"^GT$")).click()
    gts = [int(v) for v in column(page, "table-coco", 8)]
    assert gts == sorted(c["gt"] for c in per_class)
    # missing values (bicycle has no APs) last, whichever the direction
    aps = page.locator("#table-coco thead th", has_text=re.compile(r"^APs$"))
    for _ in range(2):
        aps.click()
        assert column(page, "table-coco", 4)[-1] == "–"
    # text columns alphabetically
    page.locator("#table-coco thead th", has_text=re.compile(r"^class$")).click()
    assert column(page, "table-coco", 0) == sorted(names)
    assert problems == []
    page.close()


def test_names_are_text_not_markup() -> None:
    run = make_run(3, seed=6, model="<b>model</b>")
    names = ['a<b & "c"', "$5 note", "_under"]
    for i, name in enumerate(names):
        for part in (run["per_class"], run["pr_curves"]["classes"], run["thresholds"]["classes"]):
            part[i]["name"] = name
        run["confusion"]["labels"][i] = name
    text = build_report([run])
    assert "<b>model</b>" not in text and "&lt;b&gt;model&lt;/b&gt;" in text
    assert 'a<b' not in text and "a&lt;b &amp; &quot;c&quot;" in text
    assert text.count("$5 note") >= 4  # table, PR and threshold panels, confusion: not TeX
    assert outline(text).charts == SINGLE_CHARTS


def test_comparison_over_two_datasets(runs: list[dict[str, Any]]) -> None:
    other = {**runs[1], "dataset": "datasets/other (val)"}
    text = build_report([runs[0], other, runs[2]])
    o = outline(text)
    assert o.charts == {"pr-overlay": ["pr-overlay", "pr-overlay"]}  # one chart per dataset
    assert 'id="winners-table"' in text and 'id="winners-table-2"' in text
    assert "Only one run (retinanet_resnet50) on this dataset." in text
