"""PyTorch inferencer: runs a torchvision-style detection model described by a YAML config.

The Detection Studio host imports this module, calls :func:`load` once per model config and then
:meth:`Inferencer.infer` on batches of images.

Model config schema (YAML; every path is relative to the config file's directory)::

    name: shapes-fcos            # optional; default: the config file's stem
    module: pytorch_detect       # read by the C++ host; ignored here
    classes: shapes.names        # required; one class name per line (line i = label i)
    device: auto                 # auto (cuda if available else cpu) | cpu | cuda | cuda:N
    model:
      format: state_dict         # state_dict | torchscript | export | pickle (default:
                                 # state_dict). export: a torch.export .pt2 file (its program is
                                 # run one image at a time, the structure it was traced with).
                                 # pickle: torch.save(model), which runs code when loaded:
                                 # refused unless the config says `trusted: true`
      trusted: false             # pickle only: true = I trust this file to run code on load
      architecture: detection_studio.demo_model:build   # state_dict only: "pkg.module:callable"
                                 # or "pkg.module.callable" (e.g.
                                 # torchvision.models.detection.fcos_resnet50_fpn)
      args: {num_classes: 6}     # state_dict only: keyword args for the callable; for builders
                                 # that take them, weights=None / weights_backbone=None are added
                                 # when absent (nothing is ever downloaded)
      weights: shapes_fcos.pt    # required: the state_dict, TorchScript, .pt2 or pickle file
    input:                       # optional: only when the model needs it
      size: [320, 320]           # optional resize [height, width] before the model (an int
                                 # means square); boxes are scaled back to the input image
      mean: [0.0, 0.0, 0.0]      # optional normalisation after /255 (RGB order)
      std: [1.0, 1.0, 1.0]
    score_threshold: 0.05        # detections below are dropped (default 0.05)
    max_detections: 100          # at most this many per image, best first (default 100)
    mask_threshold: 0.5          # models with masks (Mask R-CNN): a pixel is inside when its
                                 # probability is above this (default 0.5, as torchvision's
                                 # reference evaluation); masks go to the host as N x H x W bytes
    batch_size: 4                # hint for the host: images per infer() call (default 4)
    threads: 0                   # torch.set_num_threads(threads) when > 0 (default 0)

The model must follow torchvision's detection API: in eval mode it takes a list of 3xHxW float32
RGB tensors in [0, 1] and returns one ``{"boxes" (xyxy), "scores", "labels"}`` dict per image
(a TorchScript detector returning ``(losses, detections)`` is also accepted). A ``"masks"`` entry
(N x 1 x H x W probabilities, as Mask R-CNN gives) is thresholded and returned too, and a
``"keypoints"`` entry (N x K x 3: x, y, v, as Keypoint R-CNN gives) is returned at the input
image's scale. Its v is passed on as the model gives it: torchvision's Keypoint R-CNN gives 1
for every point (its per-point confidences are ``keypoints_scores``, not returned), which is what
torchvision's reference COCO evaluation writes into results files; pycocotools ignores a
detection's v (OKS uses every predicted point).

Every problem in a config raises :class:`detection_studio.errors.ConfigError`, whose one-line
message is ``"<file>: <key>: <problem>"``, naming the file that is wrong.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import math
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml

from .errors import ConfigError

__all__ = ["Inferencer", "load"]

_FORMATS = ("state_dict", "torchscript", "export", "pickle")
_MISSING = object()
# Every key this module reads, by section: a typo (`score_treshold`) would otherwise be
# ignored and the run go on with the default (the libtorch backend rejects them too).
_KEYS: dict[str, tuple[str, ...]] = {
    "": ("name", "module", "classes", "device", "model", "input", "score_threshold",
         "max_detections", "batch_size", "threads", "mask_threshold", "trusted"),
    "model": ("format", "weights", "architecture", "args", "trusted"),
    "input": ("size", "mean", "std"),
}


@contextmanager
def _quiet() -> Iterator[None]:
    """Hide torch's warnings (TorchScript deprecation, read-only numpy arrays, ...)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _one_line(exc: BaseException, limit: int = 160) -> str:
    """A short, single-line description of an exception."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


class _Config:
    """Typed access to a parsed config mapping; errors name the config file and the key."""

    def __init__(self, path: Path, data: Mapping[str, Any], lines: Mapping[str, int] | None = None) -> None:
        self.path = path
        self.data = data
        self.lines = lines or {}  # dotted key -> its line in the file, for messages

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(str(self.path), key, problem)

    def get(self, key: str, types: type | tuple[type, ...], default: Any = _MISSING) -> Any:
        """Value at dotted ``key``; ``default`` when absent (required when no default)."""
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node or node[part] is None:
                if default is _MISSING:
                    return self._missing(key)
                return default
            node = node[part]
        want = types if isinstance(types, tuple) else (types,)
        bad_bool = isinstance(node, bool) and bool not in want
        if not isinstance(node, want) or bad_bool:
            names = " or ".join(_type_name(t) for t in want)
            raise self.error(key, f"expected {names}, got {_type_name(type(node))}")
        return node

    def only_keys(self, known: Mapping[str, Sequence[str]]) -> None:
        """Rejects a key outside `known` (section "" is the top level) in one line naming
        file:line and the key, with the closest known key."""
        for section, names in known.items():
            node = self.data if not section else self.data.get(section)
            if not isinstance(node, Mapping):
                continue
            for key in node:
                if key in names:
                    continue
                dotted = f"{section}.{key}" if section else str(key)
                close = difflib.get_close_matches(str(key), names, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                line = self.lines.get(dotted)
                where = f"{self.path}:{line}" if line else str(self.path)
                raise ConfigError(where, dotted,
                                  f"unknown key{hint}; known: {', '.join(names)}")

    def _missing(self, key: str) -> Any:
        raise self.error(key, "required key is missing")

    def resolve(self, key: str, value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.path.parent / p


def _type_name(t: type) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "true/false",
            list: "a list", dict: "a mapping", type(None): "nothing"}.get(t, t.__name__)


def _read_config(config_path: str) -> _Config:
    path = Path(config_path)
    if not path.is_file():
        raise ConfigError(str(path), "(file)", "not found" if not path.exists() else "not a file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(str(path), "(file)", f"cannot read: {_one_line(e)}") from e
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        what = getattr(e, "problem", None) or _one_line(e)
        raise ConfigError(str(path), "(file)", f"not valid YAML{where}: {what}") from e
    if not isinstance(data, dict):
        got = "an empty file" if data is None else _type_name(type(data))
        raise ConfigError(str(path), "(root)", f"expected a mapping of keys, got {got}")
    return _Config(path, data, _key_lines(text))


def _key_lines(text: str) -> dict[str, int]:
    """The line of each key of the top two levels ("model.format": 4), from YAML's node tree
    (safe_load keeps no positions)."""
    lines: dict[str, int] = {}

    def walk(node: yaml.Node, prefix: str, depth: int) -> None:
        if not isinstance(node, yaml.MappingNode) or depth > 1:
            return
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                dotted = f"{prefix}{key.value}"
                lines[dotted] = key.start_mark.line + 1
                walk(value, dotted + ".", depth + 1)

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines
    if root is not None:
        walk(root, "", 0)
    return lines


def _read_classes(cfg: _Config) -> tuple[Path, list[str]]:
    path = cfg.resolve("classes", cfg.get("classes", str))
    if not path.is_file():
        raise ConfigError(str(path), "classes", "file not found")
    try:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(str(path), "classes", f"cannot read: {_one_line(e)}") from e
    while lines and not lines[-1]:
        lines.pop()
    if not lines:
        raise ConfigError(str(path), "classes", "no class names (the file is empty)")
    if "" in lines:
        raise ConfigError(str(path), "classes", f"line {lines.index('') + 1} is empty")
    return path, lines


def _resolve_device(cfg: _Config) -> torch.device:
    spec = cfg.get("device", str, "auto").strip().lower()
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if spec == "cpu":
        return torch.device("cpu")
    if spec == "cuda" or spec.startswith("cuda:"):
        index = 0
        if spec != "cuda":
            try:
                index = int(spec[5:])
            except ValueError:
                raise cfg.error("device", f"bad device {spec!r} (use auto, cpu, cuda or cuda:N)")
        if not torch.cuda.is_available():
            raise cfg.error("device", f"{spec} requested but CUDA is not available")
        if index >= torch.cuda.device_count():
            raise cfg.error("device", f"{spec} requested but there are "
                                      f"{torch.cuda.device_count()} CUDA devices")
        return torch.device("cuda", index)
    raise cfg.error("device", f"unknown device {spec!r} (use auto, cpu, cuda or cuda:N)")


# Packages whose callables a model config may name without `trusted: true`: naming a callable
# runs it (`architecture: os:system` with `args: {command: ...}` would run a shell command).
TRUSTED_PACKAGES = ("torchvision", "detection_studio")


def _import_callable(cfg: _Config, spec: str) -> Callable[..., Any]:
    key = "model.architecture"
    if ":" in spec:
        mod_name, _, attr = spec.partition(":")
    else:
        mod_name, _, attr = spec.rpartition(".")
    if not mod_name or not attr:
        raise cfg.error(key, f"expected 'package.module:callable', got {spec!r}")
    trusted = cfg.get("model.trusted", bool, cfg.get("trusted", bool, False)) is True
    if mod_name.split(".")[0] not in TRUSTED_PACKAGES and not trusted:
        raise cfg.error(key, f"{spec!r} would import and run code from {mod_name.split('.')[0]!r}; "
                             f"only {' and '.join(TRUSTED_PACKAGES)} are trusted by default: set "
                             "model.trusted: true if you trust it")
    try:
        module = importlib.import_module(mod_name)
    except Exception as e:
        raise cfg.error(key, f"cannot import {mod_name!r}: {_one_line(e)}") from e
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise cfg.error(key, f"{mod_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise cfg.error(key, f"{spec!r} is not callable")
    return obj


def _build_state_dict_model(cfg: _Config, weights: Path) -> torch.nn.Module:
    model = _build_architecture(cfg)
    return _load_state_dict(model, weights)


def _build_architecture(cfg: _Config) -> torch.nn.Module:
    """``model.architecture(**model.args)``, randomly initialised (never pretrained)."""
    builder = _import_callable(cfg, cfg.get("model.architecture", str))
    kwargs = dict(cfg.get("model.args", dict, {}))
    try:
        params = inspect.signature(builder).parameters
    except (TypeError, ValueError):
        params = {}
    for name in ("weights", "weights_backbone"):  # never download pretrained weights
        if name in params and name not in kwargs:
            kwargs[name] = None
    try:
        model = builder(**kwargs)
    except Exception as e:
        raise cfg.error("model.args", f"building the model failed: {type(e).__name__}: "
                                      f"{_one_line(e)}") from e
    if not isinstance(model, torch.nn.Module):
        raise cfg.error("model.architecture", f"returned {type(model).__name__}, not a torch "
                                              "nn.Module")
    return model


def _load_state_dict(model: torch.nn.Module, weights: Path) -> torch.nn.Module:
    wkey = "model.weights"
    try:
        obj = torch.load(str(weights), map_location="cpu", weights_only=True)
    except Exception as e:
        raise ConfigError(str(weights), wkey, f"not a readable PyTorch state_dict file "
                                              f"({_one_line(e, 100)})") from e
    if isinstance(obj, torch.jit.ScriptModule):
        raise ConfigError(str(weights), wkey, "is a TorchScript file; set model.format: "
                                              "torchscript")
    if isinstance(obj, Mapping):
        for wrapper in ("state_dict", "model"):
            if isinstance(obj.get(wrapper), Mapping):
                obj = obj[wrapper]
                break
    if not isinstance(obj, Mapping) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ConfigError(str(weights), wkey, "does not hold a state_dict (a mapping of tensors)")
    expected = model.state_dict()
    missing = [k for k in expected if k not in obj]
    unexpected = [k for k in obj if k not in expected]
    mismatched = [k for k in expected if k in obj and obj[k].shape != expected[k].shape]
    if missing or unexpected or mismatched:
        example = (missing or unexpected or mismatched)[0]
        raise ConfigError(
            str(weights), wkey,
            f"weights do not match the architecture ({len(missing)} missing keys, "
            f"{len(unexpected)} unexpected keys, {len(mismatched)} shape mismatches, "
            f"e.g. {example!r})",
        )
    try:
        model.load_state_dict(obj, strict=True)
    except Exception as e:
        raise ConfigError(str(weights), wkey, f"cannot load: {_one_line(e, 100)}") from e
    return model


def _load_torchscript(weights: Path, device: torch.device) -> torch.nn.Module:
    try:  # scripted torchvision models need torchvision's custom ops registered
        import torchvision  # noqa: F401
    except ImportError:
        pass
    try:
        return torch.jit.load(str(weights), map_location=device)
    except Exception as e:
        raise ConfigError(str(weights), "model.weights",
                          f"not a loadable TorchScript file ({_one_line(e, 100)})") from e


def _load_export(weights: Path, device: torch.device) -> torch.nn.Module:
    try:  # exported torchvision models need torchvision's custom ops registered
        import torchvision  # noqa: F401
    except ImportError:
        pass
    try:
        program = torch.export.load(str(weights))
    except Exception as e:
        raise ConfigError(str(weights), "model.weights",
                          f"not a loadable torch.export (.pt2) file ({_one_line(e, 100)})") from e
    module = program.module()
    return module.to(device) if device.type != "cpu" else module


def _load_pickle(cfg: _Config, weights: Path) -> torch.nn.Module:
    if cfg.get("model.trusted", bool, cfg.get("trusted", bool, False)) is not True:
        raise cfg.error("model.format", "pickle files can run arbitrary code when loaded; set "
                                        "model.trusted: true only for a file you trust")
    try:
        obj = torch.load(str(weights), map_location="cpu", weights_only=False)
    except Exception as e:
        raise ConfigError(str(weights), "model.weights",
                          f"not a loadable pickled model ({_one_line(e, 100)})") from e
    if not isinstance(obj, torch.nn.Module):
        raise ConfigError(str(weights), "model.weights", f"holds a {type(obj).__name__}, not a "
                                                         "torch nn.Module (format: pickle)")
    return obj


def _float_list(cfg: _Config, key: str, n: int) -> list[float] | None:
    value = cfg.get(key, list, None)
    if value is None:
        return None
    if len(value) != n or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                  for v in value):
        raise cfg.error(key, f"expected a list of {n} numbers")
    return [float(v) for v in value]


def _transform_max_size(model: Any) -> int | None:
    """torchvision detectors (and the demo model) resize in ``model.transform``: the longer side
    is at most its ``max_size``."""
    try:
        size = model.transform.max_size
    except (AttributeError, RuntimeError):  # no such transform (or a scripted model hides it)
        return None
    return size if isinstance(size, int) and not isinstance(size, bool) and size > 0 else None


class Inferencer:
    """A loaded detection model; create it with :func:`load`."""

    name: str
    class_names: list[str]
    device: str
    batch_size: int
    score_threshold: float
    max_detections: int
    config_path: str

    def __init__(self, config_path: str) -> None:
        cfg = _read_config(config_path)
        cfg.only_keys(_KEYS)
        self.config_path = str(cfg.path)
        self.name = cfg.get("name", str, cfg.path.stem)
        cfg.get("module", str, "pytorch_detect")  # the host's key: only type-checked here
        self.classes_path, self.class_names = _read_classes(cfg)
        torch_device = _resolve_device(cfg)
        self.device = str(torch_device)

        self.score_threshold = float(cfg.get("score_threshold", (int, float), 0.05))
        if not 0.0 <= self.score_threshold <= 1.0 or math.isnan(self.score_threshold):
            raise cfg.error("score_threshold", "expected a number in [0, 1]")
        self.max_detections = cfg.get("max_detections", int, 100)
        if self.max_detections < 1:
            raise cfg.error("max_detections", "expected an integer >= 1")
        self.batch_size = cfg.get("batch_size", int, 4)
        if self.batch_size < 1:
            raise cfg.error("batch_size", "expected an integer >= 1")
        self.mask_threshold = float(cfg.get("mask_threshold", (int, float), 0.5))
        if not 0.0 <= self.mask_threshold < 1.0 or math.isnan(self.mask_threshold):
            raise cfg.error("mask_threshold", "expected a number in [0, 1)")
        threads = cfg.get("threads", int, 0)
        if threads < 0:
            raise cfg.error("threads", "expected an integer >= 0")

        cfg.get("input", dict, {})
        size = cfg.get("input.size", (list, int), None)
        self.input_size: tuple[int, int] | None = None
        if size is not None:
            hw = [size, size] if isinstance(size, int) else size
            if len(hw) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0
                                       for v in hw):
                raise cfg.error("input.size", "expected [height, width] (positive integers)")
            self.input_size = (hw[0], hw[1])
        mean = _float_list(cfg, "input.mean", 3)
        std = _float_list(cfg, "input.std", 3)
        if std is not None and any(s == 0.0 for s in std):
            raise cfg.error("input.std", "values must be non-zero")
        self._mean = None if mean is None else torch.tensor(mean, device=torch_device).view(3, 1, 1)
        self._std = None if std is None else torch.tensor(std, device=torch_device).view(3, 1, 1)

        cfg.get("model", dict)
        fmt = cfg.get("model.format", str, "state_dict")
        if fmt not in _FORMATS:
            raise cfg.error("model.format", f"unknown format {fmt!r} (use "
                                            f"{', '.join(_FORMATS)})")
        self.format = fmt
        weights = cfg.resolve("model.weights", cfg.get("model.weights", str))
        if not weights.is_file():
            raise ConfigError(str(weights), "model.weights", "file not found")
        self.weights_path = str(weights)

        if threads > 0:
            torch.set_num_threads(threads)
        with _quiet():
            if fmt == "torchscript":
                model = _load_torchscript(weights, torch_device)
            elif fmt == "export":
                model = _load_export(weights, torch_device)
                if cfg.get("model.architecture", str, None) is not None:
                    # A one-stage detector's body (exported_body): the architecture's own code
                    # does the pre- and postprocessing around it.
                    from .exported_body import with_exported_body

                    model = with_exported_body(_build_architecture(cfg).to(torch_device), model)
            elif fmt == "pickle":
                model = _load_pickle(cfg, weights)
            else:
                model = _build_state_dict_model(cfg, weights)
            if fmt == "export":  # an exported program's module has no train/eval modes
                self.model = model
            else:
                self.model = model.to(torch_device).eval()
        self._torch_device = torch_device
        # The longer side every image is resized to, when known: the host may then decode huge
        # images smaller (their boxes are scaled back), which bounds memory.
        self.max_input_side: int | None = (max(self.input_size) if self.input_size is not None
                                           else _transform_max_size(self.model))

    def __repr__(self) -> str:
        return (f"Inferencer(name={self.name!r}, format={self.format!r}, device={self.device!r}, "
                f"classes={len(self.class_names)})")

    def _prepare(self, image: np.ndarray) -> tuple[torch.Tensor, tuple[int, int]]:
        """BGR uint8 HxWx3 array -> RGB float 3xhxw tensor on the device (never writes to it)."""
        if not isinstance(image, np.ndarray):
            raise TypeError(f"expected a numpy array, got {type(image).__name__}")
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"expected an HxWx3 uint8 BGR image, got shape {image.shape} "
                             f"dtype {image.dtype}")
        h, w = image.shape[:2]
        if h == 0 or w == 0:
            raise ValueError(f"empty image (shape {image.shape})")
        if not image.flags.c_contiguous:
            image = np.ascontiguousarray(image)
        t = torch.from_numpy(image)  # zero-copy, also for read-only arrays (never written)
        t = t.to(self._torch_device, non_blocking=True).permute(2, 0, 1).flip(0)  # BGR -> RGB
        x = t.to(torch.float32).div_(255.0)
        if self.input_size is not None and (h, w) != self.input_size:
            x = torch.nn.functional.interpolate(
                x.unsqueeze(0), size=self.input_size, mode="bilinear", align_corners=False,
                antialias=True,
            ).squeeze(0)
        if self._mean is not None:
            x = x - self._mean
        if self._std is not None:
            x = x / self._std
        return x, (h, w)

    def infer(self, images: Sequence[np.ndarray]) -> list[dict[str, np.ndarray]]:
        """Detect objects in BGR uint8 images; one result dict per image.

        Each dict holds ``boxes`` (float32 Nx4, xyxy pixels of the input image), ``scores``
        (float32 N, descending, >= score_threshold) and ``labels`` (int64 N, indices into
        ``class_names``), with N <= max_detections; for models with masks also ``masks``
        (uint8 NxHxW at the input image's size, 1 inside); for models with keypoints also
        ``keypoints`` (float32 NxKx3: x, y in the input image's pixels, v as the model gives it).
        """
        if len(images) == 0:
            return []
        results: list[dict[str, np.ndarray]] = []
        with _quiet(), torch.inference_mode():
            for start in range(0, len(images), self.batch_size):
                chunk = images[start : start + self.batch_size]
                prepared = [self._prepare(img) for img in chunk]
                if self.format == "export":  # traced with one image: run it one at a time
                    out = [self.model([x])[0] for x, _ in prepared]
                else:
                    out = self.model([x for x, _ in prepared])
                if isinstance(out, tuple):  # scripted torchvision detectors: (losses, dets)
                    out = out[1]
                for (x, (h, w)), det in zip(prepared, out, strict=True):
                    results.append(self._postprocess(det, x.shape[-2:], h, w))
        return results

    def _postprocess(self, det: Mapping[str, torch.Tensor], model_hw: tuple[int, ...] | torch.Size,
                     h: int, w: int) -> dict[str, np.ndarray]:
        boxes = det["boxes"].detach().float().reshape(-1, 4)
        scores = det["scores"].detach().float().reshape(-1)
        labels = det["labels"].detach().to(torch.int64).reshape(-1)
        keep = scores >= self.score_threshold
        boxes, scores, labels = boxes[keep], scores[keep], labels[keep]
        order = torch.argsort(scores, descending=True, stable=True)[: self.max_detections]
        boxes, scores, labels = boxes[order], scores[order], labels[order]
        mh, mw = int(model_hw[0]), int(model_hw[1])
        if (mh, mw) != (h, w):
            scale = torch.tensor([w / mw, h / mh, w / mw, h / mh], device=boxes.device)
            boxes = boxes * scale
        boxes[:, 0::2] = boxes[:, 0::2].clamp(0.0, float(w))
        boxes[:, 1::2] = boxes[:, 1::2].clamp(0.0, float(h))
        bad = labels[(labels < 0) | (labels >= len(self.class_names))]
        if bad.numel():
            raise ConfigError(str(self.classes_path), "classes",
                              f"the model output label {int(bad[0])}, but the file has "
                              f"{len(self.class_names)} names")
        out = {
            "boxes": np.ascontiguousarray(boxes.cpu().numpy(), dtype=np.float32),
            "scores": np.ascontiguousarray(scores.cpu().numpy(), dtype=np.float32),
            "labels": np.ascontiguousarray(labels.cpu().numpy(), dtype=np.int64),
        }
        if "masks" in det:
            out["masks"] = self._masks(det["masks"], keep, order, h, w)
        if "keypoints" in det:
            out["keypoints"] = self._keypoints(det["keypoints"], keep, order, (mh, mw), h, w)
        return out

    @staticmethod
    def _keypoints(keypoints: torch.Tensor, keep: torch.Tensor, order: torch.Tensor,
                   model_hw: tuple[int, int], h: int, w: int) -> np.ndarray:
        """Keypoints (N x K x 3) of the kept detections, x and y at the input image's scale.

        Not clamped to the image: a point the model puts outside it is where the model put it,
        and OKS measures that distance (torchvision's reference evaluation writes them as is).
        """
        kp = keypoints.detach().float()
        if kp.ndim == 2 and kp.shape[0] > 0:  # N x 3K, flat as results files hold them
            kp = kp.reshape(kp.shape[0], -1, 3)
        kp = kp[keep][order].clone()
        mh, mw = model_hw
        if (mh, mw) != (h, w):
            kp[..., 0] *= w / mw
            kp[..., 1] *= h / mh
        return np.ascontiguousarray(kp.cpu().numpy(), dtype=np.float32)

    def _masks(self, masks: torch.Tensor, keep: torch.Tensor, order: torch.Tensor,
               h: int, w: int) -> np.ndarray:
        """Mask probabilities (N x 1 x mh x mw) of the kept detections as N x h x w bytes."""
        m = masks.detach().float().reshape(-1, 1, *masks.shape[-2:])[keep][order]
        if m.shape[0] == 0:
            return np.zeros((0, h, w), dtype=np.uint8)
        if m.shape[-2:] != (h, w):
            # Resized input: probabilities back at the image's size before thresholding.
            m = torch.nn.functional.interpolate(m, size=(h, w), mode="bilinear",
                                                align_corners=False)
        return np.ascontiguousarray((m[:, 0] > self.mask_threshold).to(torch.uint8).cpu().numpy())


def load(config_path: str) -> Inferencer:
    """Load the model described by the YAML config at ``config_path``.

    Raises :class:`~detection_studio.errors.ConfigError` for any problem in the config or the
    files it names.
    """
    return Inferencer(str(config_path))
