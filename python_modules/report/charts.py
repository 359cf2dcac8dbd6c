"""The report's charts: matplotlib figures saved as SVG text to inline in the HTML.

No pyplot (no global figure state, no GUI backend): each chart is a ``Figure`` saved with the
SVG writer. Text stays text (``svg.fonttype: none``) and ids come from a salt per chart, so
the output is small, deterministic, and ids of two charts never collide in one page.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

# Colours that stay apart in print and for the common colour-vision deficiencies (Okabe-Ito).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
           "#000000")

_STYLE: dict[Any, Any] = {
    "svg.fonttype": "none",
    "text.parse_math": False,  # class names are names: "$5 note" is not TeX
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "sans-serif"],
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.labelsize": 8.5,
    "legend.fontsize": 8,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e4e4e4",
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.4,
    "path.simplify": True,
}

_PROLOG = re.compile(r"^\s*<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>\s*)?", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_ID = re.compile(r'(\sid=)"([^"]+)"')
_HREF = re.compile(r'(\s(?:xlink:)?href=)"#([^"]+)"')
_URL = re.compile(r"url\(#([^)]+)\)")


def to_svg(fig: Figure, salt: str) -> str:
    """The figure as an ``<svg>`` element (no XML prolog, no doctype, no metadata)."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"ds-report-{salt}", "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = _METADATA.sub("", _PROLOG.sub("", buf.getvalue(), count=1), count=1)
    # Every id (matplotlib's "figure_1", "axes_1", ... repeat in each chart) and every
    # reference to one gets the chart's prefix: ids stay unique in the page.
    prefix = f"{salt}-"
    svg = _ID.sub(lambda m: f'{m.group(1)}"{prefix}{m.group(2)}"', svg)
    svg = _HREF.sub(lambda m: f'{m.group(1)}"#{prefix}{m.group(2)}"', svg)
    svg = _URL.sub(lambda m: f"url(#{prefix}{m.group(1)})", svg)
    return svg.strip()


def _figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(_STYLE):
        return Figure(figsize=(width, height), layout="constrained")


# Small multiples: panels of a fixed size with fixed margins (inches). Constrained layout would
# do the same and costs a second draw of every panel.
_LEFT, _RIGHT, _TOP, _BOTTOM, _HGAP, _WGAP = 0.5, 0.15, 0.42, 0.42, 0.45, 0.18


def _multiples(n: int, max_cols: int, size: tuple[float, float]) -> tuple[Figure, np.ndarray]:
    rows, cols = _grid(n, max_cols)
    pw, ph = size
    width = _LEFT + _RIGHT + cols * pw + (cols - 1) * _WGAP
    height = _TOP + _BOTTOM + rows * ph + (rows - 1) * _HGAP
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=_LEFT / width, right=1 - _RIGHT / width, top=1 - _TOP / height,
                        bottom=_BOTTOM / height, wspace=_WGAP / pw, hspace=_HGAP / ph)
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True)
    return fig, axes


def _clean(values: Sequence[float | None]) -> np.ndarray:
    """Floats with "no data" (None, negative) as NaN, so lines break there."""
    a = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    a[a < 0] = np.nan
    return a


P = TypeVar("P")


def _grid(n: int, max_cols: int = 5) -> tuple[int, int]:
    cols = max(1, min(max_cols, n))
    return math.ceil(n / cols), cols


@dataclass(frozen=True)
class CurvePanel:
    title: str
    series: Sequence[tuple[str, Sequence[float | None]]]  # (label, y at each x)


def _panels(panels: Sequence[P], draw: Callable[[Axes, P], None], title: Callable[[P], str],
            xlabel: str, ylabel: str, legend_cols: int, salt: str, max_cols: int = 5,
            panel_size: tuple[float, float] = (2.0, 1.6)) -> str:
    """Small multiples on unit axes: `draw` fills one panel; labels on the outer panels only,
    one legend (the first panel's) above them all."""
    rows, cols = _grid(len(panels), max_cols)
    # Few panels: wide enough for the legend's entries side by side above them.
    pw, ph = panel_size
    pw = max(pw, 1.35 * legend_cols / cols)
    fig, axes = _multiples(len(panels), max_cols, (pw, ph))
    for idx, ax in enumerate(axes.flat):
        if idx >= len(panels):
            ax.set_visible(False)
            continue
        draw(ax, panels[idx])
        _unit_axes(ax)
        ax.set_title(title(panels[idx]), loc="left")
        if idx % cols == 0:
            ax.set_ylabel(ylabel)
        if idx >= (rows - 1) * cols or idx + cols >= len(panels):
            ax.set_xlabel(xlabel)
            ax.tick_params(labelbottom=True)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncols=legend_cols, frameon=False,
               bbox_to_anchor=(0.5, 1.0))
    return to_svg(fig, salt)


