"""`score --slices`: each slice's COCO numbers against pycocotools run with params.imgIds set to
the slice (the oracle), on random ground truth and results; slice rules on image fields; bad
slice files fail in one line naming the file and the key."""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import REPO, error_line, pycocotools_eval, run_ds
from diagnostics_cases import random_case, score

TOLERANCE = 1e-12
WEATHER = ["rain", "sun", "fog"]


def big_case(seed: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Several random cases as one dataset (more images to slice), each image with a size, a
    folder and COCO fields of its own (`attrs`, `night`)."""
    rng = np.random.default_rng(seed)
    images: list[dict[str, Any]] = []
    categories: dict[int, dict[str, Any]] = {}
    annotations: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for part in range(4):
        gt, dts = random_case(seed * 10 + part)
        offset = 1000 * (part + 1)
        for im in gt["images"]:
            night = bool(rng.random() < 0.4)
            images.append({**im, "id": im["id"] + offset,
                           "file_name": ("night/" if night else "day/") + f"{im['id'] + offset}.jpg",
                           "width": int(rng.choice([320, 640, 1024])), "height": 200,
                           "attrs": {"weather": str(rng.choice(WEATHER)), "cars": int(rng.integers(3))},
                           "night": night})
        for c in gt["categories"]:
            categories[c["id"]] = c
        for a in gt["annotations"]:
            annotations.append({**a, "id": len(annotations) + 1, "image_id": a["image_id"] + offset})
        results += [{**d, "image_id": d["image_id"] + offset} for d in dts]
    if seed % 5 == 4 and len(annotations) > 3:  # repeated annotation ids (pycocotools' last-wins)
        annotations[1]["id"] = annotations[-1]["id"]
    return ({"images": images, "categories": sorted(categories.values(), key=lambda c: c["id"]),
             "annotations": annotations}, results)


def expected_images(images: list[dict[str, Any]], rule: dict[str, Any] | list[int]) -> list[int]:
    if isinstance(rule, list):
        return sorted(set(rule))
    out = []
    for im in images:
        ok = True
        for field, want in rule.items():
            if field == "file_name":
                ok &= fnmatch.fnmatchcase(im["file_name"], want)
            elif isinstance(want, list):
                ok &= want[0] <= im[field] <= want[1]
            elif isinstance(want, dict):
                ok &= all(im[field].get(k) == v for k, v in want.items())
            else:
                ok &= im[field] == want
        if ok:
            out.append(im["id"])
    return out


def random_slices(rng: np.random.Generator, images: list[dict[str, Any]]) -> dict[str, Any]:
    ids = [im["id"] for im in images]
    candidates: dict[str, Any] = {
        "picked": [int(i) for i in rng.choice(ids, size=int(rng.integers(1, len(ids) + 1)),
                                              replace=False)],
        "one": [int(rng.choice(ids))],
        "everything": ids,
        "night": {"file_name": "night/*"},
        "narrow": {"width": [0, 640]},
        "wide_day": {"width": [641, 5000], "night": False},
        "weather": {"attrs": {"weather": str(rng.choice(WEATHER))}},
        "busy_rain": {"attrs": {"weather": "rain", "cars": 2}},
    }
    return {name: rule for name, rule in candidates.items() if expected_images(images, rule)}


def per_class_ap(ev: Any) -> list[float]:
    precision = ev.eval["precision"][:, :, :, 0, -1]
    out = []
    for k in range(precision.shape[2]):
        p = precision[:, :, k]
        out.append(float(np.mean(p[p > -1])) if (p > -1).any() else -1.0)
    return out


def test_slices_match_pycocotools_with_img_ids(tmp_path: Path) -> None:
    rng = np.random.default_rng(28)
    worst, compared = 0.0, 0
    for seed in range(10):
        gt, results = big_case(seed)
        gt_file, dt_file = tmp_path / f"gt{seed}.json", tmp_path / f"dt{seed}.json"
        gt_file.write_text(json.dumps(gt))
        dt_file.write_text(json.dumps(results))
        slices = random_slices(rng, gt["images"])
        slices_file = tmp_path / f"slices{seed}.yaml"
        slices_file.write_text(json.dumps(slices))  # JSON is YAML
        metrics = score(gt_file, dt_file, tmp_path / f"m{seed}.json", "--slices", slices_file,
                        "--analyses", "none")
        assert list(metrics["slices"]) == list(slices)
        for name, rule in slices.items():
            ids = expected_images(gt["images"], rule)
            ours = metrics["slices"][name]
            assert ours["images"] == len(ids), (seed, name)
            ev = pycocotools_eval(gt_file, dt_file, ids)
            for a, b in zip(ours["coco_stats"], ev.stats, strict=True):
                worst = max(worst, abs(a - float(b)))
            assert ours["AP"] == ours["coco_stats"][0]
            want = per_class_ap(ev)
            got = [c["AP"] for c in ours["per_class"]]
            assert len(got) == len(want)
            for a, b in zip(got, want, strict=True):
                worst = max(worst, abs(a - b))
            compared += 1
        # the slice of every image is the whole evaluation
        if "everything" in slices:
            assert metrics["slices"]["everything"]["coco_stats"] == metrics["coco_stats"]
    print(f"slices compared: {compared}, max |ours - pycocotools|: {worst:.3g}")
    assert worst <= TOLERANCE


def test_slices_are_described(tmp_path: Path) -> None:
    gt, results = big_case(3)
    gt_file, dt_file = tmp_path / "gt.json", tmp_path / "dt.json"
    gt_file.write_text(json.dumps(gt))
    dt_file.write_text(json.dumps(results))
    slices_file = tmp_path / "slices.yaml"
    slices_file.write_text('night:\n  file_name: "night/*"\nall_of_them: [' +
                           ", ".join(str(im["id"]) for im in gt["images"]) + "]\n")
    done = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--output", tmp_path / "m.json",
                  "--slices", slices_file, "--analyses", "none")
    assert done.returncode == 0, done.stderr
    assert "Slices" in done.stdout and "night" in done.stdout
    metrics = json.loads((tmp_path / "m.json").read_text())
    (section,) = [s for s in metrics["schema"]["sections"] if s["id"] == "coco_slices"]
    assert [v["key"] for v in section["values"]] == ["slices.night.AP", "slices.all_of_them.AP"]
    assert section["tables"][0]["key"] == "slices"
    assert section["tables"][0]["row_id"] == "slice"
    assert [t["key"] for t in section["tables"][1:]] == ["slices.night.per_class",
                                                          "slices.all_of_them.per_class"]


BAD_SLICES = [
    ("night:\n  colour: red\n", "slices.yaml:2: night.colour: no image has a field 'colour'"),
    ("night:\n  attrs: {weather: snow}\n", "slices.yaml:2: night: no image of the ground truth matches"),
    ("picked: [424242]\n", "slices.yaml:1: picked: image id 424242 is not in the ground truth"),
    ("picked: []\n", "slices.yaml:1: picked: an empty slice"),
    ("night: {}\n", "slices.yaml:1: night: an empty slice"),
    ("a.b: [1001]\n", "slices.yaml:1: a.b: a slice name must be non-empty and hold no '.'"),
    ("narrow:\n  width: [640]\n", "slices.yaml:2: narrow.width: expected a range [low, high]"),
    ("narrow: 3\n", "slices.yaml:1: narrow: expected a list of image ids or a mapping"),
    ("- 1\n", "slices.yaml: expected a YAML mapping"),
]


@pytest.mark.parametrize(("text", "message"), BAD_SLICES)
def test_bad_slices(tmp_path: Path, text: str, message: str) -> None:
    gt, results = big_case(1)
    gt_file, dt_file = tmp_path / "gt.json", tmp_path / "dt.json"
    gt_file.write_text(json.dumps(gt))
    dt_file.write_text(json.dumps(results))
    slices_file = tmp_path / "slices.yaml"
    slices_file.write_text(text)
    done = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--slices", slices_file, "--quiet")
    assert done.returncode == 1
    line = error_line(done)
    assert str(tmp_path / message.split(":")[0]) in line
    assert message.split(":", 1)[1].strip() in line


def test_slices_need_a_coco_metric(tmp_path: Path) -> None:
    gt, results = big_case(1)
    gt_file, dt_file = tmp_path / "gt.json", tmp_path / "dt.json"
    gt_file.write_text(json.dumps(gt))
    dt_file.write_text(json.dumps(results))
    (tmp_path / "s.yaml").write_text("a: [1]\n")
    done = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--metric", "voc", "--slices",
                  tmp_path / "s.yaml")
    assert done.returncode == 2
    assert "--slices applies to the COCO metrics" in error_line(done)


def test_run_config_slices_with_limit(shapes_val: Path, tmp_path: Path) -> None:
    """`slices:` in a run config (a path beside it): each slice is scored over the images the run
    ran, as pycocotools with imgIds = the slice's images among them."""
    gt_file = shapes_val / "annotations" / "instances_val.json"
    (tmp_path / "slices.yaml").write_text("first: [1, 2, 3, 200]\nsmall_ids: {id: [1, 4]}\n")
    demo = (REPO / "configs" / "demo.yaml").read_text()
    config = tmp_path / "run.yaml"
    config.write_text(demo.replace("../", str(REPO) + "/").replace("models/", str(REPO / "configs" / "models") + "/")
                      + "slices: slices.yaml\n")
    # a one-shard run and merge (merge scores with the run config's evaluators; evaluate's own
    # report.html is drawn by the installed report package)
    done = run_ds("evaluate", config, "--shard", "0/1", "--limit", "5", "--output", tmp_path / "shard")
    assert done.returncode == 0, done.stderr
    done = run_ds("merge", config, tmp_path / "shard", "--output", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["images"] == 5
    for name, ids in {"first": [1, 2, 3], "small_ids": [1, 2, 3, 4]}.items():
        assert metrics["slices"][name]["images"] == len(ids)
        ev = pycocotools_eval(gt_file, tmp_path / "out" / "detections.json", ids)
        assert metrics["slices"][name]["coco_stats"] == [float(x) for x in ev.stats]
    (tmp_path / "slices.yaml").write_text("night: {colour: red}\n")
    done = run_ds("evaluate", config, "--limit", "1", "--output", tmp_path / "out2")
    assert done.returncode == 1
    assert "slices.yaml:1: night.colour: no image has a field 'colour'" in error_line(done)
    config.write_text(config.read_text().replace("slices: slices.yaml", "slices: nope.yaml"))
    done = run_ds("evaluate", config, "--output", tmp_path / "out3")
    assert done.returncode == 1
    assert "run.yaml:11: slices: file not found" in error_line(done)


def test_report_shows_the_slice_table(tmp_path: Path) -> None:
    gt, results = big_case(2)
    gt_file, dt_file = tmp_path / "gt.json", tmp_path / "dt.json"
    gt_file.write_text(json.dumps(gt))
    dt_file.write_text(json.dumps(results))
    (tmp_path / "s.yaml").write_text('night: {file_name: "night/*"}\nnarrow: {width: [0, 640]}\n')
    score(gt_file, dt_file, tmp_path / "m.json", "--slices", tmp_path / "s.yaml")
    done = subprocess.run([sys.executable, "-m", "detection_studio.report", tmp_path / "m.json",
                           tmp_path / "m.json", "--output", tmp_path / "r.html"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "r.html").read_text()
    # the comparison has a column per slice (described values), the run's section its table
    assert "night AP" in html and "narrow AP" in html
    done = subprocess.run([sys.executable, "-m", "detection_studio.report", tmp_path / "m.json",
                           "--output", tmp_path / "one.html"], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    one = (tmp_path / "one.html").read_text()
    assert "<th>slice</th>" in one.replace(' class="text"', "") or ">slice<" in one
    assert "Per class, slice night" in one
