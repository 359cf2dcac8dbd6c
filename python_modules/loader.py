"""Finds a model config's inferencer module and calls its ``load(config_path)``.

The C++ host calls :func:`load` with the config's ``module:`` value:

- ``pytorch_detect`` (no dot): ``detection_studio.pytorch_detect``, an installed inferencer;
- ``my_pkg.my_detector`` (dotted): imported as is, from the venv;
- ``./my_detector.py`` (ends in ``.py``): that file, relative to the config's folder, imported
  under a private name (``_detection_studio_user_<stem>_<hash>``) so that it never shadows
  or is shadowed by an installed module, and two configs' ``detector.py`` files stay apart.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from .errors import ConfigError

__all__ = ["import_module", "load"]

_PRIVATE_PREFIX = "_detection_studio_user_"  # top level: no parent package to import


def _is_file(module: str) -> bool:
    return module.endswith(".py") or "/" in module or "\\" in module


def _import_file(config: Path, module: str) -> ModuleType:
    path = Path(module).expanduser()
    if not path.is_absolute():
        path = config.parent / path
    path = path.resolve()
    if not path.is_file():
        raise ConfigError(str(config), "module", f"file not found: {path}")
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    stem = "".join(c if c.isalnum() else "_" for c in path.stem)
    name = f"{_PRIVATE_PREFIX}{stem}_{digest}"
    if name in sys.modules:  # the viewer reloads a config: same file, same module
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(str(config), "module", f"cannot import {path} as a Python module")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # before running it: dataclasses and pickling look it up there
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        del sys.modules[name]
        raise
    return mod


def _trusted(config: Path) -> bool:
    """The config's ``trusted: true`` (top level or under ``model:``)."""
    import yaml

    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return False  # the inferencer reports the file's own problem
    if not isinstance(data, dict):
        return False
    model = data.get("model")
    return data.get("trusted") is True or (isinstance(model, dict) and model.get("trusted") is True)


def import_module(config_path: str, module: str) -> ModuleType:
    """The inferencer module that ``module:`` in the config at ``config_path`` names.

    A dotted name outside ``detection_studio`` imports whatever the environment holds under that
    name and calls its ``load``: it needs ``trusted: true`` in the config. A ``.py`` file beside
    the config is the user's own code and needs nothing.
    """
    config = Path(config_path)
    if _is_file(module):
        return _import_file(config, module)
    if "." in module and module.split(".")[0] != "detection_studio" and not _trusted(config):
        raise ConfigError(str(config), "module",
                          f"{module!r} would import and run code from {module.split('.')[0]!r}; "
                          "only detection_studio's inferencers (or a .py file beside the config) "
                          "are trusted by default: set trusted: true if you trust it")
    name = module if "." in module else f"detection_studio.{module}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        raise ConfigError(str(config), "module", f"cannot import {name!r}: {e}") from e


def load(config_path: str, module: str) -> Any:
    """``module.load(config_path)``: the loaded inferencer object."""
    mod = import_module(config_path, module)
    fn = getattr(mod, "load", None)
    if not callable(fn):
        raise ConfigError(str(config_path), "module",
                          f"{mod.__name__} has no load(config_path) function")
    return fn(config_path)
