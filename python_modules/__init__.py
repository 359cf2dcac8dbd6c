"""Detection Studio: evaluate and view object detectors.

The C++ core is exposed as ``detection_studio._core``; inferencer modules
(``pytorch_detect`` first) are imported by name by the ``detection-studio`` host.

The Python API (docs/python.md)::

    import detection_studio as ds
    metric = ds.MeanAveragePrecision()        # torchmetrics' MeanAveragePrecision, in C++
    run = ds.score("gt.json", "results.json")  # what `detection-studio score` computes
    run = ds.evaluate("run.yaml", model=fn, class_names=names)  # what `evaluate` computes
    data = ds.load_dataset("dataset.yaml")     # what `check` and `convert` read
    for frame, dets in ds.detect("video.mp4", model=fn, class_names=names): ...  # `detect`

Its names are imported on first use, so importing the package stays light for the host.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from detection_studio.api import Run, evaluate, score
    from detection_studio.dataset import Dataset, load_dataset
    from detection_studio.detect import detect
    from detection_studio.torchmetrics_map import MeanAveragePrecision

__all__ = ["Dataset", "MeanAveragePrecision", "Run", "__version__", "detect", "evaluate", "load_dataset",
           "score"]
__version__ = "0.1.0"

_LAZY = {
    "MeanAveragePrecision": "detection_studio.torchmetrics_map",
    "Run": "detection_studio.api",
    "Dataset": "detection_studio.dataset",
    "load_dataset": "detection_studio.dataset",
    "detect": "detection_studio.detect",
    "evaluate": "detection_studio.api",
    "score": "detection_studio.api",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'detection_studio' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
