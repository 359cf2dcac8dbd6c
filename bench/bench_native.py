"""The native path (module: libtorch) against the Python path, on the demo's 250 val images.

Measured in rounds, each configuration once per round (the best run is kept: the cores are
shared with other work):
- forward-only in Python: the model called on tensors prepared beforehand (batch 4): eager,
  TorchScript, and TorchScript through torch.jit.optimize_for_inference (what the native path
  does by default), in two layouts: one thread with every core as torch threads, and one replica per core on Python
  threads with one torch thread each. The best layout is the ceiling a pipeline can reach;
- `detection-studio evaluate` with the Python path (pytorch_detect: the eager state_dict model,
  and the same TorchScript file the native path runs) and with the native path: TorchScript at
  1 worker and at one worker per core, unoptimised (optimize: false), and the network as an
  AOTInductor package decoded in C++ (`export --to aoti`, model.head): steady state (metrics.json timings: frames after the first batch over
  their time) and the whole process; start-up apart (`evaluate --limit 4`, whole process);
- precision: the native path's AP at fp32, bf16 and fp16 (CPU autocast) on the same images.
Writes a table into docs/benchmarks.md (between the native-bench markers).

    .venv/bin/python bench/bench_native.py [--images 250] [--runs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "configs" / "models"
DEMO = REPO / "configs" / "demo.yaml"
BIN = Path(sys.executable).parent / "detection-studio"
DOCS = REPO / "docs" / "benchmarks.md"
START, END = "<!-- native-bench:start -->", "<!-- native-bench:end -->"
CORES = os.cpu_count() or 1


def forward_only(n: int, scripted: bool, replicas: int, optimized: bool = False) -> float:
    """img/s of model forward calls alone, `replicas` Python threads each with its own model
    (`optimized`: the TorchScript module through torch.jit.optimize_for_inference, as the
    native path does by default)."""
    import cv2
    import torch
    from detection_studio import pytorch_detect

    config = MODELS / ("shapes-fcos-torchscript.yaml" if scripted else "shapes-fcos.yaml")
    gt = json.loads((REPO / "datasets/shapes/annotations/instances_val.json").read_text())
    images = [cv2.imread(str(REPO / "datasets/shapes/val" / im["file_name"]))
              for im in gt["images"][:n]]
    torch.set_num_threads(max(1, CORES // replicas))
    infs = [pytorch_detect.load(str(config)) for _ in range(replicas)]
    if optimized:
        for inf in infs:
            inf.model = torch.jit.optimize_for_inference(inf.model)
    prepared = [infs[0]._prepare(im)[0] for im in images]
    batches = [prepared[i:i + 4] for i in range(0, len(prepared), 4)]

    def work(k: int) -> None:
        with torch.inference_mode():
            for b in batches[k::replicas]:
                infs[k].model(b)

    with torch.inference_mode():
        for inf in infs:  # warm-up (TorchScript's profiling runs too)
            inf.model(batches[0])
            inf.model(batches[0])
    threads = [threading.Thread(target=work, args=(k,)) for k in range(replicas)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(prepared) / (time.perf_counter() - t0)


def evaluate(model: Path, n: int, out: Path) -> dict:
    t0 = time.perf_counter()
    result = subprocess.run([str(BIN), "evaluate", str(DEMO), "--model", str(model), "--limit",
                             str(n), "--output", str(out)], capture_output=True, text=True,
                            check=False)
    wall = time.perf_counter() - t0
    if result.returncode != 0:
        sys.exit(f"evaluate {model.name} failed:\n{result.stderr}")
    metrics = json.loads((out / "metrics.json").read_text())
    return {"wall": wall, "steady": metrics["timings"]["steady_frames_per_second"],
            "AP": metrics["AP"], "stats": metrics["coco_stats"]}


def native_config(folder: Path, workers: int, threads: int, precision: str = "fp32",
                  optimize: bool = True) -> Path:
    text = (MODELS / "shapes-fcos-libtorch.yaml").read_text()
    if not optimize:
        text = text.replace("optimize: true", "optimize: false")
    text = text.replace("workers: 0", f"workers: {workers}").replace("threads: 0",
                                                                      f"threads: {threads}")
    text = text.replace("precision: fp32", f"precision: {precision}")
    text = text.replace("classes: shapes.names", f"classes: {MODELS / 'shapes.names'}")
    text = text.replace("weights: shapes_fcos", f"weights: {MODELS}/shapes_fcos")
    path = folder / f"native-{workers}x{threads}-{precision}{'' if optimize else '-plain'}.yaml"
    path.write_text(text)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=250)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--precision-images", type=int, default=40)
    args = parser.parse_args()
    n, runs = args.images, args.runs

    # Rounds, each configuration once per round: the other work on the machine comes and goes,
    # and a configuration's runs spread over the whole benchmark rather than one stretch of it.
    fwd_layouts = [(kind, replicas) for kind in ("eager", "TorchScript", "TorchScript optimized")
                   for replicas in sorted({1, CORES})]
    fwd_speeds: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # The demo's network as an AOTInductor package, decoded in C++ (model.head).
        t0 = time.perf_counter()
        subprocess.run([str(BIN), "export", str(MODELS / "shapes-fcos.yaml"), "--to", "aoti",
                        "--output", str(folder / "shapes_fcos.pt2")], check=True,
                       capture_output=True)
        aoti_compile = time.perf_counter() - t0
        print(f"export --to aoti: {aoti_compile:.0f} s", flush=True)
        configs = {
            "Python path, eager (shapes-fcos.yaml)": MODELS / "shapes-fcos.yaml",
            "Python path, TorchScript (shapes-fcos-torchscript.yaml)":
                MODELS / "shapes-fcos-torchscript.yaml",
            f"native TorchScript, {CORES} workers x 1 thread, optimize: false":
                native_config(folder, CORES, 1, optimize=False),
            f"native TorchScript, 1 worker x {CORES} threads": native_config(folder, 1, CORES),
            f"native TorchScript, {CORES} workers x 1 thread (default)":
                native_config(folder, CORES, 1),
            f"native AOTInductor network + C++ head, {CORES} workers x 1 thread":
                folder / "shapes_fcos.yaml",
        }
        evals: dict[str, list[dict]] = {label: [] for label in configs}
        starts: dict[str, list[float]] = {label: [] for label in configs}
        for r in range(runs):
            for kind, replicas in fwd_layouts:
                label = kind + \
                        f", {replicas} thread(s) x {max(1, CORES // replicas)} torch threads"
                code = ("import sys; sys.path.insert(0, 'bench'); import bench_native as b; "
                        f"print(b.forward_only({n}, {kind != 'eager'}, {replicas}, "
                        f"{kind.endswith('optimized')}))")
                out = subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True,
                                     capture_output=True, text=True).stdout
                fwd_speeds.setdefault(label, []).append(float(out.split()[-1]))
                print(f"round {r}: forward-only {label}: {fwd_speeds[label][-1]:.1f} img/s",
                      flush=True)
            for label, model in configs.items():
                evals[label].append(evaluate(model, n, folder / "run"))
                starts[label].append(evaluate(model, 4, folder / "s")["wall"])
                print(f"round {r}: evaluate {label}: steady {evals[label][-1]['steady']:.1f} "
                      f"img/s, whole {n / evals[label][-1]['wall']:.1f} img/s, --limit 4 "
                      f"{starts[label][-1]:.2f} s", flush=True)
        fwd = {label: max(v) for label, v in fwd_speeds.items()}
        best_fwd_label = max(fwd, key=fwd.get)
        ev = {label: max(v, key=lambda e: e["steady"]) for label, v in evals.items()}
        startup = {label: min(v) for label, v in starts.items()}
        prec = {}
        for p in ("fp32", "bf16", "fp16"):
            prec[p] = evaluate(native_config(folder, CORES, 1, p), args.precision_images,
                               folder / "p")
            print(f"precision {p}: AP {prec[p]['AP']:.4f} "
                  f"(change {prec[p]['AP'] - prec['fp32']['AP']:+.4f}), "
                  f"{prec[p]['steady']:.1f} img/s", flush=True)

    py_eager = ev["Python path, eager (shapes-fcos.yaml)"]["steady"]
    native_default = ev[f"native TorchScript, {CORES} workers x 1 thread (default)"]["steady"]
    plain_fwd = max(v for label, v in fwd.items() if "optimized" not in label)
    lines = [
        START,
        "## Native inference (module: libtorch) against the Python path",
        "",
        ("Generated by `.venv/bin/python bench/bench_native.py`: this section is rewritten on each "
        f"run. The demo model on the first {n} val images of the shapes dataset, "
        f"CPU only, {CORES} cores shared with other work (noisy: each row is the best of "
        f"{runs} runs, taken in rounds). img/s of evaluate is its steady state (metrics.json "
        "`timings.steady_frames_per_second`: decoding, model, scoring; start-up and the first "
        "batch excluded); start-up is `evaluate --limit 4` as a whole process. "
        f"Machine: {platform.machine()}, Python {platform.python_version()}."),
        "",
        ("| what | layout | img/s | vs Python evaluate (eager) | vs best forward-only | "
        "whole process img/s | `--limit 4` wall |"),
        "|---|---|---|---|---|---|---|",
    ]
    for label, v in fwd.items():
        lines.append(f"| forward-only (Python) | {label}{' (best)' if label == best_fwd_label else ''}"
                     f" | {v:.1f} | {v / py_eager:.2f}x | {v / fwd[best_fwd_label]:.2f}x | | |")
    for label, r in ev.items():
        lines.append(f"| evaluate | {label} | {r['steady']:.1f} | {r['steady'] / py_eager:.2f}x | "
                     f"{r['steady'] / fwd[best_fwd_label]:.2f}x | {n / r['wall']:.1f} | "
                     f"{startup[label]:.2f} s |")
    lines += [
        "",
        (f"Native (default layout) / Python evaluate: {native_default / py_eager:.2f}x; "
        f"/ best forward-only: {native_default / fwd[best_fwd_label]:.2f}x; / best forward-only "
        f"of the model as saved (not optimized): {native_default / plain_fwd:.2f}x. "
        f"`export --to aoti` (compiling the package) took {aoti_compile:.0f} s."),
        "",
        f"Precision (native, CPU autocast, first {args.precision_images} images):",
        "",
        "| precision | AP | AP change vs fp32 | AP50 | steady img/s |",
        "|---|---|---|---|---|",
    ]
    for p, r in prec.items():
        lines.append(f"| {p} | {r['AP']:.4f} | {r['AP'] - prec['fp32']['AP']:+.4f} | "
                     f"{r['stats'][1]:.4f} | {r['steady']:.1f} |")
    lines.append(END)
    text = DOCS.read_text()
    block = "\n".join(lines)
    if START in text:
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOCS.write_text(text)
    print(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
