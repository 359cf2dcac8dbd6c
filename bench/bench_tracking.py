"""Times the tracking metrics (HOTA, CLEAR, Identity) of `detection-studio score --metric
tracking` against TrackEval 1.3 and motrics on MOT17-sized synthetic data (7 sequences, about
5,000 frames, 300,000 boxes of ground truth and tracker output, made by tests/tracking_cases.py
with a fixed seed), whole process each (start, read the files, preprocess as MotChallenge2DBox,
score, exit), the tools taking turns; checks that the numbers agree (TrackEval to 1e-9, motrics
per sequence) and writes the section of docs/benchmarks.md between its markers.

`--part trackers` times the trackers instead: ByteTrack's time per frame at 100 detections a frame,
ours (`detection-studio track`, the time inside the tracker, which the command prints, and the
whole process) against supervision 0.27's sv.ByteTrack (`update_with_detections`, in-process), on
the same synthetic sequence, after checking that both give the same tracks."""

from __future__ import annotations

import argparse
import json
import os
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
sys.path.insert(0, str(ROOT / "tests"))
import tracking_cases as tc  # the tests' generator: one definition of the data

BIN = Path(os.environ["DS_BIN_DIR"]).resolve() if os.environ.get("DS_BIN_DIR") else Path(sys.executable).parent
START, END = "<!-- tracking-bench:start -->", "<!-- tracking-bench:end -->"
TRACKER_START, TRACKER_END = "<!-- tracker-bench:start -->", "<!-- tracker-bench:end -->"
FIELDS = ("HOTA", "DetA", "AssA", "MOTA", "IDF1")

# TrackEval and motrics, each as a whole process writing {sequence: {field: value}} (motrics)
# or the COMBINED numbers (TrackEval) to argv[2].
TRACKEVAL = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
import numpy as np, tracking_cases as tc
res = tc.trackeval_results(Path(sys.argv[1]))
out = {seq: {k: float(np.mean(v)) for k, v in r.items() if k in FIELDS} for seq, r in res.items()}
Path(sys.argv[2]).write_text(json.dumps(out))
""".replace("FIELDS", repr(FIELDS))

MOTRICS = """
import json, sys
from pathlib import Path
import motrics
root = Path(sys.argv[1])
out = {}
for line in (root / "seqmap.txt").read_text().splitlines()[1:]:
    gt = motrics.load_motchallenge_gt(root / "gt" / line / "gt" / "gt.txt")
    pred = motrics.load_motchallenge(root / "trackers" / "tracker" / "data" / (line + ".txt"))
    gi, gb, pi, pb = motrics.preprocess_motchallenge(gt, pred)
    r = motrics.evaluate(motrics.Frames(gi, gb), motrics.Frames(pi, pb))
    out[line] = {"HOTA": r.hota.hota, "DetA": r.hota.deta, "AssA": r.hota.assa, "MOTA": r.clear.mota,
                 "IDF1": r.identity.idf1}
