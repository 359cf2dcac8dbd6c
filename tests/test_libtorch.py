"""`module: libtorch`: TorchScript models run from C++ (cpp/host/libtorch/), no Python.

The native path must give the Python path's metrics and boxes, never start the interpreter
(watched as test_viewer's --results test does: the venv's pyvenv.cfg is opened when it starts),
and fail with one line naming the file and key for a bad config."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, ChildOpens, error_line, run_ds

DEMO = REPO / "configs" / "demo.yaml"
MODELS = REPO / "configs" / "models"
NATIVE = MODELS / "shapes-fcos-libtorch.yaml"
PY_SCRIPTED = MODELS / "shapes-fcos-torchscript.yaml"  # the same file through pytorch_detect
PY_EAGER = MODELS / "shapes-fcos.yaml"  # the demo's default: state_dict, eager PyTorch
LIMIT = "40"
# torch's Python package being imported: its __init__ (source or cached bytecode) opened
TORCH_PACKAGE = r"/site-packages/torch/(__pycache__/)?__init__\.(py|cpython-[^\"]*\.pyc)"


def evaluate(model: Path, out: Path, limit: str = LIMIT, opens: ChildOpens | None = None) -> dict:
    result = run_ds("evaluate", DEMO, "--model", model, "--limit", limit, "--output", out, opens=opens)
    assert result.returncode == 0, result.stderr
    return json.loads((out / "metrics.json").read_text())


def by_image(run: Path) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for d in json.loads((run / "detections.json").read_text()):
        out.setdefault(d["image_id"], []).append(d)
    return out


def max_box_difference(a: Path, b: Path) -> float:
    """Largest coordinate difference between the two runs' detections, matched per image and
    category to the nearest box; the runs must have the same number of each."""
    da, db = by_image(a), by_image(b)
    assert da.keys() == db.keys()
    worst = 0.0
    for image, dets in da.items():
        other = db[image]
        assert len(dets) == len(other), f"image {image}: {len(dets)} vs {len(other)} detections"
        for d in dets:
            same = [o for o in other if o["category_id"] == d["category_id"]]
            assert same, f"image {image}: no detection of category {d['category_id']}"
            worst = max(worst, min(max(abs(x - y) for x, y in zip(d["bbox"], o["bbox"], strict=True))
                                   for o in same))
    return worst


def model_config(tmp_path: Path, text: str, name: str = "m.yaml") -> Path:
    (tmp_path / "shapes.names").write_text((MODELS / "shapes.names").read_text())
    path = tmp_path / name
    path.write_text(text)
    return path


NATIVE_BODY = f"""name: native
module: libtorch
classes: shapes.names
model:
  format: torchscript
  weights: {MODELS / "shapes_fcos.torchscript.pt"}
