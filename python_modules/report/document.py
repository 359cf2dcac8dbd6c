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
from .described import Chart, Section, Table, format_value, lookup, number, sections, value_labels
from .schema import picture_type

Run = dict[str, Any]

# At most this many classes get their own panel of PR / threshold curves.
MAX_PANELS = 24

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


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def capped(rows: list[dict[str, Any]], what: str) -> tuple[list[dict[str, Any]], str]:
    """All rows when there are few; else the MAX_PANELS with the most ground truth, and a note."""
    if len(rows) <= MAX_PANELS:
        return rows, ""
    chosen = sorted(rows, key=lambda r: -(_real(r.get("gt")) or 0.0))[:MAX_PANELS]
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
    cards = [(format_value(number(run, v.key), v.format), label)
             for v, label in value_labels([run]) if v.headline]
    cards.append((fmt_int(run.get("images")), "images"))
    cards.append((fmt_int(run.get("detections")), "detections"))
    parts.append('<div class="cards">' + "".join(
        f'<div class="card"><div class="v">{esc(v)}</div><div class="k">{esc(k)}</div></div>'
        for v, k in cards) + "</div>")
    facts = [("model", run.get("model")), ("dataset", run.get("dataset")),
             ("ground truth", run.get("ground_truth")), ("results", run.get("results"))]
    parts.append(_facts(facts))
    described = sections(run)
    if not described:
        parts.append(absent("This run does not describe its metrics (no schema in metrics.json: "
                            "written by an older version; score it again to see them here)."))
    else:
        parts.append(note("In this run: " + ", ".join(
            f'<a href="#{_anchor(s.id)}">{esc(s.title)}</a>' for s in described) + "."))
    return section("summary", "Summary", "\n".join(parts))


def _anchor(section_id: str) -> str:
    """An HTML id from a section id (letters, digits, '-' and '_')."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in section_id) or "section"


def values_table(run: Run, s: Section) -> str:
    rows = (f"<tr>{td_text(v.label)}{td_text(v.meaning)}"
            f'<td data-v="{number(run, v.key)!r}">{esc(format_value(number(run, v.key), v.format))}'
            "</td></tr>" for v in s.values)
    return table(["metric", "what", "value"], rows, sortable=False, text_columns=2,
                 table_id=f"values-{_anchor(s.id)}")


def _cell(value: Any, fmt_name: str) -> str:
    v = value if value is None else _real(value) if fmt_name != "number" else _num(value)
    if v is None:
        return '<td data-v="">–</td>'
    return f'<td data-v="{v!r}">{esc(format_value(v, fmt_name))}</td>'


def rows_of(run: Run, t: Table) -> list[dict[str, Any]]:
    """A table's rows: a list of objects, or an object of objects keyed by the row id."""
    rows = lookup(run, t.key)
    if isinstance(rows, dict):
        return [{t.row_id: k, **r} for k, r in rows.items() if isinstance(r, dict)]
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def _row_header(t: Table) -> str:
    """The first column's header: "class" for per-category tables, else what names a row."""
    return "class" if t.row_id == "category_id" else t.row_label


def described_table(run: Run, s: Section, t: Table, index: int) -> str:
    rows = rows_of(run, t)
    if not rows:
        return absent(f"No rows in {t.key}.")
    shown = [c for c in t.columns if any(lookup(r, c.key) is not None for r in rows)]
    lines = ["<tr>" + td_text(r.get(t.row_label, r.get(t.row_id, ""))) +
             "".join(_cell(lookup(r, c.key), c.format) for c in shown) + "</tr>" for r in rows]
    ident = f"table-{_anchor(s.id)}" + (f"-{index + 1}" if index else "")
    legend = "; ".join(f"<b>{esc(c.label)}</b>: {esc(c.meaning)}" for c in shown if c.meaning)
    return (f"<h3>{esc(t.title)}</h3>\n" + note(esc(t.meaning + ". Click a column to sort; – : no data.")) +
            table([_row_header(t), *(c.label for c in shown)], lines, table_id=ident) +
            (note(legend) if legend else ""))


