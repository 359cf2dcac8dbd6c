"""Times ds.MeanAveragePrecision against torchmetrics' MeanAveragePrecision (backends pycocotools
and faster_coco_eval) over an epoch of update() calls and one compute(), each tool in a process
of its own, and writes the table into docs/benchmarks.md. Also checks that all give the same
numbers.

    .venv/bin/python bench/bench_python_api.py [--images 5000] [--dets 100] [--runs 3]

With --evaluate, times ds.evaluate with a callable (the demo inferencer's infer) against
`detection-studio evaluate` on the demo instead: the loop's images/s as both report it
(metrics.json's timings), each run in a process of its own, and checks their coco_stats agree.

    .venv/bin/python bench/bench_python_api.py --evaluate [--images 250] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MARKERS = ("<!-- python-api-bench:start -->", "<!-- python-api-bench:end -->")
TOOLS = {
    "detection_studio": "ds.MeanAveragePrecision",
    "faster_coco_eval": "torchmetrics, backend faster_coco_eval",
    "pycocotools": "torchmetrics, backend pycocotools",
}
BATCH = 16  # images per update(), as a validation loop hands them


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def make_batches(images: int, dets: int, seed: int = 0) -> list[tuple[list[Any], list[Any]]]:
    """COCO-like epoch: 80 labels, 1-15 objects per image of every size, `dets` detections per
    image (most near an object, with its label or a confusable one), float32 tensors."""
    import numpy as np
    import torch

    rng = np.random.default_rng(seed)
    batches = []
    for start in range(0, images, BATCH):
        preds, target = [], []
        for _ in range(min(BATCH, images - start)):
            n = int(rng.integers(1, 16))
            wh = np.exp(rng.uniform(np.log(8), np.log(400), (n, 2)))
            xy = rng.uniform(0, 640 - wh)
            gt = np.concatenate([xy, xy + wh], axis=1)
            labels = rng.integers(0, 80, n)
            which = rng.integers(0, n, dets)
            noise = rng.normal(0, 0.15, (dets, 4)) * np.concatenate([wh[which], wh[which]], axis=1)
            dt = gt[which] + noise
            far = rng.random(dets) < 0.3
            dt[far] = np.concatenate([xy[which[far]] * 0 + rng.uniform(0, 600, (far.sum(), 2)),
                                      np.zeros((far.sum(), 2))], axis=1)
            dt[far, 2:] = dt[far, :2] + rng.uniform(5, 200, (far.sum(), 2))
            x1, x2 = np.minimum(dt[:, 0], dt[:, 2]), np.maximum(dt[:, 0], dt[:, 2])
            y1, y2 = np.minimum(dt[:, 1], dt[:, 3]), np.maximum(dt[:, 1], dt[:, 3])
            dt = np.stack([x1, y1, x2, y2], axis=1)
            dl = np.where(rng.random(dets) < 0.8, labels[which], rng.integers(0, 80, dets))
            preds.append({"boxes": torch.tensor(dt, dtype=torch.float32),
                          "scores": torch.tensor(rng.random(dets), dtype=torch.float32),
                          "labels": torch.tensor(dl)})
            target.append({"boxes": torch.tensor(gt, dtype=torch.float32), "labels": torch.tensor(labels)})
        batches.append((preds, target))
    return batches


def child(tool: str, images: int, dets: int) -> None:
    import warnings

    import torch

    torch.set_num_threads(1)
    batches = make_batches(images, dets)
    if tool == "detection_studio":
        import detection_studio as ds

        metric: Any = ds.MeanAveragePrecision()
    else:
        from torchmetrics.detection import MeanAveragePrecision

        metric = MeanAveragePrecision(backend=tool)
        metric.warn_on_many_detections = False
    base = rss_mb()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    for preds, target in batches:
        metric.update(preds, target)
    t1 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = metric.compute()
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "update": t1 - t0, "compute": t2 - t1, "total": t2 - t0,
        "base_mb": base, "peak_mb": max(peak, peak_before), "growth_mb": max(peak - base, 0.0),
        "map": [float(result[k]) for k in ("map", "map_50", "map_75", "mar_100")],
    }))


EVALUATE_MARKERS = ("<!-- python-evaluate-bench:start -->", "<!-- python-evaluate-bench:end -->")
DEMO = ROOT / "configs" / "demo.yaml"


def evaluate_child(images: int) -> None:
    import detection_studio as ds
    from detection_studio import pytorch_detect

    demo = pytorch_detect.load(str(ROOT / "configs" / "models" / "shapes-fcos.yaml"))
    run = ds.evaluate(DEMO, model=demo.infer, class_names=demo.class_names, limit=images, progress=False)
    print(json.dumps({"timings": run.metrics["timings"], "coco_stats": run.metrics["coco_stats"]}))


def evaluate_cli(images: int, out: Path) -> dict[str, Any]:
    cli = Path(sys.executable).parent / "detection-studio"
    subprocess.run([str(cli), "evaluate", str(DEMO), "--limit", str(images), "--output", str(out)],
                   check=True, capture_output=True, text=True)
    metrics = json.loads((out / "metrics.json").read_text())
    return {"timings": metrics["timings"], "coco_stats": metrics["coco_stats"]}


def write_section(markers: tuple[str, str], section: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    doc = path.read_text()
    if markers[0] in doc:
        doc = doc[: doc.index(markers[0])] + section + doc[doc.index(markers[1]) + len(markers[1]):]
    else:
        doc = doc.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(doc)


def evaluate_bench(images: int, runs: int, docs: bool) -> None:
    import tempfile

    results: dict[str, list[dict[str, Any]]] = {"cli": [], "python": []}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):  # alternating, so a change in the machine's load hits both
            results["cli"].append(evaluate_cli(images, Path(tmp) / f"run{run}"))
            out = subprocess.run([sys.executable, __file__, "--child-evaluate", "--images", str(images)],
                                 check=True, capture_output=True, text=True)
            results["python"].append(json.loads(out.stdout.strip().splitlines()[-1]))
            for tool, rs in results.items():
                print(f"{tool}: {rs[-1]['timings']['frames_per_second']:.1f} images/s", flush=True)
    load_after = os.getloadavg()[0]
    same = all(r["coco_stats"] == results["cli"][0]["coco_stats"] for rs in results.values() for r in rs)
    fps = {t: statistics.median(r["timings"]["frames_per_second"] for r in rs) for t, rs in results.items()}
    model_ms = {t: statistics.median(r["timings"]["model_ms_per_frame"] for r in rs) for t, rs in results.items()}
    labels = {"cli": "`detection-studio evaluate configs/demo.yaml`",
              "python": "`ds.evaluate(\"configs/demo.yaml\", model=demo.infer, ...)`"}
    section = "\n".join([
        EVALUATE_MARKERS[0],
        "## Python API: ds.evaluate against the command",
        "",
        "Generated by `bench/bench_python_api.py --evaluate`: this section is rewritten on each run.",
        "",
        (f"The demo (FCOS on {images} shapes images, CPU) through the same pipeline: the command with its "
         "model config, and ds.evaluate with the demo inferencer's `infer` as a Python callable (checked by "
         "detection_studio.python_model). Images/s: the loop's (metrics.json's "
         "`timings.frames_per_second`: decoding, model, scoring; not the process start or the model's "
         f"loading), median of {runs} runs, each in a process of its own, alternating."),
        "",
        (f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores "
         f"(shared: load average {load_before:.1f} before, {load_after:.1f} after), "
         f"Python {platform.python_version()}."),
        "",
        "| run | images/s | model ms / image | ds.evaluate / command |",
        "| --- | --- | --- | --- |",
        *(f"| {labels[t]} | {fps[t]:.1f} | {model_ms[t]:.1f} | {fps[t] / fps['cli']:.3f} |" for t in results),
        "",
        f"coco_stats equal in every run: {'yes' if same else 'NO'}.",
        EVALUATE_MARKERS[1],
    ])
    print(section)
    if docs:
        write_section(EVALUATE_MARKERS, section)


def version(tool: str) -> str:
    name = {"detection_studio": "detection-studio", "faster_coco_eval": "faster-coco-eval"}.get(tool, tool)
    try:
        v = metadata.version(name)
    except metadata.PackageNotFoundError:
        v = "source"
    return v if tool == "detection_studio" else f"torchmetrics {metadata.version('torchmetrics')} + {name} {v}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=5000)
    ap.add_argument("--dets", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--slow-runs", type=int, default=1, help="runs of the pycocotools backend")
    ap.add_argument("--child", choices=list(TOOLS))
    ap.add_argument("--no-docs", action="store_true")
    ap.add_argument("--evaluate", action="store_true", help="ds.evaluate against the command, on the demo")
    ap.add_argument("--child-evaluate", action="store_true")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.images, args.dets)
        return
    if args.child_evaluate:
        evaluate_child(args.images)
        return
    if args.evaluate:
        evaluate_bench(min(args.images, 250), args.runs, not args.no_docs)
        return
    results: dict[str, list[dict[str, Any]]] = {t: [] for t in TOOLS}
    load_before = os.getloadavg()[0]
    for run in range(args.runs):
        for tool in TOOLS:
            if tool == "pycocotools" and run >= args.slow_runs:
                continue
            out = subprocess.run([sys.executable, __file__, "--child", tool, "--images", str(args.images),
                                  "--dets", str(args.dets)], check=True, capture_output=True, text=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            results[tool].append(r)
            print(f"{tool}: {r['total']:.2f} s (update {r['update']:.2f}, compute {r['compute']:.2f}), "
                  f"peak {r['peak_mb']:.0f} MB (+{r['growth_mb']:.0f})", flush=True)
    load_after = os.getloadavg()[0]
    maps = {t: rs[0]["map"] for t, rs in results.items()}
    same = all(m == maps["pycocotools"] for m in maps.values())
    ours = statistics.median(r["total"] for r in results["detection_studio"])
    rows = []
    for tool, label in TOOLS.items():
        rs = results[tool]
        med = statistics.median(r["total"] for r in rs)
        rows.append(
            f"| {label} | {version(tool)} | {len(rs)} | {statistics.median(r['update'] for r in rs):.2f} | "
            f"{statistics.median(r['compute'] for r in rs):.2f} | {med:.2f} | {med / ours:.1f} | "
            f"{max(r['peak_mb'] for r in rs) / 1024:.2f} | {max(r['growth_mb'] for r in rs) / 1024:.2f} |")
    faster = min(statistics.median(r["total"] for r in results[t]) for t in ("faster_coco_eval", "pycocotools"))
    section = "\n".join([
        MARKERS[0],
        "## Python API: MeanAveragePrecision (torchmetrics drop-in)",
        "",
        "Generated by `bench/bench_python_api.py`: this section is rewritten on each run.",
        "",
        (f"An epoch of {args.images:,} images x {args.dets} detections (80 labels, 1-15 objects per image, "
         f"float32 xyxy tensors), handed to `update()` {BATCH} images at a time, then one `compute()`; "
         "each tool in a process of its own (torch on one thread). Time: update + compute, median of the "
         "runs. Peak memory: the process' maximum resident set (getrusage; it includes torch's ~0.4 GB), "
         "growth: that peak minus the resident set after the data was made and the metric built."),
        "",
        (f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores "
         f"(shared: load average {load_before:.1f} before, {load_after:.1f} after), "
         f"Python {platform.python_version()}."),
        "",
        "| implementation | version | runs | update (s) | compute (s) | total (s) | time / ds | peak memory (GB) | growth (GB) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        (f"ds.MeanAveragePrecision is {faster / ours:.0f}x faster than the faster torchmetrics backend. "
         f"map, map_50, map_75, mar_100 equal across all three: {'yes' if same else 'NO'} "
         f"({maps['detection_studio']})."),
        MARKERS[1],
    ])
    print(section)
    if not args.no_docs:
        write_section(MARKERS, section)


if __name__ == "__main__":
    main()