"""


@pytest.fixture(scope="module")
def native_run(shapes_val: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("native")
    evaluate(NATIVE, out)
    return out


@pytest.mark.parametrize("python_model", [PY_SCRIPTED, PY_EAGER], ids=["torchscript", "eager"])
def test_native_gives_the_python_paths_metrics_and_boxes(python_model: Path, native_run: Path,
                                                         tmp_path: Path) -> None:
    python = evaluate(python_model, tmp_path)
    native = json.loads((native_run / "metrics.json").read_text())
    assert native["detections"] == python["detections"] > 0
    for n, p in zip(native["coco_stats"], python["coco_stats"], strict=True):
        assert abs(n - p) <= 1e-4, (native["coco_stats"], python["coco_stats"])
    assert max_box_difference(native_run, tmp_path) <= 1e-3


def test_workers_do_not_change_the_detections(native_run: Path, tmp_path: Path) -> None:
    text = NATIVE.read_text().replace("workers: 0", "workers: 3").replace("threads: 0", "threads: 1")
    three = model_config(tmp_path, text.replace("shapes_fcos.torchscript.pt",
                                                str(MODELS / "shapes_fcos.torchscript.pt")))
    metrics = evaluate(three, tmp_path / "run")
    assert metrics["coco_stats"] == json.loads((native_run / "metrics.json").read_text())["coco_stats"]
    assert max_box_difference(native_run, tmp_path / "run") <= 1e-3


def test_native_model_never_starts_python(shapes_val: Path, tmp_path: Path) -> None:
    native = ChildOpens(tmp_path / "native")
    result = run_ds("detect", shapes_val / "val", "--model", NATIVE, "--output", tmp_path / "a",
                    "--limit", "3", "--score-threshold", "0.3", opens=native)
    assert result.returncode == 0, result.stderr
    frames = [json.loads(line) for line in (tmp_path / "a" / "detections.jsonl").open()]
    assert len(frames) == 3 and any(f["detections"] for f in frames)
    assert not native.python_started(), "module: libtorch started Python"
    # The control: the same TorchScript file through pytorch_detect starts it.
    control = ChildOpens(tmp_path / "control")
    result = run_ds("detect", shapes_val / "val", "--model", PY_SCRIPTED, "--output",
                    tmp_path / "b", "--limit", "1", opens=control)
    assert result.returncode == 0, result.stderr
    assert control.python_started()


def test_evaluate_with_native_model_does_not_import_torch(shapes_val: Path, tmp_path: Path) -> None:
    # evaluate starts Python for report.html (matplotlib); torch's Python package stays out.
    native = ChildOpens(tmp_path / "native")
    evaluate(NATIVE, tmp_path / "a", limit="4", opens=native)
    assert (tmp_path / "a" / "report.html").is_file()
    assert native.python_started()
    assert native.count(TORCH_PACKAGE) == 0, "evaluate with module: libtorch imported torch"
    control = ChildOpens(tmp_path / "control")
    evaluate(PY_SCRIPTED, tmp_path / "b", limit="4", opens=control)
    assert control.count(TORCH_PACKAGE) > 0


@pytest.mark.parametrize(("body", "key", "says"), [
    (NATIVE_BODY + "wokers: 2\n", "wokers", "unknown key"),
    (NATIVE_BODY.replace("torchscript\n", "state_dict\n"), "model.format", "torchscript or aoti"),
    (NATIVE_BODY + "precision: fp8\n", "precision", "fp8"),
    (NATIVE_BODY + "device: gpu\n", "device", "gpu"),
    (NATIVE_BODY + "device: cuda:0\n", "device", "CUDA is not available"),
    (NATIVE_BODY + "workers: -1\n", "workers", "expected an integer"),
    (NATIVE_BODY + "input: {size: [0, 4]}\n", "input.size", "positive"),
    (NATIVE_BODY.replace("shapes_fcos.torchscript.pt", "shapes.names"), "model.weights",
     "not a loadable TorchScript file"),
    (NATIVE_BODY.replace("torchscript\n", "torchscript\n  torchvision_ops: none\n"),
     "model.weights", "needs torchvision's operators"),
    (NATIVE_BODY.replace("torchscript\n", "torchscript\n  torchvision_ops: nowhere/_C.so\n"),
     "model.torchvision_ops", "not found"),
])
def test_bad_native_config_is_one_line(body: str, key: str, says: str, shapes_val: Path,
                                       tmp_path: Path) -> None:
    if "cuda" in body:
        import torch
        if torch.cuda.is_available():
            pytest.skip("a GPU is here")
    config = model_config(tmp_path, body)
    result = run_ds("evaluate", DEMO, "--model", config, "--limit", "2", "--output", tmp_path / "o")
    assert result.returncode == 1
    line = error_line(result)
    assert str(config) in line or "m.yaml" in line
    assert key in line and says in line, line


SCRIPT_TORCHVISION = """
import sys, torch, torchvision
torch.manual_seed(0)
m = torchvision.models.detection.fasterrcnn_mobilenet_v3_large_320_fpn(
    weights=None, weights_backbone=None, num_classes=3).eval()
