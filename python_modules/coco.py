"""pycocotools' ``COCO`` and ``COCOeval`` for boxes, masks and keypoints, computed by Detection Studio's C++ core.

Switching is one import::

    from detection_studio.coco import COCO, COCOeval   # was: from pycocotools.coco ...

The numbers (``stats``, ``eval['precision' | 'recall' | 'scores']``) are pycocotools' to the
last bit. Differences, all deliberate:

- ``iouType`` is ``'bbox'`` (the default), ``'segm'`` (polygons and RLE, with maskApi.c's
  semantics), ``'boundary'`` (Boundary IoU as faster-coco-eval's ``iouType="boundary"``: its
  ``boundary_dilation_ratio``, default 0.02, is a keyword of ``COCOeval`` and
  ``params.boundary_dilation_ratio``) or ``'keypoints'`` (OKS with ``params.kpt_oks_sigmas``,
  COCO's 17 by default).
- ``evaluate()`` runs evaluate and accumulate together in C++; ``accumulate()`` only exposes the
  arrays. Per-image results (``evalImgs``, ``ious``) are not kept.
- Bad results (missing keys, NaN or infinite numbers, negative sizes, unknown image ids, an empty
  list) raise ``ValueError`` naming the record and the field instead of failing later.
- Mask and display helpers (``annToMask``, ``showAnns``, ``download``) are not provided.
"""

from __future__ import annotations

import copy
import datetime
import itertools
import json
import math
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from detection_studio import _core

__all__ = ["COCO", "COCOeval", "Params"]

Record = dict[str, Any]
Ids = int | Iterable[int]


def _is_array_like(obj: object) -> bool:
    return hasattr(obj, "__iter__") and hasattr(obj, "__len__")


def _as_list(obj: Any) -> list[Any]:
    return list(obj) if _is_array_like(obj) else [obj]


