"""Dataset loading speed: our COCO reader against pycocotools' COCO() and globox's from_coco, on
a generated file the size of COCO train2017 (118,287 images, 860,001 boxes with polygon
segmentations, 80 categories). Writes its section of docs/benchmarks.md.

    .venv/bin/python bench/bench_formats.py            # generate (once), measure, write the doc
    .venv/bin/python bench/bench_formats.py --no-doc   # measure only

The file is generated deterministically into bench/data/ (gitignored); each reader runs in its
own process, so one's memory does not weigh on the next.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data" / "instances_train2017_like.json"
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- formats-bench:start -->", "<!-- formats-bench:end -->"

IMAGES, BOXES, SEED = 118_287, 860_001, 2017
# COCO's 80 category ids (1..90 with gaps).
CATEGORY_IDS = [i for i in range(1, 91) if i not in {12, 26, 29, 30, 45, 66, 68, 69, 71, 83}]


def generate(path: Path) -> None:
    """Streams the JSON out: never holds the document in memory."""
    rng = random.Random(SEED)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    sizes = [(rng.choice((640, 480, 500, 427, 612)), rng.choice((480, 640, 375, 427, 333))) for _ in range(IMAGES)]
    with tmp.open("w") as f:
        f.write('{"info": {"description": "generated like COCO train2017"}, "licenses": [],\n"images": [\n')
        for i, (w, h) in enumerate(sizes):
            sep = ",\n" if i else ""
            f.write(f'{sep}{{"license": 1, "file_name": "{i + 1:012d}.jpg", "height": {h}, "width": {w}, '
                    f'"date_captured": "2013-11-14 16:28:13", "id": {i + 1}}}')
        f.write("\n],\n\"annotations\": [\n")
        for a in range(BOXES):
            image = rng.randrange(IMAGES)
            w, h = sizes[image]
            bw, bh = rng.uniform(1, w / 2), rng.uniform(1, h / 2)
            x, y = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
            n = rng.randrange(6, 30)
            poly = ",".join(f"{x + rng.uniform(0, bw):.2f},{y + rng.uniform(0, bh):.2f}" for _ in range(n))
            sep = ",\n" if a else ""
            f.write(f'{sep}{{"segmentation": [[{poly}]], "area": {bw * bh * 0.6:.4f}, "iscrowd": {int(rng.random() < 0.01)}, '
                    f'"image_id": {image + 1}, "bbox": [{x:.2f}, {y:.2f}, {bw:.2f}, {bh:.2f}], '
                    f'"category_id": {rng.choice(CATEGORY_IDS)}, "id": {a + 1}}}')
        f.write("\n],\n\"categories\": [\n")
        f.write(",\n".join(f'{{"supercategory": "thing", "id": {c}, "name": "class {c}"}}' for c in CATEGORY_IDS))
        f.write("\n]}\n")
    tmp.rename(path)


# Each loader runs in a child process and prints {"seconds", "images", "boxes", "max_rss_mb"}.
LOADERS = {
    "detection-studio": (
        "from detection_studio import _core\n"
        "t, p = time.perf_counter(), time.process_time(); d = _core.read_coco(PATH)\n"
        "s, cpu = time.perf_counter() - t, time.process_time() - p\n"
        "n = (len(d.images), len(d.annotations))"
    ),
    "pycocotools": (
        "import contextlib, io\n"
        "from pycocotools.coco import COCO\n"
        "t, p = time.perf_counter(), time.process_time()\n"
        "with contextlib.redirect_stdout(io.StringIO()): c = COCO(PATH)\n"
        "s, cpu = time.perf_counter() - t, time.process_time() - p\n"
        "n = (len(c.imgs), len(c.anns))"
    ),
    "globox": (
        "import globox\n"
        "t, p = time.perf_counter(), time.process_time(); a = globox.AnnotationSet.from_coco(PATH)\n"
        "s, cpu = time.perf_counter() - t, time.process_time() - p\n"
        "n = (len(a), sum(len(x.boxes) for x in a))"
    ),
}


def measure(name: str, repeats: int) -> dict:
    code = (
        "import json, resource, sys, time\nPATH = sys.argv[1]\nbest = None\n"
        f"for _ in range({repeats}):\n"
        "    d = c = a = None  # the previous run's result is not kept alive during the next\n"
        + "".join(f"    {line}\n" for line in LOADERS[name].splitlines())
        + "    best = (s, cpu) if best is None else min(best, (s, cpu))\n"
        "print(json.dumps({'seconds': best[0], 'cpu_seconds': best[1], 'images': n[0], 'boxes': n[1],"
        " 'max_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(DATA)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_doc(results: dict, size_mb: float) -> None:
    ours = results["detection-studio"]["seconds"]
    rows = "\n".join(
        f"| {name} | {r['seconds']:.2f} s | {r['cpu_seconds']:.2f} s | {r['seconds'] / ours:.1f}x "
        f"| {r['max_rss_mb']:.0f} MB | {r['images']:,} / {r['boxes']:,} |"
        for name, r in results.items()
    )
    section = f"""{START}
## Dataset loading (formats)

Reading a COCO instances file the size of train2017: {IMAGES:,} images, {BOXES:,} boxes with
polygon segmentations, {size_mb:.0f} MB, generated by `bench/bench_formats.py` (seed {SEED}).
Each reader runs in its own process, the file already in the page cache; time is the load call
alone (wall clock, best of the runs; CPU time of that run beside it: the machine's 2 cores are
shared with other work, which stretches wall time), memory the process's peak.
Machine: {platform.machine()}, Python {platform.python_version()}.

| reader | load time | CPU time | time vs detection-studio | peak memory | images / boxes |
|---|---|---|---|---|---|
{rows}

detection-studio reads with simdjson On-Demand straight into its structs and skips the
segmentations without building them; pycocotools (`COCO()`, including its index) and globox
(`AnnotationSet.from_coco`) build the whole document as Python objects first.
Re-run: `.venv/bin/python bench/bench_formats.py`.
{END}"""
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    if START in text and END in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument("--repeats", type=int, default=3, help="runs of our reader (the others run once)")
    args = parser.parse_args()
    if not DATA.exists():
        t = time.perf_counter()
        generate(DATA)
        print(f"generated {DATA} in {time.perf_counter() - t:.0f} s")
    size_mb = DATA.stat().st_size / 1e6
    DATA.read_bytes()  # into the page cache, for every reader alike
    results = {}
    for name in LOADERS:
        results[name] = measure(name, args.repeats if name == "detection-studio" else 1)
        print(f"{name:18s} {results[name]['seconds']:7.2f} s  (cpu {results[name]['cpu_seconds']:.2f} s)  "
              f"{results[name]['max_rss_mb']:6.0f} MB  "
              f"{results[name]['images']} images, {results[name]['boxes']} boxes", flush=True)
    ours = results["detection-studio"]
    for name, r in results.items():
        assert (r["images"], r["boxes"]) == (IMAGES, BOXES), f"{name} read {r['images']} images, {r['boxes']} boxes"
        if name != "detection-studio":
            print(f"{name}: {r['seconds'] / ours['seconds']:.1f}x slower than detection-studio")
    if not args.no_doc:
        write_doc(results, size_mb)
        print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
