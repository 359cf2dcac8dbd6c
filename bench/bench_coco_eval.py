"""Times `detection-studio score` against pycocotools, faster-coco-eval, hotcoco and ultrafast-pycocotools
on a synthetic
set (bbox: bench/make_coco_eval_data.py, segm and boundary: make_segm_data.py, keypoints:
make_keypoint_data.py), whole process each, alternating, and writes docs/benchmarks.md. Also checks
that all of them give the same stats: bit for bit as pycocotools (bbox, segm, keypoints), or as
faster-coco-eval for boundary IoU (which pycocotools and hotcoco do not have)."""

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
BIN = Path(sys.executable).parent
MARKERS = {"bbox": ("<!-- coco-eval-bench:start -->", "<!-- coco-eval-bench:end -->"),
           "segm": ("<!-- coco-segm-bench:start -->", "<!-- coco-segm-bench:end -->"),
           "keypoints": ("<!-- coco-keypoints-bench:start -->", "<!-- coco-keypoints-bench:end -->"),
           "boundary": ("<!-- coco-boundary-bench:start -->", "<!-- coco-boundary-bench:end -->")}
STATS_12 = "AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl"
STATS_10 = "AP, AP50, AP75, APm, APl, AR, AR50, AR75, ARm, ARl"


@dataclass
class Protocol:
    """What one --iou-type measures: its data, its words in the report, its reference."""
    title: str
    what: str  # the data set, for the report's first sentence
    files: tuple[str, str]  # ground truth and results under bench/data
    maker: str  # the script that writes them
    stats_key: str  # metrics.json key of our stats
    stat_names: str
    reference: str  # the tool whose stats the others must equal
    tolerance: float  # 0: bit for bit


PROTOCOLS = {
    "bbox": Protocol(
        "## COCO evaluation (metrics)",
        "COCO bbox evaluation of the synthetic set from bench/make_coco_eval_data.py",
        ("gt.json", "results.json"), "make_coco_eval_data.py", "coco_stats", STATS_12, "pycocotools", 0),
    "segm": Protocol(
        "## COCO mask evaluation (segm)",
        "COCO segm (mask) evaluation of the synthetic set from bench/make_segm_data.py "
        "(polygon ground truth, compressed-RLE detections)",
        ("segm_gt.json", "segm_results.json"), "make_segm_data.py", "segm_coco_stats", STATS_12,
        "pycocotools", 0),
    "keypoints": Protocol(
        "## COCO keypoint evaluation (OKS)",
        "COCO keypoint (OKS) evaluation of the synthetic set from bench/make_keypoint_data.py "
        "(COCO's 17 keypoints, visibility 0/1/2, people without labelled keypoints and crowd "
        "regions in the ground truth; a Keypoint R-CNN style results file: keypoints and score, "
        "maxDets 20)",
        ("kpt_gt.json", "kpt_results.json"), "make_keypoint_data.py", "keypoints_coco_stats",
        STATS_10, "pycocotools", 0),
    "boundary": Protocol(
        "## Boundary IoU evaluation",
        "Boundary IoU (Cheng et al., dilation ratio 0.02) evaluation of the segm set from "
        "bench/make_segm_data.py (240 x 320 images: a 8-pixel boundary)",
        ("segm_gt.json", "segm_results.json"), "make_segm_data.py", "boundary_coco_stats", STATS_12,
        # faster-coco-eval sums precision in its own order (docs/metrics.md): not bitwise.
        "faster-coco-eval", 1e-9),
}


@dataclass
class Tool:
    name: str
    version: str
    command: list[str]  # {gt} {dt} {out} filled in
    stats_key: str | None  # metrics.json key holding the stats; None: the file is the stats
    runs: int
    env: dict[str, str] | None = None  # the child's environment; None: ours
    walls: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)  # peak resident set, KiB
    cpu: list[float] = field(default_factory=list)  # user + system seconds
    stats: list[float] | None = None


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def run_once(tool: Tool, gt: Path, dt: Path, out: Path) -> None:
    cmd = [c.format(gt=gt, dt=dt, out=out) for c in tool.command]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=tool.env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{tool.name} failed ({proc.returncode}): {err}")
    tool.walls.append(wall)
    tool.rss.append(usage.ru_maxrss)
    tool.cpu.append(usage.ru_utime + usage.ru_stime)
    data = json.loads(out.read_text())
    stats = data if tool.stats_key is None else data[tool.stats_key]
    if tool.stats is not None and stats != tool.stats:
        raise SystemExit(f"{tool.name}: stats changed between runs")
    tool.stats = stats


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def max_difference(a: list[float], b: list[float]) -> float:
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


def agreement(stats: list[float] | None, reference: list[float] | None) -> str:
    """The table's last column: the same bits, or how far from the reference."""
    if stats is None or reference is None:
        return "n/a"
    if stats == reference:
        return "yes"
    if len(stats) != len(reference):
        return "**no** (other stats)"
    return f"**no**: max difference {max_difference(stats, reference):.1e}"