class COCO:
    """COCO instances (ground truth) or results, with pycocotools' index and lookups.

    The evaluator works on the C++ reading of the file; the Python dicts (``dataset``,
    ``anns``, ``imgs``, ...) are built the first time something asks for them.
    """

    def __init__(self, annotation_file: str | Path | None = None) -> None:
        self._file = None if annotation_file is None else str(annotation_file)
        self._dataset: dict[str, Any] | None = None
        self._index: dict[str, Any] | None = None
        self._core: _core.Dataset | None = None
        self._core_masks: _core.Dataset | None = None  # the same read with segmentations (segm)
        # Set for results made by loadRes: the detections as C++ holds them (boxes; with masks,
        # read when segm asks), and how to build their dicts when asked.
        self._detections: _core.Detections | None = None
        self._mask_detections: _core.Detections | None = None
        self._make_mask_detections: Any = None
        self._keypoint_detections: _core.Detections | None = None
        self._make_keypoint_detections: Any = None
        self._results_source = ""
        self._make_dataset: Any = None
        if self._file is not None:
            print("loading annotations into memory...")
            tic = time.time()
            self._core = _core.read_coco(self._file)
            print(f"Done (t={time.time() - tic:0.2f}s)")
            print("creating index...")
            print("index created!")
        else:
            self._dataset = {}

    # -- the dicts, built on demand ---------------------------------------------------------

    @property
    def dataset(self) -> dict[str, Any]:
        if self._dataset is None:
            if self._make_dataset is not None:
                self._dataset = self._make_dataset()
            else:
                assert self._file is not None
                with open(self._file) as f:
                    self._dataset = json.load(f)
        return self._dataset

    @dataset.setter
    def dataset(self, value: dict[str, Any]) -> None:
        self._dataset = value
        self._make_dataset = None
        self._index = None
        self._forget_core()

    def _forget_core(self) -> None:
        self._core = None
        self._core_masks = None
        self._detections = None
        self._mask_detections = None
        self._make_mask_detections = None
        self._keypoint_detections = None
        self._make_keypoint_detections = None

    def createIndex(self) -> None:
        """Rebuild the index (after ``dataset`` was changed in place)."""
        print("creating index...")
        self._index = None
        if self._dataset is not None:  # the dicts may have changed: C++ reads them again
            self._forget_core()
        print("index created!")

    def _built_index(self) -> dict[str, Any]:
        if self._index is None:
            anns: dict[Any, Record] = {}
            imgs: dict[Any, Record] = {}
            cats: dict[Any, Record] = {}
            img_to_anns: defaultdict[Any, list[Record]] = defaultdict(list)
            cat_to_imgs: defaultdict[Any, list[Any]] = defaultdict(list)
            ds = self.dataset
            for ann in ds.get("annotations", []):
                img_to_anns[ann["image_id"]].append(ann)
                anns[ann["id"]] = ann
            for img in ds.get("images", []):
                imgs[img["id"]] = img
            for cat in ds.get("categories", []):
                cats[cat["id"]] = cat
            if "annotations" in ds and "categories" in ds:
                for ann in ds["annotations"]:
                    cat_to_imgs[ann["category_id"]].append(ann["image_id"])
            self._index = {"anns": anns, "imgs": imgs, "cats": cats,
                           "imgToAnns": img_to_anns, "catToImgs": cat_to_imgs}
        return self._index

    @property
    def anns(self) -> dict[Any, Record]:
        return self._built_index()["anns"]

    @property
    def imgs(self) -> dict[Any, Record]:
        return self._built_index()["imgs"]

    @property
    def cats(self) -> dict[Any, Record]:
        return self._built_index()["cats"]

    @property
    def imgToAnns(self) -> defaultdict[Any, list[Record]]:
        return self._built_index()["imgToAnns"]

    @property
    def catToImgs(self) -> defaultdict[Any, list[Any]]:
        return self._built_index()["catToImgs"]

    def info(self) -> None:
        for key, value in self.dataset.get("info", {}).items():
            print(f"{key}: {value}")

    # -- pycocotools' lookups ----------------------------------------------------------------

    def getAnnIds(
        self, imgIds: Ids = (), catIds: Ids = (), areaRng: Any = (),
        iscrowd: bool | None = None,
    ) -> list[Any]:
        img_ids, cat_ids, area_rng = _as_list(imgIds), _as_list(catIds), list(areaRng)
        if len(img_ids) == len(cat_ids) == len(area_rng) == 0:
            anns = self.dataset["annotations"]
        else:
            if img_ids:
                to_anns = self.imgToAnns
                lists = [to_anns[i] for i in img_ids if i in to_anns]
                anns = list(itertools.chain.from_iterable(lists))
            else:
                anns = self.dataset["annotations"]
            if cat_ids:
                anns = [a for a in anns if a["category_id"] in cat_ids]
            if area_rng:
                anns = [a for a in anns if area_rng[0] < a["area"] < area_rng[1]]
        if iscrowd is not None:
            return [a["id"] for a in anns if a["iscrowd"] == iscrowd]
        return [a["id"] for a in anns]

    def getCatIds(self, catNms: Any = (), supNms: Any = (), catIds: Ids = ()) -> list[Any]:
        names, sups, ids = _as_list(catNms), _as_list(supNms), _as_list(catIds)
        if self._dataset is None and self._core is not None and not (names or sups or ids):
            return [c.id for c in self._core.categories]  # no need to load the dicts
        cats = self.dataset["categories"]
        if names:
            cats = [c for c in cats if c["name"] in names]
        if sups:
            cats = [c for c in cats if c["supercategory"] in sups]
        if ids:
            cats = [c for c in cats if c["id"] in ids]
        return [c["id"] for c in cats]

    def getImgIds(self, imgIds: Ids = (), catIds: Ids = ()) -> list[Any]:
        img_ids, cat_ids = _as_list(imgIds), _as_list(catIds)
        if len(img_ids) == len(cat_ids) == 0:
            if self._dataset is None and self._core is not None:
                return list(dict.fromkeys(im.id for im in self._core.images))
            return list(self.imgs.keys())
        ids = set(img_ids)
        for n, cat_id in enumerate(cat_ids):
            if n == 0 and len(ids) == 0:
                ids = set(self.catToImgs[cat_id])
            else:
                ids &= set(self.catToImgs[cat_id])
        return list(ids)

    def loadAnns(self, ids: Ids = ()) -> list[Record]:
        return self._load(self.anns, ids)

    def loadCats(self, ids: Ids = ()) -> list[Record]:
        return self._load(self.cats, ids)

    def loadImgs(self, ids: Ids = ()) -> list[Record]:
        return self._load(self.imgs, ids)

    @staticmethod
    def _load(table: dict[Any, Record], ids: Any) -> list[Record]:
        if _is_array_like(ids):
            return [table[i] for i in ids]
        if isinstance(ids, int):
            return [table[ids]]
        return []

    # -- results ------------------------------------------------------------------------------

    def loadRes(self, resFile: str | Path | list[Record] | npt.NDArray[Any]) -> COCO:
        """Results for these images: a results JSON file, a list of dicts with ``image_id``,
        ``category_id``, ``bbox`` ([x, y, w, h]) and ``score``, or an N x 7 array of
        [image_id, x, y, w, h, score, category_id] rows."""
        print("Loading and preparing results...")
        tic = time.time()
        res = COCO()
        res._dataset = None
        gt = self._core_dataset()
        masks: Any = None  # how to read the masks, when segm asks for them
        keypoints: Any = None  # the same for keypoints
        if isinstance(resFile, (str, Path)):
            source = str(resFile)
            try:
                dets = _core.read_results(source)
                masks = lambda: _core.read_mask_results(source)
                keypoints = lambda: _core.read_keypoint_results(source)
            except _core.Error as box_error:
                # Results without boxes are masks or keypoints (loadRes takes the box from each
                # mask, or from the keypoints' extent), as the first record says. Keypoint files
                # are tried on their head's first record (parsing the whole file in Python took
                # longer than reading and scoring it); any failure takes the general path.
                quick = _keypoint_results_from_head(source)
                if quick is not None:
                    dets = keypoints = quick
                else:
                    first = _first_record(source)
                    try:
                        if "segmentation" in first or "keypoints" not in first:
                            dets = masks = _core.read_mask_results(source)
                        else:
                            dets = keypoints = _core.read_keypoint_results(source)
                    except _core.Error as error:
                        raise (box_error if "bbox" in first or not first else error) from None
            records: Any = source
        elif isinstance(resFile, np.ndarray):
            source = "results array"
            dets, records = _detections_from_array(resFile), resFile
            masks = dets  # boxes only: segm scores each box as its polygon, as loadRes does
            keypoints = _no_keypoints
        elif isinstance(resFile, list):
            source = "results"
            records = resFile
            first = records[0] if records and isinstance(records[0], dict) else {}
            if "bbox" not in first and "segmentation" in first:
                dets = masks = _mask_detections_from_dicts(records)
            elif "bbox" not in first and "keypoints" in first:
                dets = keypoints = _keypoint_detections_from_dicts(records)
            else:
                dets = _detections_from_dicts(records)
                masks = lambda: _mask_detections_from_dicts(records)
                keypoints = lambda: _keypoint_detections_from_dicts(records)
        else:
            raise TypeError(f"results: expected a file path, a list of dicts or an N x 7 array, "
                            f"got {type(resFile).__name__}")
        if len(dets) == 0:
            raise ValueError(f"{source}: no detections (the results are empty)")
        _core.check_result_images(gt, dets, source)
        res._detections = dets
        if callable(masks):
            res._make_mask_detections = masks
        else:
            res._mask_detections = masks
        if callable(keypoints):
            res._make_keypoint_detections = keypoints
        else:
            res._keypoint_detections = keypoints
        res._results_source = source
        res._make_dataset = lambda: self._results_dataset(records, dets)
        print(f"DONE (t={time.time() - tic:0.2f}s)")
        print("creating index...")
        print("index created!")
        return res

    def _results_dataset(self, records: Any, dets: _core.Detections) -> dict[str, Any]:
        """What pycocotools' loadRes makes of the results (built only when asked for)."""
        if isinstance(records, str):
            with open(records) as f:
                anns = json.load(f)
        elif isinstance(records, np.ndarray):
            anns = self.loadNumpyAnnotations(records)
        else:
            anns = [dict(a) for a in records]
        # loadRes decides from the first record: boxes, else masks, else keypoints.
        boxes = bool(anns) and "bbox" in anns[0]
        masks = bool(anns) and not boxes and "segmentation" in anns[0]
        for n, ann in enumerate(anns):
            if boxes:
                x, y, w, h = ann["bbox"]
                if "segmentation" not in ann:
                    ann["segmentation"] = [[x, y, x, y + h, x + w, y + h, x + w, y]]
                ann["area"] = w * h
            elif masks:  # their area, and their box where the record has none
                d = dets[n]
                ann["area"] = d.mask_area
                if "bbox" not in ann:
                    ann["bbox"] = [d.bbox.x, d.bbox.y, d.bbox.w, d.bbox.h]
            else:  # keypoints: the box is their extent (the core computed it), the area its w * h
                d = dets[n]
                ann["area"] = d.bbox.w * d.bbox.h
                ann["bbox"] = [d.bbox.x, d.bbox.y, d.bbox.w, d.bbox.h]
            ann["id"] = n + 1
            if boxes or masks:
                ann["iscrowd"] = 0
        return {"images": list(self.dataset["images"]),
                "categories": copy.deepcopy(self.dataset["categories"]),
                "annotations": anns}

    @staticmethod
    def loadNumpyAnnotations(data: npt.NDArray[Any]) -> list[Record]:
        """N x 7 rows [image_id, x, y, w, h, score, category_id] as result dicts."""
        if data.ndim != 2 or data.shape[1] != 7:
            raise ValueError(f"results array: expected N x 7 rows, got shape {data.shape}")
        return [{"image_id": int(row[0]), "bbox": [row[1], row[2], row[3], row[4]],
                 "score": row[5], "category_id": int(row[6])} for row in data]

    # -- for COCOeval -----------------------------------------------------------------------

    def _core_dataset(self, masks: bool = False) -> _core.Dataset:
        if masks:
            if self._core_masks is None:
                if self._dataset is None and self._file is not None:
                    self._core_masks = _core.read_coco(self._file, masks=True)
                else:
                    self._core_masks = _core.read_coco_text(
                        json.dumps(self.dataset, default=_json_value), self._file or "dataset", masks=True)
            return self._core_masks
        if self._core is None:
            label = self._file or "dataset"
            self._core = _core.read_coco_text(json.dumps(self.dataset), label)
        return self._core

    def _core_detections(self) -> _core.Detections:
        if self._detections is None:
            self._detections = _detections_from_dicts(self.dataset.get("annotations", []))
            self._results_source = "results"
        return self._detections

    def _core_keypoint_detections(self) -> _core.Detections:
        if self._keypoint_detections is None:
            if self._make_keypoint_detections is not None:
                self._keypoint_detections = self._make_keypoint_detections()
            else:
                self._keypoint_detections = _keypoint_detections_from_dicts(
                    self.dataset.get("annotations", []))
        return self._keypoint_detections

    def _core_mask_detections(self) -> _core.Detections:
        if self._mask_detections is None:
            if self._make_mask_detections is not None:
                self._mask_detections = self._make_mask_detections()
            else:
                self._mask_detections = _mask_detections_from_dicts(self.dataset.get("annotations", []))
        return self._mask_detections


