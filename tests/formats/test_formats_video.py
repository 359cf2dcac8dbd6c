"""Annotated video: `mot` (MOT Challenge sequences) and `cvat-video` (CVAT for video 1.1), read
through `check` and `convert`, round trips through COCO, video-file frames, and bad input.
Sequences are written here by hand; expected boxes are worked out by hand in the comments."""

import json
import re

import pytest
from formats_support import assert_same_boxes, by_file, run, to_coco, write_image

W, H = 64, 48

# frame,id,bb_left,bb_top,w,h,conf,class,visibility. MOT's bb_left/bb_top are 1-based pixels:
# COCO x = bb_left - 1. conf 0 (line 5, a distractor) is an ignore region: crowd.
MOT_GT = """1,1,11,6,20,10,1,1,1
2,1,12,7,20,10,1,1,0.8
1,2,31,21,10,15,1,3,1
3,2,32.5,21,10,15,1,3,0.5
4,5,1,1,8,8,0,8,1
"""

MOT_EXPECTED = {
    "img1/000001.jpg": [("pedestrian", [10, 5, 30, 15], False), ("car", [30, 20, 40, 35], False)],
    "img1/000002.jpg": [("pedestrian", [11, 6, 31, 16], False)],
    "img1/000003.jpg": [("car", [31.5, 20, 41.5, 35], False)],
    "img1/000004.jpg": [("distractor", [0, 0, 8, 8], True)],
    "img1/000005.jpg": [],
}

SEQINFO = """[Sequence]
name=seq
imDir=img1
frameRate=30
seqLength=5
imWidth=64
imHeight=48
imExt=.jpg
"""


def make_mot(root, gt=MOT_GT, seqinfo=SEQINFO, frames=5, video=None):
    """A MOT sequence under root/seq and root/dataset.yaml; frames as JPEGs, or `video` (a
    file name) standing in for a video file (only its name and presence matter here)."""
    seq = root / "seq"
    (seq / "gt").mkdir(parents=True)
    (seq / "gt" / "gt.txt").write_text(gt)
    (seq / "seqinfo.ini").write_text(seqinfo)
    spec = "format: mot\nsequence: seq\n"
    if video:
        (root / video).write_bytes(b"a video; never decoded by the formats")
        spec += f"video: {video}\n"
    else:
        for f in range(1, frames + 1):
            write_image(seq / "img1" / f"{f:06d}.jpg", W, H, seed=f)
    (root / "dataset.yaml").write_text(spec)
    return root / "dataset.yaml"


def boxes_of(doc):
    """file name -> [(class, [x1, y1, x2, y2], crowd)]."""
    return {f: [(c, e, flags["iscrowd"]) for c, e, flags in boxes] for f, boxes in by_file(doc).items()}


def assert_boxes(got, expected, tolerance=1e-9):
    assert sorted(got) == sorted(expected)
    for name, boxes in expected.items():
        assert len(got[name]) == len(boxes), (name, got[name])
        for (c1, e1, f1), (c2, e2, f2) in zip(got[name], boxes):
            assert (c1, f1) == (c2, f2), (name, got[name])
            assert all(abs(a - b) <= tolerance for a, b in zip(e1, e2)), (name, e1, e2)


def assert_one_line_error(proc, pattern):
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("detection-studio: error: "), lines[0]
    assert re.search(pattern, lines[0]), lines[0]


def gt_rows(path):
    """gt.txt as (frame, id, x, y, w, h, conf, class) tuples of numbers."""
    return [tuple(float(v) for v in line.split(",")[:8]) for line in path.read_text().splitlines()]


# --- mot ---------------------------------------------------------------------------------