torch.jit.script(m).save(sys.argv[1])
"""


def test_scripted_torchvision_detector_runs_natively(shapes_val: Path, tmp_path: Path) -> None:
    # Faster R-CNN's scripted graph calls torchvision::nms and torchvision::roi_align: they come
    # from torchvision's library, loaded into the C++ process with no interpreter.
    weights = tmp_path / "frcnn.ts.pt"
    subprocess.run([sys.executable, "-c", SCRIPT_TORCHVISION, str(weights)], check=True, timeout=300)
    (tmp_path / "three.names").write_text("a\nb\nc\n")
    common = f"classes: three.names\nmodel:\n  format: torchscript\n  weights: {weights.name}\n" \
             "score_threshold: 0.0\nmax_detections: 20\nbatch_size: 2\n"
    native = model_config(tmp_path, "name: n\nmodule: libtorch\nworkers: 1\n" + common, "n.yaml")
    python = model_config(tmp_path, "name: p\nmodule: pytorch_detect\n" + common, "p.yaml")
    runs = {}
    for name, config in (("n", native), ("p", python)):
        result = run_ds("detect", shapes_val / "val", "--model", config, "--output", tmp_path / name,
                        "--limit", "2", "--score-threshold", "0")
        assert result.returncode == 0, result.stderr
        runs[name] = [json.loads(line)["detections"]
                      for line in (tmp_path / name / "detections.jsonl").open()]
    assert sum(len(d) for d in runs["n"]) > 0
    for n_dets, p_dets in zip(runs["n"], runs["p"], strict=True):
        assert len(n_dets) == len(p_dets)
        for a, b in zip(n_dets, p_dets, strict=True):
            assert a["class_id"] == b["class_id"]
            assert max(abs(x - y) for x, y in zip(a["bbox"], b["bbox"], strict=True)) <= 1e-3


def test_export_to_libtorch_writes_a_native_config(native_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "fcos.ts.pt"
    result = run_ds("export", PY_EAGER, "--to", "libtorch", "--output", out)
    assert result.returncode == 0, result.stderr
    config = out.with_suffix(".yaml")
    assert "module: libtorch" in config.read_text()
    metrics = evaluate(config, tmp_path / "run")
    for n, p in zip(metrics["coco_stats"],
                    json.loads((native_run / "metrics.json").read_text())["coco_stats"], strict=True):
        assert abs(n - p) <= 1e-4


TOY_DETECTOR = '''
import sys, torch
from pathlib import Path


class Toy(torch.nn.Module):
    """A fixed-size "detector" (5 boxes from pooled conv features): torch.export captures it
    whole, unlike torchvision's post-processing."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.fc = torch.nn.Linear(8, 5 * 6)

    def forward(self, images: list[torch.Tensor]) -> list[dict[str, torch.Tensor]]:
        x = images[0]
        o = self.fc(self.conv(x.unsqueeze(0)).relu().mean((2, 3))).view(5, 6)
        half = torch.tensor([x.shape[2] / 2, x.shape[1] / 2])
        xy = o[:, :2].sigmoid() * half
        boxes = torch.cat([xy, xy + o[:, 2:4].sigmoid() * half], 1)
        labels = (o[:, 5].sigmoid() * 2.999).long()
        return [{"boxes": boxes, "scores": o[:, 4].sigmoid(), "labels": labels}]


