"""`detection-studio detect SOURCE`: video files, folders, images, GStreamer pipelines standing in
for a camera, the annotated video, the window, exported datasets, Ctrl-C, and bad sources.

The video is a lossless FFV1 file made here from the demo's val images, so the model sees the
same pixels through the video path as `evaluate` sees through the image path."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import xvfb
from conftest import BIN, REPO, error_line, run_ds

cv2 = pytest.importorskip("cv2")

DEMO = REPO / "configs" / "demo.yaml"
MODEL = REPO / "configs" / "models" / "shapes-fcos.yaml"
TORCHSCRIPT = REPO / "configs" / "models" / "shapes-fcos-torchscript.yaml"
FRAMES = 8


def val_images(shapes: Path, n: int) -> list[Path]:
    """The first n val images in the dataset's own order (the order `evaluate` runs them)."""
    gt = json.loads((shapes / "annotations" / "instances_val.json").read_text())
    return [shapes / "val" / im["file_name"] for im in gt["images"][:n]]


def write_ffv1(path: Path, images: list[np.ndarray], fps: float = 10.0) -> None:
    h, w = images[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"FFV1"), fps, (w, h))
    for im in images:
        writer.write(im)
    writer.release()


@pytest.fixture(scope="module")
def clip(shapes_val: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    images = [cv2.imread(str(p)) for p in val_images(shapes_val, FRAMES)]
    path = tmp_path_factory.mktemp("clip") / "clip.mkv"
    write_ffv1(path, images)
    # Lossless: the frames read back are the images' pixels.
    cap = cv2.VideoCapture(str(path))
    for im in images:
        ok, frame = cap.read()
        assert ok and np.array_equal(frame, im)
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def video_facts(path: Path) -> tuple[int, int, int, float]:
    """(frames, width, height, fps) of a video, counted by decoding every frame."""
    cap = cv2.VideoCapture(str(path))
    n = 0
    while cap.read()[0]:
        n += 1
    return n, int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)), \
        cap.get(cv2.CAP_PROP_FPS)


def test_detect_on_a_video_gives_evaluates_detections_frame_by_frame(
        clip: Path, shapes_val: Path, tmp_path: Path) -> None:
    ev = run_ds("evaluate", DEMO, "--limit", FRAMES, "--output", tmp_path / "ev")
    assert ev.returncode == 0, ev.stderr
    result = run_ds("detect", clip, "--model", MODEL, "--output", tmp_path / "det",
                    "--score-threshold", "0", "--save-video")
    assert result.returncode == 0, result.stderr
    assert "8 frames" in result.stdout and "decode" in result.stdout and "model" in result.stdout

    lines = read_jsonl(tmp_path / "det" / "detections.jsonl")
    assert [line["frame"] for line in lines] == list(range(FRAMES))
    assert [line["time_ms"] for line in lines] == pytest.approx([100.0 * k for k in range(FRAMES)])
    names = (REPO / "configs" / "models" / "shapes.names").read_text().split()
    gt = json.loads((shapes_val / "annotations" / "instances_val.json").read_text())
    category = {c["name"]: c["id"] for c in gt["categories"]}
    by_image: dict[int, list[tuple]] = {}
    for d in json.loads((tmp_path / "ev" / "detections.json").read_text()):
        by_image.setdefault(d["image_id"], []).append(
            (d["category_id"], *d["bbox"], d["score"]))
    total = 0
    for line, image in zip(lines, gt["images"][:FRAMES], strict=True):
        got = [(category[d["label"]], *d["bbox"], d["score"]) for d in line["detections"]]
        assert all(d["label"] == names[d["class_id"]] for d in line["detections"])
        assert got == by_image.get(image["id"], []), f"frame {line['frame']}"  # bit for bit
        total += len(got)
    assert total > 0

    frames, width, height, fps = video_facts(tmp_path / "det" / "annotated.mp4")
    assert (frames, width, height) == (FRAMES, 320, 240)
    assert fps == pytest.approx(10.0)
    assert not list((tmp_path / "det").glob(".*partial*"))


