"""Times `detection-studio score --metric lvis` against lvis-api 0.5.3 (the reference),
faster-coco-eval (`lvis_style=True`) and hotcoco (`LVISeval`) on synthetic LVIS-shaped sets
(bench/make_lvis_data.py: 1,203 categories, 300 detections on every image), whole process each,
the tools taking turns, and writes its section of docs/benchmarks.md. A tenth of LVIS' size
(2,000 images, 600,000 detections) runs all four; the full size (20,000 images, 6,000,000
detections) runs ours and hotcoco: lvis-api and faster-coco-eval keep a Python dict per detection
and need more memory there than the machine has. Every tool's 13 numbers are compared with
lvis-api's where lvis-api ran, else with ours."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MARKERS = ("<!-- lvis-bench:start -->", "<!-- lvis-bench:end -->")
KEYS = ["AP", "AP50", "AP75", "APs", "APm", "APl", "APr", "APc", "APf",
        "AR@300", "ARs@300", "ARm@300", "ARl@300"]


@dataclass
class Tool:
    name: str
    version: str
    command: list[str]  # {gt} {dt} {out} filled in
    ours: bool = False
    walls: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)  # KiB
    cpu: list[float] = field(default_factory=list)
    stats: list[float] | None = None


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def run_once(tool: Tool, gt: Path, dt: Path, out: Path) -> None:
    cmd = [c.format(gt=gt, dt=dt, out=out) for c in tool.command]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{tool.name} failed: {err[-2000:]}")
    tool.walls.append(wall)
    tool.rss.append(usage.ru_maxrss)
    tool.cpu.append(usage.ru_utime + usage.ru_stime)
    data = json.loads(out.read_text())
    tool.stats = [data["lvis"][k] for k in KEYS] if tool.ours else data


def tools_for(args: argparse.Namespace, small: bool) -> list[Tool]:
    py = [sys.executable, "-W", "ignore", str(HERE / "lvis_eval_tools.py")]
    ours = Tool("detection-studio score --metric lvis", version("detection-studio"),
                [str(args.bin_dir / "detection-studio"), "score", "--gt", "{gt}", "--dt", "{dt}",
                 "--metric", "lvis", "--analyses", "none", "--quiet", "--output", "{out}"], ours=True)
    tools = [ours, Tool("hotcoco (LVISeval)", version("hotcoco"), [*py, "hotcoco", "{gt}", "{dt}", "{out}"])]
    if small:  # at the full size these two need more memory than the machine has (see the text)
        tools.append(Tool("faster-coco-eval (lvis_style)", version("faster-coco-eval"),
                          [*py, "faster-coco-eval", "{gt}", "{dt}", "{out}"]))
        tools.append(Tool("lvis-api", version("lvis"), [*py, "lvis-api", "{gt}", "{dt}", "{out}"]))
    return tools


def files(images: int) -> tuple[Path, Path]:
    gt = HERE / "data" / f"lvis_{images}x300_gt.json"
    dt = HERE / "data" / f"lvis_{images}x300_results.json"
    if not (gt.exists() and dt.exists()):
        subprocess.run([sys.executable, str(HERE / "make_lvis_data.py"), "--images", str(images)], check=True)
    return gt, dt


def measure(tools: list[Tool], gt: Path, dt: Path, rounds: dict[str, int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        for n in range(max(rounds.get(t.name, 1) for t in tools)):
            for t in tools:
                if n < rounds.get(t.name, 1):
                    run_once(t, gt, dt, out)
                    print(f"{gt.name} round {n + 1}: {t.name}: {t.walls[-1]:.2f} s, "
                          f"{t.rss[-1] / 2**20:.2f} GB", flush=True)


def table(tools: list[Tool], reference: Tool) -> list[str]:
    ours = tools[0]
    base, base_rss = statistics.median(ours.walls), max(ours.rss)
    lines = [(f"| tool | version | runs | median wall (s) | time / ours | median CPU (s) | peak memory (GB) "
             f"| memory / ours | 13 numbers = {reference.name}'s |"),
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for t in tools:
        med = statistics.median(t.walls)
        diff = max(abs(a - b) for a, b in zip(t.stats or [], reference.stats or [], strict=True))
        same = "yes" if diff <= 1e-12 else f"**no**: max difference {diff:.1e}"
        lines.append(f"| {t.name} | {t.version} | {len(t.walls)} | {med:.2f} | {med / base:.2f} | "
                     f"{statistics.median(t.cpu):.2f} | {max(t.rss) / 2**20:.2f} | "
                     f"{max(t.rss) / base_rss:.2f} | {same} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each fast tool")
    parser.add_argument("--full-images", type=int, default=20_000)
    parser.add_argument("--small-images", type=int, default=2_000)
    parser.add_argument("--bin-dir", type=Path, default=Path(sys.executable).parent)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    sections = []
    for images, with_api in ((args.small_images, True), (args.full_images, False)):
        gt, dt = files(images)
        tools = tools_for(args, with_api)
        slow = {"lvis-api": 1, "faster-coco-eval (lvis_style)": 1}
        measure(tools, gt, dt, {t.name: slow.get(t.name, args.rounds) for t in tools})
        reference = tools[-1] if with_api else tools[0]
        n_gt = len(json.loads(gt.read_text())["annotations"])
        sections += ["", (f"**{images:,} images**, {n_gt:,} ground-truth boxes, 1,203 categories, "
                     f"{images * 300:,} detections (300 per image):"), "", *table(tools, reference),
                     "", "The 13 numbers (" + ", ".join(KEYS) + "):", "", "```",
                     *[f"{t.name:>32}: {json.dumps(t.stats)}" for t in tools], "```"]
    start, end = MARKERS
    text = "\n".join([
        start, "## LVIS evaluation (federated)", "",
        "Generated by `make bench` (bench/bench_lvis.py): this section is rewritten on each run.", "",
        ("LVIS bbox evaluation of synthetic LVIS-shaped sets from bench/make_lvis_data.py (LVIS v1's "
        "1,203 categories with its r/c/f split; per image a few present categories, verified-absent "
        "and not-exhaustive ones). Each run is a whole process (start, load both JSON files, "
        "evaluate, summarize, exit), the tools taking turns; wall time is the median of the runs, "
        "memory the child's peak resident set. lvis-api 0.5.3 and faster-coco-eval run on the "
        "tenth-size set only (one run each): both keep a Python dict per detection, and their memory "
        "(the tenth-size table) grows with the detections: at 6,000,000 it is beyond this "
        "machine's 23 GB (shared with other work). The full LVIS size runs ours and hotcoco."), "",
        (f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores (shared: load "
        f"average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after), Python "
        f"{platform.python_version()}."), *sections, end])
    existing = args.output.read_text() if args.output.exists() else "# Benchmarks\n"
    if start in existing and end in existing:
        before, rest = existing.split(start, 1)
        existing = before + text + rest.split(end, 1)[1]
    else:
        existing = existing.rstrip("\n") + "\n\n" + text + "\n"
    args.output.write_text(existing)
    print(text)


if __name__ == "__main__":
    main()