def test_mot_reads_1_based_boxes_crowd_and_classes(tmp_path):
    spec = make_mot(tmp_path)
    out = run("check", spec)
    assert "images: 5 (1 without annotations)" in out.stdout
    assert "boxes:  5 (small 5, medium 0, large 0; crowd 1)" in out.stdout
    assert "classes: 13" in out.stdout and "  static person  " in out.stdout
    assert "image 5 (img1/000005.jpg)" in out.stdout
    doc = to_coco(spec, tmp_path / "coco")
    assert_boxes(boxes_of(doc), MOT_EXPECTED)
    assert [im["id"] for im in doc["images"]] == [1, 2, 3, 4, 5]  # image ids are frame numbers
    assert {c["id"]: c["name"] for c in doc["categories"]}[3] == "car"
    assert all((im["width"], im["height"]) == (W, H) for im in doc["images"])


def test_mot_zero_conf_skip_and_classes_from_the_spec(tmp_path):
    spec = make_mot(tmp_path)
    spec.write_text(spec.read_text() + "zero_conf: skip\nclasses: {1: person, 3: vehicle, 8: other}\n")
    out = run("convert", spec, "--to", "coco", "--output", tmp_path / "coco")
    assert "1 line(s) with conf 0 left out (zero_conf: skip)" in out.stdout
    doc = json.loads((tmp_path / "coco" / "annotations.json").read_text())
    assert {c["id"]: c["name"] for c in doc["categories"]} == {1: "person", 3: "vehicle", 8: "other"}
    assert [a["category_id"] for a in doc["annotations"]] == [1, 3, 1, 3]


def test_mot15_lines_have_world_coordinates_not_classes(tmp_path):
    # MOT15: frame,id,bb_left,bb_top,w,h,conf,x,y,z; every box a pedestrian.
    spec = make_mot(tmp_path, gt="1,4,11,6,20,10,1,-1,-1,-1\n2,4,12,6,20,10,1,-1,-1,-1\n")
    doc = to_coco(spec, tmp_path / "coco")
    assert_boxes(boxes_of(doc), {**{f: [] for f in MOT_EXPECTED}, "img1/000001.jpg": [("pedestrian", [10, 5, 30, 15], False)],
                                 "img1/000002.jpg": [("pedestrian", [11, 5, 31, 15], False)]})


def test_mot_coco_mot_round_trip(tmp_path):
    spec = make_mot(tmp_path)
    first = to_coco(spec, tmp_path / "coco")
    out = run("convert", tmp_path / "coco" / "dataset.yaml", "--to", "mot", "--output", tmp_path / "mot")
    assert "note:" not in out.stdout  # crowd is conf 0, class ids are category ids
    seq = tmp_path / "mot"
    info = (seq / "seqinfo.ini").read_text()
    for line in ("seqLength=5", "imWidth=64", "imHeight=48", "imDir=img1", "imExt=.jpg"):
        assert line in info
    assert sorted(p.name for p in (seq / "img1").iterdir()) == [f"{f:06d}.jpg" for f in range(1, 6)]
    # COCO has no track ids: each box gets one of its own. Coordinates are 1-based again.
    rows = gt_rows(seq / "gt" / "gt.txt")
    assert [r[:1] + r[2:] for r in rows] == [
        (1, 11, 6, 20, 10, 1, 1), (1, 31, 21, 10, 15, 1, 3), (2, 12, 7, 20, 10, 1, 1),
        (3, 32.5, 21, 10, 15, 1, 3), (4, 1, 1, 8, 8, 0, 8),
    ]
    assert len({r[1] for r in rows}) == 5
    back = to_coco(seq / "dataset.yaml", tmp_path / "back")
    assert assert_same_boxes(first, back, 1e-9, ("iscrowd",)) == 5
    assert back["categories"] == first["categories"]
    assert "OK: 0 errors" in run("check", seq / "dataset.yaml").stdout