def test_detect_every_and_limit_pick_frames(clip: Path, tmp_path: Path) -> None:
    result = run_ds("detect", clip, "--model", MODEL, "--output", tmp_path, "--every", "3")
    assert result.returncode == 0, result.stderr
    assert [line["frame"] for line in read_jsonl(tmp_path / "detections.jsonl")] == [0, 3, 6]
    result = run_ds("detect", clip, "--model", MODEL, "--output", tmp_path, "--every", "3",
                    "--limit", "2")
    assert result.returncode == 0, result.stderr
    lines = read_jsonl(tmp_path / "detections.jsonl")
    assert [line["frame"] for line in lines] == [0, 3]
    # The default threshold (0.5) holds.
    assert all(d["score"] >= 0.5 for line in lines for d in line["detections"])


def test_detect_on_a_folder_and_on_one_image(shapes_val: Path, tmp_path: Path) -> None:
    folder = tmp_path / "pictures"
    folder.mkdir()
    for i, p in enumerate(val_images(shapes_val, 3)):
        # PNG, grayscale and JPEG: every kind of still is read (grayscale as three equal channels).
        im = cv2.imread(str(p))
        if i == 1:
            cv2.imwrite(str(folder / f"b{i}.png"), cv2.cvtColor(im, cv2.COLOR_BGR2GRAY))
        else:
            cv2.imwrite(str(folder / f"a{i}.png"), im)
    (folder / "notes.txt").write_text("not an image\n")
    # One image per model call, as for the single image below: batching changes float noise.
    result = run_ds("detect", folder, "--model", MODEL, "--output", tmp_path / "out",
                    "--batch-size", "1")
    assert result.returncode == 0, result.stderr
    lines = read_jsonl(tmp_path / "out" / "detections.jsonl")
    assert [line["name"] for line in lines] == ["a0.png", "a2.png", "b1.png"]
    assert all(line["detections"] for line in lines)

    one = run_ds("detect", folder / "a0.png", "--model", MODEL, "--output", tmp_path / "one")
    assert one.returncode == 0, one.stderr
    single = read_jsonl(tmp_path / "one" / "detections.jsonl")
    assert len(single) == 1 and single[0]["detections"] == lines[0]["detections"]


def test_dangling_links_and_fifos_named_as_images_are_refused_or_counted(
        shapes_val: Path, tmp_path: Path) -> None:
    """They used to vanish from a folder's listing without a word."""
    folder = tmp_path / "pictures"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(val_images(shapes_val, 1)[0].read_bytes())
    (folder / "b.jpg").symlink_to(tmp_path / "gone.jpg")
    os.mkfifo(folder / "c.jpg")
    refused = run_ds("detect", folder, "--model", MODEL, "--output", tmp_path / "out")
    assert refused.returncode == 1
    assert "b.jpg: dangling symbolic link" in error_line(refused)
    skipped = run_ds("detect", folder, "--model", MODEL, "--output", tmp_path / "out", "--skip-bad")
    assert skipped.returncode == 0, skipped.stderr
    assert "skipped 2 unreadable images" in skipped.stdout
    assert [line["name"] for line in read_jsonl(tmp_path / "out" / "detections.jsonl")] == ["a.jpg"]


def test_a_truncated_video_warns_and_an_undecodable_one_fails(clip: Path, tmp_path: Path) -> None:
    data = clip.read_bytes()
    # The Matroska header (frame count, codec) survives; the footage stops part-way, or before
    # its first frame.
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) * 6 // 10])
    cap = cv2.VideoCapture(str(cut))
    decodable = 0
    while cap.read()[0]:
        decodable += 1
    assert 0 < decodable < FRAMES - 1
    result = run_ds("detect", cut, "--model", MODEL, "--output", tmp_path / "cut")
    assert result.returncode == 0, result.stderr
    assert f"cut.mkv: the video ended at frame {decodable} of the {FRAMES} its header declares" \
        in result.stderr
    assert len(read_jsonl(tmp_path / "cut" / "detections.jsonl")) == decodable
    # The whole clip and a --limit that stops early say nothing.
    whole = run_ds("detect", clip, "--model", MODEL, "--output", tmp_path / "whole", "--limit", "2")
    assert whole.returncode == 0 and "warning" not in whole.stderr

    header_only = tmp_path / "header.mkv"
    header_only.write_bytes(data[:1000])
    assert cv2.VideoCapture(str(header_only)).isOpened()
    none = run_ds("detect", header_only, "--model", MODEL, "--output", tmp_path / "none")
    assert none.returncode == 1
    assert "header.mkv: no frame could be decoded" in error_line(none)


