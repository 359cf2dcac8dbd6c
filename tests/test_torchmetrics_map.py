"""ds.MeanAveragePrecision against torchmetrics' own (backend="pycocotools"): the same keys,
dtypes, shapes and numbers (to 1e-12) on randomized batches; bad input; torch.distributed."""

from __future__ import annotations

import os
import socket
import warnings
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tm_detection = pytest.importorskip("torchmetrics.detection")

import detection_studio as ds
from torchmetrics_cases import batch, max_difference

TOL = 1e-12


def _both(kwargs: dict[str, Any], batches: list[tuple[list[Any], list[Any]]]) -> tuple[Any, Any]:
    ours = ds.MeanAveragePrecision(**kwargs)
    theirs = tm_detection.MeanAveragePrecision(backend="pycocotools", **kwargs)
    theirs.warn_on_many_detections = False
    for preds, target in batches:
        ours.update(preds, target)
        theirs.update(preds, target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ours.compute(), theirs.compute()


CONFIGS: list[dict[str, Any]] = [
    {},
    {"box_format": "xywh", "class_metrics": True},
    {"box_format": "cxcywh", "extended_summary": True},
    {"average": "micro", "class_metrics": True, "extended_summary": True},
    {"iou_thresholds": [0.5, 0.75, 0.3], "rec_thresholds": [0.0, 0.2, 0.55, 1.0]},
    {"max_detection_thresholds": [10, 1, 5], "class_metrics": True},
    {"iou_type": "segm", "class_metrics": True},
    {"iou_type": "segm", "average": "micro", "extended_summary": True},
    {"iou_type": ("bbox", "segm"), "class_metrics": True},
    {"iou_type": ("bbox", "segm"), "average": "micro", "class_metrics": True, "extended_summary": True},
]


@pytest.mark.parametrize("config", range(len(CONFIGS)))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equals_torchmetrics(config: int, seed: int) -> None:
    kwargs = dict(CONFIGS[config])
    rng = np.random.default_rng(100 * config + seed)
    iou = kwargs.get("iou_type", "bbox")
    masks = "segm" in (iou if isinstance(iou, tuple) else (iou,))
    dtype = torch.float64 if seed == 2 else torch.float32
    batches = [
        batch(rng, int(rng.integers(1, 7)), kwargs.get("box_format", "xyxy"), masks, dtype, many=seed == 1)
        for _ in range(3)
    ]
    ours, theirs = _both(kwargs, batches)
    assert max_difference(ours, theirs) <= TOL


def test_many_images_one_label() -> None:
    rng = np.random.default_rng(7)
    batches = [batch(rng, 25, labels=1) for _ in range(4)]
    ours, theirs = _both({"class_metrics": True}, batches)
    assert max_difference(ours, theirs) <= TOL  # one class: classes and per-class are scalars


@pytest.mark.parametrize("iou_type", ["bbox", "segm"])
def test_empty(iou_type: str) -> None:
    ours, theirs = _both({"iou_type": iou_type}, [])
    assert max_difference(ours, theirs) == 0
    rng = np.random.default_rng(3)
    preds, target = batch(rng, 4, masks=True)
    for p in preds:  # no detections at all
        for k in p:
            p[k] = p[k][:0]
    ours, theirs = _both({"iou_type": iou_type}, [(preds, target)])
    assert max_difference(ours, theirs) == 0


def test_reset_and_images() -> None:
    rng = np.random.default_rng(5)
    preds, target = batch(rng, 6)
    m = ds.MeanAveragePrecision()
    m.update(preds, target)
    first = m.compute()
    m.update(preds, target)
    assert m.images == 12
    m.reset()
    assert m.images == 0
    m.update(preds, target)
    assert max_difference(m.compute(), first) == 0


def test_numpy_inputs() -> None:
    rng = np.random.default_rng(9)
    preds, target = batch(rng, 5)
    m = ds.MeanAveragePrecision()
    m.update(preds, target)
    a = m.compute()
    m.reset()
    m.update([{k: v.numpy() for k, v in p.items()} for p in preds],
             [{k: v.numpy() for k, v in t.items()} for t in target])
    assert max_difference(m.compute(), a) == 0


# --- bad input: ValueError / TypeError naming the image and the key ---------------------------


def _one(**over: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    p = {"boxes": torch.tensor([[10.0, 10, 50, 60]]), "scores": torch.tensor([0.9]), "labels": torch.tensor([1])}
    t = {"boxes": torch.tensor([[12.0, 10, 50, 58]]), "labels": torch.tensor([1])}
    ok = ({**p}, {**t})
    for key, value in over.items():
        side, k = key.split("__")
        (ok[0] if side == "p" else ok[1])[k] = value
    good = ({**p}, {**t})
    return [good[0], ok[0]], [good[1], ok[1]]


BAD: list[tuple[dict[str, Any], type[Exception], list[str]]] = [
    ({"p__boxes": torch.tensor([[50.0, 10, 10, 60]])}, ValueError, ["image 1", "'boxes'", "x2 < x1"]),
    ({"t__boxes": torch.tensor([[12.0, 58, 50, 10]])}, ValueError, ["image 1", "target", "'boxes'", "y2 < y1"]),
    ({"p__boxes": torch.tensor([[10.0, 10, 50]])}, ValueError, ["image 1", "preds", "'boxes'", "shape"]),
    ({"p__boxes": torch.tensor([[10.0, 10, 50, 60], [1, 2, 3, 4]])}, ValueError, ["image 1", "'boxes'", "(1, 4)"]),
    ({"p__boxes": torch.tensor([[10.0, float("nan"), 50, 60]])}, ValueError, ["image 1", "'boxes'", "finite"]),
    ({"p__labels": torch.tensor([1.0])}, TypeError, ["image 1", "'labels'", "integers"]),
    ({"t__labels": torch.tensor([[1]])}, ValueError, ["image 1", "target", "'labels'", "shape"]),
    ({"p__scores": torch.tensor([1])}, TypeError, ["image 1", "'scores'", "floating"]),
    ({"p__scores": torch.tensor([0.5, 0.4])}, ValueError, ["image 1", "'scores'", "(1,)"]),
    ({"p__boxes": torch.tensor([[True, True, True, True]])}, TypeError, ["image 1", "'boxes'"]),
    ({"p__boxes": [[10.0, 10, 50, 60]]}, TypeError, ["image 1", "'boxes'", "list"]),
    ({"t__iscrowd": torch.tensor([0, 1])}, ValueError, ["image 1", "'iscrowd'"]),
    ({"t__area": torch.tensor([float("inf")])}, ValueError, ["image 1", "'area'", "finite"]),
]


@pytest.mark.parametrize("case", range(len(BAD)))
def test_bad_input(case: int) -> None:
    over, error, words = BAD[case]
    preds, target = _one(**over)
    m = ds.MeanAveragePrecision()
    with pytest.raises(error) as info:
        m.update(preds, target)
    for w in words:
        assert w in str(info.value), (w, str(info.value))


@pytest.mark.parametrize("fmt", ["xywh", "cxcywh"])
def test_negative_sizes(fmt: str) -> None:
    preds, target = _one(p__boxes=torch.tensor([[10.0, 10, -5, 60]]))
    with pytest.raises(ValueError, match=rf"image 1: preds: 'boxes' row 0 .*negative width .*'{fmt}'"):
        ds.MeanAveragePrecision(box_format=fmt).update(preds, target)


def test_missing_keys_and_lengths() -> None:
    preds, target = _one()
    del preds[1]["scores"]
    with pytest.raises(ValueError, match=r"image 1: preds: missing key 'scores'"):
        ds.MeanAveragePrecision().update(preds, target)
    preds, target = _one()
    with pytest.raises(ValueError, match="same length"):
        ds.MeanAveragePrecision().update(preds, target[:1])
    with pytest.raises(ValueError, match=r"image 0: target: missing key 'masks'"):
        ds.MeanAveragePrecision(iou_type="segm").update(
            [{"masks": torch.zeros(1, 4, 4, dtype=torch.uint8), "scores": torch.tensor([0.5]), "labels": torch.tensor([0])}],
            [{"labels": torch.tensor([0])}],
        )
    with pytest.raises(ValueError, match=r"image 0: preds 'masks': expected shape \(1, H, W\)"):
        ds.MeanAveragePrecision(iou_type="segm").update(
            [{"masks": torch.zeros(4, 4, dtype=torch.uint8), "scores": torch.tensor([0.5]), "labels": torch.tensor([0])}],
            [{"masks": torch.zeros(0, 4, 4, dtype=torch.uint8), "labels": torch.tensor([], dtype=torch.int64)}],
        )
    with pytest.raises(ValueError, match="box_format"):
        ds.MeanAveragePrecision(box_format="xyz")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="iou_type"):
        ds.MeanAveragePrecision(iou_type="keypoints")  # type: ignore[arg-type]


# --- torch.distributed: 2 processes on gloo give the single-process result -------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rank_main(rank: int, world: int, port: int, kwargs: dict[str, Any], batches: Any, out: Any) -> None:
    import torch.distributed as dist

    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        m = ds.MeanAveragePrecision(**kwargs)
        for preds, target in batches:
            m.update(preds[rank::world], target[rank::world])  # as a DistributedSampler splits
        result = m.compute()
        # NumPy through the queue: a tensor would be shared by a file this process takes along
        out.put((rank, {k: v.numpy() for k, v in result.items() if not isinstance(v, dict)}))
    finally:
        dist.destroy_process_group()


@pytest.mark.parametrize("kwargs", [{"class_metrics": True}, {"iou_type": "segm", "average": "micro"}])
def test_distributed_gloo(kwargs: dict[str, Any]) -> None:
    import torch.multiprocessing as mp

    rng = np.random.default_rng(11)
    masks = kwargs.get("iou_type") == "segm"
    batches = [batch(rng, 8, masks=masks) for _ in range(3)]
    single = ds.MeanAveragePrecision(**kwargs)
    for preds, target in batches:
        # torchmetrics' gathered order: image i of rank 0, image i of rank 1, ...
        single.update(preds, target)
    want = single.compute()
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    port = _free_port()
    procs = [ctx.Process(target=_rank_main, args=(r, 2, port, kwargs, batches, out)) for r in range(2)]
    for p in procs:
        p.start()
    results = dict(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    want = {k: v for k, v in want.items() if not isinstance(v, dict)}
    for rank in (0, 1):
        got = {k: torch.from_numpy(v) for k, v in results[rank].items()}
        assert max_difference(got, want) == 0
