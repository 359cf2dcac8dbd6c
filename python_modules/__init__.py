"""Detection Studio: evaluate and view object detectors.

The C++ core is exposed as ``detection_studio._core``; inferencer modules
(``pytorch_detect`` first) are imported by name by the ``detection-studio`` host.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
