"""Convert a loadable pytorch_detect model config to ONNX, TorchScript or torch.export.

    python -m detection_studio.export MODEL.yaml --to onnx|torchscript|libtorch|export|aoti \
        --output FILE

writes FILE and a ready model config beside it (FILE with ``.yaml``): ``onnx_detect`` for ONNX,
``pytorch_detect`` (format torchscript / export) for torchscript and export, and ``libtorch``
(the native C++ inferencer, no Python at run time) for libtorch, which writes TorchScript too,
and for aoti, which writes an AOTInductor package (.pt2): for FCOS, RetinaNet and SSD the network
alone, with a ``model.head`` section for the C++ decoding (torch.export cannot capture their
top-k and NMS); for other models the whole model, when torch.export captures it. The same
classes file, thresholds and input section. Errors are one line
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
import time
import warnings
from pathlib import Path
from typing import Any

import torch
import yaml

from . import exported_body, pytorch_detect
from .errors import ConfigError

__all__ = ["export", "main"]

TARGETS = ("onnx", "torchscript", "libtorch", "export", "aoti")
_TITLE = {"onnx": "ONNX export", "torchscript": "TorchScript scripting",
          "libtorch": "TorchScript scripting", "export": "torch.export",
          "aoti": "torch.export + AOTInductor"}


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
           size: tuple[int, int] | None = None, device: str = "cpu") -> Path:
    """Write the model of ``config`` as ``target`` to ``output``; returns the new config's path.
    ``device`` is for aoti: a package runs on the kind of device it was compiled for."""
    if target not in TARGETS:
        raise ConfigError(config, "--to", f"unknown target {target!r} (use {', '.join(TARGETS)})")
    if device != "cpu" and target != "aoti":
        raise ConfigError(config, "--device", "only --to aoti compiles for a device")
    if device != "cpu" and not torch.cuda.is_available():
        raise ConfigError(config, "--device", f"{device} requested but CUDA is not available")
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
            elif target == "aoti":
                new |= {"module": "libtorch", "device": device,
                        "model": _to_aoti(model.to(device), example.to(device), out)}
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
    new_config.write_text(header + yaml.dump(new, Dumper=_Dumper, sort_keys=False))
    return new_config


class _Dumper(yaml.SafeDumper):
    """Lists of numbers (and lists of those) on one line: [[32], [64]], not one item a line."""

    def represent_list(self, data: list[Any]) -> yaml.Node:
        flow = all(not isinstance(v, dict) for v in data)
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _Dumper.represent_list)


def _to_aoti(model: torch.nn.Module, example: torch.Tensor, out: Path) -> dict[str, Any]:
    """The package, and the config's model section for it (saying what it does meanwhile: the
    compile takes a minute or more and was silent)."""
    print(f"export: compiling {out.name} with AOTInductor for {example.device} "
          "(a C++ build: a minute or more on a few cores)...", file=sys.stderr, flush=True)
    start = time.monotonic()
    section = _compile_aoti(model, example, out)
    print(f"export: compiled in {time.monotonic() - start:.0f} s", file=sys.stderr, flush=True)
    return section


def _compile_aoti(model: torch.nn.Module, example: torch.Tensor, out: Path) -> dict[str, Any]:
    kind = exported_body.head_kind(model)
    if kind is not None:
        exported_body.compile_heads(model, kind, example, str(out))
        return {"format": "aoti", "weights": out.name,
                "head": exported_body.head_config(model, kind)}
    # Any other model: whole, as model([image]) returning boxes, scores and labels.
    program = torch.export.export(model, ([example],), strict=False)
    torch._inductor.aoti_compile_and_package(program, package_path=str(out))
    return {"format": "aoti", "weights": out.name}


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
    parser.add_argument("--device", default="cpu",
                        help="aoti only: the device to compile for (cpu, cuda, cuda:N; default cpu)")
    args = parser.parse_args(argv)
    try:
        new = export(args.config, args.to, args.output,
                     tuple(args.size) if args.size else None, args.device)  # type: ignore[arg-type]
    except ConfigError as e:
        print(f"detection-studio: error: {e}", file=sys.stderr)
        return 1
    print(f"export: {args.output} and {new}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