def _json_value(obj: Any) -> Any:
    """What json cannot write itself: pycocotools' RLE counts (bytes) and numpy values."""
    if isinstance(obj, bytes):
        return obj.decode("ascii")
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"{type(obj).__name__} is not a JSON value")


def _mask_detections_from_dicts(records: list[Record]) -> _core.Detections:
    """Results with their masks (RLE or polygons), read by the core as loadRes reads them."""
    try:
        text = json.dumps(records, default=_json_value, allow_nan=True)
    except (TypeError, ValueError) as e:
        raise ValueError(f"results: cannot read the masks: {e}") from None
    return _core.read_mask_results_text(text, "results")


def _keypoint_detections_from_dicts(records: list[Record]) -> _core.Detections:
    """Results with their keypoints, read by the core as loadRes reads them."""
    try:
        text = json.dumps(records, default=_json_value, allow_nan=True)
    except (TypeError, ValueError) as e:
        raise ValueError(f"results: cannot read the keypoints: {e}") from None
    return _core.read_keypoint_results_text(text, "results")


def _no_keypoints() -> _core.Detections:
    raise ValueError("results array: N x 7 rows hold no keypoints (iouType 'keypoints' needs "
                     "results with 'keypoints')")


def _keypoint_results_from_head(path: str) -> _core.Detections | None:
    """A results file's keypoint detections when the first record (read from the file's first
    MiB) has keypoints and no segmentation and the file reads as keypoint results; else None.
    The same branch as _first_record's: a file that reads is valid JSON, whose first record
    json.load would give too."""
    try:
        with open(path, encoding="utf-8") as f:
            head = f.read(1 << 20)
    except (OSError, ValueError):
        return None
    text = head.lstrip(" \t\n\r")
    if not text.startswith("["):
        return None
    start = len(head) - len(text) + 1
    while start < len(head) and head[start] in " \t\n\r":
        start += 1
    try:
        first, _ = json.JSONDecoder().raw_decode(head, start)
    except ValueError:
        return None
    if not isinstance(first, dict) or "segmentation" in first or "keypoints" not in first:
        return None
    try:
        return _core.read_keypoint_results(path)
    except _core.Error:
        return None