def test_a_live_gstreamer_source_stands_in_for_a_camera(tmp_path: Path) -> None:
    pipeline = ("videotestsrc num-buffers=30 is-live=true pattern=ball ! video/x-raw,width=320,height=240,"
                "framerate=30/1 ! videoconvert ! appsink")
    result = run_ds("detect", pipeline, "--model", MODEL, "--output", tmp_path,
                    "--score-threshold", "0", "--save-video")
    assert result.returncode == 0, result.stderr
    assert "(live)" in result.stdout
    lines = read_jsonl(tmp_path / "detections.jsonl")
    frames = [line["frame"] for line in lines]
    assert frames == sorted(set(frames)) and frames[-1] <= 29
    # Live: the model works on the newest frame; every frame is either processed or dropped.
    dropped = re.search(r"(\d+) frames dropped", result.stdout)
    assert len(lines) + (int(dropped.group(1)) if dropped else 0) == 30
    assert "latency p50" in result.stdout
    n, width, height, _ = video_facts(tmp_path / "annotated.mp4")
    assert (n, width, height) == (len(lines), 320, 240)


def test_a_gstreamer_pipeline_without_a_live_source_drops_nothing(tmp_path: Path) -> None:
    # videotestsrc without is-live, and a file read by filesrc: recorded, every frame to the model.
    pipeline = "videotestsrc num-buffers=30 ! video/x-raw,width=160,height=120 ! videoconvert ! appsink"
    result = run_ds("detect", pipeline, "--model", MODEL, "--output", tmp_path / "test",
                    "--score-threshold", "0")
    assert result.returncode == 0, result.stderr
    assert "(live)" not in result.stdout and "dropped" not in result.stdout
    assert [line["frame"] for line in read_jsonl(tmp_path / "test" / "detections.jsonl")] == list(range(30))
    # --live makes it live (newest frame only); --no-drop makes a live source hand every frame.
    forced = run_ds("detect", pipeline, "--model", MODEL, "--output", tmp_path / "forced", "--live")
    assert forced.returncode == 0 and "(live)" in forced.stdout, forced.stderr
    live = pipeline.replace("num-buffers=30", "num-buffers=30 is-live=true")
    kept = run_ds("detect", live, "--model", MODEL, "--output", tmp_path / "kept", "--no-drop")
    assert kept.returncode == 0 and "(live)" not in kept.stdout, kept.stderr
    assert len(read_jsonl(tmp_path / "kept" / "detections.jsonl")) == 30
    both = run_ds("detect", live, "--model", MODEL, "--output", tmp_path, "--live", "--no-drop")
    assert both.returncode == 2 and "contradict" in both.stderr


def test_a_filesrc_pipeline_reads_the_whole_file(shapes_val: Path, tmp_path: Path) -> None:
    # Raw BGR frames read by filesrc (rawvideoparse is in GStreamer's base plugins): recorded, so
    # every frame reaches the model, however slow it is.
    images = [cv2.imread(str(p)) for p in val_images(shapes_val, FRAMES)]
    h, w = images[0].shape[:2]
    raw = tmp_path / "frames.bgr"
    raw.write_bytes(b"".join(cv2.resize(im, (w, h)).tobytes() for im in images))
    pipeline = (f"filesrc location={raw} ! rawvideoparse width={w} height={h} format=bgr framerate=10/1 "
                "! videoconvert ! appsink")
    result = run_ds("detect", pipeline, "--model", MODEL, "--output", tmp_path, "--score-threshold", "0")
    assert result.returncode == 0, result.stderr
    assert "(live)" not in result.stdout and "dropped" not in result.stdout
    assert [line["frame"] for line in read_jsonl(tmp_path / "detections.jsonl")] == list(range(FRAMES))