def curves(x: Sequence[float], panels: Sequence[CurvePanel], xlabel: str, ylabel: str,
           salt: str) -> str:
    """One small panel per class, each series a line (the last one dashed when there are
    three or more: a mean of the others, as COCO's over IoU thresholds)."""
    xs = np.asarray(x, dtype=float)
    n = max((len(p.series) for p in panels), default=1)

    def draw(ax: Axes, p: CurvePanel) -> None:
        for i, (label, values) in enumerate(p.series):
            style = "--" if n >= 3 and i == n - 1 else "-"
            ax.plot(xs, _clean(values), color=PALETTE[i % len(PALETTE)], linestyle=style,
                    label=label)

    with matplotlib.rc_context(_STYLE):
        return _panels(panels, draw, lambda p: p.title, xlabel, ylabel, max(n, 1), salt)


@dataclass(frozen=True)
class ThresholdPanel:
    title: str
    precision: Sequence[float | None]
    recall: Sequence[float | None]
    f1: Sequence[float | None]
    best_score: float | None
    best_f1: float | None


def thresholds(grid: Sequence[float], panels: Sequence[ThresholdPanel], salt: str,
               max_cols: int = 5, panel_size: tuple[float, float] = (2.0, 1.6)) -> str:
    """Precision, recall and F1 against the score threshold; the best F1 marked."""
    x = np.asarray(grid, dtype=float)

    def draw(ax: Axes, p: ThresholdPanel) -> None:
        ax.plot(x, _clean(p.precision), color=PALETTE[0], label="precision")
        ax.plot(x, _clean(p.recall), color=PALETTE[1], label="recall")
        ax.plot(x, _clean(p.f1), color=PALETTE[2], label="F1", linewidth=1.8)
        if p.best_score is not None and p.best_f1 is not None:
            ax.axvline(p.best_score, color="#888888", linewidth=0.8, linestyle=":")
            ax.plot([p.best_score], [p.best_f1], marker="o", color=PALETTE[2],
                    markersize=5, label="best F1", linestyle="none")
            ha = "left" if p.best_score < 0.6 else "right"
            dx = 0.03 if ha == "left" else -0.03
            ax.annotate(f"F1 {p.best_f1:.3f} @ {p.best_score:.2f}",
                        (p.best_score + dx, 0.06), ha=ha, fontsize=7.5)

    with matplotlib.rc_context(_STYLE):
        return _panels(panels, draw, lambda p: p.title, "score threshold", "value", 4, salt,
                       max_cols, panel_size)


def confusion(labels: Sequence[str], counts: Sequence[Sequence[float]],
              normalized: Sequence[Sequence[float | None] | None], salt: str) -> str:
    """Heatmap of the rows normalised per ground-truth class, the counts written in the cells."""
    k = len(labels)
    with matplotlib.rc_context(_STYLE):
        side = min(max(3.2, 0.42 * k + 1.6), 14.0)
        fig = _figure(side + 0.9, side)
        ax = fig.subplots()
        norm = np.array([[np.nan] * k if row is None else
                         [np.nan if v is None else float(v) for v in row] for row in normalized],
                        dtype=float)
        image = ax.imshow(norm, cmap="Blues", vmin=0.0, vmax=1.0, aspect="equal",
                          interpolation="nearest")
        ax.grid(False)
        ax.set_xticks(range(k), labels=list(labels), rotation=60, ha="right",
                      rotation_mode="anchor")
        ax.set_yticks(range(k), labels=list(labels))
        ax.set_xlabel("predicted class")
        ax.set_ylabel("ground-truth class")
        ax.tick_params(length=0)
        ax.spines[:].set_visible(False)
        if k <= 25:
            size = 7.5 if k <= 12 else 6
            for i in range(k):
                for j in range(k):
                    c = counts[i][j]
                    if not c:
                        continue
                    v = norm[i, j]
                    colour = "white" if not np.isnan(v) and v > 0.55 else "#222222"
                    ax.text(j, i, f"{int(c)}", ha="center", va="center", fontsize=size,
                            color=colour)
        bar = fig.colorbar(image, ax=ax, shrink=0.8)
        bar.set_label("share of the row")
        return to_svg(fig, salt)


TIDE_MAIN = ("Cls", "Loc", "Both", "Dupe", "Bkg", "Miss")
TIDE_SPECIAL = ("FalsePos", "FalseNeg")


def tide(main: dict[str, float], special: dict[str, float], salt: str) -> str:
    """Horizontal bars: dAP of each error type (main) and of all false positives / negatives."""
    with matplotlib.rc_context(_STYLE):
        fig = _figure(7.2, 2.6)
        left, right = fig.subplots(1, 2, width_ratios=[3, 2])
        _bars(left, main, TIDE_MAIN, "main errors", PALETTE[:6])
        _bars(right, special, TIDE_SPECIAL, "special", (PALETTE[1], PALETTE[0]))
        return to_svg(fig, salt)


