"""`detect` within bounds: huge still images decoded reduced (memory), and outputs that cannot be
written (a full disk, simulated with RLIMIT_FSIZE) reported in one line, leaving whole files."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import BIN, REPO, error_line

cv2 = pytest.importorskip("cv2")

MODEL = REPO / "configs" / "models" / "shapes-fcos.yaml"

# Runs a command and prints its peak resident memory (KiB): ru_maxrss of this wrapper's only child.
PEAK = ("import resource, subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stderr.write(r.stderr)\n"
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")


def detect_peak(source: Path, out: Path) -> tuple[int, int, str]:
    """(exit code, peak KiB, stderr) of `detect SOURCE` in a process of its own."""
    r = subprocess.run([sys.executable, "-c", PEAK, str(BIN / "detection-studio"), "detect", str(source),
                        "--model", str(MODEL), "--output", str(out), "--score-threshold", "0.3"],
                       capture_output=True, text=True, check=False, timeout=600)
    code, peak = (int(x) for x in r.stdout.split())
    return code, peak, r.stderr


def boxes(path: Path) -> list[tuple[str, list[float]]]:
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == 1
    return sorted((d["label"], d["bbox"]) for d in lines[0]["detections"])


def test_a_huge_still_image_is_decoded_reduced_and_its_boxes_scaled_back(shapes_val: Path,
                                                                        tmp_path: Path) -> None:
    small = cv2.imread(str(next(iter(sorted((shapes_val / "val").glob("*.jpg"))))))
    factor = 16000 // max(small.shape[:2])
    (tmp_path / "small").mkdir()
    (tmp_path / "huge").mkdir()
    cv2.imwrite(str(tmp_path / "small" / "a.png"), small)
    huge = cv2.resize(small, None, fx=factor, fy=factor, interpolation=cv2.INTER_NEAREST)
    cv2.imwrite(str(tmp_path / "huge" / "a.jpg"), huge, [cv2.IMWRITE_JPEG_QUALITY, 95])
    full_bytes = huge.nbytes
    del huge
    code_s, peak_s, err_s = detect_peak(tmp_path / "small", tmp_path / "out-small")
    code_h, peak_h, err_h = detect_peak(tmp_path / "huge", tmp_path / "out-huge")
    assert code_s == 0 and code_h == 0, err_s + err_h
    # A full decode alone would add the whole picture (768 MB for 16000x16000 BGR).
    assert (peak_h - peak_s) * 1024 < full_bytes / 3, (peak_s, peak_h)
    # The boxes come back in the stored image's pixels: the small image's, scaled.
    found_small, found_huge = boxes(tmp_path / "out-small" / "detections.jsonl"), \
        boxes(tmp_path / "out-huge" / "detections.jsonl")
    assert found_small and [label for label, _ in found_small] == [label for label, _ in found_huge]
    for (_, a), (_, b) in zip(found_small, found_huge, strict=True):
        assert np.allclose(np.array(a) * factor, b, rtol=0.05, atol=3 * factor), (a, b)


def limited_to(size: int) -> Callable[[], None]:
    """A preexec_fn: the child may write files of at most `size` bytes."""
    def limit() -> None:
        # Past the limit a write fails with EFBIG instead of killing the process, as ENOSPC would.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return limit


@pytest.fixture(scope="module")
def frames(shapes_val: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("frames")
    for k, p in enumerate(sorted((shapes_val / "val").glob("*.jpg"))[:12]):
        (folder / f"{k:03d}.jpg").write_bytes(p.read_bytes())
    return folder


def test_a_full_disk_ends_detections_jsonl_at_a_whole_line(frames: Path, tmp_path: Path) -> None:
    r = subprocess.run([str(BIN / "detection-studio"), "detect", str(frames), "--model", str(MODEL),
                        "--output", str(tmp_path), "--score-threshold", "0"],
                       capture_output=True, text=True, check=False, timeout=600, preexec_fn=limited_to(3000))
    assert r.returncode == 1, r.stderr
    line = error_line(r)
    assert "detections.jsonl: cannot write: File too large (the file keeps its" in line, line
    text = (tmp_path / "detections.jsonl").read_text()
    assert text == "" or text.endswith("\n")
    kept = [json.loads(x) for x in text.splitlines()]  # every line whole
    assert f"keeps its {len(kept)} whole lines" in line
    assert len(kept) < 12


def test_a_full_disk_is_not_reported_as_a_written_video(frames: Path, tmp_path: Path) -> None:
    # Room for detections.jsonl, not for the video: no "wrote annotated.mp4" for a file no player opens.
    r = subprocess.run([str(BIN / "detection-studio"), "detect", str(frames), "--model", str(MODEL),
                        "--output", str(tmp_path), "--save-video"],
                       capture_output=True, text=True, check=False, timeout=600, preexec_fn=limited_to(40000))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "annotated.mp4: cannot write the video" in error_line(r)
    assert "wrote" not in r.stdout
    assert not (tmp_path / "annotated.mp4").exists()
    assert not list(tmp_path.glob(".annotated.partial*"))