def _first_record(path: str) -> dict[str, Any]:
    """The first record of a results file ({} when there is none): which loadRes branch it takes.
    Read only to word an error."""
    try:
        with open(path) as f:
            records = json.load(f)
    except (OSError, ValueError):
        return {}
    return records[0] if isinstance(records, list) and records and isinstance(records[0], dict) else {}


def _detections_from_array(data: npt.NDArray[Any]) -> _core.Detections:
    rows = np.asarray(data, dtype=np.float64)
    if rows.ndim != 2 or rows.shape[1] != 7:
        raise ValueError(f"results array: expected N x 7 rows [image_id, x, y, w, h, score, "
                         f"category_id], got shape {data.shape}")
    ids = rows[:, [0, 6]]
    bad = np.flatnonzero(~np.isfinite(ids).all(axis=1))
    if bad.size:
        raise ValueError(f"results array: detection [{bad[0]}]: image or category id is not a "
                         f"finite number")
    # int() like pycocotools' loadNumpyAnnotations: truncation toward zero.
    return _core.detections_from_columns(
        ids[:, 0].astype(np.int64), ids[:, 1].astype(np.int64), rows[:, 1:5], rows[:, 5],
        "results array")


def _detections_from_dicts(records: list[Record]) -> _core.Detections:
    try:
        image_ids = np.array([r["image_id"] for r in records], dtype=np.int64)
        cat_ids = np.array([r["category_id"] for r in records], dtype=np.int64)
        boxes = np.array([r["bbox"] for r in records], dtype=np.float64).reshape(len(records), 4)
        scores = np.array([r["score"] for r in records], dtype=np.float64)
        exact = (np.array([r["image_id"] for r in records], dtype=object) == image_ids).all() and (
            np.array([r["category_id"] for r in records], dtype=object) == cat_ids).all()
    except (KeyError, TypeError, ValueError, OverflowError):
        exact = False
    if not exact:
        _explain_bad_record(records)
    return _core.detections_from_columns(image_ids, cat_ids, boxes, scores, "results")