torch.manual_seed(0)
model = Toy().eval()
out = Path(sys.argv[1])
torch.jit.script(model).save(str(out / "toy.ts.pt"))
program = torch.export.export(model, ([torch.rand(3, 64, 64)],), strict=False)
torch._inductor.aoti_compile_and_package(program, package_path=str(out / "toy.pt2"))
'''


def test_aoti_package_runs_natively(shapes_val: Path, tmp_path: Path) -> None:
    # The same weights as TorchScript through pytorch_detect (the reference) and as an
    # AOTInductor package through the native path: the same detections.
    script = tmp_path / "toy.py"  # a file: torch.jit.script reads the source
    script.write_text(TOY_DETECTOR)
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, timeout=600,
                   capture_output=True)
    (tmp_path / "three.names").write_text("a\nb\nc\n")
    common = "classes: three.names\ninput: {size: [64, 64]}\nscore_threshold: 0.0\nbatch_size: 1\n"
    native = model_config(tmp_path, "name: n\nmodule: libtorch\nworkers: 2\nmodel:\n"
                          "  format: aoti\n  weights: toy.pt2\n" + common, "n.yaml")
    python = model_config(tmp_path, "name: p\nmodule: pytorch_detect\nmodel:\n"
                          "  format: torchscript\n  weights: toy.ts.pt\n" + common, "p.yaml")
    runs = {}
    for name, config in (("n", native), ("p", python)):
        result = run_ds("detect", shapes_val / "val", "--model", config, "--output", tmp_path / name,
                        "--limit", "3", "--score-threshold", "0")
        assert result.returncode == 0, result.stderr
        runs[name] = [json.loads(line)["detections"]
                      for line in (tmp_path / name / "detections.jsonl").open()]
    assert [len(d) for d in runs["n"]] == [5, 5, 5]
    for n_dets, p_dets in zip(runs["n"], runs["p"], strict=True):
        for a, b in zip(n_dets, p_dets, strict=True):
            assert a["class_id"] == b["class_id"]
            assert abs(a["score"] - b["score"]) <= 1e-5
            assert max(abs(x - y) for x, y in zip(a["bbox"], b["bbox"], strict=True)) <= 1e-3


def _cuda_available() -> bool:
    probe = "import torch; print(torch.cuda.is_available())"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=False).stdout.strip() == "True"


@pytest.mark.skipif(not _cuda_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("precision", ["fp32", "fp16", "bf16"])
def test_cuda_gives_the_cpu_metrics(precision: str, native_run: Path, tmp_path: Path) -> None:
    # Pinned buffers, non-blocking copies and a stream per worker must not change fp32 results;
    # half precision may move AP a little: printed, and bounded.
    text = NATIVE.read_text().replace("device: auto", "device: cuda:0") \
        .replace("precision: fp32", f"precision: {precision}").replace("workers: 0", "workers: 2")
    text = text.replace("classes: shapes.names", f"classes: {MODELS / 'shapes.names'}") \
        .replace("weights: shapes_fcos", f"weights: {MODELS}/shapes_fcos")
    gpu = evaluate(model_config(tmp_path, text), tmp_path / "run")
    cpu = json.loads((native_run / "metrics.json").read_text())
    change = gpu["AP"] - cpu["AP"]
    print(f"cuda {precision}: AP {gpu['AP']:.4f} (CPU fp32 {cpu['AP']:.4f}, change {change:+.4f})")
    if precision == "fp32":
        for g, c in zip(gpu["coco_stats"], cpu["coco_stats"], strict=True):
            assert abs(g - c) <= 1e-3
    else:
        assert abs(change) <= 0.02


# --- AOTInductor packages of a one-stage detector's network, decoded in C++ (model.head) -----

@pytest.fixture(scope="module")
def aoti_fcos(shapes_val: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo model through `export --to aoti`: its network compiled, a model.head section."""
    out = tmp_path_factory.mktemp("aoti") / "shapes_fcos.pt2"
    result = run_ds("export", PY_EAGER, "--to", "aoti", "--output", out)
    assert result.returncode == 0, result.stderr
    # The minute-long compile says what it is doing (it was silent).
    assert "export: compiling shapes_fcos.pt2 with AOTInductor for cpu" in result.stderr
    assert re.search(r"export: compiled in \d+ s", result.stderr), result.stderr
    config = out.with_suffix(".yaml")
    text = config.read_text()
    assert "module: libtorch" in text and "kind: fcos" in text and "format: aoti" in text
    return config


def test_aoti_network_with_cpp_decoding_gives_the_python_paths_metrics(aoti_fcos: Path,
                                                                      tmp_path: Path) -> None:
    python = evaluate(PY_EAGER, tmp_path / "python")
    native = evaluate(aoti_fcos, tmp_path / "aoti")
    assert native["detections"] == python["detections"] > 0
    for n, p in zip(native["coco_stats"], python["coco_stats"], strict=True):
        assert abs(n - p) <= 1e-4, (native["coco_stats"], python["coco_stats"])
    assert max_box_difference(tmp_path / "aoti", tmp_path / "python") <= 1e-3


def test_aoti_model_never_starts_python(aoti_fcos: Path, tmp_path: Path) -> None:
    opens = ChildOpens(tmp_path / "opens")
    result = run_ds("detect", REPO / "datasets" / "shapes" / "val", "--model", aoti_fcos,
                    "--output", tmp_path / "a", "--limit", "3", "--score-threshold", "0.3",
                    opens=opens)
    assert result.returncode == 0, result.stderr
    frames = [json.loads(line) for line in (tmp_path / "a" / "detections.jsonl").open()]
    assert len(frames) == 3 and any(f["detections"] for f in frames)
    assert not opens.python_started(), "an AOTInductor model started Python"


@pytest.mark.parametrize(("change", "says"), [
    (("kind: fcos", "kind: yolo"), "model.head.kind: unknown kind 'yolo' (known: fcos, retinanet, ssd)"),
    # a FCOS network read as RetinaNet's: 3 outputs per level, not 2
    (("kind: fcos", "kind: retinanet"), "the network returned 12 tensors; a retinanet head"),
    (("anchor_sizes: [[2], [4], [8], [16]]", "anchor_sizes: [[2], [4], [8]]"),
     "model.head.aspect_ratios: has 4 levels, anchor_sizes has 3"),
    (("anchor_sizes: [[2], [4], [8], [16]]", "anchor_sizes: [[2, 3], [4], [8], [16]]"),
     "bbox_regression at level 0 has shape [1, 64, 80, 4], which does not fit 2 anchors per position"),
    (("device: cpu", "device: cpu\nprecision: bf16"), "precision: an AOTInductor package runs"),
    (("kind: fcos", "kind: ssd"), "model.head.scales: an ssd head needs 5 scales"),
    (("    anchor_sizes: [[2], [4], [8], [16]]\n", ""),
     "model.head.anchor_sizes: a fcos head needs the anchor sizes of each feature level"),
])
def test_bad_head_is_one_line(change: tuple[str, str], says: str, aoti_fcos: Path,
                              tmp_path: Path) -> None:
    text = aoti_fcos.read_text()
    assert change[0] in text
    text = text.replace(change[0], change[1]).replace("weights: shapes_fcos.pt2",
                                                      f"weights: {aoti_fcos.with_suffix('.pt2')}")
    config = model_config(tmp_path, text)
    result = run_ds("evaluate", DEMO, "--model", config, "--limit", "2", "--output", tmp_path / "o")
    assert result.returncode == 1, result.stderr
    line = error_line(result)
    assert "m.yaml" in line and says in line, line


RETINANET = '''
import sys, torch, yaml
from pathlib import Path
from torchvision.models.detection import RetinaNet
from torchvision.models.detection.anchor_utils import AnchorGenerator
from detection_studio import demo_model, exported_body