def test_mot_frames_in_one_video_file(tmp_path):
    spec = make_mot(tmp_path, video="seq.mp4")
    out = run("check", spec)
    # Every frame is a record of the video, 0-based; sizes come from seqinfo.ini.
    assert "images: 5 (1 without annotations)" in out.stdout
    assert "image 5 (seq.mp4 frame 4)" in out.stdout and "OK: 0 errors" in out.stdout
    # An image format would need the frames as files: refused in one line, nothing written.
    proc = run("convert", spec, "--to", "coco", "--output", tmp_path / "coco", check=False)
    assert_one_line_error(proc, r"gt\.txt: the images are frames of the video .*seq\.mp4; coco needs one image file")
    assert not (tmp_path / "coco").exists()
    # The video formats carry them: mot -> cvat-video -> mot keeps boxes, tracks and the video.
    run("convert", spec, "--to", "cvat-video", "--output", tmp_path / "cv")
    assert (tmp_path / "cv" / "seq.mp4").is_symlink()
    assert "<source>seq.mp4</source>" in (tmp_path / "cv" / "annotations.xml").read_text()
    out = run("convert", tmp_path / "cv" / "dataset.yaml", "--to", "mot", "--output", tmp_path / "mot")
    assert "note:" not in out.stdout
    assert "video: \"seq.mp4\"" in (tmp_path / "mot" / "dataset.yaml").read_text()
    original = sorted(gt_rows(spec.parent / "seq" / "gt" / "gt.txt"))
    assert sorted(gt_rows(tmp_path / "mot" / "gt" / "gt.txt")) == original
    (tmp_path / "seq.mp4").unlink()
    assert_one_line_error(run("check", spec, check=False), r"dataset\.yaml:3: video: file not found: .*seq\.mp4")


def test_mot_to_cvat_video_keeps_track_ids(tmp_path):
    spec = make_mot(tmp_path)
    run("convert", spec, "--to", "cvat-video", "--output", tmp_path / "cv")
    xml = (tmp_path / "cv" / "annotations.xml").read_text()
    assert re.findall(r'<track id="(\d+)" label="([^"]+)"', xml) == [("1", "pedestrian"), ("2", "car"), ("5", "distractor")]
    # Track 2 is on frames 0 and 2 (0-based): an outside box on frame 1 keeps it off that frame.
    assert re.search(r'<box frame="1" keyframe="1" outside="1" occluded="0" xtl="30.0" ytl="20.0"', xml)
    assert_boxes(boxes_of(to_coco(tmp_path / "cv" / "dataset.yaml", tmp_path / "back")),
                 {f"frame_{k:06d}.jpg": v for k, v in enumerate(MOT_EXPECTED.values())})


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (("32.5,", "3x,"), r"gt\.txt:4: bb_left: expected a number, got '3x'"),
        (("2,1,12", "9,1,12"), r"gt\.txt:2: frame 9 is outside the sequence \(1\.\.5, seqLength in .*seqinfo\.ini\)"),
        (("2,1,12", "2.5,1,12"), r"gt\.txt:2: frame: expected an integer, got '2\.5'"),
        (("1,3,1\n", "1,14,1\n"), r"gt\.txt:3: class 14 is not one of the classes \(1 pedestrian, 2 person on vehicle"),
        (("1,1,11,6,20,10,1,1,1", "1,1,11,6"), r"gt\.txt:1: expected 'frame,id,x,y,w,h,conf,class,visibility' \(6 to 10 values\), got 4"),
    ],
)
def test_mot_bad_gt_line(change, pattern, tmp_path):
    spec = make_mot(tmp_path, gt=MOT_GT.replace(*change, 1))
    assert_one_line_error(run("check", spec, check=False), pattern)
    out = run("convert", spec, "--to", "coco", "--output", tmp_path / "coco", "--skip-bad")
    assert "skipped 1 malformed record or file (--skip-bad)" in out.stdout
    assert len(json.loads((tmp_path / "coco" / "annotations.json").read_text())["annotations"]) == 4


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (("imHeight=48\n", ""), r"seqinfo\.ini: missing key 'imHeight' \(the frame height"),
        (("seqLength=5\n", ""), r"seqinfo\.ini: missing key 'seqLength' \(the number of frames\)"),
        (("seqLength=5", "seqLength=five"), r"seqinfo\.ini:5: seqLength: expected a positive integer, got 'five'"),
        (("frameRate=30", "frameRate 30"), r"seqinfo\.ini:4: expected 'key=value', got 'frameRate 30'"),
    ],
)
def test_mot_bad_seqinfo(change, pattern, tmp_path):
    spec = make_mot(tmp_path, seqinfo=SEQINFO.replace(*change))
    assert_one_line_error(run("check", spec, check=False), pattern)


