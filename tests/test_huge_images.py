"""A huge image is decoded at reduced size when the model resizes anyway (its transform's
max_size, or input.size), its boxes scaled back to the stored pixels: the same metrics as a
full decode, far less memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from conftest import BIN, REPO
from PIL import Image

FACTOR = 16  # a 320x240 demo image as 5120x3840


def peak_rss_mb(*args: str | Path) -> tuple[int, float]:
    """Runs detection-studio in a fresh child; its exit code and peak resident memory (MB)."""
    probe = ("import resource, subprocess, sys\n"
             "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
             "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    out = subprocess.run([sys.executable, "-c", probe, str(BIN / "detection-studio"), *map(str, args)],
                         capture_output=True, text=True, check=True, timeout=300).stdout.split()
    return int(out[0]), int(out[1]) / 1024


def test_a_huge_image_is_decoded_reduced_with_the_same_metrics(shapes_val: Path, tmp_path: Path) -> None:
    gt = json.loads((shapes_val / "annotations" / "instances_val.json").read_text())
    first = gt["images"][0]
    with Image.open(shapes_val / "val" / first["file_name"]) as im:
        big = im.convert("RGB").resize((im.width * FACTOR, im.height * FACTOR), Image.BILINEAR)
    (tmp_path / "images").mkdir()
    big.save(tmp_path / "images" / "huge.jpg", quality=95)
    anns = [dict(a, image_id=1, bbox=[v * FACTOR for v in a["bbox"]], area=a["area"] * FACTOR ** 2)
            for a in gt["annotations"] if a["image_id"] == first["id"]]
    (tmp_path / "gt.json").write_text(json.dumps({
        "images": [{"id": 1, "file_name": "huge.jpg", "width": big.width, "height": big.height}],
        "categories": gt["categories"], "annotations": anns}))
    (tmp_path / "run.yaml").write_text(
        f"dataset:\n  format: coco\n  annotations: gt.json\n  images: images\n"
        f"model: {REPO / 'configs' / 'models' / 'shapes-fcos.yaml'}\n")
    # The same model behind a module that hides its resize: the image is decoded whole.
    (tmp_path / "whole.py").write_text(
        "from detection_studio import pytorch_detect\n\n\ndef load(config_path):\n"
        "    m = pytorch_detect.load(config_path)\n    m.max_input_side = None\n    return m\n")
    models = REPO / "configs" / "models"
    text = (models / "shapes-fcos.yaml").read_text()
    for old, new in (("module: pytorch_detect", "module: ./whole.py"),
                     ("classes: shapes.names", f"classes: {models / 'shapes.names'}"),
                     ("weights: shapes_fcos.pt", f"weights: {models / 'shapes_fcos.pt'}")):
        text = text.replace(old, new)
    (tmp_path / "whole.yaml").write_text(text)

    rc, reduced_mb = peak_rss_mb("evaluate", tmp_path / "run.yaml", "--output", tmp_path / "reduced")
    assert rc == 0
    rc, whole_mb = peak_rss_mb("evaluate", tmp_path / "run.yaml", "--model", tmp_path / "whole.yaml",
                               "--output", tmp_path / "whole")
    assert rc == 0
    reduced = json.loads((tmp_path / "reduced" / "metrics.json").read_text())
    whole = json.loads((tmp_path / "whole" / "metrics.json").read_text())
    assert reduced["timings"]["reduced_decodes"] == 1 and whole["timings"]["reduced_decodes"] == 0
    assert reduced["coco_stats"] == whole["coco_stats"] and reduced["AP50"] == 1.0
    # Boxes in the stored image's pixels: the whole decode's within a few of its pixels.
    a = json.loads((tmp_path / "reduced" / "detections.json").read_text())[:10]
    b = json.loads((tmp_path / "whole" / "detections.json").read_text())[:10]
    assert [d["category_id"] for d in a] == [d["category_id"] for d in b]
    assert np.abs(np.array([d["bbox"] for d in a]) - np.array([d["bbox"] for d in b])).max() < 3 * FACTOR
    # Measured here: ~985 MB against ~1,540 MB.
    assert reduced_mb < whole_mb - 200, (reduced_mb, whole_mb)
