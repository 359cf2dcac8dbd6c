"""Ultralytics (PyPI) as an independent reader and writer of YOLO pose labels, which globox does
not read: what we write, Ultralytics' own label check (`verify_image_label`, what its pose
datasets run on every label file) reads back, keypoint for keypoint; what its COCO converter
(`convert_coco(use_keypoints=True)`) writes, we read."""

import json

import numpy as np
import pytest
from formats_support import (
    COCO_KEYPOINTS,
    keypoints_by_file,
    make_coco_keypoints,
    run,
    to_coco,
    write_image,
)

pytest.importorskip("ultralytics")

# Ultralytics takes GIF files for videos, not images.
IMAGES = [("a.jpg", 160, 120), ("b.png", 200, 100), ("c.bmp", 64, 96), ("e.webp", 150, 150), ("f.jpg", 320, 240)]


@pytest.fixture(scope="module")
def people(tmp_path_factory):
    root = tmp_path_factory.mktemp("people")
    spec = make_coco_keypoints(root, images=IMAGES)
    return spec, json.loads((root / "annotations.json").read_text())


def test_ultralytics_reads_our_pose_labels(people, tmp_path):
    from ultralytics.data.utils import verify_image_label

    spec, doc = people
    run("convert", spec, "--to", "yolo", "--output", tmp_path / "yolo")
    sizes = {im["file_name"]: (im["width"], im["height"]) for im in doc["images"]}
    for name, objects in keypoints_by_file(doc).items():
        image = tmp_path / "yolo" / "images" / name
        label = (tmp_path / "yolo" / "labels" / name).with_suffix(".txt")
        result = verify_image_label((str(image), str(label), "", True, 1, 17, 3, False))
        assert result[0] is not None, result[-1]  # not rejected as corrupt
        keypoints, message = result[4], result[-1]
        assert "duplicate" not in message
        assert keypoints.shape == (len(objects), 17, 3), name
        w, h = sizes[name]
        for (_, kps, _), theirs in zip(objects, keypoints):
            ours = np.array(kps, dtype=np.float64).reshape(17, 3)
            # Ultralytics reads float32.
            assert np.allclose(theirs[:, 0] * w, ours[:, 0], atol=1e-3)
            assert np.allclose(theirs[:, 1] * h, ours[:, 1], atol=1e-3)
            assert (theirs[:, 2] == ours[:, 2]).all()


def test_we_read_ultralytics_converted_coco(tmp_path):
    from ultralytics.data.converter import convert_coco

    make_coco_keypoints(tmp_path / "src", images=IMAGES)
    doc = json.loads((tmp_path / "src" / "annotations.json").read_text())
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / "person_keypoints_val.json").write_text(json.dumps(doc))
    convert_coco(str(tmp_path / "ann"), str(tmp_path / "u"), use_keypoints=True, cls91to80=False)
    labels = tmp_path / "u" / "labels" / "person_keypoints_val"
    root = tmp_path / "y"
    for im in doc["images"]:
        write_image(root / "images" / im["file_name"], im["width"], im["height"])
        src = (labels / im["file_name"]).with_suffix(".txt")
        if src.exists():
            dst = (root / "labels" / im["file_name"]).with_suffix(".txt")
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_text(src.read_text())
    names = "\n".join(f"    - {n}" for n in COCO_KEYPOINTS)
    (root / "data.yaml").write_text(f"val: images\nnames:\n  0: person\nkpt_shape: [17, 3]\nkpt_names:\n  0:\n{names}\n")
    (root / "dataset.yaml").write_text("format: yolo\ndata: data.yaml\n")
    ours = to_coco(root / "dataset.yaml", tmp_path / "coco")
    # Ultralytics leaves out crowd regions and people without a labelled keypoint, and writes
    # numbers with 6 significant digits (%g).
    kept = {**doc, "annotations": [a for a in doc["annotations"] if not a["iscrowd"] and a["num_keypoints"] > 0]}
    expected, got = keypoints_by_file(kept), keypoints_by_file(ours)
    assert sorted(expected) == sorted(got)
    compared = 0
    for name, objects in expected.items():
        assert len(objects) == len(got[name]), name
        for (_, kps, n), (_, kps2, n2) in zip(objects, got[name]):
            assert np.allclose(kps, kps2, atol=1e-3) and n == n2, (name, kps, kps2)
            compared += 1
    assert compared == len(kept["annotations"]) > 0
