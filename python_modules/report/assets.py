"""The report's inline style sheet and script (no external resources, no libraries)."""

CSS = """
:root { --ink: #1d2330; --muted: #5f6b7a; --line: #dde2e8; --band: #f5f7fa; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans",
       sans-serif; color: var(--ink); background: #fff; }
header { padding: 18px 28px 10px; border-bottom: 1px solid var(--line); background: var(--band); }
header h1 { margin: 0 0 4px; font-size: 21px; }
header p { margin: 0; color: var(--muted); }
nav { margin-top: 10px; display: flex; flex-wrap: wrap; gap: 4px 14px; }
nav a { color: var(--accent); text-decoration: none; font-size: 13px; }
nav a:hover { text-decoration: underline; }
main { padding: 4px 28px 40px; max-width: 1280px; }
section { margin-top: 26px; }
h2 { font-size: 17px; margin: 0 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 16px 0 6px; }
p.note, p.absent { color: var(--muted); margin: 4px 0 8px; }
p.absent { font-style: italic; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 4px 0 10px; }
th, td { padding: 3px 9px; border-bottom: 1px solid var(--line); text-align: right;
         white-space: nowrap; }
th { background: var(--band); font-weight: 600; }
td.text, th.text { text-align: left; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th:hover { background: #e8edf3; }
table.sortable th[aria-sort="ascending"]::after { content: " \\25B2"; font-size: 10px; }
table.sortable th[aria-sort="descending"]::after { content: " \\25BC"; font-size: 10px; }
tr.best td { font-weight: 600; }
td.win { background: #e3f2ea; font-weight: 600; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 4px 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; word-break: break-all; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 6px 0 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 118px; }
.card .v { font-size: 20px; font-weight: 600; }
.card .k { color: var(--muted); font-size: 12px; }
figure.chart { margin: 8px 0 14px; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figure.chart figcaption { color: var(--muted); font-size: 12.5px; margin-top: 2px; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 12px; }
.gallery figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; }
.gallery img { display: block; width: 100%; height: auto; background: var(--band); }
.gallery figcaption { padding: 5px 8px; font-size: 12.5px; }
.gallery .name { display: block; word-break: break-all; }
.tp { color: #007a55; } .fp { color: #b8470b; } .fn { color: #7a3f9d; }
"""

# Sortable tables: click (or Enter on) a header. Cells sort by their data-v attribute when there
# is one (the exact number), else by their text; numbers compare as numbers, text as text with
# digits in order ("img2" before "img10"); empty values always go last.
JS = """
(function () {
  "use strict";
  function value(cell) {
    var v = cell.getAttribute("data-v");
    return v === null ? cell.textContent.trim() : v;
  }
  function compare(a, b, dir) {
    if (a === "" || b === "") { return a === b ? 0 : (a === "" ? 1 : -1); }
    var x = Number(a), y = Number(b);
    if (!isNaN(x) && !isNaN(y)) { return dir * (x - y); }
    return dir * a.localeCompare(b, undefined, {numeric: true, sensitivity: "base"});
  }
  function sort(table, th, col) {
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    var heads = table.tHead.rows[0].cells;
    for (var i = 0; i < heads.length; i++) { heads[i].removeAttribute("aria-sort"); }
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r, s) {
      return compare(value(r.cells[col]), value(s.cells[col]), dir);
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.tabIndex = 0;
      th.title = "sort";
      th.addEventListener("click", function () { sort(table, th, col); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(table, th, col); }
      });
    });
  });
})();
"""