def _bars(ax: Axes, values: dict[str, float], order: Sequence[str], title: str,
          colours: Sequence[str]) -> None:
    names = [n for n in order if n in values] + [n for n in values if n not in order]
    data = [float(values[n]) if values[n] is not None else 0.0 for n in names]
    y = np.arange(len(names))
    ax.barh(y, data, color=[colours[i % len(colours)] for i in range(len(names))], height=0.62)
    ax.set_yticks(y, labels=names)
    ax.invert_yaxis()
    ax.set_xlabel("dAP (AP points)")
    ax.set_title(title, loc="left")
    ax.grid(axis="y", visible=False)
    top = max([*data, 0.0])
    ax.set_xlim(0, top * 1.25 if top > 0 else 1.0)
    for yi, v in enumerate(data):
        ax.text(v + (top * 0.02 if top > 0 else 0.02), yi, f"{v:.2f}", va="center", fontsize=7.5)


@dataclass(frozen=True)
class Bin:
    lower: float
    upper: float
    confidence: float
    accuracy: float
    count: int


def reliability(bins: Sequence[Bin], salt: str) -> str:
    """A reliability diagram: each non-empty bin's accuracy as a bar over its score range, the
    diagonal a perfectly calibrated model would follow, and how many detections each bin holds
    (a gap in a bin of three detections means little)."""
    with matplotlib.rc_context(_STYLE):
        fig = _figure(7.2, 3.0)
        acc_ax, count_ax = fig.subplots(1, 2, width_ratios=[3, 2])
        full = [b for b in bins if b.count > 0]
        lefts = np.array([b.lower for b in full], dtype=float)
        widths = np.array([b.upper - b.lower for b in full], dtype=float)
        acc_ax.bar(lefts, [b.accuracy for b in full], width=widths, align="edge",
                   color=PALETTE[0], edgecolor="white", linewidth=0.6, label="accuracy")
        # the gap to the bin's mean score, what ECE weighs: hatched, so it shows over the bar
        # (under-confident) as well as above it (over-confident)
        acc_ax.bar(lefts, [b.confidence - b.accuracy for b in full], width=widths,
                   bottom=[b.accuracy for b in full], align="edge", color="none", hatch="////",
                   edgecolor=PALETTE[1], linewidth=0.6, label="gap to mean score")
        acc_ax.plot([0, 1], [0, 1], color="#444444", linestyle="--", linewidth=0.9,
                    label="calibrated")
        _unit_axes(acc_ax)
        acc_ax.set_xlabel("score")
        acc_ax.set_ylabel("accuracy (share right)")
        acc_ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3, frameon=False)
        counts = [b.count for b in bins]
        count_ax.bar([b.lower for b in bins], counts, width=[b.upper - b.lower for b in bins],
                     align="edge", color="#888888", edgecolor="white", linewidth=0.6)
        count_ax.set_xlim(0.0, 1.0)
        count_ax.set_xlabel("score")
        count_ax.set_ylabel("detections")
        count_ax.set_title("detections per bin", loc="left")
        return to_svg(fig, salt)


@dataclass(frozen=True)
class Series:
    label: str
    x: Sequence[float]
    y: Sequence[float | None]


def overlay(series: Sequence[Series], xlabel: str, ylabel: str, salt: str,
            title: str = "") -> str:
    """Several curves on one unit-square axes (PR curves of several models)."""
    with matplotlib.rc_context(_STYLE):
        fig = _figure(5.6, 3.8)
        ax = fig.subplots()
        for i, s in enumerate(series):
            style = "-" if i < len(PALETTE) else "--"
            # a label starting with "_" would be left out of the legend
            label = " " + s.label if s.label.startswith("_") else s.label
            ax.plot(np.asarray(s.x, dtype=float), _clean(s.y), color=PALETTE[i % len(PALETTE)],
                    linestyle=style, label=label)
        _unit_axes(ax)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title, loc="left")
        ax.legend(loc="lower left", frameon=False)
        return to_svg(fig, salt)


@dataclass(frozen=True)
class Difference:
    label: str
    mean: float
    low: float | None
    high: float | None


def differences(rows: Sequence[Difference], metric: str, baseline: str, salt: str) -> str:
    """Each run's difference to the baseline, with its confidence interval as an error bar."""
    with matplotlib.rc_context(_STYLE):
        fig = _figure(5.6, 0.55 * len(rows) + 1.3)
        ax = fig.subplots()
        y = np.arange(len(rows))
        means = np.array([r.mean for r in rows], dtype=float)
        lo = np.array([r.mean - r.low if r.low is not None else 0.0 for r in rows])
        hi = np.array([r.high - r.mean if r.high is not None else 0.0 for r in rows])
        colours = [PALETTE[2] if r.low is not None and r.low > 0 else
                   PALETTE[1] if r.high is not None and r.high < 0 else "#666666" for r in rows]
        ax.axvline(0.0, color="#444444", linewidth=0.8)
        for i in range(len(rows)):
            ax.errorbar(means[i], y[i], xerr=[[lo[i]], [hi[i]]], fmt="o", color=colours[i],
                        capsize=4, markersize=5)
        ax.set_yticks(y, labels=[r.label for r in rows])
        ax.invert_yaxis()
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(f"{metric} difference to {baseline}")
        return to_svg(fig, salt)


def _unit_axes(ax: Axes) -> None:
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.02)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], labels=["0", ".25", ".5", ".75", "1"])
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0], labels=["0", ".25", ".5", ".75", "1"])
