"""A real pretrained detector on real photos: facenet-pytorch's MTCNN (its weights ship in the
wheel) on the hand-annotated faces of photos that installed packages ship."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, error_line, run_ds

pytest.importorskip("facenet_pytorch", reason="pip install --no-deps facenet-pytorch==2.6.0")


@pytest.fixture(scope="module")
def faces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("faces")
    subprocess.run([sys.executable, str(REPO / "datasets" / "make_faces.py"), "--output",
                    str(root / "data")], check=True, capture_output=True)
    config = root / "faces.yaml"
    config.write_text(f"dataset:\n  format: coco\n  annotations: {root}/data/annotations/instances.json\n"
                      f"  images: {root}/data/images\nmodel: {REPO}/configs/models/mtcnn.yaml\n"
                      "metrics: [coco, voc]\n")
    return config


def test_mtcnn_finds_every_face(faces: Path, tmp_path: Path) -> None:
    done = run_ds("evaluate", faces, "--output", tmp_path)
    assert done.returncode == 0, done.stderr
    m = json.loads((tmp_path / "metrics.json").read_text())
    # All 5 faces found, each by the detection that scores highest on it: AP50 1, and boxes
    # close to the hand-drawn ones (MTCNN's box convention differs a little: AP 0.47).
    assert m["AP50"] == 1.0 and m["voc"]["mAP"] == 1.0
    assert m["AP"] > 0.4
    dets = json.loads((tmp_path / "detections.json").read_text())
    assert {d["image_id"] for d in dets} == {1, 2, 3}
    assert all(d["category_id"] == 1 for d in dets)


def test_no_face_on_a_blank_image(tmp_path: Path) -> None:
    from detection_studio import mtcnn_detect

    model = mtcnn_detect.load(str(REPO / "configs" / "models" / "mtcnn.yaml"))
    [out] = model.infer([np.full((240, 320, 3), 128, np.uint8)])
    assert out["boxes"].shape == (0, 4) and out["scores"].shape == (0,)


def test_a_bad_setting_is_one_line(faces: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("module: mtcnn_detect\nmin_face_size: 0\n")
    done = run_ds("evaluate", faces, "--model", bad, "--output", tmp_path / "out")
    assert done.returncode == 1
    assert "min_face_size" in error_line(done) and str(bad) in error_line(done)
