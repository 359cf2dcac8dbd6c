"""Masks in pictures: `render` and `view` fill each detection's mask translucently in its box's
colour and outline ground truth masks; `--iou-type segm` (or a run config scoring segm alone)
decides TP/FP/FN by mask IoU; `k` hides and shows the masks. A flat scene built here: every
pixel checked follows from how it was built."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xvfb
from conftest import BIN, run_ds
from PIL import Image
from pycocotools import mask as mask_utils

W, H, SCALE = 64, 48, 10  # shown 10x (the viewer enlarges small images by a whole factor)
BACKGROUND = 100
GREEN, VERMILLION = (0, 158, 115), (213, 94, 0)  # RGB of the TP and FP colours
YELLOW = (240, 228, 66)  # missed ground truth
BOX_A = [10, 10, 20, 16]  # found, its mask the whole box
BOX_B = [36, 20, 20, 20]  # the box is right, the mask only a corner of it
MASK_B = (40, 24, 52, 36)  # the object's own mask, inside its box
SKY_BLUE = (86, 180, 233)  # matched ground truth


def rle(x0: int, y0: int, x1: int, y1: int) -> dict[str, object]:
    m = np.zeros((H, W), dtype=np.uint8)
    m[y0:y1, x0:x1] = 1
    r = mask_utils.encode(np.asfortranarray(m))
    return {"size": [H, W], "counts": r["counts"].decode()}


def box_mask(b: list[int]) -> dict[str, object]:
    return rle(b[0], b[1], b[0] + b[2], b[1] + b[3])


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mask_scene")
    (root / "images").mkdir()
    Image.new("RGB", (W, H), (BACKGROUND,) * 3).save(root / "images" / "a.png")
    gt = {"images": [{"id": 1, "file_name": "a.png", "width": W, "height": H}],
          "categories": [{"id": 1, "name": "blob", "supercategory": ""}],
          "annotations": [{"id": k + 1, "image_id": 1, "category_id": 1, "bbox": b, "area": b[2] * b[3],
                           "iscrowd": 0, "segmentation": m} for k, (b, m) in enumerate(((BOX_A, box_mask(BOX_A)),
                                                                               (BOX_B, rle(*MASK_B))))]}
    (root / "gt.json").write_text(json.dumps(gt))
    (root / "detections.json").write_text(json.dumps([
        {"image_id": 1, "category_id": 1, "bbox": BOX_A, "score": 0.9, "segmentation": box_mask(BOX_A)},
        {"image_id": 1, "category_id": 1, "bbox": BOX_B, "score": 0.8, "segmentation": rle(36, 34, 42, 40)},
    ]))
    (root / "run.yaml").write_text("dataset:\n  format: coco\n  annotations: gt.json\n  images: images\noutput: out\n")
    return root


def blend(color: tuple[int, int, int]) -> np.ndarray:
    return np.array([round(0.55 * BACKGROUND + 0.45 * c) for c in color])


def at(picture: np.ndarray, x: float, y: float) -> np.ndarray:
    """The canvas pixel in the middle of image pixel (x, y)."""
    return picture[int(y * SCALE + SCALE // 2), int(x * SCALE + SCALE // 2)].astype(int)


def outline_color(picture: np.ndarray, color: tuple[int, int, int]) -> int:
    """Pixels of this colour along the left edge of object B's mask (inside its box)."""
    x, y0, _, y1 = MASK_B
    edge = picture[y0 * SCALE + 5:y1 * SCALE - 5, x * SCALE - 1:x * SCALE + 2].reshape(-1, 3).astype(int)
    return int((np.abs(edge - color).max(axis=1) <= 40).sum())


def rendered(scene: Path, out: Path, *args: str) -> np.ndarray:
    done = run_ds("render", scene / "run.yaml", "--results", scene / "detections.json", "--output", out, *args)
    assert done.returncode == 0, done.stderr
    return np.asarray(Image.open(out / "a.png").convert("RGB"))


def test_masks_are_filled_in_their_boxes_colour(scene: Path, tmp_path: Path) -> None:
    picture = rendered(scene, tmp_path)
    # By box IoU both detections are right: both masks green.
    assert np.abs(at(picture, 20, 22) - blend(GREEN)).max() <= 1
    assert np.abs(at(picture, 38, 37) - blend(GREEN)).max() <= 1
    # Outside the masks, inside the boxes: the image as it is.
    assert (at(picture, 38, 25) == BACKGROUND).all()
    # Ground truth masks are outlined in their boxes' colour: matched.
    assert outline_color(picture, SKY_BLUE) >= 20 and outline_color(picture, YELLOW) == 0


