"""Train the demo shapes detector on the CPU.

Usage::

    python -m detection_studio.train_demo --data datasets/shapes --output configs/models

Generates the train split with ``datasets/make_shapes.py`` when it is missing (and the val split
when evaluating), then trains ``detection_studio.demo_model.build`` from random init with a fixed
seed, in two phases:

1. warm-up (``--pretrain-iters``): the backbone + FPN learn to classify object crops of the train
   split at random scales (there are no pretrained weights; this stands in for ImageNet
   pretraining and makes the detector learn the shape classes much sooner);
2. detection (``--iters``): FCOS losses on whole images, AdamW with linear warmup then cosine
   decay, random flips and RGB channel permutations.

Both phases use bfloat16 autocast when the CPU supports it natively (about 1.7x faster than
float32 here); the saved weights are float32. Writes to ``--output``:

- ``shapes_fcos.pt``: the float32 state_dict
- ``shapes_fcos.torchscript.pt``: ``torch.jit.script`` of the same model
- ``shapes.names``: one class name per line (line ``i`` = label ``i``; no background class)

The schedule is budgeted in iterations (the defaults take about 17 min on an idle 2-core CPU
with bfloat16); progress lines print the elapsed time and an estimate of the time left. Unless
``--no-eval``, the val split is then scored with pycocotools through
``detection_studio.pytorch_detect``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import random
import sys
import time
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from .demo_model import build

STATE_DICT_NAME = "shapes_fcos.pt"
TORCHSCRIPT_NAME = "shapes_fcos.torchscript.pt"
NAMES_NAME = "shapes.names"
_SHORT = {"classification": "cls", "bbox_regression": "giou", "bbox_ctrness": "ctr"}


def _find_generator(data: Path) -> ModuleType:
    """Import ``make_shapes.py`` (next to the dataset, or in the repository's datasets/)."""
    candidates = [
        data.parent / "make_shapes.py",
        Path.cwd() / "datasets" / "make_shapes.py",
        Path(__file__).resolve().parent.parent / "datasets" / "make_shapes.py",
    ]
    for path in candidates:
        if path.is_file():
            spec = importlib.util.spec_from_file_location("make_shapes", path)
            assert spec is not None and spec.loader is not None
            mod = importlib.util.module_from_spec(spec)
            sys.modules["make_shapes"] = mod
            spec.loader.exec_module(mod)
            return mod
    raise SystemExit(f"cannot find datasets/make_shapes.py to generate {data}")


def ensure_split(data: Path, split: str, num_images: int | None, seed: int | None) -> Path:
    """Return the split's annotation file, generating the split if it is missing."""
    ann = data / "annotations" / f"instances_{split}.json"
    if ann.is_file() and (data / split).is_dir():
        return ann
    gen = _find_generator(data)
    n = num_images or (gen.DEFAULT_TRAIN_IMAGES if split == "train" else gen.DEFAULT_VAL_IMAGES)
    t0 = time.perf_counter()
    print(f"generating {split} split ({n} images) into {data} ...", flush=True)
    gen.generate_split(data, split, n, gen.DEFAULT_SEED if seed is None else seed)
    print(f"  done in {time.perf_counter() - t0:.1f} s", flush=True)
    return ann


class ShapesData:
    """Images and (non-crowd) box targets of one COCO split, decoded on demand."""

    def __init__(self, data: Path, split: str) -> None:
        doc = json.loads((data / "annotations" / f"instances_{split}.json").read_text())
        cats = sorted(doc["categories"], key=lambda c: c["id"])
        self.class_names = [c["name"] for c in cats]
        cat_to_label = {c["id"]: i for i, c in enumerate(cats)}
        per_image: dict[int, list[dict[str, Any]]] = {}
        for a in doc["annotations"]:
            per_image.setdefault(a["image_id"], []).append(a)
        self.items: list[tuple[Path, Tensor, Tensor]] = []
        for img in sorted(doc["images"], key=lambda i: i["id"]):
            boxes, labels = [], []
            for a in per_image.get(img["id"], []):
                if a.get("iscrowd", 0):
                    continue  # FCOS has no ignore regions; the model learns tiny clusters as bg
                x, y, w, h = a["bbox"]
                boxes.append([x, y, x + w, y + h])
                labels.append(cat_to_label[a["category_id"]])
            self.items.append(
                (
                    data / split / img["file_name"],
                    torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
                    torch.tensor(labels, dtype=torch.int64),
                )
            )

    def __len__(self) -> int:
        return len(self.items)

    def get(self, i: int, rng: random.Random | None = None) -> tuple[Tensor, dict[str, Tensor]]:
        path, boxes, labels = self.items[i]
        with Image.open(path) as im:
            arr = np.asarray(im.convert("RGB"))
        img = torch.from_numpy(arr.copy()).permute(2, 0, 1)
        boxes = boxes.clone()
        if rng is not None:
            h, w = img.shape[1:]
            if rng.random() < 0.5:
                img = img.flip(2)
                boxes[:, [0, 2]] = w - boxes[:, [2, 0]]
            if rng.random() < 0.5:
                img = img.flip(1)
                boxes[:, [1, 3]] = h - boxes[:, [3, 1]]
            if rng.random() < 0.5:  # colour: permute RGB channels
                perm = list(range(3))
                rng.shuffle(perm)
                img = img[perm]
        return img.float().div_(255.0), {"boxes": boxes, "labels": labels.clone()}


def _autocast(enabled: bool) -> torch.autocast:
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=enabled)