def described_curves(run: Run, s: Section) -> list[str]:
    out = []
    for i, c in enumerate(s.curves):
        data = lookup(run, c.key)
        xs = lookup(data, c.x) if isinstance(data, dict) else None
        items = lookup(data, c.items) if isinstance(data, dict) else None
        if not isinstance(xs, list) or not isinstance(items, list) or not items:
            out.append(absent(f"No curves in {c.key}."))
            continue
        primary = next((t for t in s.tables if t.primary), None)
        by_row = {}
        if primary is not None:
            by_row = {r.get(primary.row_id): r for r in rows_of(run, primary)}
        rows = [it for it in items if isinstance(it, dict)]
        gts = {id(it): _real((by_row.get(it.get("category_id")) or {}).get("gt")) or 0.0
               for it in rows}
        note_text = ""
        if len(rows) > MAX_PANELS:
            note_text = (f" Curves of the {MAX_PANELS} classes with the most ground truth "
                         f"(of {len(rows)}), most first.")
            rows = sorted(rows, key=lambda it: -gts[id(it)])[:MAX_PANELS]
        panels = []
        for it in rows:
            row = by_row.get(it.get("category_id")) or {}
            head = primary.primary if primary is not None else ""
            panels.append(charts.CurvePanel(
                title=_panel_title(str(it.get(c.item_label, "")), row.get(head), head),
                series=[(label, it.get(key)) for key, label in c.series
                        if isinstance(it.get(key), list)]))
        chart = "curves-" + _anchor(s.id) + (f"-{i + 1}" if i else "")
        svg = charts.curves(xs, panels, c.x_label, c.y_label, chart)
        out.append(f"<h3>{esc(c.title)}</h3>\n" +
                   figure(chart, svg, esc((c.meaning + "." + note_text).strip())))
    return out


def described_section(run: Run, s: Section, gallery: Sequence[dict[str, Any]] | None) -> str:
    """One evaluator's section: what it is, its values, tables, curves and charts."""
    body = [note(esc(s.meaning + "."))] if s.meaning else []
    if s.values:
        body.append(values_table(run, s))
        if any(number(run, v.key) is None for v in s.values):
            body.append(note("– : no data (e.g. no ground truth in that area range)."))
    body += [described_table(run, s, t, i) for i, t in enumerate(s.tables)]
    body += described_curves(run, s)
    for c in s.charts:
        draw = CHART_KINDS.get(c.kind)
        body.append(draw(run, c, gallery) if draw else
                    absent(f"A chart of kind '{c.kind}' this report does not know how to draw."))
    return section(_anchor(s.id), s.title, "\n".join(body))


def _facts(items: Sequence[tuple[str, Any]]) -> str:
    shown = [(k, v) for k, v in items if v is not None and v != ""]
    if not shown:
        return ""
    return ('<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>"
                                            for k, v in shown) + "</dl>")


def _panel_title(name: str, value: Any, label: str) -> str:
    short = name if len(name) <= 22 else name[:21] + "…"
    v = _real(value)
    return short if v is None else f"{short}  {label} {v:.3f}"


# ---------------------------------------------------------------------------------------------
# the chart kinds: each draws the data at its chart's key, whichever evaluator wrote it

def threshold_chart(run: Run, chart: Chart, gallery: Any = None) -> str:
    th = lookup(run, chart.key)
    if not isinstance(th, dict) or not th.get("score_grid"):
        return absent(f"No threshold curves in this run (no {chart.key}).")
    grid = th["score_grid"]
    iou = fmt(th.get("iou", 0.5), 2)
    what = chart.meaning or f"detections with score ≥ threshold, matched at IoU {iou}"
    body = [note(esc(f"{what[:1].upper()}{what[1:]}; computed from the raw (not interpolated) "
                     "precision and recall."))]
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
    rows = [c for c in th.get("classes") or [] if isinstance(c, dict) and
            all(k in c for k in ("precision", "recall", "f1"))]
    if rows:
        rows, cap_note = capped(rows, "Curves")
        panels = []
        for t in rows:
            best = t.get("best") or {}
            panels.append(charts.ThresholdPanel(str(t.get("name", t.get("category_id"))),
                                                t["precision"], t["recall"], t["f1"],
                                                _num(best.get("score")), _num(best.get("f1"))))
        svg = charts.thresholds(grid, panels, "threshold-classes")
        body.append("<h3>Per class</h3>")
        body.append(figure("threshold-classes", svg, esc(cap_note)))
    else:
        body.append(absent(f"No per-class curves ({chart.key}.classes is absent)."))
    return "\n".join(body)


