"""A new user's first hour (issue "Reliability and first contact, round 2"): typos are named
with what was meant, usage errors are one line, sizes a file claims are bounded, a converted MOT
sequence is named as its folder. Each test is named after the case it found."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import COCO_FIXTURE, REPO, SHAPES, error_line, run_ds

GT = COCO_FIXTURE / "instances_val2014_100.json"
DT = COCO_FIXTURE / "instances_val2014_fakebbox100_results.json"


def run_config(tmp_path: Path, extra: str) -> Path:
    cfg = tmp_path / "run.yaml"
    cfg.write_text(f"dataset: {{format: coco, annotations: {GT}, images: {tmp_path}}}\n"
                   f"model: run.yaml\noutput: out\n{extra}\n")
    return cfg


def test_unknown_run_config_key_names_line_key_and_guess(tmp_path: Path) -> None:
    # merge reads the run config first, in the light front: no model, no Python
    done = run_ds("merge", run_config(tmp_path, "metric: [coco]"), tmp_path)
    assert done.returncode == 1
    line = error_line(done)
    assert "run.yaml:4: metric: unknown key (did you mean 'metrics'?)" in line
    assert "known: dataset, model, output, metrics" in line


def test_unknown_run_config_key_without_a_close_name(tmp_path: Path) -> None:
    done = run_ds("merge", run_config(tmp_path, "colour: blue"), tmp_path)
    assert done.returncode == 1
    line = error_line(done)
    assert "run.yaml:4: colour: unknown key (known:" in line and "did you mean" not in line


def test_unknown_command_is_one_line_with_a_guess() -> None:
    done = run_ds("evalute", "configs/demo.yaml")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        ("detection-studio: unknown command 'evalute' (did you mean 'evaluate'?); "
         "'detection-studio --help' lists them")]


def test_unknown_option_is_one_line_with_a_guess() -> None:
    done = run_ds("score", "--gt", GT, "--dt", DT, "--metrci", "voc")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        ("detection-studio score: unknown option --metrci (did you mean '--metric'?); "
         "'detection-studio score --help' shows the options")]


def test_missing_required_option_is_one_line() -> None:
    done = run_ds("score", "--dt", DT)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and "--gt GT.json (or DATASET.yaml) is required" in done.stderr


def test_usage_shows_required_options_without_brackets() -> None:
    usage = run_ds("score", "--help").stdout.splitlines()[0]
    assert " --gt GT.json|DATASET.yaml --dt RESULTS.json|.csv [--output FILE]" in usage
    assert "[--gt" not in usage
    convert = run_ds("convert", "--help").stdout.splitlines()[0]
    assert " --to FORMAT --output DIR [--copy-images]" in convert


def test_evaluate_help_names_every_output() -> None:
    text = run_ds("evaluate", "--help").stdout
    for name in ("detections.json", "metrics.json", "report.html", "gallery.json"):
        assert name in text


def mot_sequence(root: Path, seqinfo: str) -> Path:
    seq = root / "seq"
    (seq / "gt").mkdir(parents=True)
    (seq / "gt" / "gt.txt").write_text("1,1,10,10,20,20,1,1,1\n")
    (seq / "seqinfo.ini").write_text("[Sequence]\nname=seq\nimDir=img1\nimExt=.jpg\n" + seqinfo)
    # The frames are a video's: nothing is decoded by check or convert, so any file stands in.
    (root / "clip.mp4").write_bytes(b"not decoded")
    spec = root / "dataset.yaml"
    spec.write_text("format: mot\nsequence: seq\nvideo: clip.mp4\n")
    return spec


@pytest.mark.parametrize(("seqinfo", "message"), [
    ("seqLength=100000000\nimWidth=640\nimHeight=480\n",
     "seqinfo.ini:5: seqLength: 100000000 is more than this reader takes (2000000)"),
    ("seqLength=2147483648\nimWidth=640\nimHeight=480\n",
     "seqinfo.ini:5: seqLength: 2147483648 is more than this reader takes"),
    ("seqLength=3\nimWidth=99999999999\nimHeight=480\n",
     "seqinfo.ini:6: imWidth: 99999999999 is more than this reader takes (1000000)"),
])
def test_mot_claimed_sizes_are_bounded(tmp_path: Path, seqinfo: str, message: str) -> None:
    done = run_ds("check", mot_sequence(tmp_path, seqinfo), timeout=30)
    assert done.returncode == 1
    assert message in error_line(done)


def test_cvat_video_claimed_frame_count_is_bounded(tmp_path: Path) -> None:
    xml = tmp_path / "annotations.xml"
    xml.write_text("<annotations><meta><task><size>2147483648</size><mode>interpolation</mode>"
                   "<original_size><width>640</width><height>480</height></original_size>"
                   "<labels><label><name>car</name></label></labels></task></meta></annotations>")
    spec = tmp_path / "dataset.yaml"
    spec.write_text(f"format: cvat-video\nannotations: {xml}\nvideo: {xml}\n")
    done = run_ds("check", spec, timeout=30)
    assert done.returncode == 1
    assert "<size>: 2147483648 is more than this reader takes (2000000)" in error_line(done)


def test_convert_to_mot_names_the_sequence_after_its_folder(tmp_path: Path) -> None:
    src = mot_sequence(tmp_path / "in", "seqLength=3\nimWidth=640\nimHeight=480\n")
    out = tmp_path / "MOT-demo-01"
    done = run_ds("convert", src, "--to", "mot", "--output", out)
    assert done.returncode == 0, done.stderr
    info = (out / "seqinfo.ini").read_text()
    assert "name=MOT-demo-01\n" in info and "partial" not in info
    assert "imWidth=640\n" in info


def test_run_config_path_given_a_dataset_yaml_loads_as_a_run(tmp_path: Path) -> None:
    # `merge` reads run configs in the light front: a dataset.yaml in its place is a run of it
    spec = tmp_path / "data.yaml"
    spec.write_text(f"format: coco\nannotations: {GT}\nimages: {tmp_path}\n")
    done = run_ds("merge", spec, tmp_path / "nowhere")
    assert done.returncode == 1
    assert "dataset: missing" not in done.stderr and "shard.json" in error_line(done)


@pytest.mark.parametrize(("yaml_text", "expected"), [
    ("score_treshold: 0.3\n",
     "typo.yaml:5: score_treshold: unknown key (did you mean 'score_threshold'?)"),
    ("model:\n  format: torchscript\n  weigths: shapes_fcos.torchscript.pt\n",
     "typo.yaml:7: model.weigths: unknown key (did you mean 'weights'?)"),
])
def test_pytorch_detect_model_config_typo_names_line_key_and_guess(
        tmp_path: Path, yaml_text: str, expected: str) -> None:
    models = REPO / "configs" / "models"
    model = tmp_path / "typo.yaml"
    head = (f"name: typo\nmodule: pytorch_detect\nclasses: {models / 'shapes.names'}\n"
            "device: cpu\n")
    if not yaml_text.startswith("model:"):
        yaml_text += f"model:\n  format: torchscript\n  weights: {models / 'shapes_fcos.torchscript.pt'}\n"
    model.write_text(head + yaml_text)
    done = run_ds("detect", SHAPES / "val", "--model", model, "--limit", "1",
                  "--output", tmp_path / "out")
    assert done.returncode == 1
    assert expected in error_line(done)


def model_with_classes(tmp_path: Path, names: list[str]) -> Path:
    """The demo detector reading its labels' names from another classes file."""
    models = REPO / "configs" / "models"
    (tmp_path / "other.names").write_text("\n".join(names) + "\n")
    model = tmp_path / "model.yaml"
    model.write_text((models / "shapes-fcos.yaml").read_text()
                     .replace("classes: shapes.names", f"classes: {tmp_path / 'other.names'}")
                     .replace("weights: shapes_fcos.pt", f"weights: {models / 'shapes_fcos.pt'}")
                     .replace("device: auto", "device: cpu"))
    return model


