"""`evaluate` against crashes and bad input: kill -9 then --resume gives the uninterrupted run's
metrics, bad images are named or skipped, the outputs are checked before the model loads and
appear together."""

from __future__ import annotations

import itertools
import json
import random
import shutil
import signal
import subprocess
import time
import zlib
from pathlib import Path

import pytest
from conftest import BIN, REPO, error_line, run_ds

MODEL = REPO / "configs" / "models" / "shapes-fcos.yaml"
IMAGES = 16


@pytest.fixture(scope="module")
def small(shapes_val: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run config over the first 16 val images (copied: tests spoil some of them)."""
    root = tmp_path_factory.mktemp("small")
    gt = json.loads((shapes_val / "annotations" / "instances_val.json").read_text())
    images = gt["images"][:IMAGES]
    ids = {im["id"] for im in images}
    (root / "images").mkdir()
    for im in images:
        shutil.copy(shapes_val / "val" / im["file_name"], root / "images" / im["file_name"])
    gt["images"] = images
    gt["annotations"] = [a for a in gt["annotations"] if a["image_id"] in ids]
    (root / "gt.json").write_text(json.dumps(gt))
    write_run(root, "run.yaml", "images")
    return root


def write_run(root: Path, name: str, images: str) -> Path:
    (root / name).write_text(
        f"dataset:\n  format: coco\n  annotations: gt.json\n  images: {images}\n"
        f"model: {MODEL}\noutput: out\n")
    return root / name


@pytest.fixture(scope="module")
def uninterrupted(small: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("whole")
    result = run_ds("evaluate", small / "run.yaml", "--output", out, "--batch-size", "2")
    assert result.returncode == 0, result.stderr
    # The journal is gone once the results are there.
    assert sorted(p.name for p in out.iterdir()) == ["detections.json", "gallery.json", "metrics.json",
                                                     "per_class.csv", "report.html"]
    return out


def journal_lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_kill_9_then_resume_gives_the_uninterrupted_metrics(small: Path, uninterrupted: Path,
                                                            tmp_path: Path) -> None:
    rng = random.Random(11)
    for attempt in range(2):
        out = tmp_path / f"run{attempt}"
        journal = out / "journal.jsonl"
        # Kill at a random batch (the header is line 1), then resume; the second round is
        # killed again while resuming.
        kills = [rng.randint(2, 4), rng.randint(5, 7)] if attempt else [rng.randint(2, 6)]
        args = [str(BIN / "detection-studio"), "evaluate", str(small / "run.yaml"), "--output",
                str(out), "--batch-size", "2"]
        for n, lines in enumerate(kills):
            process = subprocess.Popen(args + (["--resume"] if n else []),
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            deadline = time.monotonic() + 300
            while journal_lines(journal) < lines and process.poll() is None \
                    and time.monotonic() < deadline:
                time.sleep(0.01)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=60)
            assert not (out / "metrics.json").exists()
        # A torn batch line, as a power cut mid-write leaves it.
        with journal.open("ab") as f:
            f.write(b"0badc0de {\"images\":[[1,[1,2")
        result = run_ds("evaluate", small / "run.yaml", "--output", out, "--batch-size", "2",
                        "--resume")
        assert result.returncode == 0, result.stderr
        assert "resuming after" in result.stderr
        got = json.loads((out / "metrics.json").read_text())
        want = json.loads((uninterrupted / "metrics.json").read_text())
        assert got["coco_stats"] == want["coco_stats"]
        assert got["images"] == IMAGES and got["resumed_from"] > 0
        assert (out / "detections.json").read_bytes() == (uninterrupted / "detections.json").read_bytes()
        assert not journal.exists()


def test_resume_needs_the_journal_of_the_same_run(small: Path, tmp_path: Path) -> None:
    none = run_ds("evaluate", small / "run.yaml", "--output", tmp_path, "--resume")
    assert none.returncode == 1 and "no journal to resume from" in error_line(none)
    process = subprocess.Popen([str(BIN / "detection-studio"), "evaluate", str(small / "run.yaml"),
                                "--output", str(tmp_path), "--batch-size", "2"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while journal_lines(tmp_path / "journal.jsonl") < 2 and process.poll() is None:
        time.sleep(0.01)
    process.kill()
    process.wait(timeout=60)
    other = run_ds("evaluate", small / "run.yaml", "--output", tmp_path, "--batch-size", "4",
                   "--resume")
    assert other.returncode == 1 and "journal is of another run" in error_line(other)


def test_evaluate_stops_at_a_bad_image_naming_it_and_skip_bad_skips_it(small: Path,
                                                                       tmp_path: Path) -> None:
    bad = tmp_path / "images"
    shutil.copytree(small / "images", bad)
    names = sorted(p.name for p in bad.iterdir())
    (bad / names[1]).write_bytes(b"")  # 0 bytes
    data = (bad / names[3]).read_bytes()
    (bad / names[3]).write_bytes(data[: len(data) // 2])  # truncated
    (bad / names[5]).unlink()  # missing
    shutil.copy(small / "gt.json", tmp_path / "gt.json")
    run = write_run(tmp_path, "run.yaml", "images")

    stop = run_ds("evaluate", run, "--output", tmp_path / "a")
    assert stop.returncode == 1
    line = error_line(stop)
    assert names[1] in line and "empty file" in line and "--skip-bad" in line
    assert not (tmp_path / "a" / "metrics.json").exists()

    skip = run_ds("evaluate", run, "--output", tmp_path / "b", "--skip-bad")
    assert skip.returncode == 0, skip.stderr
    assert "skipped 3 unreadable images" in skip.stdout
    metrics = json.loads((tmp_path / "b" / "metrics.json").read_text())
    assert metrics["images"] == IMAGES - 3
    assert len(metrics["skipped_images"]) == 3
    for name, why in ((names[1], "empty file"), (names[3], "truncated JPEG"),
                      (names[5], "not found")):
        assert any(name in s and why in s for s in metrics["skipped_images"]), name


def test_unwritable_or_clashing_output_fails_before_the_model_loads(small: Path,
                                                                     tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the output folder would go\n")
    start = time.monotonic()
    bad = run_ds("evaluate", small / "run.yaml", "--output", blocker / "out")
    assert bad.returncode == 1 and "is not a folder" in error_line(bad)
    # The dataset's annotations would be overwritten by detections.json.
    clash = tmp_path / "clash"
    clash.mkdir()
    shutil.copy(small / "gt.json", clash / "detections.json")
    (clash / "run.yaml").write_text(
        f"dataset:\n  format: coco\n  annotations: detections.json\n  images: {small / 'images'}\n"
        f"model: {MODEL}\n")
    clashing = run_ds("evaluate", clash / "run.yaml", "--output", clash)
    assert clashing.returncode == 1
    assert "would overwrite the input" in error_line(clashing)
    assert time.monotonic() - start < 60  # no model ran (it would take far longer)
    assert json.loads((clash / "detections.json").read_text())["images"]


def test_outputs_appear_together_and_other_files_stay(small: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    (tmp_path / "metrics.json").write_text('{"old": true}')
    result = run_ds("evaluate", small / "run.yaml", "--output", tmp_path, "--limit", "2")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["detections.json", "gallery.json",
                                                          "metrics.json", "notes.txt", "per_class.csv",
                                                          "report.html"]
    assert json.loads((tmp_path / "metrics.json").read_text())["images"] == 2
    assert not list(tmp_path.parent.glob(f".{tmp_path.name}.partial-*"))


def test_shards_merged_give_the_one_machine_run(small: Path, uninterrupted: Path,
                                                tmp_path: Path) -> None:
    dirs = [tmp_path / f"shard{i}" for i in range(3)]
    for i, d in enumerate(dirs):
        result = run_ds("evaluate", small / "run.yaml", "--output", d, "--batch-size", "2",
                        "--shard", f"{i}/3")
        assert result.returncode == 0, result.stderr
        # COCO's match records (docs/scale.md) beside the detections: merge accumulates them.
        assert sorted(p.name for p in d.iterdir()) == ["detections.json", "records.coco.bin", "shard.json"]
    ranges = [(json.loads((d / "shard.json").read_text())["first"],
               json.loads((d / "shard.json").read_text())["end"]) for d in dirs]
    assert ranges[0][0] == 0 and ranges[-1][1] == IMAGES
    assert all(a[1] == b[0] and a[1] % 2 == 0 for a, b in itertools.pairwise(ranges))
    merged = run_ds("merge", small / "run.yaml", dirs[2], dirs[0], dirs[1], "--output",
                    tmp_path / "merged")
    assert merged.returncode == 0, merged.stderr
    got = json.loads((tmp_path / "merged" / "metrics.json").read_text())
    want = json.loads((uninterrupted / "metrics.json").read_text())
    assert got["coco_stats"] == want["coco_stats"] and got["images"] == IMAGES
    # merge writes the per-class CSV beside metrics.json, as the one-machine run does
    assert (tmp_path / "merged" / "per_class.csv").read_bytes() == (uninterrupted / "per_class.csv").read_bytes()
    assert (tmp_path / "merged" / "detections.json").read_bytes() == \
        (uninterrupted / "detections.json").read_bytes()
    assert not (tmp_path / "merged" / "report.html").exists()
    # From the records alone: the same COCO numbers, no detections read or written.
    alone = run_ds("merge", small / "run.yaml", *dirs, "--metrics-only", "--output", tmp_path / "alone")
    assert alone.returncode == 0, alone.stderr
    records = json.loads((tmp_path / "alone" / "metrics.json").read_text())
    assert records["coco_stats"] == want["coco_stats"] and records["per_class"] == want["per_class"]
    assert "thresholds" not in records and not (tmp_path / "alone" / "detections.json").exists()
    # --report: report.html and the gallery of the worst images, as the one-machine run has them
    reported = run_ds("merge", small / "run.yaml", *dirs, "--output", tmp_path / "reported", "--report")
    assert reported.returncode == 0, reported.stderr
    assert f"wrote {tmp_path / 'reported' / 'report.html'}" in reported.stdout
    gallery = json.loads((tmp_path / "reported" / "gallery.json").read_text())
    one_machine = json.loads((uninterrupted / "gallery.json").read_text())
    assert [g["image_id"] for g in gallery] == [g["image_id"] for g in one_machine] != []
    assert "<html" in (tmp_path / "reported" / "report.html").read_text()[:500].lower()

    missing = run_ds("merge", small / "run.yaml", dirs[0], dirs[2], "--output", tmp_path / "m")
    assert missing.returncode == 1 and "leaves a gap" in error_line(missing)
    twice = run_ds("merge", small / "run.yaml", dirs[0], dirs[1], dirs[1], dirs[2])
    assert twice.returncode == 1 and "overlaps" in error_line(twice)
    other = tmp_path / "other"
    result = run_ds("evaluate", small / "run.yaml", "--output", other, "--batch-size", "4",
                    "--shard", "1/3")
    assert result.returncode == 0, result.stderr
    mixed = run_ds("merge", small / "run.yaml", dirs[0], other, dirs[2])
    assert mixed.returncode == 1 and "another run" in error_line(mixed)
    bad = run_ds("evaluate", small / "run.yaml", "--shard", "3/3")
    assert bad.returncode == 1 and "--shard" in error_line(bad)


def test_resume_after_the_model_config_changed_is_refused(small: Path, tmp_path: Path) -> None:
    # resumed detections of an edited model would mix with the old ones (AP 0.7068 where the
    # old and new runs give 0.8552 and 0.6506): the journal records what shapes the detections
    model = tmp_path / "model.yaml"
    model.write_text(MODEL.read_text().replace("classes: shapes.names",
                                               f"classes: {MODEL.parent / 'shapes.names'}")
                     .replace("weights: ", f"weights: {MODEL.parent}/"))
    run = tmp_path / "run.yaml"
    run.write_text((small / "run.yaml").read_text().replace(str(MODEL), str(model))
                   .replace("gt.json", str(small / "gt.json"))
                   .replace("images: images", f"images: {small / 'images'}"))
    out = tmp_path / "out"
    process = subprocess.Popen([str(BIN / "detection-studio"), "evaluate", str(run), "--output", str(out),
                                "--batch-size", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while journal_lines(out / "journal.jsonl") < 2 and process.poll() is None:
        time.sleep(0.01)
    process.kill()
    process.wait(timeout=60)
    model.write_text(model.read_text().replace("score_threshold: 0.05", "score_threshold: 0.6"))
    edited = run_ds("evaluate", run, "--output", out, "--batch-size", "2", "--resume")
    assert edited.returncode == 1 and "journal is of another run" in error_line(edited)
    assert "the files the model config names" in error_line(edited)


def test_second_run_into_a_folder_in_use_fails_at_once_naming_the_holder(small: Path,
                                                                      tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = subprocess.Popen([str(BIN / "detection-studio"), "evaluate", str(small / "run.yaml"),
                              "--output", str(out), "--batch-size", "1"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        while journal_lines(out / "journal.jsonl") < 1 and first.poll() is None:
            time.sleep(0.01)
        second = run_ds("evaluate", small / "run.yaml", "--output", out, "--resume", timeout=60)
        assert second.returncode == 1
        line = error_line(second)
        assert f"in use by another run (pid {first.pid})" in line
    finally:
        first.wait(timeout=300)
    assert first.returncode == 0, first.stderr.read() if first.stderr else ""
    assert (out / "metrics.json").is_file() and not (out / "journal.jsonl").exists()


def killed_after(small: Path, out: Path, lines: int) -> Path:
    """A run killed once its journal has `lines` lines (the header is one); the journal."""
    process = subprocess.Popen([str(BIN / "detection-studio"), "evaluate", str(small / "run.yaml"),
                                "--output", str(out), "--batch-size", "2"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while journal_lines(out / "journal.jsonl") < lines and process.poll() is None:
        time.sleep(0.01)
    process.kill()
    process.wait(timeout=60)
    return out / "journal.jsonl"


def journal_line(doc: dict) -> bytes:
    """A journal line with its right checksum (CRC-32 of the JSON, 8 hex digits)."""
    text = json.dumps(doc, separators=(",", ":")).encode()
    return b"%08x " % zlib.crc32(text) + text + b"\n"


def test_resume_refuses_a_journal_with_an_image_twice(small: Path, tmp_path: Path) -> None:
    # Two runs appending to one journal wrote the same batch twice; the next resume counted
    # 44 of 40 images.
    journal = killed_after(small, tmp_path / "out", 3)
    lines = journal.read_bytes().splitlines(keepends=True)[:3]
    journal.write_bytes(b"".join(lines) + lines[2])  # the second batch again, as line 4
    result = run_ds("evaluate", small / "run.yaml", "--output", tmp_path / "out", "--batch-size", "2",
                    "--resume")
    assert result.returncode == 1
    assert "journal.jsonl:4: image id " in error_line(result)
    assert "is in the journal twice (did two runs write into this folder?)" in error_line(result)
    assert not (tmp_path / "out" / "metrics.json").exists()


def test_resume_refuses_a_journal_whose_next_goes_back(small: Path, tmp_path: Path) -> None:
    journal = killed_after(small, tmp_path / "out", 3)
    lines = journal.read_bytes().splitlines(keepends=True)[:3]
    last = json.loads(lines[2].split(b" ", 1)[1])
    journal.write_bytes(b"".join(lines) + journal_line({"images": [], "skipped": [],
                                                        "next": last["next"] - 1}))
    result = run_ds("evaluate", small / "run.yaml", "--output", tmp_path / "out", "--batch-size", "2",
                    "--resume")
    assert result.returncode == 1
    assert (f'journal.jsonl:4: "next" goes back from {last["next"]} to {last["next"] - 1}'
            in error_line(result))