def _explain_bad_record(records: list[Record]) -> None:
    """Raise ValueError for the first record that cannot be a box detection."""
    for n, r in enumerate(records):
        where = f"results: detection [{n}]"
        if not isinstance(r, dict):
            raise TypeError(f"{where}: expected a dict, got {type(r).__name__}")
        if "bbox" not in r and n > 0:
            raise ValueError(f"{where}: missing 'bbox' (the first detection has one, so every one "
                             f"needs it)")
        for key in ("image_id", "category_id", "bbox", "score"):
            if key not in r:
                raise ValueError(f"{where}: missing '{key}'")
        for key in ("image_id", "category_id"):
            v = r[key]
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                    or not math.isfinite(v) or v != int(v):
                raise ValueError(f"{where}: '{key}': expected an integer, got {v!r}")
        box = r["bbox"]
        if not _is_array_like(box) or len(box) != 4 or not all(_is_number(v) for v in box):
            raise ValueError(f"{where}: 'bbox': expected [x, y, width, height], got {box!r}")
        if not _is_number(r["score"]):
            raise ValueError(f"{where}: 'score': expected a number, got {r['score']!r}")
    raise ValueError("results: expected a list of dicts with image_id, category_id, bbox, score")


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


# pycocotools' setKpParams: COCO's 17 person keypoints, divided by 10.0 in float64 as it does.
COCO_PERSON_SIGMAS = np.array([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07,
                               .87, .87, .89, .89]) / 10.0