def demo_run(tmp_path: Path, extra: str = "") -> Path:
    run = tmp_path / "run.yaml"
    run.write_text(f"dataset: {{format: coco, annotations: {SHAPES / 'annotations' / 'instances_val.json'}, "
                   f"images: {SHAPES / 'val'}}}\noutput: {tmp_path / 'out'}\n{extra}")
    return run


def test_no_model_class_matching_the_dataset_is_an_error(tmp_path: Path) -> None:
    # An untrained model's (or a wrong classes file's) names: every detection was dropped and
    # the run said AP 0 with exit 0.
    model = model_with_classes(tmp_path, ["apple", "pear", "plum", "fig", "kiwi", "lime"])
    done = run_ds("evaluate", demo_run(tmp_path), "--model", model, "--limit", "2")
    assert done.returncode == 1
    errors = [x for x in done.stderr.splitlines() if x.strip() and not x.startswith("warning: ")]
    assert len(errors) == 1, done.stderr  # the error, after the two summarised warnings
    line = errors[0]
    assert ("shapes-fcos: none of the model's classes ('apple', 'pear', 'plum', 'fig', 'kiwi' and 1 more) "
            "is a dataset category ('circle', 'square', 'triangle', 'star', 'cross' and 1 more): "
            "nothing would be scored") in line
    assert "allow_unmatched_classes: true" in line
    assert not (tmp_path / "out" / "metrics.json").exists()
    allowed = run_ds("evaluate", demo_run(tmp_path, "allow_unmatched_classes: true\n"), "--model", model,
                     "--limit", "2", "--output", tmp_path / "allowed")
    assert allowed.returncode == 0, allowed.stderr
    assert (tmp_path / "allowed" / "metrics.json").is_file()