def report(tools: list[Tool], data: dict[str, int], load: tuple[float, float], iou_type: str,
           note: str) -> str:
    start, end = MARKERS[iou_type]
    protocol = PROTOCOLS[iou_type]
    ours = tools[0]
    base = statistics.median(ours.walls)
    reference = next((t for t in tools if t.name == protocol.reference and t.walls), ours).stats
    bitwise = "(bitwise)" if protocol.tolerance == 0 else "(bits, or the largest difference)"
    owner = protocol.reference + ("'" if protocol.reference.endswith("s") else "'s")
    categories = f"{data['categories']} {'category' if data['categories'] == 1 else 'categories'}"
    lines = [
        start,
        protocol.title,
        "",
        ("Generated by `make bench` (bench/bench_coco_eval.py): this section is rewritten on "
        "each run."),
        "",
        (f"{protocol.what}: "
        f"{data['images']:,} images, {data['gt']:,} ground-truth objects, {categories}, "
        f"{data['dt']:,} detections. Each run is a whole process (start, load "
        f"both JSON files, evaluate, accumulate, summarize, exit), the tools taking turns. Wall "
        f"time is the median of the runs; peak memory is the child's maximum resident set "
        f"(getrusage), CPU time its user + system time (less sensitive than wall time to "
        f"the other work on a shared machine). Ratio: the tool's median wall time over "
        f"detection-studio's."),
        "",
        (f"Machine: {cpu_model()}, {os.cpu_count()} cores (shared: load average "
        f"{load[0]:.1f} before, {load[1]:.1f} after), Python {platform.python_version()}."),
        "",
        ("| tool | version | runs | median wall (s) | min (s) | time / detection-studio | "
        f"median CPU (s) | peak memory (GB) | stats = {owner} {bitwise} |"),
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for t in tools:
        if not t.walls:
            continue
        med = statistics.median(t.walls)
        lines.append(f"| {t.name} | {t.version} | {len(t.walls)} | {med:.2f} | "
                     f"{min(t.walls):.2f} | {med / base:.2f} | {statistics.median(t.cpu):.2f} | "
                     f"{max(t.rss) / 2**20:.2f} | {agreement(t.stats, reference)} |")
    lines += ["", summary(tools), "", against_fastest_peer(tools)]
    if note:
        lines += ["", note]
    count = len(protocol.stat_names.split(", "))
    lines += ["", f"The {count} stats (pycocotools' order: {protocol.stat_names}):", "", "```"]
    lines += [f"{t.name:>24}: {json.dumps(t.stats)}" for t in tools if t.walls]
    lines += ["```", end]
    return "\n".join(lines)


def summary(tools: list[Tool]) -> str:
    """One sentence of what the table says: each peer's time and memory against ours."""
    ours = tools[0]
    base, base_cpu, base_rss = statistics.median(ours.walls), statistics.median(ours.cpu), max(ours.rss)
    peers = [t for t in tools if t.walls and not t.name.startswith("detection")]
    parts = [f"{t.name} takes {statistics.median(t.walls) / base:.1f}x as long "
             f"({statistics.median(t.cpu) / base_cpu:.1f}x the CPU time) and "
             f"{max(t.rss) / base_rss:.1f}x the peak memory" for t in peers]
    slower = [t.name for t in peers if statistics.median(t.walls) < base]
    verdict = ("faster than every peer" if not slower else "slower than " + ", ".join(slower))
    return (f"In this run `{ours.name}` ({base:.2f} s, {base_rss / 2**20:.2f} GB) is {verdict}: "
            + "; ".join(parts) + ".")


def against_fastest_peer(tools: list[Tool]) -> str:
    """Our rows as a share of the fastest peer's time (wall and CPU), in this run."""
    peers = [t for t in tools if t.walls and not t.name.startswith("detection")]
    ours = [t for t in tools if t.walls and t.name.startswith("detection-studio score")]
    if not peers or not ours:
        return ""
    fastest = min(peers, key=lambda t: statistics.median(t.walls))
    wall, cpu = statistics.median(fastest.walls), statistics.median(fastest.cpu)
    parts = [f"`{t.name}` {statistics.median(t.walls) / wall:.2f}x its wall time "
             f"({statistics.median(t.cpu) / cpu:.2f}x its CPU time)" for t in ours]
    return f"Against the fastest peer in this run, {fastest.name}: " + "; ".join(parts) + "."


def replace_section(document: str, section: str, iou_type: str) -> str:
    """`document` with our section replaced (or added): other sections are others' to keep."""
    start, end = MARKERS[iou_type]
    if start in document and end in document:
        before, rest = document.split(start, 1)
        return before + section + rest.split(end, 1)[1]
    return (document.rstrip("\n") + "\n\n" if document else "# Benchmarks\n\n") + section + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7, help="runs of each fast tool")
    parser.add_argument("--slow-rounds", type=int, default=1,
                        help="runs of the slow peers: pycocotools (about a minute each here), and "
                        "faster-coco-eval for boundary IoU")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--iou-type", choices=list(PROTOCOLS), default="bbox")
    parser.add_argument("--bin-dir", type=Path, default=BIN,
                        help="the folder holding detection-studio (default: beside this Python; "
                        "build/dev/cpp/app to time a build before installing it)")
    parser.add_argument("--pythonpath", type=Path,
                        help="put this folder first on the Python API's PYTHONPATH (a folder "
                        "holding a detection_studio package of a build)")
    args = parser.parse_args()
    protocol = PROTOCOLS[args.iou_type]

    gt, dt = (HERE / "data" / name for name in protocol.files)
    if not (gt.exists() and dt.exists()):
        subprocess.run([sys.executable, str(HERE / protocol.maker)], check=True)
    gt_data = json.loads(gt.read_text())
    data = {"images": len(gt_data["images"]), "gt": len(gt_data["annotations"]),
            "categories": len(gt_data["categories"]), "dt": dt.read_text().count('"score"')}
    del gt_data

    tools = make_tools(args)
    note = NOTES.get(args.iou_type, "")
    run_all(tools, gt, dt, data, args, note)


