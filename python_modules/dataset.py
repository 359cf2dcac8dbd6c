"""``ds.load_dataset`` and ``Dataset``: a dataset as the command line reads it.

The C++ readers read it (the formats' registry: a dataset.yaml of any format, a run config's
``dataset:``, or a COCO / LVIS json); ``check`` is the ``check`` command's report and
``convert`` the ``convert`` command's writing (formats/convert), through detection_studio._core.
"""

from __future__ import annotations

import os
import warnings
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from detection_studio import _core

__all__ = ["Dataset", "load_dataset"]

PathLike = str | os.PathLike[str]


class Dataset:
    """A dataset's images, categories and annotations (views of the C++ records).

    ``images``, ``categories`` and ``annotations`` are lists of ``_core.Image`` (``id``,
    ``file_name``, ``width``, ``height``), ``_core.Category`` (``id``, ``name``, ...) and
    ``_core.Annotation`` (``id``, ``image_id``, ``category_id``, ``bbox`` xywh, ``area``,
    ``iscrowd``, ...); ``columns()`` gives the annotations as NumPy arrays. Iterating gives each
    image with its annotations.
    """

    def __init__(self, core: Any, file: Path) -> None:
        self._core = core
        self.file = file
        self.images: list[Any] = list(core.images)
        self.categories: list[Any] = list(core.categories)
        self.annotations: list[Any] = list(core.annotations)
        self._by_image: dict[int, list[Any]] | None = None

    @property
    def source(self) -> str:
        """The file or folder the records were read from."""
        return str(self._core.source)

    @property
    def image_dir(self) -> Path:
        return Path(self._core.image_dir)

    def __repr__(self) -> str:
        return (f"Dataset({self.source!r}: {len(self.images)} images, {len(self.annotations)} "
                f"annotations, {len(self.categories)} categories)")

    def __len__(self) -> int:
        return len(self.images)

    def __iter__(self) -> Iterator[tuple[Any, list[Any]]]:
        """(image, its annotations), in the dataset's order."""
        if self._by_image is None:
            by_image: dict[int, list[Any]] = defaultdict(list)
            for a in self.annotations:
                by_image[a.image_id].append(a)
            self._by_image = dict(by_image)
        for image in self.images:
            yield image, self._by_image.get(image.id, [])

    def columns(self) -> dict[str, np.ndarray]:
        """The annotations as arrays: ``id``, ``image_id``, ``category_id`` (N,) int64, ``bbox``
        (N, 4) xywh float64, ``area`` (N,) and ``iscrowd`` (N,) bool."""
        return dict(self._core.annotation_columns())

    def check(self, read_images: bool | None = None) -> list[dict[str, Any]]:
        """The problems ``detection-studio check`` reports, as dicts (``error``: True for an
        error, False for a warning; ``kind``; ``message`` naming the file, image or annotation).

        ``read_images`` (default: unless the images' folder is unknown, as for a bare json)
        opens every image's header: missing, unreadable, or of another size than its record.
        """
        return [{"error": p.error, "kind": p.kind, "message": p.message}
                for p in self._report(read_images).problems]

    def report(self, read_images: bool | None = None) -> str:
        """The text ``detection-studio check`` prints (counts, problems, a verdict)."""
        return f"dataset: {self.source}\n" + _core.format_report(self._report(read_images))

    def _report(self, read_images: bool | None) -> Any:
        if read_images is None:
            read_images = str(self._core.image_dir) != ""
        return _core.check_dataset(self._core, read_images)

    def convert(self, format: str, output: PathLike, copy_images: bool = False) -> Path:
        """Writes the dataset in ``format`` (``detection-studio convert --to``) into the folder
        ``output``, all or nothing; returns its dataset.yaml. What the format cannot carry
        (crowd flags, masks, ...) is said in warnings, as the command prints it."""
        if format not in _core.format_names():
            raise ValueError(f"format: unknown dataset format {format!r} "
                             f"(known: {', '.join(_core.format_names())})")
        _core.refuse_video_frames(self._core, format)
        _core.check_convert_target(str(output), self._core, str(self.file))
        for note in _core.convert_dataset(self._core, format, str(output), copy_images):
            warnings.warn(note, stacklevel=2)
        return Path(output) / "dataset.yaml"


def load_dataset(path: PathLike, *, images: PathLike | None = None, masks: bool = False,
                 skip_bad: bool = False) -> Dataset:
    """Reads a dataset as the command line does.

    Args:
        path: a dataset.yaml (any format: coco, voc, yolo, ...), a run config (its
            ``dataset:``), or a COCO / LVIS instances json.
        images: a json's images folder (a yaml names its own).
        masks: read instance masks too (polygons, RLE).
        skip_bad: leave out malformed records (``--skip-bad``), listed by ``check()``.
    """
    file = Path(path)
    core = _core.load_dataset_file(str(file), "" if images is None else str(images), masks, skip_bad)
    return Dataset(core, file)