def test_mot_missing_files_and_bad_spec(tmp_path):
    spec = make_mot(tmp_path)
    spec.write_text(spec.read_text() + "zero_conf: drop\n")
    assert_one_line_error(run("check", spec, check=False), r"dataset\.yaml:3: zero_conf: expected crowd or skip, got 'drop'")
    (tmp_path / "seq" / "gt" / "gt.txt").unlink()
    spec.write_text("format: mot\nsequence: seq\n")
    assert_one_line_error(run("check", spec, check=False), r"dataset\.yaml:2: sequence: .*gt\.txt: file not found")


def test_mot_writer_needs_one_sequence(tmp_path):
    root = tmp_path / "coco"
    write_image(root / "images" / "a.jpg", 64, 48)
    write_image(root / "images" / "b.jpg", 32, 48)
    doc = {"images": [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48},
                      {"id": 2, "file_name": "b.jpg", "width": 32, "height": 48}],
           "annotations": [], "categories": [{"id": 1, "name": "a"}]}
    (root / "annotations.json").write_text(json.dumps(doc))
    (root / "dataset.yaml").write_text("format: coco\nannotations: annotations.json\nimages: images\n")
    for fmt in ("mot", "cvat-video"):
        proc = run("convert", root / "dataset.yaml", "--to", fmt, "--output", tmp_path / fmt, check=False)
        assert_one_line_error(proc, rf"{fmt} holds frames of one size: image 2 \(b\.jpg\) is 32x48, image 1 \(a\.jpg\) is 64x48")


# --- cvat-video --------------------------------------------------------------------------

CVAT_XML = """<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta>
    <task>
      <size>6</size>
      <mode>interpolation</mode>
      <labels>
        <label><name>car</name></label>
        <label><name>person</name></label>
        <label><name>bus</name></label>
      </labels>
      <original_size><width>64</width><height>48</height></original_size>
    </task>
    <source>clip.mp4</source>
  </meta>
  <track id="3" label="car" source="manual">
    <box frame="0" keyframe="1" outside="0" occluded="0" xtl="0" ytl="0" xbr="10" ybr="10"/>
    <box frame="2" keyframe="1" outside="0" occluded="0" xtl="4" ytl="2" xbr="14" ybr="20"/>
    <box frame="3" keyframe="1" outside="1" occluded="0" xtl="4" ytl="2" xbr="14" ybr="20"/>
    <box frame="5" keyframe="1" outside="0" occluded="1" xtl="20" ytl="20" xbr="30" ybr="30"/>
  </track>
  <track id="7" label="person" source="manual">
    <box frame="1" keyframe="1" outside="0" occluded="0" xtl="40" ytl="10" xbr="50" ybr="40">
      <attribute name="iscrowd">true</attribute>
    </box>
    <box frame="4" keyframe="1" outside="0" occluded="0" xtl="43" ytl="10" xbr="53" ybr="46"/>
  </track>
</annotations>
"""

# car: frame 1 halfway between frames 0 and 2; frames 3-4 outside; frame 5 its last box.
# person: frames 2-3 a third and two thirds of the way from frame 1 to 4 (with frame 1's crowd
# flag); after frame 4, its last box stays to the last frame.
CVAT_EXPECTED = {
    "frame_000000.jpg": [("car", [0, 0, 10, 10], False)],
    "frame_000001.jpg": [("car", [2, 1, 12, 15], False), ("person", [40, 10, 50, 40], True)],
    "frame_000002.jpg": [("car", [4, 2, 14, 20], False), ("person", [41, 10, 51, 42], True)],
    "frame_000003.jpg": [("person", [42, 10, 52, 44], True)],
    "frame_000004.jpg": [("person", [43, 10, 53, 46], False)],
    "frame_000005.jpg": [("car", [20, 20, 30, 30], False), ("person", [43, 10, 53, 46], False)],
}