Path(sys.argv[2]).write_text(json.dumps(out))
"""


@dataclass
class Tool:
    name: str
    version: str
    command: list[str]
    walls: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    numbers: dict | None = None


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def run_once(tool: Tool, out: Path) -> None:
    start = time.perf_counter()
    proc = subprocess.Popen(tool.command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{tool.name} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    tool.walls.append(wall)
    tool.rss.append(usage.ru_maxrss)
    tool.cpu.append(usage.ru_utime + usage.ru_stime)
    tool.numbers = json.loads(out.read_text())


def ours_by_sequence(metrics: dict) -> dict[str, dict[str, float]]:
    t = metrics["tracking"]
    out = {row["name"]: {f: row[f] for f in FIELDS} for row in t["sequences"]}
    out["COMBINED_SEQ"] = {f: t[f] for f in FIELDS}
    return out


def max_diff(a: dict, b: dict, sequences: list[str]) -> float:
    return max(abs(a[s][f] - b[s][f]) for s in sequences for f in FIELDS)


def write_section(section: str, start: str, end: str) -> None:
    doc_path = ROOT / "docs" / "benchmarks.md"
    doc = doc_path.read_text()
    if start in doc and end in doc:
        before, rest = doc.split(start, 1)
        doc = before + section + rest.split(end, 1)[1]
    else:
        doc = doc.rstrip("\n") + "\n\n" + section + "\n"
    doc_path.write_text(doc)


def tracker_sequence(frames: int, per_frame: int, seed: int = 24) -> list:
    """`per_frame` objects moving at constant speed with box noise, a tenth of them at low score
    (the second association's), and every frame exactly `per_frame` detections (float32)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    pos = rng.uniform(0, 1800, (per_frame, 2))
    vel = rng.normal(0, 3, (per_frame, 2))
    size = rng.uniform(20, 90, (per_frame, 2))
    out = []
    for f in range(frames):
        c = (pos + vel * f) % 1900 + rng.normal(0, 1.0, (per_frame, 2))
        xyxy = np.column_stack([c - size / 2, c + size / 2]).astype(np.float32)
        scores = np.where(rng.random(per_frame) < 0.1, rng.uniform(0.12, 0.3, per_frame),
                          rng.uniform(0.4, 0.98, per_frame)).astype(np.float32)
        out.append((xyxy, scores))
    return out


def bench_trackers(args: argparse.Namespace) -> None:
    import re

    import numpy as np
    import supervision as sv

    seq = tracker_sequence(args.frames, args.detections)
    with tempfile.TemporaryDirectory(prefix="ds-bench-trackers-") as tmp:
        det = Path(tmp) / "detections.jsonl"
        with det.open("w") as f:
            for i, (xyxy, scores) in enumerate(seq):
                dets = [{"bbox": [float(b[0]), float(b[1]), float(b[2]) - float(b[0]), float(b[3]) - float(b[1])],
                         "score": float(s), "class_id": 0} for b, s in zip(xyxy, scores, strict=True)]
                f.write(json.dumps({"frame": i, "detections": dets}) + "\n")
        ours_ms, walls, sv_ms = [], [], []
        theirs: list[dict[tuple[float, float], int]] = []
        for r in range(args.rounds):  # taking turns
            start = time.perf_counter()
            done = subprocess.run([str(BIN / "detection-studio"), "track", str(det), "--tracker", "bytetrack",
                                   "--output", str(Path(tmp) / "out")], capture_output=True, text=True, check=True)
            walls.append(time.perf_counter() - start)
            m = re.search(r"tracker ([0-9.]+) ms/frame", done.stdout)
            assert m, done.stdout
            ours_ms.append(float(m.group(1)))
            tracker = sv.ByteTrack()
            spent = 0.0
            for xyxy, scores in seq:
                d = sv.Detections(xyxy=xyxy, confidence=scores, class_id=np.zeros(len(scores), dtype=int))
                t0 = time.perf_counter()
                out = tracker.update_with_detections(d)
                spent += time.perf_counter() - t0
                if r == 0:
                    theirs.append({(round(float(b[0]), 3), round(float(b[1]), 3)): int(i)
                                   for b, i in zip(out.xyxy, out.tracker_id, strict=True)})
            sv_ms.append(1000 * spent / len(seq))
        ours_ids: list[dict[tuple[float, float], int]] = [{} for _ in seq]
        for line in (Path(tmp) / "out" / "tracks.txt").read_text().splitlines():
            v = line.split(",")
            ours_ids[int(v[0]) - 1][(round(float(v[2]) - 1, 3), round(float(v[3]) - 1, 3))] = int(v[1])
    same = ours_ids == theirs
    tracked = sum(len(f) for f in theirs)
    ours_med, sv_med = statistics.median(ours_ms), statistics.median(sv_ms)
    section = "\n".join([
        TRACKER_START,
        "## Trackers (ByteTrack)",
        "",
        "Generated by `bench/bench_tracking.py --part trackers`: this section is rewritten on each run.",
        "",
        (f"One synthetic sequence of {len(seq):,} frames with exactly {args.detections} detections each "
         f"(constant-speed boxes with noise, a tenth at low score; {tracked:,} tracked detections). Ours: the time "
         "inside the tracker as `detection-studio track` measures it (reading detections.jsonl and writing "
         "tracks.txt excluded; the whole process in the last column); supervision: "
         "`sv.ByteTrack.update_with_detections` in-process (building the `Detections` excluded). Median of "
         f"{args.rounds} runs, taking turns. Same tracks (ids and detections, every frame): "
         f"{'yes' if same else 'NO'}."),
        "",
        f"Machine: {os.cpu_count()} cores (shared: load average {os.getloadavg()[0]:.1f}), Python {sys.version.split()[0]}.",
        "",
        "| tracker | version | ms / frame (median) | min | supervision / this | whole process (s) |",
        "| --- | --- | --- | --- | --- | --- |",
        (f"| detection-studio track --tracker bytetrack | {version('detection-studio')} | {ours_med:.4f} | "
         f"{min(ours_ms):.4f} | {sv_med / ours_med:.0f}x | {statistics.median(walls):.2f} |"),
        f"| sv.ByteTrack | {version('supervision')} | {sv_med:.4f} | {min(sv_ms):.4f} | 1x | - |",
        TRACKER_END,
    ])
    print(section)
    if not same:
        raise SystemExit("the trackers disagree: no timing written")
    if not args.no_doc:
        write_section(section, TRACKER_START, TRACKER_END)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=("metrics", "trackers"), default="metrics")
    parser.add_argument("--frames", type=int, default=1000, help="--part trackers: frames")
    parser.add_argument("--detections", type=int, default=100, help="--part trackers: detections per frame")
    parser.add_argument("--rounds", type=int, default=5, help="runs of detection-studio and motrics")
    parser.add_argument("--slow-rounds", type=int, default=1, help="runs of TrackEval (slow)")
    parser.add_argument("--tracks", type=int, default=100, help="ground-truth tracks per sequence")
    parser.add_argument("--no-doc", action="store_true", help="print the section, leave docs/benchmarks.md")
    args = parser.parse_args()
    if args.part == "trackers":
        bench_trackers(args)
        return
    with tempfile.TemporaryDirectory(prefix="ds-bench-tracking-") as tmp:
        root = Path(tmp)
        import numpy as np

        rng = np.random.default_rng(2017)
        lengths = [600, 525, 1050, 837, 750, 654, 600]  # MOT17 train's frame counts, roughly
        sequences = [tc.make_sequence(rng, f"MOT17-SYN-{k:02d}", n, args.tracks, fp_tracks=25)
                     for k, n in enumerate(lengths)]
        tc.write_layout(root, sequences)
        frames = sum(s.length for s in sequences)
        gt_boxes = sum(len(s.gt_lines) for s in sequences)
        tracker_boxes = sum(len(s.tracker_lines) for s in sequences)
        outs = {name: root / f"{name}.json" for name in ("ds", "trackeval", "motrics")}
        ours = Tool("detection-studio score --metric tracking", version("detection-studio"),
                    [str(BIN / "detection-studio"), "score", "--gt", str(root / "gt"), "--dt",
                     str(root / "trackers" / "tracker" / "data"), "--metric", "tracking", "--quiet",
                     "--output", str(outs["ds"])])
        motrics = Tool("motrics", version("motrics"), [sys.executable, "-c", MOTRICS, str(root), str(outs["motrics"])])
        trackeval = Tool("TrackEval", version("trackeval"),
                         [sys.executable, "-c", TRACKEVAL, str(root), str(outs["trackeval"]), str(ROOT / "tests")])
        load_before = os.getloadavg()[0]
        for r in range(max(args.rounds, args.slow_rounds)):
            if r < args.rounds:
                run_once(ours, outs["ds"])
                run_once(motrics, outs["motrics"])
            if r < args.slow_rounds:
                run_once(trackeval, outs["trackeval"])
        load_after = os.getloadavg()[0]
        assert ours.numbers is not None and motrics.numbers is not None and trackeval.numbers is not None
        mine = ours_by_sequence(ours.numbers)
        names = [s.name for s in sequences]
        te_diff = max_diff(mine, trackeval.numbers, [*names, "COMBINED_SEQ"])
        mo_diff = max_diff(mine, motrics.numbers, names)
        mo_fields = {f: max(abs(mine[s][f] - motrics.numbers[s][f]) for s in names) for f in FIELDS}
    base = statistics.median(ours.walls)
    rows = []
    for t in (ours, motrics, trackeval):
        agree = ("-" if t is ours else
                 f"{te_diff:.1e} (TrackEval, every sequence and COMBINED)" if t is trackeval else
                 f"{mo_diff:.1e} (per sequence; motrics has no COMBINED)")
        rows.append(f"| {t.name} | {t.version} | {len(t.walls)} | {statistics.median(t.walls):.2f} | "
                    f"{min(t.walls):.2f} | {statistics.median(t.walls) / base:.1f}x | "
                    f"{statistics.median(t.cpu):.2f} | {max(t.rss) / 2**20:.2f} | {agree} |")
    slower = [t.name for t in (motrics, trackeval) if statistics.median(t.walls) < base]
    section = "\n".join([
        START,
        "## Tracking metrics (HOTA, CLEAR, Identity)",
        "",
        "Generated by `bench/bench_tracking.py`: this section is rewritten on each run.",
        "",
        (f"MOT17-sized synthetic data (tests/tracking_cases.py, seed 2017): {len(sequences)} sequences, "
         f"{frames:,} frames, {gt_boxes:,} ground-truth and {tracker_boxes:,} tracker boxes "
         f"({gt_boxes + tracker_boxes:,} in all), with distractor classes, zero-marked lines, id switches, "
         "fragments and false-positive tracks. Each run is a whole process: start, read the MOT files, "
         "MotChallenge2DBox's preprocessing, HOTA + CLEAR + Identity, exit; the tools take turns. "
         "TrackEval runs single-process (USE_PARALLEL off); motrics is its Python API "
         "(load_motchallenge_gt, preprocess_motchallenge, evaluate) per sequence. Ratio: the tool's "
         "median wall time over detection-studio's. Agreement: the largest difference in HOTA, DetA, "
         "AssA, MOTA, IDF1 against ours."),
        "",
        (f"Machine: {os.cpu_count()} cores (shared: load average {load_before:.1f} before, "
         f"{load_after:.1f} after), Python {sys.version.split()[0]}."),
        "",
        ("| tool | version | runs | median wall (s) | min (s) | time / detection-studio | median CPU (s) | "
         "peak memory (GB) | largest difference |"),
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        f"In this run detection-studio is {'faster than every peer' if not slower else 'slower than ' + ', '.join(slower)}. "
        "motrics' numbers differ from TrackEval's (and ours) by up to: "
        + ", ".join(f"{f} {d:.1e}" for f, d in mo_fields.items()) + ".",
        END,
    ])
    print(section)
    if not args.no_doc:
        write_section(section, START, END)


if __name__ == "__main__":
    main()
