"""Image files named by a dataset stay inside its images folder (issue "Reliability and first
contact, round 2", security): a COCO file_name that is absolute or climbs out with '..', or an
Open Images ImageID that does, made every command read, and `score --report --images` embed in
report.html, any file the user could read. Refused in one line unless the dataset allows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import error_line, run_ds
from PIL import Image

CATEGORIES = [{"id": 1, "name": "cat"}]


def coco(root: Path, file_name: str, extra_yaml: str = "") -> Path:
    (root / "images").mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 48), (9, 9, 9)).save(root / "secret.png")  # beside, not inside, images/
    Image.new("RGB", (64, 48), (1, 2, 3)).save(root / "images" / "a.png")
    doc = {"images": [{"id": 1, "file_name": "a.png", "width": 64, "height": 48},
                      {"id": 7, "file_name": file_name, "width": 64, "height": 48}],
           "annotations": [{"id": 1, "image_id": 7, "category_id": 1, "bbox": [1, 2, 30, 20],
                            "area": 600, "iscrowd": 0}],
           "categories": CATEGORIES}
    (root / "annotations.json").write_text(json.dumps(doc))
    spec = root / "dataset.yaml"
    spec.write_text("format: coco\nannotations: annotations.json\nimages: images\n" + extra_yaml)
    return spec


@pytest.mark.parametrize(("name", "why"), [("../secret.png", "climbs out of the images folder with '..'"),
                                           ("sub/../../secret.png", "climbs out of the images folder"),
                                           ("ABSOLUTE", "is absolute")])
def test_coco_file_name_outside_the_images_folder_is_refused(tmp_path: Path, name: str, why: str) -> None:
    name = str(tmp_path / "secret.png") if name == "ABSOLUTE" else name
    done = run_ds("check", coco(tmp_path, name))
    assert done.returncode == 1
    line = error_line(done)
    assert f"{tmp_path / 'annotations.json'}: image id 7: file_name '{name}' {why}" in line
    assert "'allow_outside_images: true' in" in line


def test_coco_file_name_outside_is_read_when_the_dataset_allows_it(tmp_path: Path) -> None:
    done = run_ds("check", coco(tmp_path, "../secret.png", "allow_outside_images: true\n"))
    assert done.returncode == 0, done.stderr
    assert "images: 2 (" in done.stdout


def test_coco_file_name_in_a_subfolder_with_dots_stays_inside(tmp_path: Path) -> None:
    (tmp_path / "images" / "sub").mkdir(parents=True)
    Image.new("RGB", (64, 48)).save(tmp_path / "images" / "b.png")
    done = run_ds("check", coco(tmp_path, "sub/../b.png"))
    assert done.returncode == 0, done.stderr


def test_openimages_image_id_climbing_out_is_refused(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    Image.new("RGB", (64, 48)).save(tmp_path / "secret.jpg")
    (tmp_path / "boxes.csv").write_text("ImageID,LabelName,XMin,XMax,YMin,YMax\n"
                                        "../secret,/m/cat,0.1,0.5,0.1,0.5\n")
    spec = tmp_path / "dataset.yaml"
    spec.write_text("format: openimages\nboxes: boxes.csv\nimages: images\n")
    done = run_ds("check", spec)
    assert done.returncode == 1
    line = error_line(done)
    assert f"{tmp_path / 'boxes.csv'}:2: ImageID '../secret': its file '../secret.jpg' climbs out" in line
    spec.write_text("format: openimages\nboxes: boxes.csv\nimages: images\nallow_outside_images: true\n")
    assert run_ds("check", spec).returncode == 0


def test_score_report_does_not_embed_files_outside_images(tmp_path: Path) -> None:
    coco(tmp_path, "../secret.png")
    dt = tmp_path / "dt.json"
    dt.write_text(json.dumps([{"image_id": 7, "category_id": 1, "bbox": [1, 2, 30, 20], "score": 0.9}]))
    args = ["score", "--gt", tmp_path / "annotations.json", "--dt", dt, "--output",
            tmp_path / "out" / "metrics.json", "--report", "--images", tmp_path / "images"]
    done = run_ds(*args)
    assert done.returncode == 1
    assert "file_name '../secret.png' climbs out" in error_line(done)
    assert "--allow-outside-images allows others" in error_line(done)
    assert not (tmp_path / "out" / "report.html").exists()
    allowed = run_ds(*args, "--allow-outside-images")
    assert allowed.returncode == 0, allowed.stderr
    assert (tmp_path / "out" / "report.html").is_file()