class Params:
    """pycocotools' evaluation parameters (bbox, segm, boundary or keypoints), with its names
    and defaults."""

    def __init__(self, iouType: str = "bbox") -> None:
        self.imgIds: list[Any] = []
        self.catIds: list[Any] = []
        # np.linspace exactly as pycocotools calls it, so the thresholds are the same doubles.
        self.iouThrs: npt.NDArray[np.float64] = np.linspace(
            0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
        self.recThrs: npt.NDArray[np.float64] = np.linspace(
            0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
        self.maxDets: list[int] = [1, 10, 100]
        self.areaRng: list[list[float]] = [[0**2, 1e5**2], [0**2, 32**2], [32**2, 96**2],
                                           [96**2, 1e5**2]]
        self.areaRngLbl: list[str] = ["all", "small", "medium", "large"]
        self.useCats: int = 1
        self.iouType = iouType
        # boundary: the boundary's width as a share of the image diagonal (faster-coco-eval's name).
        self.boundary_dilation_ratio: float = 0.02
        if iouType == "keypoints":
            self.maxDets = [20]
            self.areaRng = [[0**2, 1e5**2], [32**2, 96**2], [96**2, 1e5**2]]
            self.areaRngLbl = ["all", "medium", "large"]
            self.kpt_oks_sigmas: npt.NDArray[np.float64] = COCO_PERSON_SIGMAS.copy()

    def _to_core(self) -> _core.Params:
        p = _core.Params()
        if self.iouType not in _IOU_TYPES:
            raise NotImplementedError(
                f"iouType '{self.iouType}' is not supported (bbox, segm, boundary, keypoints)")
        p.iou_type = _IOU_TYPES[self.iouType]
        ratio = self.boundary_dilation_ratio
        if not (_is_number(ratio) and 0 < ratio < 1):
            raise ValueError(f"params: boundary_dilation_ratio: expected a number above 0 and below 1, "
                             f"got {ratio!r}")
        p.boundary_dilation_ratio = float(ratio)
        if self.iouType == "keypoints":
            # iouType may have been changed to keypoints after construction: COCO's sigmas then.
            sigmas = np.asarray(getattr(self, "kpt_oks_sigmas", COCO_PERSON_SIGMAS),
                                dtype=np.float64).ravel()
            if sigmas.size == 0 or not np.isfinite(sigmas).all():
                raise ValueError("params: kpt_oks_sigmas: expected finite numbers, one per keypoint")
            p.kpt_oks_sigmas = sigmas.tolist()
        p.img_ids = [_integer(i, "imgIds") for i in self.imgIds]
        p.cat_ids = [_integer(c, "catIds") for c in self.catIds]
        p.iou_thrs = np.asarray(self.iouThrs, dtype=np.float64).ravel().tolist()
        p.rec_thrs = np.asarray(self.recThrs, dtype=np.float64).ravel().tolist()
        p.max_dets = [_integer(m, "maxDets") for m in self.maxDets]
        rng = np.asarray(self.areaRng, dtype=np.float64)
        if rng.ndim != 2 or rng.shape[1] != 2:
            raise ValueError("params: areaRng: expected a list of [min, max] pairs")
        p.area_rng = rng.tolist()
        p.area_lbl = [str(label) for label in self.areaRngLbl]
        p.use_cats = bool(self.useCats)
        return p


_IOU_TYPES = {"bbox": _core.IouType.bbox, "segm": _core.IouType.segm,
              "boundary": _core.IouType.boundary, "keypoints": _core.IouType.keypoints}


def _integer(v: Any, name: str) -> int:
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return int(v)
    if isinstance(v, (float, np.floating)) and math.isfinite(v) and v == int(v):
        return int(v)
    raise ValueError(f"params: {name}: expected integers, got {v!r}")


class COCOeval:
    """pycocotools' COCOeval for boxes, masks and keypoints: evaluate(), accumulate(),
    summarize(), stats, eval."""

    def __init__(self, cocoGt: COCO | None = None, cocoDt: COCO | None = None,
                 iouType: str = "bbox", boundary_dilation_ratio: float = 0.02) -> None:
        if iouType not in _IOU_TYPES:
            raise NotImplementedError(
                f"iouType '{iouType}' is not supported: detection_studio.coco evaluates boxes "
                f"('bbox'), masks ('segm'), boundaries ('boundary') and keypoints ('keypoints')")
        for name, obj in (("cocoGt", cocoGt), ("cocoDt", cocoDt)):
            if obj is not None and not isinstance(obj, COCO):
                raise TypeError(f"{name}: expected a detection_studio.coco.COCO (results from its "
                                f"loadRes), got {type(obj).__module__}.{type(obj).__name__}")
        self.cocoGt = cocoGt
        self.cocoDt = cocoDt
        self.params = Params(iouType=iouType)
        self.params.boundary_dilation_ratio = boundary_dilation_ratio
        self.eval: dict[str, Any] = {}
        self.stats: npt.NDArray[np.float64] = np.zeros(0)
        self._paramsEval: Params | None = None
        self._result: _core.EvalResult | None = None
        if cocoGt is not None:
            self.params.imgIds = sorted(cocoGt.getImgIds())
            self.params.catIds = sorted(cocoGt.getCatIds())

    @property
    def boundary_dilation_ratio(self) -> float:
        """faster-coco-eval's attribute: the same value as ``params.boundary_dilation_ratio``."""
        return self.params.boundary_dilation_ratio

    @boundary_dilation_ratio.setter
    def boundary_dilation_ratio(self, ratio: float) -> None:
        self.params.boundary_dilation_ratio = ratio

    @property
    def evalImgs(self) -> list[Any]:
        raise NotImplementedError("evalImgs: per-image results are not kept (the evaluation "
                                  "runs in C++); use eval['precision'|'recall'|'scores']")

    def evaluate(self) -> None:
        """Match detections to ground truth and accumulate precision/recall (both in C++)."""
        if self.cocoGt is None or self.cocoDt is None:
            raise ValueError("COCOeval needs cocoGt and cocoDt")
        tic = time.time()
        print("Running per image evaluation...")
        p = self.params
        print(f"Evaluate annotation type *{p.iouType}*")
        params = p._to_core()
        masks = p.iouType in ("segm", "boundary")
        if masks:
            dets = self.cocoDt._core_mask_detections()
        elif p.iouType == "keypoints":
            dets = self.cocoDt._core_keypoint_detections()
        else:
            dets = self.cocoDt._core_detections()
        result = _core.evaluate(self.cocoGt._core_dataset(masks=masks), dets, params)
        # pycocotools leaves these normalised in params.
        p.imgIds = list(result.params.img_ids)
        if p.useCats:
            p.catIds = list(result.params.cat_ids)
        p.maxDets = sorted(p.maxDets)
        self._result = result
        self._paramsEval = copy.deepcopy(p)
        print(f"DONE (t={time.time() - tic:0.2f}s).")

    def accumulate(self, p: Params | None = None) -> None:
        """Expose the arrays evaluate() computed, as pycocotools' ``eval`` dict."""
        print("Accumulating evaluation results...")
        tic = time.time()
        if self._result is None:
            raise RuntimeError("Please run evaluate() first")
        r = self._result
        if not self.params.useCats:
            self.params.catIds = [-1]  # as pycocotools' accumulate leaves it
        precision = np.array(r.precision)
        self.eval = {
            "params": self.params if p is None else p,
            "counts": list(precision.shape),
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
            "precision": precision,
            "recall": np.array(r.recall),
            "scores": np.array(r.scores),
        }
        print(f"DONE (t={time.time() - tic:0.2f}s).")

    def summarize(self) -> None:
        """Print pycocotools' summary (12 lines; 10 for keypoints) and set ``stats``."""
        if not self.eval or self._result is None:
            raise RuntimeError("Please run accumulate() first")
        stats, text = _core.summarize(self._result)
        print(text, end="")
        self.stats = np.asarray(stats, dtype=np.float64)

    def __str__(self) -> str:
        self.summarize()
        return ""
