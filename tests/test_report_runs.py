"""The report as the commands write it: evaluate (always), score --report, report (rebuild) and
compare (many models), opened in a real browser."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import COCO_FIXTURE, REPO, error_line, run_ds
from report_data import schema

DEMO = REPO / "configs" / "demo.yaml"
MODELS = REPO / "configs" / "models"
CHROMIUM = Path("/usr/bin/chromium")
LIMIT = 16


@pytest.fixture(scope="module")
def evaluated(shapes_val: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("evaluated")
    result = run_ds("evaluate", DEMO, "--limit", LIMIT, "--output", out)
    assert result.returncode == 0, result.stderr
    return out, result.stdout


@pytest.fixture(scope="module")
def browser() -> Any:
    if not CHROMIUM.is_file():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium): apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


def rendered(browser: Any, path: Path) -> dict[str, Any]:
    """What Chromium shows of a report: charts per section, pictures, and any problem."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    charts = page.eval_on_selector_all(
        "figure.chart", """figs => figs.map(f => {
            const r = f.querySelector('svg').getBoundingClientRect();
            return [f.closest('section').id, f.dataset.chart, r.width, r.height]; })""")
    images = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth])")
    page.close()
    sections: dict[str, list[str]] = {}
    for section, chart, width, height in charts:
        assert width > 100 and height > 100, (section, chart, width, height)
        sections.setdefault(section, []).append(chart)
    return {"problems": problems, "requests": requests, "sections": sections, "images": images}


def test_evaluate_writes_the_report_with_its_gallery(evaluated: tuple[Path, str], browser: Any) -> None:
    out, stdout = evaluated
    metrics = json.loads((out / "metrics.json").read_text())
    gallery = json.loads((out / "gallery.json").read_text())
    # The gallery is per_image's worst images, with per_image's counts.
    worst = metrics["per_image"]["worst"]
    assert 0 < len(worst) <= 12
    assert [g["image_id"] for g in gallery] == worst
    counts = {im["image_id"]: im for im in metrics["per_image"]["images"]}
    for g in gallery:
        assert (g["tp"], g["fp"], g["fn"]) == tuple(counts[g["image_id"]][k] for k in ("tp", "fp", "fn"))
    assert "torch" in metrics["versions"] and "python" in metrics["versions"]
    assert metrics["evaluation_seconds"] > 0
    # The terminal summary's two lines.
    best = metrics["thresholds"]["overall"]["best"]
    assert f"Best F1 {best['f1']:.3f} at score >= {best['score']:.3f}" in stdout
    assert "TIDE errors (dAP at IoU 0.5" in stdout

    page = rendered(browser, out / "report.html")
    assert page["problems"] == [] and page["requests"] == [(out / "report.html").as_uri()]
    for section in ("coco", "thresholds", "confusion", "tide"):
        assert page["sections"].get(section), (section, page["sections"])
    assert len(page["images"]) == len(gallery)
    assert all(done and width > 0 for done, width in page["images"])


def test_report_rebuilds_the_same_page(evaluated: tuple[Path, str], tmp_path: Path) -> None:
    out, _ = evaluated
    result = run_ds("report", out / "metrics.json", "--output", tmp_path / "again.html")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "again.html").read_bytes() == (out / "report.html").read_bytes()


def test_report_of_a_bad_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "metrics.json"
    # a value the run's schema describes as a number is a string
    bad.write_text(json.dumps({"AP75": "high", "schema": schema()}))
    result = run_ds("report", bad, "--output", tmp_path / "r.html")
    assert result.returncode == 1
    assert "AP75: expected a number" in error_line(result) and str(bad) in error_line(result)
    assert not (tmp_path / "r.html").exists()
    missing = run_ds("report", tmp_path / "none.json")
    assert missing.returncode == 1 and "none.json" in error_line(missing)