torch.manual_seed(0)
backbone = demo_model.Backbone(widths=(16, 24, 32, 48, 48), blocks=(1, 1, 1, 1), out_channels=32)
# two sizes x three ratios: 6 anchors per position, in torchvision's order
anchors = AnchorGenerator(sizes=tuple((s, s * 3 // 2) for s in (8, 16, 32, 64)),
                          aspect_ratios=((0.5, 1.0, 2.0),) * 4)
# min_size 200 on 320x240 images: resized to 200x266, boxes mapped back
model = RetinaNet(backbone, num_classes=3, min_size=200, max_size=280, anchor_generator=anchors,
                  score_thresh=0.2, detections_per_img=50, topk_candidates=300).eval()
# scores around 0.5 (the stock prior makes them 0.01): 300 candidates per level, so batched
# NMS takes its per-class branch (over 1,000 boxes), as torchvision's does; spread, not tied
with torch.no_grad():
    for p in model.head.parameters():
        p.normal_(0, 0.05)
torch.nn.init.zeros_(model.head.classification_head.cls_logits.bias)
'''


# Ends each script above, which builds `model`: writes STEM.ts.pt (the scripted whole model)
# and STEM.pt2 + STEM.yaml (the network alone, its head section).
PACKAGE_BOTH = """
out = Path(sys.argv[1])
torch.jit.script(model).save(str(out / "{stem}.ts.pt"))
exported_body.compile_heads(model, "{kind}", torch.rand(3, 240, 320), str(out / "{stem}.pt2"))
(out / "{stem}.yaml").write_text(yaml.safe_dump({{
    "name": "{stem}-aoti", "module": "libtorch", "classes": "classes.names",
    "model": {{"format": "aoti", "weights": "{stem}.pt2",
              "head": exported_body.head_config(model, "{kind}")}},
    "score_threshold": 0.0, "max_detections": {max_detections}, "batch_size": 3}}))
"""


def scripted_against_package(script: str, kind: str, names: str, max_detections: int,
                             shapes_val: Path, tmp_path: Path) -> None:
    """The scripted whole model (torchvision's own post-processing, the reference, through
    pytorch_detect) and its network alone as a package (decoded in C++) give the same
    detections on 6 images, with scores spread (no ties to flip)."""
    stem = kind
    (tmp_path / f"{stem}.py").write_text(
        script + PACKAGE_BOTH.format(stem=stem, kind=kind, max_detections=max_detections))
    subprocess.run([sys.executable, str(tmp_path / f"{stem}.py"), str(tmp_path)], check=True,
                   timeout=600, capture_output=True)
    (tmp_path / "classes.names").write_text(names)
    python = model_config(tmp_path, f"name: p\nmodule: pytorch_detect\nclasses: classes.names\n"
                          f"model:\n  format: torchscript\n  weights: {stem}.ts.pt\n"
                          f"score_threshold: 0.0\nmax_detections: {max_detections}\n"
                          "batch_size: 3\n", "p.yaml")
    runs = {}
    for name, config in (("n", tmp_path / f"{stem}.yaml"), ("p", python)):
        result = run_ds("detect", shapes_val / "val", "--model", config, "--output", tmp_path / name,
                        "--limit", "6", "--score-threshold", "0")
        assert result.returncode == 0, result.stderr
        runs[name] = [json.loads(line)["detections"]
                      for line in (tmp_path / name / "detections.jsonl").open()]
    assert [len(d) for d in runs["n"]] == [len(d) for d in runs["p"]] == [max_detections] * 6
    scores = {round(d["score"], 3) for dets in runs["p"] for d in dets}
    assert len(scores) > 20, "the scores should spread (else the comparison is weak)"
    for n_dets, p_dets in zip(runs["n"], runs["p"], strict=True):
        for a, b in zip(n_dets, p_dets, strict=True):
            assert a["class_id"] == b["class_id"]
            assert abs(a["score"] - b["score"]) <= 1e-5
            assert max(abs(x - y) for x, y in zip(a["bbox"], b["bbox"], strict=True)) <= 1e-3


def test_retinanet_network_with_cpp_decoding_gives_torchvisions_detections(
        shapes_val: Path, tmp_path: Path) -> None:
    # heads/retinanet.cpp (level_topk) against RetinaNet.postprocess_detections
    scripted_against_package(RETINANET, "retinanet", "a\nb\nc\n", 50, shapes_val, tmp_path)


SSD = '''
import sys, torch, yaml
from pathlib import Path
from torchvision.models.detection.ssd import SSD, SSDHead
from torchvision.models.detection.anchor_utils import DefaultBoxGenerator
from detection_studio import demo_model, exported_body

torch.manual_seed(0)
backbone = demo_model.Backbone(widths=(16, 24, 32, 48, 48), blocks=(1, 1, 1, 1), out_channels=32)
# 4 or 6 default boxes per position (they differ between levels), steps given; a fixed size
# that is not square: torchvision's (width, height) order must hold
boxes = DefaultBoxGenerator([[2], [2, 3], [2, 3], [2]], steps=[4, 8, 16, 32])
head = SSDHead([32] * 4, boxes.num_anchors_per_location(), 4)
model = SSD(backbone, boxes, (256, 192), num_classes=4, image_mean=[0.5] * 3, image_std=[0.25] * 3,
            head=head, detections_per_img=40, topk_candidates=200).eval()
with torch.no_grad():  # a spread of scores and boxes (the stock init gives near-uniform ones)
    for p in model.head.parameters():
        p.normal_(0, 0.05)
'''


def test_ssd_network_with_cpp_decoding_gives_torchvisions_detections(
        shapes_val: Path, tmp_path: Path) -> None:
    # heads/ssd.cpp (default boxes, softmax, per-class top-k) against SSD's post-processing
    scripted_against_package(SSD, "ssd", "background\na\nb\nc\n", 40, shapes_val, tmp_path)


def test_compare_python_and_native_models_in_one_run(tmp_path: Path) -> None:
    # Once a Python model imported torch, a native model's worker threads call an op whose kernel
    # is Python and take the GIL: the main thread must not hold it while waiting for them (the GPU
    # check's compare of six models hung for good; fp32 and bf16 workers both waited in take_gil).
    bf16 = model_config(tmp_path, NATIVE_BODY.replace("name: native", "name: native-bf16") + "precision: bf16\n",
                        "bf16.yaml")
    fp32 = model_config(tmp_path, NATIVE_BODY, "fp32.yaml")
    result = run_ds("compare", DEMO, "--model", PY_EAGER, "--model", PY_SCRIPTED, "--model", fp32,
                    "--model", bf16, "--limit", "8", "--bootstrap", "0", "--output", tmp_path / "out",
                    timeout=400)
    assert result.returncode == 0, result.stderr
    table = (tmp_path / "out" / "comparison.md").read_text()
    rows = [line for line in table.splitlines() if line.startswith("| demo |")]
    assert len(rows) == 4, table
    # images/s is a rate for every model, a single batch included (it was 0.00 for native models).
    assert all(float(row.split("|")[-3]) > 0 for row in rows), table