def bf16_supported() -> bool:
    """True when the CPU has native bfloat16 (oneDNN); there autocast halves the step time."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def collect_crops(train: ShapesData, num_images: int, context: float = 1.6) -> tuple[
        list[Tensor], Tensor]:
    """Square uint8 crops (side ``context`` x the box's longer side) of the objects in the first
    ``num_images`` train images, with their labels: the data of the backbone warm-up."""
    crops: list[Tensor] = []
    labels: list[int] = []
    for path, boxes, labs in train.items[:num_images]:
        with Image.open(path) as im:
            rgb = im.convert("RGB")
            for box, lab in zip(boxes.tolist(), labs.tolist(), strict=True):
                cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
                half = context * max(box[2] - box[0], box[3] - box[1]) / 2
                region = (round(cx - half), round(cy - half), round(cx + half), round(cy + half))
                arr = np.asarray(rgb.crop(region))
                crops.append(torch.from_numpy(arr.copy()).permute(2, 0, 1))
                labels.append(lab)
    return crops, torch.tensor(labels, dtype=torch.int64)


def warm_up_backbone(model: torch.nn.Module, train: ShapesData, iters: int, lr: float,
                     weight_decay: float, rng: random.Random, bf16: bool) -> None:
    """Pretrain backbone + FPN as a shape classifier on object crops (random scales).

    The detector trained from random init first learns where objects are and only slowly what
    they are; a short classification warm-up on the same train split gives the point features
    shape information from the start (in place of ImageNet pretraining, which is unavailable).
    """
    t0 = time.perf_counter()
    crops, labels = collect_crops(train, min(len(train), 1500))
    print(f"warm-up: {len(crops)} object crops ({time.perf_counter() - t0:.1f} s); "
          f"{iters} iters x 64", flush=True)
    backbone = model.backbone
    fc = torch.nn.Linear(backbone.out_channels * 4, len(train.class_names))
    params = list(backbone.parameters()) + list(fc.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    mean = torch.tensor(model.transform.image_mean).view(1, 3, 1, 1)
    std = torch.tensor(model.transform.image_std).view(1, 3, 1, 1)
    backbone.train()
    for step in range(iters):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, iters, max(1, iters // 10), lr, 0.0)
        size = rng.choice((24, 32, 48, 64, 96))
        idx = [rng.randrange(len(crops)) for _ in range(64)]
        batch = torch.stack([
            torch.nn.functional.interpolate(crops[i][None].float(), size=(size, size),
                                            mode="bilinear", antialias=True)[0]
            for i in idx
        ]) / 255.0
        if rng.random() < 0.5:
            batch = batch.flip(3)
        if rng.random() < 0.5:
            batch = batch.flip(2)
        with _autocast(bf16):
            feats = backbone((batch - mean) / std)
            pooled = torch.cat([f.float().mean(dim=(2, 3)) for f in feats.values()], dim=1)
            logits = fc(pooled).float()
        loss = torch.nn.functional.cross_entropy(logits, labels[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 25 == 0 or step == iters - 1:
            acc = float((logits.argmax(1) == labels[idx]).float().mean())
            print(f"warm-up {step:4d}/{iters} loss {float(loss.detach()):.3f} acc {acc:.2f} | "
                  f"{time.perf_counter() - t0:.0f} s", flush=True)


def lr_at(step: int, total: int, warmup: int, peak: float, final_frac: float = 0.01) -> float:
    """Linear warmup to ``peak``, then cosine decay to ``peak * final_frac``."""
    if step < warmup:
        return peak * (0.001 + 0.999 * step / warmup)
    t = (step - warmup) / max(1, total - warmup)
    return peak * (final_frac + (1 - final_frac) * 0.5 * (1 + math.cos(math.pi * t)))


def evaluate(config: Path, data: Path, split: str = "val") -> list[float]:
    """COCO bbox stats (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl)."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    from . import pytorch_detect

    inf = pytorch_detect.load(str(config))
    gt = COCO(str(data / "annotations" / f"instances_{split}.json"))
    name_to_cat = {c["name"]: c["id"] for c in gt.loadCats(gt.getCatIds())}
    label_to_cat = [name_to_cat.get(n, -1) for n in inf.class_names]
    results: list[dict[str, Any]] = []
    img_ids = sorted(gt.getImgIds())
    t0 = time.perf_counter()
    bs = max(1, inf.batch_size)
    for k in range(0, len(img_ids), bs):
        infos = gt.loadImgs(img_ids[k : k + bs])
        batch = []
        for info in infos:
            with Image.open(data / split / info["file_name"]) as im:
                batch.append(np.ascontiguousarray(np.asarray(im.convert("RGB"))[:, :, ::-1]))
        for info, det in zip(infos, inf.infer(batch), strict=True):
            for box, score, label in zip(det["boxes"], det["scores"], det["labels"], strict=True):
                x0, y0, x1, y1 = (float(v) for v in box)
                results.append(
                    {
                        "image_id": info["id"],
                        "category_id": label_to_cat[int(label)],
                        "bbox": [x0, y0, x1 - x0, y1 - y0],
                        "score": float(score),
                    }
                )
    dt = time.perf_counter() - t0
    print(f"inference: {len(img_ids)} images in {dt:.1f} s ({1000 * dt / len(img_ids):.0f} ms/img)")
    if not results:
        return [0.0] * 12
    dets = gt.loadRes(results)
    ev = COCOeval(gt, dets, "bbox")
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    return [float(s) for s in ev.stats]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Train the demo shapes FCOS on the CPU.")
    p.add_argument("--data", type=Path, default=Path("datasets/shapes"))
    p.add_argument("--output", type=Path, default=Path("configs/models"))
    p.add_argument("--iters", type=int, default=1500, help="detector training iterations")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--lr", type=float, default=2e-3, help="peak AdamW learning rate")
    p.add_argument("--weight-decay", type=float, default=0.05)
    p.add_argument("--warmup", type=int, default=100, help="warmup iterations")
    p.add_argument("--pretrain-iters", type=int, default=600,
                   help="backbone warm-up iterations (shape classification on crops)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--amp", choices=("auto", "bf16", "none"), default="auto",
                   help="bfloat16 autocast for training (auto: when the CPU supports it)")
    p.add_argument("--threads", type=int, default=2, help="torch threads")
    p.add_argument("--train-images", type=int, default=None, help="when generating train")
    p.add_argument("--model-args", default="{}", help="JSON kwargs for demo_model.build")
    p.add_argument("--no-eval", dest="eval", action="store_false", help="skip the val AP")
    args = p.parse_args(argv)

    torch.set_num_threads(args.threads)
    bf16 = {"auto": bf16_supported(), "bf16": True, "none": False}[args.amp]
    print(f"torch {torch.__version__}, {args.threads} threads, bf16 autocast: {bf16}", flush=True)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)

    ensure_split(args.data, "train", args.train_images, None)
    train = ShapesData(args.data, "train")
    model_args = json.loads(args.model_args)
    model = build(len(train.class_names), **model_args)
    t_start = time.perf_counter()
    if args.pretrain_iters > 0:
        warm_up_backbone(model, train, args.pretrain_iters, args.lr, args.weight_decay, rng,
                         bf16)
    model.train()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"train: {len(train)} images, {len(train.class_names)} classes; "
          f"model {n_params / 1e6:.2f} M params; {args.iters} iters x {args.batch_size}", flush=True)

    decay, no_decay = [], []
    for name, prm in model.named_parameters():
        (no_decay if prm.ndim <= 1 else decay).append(prm)
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay},
         {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr,
    )

    order: list[int] = []
    t0 = time.perf_counter()
    running: dict[str, float] = {}
    for step in range(args.iters):
        lr = lr_at(step, args.iters, args.warmup, args.lr)
        for g in opt.param_groups:
            g["lr"] = lr
        batch_imgs, batch_tgts = [], []
        for _ in range(args.batch_size):
            if not order:
                order = list(range(len(train)))
                rng.shuffle(order)
            img, tgt = train.get(order.pop(), rng)
            batch_imgs.append(img)
            batch_tgts.append(tgt)
        with _autocast(bf16):
            losses = model(batch_imgs, batch_tgts)
        loss = sum(v.float() for v in losses.values())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
        for k, v in losses.items():
            val = float(v.detach())
            running[k] = 0.9 * running.get(k, val) + 0.1 * val
        if step % 25 == 0 or step == args.iters - 1:
            el = time.perf_counter() - t0
            eta = el / (step + 1) * (args.iters - step - 1)
            parts = " ".join(f"{_SHORT.get(k, k)} {v:.3f}" for k, v in running.items())
            print(f"it {step:5d}/{args.iters} lr {lr:.2e} {parts} | {el / 60:5.1f} min "
                  f"elapsed, {eta / 60:4.1f} min left", flush=True)
    train_s = time.perf_counter() - t0
    total_s = time.perf_counter() - t_start
    print(f"detector training took {train_s:.0f} s ({train_s / args.iters:.2f} s/iter); "
          f"with the warm-up {total_s:.0f} s ({total_s / 60:.1f} min)", flush=True)

    model.eval()
    args.output.mkdir(parents=True, exist_ok=True)
    sd = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()}
    torch.save(sd, args.output / STATE_DICT_NAME)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scripted = torch.jit.script(model)
        scripted.save(str(args.output / TORCHSCRIPT_NAME))
    (args.output / NAMES_NAME).write_text("\n".join(train.class_names) + "\n")
    for name in (STATE_DICT_NAME, TORCHSCRIPT_NAME, NAMES_NAME):
        size = os.path.getsize(args.output / name)
        print(f"wrote {args.output / name} ({size / 1e6:.2f} MB)")

    if args.eval:
        ensure_split(args.data, "val", None, None)
        cfg = args.output / "shapes-fcos.yaml"
        if not cfg.is_file() or model_args:
            cfg = args.output / "_train_eval.yaml"
            cfg.write_text(
                "name: shapes-fcos-train-eval\nmodule: pytorch_detect\n"
                f"classes: {NAMES_NAME}\ndevice: cpu\nmodel:\n  format: state_dict\n"
                "  architecture: detection_studio.demo_model:build\n"
                f"  args: {json.dumps({'num_classes': len(train.class_names), **model_args})}\n"
                f"  weights: {STATE_DICT_NAME}\nscore_threshold: 0.05\nmax_detections: 100\n"
                f"batch_size: 8\nthreads: {args.threads}\n"
            )
        stats = evaluate(cfg, args.data)
        if cfg.name == "_train_eval.yaml":
            cfg.unlink()
        names = ["AP", "AP50", "AP75", "APs", "APm", "APl"]
        print("val: " + ", ".join(f"{n} {s:.3f}" for n, s in zip(names, stats, strict=False)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