def test_gray16_and_grey_gstreamer_frames_reach_the_model_as_bgr(tmp_path: Path) -> None:
    for fmt in ("GRAY16_LE", "GRAY8"):
        pipeline = (f"videotestsrc num-buffers=3 pattern=ball ! video/x-raw,format={fmt},width=160,"
                    "height=120 ! appsink")
        result = run_ds("detect", pipeline, "--model", MODEL, "--output", tmp_path / fmt,
                        "--score-threshold", "0", "--save-video")
        assert result.returncode == 0, f"{fmt}: {result.stderr}"
        assert len(read_jsonl(tmp_path / fmt / "detections.jsonl")) == 3
        n, width, height, _ = video_facts(tmp_path / fmt / "annotated.mp4")
        assert (n, width, height) == (3, 160, 120)


def test_video_frames_above_the_size_bound_are_refused_before_decoding(tmp_path: Path) -> None:
    pipeline = "videotestsrc num-buffers=2 ! video/x-raw,width=9000,height=240 ! videoconvert ! appsink"
    refused = run_ds("detect", pipeline, "--model", MODEL, "--output", tmp_path / "a")
    assert refused.returncode == 1
    assert "9000x240 pixels, above the 8192 px bound (--max-frame-side raises it)" in error_line(refused)
    allowed = run_ds("detect", pipeline, "--model", MODEL, "--output", tmp_path / "b",
                     "--max-frame-side", "0")
    assert allowed.returncode == 0, allowed.stderr
    assert len(read_jsonl(tmp_path / "b" / "detections.jsonl")) == 2