def confusion_chart(run: Run, chart: Chart, gallery: Any = None) -> str:
    conf = lookup(run, chart.key)
    if not isinstance(conf, dict) or not conf.get("counts"):
        return absent("No confusion matrix in this run.")
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
    caption = (f"{chart.meaning}. "
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
    return "\n".join(body)


def tide_chart(run: Run, chart: Chart, gallery: Any = None) -> str:
    tide = lookup(run, chart.key)
    if not isinstance(tide, dict) or not (tide.get("main") or tide.get("special")):
        return absent("No TIDE analysis in this run.")
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
    what = {"Cls": "right place, wrong class", "Loc": "right class, IoU 0.1–0.5",
            "Both": "wrong class and IoU 0.1–0.5", "Dupe": "a duplicate of a true positive",
            "Bkg": "a detection on background", "Miss": "ground truth never detected"}
    legend = "; ".join(f"<b>{n}</b>: {w}" for n, w in what.items())
    body = [figure("tide", svg, esc(caption)), note(legend),
            table(["error", "dAP", "count"], rows, sortable=True, table_id="tide-table")]
    return "\n".join(body)


def reliability_chart(run: Run, chart: Chart, gallery: Any = None) -> str:
    cal = lookup(run, chart.key)
    bins = cal.get("bins") if isinstance(cal, dict) else None
    if not bins:
        return absent("No calibration bins in this run.")
    drawn = [charts.Bin(float(b["bin_lower"]), float(b["bin_upper"]),
                        float(b["avg_confidence"]), float(b["avg_accuracy"]), int(b["count"]))
             for b in bins]
    svg = charts.reliability(drawn, "reliability-" + _anchor(chart.key))
    caption = (f"{chart.meaning}. Bars: the share of each bin's detections that are right; "
               "hatched: the gap to the bin's mean score (above the bar: over-confident, inside it: "
               "under-confident); "
               "dashed: perfect calibration. Empty bins are left out, as ECE leaves them out.")
    rows = [f"<tr>{td_text(f'{b.lower:.2f}–{b.upper:.2f}')}{td(b.confidence if b.count else None)}"
            f"{td(b.accuracy if b.count else None)}{td_int(b.count)}</tr>" for b in drawn]
    return "\n".join([figure("reliability-" + _anchor(chart.key), svg, esc(caption)),
                      table(["score bin", "mean score", "accuracy", "detections"], rows,
                            table_id="reliability-" + _anchor(chart.key) + "-table")])


def gallery_chart(run: Run, chart: Chart, gallery: Sequence[dict[str, Any]] | None) -> str:
    per_image = lookup(run, chart.key) if isinstance(lookup(run, chart.key), dict) else None
    where = ""
    if per_image:
        where = (f" at IoU {fmt(per_image.get('iou', 0.5), 2)}, score ≥ "
                 f"{fmt(per_image.get('score_threshold'), 2)}")
    gallery = [g for g in gallery or [] if g.get("kind", "image") == "image"]
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
        return "\n".join(body)
    images = (per_image or {}).get("images") or []
    worst = (per_image or {}).get("worst") or []
    if not images:
        return absent("No per-image results in this run.")
    by_id = {im.get("image_id"): im for im in images}
    order = [by_id[i] for i in worst if i in by_id] or sorted(
        images, key=lambda im: -((im.get("fp") or 0) + (im.get("fn") or 0)))
    rows = [f"<tr>{td_text(im.get('file_name', im.get('image_id')))}{td_int(im.get('tp'))}"
            f"{td_int(im.get('fp'))}{td_int(im.get('fn'))}"
            f"{td_int((im.get('fp') or 0) + (im.get('fn') or 0))}</tr>" for im in order[:30]]
    body = [absent("No pictures saved with this run (no gallery); the worst images by count:"),
            table(["image", "TP", "FP", "FN", "errors"], rows, table_id="worst-table")]
    return "\n".join(body)


def candidates_chart(run: Run, chart: Chart, gallery: Sequence[dict[str, Any]] | None) -> str:
    """Ranked detections to check, most first, each with its crop from the gallery."""
    entries = lookup(run, chart.key)
    if not isinstance(entries, list) or not entries:
        return absent("No candidates in this run.")
    crops = {g.get("dt_id"): g for g in gallery or []
             if g.get("kind") == "crop" and g.get("chart", chart.key) == chart.key}
    items = []
    for e in entries:
        crop = crops.get(e.get("dt_id"))
        if crop is None:
            continue
        data = "".join(crop["jpeg_base64"].split())
        what = str(e.get("what", f"detection {e.get('dt_id')}"))
        score = f' · score {fmt(e.get("dt_score"), 2)}' if _real(e.get("dt_score")) is not None else ""
        kind = str(e.get("type", "")).replace("_", " ")
        items.append(f'<figure><img src="data:{picture_type(data)};base64,{data}" alt="{esc(what)}">'
                     f'<figcaption><span class="name">{esc(what)}</span>{esc(kind)}{esc(score)}'
                     "</figcaption></figure>")
    if not items:
        return absent(f"{len(entries)} candidates, no pictures saved with this run "
                      "(the report crops them when it has the images).")
    more = f" (the first {len(items)} of {len(entries)})" if len(items) < len(entries) else ""
    return "\n".join([f"<h3>{esc(chart.title or 'Candidates')}</h3>",
                      note(esc((chart.meaning or "") + more + ".")),
                      '<div class="gallery crops">' + "\n".join(items) + "</div>"])


CHART_KINDS: dict[str, Callable[[Run, Chart, Any], str]] = {
    "thresholds": threshold_chart, "confusion": confusion_chart, "tide": tide_chart,
    "per_image": gallery_chart, "reliability": reliability_chart, "candidates": candidates_chart,
}


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


def single_run(run: Run, gallery: Sequence[dict[str, Any]] | None = None) -> str:
    described = sections(run)
    built = [("summary", "Summary", summary_section(run))]
    built += [(_anchor(s.id), s.title, described_section(run, s, gallery)) for s in described]
    if gallery and not any(c.kind == "per_image" for s in described for c in s.charts):
        built.append(("gallery", "Worst images", section("gallery", "Worst images", gallery_chart(
            run, Chart("per_image", "per_image"), gallery))))
    built.append(("facts", "Run facts", facts_section(run)))
    label = run_label(run, 0)
    dataset = run.get("dataset") or run.get("ground_truth")
    title = f"Detection Studio report: {label}"
    subtitle = esc(f"{label} on {dataset}" if dataset else label)
    return page(title, subtitle, built)


# ---------------------------------------------------------------------------------------------
# the comparison sections

def runs_section(runs: Sequence[Run], labels: Sequence[str], baseline: int | None) -> str:
    columns = value_labels(runs)
    rows = []
    for i, (run, label) in enumerate(zip(runs, labels)):
        s = speed(run)
        name = label + (" (baseline)" if i == baseline else "")
        cells = [td_text(name), td_text(run.get("dataset", "–"))]
        cells += [_cell(number(run, v.key), v.format) for v, _ in columns]
        cells += [td(s["images_per_second"], 1), td(s["ms_per_image"], 1)]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    headers = ["model", "dataset", *(h for _, h in columns), "images/s", "ms/image"]
    body = [note("One row per run, one column per number its evaluators describe; click a column "
                 "to sort. – : no data."),
            table(headers, rows, text_columns=2, table_id="runs-table")]
    return section("runs", "Runs", "\n".join(body))


def first_curve(run: Run) -> tuple[Section, Any] | None:
    """The run's first described curve (its first series is what runs are compared on)."""
    for s in sections(run):
        for c in s.curves:
            if c.series:
                return s, c
    return None


def mean_curve(run: Run) -> tuple[list[Any], list[float | None], str, str, str] | None:
    """The mean over items (classes) of the first curve's first series at each x, with the x
    values, the axis labels and the series' name."""
    found = first_curve(run)
    if found is None:
        return None
    _, c = found
    data = lookup(run, c.key)
    xs = lookup(data, c.x) if isinstance(data, dict) else None
    items = lookup(data, c.items) if isinstance(data, dict) else None
    if not isinstance(xs, list) or not isinstance(items, list) or not items:
        return None
    key, label = c.series[0]
    curves = [it[key] for it in items if isinstance(it, dict) and isinstance(it.get(key), list)]
    if not curves:
        return None
    out: list[float | None] = []
    for i in range(len(xs)):
        values = [v for v in (_real(cv[i]) for cv in curves if i < len(cv)) if v is not None]
        out.append(sum(values) / len(values) if values else None)
    return xs, out, c.x_label, c.y_label, label


def _groups(runs: Sequence[Run]) -> list[tuple[str, list[int]]]:
    groups: dict[str, list[int]] = {}
    for i, run in enumerate(runs):
        groups.setdefault(str(run.get("dataset", "")), []).append(i)
    return list(groups.items())


def overlay_section(runs: Sequence[Run], labels: Sequence[str]) -> str:
    title = "Curves, all models"
    body = []
    groups = _groups(runs)
    for g, (dataset, members) in enumerate(groups):
        series = []
        missing = []
        axes = ("", "", "")
        for i in members:
            curve = mean_curve(runs[i])
            if curve is None:
                missing.append(labels[i])
            else:
                xs, ys, xl, yl, name = curve
                axes = (xl, yl, name)
                series.append(charts.Series(labels[i], xs, ys))
        if len(groups) > 1:
            body.append(f"<h3>{esc(dataset or 'dataset not named')}</h3>")
        if series:
            xl, yl, name = axes
            svg = charts.overlay(series, xl, f"{yl} ({name}, mean over classes)",
                                 f"pr-overlay-{g}")
            body.append(figure("pr-overlay", svg,
                               esc(f"{yl.capitalize()} ({name}) averaged over the classes with "
                                   f"ground truth, against {xl}.")))
        if missing:
            body.append(absent("No PR curves for: " + ", ".join(missing) + "."))
    return section("pr-overlay", title, "\n".join(body))


def primary_table(run: Run) -> tuple[Section, Table] | None:
    """The first described table with a column that ranks models (per-class winners)."""
    for s in sections(run):
        for t in s.tables:
            if t.primary:
                return s, t
    return None


def winners_section(runs: Sequence[Run], labels: Sequence[str]) -> str:
    title = "Per-class winners"
    body = []
    groups = _groups(runs)
    for g, (dataset, members) in enumerate(groups):
        if len(groups) > 1:
            body.append(f"<h3>{esc(dataset or 'dataset not named')}</h3>")
        found = next((primary_table(runs[i]) for i in members if primary_table(runs[i])), None)
        if found is None:
            body.append(absent("No per-class AP in these runs."))
            continue
        sec, tab = found
        column = next((c for c in tab.columns if c.key == tab.primary), None)
        what = column.label if column else tab.primary
        per_run = [{str(r.get(tab.row_label, r.get(tab.row_id))): r
                    for r in rows_of(runs[i], tab)} for i in members]
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
        better = column.higher_is_better if column else True
        for name in names:
            vals = [number(classes.get(name) or {}, tab.primary) for classes in per_run]
            gt = next((c[name].get("gt") for c in per_run if name in c), None)
            valid = [(v if better else -v, j) for j, v in enumerate(vals) if v is not None]
            top = max(valid)[0] if valid else None
            ranked = sorted((v for v, _ in valid), reverse=True)
            margin = ranked[0] - ranked[1] if len(ranked) > 1 else None
            winners = [j for v, j in valid if v == top]
            for j in winners:
                wins[j] += 1
            cells = [td_text(name), td_int(gt)]
            cells += [td(v, cls="win" if j in winners and len(valid) > 1 else "")
                      for j, v in enumerate(vals)]
            who = ", ".join(labels[members[j]] for j in winners) if valid else "–"
            cells += [td_text(who), td(margin)]
            rows.append("<tr>" + "".join(cells) + "</tr>")
        headers = ["class", "GT", *(f"{what} {labels[i]}" for i in members), "winner", "margin"]
        tally = ", ".join(f"{esc(labels[i])} {w}" for i, w in zip(members, wins))
        body.append(note(f"{esc(sec.title)}: {esc(what)} per class; the best is marked. "
                         f"Classes won: {tally}."))
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