def make_cvat_video(root, xml=CVAT_XML, frames="images"):
    """annotations.xml + dataset.yaml under root; frames as CVAT exports them (images/
    frame_000000.jpg ...) or, with frames="video", the <source> file beside the XML."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "annotations.xml").write_text(xml)
    spec = "format: cvat-video\nannotations: annotations.xml\n"
    if frames == "images":
        for k in range(6):
            write_image(root / "images" / f"frame_{k:06d}.jpg", W, H, seed=k)
        spec += "images: images\n"
    else:
        (root / "clip.mp4").write_bytes(b"a video; never decoded by the formats")
    (root / "dataset.yaml").write_text(spec)
    return root / "dataset.yaml"


def test_cvat_video_interpolates_and_honours_outside(tmp_path):
    spec = make_cvat_video(tmp_path)
    out = run("check", spec)
    assert "images: 6 (0 without annotations)" in out.stdout and "OK: 0 errors" in out.stdout
    doc = to_coco(spec, tmp_path / "coco")
    assert_boxes(boxes_of(doc), CVAT_EXPECTED)
    assert [c["name"] for c in doc["categories"]] == ["car", "person", "bus"]  # <labels> order


def test_cvat_video_coco_cvat_video_round_trip(tmp_path):
    spec = make_cvat_video(tmp_path / "src")
    first = to_coco(spec, tmp_path / "coco")
    out = run("convert", tmp_path / "coco" / "dataset.yaml", "--to", "cvat-video", "--output", tmp_path / "cv")
    assert "note:" not in out.stdout
    xml = (tmp_path / "cv" / "annotations.xml").read_text()
    assert "<size>6</size>" in xml and "<width>64</width>" in xml and "<height>48</height>" in xml
    assert sorted(p.name for p in (tmp_path / "cv" / "images").iterdir()) == [f"frame_{k:06d}.jpg" for k in range(6)]
    back = to_coco(tmp_path / "cv" / "dataset.yaml", tmp_path / "back")
    assert assert_same_boxes(first, back, 1e-9, ("iscrowd",)) == 9
    assert back["categories"] == first["categories"]


def test_cvat_video_to_mot_keeps_track_ids(tmp_path):
    spec = make_cvat_video(tmp_path / "src")
    out = run("convert", spec, "--to", "mot", "--output", tmp_path / "mot")
    assert "note: mot has no" not in out.stdout
    rows = gt_rows(tmp_path / "mot" / "gt" / "gt.txt")
    # frame (1-based), track, bb_left = xtl + 1, ...; the crowd person boxes are conf 0.
    assert rows[:3] == [(1, 3, 1, 1, 10, 10, 1, 1), (2, 3, 3, 2, 10, 14, 1, 1), (2, 7, 41, 11, 10, 30, 0, 2)]
    assert {r[1] for r in rows} == {3, 7}
    out = run("convert", spec, "--to", "coco", "--output", tmp_path / "coco")
    assert "note: coco has no track ids: 9 boxes are written without its track id" in out.stdout


def test_cvat_video_frames_in_the_source_video(tmp_path):
    # CVAT writes box frames as video frames: task frame k is video frame 10 + 2k.
    xml = CVAT_XML.replace("<mode>", "<start_frame>10</start_frame><frame_filter>step=2</frame_filter><mode>")
    xml = re.sub(r' frame="(\d)"', lambda m: f' frame="{10 + 2 * int(m.group(1))}"', xml)
    # An outside box after the last frame (CVAT may end a track so) is no error.
    xml = xml.replace("</track>", '  <box frame="22" outside="1" xtl="1" ytl="1" xbr="2" ybr="2"/>\n  </track>', 1)
    spec = make_cvat_video(tmp_path / "src", xml=xml, frames="video")
    out = run("check", spec)
    assert "OK: 0 errors" in out.stdout
    bad = spec.parent / "bad.xml"
    bad.write_text(xml.replace('frame="12"', 'frame="13"', 1))
    (spec.parent / "bad.yaml").write_text("format: cvat-video\nannotations: bad.xml\n")
    assert_one_line_error(run("check", spec.parent / "bad.yaml", check=False),
                          r"bad\.xml:\d+: frame 13 is not one of the task's frames 10\.\.20 \(<start_frame> 10, step 2, <size> 6\)")
    # All records name the video from <source>.
    proc = run("convert", spec, "--to", "voc", "--output", tmp_path / "voc", check=False)
    assert_one_line_error(proc, r"annotations\.xml: the images are frames of the video .*clip\.mp4; voc needs one image file")
    run("convert", spec, "--to", "cvat-video", "--output", tmp_path / "cv")
    written = (tmp_path / "cv" / "annotations.xml").read_text()
    # Written with the video's own frame numbers (start 0, step 1): 10 + 2 * 5 + 1 frames.
    assert "<size>21</size>" in written and "<source>clip.mp4</source>" in written
    assert re.findall(r'<box frame="(\d+)"[^>]*outside="0"', written)[:3] == ["10", "12", "14"]
    check = run("check", tmp_path / "cv" / "dataset.yaml")
    assert "image 1 (clip.mp4 frame 0)" in check.stdout  # frames before the task's first: no boxes
    # The video that <source> names is looked for, not decoded.
    (spec.parent / "clip.mp4").unlink()
    check = run("check", spec, check=False)
    assert check.returncode == 1 and "error: missing video (1)\n  " + str(spec.parent / "clip.mp4") in check.stdout


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (('xtl="4"', 'xtl="four"'), r"annotations\.xml:19: xtl: expected a number, got 'four'"),
        (('frame="5"', 'frame="6"'), r"annotations\.xml:21: frame 6 is not one of the task's frames 0\.\.5 \(<start_frame> 0, step 1, <size> 6\)"),
        (('label="person"', 'label="dog"'), r"annotations\.xml:23: class 'dog' is not one of the labels: car, person, bus"),
        (('frame="2"', 'frame="0"'), r"annotations\.xml:17: <track id=\"3\"> has two boxes on frame 0"),
    ],
)
def test_cvat_video_bad_track(change, pattern, tmp_path):
    spec = make_cvat_video(tmp_path, xml=CVAT_XML.replace(*change, 1))
    assert_one_line_error(run("check", spec, check=False), pattern)
    out = run("convert", spec, "--to", "coco", "--output", tmp_path / "coco", "--skip-bad")
    assert "skipped 1 malformed record or file (--skip-bad)" in out.stdout


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (("<original_size><width>64</width><height>48</height></original_size>", ""),
         r"annotations\.xml:5: <task> without <original_size> \(the frame size"),
        (("<size>6</size>", ""), r"annotations\.xml:5: <task> without <size> \(the frame count\)"),
        (("<width>64</width>", "<width>wide</width>"), r"annotations\.xml:13: <width>: expected a positive integer, got 'wide'"),
        (("<source>clip.mp4</source>", ""), r"annotations\.xml:4: <meta> has no <source> naming the video; give the dataset video: FILE or images: DIR"),
    ],
)
def test_cvat_video_bad_meta(change, pattern, tmp_path):
    spec = make_cvat_video(tmp_path, xml=CVAT_XML.replace(*change, 1), frames="video")
    assert_one_line_error(run("check", spec, check=False), pattern)


def test_cvat_for_images_is_pointed_to_its_format(tmp_path):
    xml = '<annotations><version>1.1</version>\n<image id="0" name="a.jpg" width="4" height="4"/></annotations>'
    spec = make_cvat_video(tmp_path, xml=xml)
    assert_one_line_error(run("check", spec, check=False), r"annotations\.xml:2: <image> elements: this is CVAT for images; read it with format: cvat")