# Said under a table: what the table cannot show.
NOTES = {
    "boundary": ("pycocotools has no boundary IoU, nor has hotcoco 1.3.0 (its COCOeval takes "
                 "'bbox', 'segm', 'keypoints' and 'obb'): faster-coco-eval is the only peer."),
}


def make_tools(args: argparse.Namespace) -> list[Tool]:
    iou_type = args.iou_type
    protocol = PROTOCOLS[iou_type]
    py = [sys.executable, str(HERE / "coco_eval_tools.py")]
    peers = ["{gt}", "{dt}", "{out}", iou_type]
    ds = version("detection-studio")
    score = [str(args.bin_dir / "detection-studio"), "score", "--gt", "{gt}", "--dt", "{dt}",
             "--output", "{out}"]
    if iou_type != "bbox":
        score += ["--iou-type", iou_type]
    api_env = None
    if args.pythonpath:
        api_env = dict(os.environ)
        api_env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(args.pythonpath.resolve()), os.environ.get("PYTHONPATH")) if p)
    name = "detection-studio score" + ("" if iou_type == "bbox" else f" --iou-type {iou_type}")
    tools = []
    if iou_type == "segm":
        tools.append(Tool(name, ds, score, protocol.stats_key, args.rounds))
    else:
        # The COCO metrics alone, as the peers compute them...
        tools.append(Tool(name, ds, [*score, "--analyses", "none"], protocol.stats_key, args.rounds))
        # ...and what score does by default: the analyses too (thresholds, confusion, TIDE,
        # per image), which the peers leave to other tools.
        tools.append(Tool(f"{name} + analyses", ds, score, protocol.stats_key, args.rounds))
    if iou_type != "boundary":  # hotcoco 1.3.0 has no boundary IoU
        tools.append(Tool("hotcoco", version("hotcoco"), [*py, "hotcoco", *peers], None, args.rounds))
    if iou_type != "boundary":  # ultrafast-pycocotools 0.1.14 has no boundary IoU
        tools.append(Tool("ultrafast-pycocotools", version("ultrafast-pycocotools"),
                          [*py, "ultrafast-pycocotools", *peers], None, args.rounds))
    tools.append(Tool("faster-coco-eval", version("faster-coco-eval"), [*py, "faster-coco-eval", *peers],
                      None, args.slow_rounds if iou_type == "boundary" else args.rounds))
    tools.append(Tool("detection_studio.coco (Python API)", ds, [*py, "detection_studio.coco", *peers],
                      None, args.rounds, env=api_env))
    if iou_type != "boundary":  # pycocotools has no boundary IoU
        tools.append(Tool("pycocotools", version("pycocotools"), [*py, "pycocotools", *peers], None,
                          args.slow_rounds))
    return tools


def run_all(tools: list[Tool], gt: Path, dt: Path, data: dict[str, int], args: argparse.Namespace,
            note: str) -> None:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        for n in range(max(t.runs for t in tools)):
            for tool in tools:
                if n < tool.runs:
                    run_once(tool, gt, dt, out)
                    print(f"round {n + 1}: {tool.name}: {tool.walls[-1]:.2f} s, "
                          f"{tool.rss[-1] / 2**20:.2f} GB", flush=True)
    text = report(tools, data, (load_before, os.getloadavg()[0]), args.iou_type, note)
    existing = args.output.read_text() if args.output.exists() else ""
    args.output.write_text(replace_section(existing, text, args.iou_type))
    print(text)
    # Ours must be the reference's: to the bit (pycocotools), or within the tolerance (boundary
    # IoU against faster-coco-eval); a peer that is not is reported in the table.
    protocol = PROTOCOLS[args.iou_type]
    reference = next((t.stats for t in tools if t.name == protocol.reference and t.walls), None)
    if reference is None or tools[0].stats is None:
        return
    if protocol.tolerance == 0 and tools[0].stats != reference:
        raise SystemExit(f"detection-studio's stats differ from {protocol.reference}'s")
    if protocol.tolerance > 0 and max_difference(tools[0].stats, reference) > protocol.tolerance:
        raise SystemExit(f"detection-studio's stats differ from {protocol.reference}'s by more than "
                         f"{protocol.tolerance}")


if __name__ == "__main__":
    main()