def test_score_report_with_and_without_pictures(shapes_val: Path, evaluated: tuple[Path, str],
                                                tmp_path: Path, browser: Any) -> None:
    out, _ = evaluated
    # The demo's own detections, scored again: the same analyses, now with score's facts.
    gt = shapes_val / "annotations" / "instances_val.json"
    with_images = tmp_path / "a" / "metrics.json"
    with_images.parent.mkdir()
    result = run_ds("score", "--gt", gt, "--dt", out / "detections.json", "--output", with_images,
                    "--report", "--images", shapes_val / "val", "--quiet")
    assert result.returncode == 0, result.stderr
    gallery = json.loads((with_images.parent / "gallery.json").read_text())
    assert gallery and all(g["jpeg_base64"] for g in gallery)
    page = rendered(browser, with_images.parent / "report.html")
    assert page["problems"] == [] and len(page["images"]) == len(gallery)

    plain = tmp_path / "b" / "metrics.json"
    plain.parent.mkdir()
    result = run_ds("score", "--gt", COCO_FIXTURE / "instances_val2014_100.json",
                    "--dt", COCO_FIXTURE / "instances_val2014_fakebbox100_results.json",
                    "--output", plain, "--report", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "no --images" in result.stderr
    assert json.loads((plain.parent / "gallery.json").read_text()) == []
    assert (plain.parent / "report.html").is_file()

    no_output = run_ds("score", "--gt", gt, "--dt", out / "detections.json", "--report")
    assert no_output.returncode == 2 and "--report needs --output" in no_output.stderr


def counting_model(tmp_path: Path, name: str, max_detections: int) -> Path:
    """The demo model behind a module that counts its loads in loads.txt."""
    module = tmp_path / "counting_detect.py"
    module.write_text(
        "from pathlib import Path\n\nfrom detection_studio import pytorch_detect\n\n\n"
        "def load(config_path: str) -> pytorch_detect.Inferencer:\n"
        "    with open(Path(__file__).with_name('loads.txt'), 'a') as f:\n"
        "        f.write(config_path + '\\n')\n"
        "    return pytorch_detect.load(config_path)\n")
    config = tmp_path / f"{name}.yaml"
    text = (MODELS / "shapes-fcos.yaml").read_text()
    text = text.replace("module: pytorch_detect", "module: ./counting_detect.py")
    text = text.replace("name: shapes-fcos", f"name: {name}")
    text = text.replace("classes: shapes.names", f"classes: {MODELS / 'shapes.names'}")
    text = text.replace("weights: shapes_fcos.pt", f"weights: {MODELS / 'shapes_fcos.pt'}")
    text = text.replace("max_detections: 100", f"max_detections: {max_detections}")
    config.write_text(text)
    return config


def test_compare_two_models_on_two_datasets(shapes_val: Path, evaluated: tuple[Path, str],
                                            tmp_path: Path, browser: Any) -> None:
    full = counting_model(tmp_path, "fcos-100", 100)
    few = counting_model(tmp_path, "fcos-3", 3)
    second = tmp_path / "again.yaml"  # the same dataset under another run config
    second.write_text(f"dataset:\n  format: coco\n  annotations: {shapes_val}/annotations/instances_val.json\n"
                      f"  images: {shapes_val}/val\n")
    out = tmp_path / "cmp"
    result = run_ds("compare", DEMO, second, "--model", full, "--model", few, "--limit", LIMIT,
                    "--bootstrap", 200, "--output", out)
    assert result.returncode == 0, result.stderr
    # Each model loaded once for both datasets.
    assert sorted((tmp_path / "loads.txt").read_text().split()) == sorted([str(full), str(few)])

    rows = list(csv.DictReader((out / "comparison.csv").open()))
    assert [(r["dataset"], r["model"]) for r in rows] == [
        ("demo", "fcos-100"), ("demo", "fcos-3"), ("again", "fcos-100"), ("again", "fcos-3")]
    evaluated_ap = json.loads((evaluated[0] / "metrics.json").read_text())["AP"]
    for r in rows:
        # DIR/<run config>/<model config>/: the model configs are named as their models here
        m = json.loads((out / r["dataset"] / r["model"] / "metrics.json").read_text())
        assert float(r["AP"]) == pytest.approx(m["AP"], abs=5e-5)
        # every described value is a column, headed by its metrics.json key
        best = m["thresholds"]["overall"]["best"]
        assert float(r["thresholds.overall.best.score"]) == pytest.approx(best["score"], abs=5e-5)
        assert float(r["ARl"]) == pytest.approx(m["ARl"], abs=5e-5)
        assert float(r["images_per_second"]) > 0
        if r["model"] == "fcos-100":  # the demo model: what evaluate gave on these images
            assert m["AP"] == evaluated_ap
    # Three detections per image lose recall: worse, and the interval says so.
    comparison = json.loads((out / "comparison.json").read_text())
    diffs = comparison["differences"]
    assert [(d["run"], d["baseline"]) for d in diffs] == [(1, 0), (3, 2)]
    for d in diffs:
        run_ap = json.loads((out / rows[d["run"]]["dataset"] / "fcos-3" / "metrics.json").read_text())["AP"]
        base_ap = json.loads((out / rows[d["baseline"]]["dataset"] / "fcos-100" / "metrics.json").read_text())["AP"]
        assert d["observed"] == pytest.approx(run_ap - base_ap, abs=1e-12)
        assert d["ci_low"] <= d["mean"] <= d["ci_high"] < 0
        assert d["samples"] == 200
    assert "AP differences" in (out / "comparison.md").read_text()
    page = rendered(browser, out / "report.html")
    assert page["problems"] == []
    assert page["sections"].get("differences") and page["sections"].get("pr-overlay")


def test_compare_checks_everything_before_loading_a_model(tmp_path: Path) -> None:
    result = run_ds("compare", DEMO, "--model", tmp_path / "missing.yaml", "--output", tmp_path / "o")
    assert result.returncode == 1 and "missing.yaml" in error_line(result)
    result = run_ds("compare", DEMO, "--output", tmp_path / "o")
    assert result.returncode == 2 and "--model" in result.stderr
    result = run_ds("compare", DEMO, tmp_path / "nope.yaml", "--model", MODELS / "shapes-fcos.yaml",
                    "--output", tmp_path / "o")
    assert result.returncode == 1 and "nope.yaml" in error_line(result)