def test_unmatched_classes_are_one_summarised_warning(tmp_path: Path) -> None:
    # A 1,000,000-line classes file for a 6-class model printed 1,000,006 warning lines.
    extra = [f"thing{i}" for i in range(100_000)]
    model = model_with_classes(tmp_path, ["circle", "square", "triangle", "star", "cross", "ellipse", *extra])
    done = run_ds("evaluate", demo_run(tmp_path), "--model", model, "--limit", "2")
    assert done.returncode == 0, done.stderr
    warnings = [x for x in done.stderr.splitlines() if x.startswith("warning: ")]
    assert warnings == [("warning: 100000 model classes 'thing0', 'thing1', 'thing2', 'thing3', 'thing4' "
                         "and 99995 more match no dataset category; their detections are not scored "
                         "(add them to class_map:)")]


def test_render_draws_the_runs_detections_without_the_model(tmp_path: Path) -> None:
    run = demo_run(tmp_path, f"model: {REPO / 'configs' / 'models' / 'shapes-fcos.yaml'}\n")
    assert run_ds("evaluate", run, "--limit", "2").returncode == 0
    # Without its model: only the run's detections.json can be drawn.
    run.write_text("\n".join(x for x in run.read_text().splitlines() if not x.startswith("model:")) + "\n")
    done = run_ds("render", run, "--output", tmp_path / "pictures", "--limit", "2")
    assert done.returncode == 0, done.stderr
    assert f"render: drawing {tmp_path / 'out' / 'detections.json'} (the run's detections)" in done.stderr
    assert len(list((tmp_path / "pictures").glob("*.png"))) == 2
    # --results takes the run's folder too
    again = run_ds("render", run, "--results", tmp_path / "out", "--output", tmp_path / "p2", "--limit", "1")
    assert again.returncode == 0, again.stderr
    assert len(list((tmp_path / "p2").glob("*.png"))) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = run_ds("render", run, "--results", empty, "--output", tmp_path / "p3")
    assert bad.returncode == 1
    assert f"{empty}: no detections.json or detections.jsonl in this folder" in error_line(bad)


def test_check_takes_a_bare_coco_json(shapes_val: Path, tmp_path: Path) -> None:
    """`check GT.json` as `score --gt` takes it: counts and problems without a dataset.yaml; the
    image files are checked only when --images says where they are."""
    gt = shapes_val / "annotations" / "instances_val.json"
    done = run_ds("check", gt, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "note: the image files were not checked (give --images DIR)" in done.stdout
    with_images = run_ds("check", gt, "--images", shapes_val / "val", timeout=120)
    assert with_images.returncode == 0, with_images.stdout + with_images.stderr
    assert "not checked" not in with_images.stdout
    # the same counts as through a run config naming it (the first line names the source)
    config = REPO / "configs" / "demo.yaml"
    assert with_images.stdout.split("\n", 1)[1] == run_ds("check", config).stdout.split("\n", 1)[1]
    empty = tmp_path / "images"
    empty.mkdir()
    missing = run_ds("check", gt, "--images", empty, timeout=60)
    assert missing.returncode == 1 and "missing" in missing.stdout.lower(), missing.stdout
    wrong = run_ds("check", config, "--images", empty)
    assert wrong.returncode == 2 and "--images applies to a COCO / LVIS json" in error_line(wrong)
