"""`detection-studio check`: counts, and one line per problem naming the file, image or
annotation; exit 1 on errors, 0 with warnings only."""

import json

from formats_support import make_coco, run, write_image


def test_clean_dataset_passes_with_counts(tmp_path):
    spec = make_coco(tmp_path)
    doc = json.loads((tmp_path / "annotations.json").read_text())
    out = run("check", spec)
    assert f"boxes:  {len(doc['annotations'])} (small" in out.stdout
    assert "images: 8 (1 without annotations)" in out.stdout
    assert "  unused  " in out.stdout  # a class with no boxes is listed with 0
    assert "warning: image without annotations (1)\n  image 121 (h.png)" in out.stdout
    assert out.stdout.rstrip().endswith("OK: 0 errors, 1 warning")


def test_every_problem_is_named(tmp_path):
    images = tmp_path / "images"
    write_image(images / "ok.jpg", 100, 80)
    write_image(images / "resized.png", 50, 50)
    (images / "broken.jpg").write_bytes(b"this is not an image")
    doc = {
        "images": [
            {"id": 1, "file_name": "ok.jpg", "width": 100, "height": 80},
            {"id": 1, "file_name": "resized.png", "width": 100, "height": 100},
            {"id": 3, "file_name": "broken.jpg", "width": 10, "height": 10},
            {"id": 4, "file_name": "gone.jpg", "width": 10, "height": 10},
            {"id": 5, "file_name": "ok.jpg", "width": 100, "height": 80},
        ],
        "categories": [{"id": 1, "name": "cat"}, {"id": 1, "name": "cat again"}],
        "annotations": [
            {"id": 10, "image_id": 1, "category_id": 1, "bbox": [90, 10, 20, 10]},
            {"id": 10, "image_id": 1, "category_id": 1, "bbox": [10, 10, 0, 5]},
            {"id": 12, "image_id": 1, "category_id": 9, "bbox": [1, 1, 2, 2]},
            {"id": 13, "image_id": 77, "category_id": 1, "bbox": [1, 1, 2, 2]},
            {"id": 14, "image_id": 3, "category_id": 1, "bbox": [-3, 1, 2, 2]},
        ],
    }
    (tmp_path / "gt.json").write_text(json.dumps(doc))
    spec = tmp_path / "dataset.yaml"
    spec.write_text("format: coco\nannotations: gt.json\nimages: images\n")
    out = run("check", spec, check=False)
    assert out.returncode == 1, out.stdout + out.stderr
    text = out.stdout
    expected = [
        "error: duplicate image id (1)\n  image 1 (resized.png): id also used by image 1 (ok.jpg)",
        "error: duplicate category id (1)\n  category 1 ('cat again') listed twice",
        "error: missing image (1)\n  " + str(images / "gone.jpg") + ": image not found (image 4 (gone.jpg))",
        "error: unreadable image (1)\n  " + str(images / "broken.jpg") + ": cannot read the image header: ",
        "error: image size differs (1)\n  " + str(images / "resized.png") + ": 50x50 in the file, 100x100",
        "error: box outside image",
        "annotation 10 on image 1 (ok.jpg): box [90.0, 10.0, 20.0, 10.0] crosses the right edge of the 100x80 image",
        "annotation 14 on image 3 (broken.jpg): box [-3.0, 1.0, 2.0, 2.0] crosses the left edge",
        "error: duplicate annotation id (1)\n  annotation 10 on image 1",
        "error: degenerate box (1)\n  annotation 10 on image 1 (ok.jpg): box [10.0, 10.0, 0.0, 5.0] has zero or negative width",
        "error: unknown class (1)\n  annotation 12 on image 1: category 9 is not in the categories",
        "error: unknown image (1)\n  annotation 13: image 77 is not in the images",
        "warning: duplicate file name (1)\n  image 5 (ok.jpg): same file as image 1",
        "warning: image without annotations (3)\n  image 1 (resized.png)\n  image 4 (gone.jpg)",
    ]
    for line in expected:
        assert line in text, f"missing {line!r} in:\n{text}"
    assert "(unknown id 9)  1" in text
    assert text.rstrip().endswith("FAILED: 11 errors, 4 warnings")


def test_long_lists_are_capped(tmp_path):
    for i in range(1, 31):
        write_image(tmp_path / "images" / f"{i}.png", 20, 20)
    images = [{"id": i, "file_name": f"{i}.png", "width": 20, "height": 20} for i in range(1, 31)]
    doc = {"images": images, "categories": [{"id": 1, "name": "a"}], "annotations": []}
    (tmp_path / "gt.json").write_text(json.dumps(doc))
    (tmp_path / "d.yaml").write_text("format: coco\nannotations: gt.json\nimages: images\n")
    out = run("check", tmp_path / "d.yaml")
    assert "warning: image without annotations (30)" in out.stdout
    assert "  ... and 20 more\n" in out.stdout
    assert out.stdout.count("\n  image ") == 10


def test_size_classes_follow_coco_area_thresholds(tmp_path):
    write_image(tmp_path / "images" / "x.png", 300, 300)
    boxes = [[0, 0, 31, 33], [0, 0, 32, 32], [0, 0, 95, 97], [0, 0, 96, 96], [0, 0, 200, 200]]
    doc = {
        "images": [{"id": 1, "file_name": "x.png", "width": 300, "height": 300}],
        "categories": [{"id": 1, "name": "a"}],
        "annotations": [{"id": i, "image_id": 1, "category_id": 1, "bbox": b} for i, b in enumerate(boxes)],
    }
    (tmp_path / "gt.json").write_text(json.dumps(doc))
    (tmp_path / "d.yaml").write_text("format: coco\nannotations: gt.json\nimages: images\n")
    out = run("check", tmp_path / "d.yaml")
    assert "boxes:  5 (small 1, medium 2, large 2)" in out.stdout
