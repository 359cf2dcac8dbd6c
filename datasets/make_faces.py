"""A small face dataset of real photos that installed packages ship, with face boxes drawn by
hand, in COCO "instances" format: the ground truth for configs/faces.yaml (MTCNN).

The photos are copied from the packages (never downloaded); the boxes below were drawn on them
by hand (forehead to chin, cheek to cheek, as WIDER FACE draws them) and checked in the
viewer. Faces too blurred to tell in the background of zidane.jpg are not annotated.

| file | from | licence |
|---|---|---|
| grace_hopper.jpg | matplotlib (mpl-data/sample_data) | US Navy photo, public domain |
| zidane.jpg, bus.jpg | ultralytics (assets) | shipped with Ultralytics under AGPL-3.0 |

Run: python datasets/make_faces.py --output datasets/faces
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
from pathlib import Path

from PIL import Image

# (package, path inside it) -> face boxes [x, y, w, h] in pixels
PHOTOS: list[tuple[str, str, list[list[float]]]] = [
    ("matplotlib", "mpl-data/sample_data/grace_hopper.jpg", [[168, 135, 194, 203]]),
    ("ultralytics", "assets/zidane.jpg", [[905, 105, 145, 175], [552, 258, 112, 190]]),
    ("ultralytics", "assets/bus.jpg", [[110, 414, 46, 58], [266, 418, 41, 54]]),
]


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise SystemExit(f"make_faces: the package {name} is not installed (make install installs it)")
    return Path(spec.origin).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, required=True)
    out: Path = parser.parse_args().output
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "annotations").mkdir(parents=True, exist_ok=True)
    images, annotations = [], []
    for image_id, (package, inside, boxes) in enumerate(PHOTOS, start=1):
        source = package_dir(package) / inside
        target = out / "images" / source.name
        shutil.copyfile(source, target)
        with Image.open(target) as im:
            width, height = im.size
        images.append({"id": image_id, "file_name": source.name, "width": width, "height": height})
        for x, y, w, h in boxes:
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": 1,
                                "bbox": [x, y, w, h], "area": w * h, "iscrowd": 0})
    doc = {"images": images, "annotations": annotations,
           "categories": [{"id": 1, "name": "face", "supercategory": "person"}]}
    (out / "annotations" / "instances.json").write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{len(images)} photos, {len(annotations)} faces -> {out}")


if __name__ == "__main__":
    main()
