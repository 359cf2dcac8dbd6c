"""The report's HTML: one page, every style, script, chart and picture inline.

``single_run`` and ``comparison`` return the whole document as a string; each section reads
only its own part of metrics.json and, when that part is absent, says so in one line.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from . import charts
from .assets import CSS, JS
from .schema import COCO_NAMES, picture_type

Run = dict[str, Any]

# At most this many classes get their own panel of PR / threshold curves.
MAX_PANELS = 24

COCO_DESCRIPTIONS = (
    "AP @ IoU 0.50:0.95, all areas, 100 detections",
    "AP @ IoU 0.50",
    "AP @ IoU 0.75",
    "AP small (area < 32²)",
    "AP medium (32² – 96²)",
    "AP large (area > 96²)",
    "AR, 1 detection per image",
    "AR, 10 detections per image",
    "AR, 100 detections per image",
    "AR small",
    "AR medium",
    "AR large",
)

PER_CLASS_METRICS = (("AP", "AP"), ("AP50", "AP50"), ("AP75", "AP75"), ("APs", "APs"),
                     ("APm", "APm"), ("APl", "APl"), ("AR", "AR100"))


# ---------------------------------------------------------------------------------------------
# small helpers

def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _real(v: Any) -> float | None:
    """A number that is data: None, NaN, infinities and the -1 "no data" marker are not."""
    if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    f = float(v)
    if math.isnan(f) or math.isinf(f) or f < 0:
        return None
    return f


def _num(v: Any) -> float | None:
    """Like _real, but negative numbers are data (differences)."""
    if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    f = float(v)
    return None if math.isnan(f) or math.isinf(f) else f


def fmt(v: Any, digits: int = 3, signed: bool = False) -> str:
    f = _num(v) if signed else _real(v)
    if f is None:
        return "–"
    return f"{f:+.{digits}f}" if signed else f"{f:.{digits}f}"


def fmt_int(v: Any) -> str:
    f = _real(v)
    return "–" if f is None else f"{int(f):,}".replace(",", " ")


def td(v: Any, digits: int = 3, signed: bool = False, cls: str = "") -> str:
    f = _num(v) if signed else _real(v)
    attr = f' class="{cls}"' if cls else ""
    if f is None:
        return f'<td data-v=""{attr}>–</td>'
    return f'<td data-v="{f!r}"{attr}>{fmt(f, digits, signed)}</td>'


def td_int(v: Any) -> str:
    f = _real(v)
    if f is None:
        return '<td data-v="">–</td>'
    return f'<td data-v="{int(f)}">{fmt_int(f)}</td>'


def td_text(s: object) -> str:
    return f'<td class="text">{esc(s)}</td>'


def table(headers: Sequence[str], rows: Iterable[str], sortable: bool = True,
          text_columns: int = 1, table_id: str = "") -> str:
    heads = "".join(f'<th class="text">{esc(h)}</th>' if i < text_columns else
                    f"<th>{esc(h)}</th>" for i, h in enumerate(headers))
    cls = ' class="sortable"' if sortable else ""
    ident = f' id="{esc(table_id)}"' if table_id else ""
    body = "\n".join(rows)
    return (f'<div class="scroll"><table{cls}{ident}><thead><tr>{heads}</tr></thead>\n'
            f"<tbody>\n{body}\n</tbody></table></div>")


def section(ident: str, title: str, body: str) -> str:
    return f'<section id="{ident}">\n<h2>{esc(title)}</h2>\n{body}\n</section>'


def absent(text: str) -> str:
    return f'<p class="absent">{esc(text)}</p>'


def note(text: str) -> str:
    return f'<p class="note">{text}</p>'


def figure(chart: str, svg: str, caption: str = "") -> str:
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure class="chart" data-chart="{esc(chart)}">\n{svg}\n{cap}</figure>'


def run_label(run: Run, index: int) -> str:
    for key in ("model", "model_config", "config", "results"):
        value = run.get(key)
        if isinstance(value, str) and value:
            return os.path.basename(value) if key != "model" else value
    return f"run {index + 1}"


def run_labels(runs: Sequence[Run]) -> list[str]:
    """One label per run, made unique (#2, #3 ...) when models share a name."""
    labels = [run_label(r, i) for i, r in enumerate(runs)]
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if labels.count(label) == 1 else f"{label} #{seen[label]}")
    return out