def test_a_live_source_that_never_delivers_stops_on_ctrl_c_with_130(tmp_path: Path) -> None:
    # A live source whose frames never reach the appsink (a closed valve): the run waits for a
    # first frame; Ctrl-C must end it as an interruption, not an error, and soon.
    pipeline = ("videotestsrc is-live=true ! video/x-raw,width=160,height=120 ! valve drop=true "
                "! videoconvert ! appsink")
    process = subprocess.Popen([str(BIN / "detection-studio"), "detect", pipeline, "--model", MODEL,
                                "--output", str(tmp_path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(10)  # it waits for the pipeline to start, or for a first frame
    assert process.poll() is None, process.communicate()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "error" not in stderr, stderr
    # It may stop while OpenCV still waits for the pipeline to start, before any output exists.
    jsonl = tmp_path / "detections.jsonl"
    assert not jsonl.exists() or jsonl.read_text() == ""


def test_export_dataset_writes_frames_and_prelabels(clip: Path, tmp_path: Path) -> None:
    for fmt in ("coco", "yolo"):
        out = tmp_path / fmt
        result = run_ds("detect", clip, "--model", MODEL, "--output", tmp_path / "run",
                        "--every", "2", "--export-dataset", out, "--format", fmt)
        assert result.returncode == 0, result.stderr
        boxes = sum(len(line["detections"])
                    for line in read_jsonl(tmp_path / "run" / "detections.jsonl"))
        assert f"exported 4 frames with {boxes} pre-labels" in result.stdout
        check = run_ds("check", out / "dataset.yaml")
        assert check.returncode == 0, check.stdout + check.stderr
        assert re.search(r"^images: 4 ", check.stdout, re.MULTILINE), check.stdout
        assert re.search(rf"^boxes: +{boxes} ", check.stdout, re.MULTILINE), check.stdout
    gt = json.loads(next((tmp_path / "coco").rglob("*.json")).read_text())
    assert sorted(c["name"] for c in gt["categories"]) == sorted(
        (REPO / "configs" / "models" / "shapes.names").read_text().split())
    assert [im["file_name"].rsplit("/", 1)[-1] for im in gt["images"]] == [
        f"frame_{k:06d}.jpg" for k in (0, 2, 4, 6)]
    assert not list(tmp_path.glob(".*frames-*"))  # the staging folder is gone


def test_ctrl_c_stops_with_every_output_closed_and_valid(tmp_path: Path) -> None:
    pipeline = ("videotestsrc num-buffers=100000 is-live=true ! video/x-raw,width=320,height=240,"
                "framerate=20/1 ! videoconvert ! appsink")
    out = tmp_path / "out"
    process = subprocess.Popen([str(BIN / "detection-studio"), "detect", pipeline, "--model", MODEL,
                                "--output", str(out), "--save-video", "--score-threshold", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    jsonl = out / "detections.jsonl"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and (not jsonl.exists() or jsonl.read_text().count("\n") < 3):
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert re.search(r"interrupted after \d+ frames", stderr)
    assert "KeyboardInterrupt" not in stderr and "model" not in stderr.split("interrupted")[0]
    lines = read_jsonl(jsonl)  # every line whole
    assert len(lines) >= 3
    n, width, height, _ = video_facts(out / "annotated.mp4")
    assert (n, width, height) == (len(lines), 320, 240)


def test_ctrl_c_during_evaluate_exits_130_and_keeps_earlier_outputs(shapes_val: Path,
                                                                    tmp_path: Path) -> None:
    (tmp_path / "metrics.json").write_text('{"earlier": true}')
    process = subprocess.Popen([str(BIN / "detection-studio"), "evaluate", str(DEMO), "--output",
                                str(tmp_path), "--batch-size", "1"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(8)  # Python, torch and the model load; some batches run
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr
    assert re.search(r"interrupted after \d+ of 250 images", stderr)
    assert "KeyboardInterrupt" not in stderr and "inference" not in stderr
    assert json.loads((tmp_path / "metrics.json").read_text()) == {"earlier": True}


def test_detect_rejects_bad_sources_and_options(clip: Path, tmp_path: Path) -> None:
    missing = run_ds("detect", tmp_path / "nope.mp4", "--model", MODEL, "--output", tmp_path)
    assert missing.returncode == 1 and "nope.mp4: not found" in error_line(missing)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00" * 4096)
    bad = run_ds("detect", garbage, "--model", MODEL, "--output", tmp_path)
    assert bad.returncode == 1 and "garbage.mp4: cannot open" in error_line(bad)
    empty = tmp_path / "empty"
    empty.mkdir()
    none = run_ds("detect", empty, "--model", MODEL, "--output", tmp_path)
    assert none.returncode == 1 and "has no images" in error_line(none)
    pipe = run_ds("detect", "videotestsrc ! nosuchelement ! appsink", "--model", MODEL,
                  "--output", tmp_path)
    assert pipe.returncode == 1 and "GStreamer" in error_line(pipe)
    assert run_ds("detect", clip, "--output", tmp_path).returncode == 2  # no --model
    assert run_ds("detect", clip, "--model", MODEL, "--every", "0").returncode == 2
    fmt = run_ds("detect", clip, "--model", MODEL, "--export-dataset", tmp_path / "x",
                 "--format", "nosuch")
    assert fmt.returncode == 2 and "nosuch" in fmt.stderr
    no_model = run_ds("detect", clip, "--model", tmp_path / "none.yaml")
    assert no_model.returncode == 1 and "none.yaml" in error_line(no_model)


@pytest.mark.skipif(not xvfb.tools_available(), reason="needs Xvfb and xdotool")
def test_show_draws_live_frames_in_a_window_with_keys(tmp_path: Path) -> None:
    display = xvfb.VirtualDisplay()
    pipeline = ("videotestsrc num-buffers=2000 is-live=true pattern=ball ! video/x-raw,width=320,"
                "height=240,framerate=20/1 ! videoconvert ! appsink")
    window = xvfb.Viewer(BIN / "detection-studio",
                         [pipeline, "--model", MODEL, "--model", TORCHSCRIPT, "--show",
                          "--output", tmp_path, "--score-threshold", "0"],
                         display, command="detect")
    try:
        assert "model=shapes-fcos" in window.next_line(r"detect: frame ")
        shot = np.asarray(window.screen())
        assert shot.shape[0] >= 240 + 48 and shot.shape[1] >= 640  # picture and footer
        # Detections are drawn in the neutral footage colour (orange, RGB 230, 159, 0).
        assert np.all(shot == (230, 159, 0), axis=-1).sum() > 0
        window.press("space", r"detect: paused")
        window.press("s", r"detect: saved ")
        window.press("space", r"detect: resumed")
        window.press("m", None)
        window.next_line(r"model=shapes-fcos-torchscript")
        window.press("q", None)
        assert window.wait_exit() == 0, window.stderr
    finally:
        window.kill()
        display.close()
    assert len(list(tmp_path.glob("snapshot_*.png"))) == 1
    assert len(read_jsonl(tmp_path / "detections.jsonl")) >= 2


def test_detect_needs_a_display_for_show(clip: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = run_ds("detect", clip, "--model", MODEL, "--show", env=env)
    assert result.returncode == 1 and "detect --show" in error_line(result)


def write_mot(root: Path, shapes: Path, video: bool) -> Path:
    """The first FRAMES val images as a MOT sequence (classes from the dataset), frames in img1/
    as PNG, or in one lossless video; returns a run config over it."""
    gt = json.loads((shapes / "annotations" / "instances_val.json").read_text())
    images = gt["images"][:FRAMES]
    seq = root / "seq"
    (seq / "gt").mkdir(parents=True)
    lines = []
    for frame, im in enumerate(images, start=1):
        for a in (a for a in gt["annotations"] if a["image_id"] == im["id"]):
            x, y, w, h = a["bbox"]
            conf = 0 if a["iscrowd"] else 1
            lines.append(f"{frame},{a['id']},{x + 1},{y + 1},{w},{h},{conf},{a['category_id']},1")
    (seq / "gt" / "gt.txt").write_text("\n".join(lines) + "\n")
    (seq / "seqinfo.ini").write_text(
        f"[Sequence]\nname=seq\nimDir=img1\nframeRate=10\nseqLength={FRAMES}\nimWidth=320\n"
        "imHeight=240\nimExt=.png\n")
    pixels = [cv2.imread(str(shapes / "val" / im["file_name"])) for im in images]
    spec = "format: mot\nsequence: seq\nclasses: {" + ", ".join(
        f"{c['id']}: {c['name']}" for c in gt["categories"]) + "}\n"
    if video:
        write_ffv1(root / "clip.mkv", pixels)
        spec += "video: clip.mkv\n"
    else:
        (seq / "img1").mkdir()
        for frame, p in enumerate(pixels, start=1):
            cv2.imwrite(str(seq / "img1" / f"{frame:06d}.png"), p)
    (root / "dataset.yaml").write_text(spec)
    (root / "run.yaml").write_text(f"dataset: dataset.yaml\nmodel: {MODEL}\noutput: out\n")
    return root / "run.yaml"


def test_annotated_video_evaluates_like_its_frames_as_images(shapes_val: Path,
                                                              tmp_path: Path) -> None:
    as_images = write_mot(tmp_path / "images", shapes_val, video=False)
    as_video = write_mot(tmp_path / "video", shapes_val, video=True)
    for run in (as_images, as_video):
        result = run_ds("evaluate", run)
        assert result.returncode == 0, result.stderr
    a = json.loads((tmp_path / "images" / "out" / "metrics.json").read_text())
    b = json.loads((tmp_path / "video" / "out" / "metrics.json").read_text())
    assert a["coco_stats"] == b["coco_stats"] and b["images"] == FRAMES
    assert a["AP50"] > 0.5
    assert (tmp_path / "images" / "out" / "detections.json").read_text() == \
        (tmp_path / "video" / "out" / "detections.json").read_text()
    rendered = run_ds("render", as_video, "--output", tmp_path / "pictures", "--limit", "3")
    assert rendered.returncode == 0, rendered.stderr
    assert sorted(p.name for p in (tmp_path / "pictures").iterdir()) == [
        f"clip_frame{k}.png" for k in range(3)]


def test_a_stream_url_is_read_as_a_live_source(clip: Path, tmp_path: Path) -> None:
    """An http:// stream from a server on loopback (FFmpeg's network reader, not the file one)."""
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(clip.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{clip.name}"
        result = run_ds("detect", url, "--model", MODEL, "--output", tmp_path, timeout=300)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert "(live)" in result.stdout
    lines = read_jsonl(tmp_path / "detections.jsonl")
    dropped = re.search(r"(\d+) frames dropped", result.stdout)
    assert len(lines) + (int(dropped.group(1)) if dropped else 0) == FRAMES
    # A live source hands the model its newest frame: on a busy machine frame 0 itself may be
    # dropped, so the frames written only increase and stay within the clip.
    frames = [line["frame"] for line in lines]
    assert frames == sorted(set(frames)) and 0 <= frames[0] and frames[-1] < FRAMES
    assert lines[0]["detections"]
