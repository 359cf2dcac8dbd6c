"""Random batches for MeanAveragePrecision's parity tests against torchmetrics (the oracle, with
backend="pycocotools"): boxes near the ground truth and far from it, in each box format and in
float32 or float64, several labels (some only in detections), crowd regions, given areas,
images without ground truth or without detections, tied scores, more detections than maxDets,
and binary masks for segm."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

SIZE = (48, 64)  # mask height, width


def _xyxy(rng: np.random.Generator, near: np.ndarray | None) -> np.ndarray:
    if near is not None and rng.random() < 0.7:
        jitter = rng.normal(0, 4, 4)
        b = near + jitter
    else:
        x, y = rng.uniform(0, 120, 2)
        w, h = rng.choice([3.0, 12.0, 40.0, 90.0]) * rng.uniform(0.5, 1.5, 2)
        b = np.array([x, y, x + w, y + h])
    x1, x2 = sorted(b[[0, 2]])
    y1, y2 = sorted(b[[1, 3]])
    return np.array([x1, y1, x2, y2])


def _convert(xyxy: np.ndarray, fmt: str) -> np.ndarray:
    if fmt == "xyxy":
        return xyxy
    x1, y1, x2, y2 = xyxy.T
    if fmt == "xywh":
        return np.stack([x1, y1, x2 - x1, y2 - y1], axis=1)
    return np.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], axis=1)


def _mask(rng: np.random.Generator, xyxy: np.ndarray) -> np.ndarray:
    h, w = SIZE
    m = np.zeros(SIZE, dtype=np.uint8)
    x1, y1, x2, y2 = (xyxy / 2).astype(int)  # boxes span ~0-250, masks 64 wide
    x1, x2 = np.clip([x1, x2 + 1], 0, w)
    y1, y2 = np.clip([y1, y2 + 1], 0, h)
    m[y1:y2, x1:x2] = 1
    if rng.random() < 0.5:  # holes
        m &= rng.random(SIZE) < 0.85
    return m


def batch(
    rng: np.random.Generator,
    n_images: int,
    fmt: str = "xyxy",
    masks: bool = False,
    dtype: torch.dtype = torch.float32,
    many: bool = False,
    labels: int = 4,
) -> tuple[list[dict[str, torch.Tensor]], list[dict[str, torch.Tensor]]]:
    preds, target = [], []
    for _ in range(n_images):
        n_gt = int(rng.choice([0, 1, 2, 3, 5, 8]))
        gt = np.array([_xyxy(rng, None) for _ in range(n_gt)]).reshape(n_gt, 4)
        gl = rng.integers(0, labels, n_gt)
        n_dt = int(rng.choice([0, 1, 4, 9, 15] + ([120] if many else [])))
        dt = np.array(
            [_xyxy(rng, gt[rng.integers(n_gt)] if n_gt else None) for _ in range(n_dt)]
        ).reshape(n_dt, 4)
        dl = np.where(
            rng.random(n_dt) < 0.8,
            gl[rng.integers(max(n_gt, 1), size=n_dt)] if n_gt else rng.integers(0, labels, n_dt),
            rng.integers(0, labels + 2, n_dt),  # labels with no ground truth too
        )
        scores = rng.random(n_dt)
        if rng.random() < 0.3:  # ties
            scores = np.round(scores, 1)
        p: dict[str, Any] = {
            "boxes": torch.tensor(_convert(dt, fmt), dtype=dtype).reshape(n_dt, 4),
            "scores": torch.tensor(scores, dtype=dtype),
            "labels": torch.tensor(dl, dtype=torch.int64),
        }
        t: dict[str, Any] = {
            "boxes": torch.tensor(_convert(gt, fmt), dtype=dtype).reshape(n_gt, 4),
            "labels": torch.tensor(gl, dtype=torch.int64),
        }
        if rng.random() < 0.3:
            t["iscrowd"] = torch.tensor(rng.random(n_gt) < 0.3, dtype=torch.int64)
        if rng.random() < 0.2:
            t["area"] = torch.tensor(rng.choice([0.0, 500.0, 2000.0, 12000.0], n_gt), dtype=torch.float32)
        if masks:
            p["masks"] = torch.tensor(np.array([_mask(rng, b) for b in dt]).reshape(n_dt, *SIZE), dtype=torch.uint8)
            t["masks"] = torch.tensor(np.array([_mask(rng, b) for b in gt]).reshape(n_gt, *SIZE), dtype=torch.uint8)
        preds.append(p)
        target.append(t)
    return preds, target


def max_difference(ours: dict[str, Any], theirs: dict[str, Any]) -> float:
    """Asserts the same keys, types, dtypes and shapes; returns the largest difference."""
    assert list(ours) == list(theirs), (list(ours), list(theirs))
    worst = 0.0
    for key, want in theirs.items():
        got = ours[key]
        if isinstance(want, dict):
            assert list(got) == list(want), key
            for k, w in want.items():
                g = got[k]
                if isinstance(w, list):
                    assert g == w, (key, k)
                    continue
                worst = max(worst, _diff(g, w, f"{key}[{k}]"))
            continue
        worst = max(worst, _diff(got, want, key))
    return worst


def _diff(got: Any, want: Any, key: str) -> float:
    assert isinstance(got, torch.Tensor), key
    assert got.dtype == want.dtype, (key, got.dtype, want.dtype)
    assert got.shape == want.shape, (key, got.shape, want.shape)
    if got.numel() == 0:
        return 0.0
    return float((got.double() - want.double()).abs().max())