def coco_stats(run: Run) -> list[float | None] | None:
    stats = run.get("coco_stats")
    if isinstance(stats, list) and len(stats) == 12:
        return [_real(v) for v in stats]
    if any(name in run for name in COCO_NAMES):
        return [_real(run.get(name)) for name in COCO_NAMES]
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _class_key(c: dict[str, Any]) -> object:
    return c.get("category_id", c.get("name"))


def _by_class(items: Any) -> dict[object, dict[str, Any]]:
    if not isinstance(items, list):
        return {}
    return {_class_key(c): c for c in items if isinstance(c, dict)}


def class_rows(run: Run) -> list[dict[str, Any]]:
    """Per class, the union of per_class, thresholds.classes and pr_curves.classes.

    Each row has ``key``, ``name``, ``gt``, ``detections`` and what each part gave:
    ``coco`` (the per_class entry), ``thresholds`` and ``pr``. Order: per_class's, then the
    classes only the other parts have.
    """
    parts = {
        "coco": _by_class(run.get("per_class")),
        "thresholds": _by_class((run.get("thresholds") or {}).get("classes")),
        "pr": _by_class((run.get("pr_curves") or {}).get("classes")),
    }
    order: list[object] = []
    for part in parts.values():
        order += [k for k in part if k not in order]
    rows = []
    for key in order:
        row: dict[str, Any] = {"key": key}
        for name, part in parts.items():
            row[name] = part.get(key)
        found = [p for p in (row["coco"], row["thresholds"], row["pr"]) if p]
        row["name"] = next((p["name"] for p in found if "name" in p), str(key))
        row["gt"] = next((p["gt"] for p in found if _real(p.get("gt")) is not None), None)
        row["detections"] = next(
            (p["detections"] for p in found if _real(p.get("detections")) is not None), None)
        rows.append(row)
    return rows


def capped(rows: list[dict[str, Any]], what: str) -> tuple[list[dict[str, Any]], str]:
    """All rows when there are few; else the MAX_PANELS with the most ground truth, and a note."""
    if len(rows) <= MAX_PANELS:
        return rows, ""
    chosen = sorted(rows, key=lambda r: -(_real(r["gt"]) or 0.0))[:MAX_PANELS]
    return chosen, (f"{what} of the {MAX_PANELS} classes with the most ground truth "
                    f"(of {len(rows)}), most first.")


