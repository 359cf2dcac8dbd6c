"""Spot check: torchvision one-stage detectors through the Python path and both native paths.

For each architecture (random weights, ``weights=None``): the scripted model through
pytorch_detect (the Python path), the same TorchScript file natively (module: libtorch), and
the network as an AOTInductor package with the post-processing in C++ (``model.head``). Each
runs ``detect`` over the first N shapes val images (whole process, first batch included;
2 workers x 1 thread natively); the native paths' detections are looked up in the Python
path's. Writes a table into docs/benchmarks.md (between the native-heads markers).

    .venv/bin/python bench/bench_native_heads.py [--images 60]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torchvision
import yaml
from detection_studio import exported_body

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "detection-studio"
DOCS = REPO / "docs" / "benchmarks.md"
START, END = "<!-- native-heads:start -->", "<!-- native-heads:end -->"
DET = torchvision.models.detection


def _retinanet() -> torch.nn.Module:
    m = DET.retinanet_resnet50_fpn(weights=None, weights_backbone=None, num_classes=4,
                                   min_size=240, max_size=320)
    # random weights score everything ~0.01 (the prior): zero the bias so that post-processing
    # has its full load (1,000 candidates per level, per-class NMS)
    torch.nn.init.zeros_(m.head.classification_head.cls_logits.bias)
    return m


def _fcos() -> torch.nn.Module:
    m = DET.fcos_resnet50_fpn(weights=None, weights_backbone=None, num_classes=4,
                              min_size=240, max_size=320)
    torch.nn.init.zeros_(m.head.classification_head.cls_logits.bias)
    return m


def _ssdlite() -> torch.nn.Module:
    m = DET.ssdlite320_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=4)
    with torch.no_grad():  # its init makes every score 1/4 and every box its default box
        for p in m.head.parameters():
            p.normal_(0, 0.2)
    return m


ARCHS: dict[str, tuple[str, Callable[[], torch.nn.Module]]] = {
    "ssdlite320_mobilenet_v3_large": ("ssd", _ssdlite),
    "retinanet_resnet50_fpn (240-320 px)": ("retinanet", _retinanet),
    "fcos_resnet50_fpn (240-320 px)": ("fcos", _fcos),
}


def detect(config: Path, n: int, out: Path) -> tuple[float, list[list[dict]]]:
    result = subprocess.run([str(BIN), "detect", str(REPO / "datasets/shapes/val"), "--model",
                             str(config), "--limit", str(n), "--output", str(out),
                             "--score-threshold", "0"],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"detect {config.name} failed:\n{result.stderr}")
    fps = float(re.search(r"\(([\d.]+)/s\)", result.stdout + result.stderr).group(1))
    frames = [json.loads(line)["detections"] for line in (out / "detections.jsonl").open()]
    return fps, frames


def agreement(a: list[list[dict]], b: list[list[dict]]) -> str:
    """The share of a's detections that b has too (same class, every coordinate within 1e-3 px,
    score within 1e-5), anywhere in the same image's list: random weights give near-tied
    scores, whose order (and the top-k cut among them) float rounding may change."""
    found = total = 0
    for x, y in zip(a, b, strict=True):
        for d in x:
            total += 1
            found += any(d["class_id"] == e["class_id"] and abs(d["score"] - e["score"]) <= 1e-5
                         and max(abs(p - q) for p, q in zip(d["bbox"], e["bbox"], strict=True))
                         <= 1e-3 for e in y)
    return f"{100 * found / max(1, total):.1f}% of {total}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=60)
    n = parser.parse_args().images
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "four.names").write_text("background\na\nb\nc\n")
        common = {"classes": "four.names", "max_detections": 100, "batch_size": 4}
        for name, (kind, build) in ARCHS.items():
            torch.manual_seed(0)
            model = build().eval()
            stem = kind
            torch.jit.script(model).save(str(folder / f"{stem}.ts.pt"))
            t0 = time.perf_counter()
            exported_body.compile_heads(model, kind, torch.rand(3, 240, 320),
                                        str(folder / f"{stem}.pt2"))
            compile_s = time.perf_counter() - t0
            configs = {
                "python": {"module": "pytorch_detect",
                           "model": {"format": "torchscript", "weights": f"{stem}.ts.pt"}},
                "native": {"module": "libtorch",
                           "model": {"format": "torchscript", "weights": f"{stem}.ts.pt"}},
                "aoti": {"module": "libtorch",
                         "model": {"format": "aoti", "weights": f"{stem}.pt2",
                                   "head": exported_body.head_config(model, kind)}},
            }
            speeds, frames = {}, {}
            for path, body in configs.items():
                config = folder / f"{stem}-{path}.yaml"
                config.write_text(yaml.safe_dump({"name": path, **common, **body}))
                speeds[path], frames[path] = detect(config, n, folder / f"{stem}-{path}")
                print(f"{name} {path}: {speeds[path]:.1f} img/s", flush=True)
            scores = {round(d["score"], 4) for f in frames["python"] for d in f}
            rows.append(f"| {name} | {speeds['python']:.1f} | {speeds['native']:.1f} | "
                        f"{speeds['aoti']:.1f} | {speeds['aoti'] / speeds['python']:.1f}x | "
                        f"{compile_s:.0f} s | {agreement(frames['aoti'], frames['python'])} | "
                        f"{agreement(frames['native'], frames['python'])} | {len(scores)} |")
    lines = [START,
             (f"Generated by `.venv/bin/python bench/bench_native_heads.py`: `detect` over the "
              f"first {n} shapes val images (320x240), whole process, img/s."),
             "",
             ("| architecture | Python path (TorchScript) | native TorchScript | native "
              "AOTInductor + C++ head | AOTInductor / Python | compile | AOTInductor's detections "
              "the Python path has | native TorchScript's the Python path has | distinct scores "
              "(Python path) |"),
             "|---|---|---|---|---|---|---|---|---|", *rows, END]
    text = DOCS.read_text()
    block = "\n".join(lines)
    if START in text:
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.replace("ARCH_TABLE", block)
    DOCS.write_text(text)
    print(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
