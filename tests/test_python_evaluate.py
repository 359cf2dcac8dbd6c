"""ds.evaluate: the command's run from Python. With the demo model's own `infer` (or its model
config), its numbers and detections are those of `detection-studio evaluate --limit 40`; a
torchvision-style nn.Module gets the documented images; bad results raise naming the image and
the key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import detection_studio as ds
import numpy as np
import pytest
from conftest import REPO, run_ds

DEMO = REPO / "configs" / "demo.yaml"
MODEL = REPO / "configs" / "models" / "shapes-fcos.yaml"
LIMIT = 40
# Facts of the run that are not its results: how long it took, where it was written from.
RUN_FACTS = ("timings", "inference_seconds", "evaluation_seconds", "model_config", "versions")


@pytest.fixture(scope="module")
def demo(shapes_val: Path) -> Any:
    from detection_studio import pytorch_detect

    return pytorch_detect.load(str(MODEL))


@pytest.fixture(scope="module")
def cli_run(shapes_val: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "run"
    done = run_ds("evaluate", DEMO, "--limit", str(LIMIT), "--output", out)
    assert done.returncode == 0, done.stderr
    return out


def results(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metrics.items() if k not in RUN_FACTS}


def test_callable_equals_cli(demo: Any, cli_run: Path) -> None:
    run = ds.evaluate(str(DEMO), model=demo.infer, class_names=demo.class_names, limit=LIMIT,
                      progress=False)
    cli = json.loads((cli_run / "metrics.json").read_text())
    assert run.metrics["coco_stats"] == cli["coco_stats"]
    assert results(run.metrics) == results(cli)
    assert run.metrics["model"] == cli["model"] == "shapes-fcos"  # the bound inferencer's name
    assert run.detections == json.loads((cli_run / "detections.json").read_text())
    assert run.metrics["images"] == LIMIT and run.stats["AP"] == cli["coco_stats"][0]


def test_model_config_equals_callable_and_writes_its_files(demo: Any, tmp_path: Path) -> None:
    run = ds.evaluate(DEMO, model=MODEL, limit=4, output=tmp_path / "run", progress=False)
    by_callable = ds.evaluate(DEMO, model=demo.infer, class_names=demo.class_names, limit=4,
                              progress=False)
    assert results(run.metrics) == results(by_callable.metrics)
    # The inferencer object itself: its infer, class names, batch size and name.
    by_object = ds.evaluate(DEMO, model=demo, limit=4, progress=False)
    assert results(by_object.metrics) == results(run.metrics)
    assert run.metrics["model_config"] == str(MODEL)
    written = tmp_path / "run"
    assert json.loads((written / "metrics.json").read_text()) == run.metrics
    assert json.loads((written / "detections.json").read_text()) == run.detections
    assert sorted(p.name for p in written.iterdir()) == [
        "detections.json", "gallery.json", "metrics.json", "per_class.csv", "report.html"]  # no journal


def test_module_gets_rgb_floats_in_eval_mode(demo: Any) -> None:
    import torch

    seen: list[np.ndarray] = []

    def keep_images(images: list[np.ndarray]) -> list[dict[str, np.ndarray]]:
        seen.extend(np.array(im) for im in images)
        return [{"boxes": np.zeros((0, 4)), "scores": np.zeros(0), "labels": np.zeros(0, np.int64)}
                for _ in images]

    ds.evaluate(DEMO, model=keep_images, class_names=demo.class_names, limit=3, analyses=[],
                progress=False)
    module = demo.model
    module.train()
    run = ds.evaluate(DEMO, model=module, class_names=demo.class_names, limit=3, analyses=[],
                      progress=False)
    assert module.training  # put back as it was
    module.eval()
    with torch.no_grad():
        expected = module([torch.from_numpy(im[:, :, ::-1].copy()).permute(2, 0, 1).float() / 255
                           for im in seen])
    got = run.detections
    assert len(got) == sum(len(e["scores"]) for e in expected) > 0
    first = expected[0]
    mine = [d for d in got if d["image_id"] == 1]
    assert len(mine) == len(first["scores"])
    x1, y1, x2, y2 = (float(v) for v in first["boxes"][0])
    top = max(mine, key=lambda d: d["score"])
    assert top["score"] == pytest.approx(float(first["scores"][0]), abs=1e-6)
    assert top["bbox"] == pytest.approx([x1, y1, x2 - x1, y2 - y1], abs=1e-3)


def empty(n: int = 0) -> dict[str, Any]:
    return {"boxes": np.zeros((n, 4), np.float32), "scores": np.full(n, 0.5, np.float32),
            "labels": np.zeros(n, np.int64)}


def run_with(result: Any) -> None:
    ds.evaluate(DEMO, model=lambda images: [result] * len(images), class_names=["circle"], limit=2,
                batch_size=1, analyses=[], progress=False)


@pytest.mark.parametrize(("result", "error", "match"), [
    ("boxes", TypeError, r"000000\.jpg: a result must be a dict"),
    ({"boxes": np.zeros((0, 4)), "labels": np.zeros(0, np.int64)}, ValueError,
     r"000000\.jpg: the result has no 'scores'"),
    ({**empty(2), "boxes": np.zeros((2, 5), np.float32)}, ValueError, r"000000\.jpg: 'boxes' must be \(N, 4\)"),
    ({**empty(2), "labels": np.zeros(3, np.int64)}, ValueError, r"000000\.jpg: 'labels' must be \(2,\)"),
    ({**empty(1), "labels": np.zeros(1, np.float32)}, TypeError, r"000000\.jpg: 'labels' must be integers"),
    ({**empty(1), "scores": np.ones(1, np.int64)}, TypeError, r"000000\.jpg: 'scores' must be floating"),
    ({**empty(1), "labels": np.array([1])}, ValueError, r"000000\.jpg: 'labels' holds 1, outside the 1 class_names"),
    ({**empty(1), "boxes": np.array([[0, 0, np.nan, 1]], np.float32)}, ValueError,
     r"000000\.jpg: 'boxes' holds a value that is not a finite number"),
    ({**empty(1), "boxes": ["a", "b", "c", "d"]}, TypeError, r"000000\.jpg: 'boxes' must be numbers"),
    ({**empty(1), "masks": np.zeros((1, 5, 5), np.uint8)}, ValueError,
     r"000000\.jpg: 'masks' must be \(1, 240, 320\)"),
    ({**empty(1), "masks": np.zeros((1, 240, 320), np.float32)}, TypeError, r"000000\.jpg: 'masks' must be bool or uint8"),
    ({**empty(1), "keypoints": np.zeros((1, 17, 2))}, ValueError, r"000000\.jpg: 'keypoints' must be \(1, K, 3\)"),
])
def test_bad_results_name_the_image_and_the_key(result: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        run_with(result)


def test_bad_result_lists() -> None:
    with pytest.raises(TypeError, match=r"000000\.jpg, 000001\.jpg: the model must return a list"):
        ds.evaluate(DEMO, model=lambda images: empty(), class_names=["circle"], limit=2, batch_size=2,
                    analyses=[], progress=False)
    with pytest.raises(ValueError, match=r"000000\.jpg, 000001\.jpg: the model returned 1 results for 2 images"):
        ds.evaluate(DEMO, model=lambda images: [empty()], class_names=["circle"], limit=2, batch_size=2,
                    analyses=[], progress=False)


def test_a_raising_model_raises_its_own_exception_naming_the_images() -> None:
    def broken(images: list[np.ndarray]) -> list[dict[str, Any]]:
        raise ZeroDivisionError("my model's bug")

    with pytest.raises(ZeroDivisionError, match="my model's bug") as caught:
        ds.evaluate(DEMO, model=broken, class_names=["circle"], limit=3, batch_size=2, analyses=[],
                    progress=False)
    notes = getattr(caught.value, "__notes__", ["ds.evaluate: raised by the model on 000000.jpg, 000001.jpg"])
    assert notes == ["ds.evaluate: raised by the model on 000000.jpg, 000001.jpg"]
    # The interpreter and the API are fine afterwards.
    assert ds.evaluate(DEMO, model=lambda images: [empty() for _ in images], class_names=["circle"],
                       limit=1, analyses=[], progress=False).metrics["images"] == 1


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="class_names: required"):
        ds.evaluate(DEMO, model=lambda images: [], limit=1)
    with pytest.raises(ValueError, match="class_names: a model config names its classes"):
        ds.evaluate(DEMO, model=MODEL, class_names=["circle"], limit=1)
    with pytest.raises(TypeError, match="model: expected a model config path"):
        ds.evaluate(DEMO, model=42, class_names=["circle"], limit=1)
    with pytest.raises(ValueError, match="unknown metric 'nope'"):
        ds.evaluate(DEMO, model=lambda images: [], class_names=["circle"], metrics=["nope"], limit=1)