def page(title: str, subtitle: str, sections: Sequence[tuple[str, str, str]]) -> str:
    nav = "".join(f'<a href="#{ident}">{esc(name)}</a>' for ident, name, _ in sections)
    body = "\n".join(s for _, _, s in sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="detection_studio.report">
<title>{esc(title)}</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>{esc(title)}</h1>
<p>{subtitle}</p>
<nav>{nav}</nav>
</header>
<main>
{body}
</main>
<script>{JS}</script>
</body>
</html>
"""


# ---------------------------------------------------------------------------------------------
# the single-run sections

def summary_section(run: Run) -> str:
    parts = []
    cards = []
    stats = coco_stats(run)
    if stats is not None:
        for name, i in (("AP", 0), ("AP50", 1), ("AP75", 2), ("AR100", 8)):
            cards.append((fmt(stats[i]), name))
    best = ((run.get("thresholds") or {}).get("overall") or {}).get("best")
    if best:
        cards.append((fmt(best.get("f1")), f"best F1 (score ≥ {fmt(best.get('score'), 2)})"))
    for key in ("voc", "voc07"):
        voc = run.get(key)
        if isinstance(voc, dict) and "mAP" in voc:
            cards.append((fmt(voc["mAP"]), f"VOC mAP ({voc.get('interpolation', key)})"))
    cards.append((fmt_int(run.get("images")), "images"))
    cards.append((fmt_int(run.get("detections")), "detections"))
    parts.append('<div class="cards">' + "".join(
        f'<div class="card"><div class="v">{esc(v)}</div><div class="k">{esc(k)}</div></div>'
        for v, k in cards) + "</div>")
    facts = [("model", run.get("model")), ("dataset", run.get("dataset")),
             ("ground truth", run.get("ground_truth")), ("results", run.get("results"))]
    parts.append(_facts(facts))
    if stats is None:
        parts.append(absent("No COCO metrics in this run (no coco_stats: e.g. a VOC-only run)."))
    else:
        rows = (f'<tr>{td_text(name)}{td_text(desc)}{td(v)}</tr>'
                for name, desc, v in zip(COCO_NAMES, COCO_DESCRIPTIONS, stats))
        parts.append("<h3>COCO bbox metrics</h3>")
        parts.append(table(["metric", "what", "value"], rows, sortable=False, text_columns=2))
        if any(v is None for v in stats):
            parts.append(note("– : no data (no ground truth in that area range)."))
    return section("summary", "Summary", "\n".join(parts))


def _facts(items: Sequence[tuple[str, Any]]) -> str:
    shown = [(k, v) for k, v in items if v is not None and v != ""]
    if not shown:
        return ""
    return ('<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>"
                                            for k, v in shown) + "</dl>")


def per_class_section(run: Run) -> str:
    rows = class_rows(run)
    if not rows:
        return section("per-class", "Per class",
                       absent("No per-class results in this run (no per_class or thresholds)."))
    def best(r: dict[str, Any]) -> dict[str, Any]:
        return (r["thresholds"] or {}).get("best") or {}

    # (header, value of a row, digits; None: an integer count)
    def coco(key: str) -> Callable[[dict[str, Any]], Any]:
        return lambda r: (r["coco"] or {}).get(key)

    columns: list[tuple[str, Callable[[dict[str, Any]], Any], int | None]] = [
        (header, coco(key), 3) for key, header in PER_CLASS_METRICS]
    columns += [("best-F1 score", lambda r: best(r).get("score"), 2),
                ("P there", lambda r: best(r).get("precision"), 3),
                ("R there", lambda r: best(r).get("recall"), 3),
                ("F1", lambda r: best(r).get("f1"), 3),
                ("GT", lambda r: r["gt"], None), ("detections", lambda r: r["detections"], None)]
    shown = [c for c in columns if any(_real(c[1](r)) is not None for r in rows)]
    lines = []
    for r in rows:
        cells = [td_text(r["name"])]
        cells += [td_int(get(r)) if digits is None else td(get(r), digits)
                  for _, get, digits in shown]
        lines.append("<tr>" + "".join(cells) + "</tr>")
    iou = (run.get("thresholds") or {}).get("iou", 0.5)
    left_out = [header for header, _, _ in columns if all(header != h for h, _, _ in shown)]
    text = "Click a column to sort; – : no data."
    if run.get("thresholds"):
        text += f" Best-F1 threshold, P and R at IoU {fmt(iou, 2)}."
    if left_out:
        text += " No data in this run for: " + ", ".join(left_out) + "."
    body = [note(esc(text)),
            table(["class", *(h for h, _, _ in shown)], lines, table_id="per-class-table")]
    if not run.get("per_class"):
        body.insert(0, absent("No COCO per-class metrics in this run; thresholds only."))
    return section("per-class", "Per class", "\n".join(body))


def pr_section(run: Run) -> str:
    pr = run.get("pr_curves")
    if not isinstance(pr, dict) or not pr.get("classes") or not pr.get("recall_thresholds"):
        return section("pr-curves", "Precision–recall curves",
                       absent("No PR curves in this run (no pr_curves)."))
    rows = [r for r in class_rows(run) if r["pr"]]
    rows, cap_note = capped(rows, "Curves")
    panels = [charts.PrPanel(
        title=_panel_title(r["name"], (r["coco"] or {}).get("AP"), "AP"),
        precision_iou50=r["pr"].get("precision_iou50"),
        precision_iou75=r["pr"].get("precision_iou75"),
        precision_mean=r["pr"].get("precision_mean")) for r in rows]
    svg = charts.pr_curves(pr["recall_thresholds"], panels, "pr-curves")
    caption = ("Interpolated precision at 101 recall points (COCO), 100 detections per image, "
               "all areas; mean = averaged over IoU 0.50:0.95. " + cap_note)
    return section("pr-curves", "Precision–recall curves",
                   figure("pr-curves", svg, esc(caption.strip())))


def _panel_title(name: str, value: Any, label: str) -> str:
    short = name if len(name) <= 22 else name[:21] + "…"
    v = _real(value)
    return short if v is None else f"{short}  {label} {v:.3f}"


def threshold_section(run: Run) -> str:
    th = run.get("thresholds")
    title = "Precision, recall and F1 against the score threshold"
    if not isinstance(th, dict) or not th.get("score_grid"):
        return section("thresholds", title,
                       absent("No threshold analysis in this run (no thresholds)."))
    grid = th["score_grid"]
    iou = fmt(th.get("iou", 0.5), 2)
    body = [note(f"Detections with score ≥ threshold, matched at IoU {iou}; computed from the "
                 "raw (not interpolated) precision and recall.")]
    overall = th.get("overall")
    if isinstance(overall, dict) and all(k in overall for k in ("precision", "recall", "f1")):
        best = overall.get("best") or {}
        panel = charts.ThresholdPanel("", overall["precision"], overall["recall"],
                                      overall["f1"], _num(best.get("score")),
                                      _num(best.get("f1")))
        svg = charts.thresholds(grid, [panel], "threshold-overall", max_cols=1,
                                panel_size=(5.0, 2.8))
        if best:
            caption = (f"Best F1 {fmt(best.get('f1'))} at score ≥ {fmt(best.get('score'), 2)}: "
                       f"precision {fmt(best.get('precision'))}, "
                       f"recall {fmt(best.get('recall'))}.")
        else:
            caption = "No best-F1 threshold (no detections)."
        body.append("<h3>All classes</h3>")
        body.append(figure("threshold-overall", svg, esc(caption)))
    else:
        body.append(absent("No overall curves (thresholds.overall is absent)."))
    rows = [r for r in class_rows(run) if r["thresholds"] and
            all(k in r["thresholds"] for k in ("precision", "recall", "f1"))]
    if rows:
        rows, cap_note = capped(rows, "Curves")
        panels = []
        for r in rows:
            t = r["thresholds"]
            best = t.get("best") or {}
            panels.append(charts.ThresholdPanel(r["name"], t["precision"], t["recall"], t["f1"],
                                                _num(best.get("score")), _num(best.get("f1"))))
        svg = charts.thresholds(grid, panels, "threshold-classes")
        body.append("<h3>Per class</h3>")
        body.append(figure("threshold-classes", svg, esc(cap_note)))
    else:
        body.append(absent("No per-class curves (thresholds.classes is absent)."))
    return section("thresholds", title, "\n".join(body))


def confusion_section(run: Run) -> str:
    conf = run.get("confusion")
    title = "Confusion matrix"
    if not isinstance(conf, dict) or not conf.get("counts"):
        return section("confusion", title, absent("No confusion matrix in this run."))
    counts = conf["counts"]
    k = len(counts)
    labels = conf.get("labels") or [str(i) for i in range(k)]
    normalized = conf.get("normalized")
    if normalized is None:
        normalized = []
        for row in counts:
            total = sum(v for v in row if v)
            normalized.append(None if not total else [(v or 0) / total for v in row])
    svg = charts.confusion(labels, counts, normalized, "confusion")
    caption = (f"IoU {fmt(conf.get('iou', 0.5), 2)}, score ≥ "
               f"{fmt(conf.get('score_threshold'), 2)}; one-to-one greedy matching by score. "
               "Rows: ground-truth class (last: background, detections that match no ground "
               "truth); columns: predicted class (last: background, ground truth not "
               "detected). Colour: fraction of the row; numbers: counts.")
    if k > 25:
        caption += f" Counts are not written in the cells ({k} labels)."
    body = [figure("confusion", svg, esc(caption))]
    confused = sorted(((counts[i][j], labels[i], labels[j]) for i in range(k - 1)
                       for j in range(k - 1) if i != j and counts[i][j]),
                      key=lambda t: (-t[0], t[1], t[2]))[:8]
    if confused:
        body.append(note("Most confused (ground truth → predicted): " + ", ".join(
            f"{esc(a)} → {esc(b)} ({int(n)})" for n, a, b in confused) + "."))
    return section("confusion", title, "\n".join(body))


def tide_section(run: Run) -> str:
    tide = run.get("tide")
    title = "TIDE errors"
    if not isinstance(tide, dict) or not (tide.get("main") or tide.get("special")):
        return section("tide", title, absent("No TIDE analysis in this run."))
    main = tide.get("main") or {}
    special = tide.get("special") or {}
    svg = charts.tide(main, special, "tide")
    base = f" Base mAP (IoU 0.5): {fmt(tide.get('ap50'), 2)}." if "ap50" in tide else ""
    caption = ("dAP: how many AP points (0–100) fixing that error type alone would add "
               "(Bolya et al., ECCV 2020; tidecv's definitions)." + base)
    counts = tide.get("counts") or {}
    rows = [f"<tr>{td_text(name)}{td(main.get(name), 2)}{td_int(counts.get(name))}</tr>"
            for name in [*charts.TIDE_MAIN, *(n for n in main if n not in charts.TIDE_MAIN)]
            if name in main or name in counts]
    rows += [f"<tr>{td_text(name)}{td(special.get(name), 2)}{td_int(None)}</tr>"
             for name in special]
    what = {"Cls": "right box, wrong class", "Loc": "right class, box IoU 0.1–0.5",
            "Both": "wrong class and box IoU 0.1–0.5", "Dupe": "a duplicate of a true positive",
            "Bkg": "a detection on background", "Miss": "ground truth never detected"}
    legend = "; ".join(f"<b>{n}</b>: {w}" for n, w in what.items())
    body = [figure("tide", svg, esc(caption)), note(legend),
            table(["error", "dAP", "count"], rows, sortable=True, table_id="tide-table")]
    return section("tide", title, "\n".join(body))


def gallery_section(run: Run, gallery: Sequence[dict[str, Any]] | None) -> str:
    title = "Worst images"
    per_image = run.get("per_image") if isinstance(run.get("per_image"), dict) else None
    where = ""
    if per_image:
        where = (f" at IoU {fmt(per_image.get('iou', 0.5), 2)}, score ≥ "
                 f"{fmt(per_image.get('score_threshold'), 2)}")
    if gallery:
        items = []
        for g in gallery:
            data = "".join(g["jpeg_base64"].split())
            mime = picture_type(data)
            name = g.get("file_name", str(g.get("image_id", "")))
            counts = (f'<span class="tp">TP {fmt_int(g.get("tp"))}</span> · '
                      f'<span class="fp">FP {fmt_int(g.get("fp"))}</span> · '
                      f'<span class="fn">FN {fmt_int(g.get("fn"))}</span>')
            items.append(f'<figure><img src="data:{mime};base64,{data}" alt="{esc(name)}">'
                         f'<figcaption><span class="name">{esc(name)}</span>{counts}'
                         "</figcaption></figure>")
        body = [note(f"The images with the most errors (false positives + misses){where}, "
                     "most first; drawn as <code>render</code> draws them."),
                '<div class="gallery">' + "\n".join(items) + "</div>"]
        return section("gallery", title, "\n".join(body))
    images = (per_image or {}).get("images") or []
    worst = (per_image or {}).get("worst") or []
    if not images:
        return section("gallery", title, absent("No per-image results in this run."))
    by_id = {im.get("image_id"): im for im in images}
    order = [by_id[i] for i in worst if i in by_id] or sorted(
        images, key=lambda im: -((im.get("fp") or 0) + (im.get("fn") or 0)))
    rows = [f"<tr>{td_text(im.get('file_name', im.get('image_id')))}{td_int(im.get('tp'))}"
            f"{td_int(im.get('fp'))}{td_int(im.get('fn'))}"
            f"{td_int((im.get('fp') or 0) + (im.get('fn') or 0))}</tr>" for im in order[:30]]
    body = [absent("No pictures saved with this run (no gallery); the worst images by count:"),
            table(["image", "TP", "FP", "FN", "errors"], rows, table_id="worst-table")]
    return section("gallery", title, "\n".join(body))


TIME_KEYS = (("decode_seconds", "decode"), ("model_seconds", "model"),
             ("postprocess_seconds", "post-processing"), ("scoring_seconds", "scoring"))


def speed(run: Run) -> dict[str, float | None]:
    t = _dict(run.get("timings"))
    frames = _real(t.get("frames")) or _real(run.get("images"))
    wall = _real(t.get("wall_seconds"))
    fps = _real(t.get("frames_per_second"))
    if fps is None and wall and frames:
        fps = frames / wall
    return {
        "images_per_second": fps,
        "steady_images_per_second": _real(t.get("steady_frames_per_second")),
        "model_ms_per_image": _real(t.get("model_ms_per_frame")),
        "ms_per_image": 1000.0 * wall / frames if wall and frames else None,
        "wall_seconds": wall,
    }


def facts_section(run: Run) -> str:
    title = "Run facts"
    body = []
    facts = [("model", run.get("model")), ("model config", run.get("model_config")),
             ("run config", run.get("config")), ("dataset", run.get("dataset")),
             ("ground truth", run.get("ground_truth")), ("results", run.get("results")),
             ("images", fmt_int(run.get("images")) if "images" in run else None),
             ("detections", fmt_int(run.get("detections")) if "detections" in run else None)]
    body.append(_facts(facts) or absent("No run facts (model, dataset) in this run."))
    timings = run.get("timings")
    if isinstance(timings, dict) and timings:
        s = speed(run)
        rows = [("images per second", fmt(s["images_per_second"], 1)),
                ("images per second, steady (after the first batch)",
                 fmt(s["steady_images_per_second"], 1)),
                ("ms per image, whole run", fmt(s["ms_per_image"], 1)),
                ("ms per image, model only", fmt(s["model_ms_per_image"], 1)),
                ("wall time (s)", fmt(s["wall_seconds"], 2))]
        known = {k for k, _ in TIME_KEYS} | {"wall_seconds"}
        stages = [(label, timings.get(k)) for k, label in TIME_KEYS if k in timings]
        stages += [(k[: -len("_seconds")].replace("_", " "), v) for k, v in timings.items()
                   if k.endswith("_seconds") and k not in known]
        rows += [(f"time in {label} (s)", fmt(v, 2)) for label, v in stages]
        if "evaluation_seconds" in run:  # after the run: the metrics and analyses themselves
            rows.append(("time computing metrics and analyses (s)",
                         fmt(_real(run.get("evaluation_seconds")), 2)))
        body.append("<h3>Speed</h3>")
        body.append(table(["", "value"], (f"<tr>{td_text(k)}<td>{esc(v)}</td></tr>"
                                          for k, v in rows), sortable=False))
    else:
        body.append(absent("No timings in this run (e.g. a score run: no model was run)."))
    versions = run.get("versions")
    if isinstance(versions, dict) and versions:
        body.append("<h3>Versions</h3>")
        body.append(_facts(sorted(versions.items())))
    else:
        body.append(absent("No versions recorded in this run."))
    skipped = run.get("skipped_images")
    if skipped:
        body.append(note(f"{len(skipped)} image(s) skipped (--skip-bad): " +
                         esc(", ".join(skipped[:20])) + (" …" if len(skipped) > 20 else "")))
    return section("facts", title, "\n".join(body))


SINGLE_SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"), ("per-class", "Per class"), ("pr-curves", "PR curves"),
    ("thresholds", "Thresholds"), ("confusion", "Confusion"), ("tide", "TIDE"),
    ("gallery", "Worst images"), ("facts", "Run facts"))


def single_run(run: Run, gallery: Sequence[dict[str, Any]] | None = None) -> str:
    builders: dict[str, Callable[[], str]] = {
        "summary": lambda: summary_section(run),
        "per-class": lambda: per_class_section(run),
        "pr-curves": lambda: pr_section(run),
        "thresholds": lambda: threshold_section(run),
        "confusion": lambda: confusion_section(run),
        "tide": lambda: tide_section(run),
        "gallery": lambda: gallery_section(run, gallery),
        "facts": lambda: facts_section(run),
    }
    sections = [(ident, name, builders[ident]()) for ident, name in SINGLE_SECTIONS]
    label = run_label(run, 0)
    dataset = run.get("dataset") or run.get("ground_truth")
    title = f"Detection Studio report: {label}"
    subtitle = esc(f"{label} on {dataset}" if dataset else label)
    return page(title, subtitle, sections)


# ---------------------------------------------------------------------------------------------
# the comparison sections

def _best(run: Run) -> dict[str, Any]:
    return ((run.get("thresholds") or {}).get("overall") or {}).get("best") or {}


def runs_section(runs: Sequence[Run], labels: Sequence[str], baseline: int | None) -> str:
    rows = []
    for i, (run, label) in enumerate(zip(runs, labels)):
        stats = coco_stats(run) or [None] * 12
        best = _best(run)
        s = speed(run)
        name = label + (" (baseline)" if i == baseline else "")
        cells = [td_text(name), td_text(run.get("dataset", "–"))]
        cells += [td(v) for v in stats]
        cells += [td(best.get("score"), 2), td(best.get("precision")), td(best.get("recall")),
                  td(s["images_per_second"], 1), td(s["ms_per_image"], 1)]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    headers = ["model", "dataset", *COCO_NAMES, "best-F1 score", "P there", "R there",
               "images/s", "ms/image"]
    body = [note("One row per run; click a column to sort. – : no data."),
            table(headers, rows, text_columns=2, table_id="runs-table")]
    return section("runs", "Runs", "\n".join(body))


def mean_precision(run: Run, name: str = "precision_iou50") -> list[float | None] | None:
    """The mean over classes (those with ground truth) at each recall point."""
    pr = run.get("pr_curves")
    if not isinstance(pr, dict) or not pr.get("classes") or not pr.get("recall_thresholds"):
        return None
    curves = [c[name] for c in pr["classes"] if isinstance(c.get(name), list)]
    if not curves:
        return None
    out: list[float | None] = []
    for i in range(len(pr["recall_thresholds"])):
        values = [v for v in (_real(c[i]) for c in curves if i < len(c)) if v is not None]
        out.append(sum(values) / len(values) if values else None)
    return out


def _groups(runs: Sequence[Run]) -> list[tuple[str, list[int]]]:
    groups: dict[str, list[int]] = {}
    for i, run in enumerate(runs):
        groups.setdefault(str(run.get("dataset", "")), []).append(i)
    return list(groups.items())


def overlay_section(runs: Sequence[Run], labels: Sequence[str]) -> str:
    title = "Precision–recall, all models"
    body = []
    groups = _groups(runs)
    for g, (dataset, members) in enumerate(groups):
        series = []
        missing = []
        for i in members:
            curve = mean_precision(runs[i])
            if curve is None:
                missing.append(labels[i])
            else:
                series.append(charts.Series(labels[i], runs[i]["pr_curves"]["recall_thresholds"],
                                            curve))
        if len(groups) > 1:
            body.append(f"<h3>{esc(dataset or 'dataset not named')}</h3>")
        if series:
            svg = charts.overlay(series, "recall", "precision (IoU 0.5, mean over classes)",
                                 f"pr-overlay-{g}")
            body.append(figure("pr-overlay", svg,
                               esc("Precision at IoU 0.5 averaged over the classes with "
                                   "ground truth, at each of COCO's 101 recall points.")))
        if missing:
            body.append(absent("No PR curves for: " + ", ".join(missing) + "."))
    return section("pr-overlay", title, "\n".join(body))


def winners_section(runs: Sequence[Run], labels: Sequence[str]) -> str:
    title = "Per-class winners"
    body = []
    groups = _groups(runs)
    for g, (dataset, members) in enumerate(groups):
        if len(groups) > 1:
            body.append(f"<h3>{esc(dataset or 'dataset not named')}</h3>")
        per_run = [{str(c.get("name", c.get("category_id"))): c
                    for c in (runs[i].get("per_class") or [])} for i in members]
        names: list[str] = []
        for classes in per_run:
            names += [n for n in classes if n not in names]
        if not names:
            body.append(absent("No per-class AP in these runs."))
            continue
        if len(members) < 2:
            body.append(note(f"Only one run ({esc(labels[members[0]])}) on this dataset."))
        rows = []
        wins = [0] * len(members)
        for name in names:
            aps = [_real((classes.get(name) or {}).get("AP")) for classes in per_run]
            gt = next((c[name].get("gt") for c in per_run if name in c), None)
            valid = [(v, j) for j, v in enumerate(aps) if v is not None]
            top = max(valid)[0] if valid else None
            ranked = sorted((v for v, _ in valid), reverse=True)
            margin = ranked[0] - ranked[1] if len(ranked) > 1 else None
            winners = [j for v, j in valid if v == top]
            for j in winners:
                wins[j] += 1
            cells = [td_text(name), td_int(gt)]
            cells += [td(v, cls="win" if j in winners and len(valid) > 1 else "")
                      for j, v in enumerate(aps)]
            who = ", ".join(labels[members[j]] for j in winners) if valid else "–"
            cells += [td_text(who), td(margin)]
            rows.append("<tr>" + "".join(cells) + "</tr>")
        headers = ["class", "GT", *(f"AP {labels[i]}" for i in members), "winner", "margin"]
        tally = ", ".join(f"{esc(labels[i])} {w}" for i, w in zip(members, wins))
        body.append(note(f"COCO AP per class; the highest is marked. Classes won: {tally}."))
        body.append(table(headers, rows,
                          table_id="winners-table" + (f"-{g + 1}" if g else "")))
    return section("winners", title, "\n".join(body))


def differences_section(runs: Sequence[Run], labels: Sequence[str],
                        comparison: dict[str, Any]) -> str:
    title = "Differences to the baseline"
    base = comparison.get("baseline", 0)
    metric = comparison.get("metric", "AP")
    samples = comparison.get("bootstrap_samples")
    diffs = comparison.get("differences") or []
    if not diffs:
        return section("differences", title, absent("No differences in the comparison."))
    rows = []
    points = []
    bases = sorted({d.get("baseline", base) for d in diffs})
    for d in diffs:
        i = d["run"]
        against = d.get("baseline", base)
        # The difference on the images themselves when given; the bootstrap mean otherwise.
        shown = _num(d.get("observed", d.get("mean")))
        low, high = _num(d.get("ci_low")), _num(d.get("ci_high"))
        if low is not None and low > 0:
            verdict = "better"
        elif high is not None and high < 0:
            verdict = "worse"
        else:
            verdict = "no clear difference"
        rows.append(f"<tr>{td_text(labels[i])}{td_text(labels[against])}{td(shown, 4, signed=True)}"
                    f"{td(low, 4, signed=True)}{td(high, 4, signed=True)}{td_text(verdict)}</tr>")
        if shown is not None:
            label = labels[i] if len(bases) == 1 else f"{labels[i]} vs {labels[against]}"
            points.append(charts.Difference(label, shown, low, high))
    how = (f"paired bootstrap over images, {samples} samples" if samples else
           "paired bootstrap over images")
    against_what = (f"the baseline's ({esc(labels[bases[0]])})" if len(bases) == 1 else
                    "its baseline's (the first model on the same dataset)")
    body = [note(f"{esc(metric)} of each run minus {against_what}, with "
                 f"the 95% confidence interval ({esc(how)}). An interval that excludes 0 is a "
                 "difference the images support.")]
    if points:
        svg = charts.differences(points, str(metric),
                                 labels[bases[0]] if len(bases) == 1 else "the baseline",
                                 "ap-differences")
        body.append(figure("ap-differences", svg))
    body.append(table(["model", "against", f"{metric} difference", "CI low", "CI high",
                       "verdict"], rows, table_id="differences-table"))
    return section("differences", title, "\n".join(body))


def comparison_facts_section(runs: Sequence[Run], labels: Sequence[str]) -> str:
    rows = []
    for run, label in zip(runs, labels):
        s = speed(run)
        t = _dict(run.get("timings"))
        cells = [td_text(label), td_int(run.get("images")), td_int(run.get("detections")),
                 td(s["images_per_second"], 1), td(s["ms_per_image"], 1),
                 td(s["model_ms_per_image"], 1)]
        cells += [td(t.get(k), 2) for k, _ in TIME_KEYS]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    headers = ["model", "images", "detections", "images/s", "ms/image", "model ms/image",
               *(f"{label} (s)" for _, label in TIME_KEYS)]
    body = [table(headers, rows, table_id="facts-table")]
    keys: list[str] = []
    for run in runs:
        keys += [k for k in (run.get("versions") or {}) if k not in keys]
    if keys:
        vrows = ["<tr>" + td_text(k) + "".join(td_text((r.get("versions") or {}).get(k, "–"))
                                              for r in runs) + "</tr>" for k in sorted(keys)]
        body.append("<h3>Versions</h3>")
        body.append(table(["package", *labels], vrows, sortable=False,
                          text_columns=len(labels) + 1))
    configs = [(label, r.get("model_config") or r.get("config")) for r, label in zip(runs, labels)]
    body.append(_facts(configs))
    return section("facts", "Run facts", "\n".join(body))


def comparison(runs: Sequence[Run], comparison_data: dict[str, Any] | None) -> str:
    labels = run_labels(runs)
    baseline = comparison_data.get("baseline", 0) if comparison_data else None
    sections = [("runs", "Runs", runs_section(runs, labels, baseline)),
                ("pr-overlay", "PR curves", overlay_section(runs, labels)),
                ("winners", "Per-class winners", winners_section(runs, labels))]
    if comparison_data is not None:
        sections.append(("differences", "Differences",
                         differences_section(runs, labels, comparison_data)))
    sections.append(("facts", "Run facts", comparison_facts_section(runs, labels)))
    datasets = sorted({str(r.get("dataset")) for r in runs if r.get("dataset")})
    subtitle = esc(f"{len(runs)} runs: " + ", ".join(labels) +
                   (f" on {', '.join(datasets)}" if datasets else ""))
    return page("Detection Studio comparison", subtitle, sections)