def test_segm_matches_by_mask_iou(scene: Path, tmp_path: Path) -> None:
    picture = rendered(scene, tmp_path, "--iou-type", "segm")
    assert np.abs(at(picture, 20, 22) - blend(GREEN)).max() <= 1
    # The corner barely overlaps the object's mask: a false positive, and the object is missed.
    assert np.abs(at(picture, 38, 37) - blend(VERMILLION)).max() <= 1
    assert outline_color(picture, YELLOW) >= 20 and outline_color(picture, SKY_BLUE) == 0
    # A run config scoring masks alone means the same.
    (scene / "segm.yaml").write_text((scene / "run.yaml").read_text() + "iou_type: segm\n")
    done = run_ds("render", scene / "segm.yaml", "--results", scene / "detections.json", "--output", tmp_path / "c")
    assert done.returncode == 0, done.stderr
    assert "TP 1, FP 1, missed 1" in done.stdout
    assert (np.asarray(Image.open(tmp_path / "c" / "a.png").convert("RGB")) == picture).all()


def test_bad_iou_type_is_a_usage_error(scene: Path, tmp_path: Path) -> None:
    done = run_ds("render", scene / "run.yaml", "--results", scene / "detections.json", "--output", tmp_path,
                  "--iou-type", "boundary")
    assert done.returncode == 2 and "--iou-type: unknown type 'boundary' (bbox, segm, keypoints)" in done.stderr


@pytest.mark.skipif(not xvfb.tools_available(), reason="needs Xvfb and xdotool")
def test_view_toggles_masks_with_k(scene: Path, tmp_path: Path) -> None:
    display = xvfb.VirtualDisplay()
    viewer = xvfb.Viewer(BIN / "detection-studio", [scene / "run.yaml", "--results", scene / "detections.json",
                                                   "--iou-type", "segm", "--ui", "highgui"], display)
    try:
        first = viewer.next_line()
        assert "masks=on" in first and "tp=1 fp=1 fn=1" in first
        shown = np.asarray(viewer.screen(until=lambda s: np.abs(
            at(np.asarray(s.convert("RGB")), 38, 37) - blend(VERMILLION)).max() <= 1).convert("RGB"))
        assert np.abs(at(shown, 20, 22) - blend(GREEN)).max() <= 1
        assert "masks=off" in viewer.press("k")
        hidden = np.asarray(viewer.screen(until=lambda s: (at(np.asarray(s.convert("RGB")), 38, 37) == BACKGROUND).all())
                            .convert("RGB"))
        assert (at(hidden, 20, 22) == BACKGROUND).all()
        assert "masks=on" in viewer.press("k")
        viewer.press("q", expect=None)
        assert viewer.wait_exit() == 0
    finally:
        viewer.kill()
        display.close()


def test_qt_view_draws_masks_matches_by_mask_iou_and_toggles_them(scene: Path) -> None:
    """The desktop application (Qt): the same masks, where its zoom line says the image is."""
    display = xvfb.VirtualDisplay()
    viewer = xvfb.Viewer(BIN / "detection-studio", [scene / "run.yaml", "--results", scene / "detections.json",
                                                   "--iou-type", "segm", "--ui", "qt"], display)

    def screen_at(shot: Image.Image, x: float, y: float) -> np.ndarray:
        line = next(h for h in reversed(viewer.history) if h.startswith("view: zoom="))
        fields = dict(f.split("=", 1) for f in line.split()[1:])
        zoom = float(fields["zoom"])
        ox, oy = (int(v) for v in fields["origin"].split(","))
        return np.asarray(shot.convert("RGB"))[round(oy + (y + 0.5) * zoom), round(ox + (x + 0.5) * zoom)].astype(int)

    try:
        first = viewer.next_line()
        assert "masks=on" in first and "tp=1 fp=1 fn=1" in first  # mask IoU: B's mask misses
        viewer.next_line(r"view: zoom=(?!0\.)")  # fitted to the window once it is laid out
        shown = viewer.screen(until=lambda s: np.abs(screen_at(s, 38, 37) - blend(VERMILLION)).max() <= 1)
        assert np.abs(screen_at(shown, 20, 22) - blend(GREEN)).max() <= 1
        assert "masks=off" in viewer.press("k")
        hidden = viewer.screen(until=lambda s: (screen_at(s, 38, 37) == BACKGROUND).all())
        assert (screen_at(hidden, 20, 22) == BACKGROUND).all()
        viewer.press("q", expect=None)
        assert viewer.wait_exit() == 0
    finally:
        viewer.kill()
        display.close()
