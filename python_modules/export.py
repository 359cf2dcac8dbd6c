"""Convert a loadable pytorch_detect model config to ONNX, TorchScript or torch.export.

    python -m detection_studio.export MODEL.yaml --to onnx|torchscript|libtorch|export --output FILE

writes FILE and a ready model config beside it (FILE with ``.yaml``): ``onnx_detect`` for ONNX,
``pytorch_detect`` (format torchscript / export) for torchscript and export, and ``libtorch``
(the native C++ inferencer, no Python at run time) for libtorch, which writes TorchScript too;
with the same classes file, thresholds and input section. Errors are one line
(``ConfigError``), exit status 1.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import shutil
import sys
import warnings
from pathlib import Path
from typing import Any

import torch
import yaml

from . import exported_body, pytorch_detect
from .errors import ConfigError

__all__ = ["export", "main"]

TARGETS = ("onnx", "torchscript", "libtorch", "export")
_TITLE = {"onnx": "ONNX export", "torchscript": "TorchScript scripting",
          "libtorch": "TorchScript scripting", "export": "torch.export"}


def _example(inf: pytorch_detect.Inferencer, size: tuple[int, int] | None) -> torch.Tensor:
    h, w = size or inf.input_size or (480, 640)
    return torch.rand(3, h, w)


def _copy_beside(classes: Path, folder: Path) -> str:
    """The classes file, copied beside the new config so that the pair can move together."""
    target = folder / classes.name
    if not target.exists() or not os.path.samefile(classes, target):
        shutil.copyfile(classes, target)
    return classes.name


def export(config: str, target: str, output: str,
           size: tuple[int, int] | None = None) -> Path:
    """Write the model of ``config`` as ``target`` to ``output``; returns the new config's path."""
    if target not in TARGETS:
        raise ConfigError(config, "--to", f"unknown target {target!r} (use {', '.join(TARGETS)})")
    inf = pytorch_detect.load(config)
    out = Path(output).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    model = inf.model.cpu().eval()
    source: dict[str, Any] = yaml.safe_load(Path(config).read_text())
    new: dict[str, Any] = {
        "name": f"{inf.name}-{target}",
        "classes": _copy_beside(inf.classes_path, out.parent),
        "device": source.get("device", "auto"),
        "score_threshold": inf.score_threshold,
        "max_detections": inf.max_detections,
        "batch_size": inf.batch_size,
    }
    if "input" in source:
        new["input"] = source["input"]
    example = _example(inf, size)
    # torch logs whole graphs when a trace fails; the one-line error below is what users get
    logging.disable(logging.CRITICAL)
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            if target in ("torchscript", "libtorch"):
                torch.jit.script(model).save(str(out))
                new |= {"module": "pytorch_detect" if target == "torchscript" else "libtorch",
                        "model": {"format": "torchscript", "weights": out.name}}
            elif target == "export" and exported_body.is_one_stage(model) and "model" in source \
                    and "architecture" in (source["model"] or {}):
                # The network alone; the architecture's own code pre- and postprocesses.
                torch.export.save(exported_body.export_body(model, example), str(out))
                new |= {"module": "pytorch_detect",
                        "model": {"format": "export", "weights": out.name,
                                  "architecture": source["model"]["architecture"],
                                  "args": source["model"].get("args", {})}}
            elif target == "export":
                program = torch.export.export(model, ([example],), strict=False)
                torch.export.save(program, str(out))
                new |= {"module": "pytorch_detect",
                        "model": {"format": "export", "weights": out.name}}
            else:
                _to_onnx(model, example, out)
                new |= {"module": "onnx_detect", "model": {"weights": out.name},
                        "output": {"layout": "boxes_scores_labels"}}
        except ConfigError:
            raise
        except Exception as e:
            first = " ".join(str(e).split())[:200]
            raise ConfigError(config, "--to", f"{_TITLE[target]} of this model failed: "
                                              f"{type(e).__name__}: {first}") from e
        finally:
            logging.disable(logging.NOTSET)
    if target == "onnx" and "input" in new:
        # pytorch_detect's input: section keeps its meaning in onnx_detect (resize, mean, std)
        new["input"] = {k: v for k, v in new["input"].items() if k in ("size", "mean", "std")}
    new_config = out.with_suffix(".yaml")
    header = f"# Written by `detection-studio export {Path(config).name} --to {target}`.\n"
    new_config.write_text(header + yaml.safe_dump(new, sort_keys=False))
    return new_config


def _to_onnx(model: torch.nn.Module, example: torch.Tensor, out: Path) -> None:
    # The TorchScript-based exporter: torchvision's detectors (list input, NMS inside) export
    # with it; the image's height and width stay dynamic and the model resizes inside.
    torch.onnx.export(
        model, ([example],), str(out), dynamo=False, opset_version=17,
        input_names=["image"], output_names=["boxes", "scores", "labels"],
        dynamic_axes={"image": {1: "height", 2: "width"}, "boxes": {0: "n"},
                      "scores": {0: "n"}, "labels": {0: "n"}},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="detection-studio export", description=__doc__)
    parser.add_argument("config")
    parser.add_argument("--to", required=True, choices=TARGETS)
    parser.add_argument("--output", required=True)
    parser.add_argument("--size", type=int, nargs=2, metavar=("H", "W"),
                        help="example image size to trace with (default: input.size or 480 640)")
    args = parser.parse_args(argv)
    try:
        new = export(args.config, args.to, args.output,
                     tuple(args.size) if args.size else None)  # type: ignore[arg-type]
    except ConfigError as e:
        print(f"detection-studio: error: {e}", file=sys.stderr)
        return 1
    print(f"export: {args.output} and {new}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
