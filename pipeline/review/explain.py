"""`govreport explain`: one self-contained HTML page showing how a document was read.

Each template table is drawn as a grid (printed Chinese row and column labels from the schema)
with every cell's value, status and confidence.  A cell links to its evidence: the box on the
page image (PDFs and scans; embedded as base64, every text box the reader saw outlined, the
way pdfplumber's debug images show a table finder's work) and the span of the source text it
was read from.  Checks, reasons and candidates are shown per field.  Nothing is loaded from
outside the file.
"""
from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

from ..model import Document, Result
from .grid import field_labels, format_value as _value, grids, template_key

EXPLAIN_DPI = 110  # page images: readable digits, ~100 kB per page as JPEG
STATUS_NAMES = {"ok": "ok", "low_confidence": "low confidence", "inferred": "inferred",
                "missing": "missing", "inconsistent": "inconsistent"}


def explain_file(path: str | Path, ocr_engine: str | None = None) -> str:
    """Read and extract `path`, return the page.  Raises ReaderError for unreadable input."""
    from ..extract import extract_document, load_document

    path = Path(path)
    doc = load_document(path, ocr_engine)
    result = extract_document(doc)
    return render(doc, result, path)


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _box_index(line, cell: int | None) -> int | None:
    """Index in line.boxes of the box a token's `cell` names (a grid column where the source
    has a grid, else the box's position)."""
    if cell is None:
        return None
    if any(b.column is not None for b in line.boxes):
        return next((i for i, b in enumerate(line.boxes) if b.column == cell), None)
    return cell if cell < len(line.boxes) else None


def _targets(doc: Document, result: Result, shown_pages: set[int]) -> dict[str, dict[str, str]]:
    """Per field: the id of its box on a page image and of its span in the source text."""
    lines = doc.lines()
    out: dict[str, dict[str, str]] = {}
    for field_id, fv in result.fields.items():
        ev, t = fv.evidence, {}
        if ev.bbox and ev.page in shown_pages:
            t["box"] = f"box-{field_id}"
        if ev.line is not None and ev.line < len(lines):
            k = _box_index(lines[ev.line], ev.cell)
            t["span"] = f"L{ev.line}" + (f"c{k}" if k is not None else "")
        out[field_id] = t
    return out


def _page_images(source: Path, result: Result, wanted: set[int]) -> dict[int, str]:
    """JPEG data URLs of the pages, in the frame the page's boxes live in (deskewed)."""
    from ..crops import PageImages

    images = PageImages(source, result.pages, dpi=EXPLAIN_DPI)
    out = {}
    for number in sorted(wanted):
        try:
            got = images.get(number)
        except Exception:  # a page that cannot be rendered is shown as text only
            got = None
        if got is None:
            continue
        buf = io.BytesIO()
        got[0].convert("RGB").save(buf, "JPEG", quality=72)
        out[number] = "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return out


def _grid_html(key: str, result: Result, targets: dict) -> str:
    parts = []
    for grid in grids(key):
        parts.append(f'<section class="table" id="table-{_e(grid.table)}">'
                     f'<h2>{_e(grid.section)}、{_e(grid.heading)} <code>{_e(grid.table)}</code></h2>'
                     f'<div class="scroll"><table class="grid"><thead><tr><th class="corner">行 \\ 列</th>')
        for column in grid.columns:
            parts.append(f'<th>{_e(column.label)}<br><code>{_e(column.id)}</code></th>')
        parts.append("</tr></thead><tbody>")
        for row in grid.rows:
            group = f'<span class="group">{_e(row.group)}</span> ' if row.group else ""
            parts.append(f'<tr><th class="rowlabel">{group}{_e(row.label)}<br><code>{_e(row.id)}</code></th>')
            for column in grid.columns:
                field_id = grid.field(row, column)
                if field_id is None:
                    parts.append('<td class="na"></td>')
                    continue
                fv = result.fields.get(field_id)
                if fv is None:
                    parts.append('<td class="na">?</td>')
                    continue
                t = targets.get(field_id, {})
                href = "#" + (t.get("box") or t.get("span") or f"cell-{field_id}")
                tip = f"{field_id}: {STATUS_NAMES.get(fv.status, fv.status)}, confidence {fv.confidence:.2f}"
                if fv.reasons:
                    tip += " — " + "; ".join(fv.reasons)
                parts.append(
                    f'<td class="cell st-{_e(fv.status)}" id="cell-{_e(field_id)}" data-field="{_e(field_id)}" '
                    f'title="{_e(tip)}"><a href="{_e(href)}"><span class="v">{_e(_value(fv.value))}</span>'
                    f'<span class="c">{fv.confidence:.2f}</span></a></td>')
            parts.append("</tr>")
        parts.append("</tbody></table></div></section>")
    return "".join(parts)


def _checks_html(result: Result) -> str:
    if not result.checks:
        return '<p class="muted">No sum rule could be evaluated.</p>'
    rows = []
    for c in sorted(result.checks, key=lambda c: c.ok):
        links = " ".join(f'<a href="#cell-{_e(f)}" data-field="{_e(f)}">{_e(f)}</a>' for f in c.fields)
        rows.append(f'<tr class="{"ok" if c.ok else "fail"}"><td>{"✓" if c.ok else "✗"}</td><td><code>{_e(c.rule)}</code>'
                    f'</td><td>{_e(_value(c.expected))}</td><td>{_e(_value(c.printed))}</td><td class="fl">{links}</td></tr>')
    failed = sum(1 for c in result.checks if not c.ok)
    return (f'<p>{len(result.checks)} checks, {failed} failed.</p><table class="checks"><thead><tr><th></th><th>rule</th>'
            f'<th>expected (sum of parts)</th><th>printed</th><th>fields</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _pages_html(doc: Document, result: Result, images: dict[int, str]) -> str:
    info = {p["page"]: p for p in result.pages}
    by_page: dict[int, list[str]] = {}
    for field_id, fv in result.fields.items():
        if fv.evidence.bbox and fv.evidence.page in images:
            by_page.setdefault(fv.evidence.page, []).append(field_id)
    parts = []
    for page in doc.pages:
        if page.number not in images:
            continue
        p = info[page.number]
        w, h = float(p["width"]), float(p["height"])
        svg = []
        for line in page.lines:
            for box in line.boxes:
                if box.bbox:
                    x0, y0, x1, y1 = box.bbox
                    svg.append(f'<rect class="word" x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" '
                               f'height="{y1 - y0:.1f}"><title>{_e(box.text)}</title></rect>')
        for field_id in by_page.get(page.number, []):
            fv = result.fields[field_id]
            x0, y0, x1, y1 = fv.evidence.bbox
            svg.append(f'<rect class="box st-{_e(fv.status)}" id="box-{_e(field_id)}" data-field="{_e(field_id)}" '
                       f'x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}">'
                       f'<title>{_e(field_id)} = {_e(_value(fv.value))} ({_e(fv.status)})</title></rect>')
        deskew = f", deskewed {p['deskew']:+.2f}°" if p.get("deskew") else ""
        parts.append(f'<figure class="page" id="page-{page.number}"><figcaption>page {page.number} '
                     f'({_e(page.path)}{deskew}; {len(by_page.get(page.number, []))} fields)</figcaption>'
                     f'<div class="sheet"><img alt="page {page.number}" src="{images[page.number]}">'
                     f'<svg viewBox="0 0 {w:.1f} {h:.1f}" preserveAspectRatio="none">{"".join(svg)}</svg>'
                     f'</div></figure>')
    return "".join(parts)


def _source_html(doc: Document, targets: dict) -> str:
    used: dict[str, list[str]] = {}
    for field_id, t in targets.items():
        if "span" in t:
            used.setdefault(t["span"], []).append(field_id)
            used.setdefault(t["span"].split("c")[0], [])
    parts = []
    for n, line in enumerate(doc.lines()):
        cls = "src used" if f"L{n}" in used else "src"
        boxes = []
        for k, box in enumerate(line.boxes):
            span_id = f"L{n}c{k}"
            fields = used.get(span_id)
            attr = f' data-field="{_e(fields[0])}" title="{_e(", ".join(fields))}"' if fields else ""
            boxes.append(f'<span class="b{" f" if fields else ""}" id="{span_id}"{attr}>{_e(box.text)}</span>')
        parts.append(f'<div class="{cls}" id="L{n}"><span class="ln">p{line.page}:{n}</span>{" ".join(boxes)}</div>')
    return "".join(parts)


def _field_data(key: str | None, result: Result, targets: dict) -> dict:
    checks_of: dict[str, list[dict]] = {}
    for c in result.checks:
        for f in c.fields:
            checks_of.setdefault(f, []).append({"rule": c.rule, "expected": c.expected, "printed": c.printed,
                                                "ok": c.ok})
    out = {}
    for field_id, fv in result.fields.items():
        labels = field_labels(key, field_id) if key else None
        d = fv.as_dict()
        d.update(targets=targets.get(field_id, {}), checks=checks_of.get(field_id, []),
                 labels=(f"{labels.section}、{labels.heading} · {labels.row_path} · {labels.column}" if labels else ""))
        out[field_id] = d
    return out


def render(doc: Document, result: Result, source: Path) -> str:
    key = template_key(result.template, result.hybrid)
    shown = {p.number for p in doc.pages if p.path in ("text_layer", "ocr")
             and any(fv.evidence.page == p.number and fv.evidence.bbox for fv in result.fields.values())}
    images = _page_images(source, result, shown) if shown else {}
    targets = _targets(doc, result, set(images))
    fields = result.fields.values()
    review = sum(1 for f in fields if f.status != "ok")
    failed = sum(1 for c in result.checks if not c.ok)
    name = Path(result.source).name
    meta = [("template", (result.template or "none") + (" (hybrid)" if result.hybrid else "")),
            ("agency", result.agency or "—"), ("year", result.year or "—"),
            ("fields", f"{sum(1 for f in fields if f.value is not None)} of {len(result.fields)} read, "
                       f"{review} to review, {failed} checks failed"),
            ("pages", ", ".join(f"{p['page']}: {p['path']}" for p in result.pages) or "—"),
            ("sha256", result.sha256)]
    errors = "".join(f"<li>{_e(e)}</li>" for e in result.errors)
    legend = "".join(f'<span class="st-{s} chip">{_e(n)}</span>' for s, n in STATUS_NAMES.items())
    data = json.dumps(_field_data(key, result, targets), ensure_ascii=False).replace("</", "<\\/")
    body = [f'<header><h1>{_e(name)}</h1><dl>'
            + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in meta) + "</dl>"
            + (f'<ul class="errors">{errors}</ul>' if errors else "")
            + f'<p class="legend">{legend} <span class="muted">click a cell for its evidence and reasons</span></p></header>']
    body.append('<main><div id="tables">')
    if key:
        body.append(_grid_html(key, result, targets))
        body.append(f'<section id="checks"><h2>Checks (the template\'s sum rules)</h2>{_checks_html(result)}</section>')
    body.append('</div><div id="evidence"><aside id="detail" hidden><button id="close" title="close">×</button>'
                '<div id="detail-body"></div></aside>')
    if images:
        body.append(f'<section id="pages"><h2>Pages as read</h2>{_pages_html(doc, result, images)}</section>')
    open_source = "" if images else " open"
    body.append(f'<section id="source"><details{open_source}><summary><h2>Text as read</h2></summary>'
                f'<div class="source">{_source_html(doc, targets)}</div></details></section></div></main>')
    return (f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>govreport explain — {_e(name)}</title>'
            f'<meta name="generator" content="govreport explain"><style>{CSS}</style></head><body>'
            + "".join(body)
            + f'<script type="application/json" id="fields-data">{data}</script><script>{JS}</script></body></html>')


CSS = """
body{font:14px/1.45 "Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","WenQuanYi Micro Hei",sans-serif;margin:0 1.5em 6em;color:#222}
h1{font-size:1.3em;margin:.8em 0 .3em}h2{font-size:1.1em;margin:1.2em 0 .4em}code{font-size:.78em;color:#667}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em;margin:.2em 0}dt{color:#667}dd{margin:0;word-break:break-all}
.errors{color:#a30}.muted{color:#889}.scroll{overflow-x:auto}
table.grid{border-collapse:collapse}table.grid th,table.grid td{border:1px solid #bbc;padding:2px 5px}
table.grid thead th{background:#f3f3f7;font-weight:normal;text-align:center}th.rowlabel{text-align:left;font-weight:normal;max-width:26em}
.group{color:#667}td.na{background:repeating-linear-gradient(45deg,#f4f4f4,#f4f4f4 4px,#fff 4px,#fff 8px)}
td.cell{text-align:right;min-width:4.5em;cursor:pointer}td.cell a{color:inherit;text-decoration:none;display:block}
td.cell .v{display:block;font-weight:600}td.cell .c{display:block;font-size:.72em;color:#556}
.st-ok{background:#e6f4e6}.st-low_confidence{background:#fff0c2}.st-inferred{background:#dde9ff}
.st-missing{background:#eee;color:#888}.st-inconsistent{background:#ffd6d6}
.chip{padding:1px 8px;margin-right:4px;border-radius:3px;border:1px solid #ccd}
.hl{outline:3px solid #e00000 !important;outline-offset:1px}
table.checks{border-collapse:collapse}table.checks td,table.checks th{border-bottom:1px solid #dde;padding:2px 6px;text-align:left}
table.checks tr.fail{background:#ffe3e3}td.fl a{margin-right:.4em;font-size:.8em}
figure.page{margin:1em 0}.sheet{position:relative;display:inline-block;border:1px solid #999;max-width:100%}
.sheet img{display:block;max-width:100%;height:auto}.sheet svg{position:absolute;left:0;top:0;width:100%;height:100%}
rect.word{fill:none;stroke:#3b7dd8;stroke-width:.6;stroke-opacity:.55}
rect.box{fill-opacity:.28;stroke-width:1.2;cursor:pointer}rect.box.st-ok{fill:#2a2;stroke:#181}
rect.box.st-low_confidence{fill:#f5a300;stroke:#b70}rect.box.st-inferred{fill:#36f;stroke:#24b}
rect.box.st-inconsistent{fill:#e22;stroke:#a00}rect.box.st-missing{fill:#888;stroke:#555}
rect.box.hl{stroke:#e00000;stroke-width:4;fill-opacity:.45;outline:none}
.source{font:13px/1.5 monospace;white-space:pre-wrap}.src{padding:0 4px}.src.used{background:#fafaf0}
.ln{color:#99a;display:inline-block;min-width:5.5em}.b.f{background:#fff0c2;cursor:pointer}.b{border-left:1px dotted #ccd;padding:0 2px}
summary h2{display:inline}
@media (min-width:1100px){main{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1.5em;align-items:start}
#evidence{position:sticky;top:0;max-height:100vh;overflow:auto}}
aside#detail{position:sticky;top:0;max-height:40vh;overflow:auto;background:#fff;
border:1px solid #889;box-shadow:0 2px 12px rgba(0,0,0,.25);padding:.3em 1em;z-index:5}
aside#detail h3{margin:.3em 0}aside#detail p{margin:.3em 0}
aside#detail button{float:right;border:none;background:none;font-size:1.4em;cursor:pointer}
"""

JS = """
const data = JSON.parse(document.getElementById('fields-data').textContent);
const fmt = v => v === null || v === undefined ? '—' : String(v);
const esc = s => String(s).replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
function select(fid, scroll) {
  const f = data[fid];
  if (!f) return;
  document.querySelectorAll('.hl').forEach(e => e.classList.remove('hl'));
  const ids = ['cell-' + fid, f.targets.box, f.targets.span].filter(Boolean);
  let first = null;
  for (const id of ids) {
    const el = document.getElementById(id);
    if (!el) continue;
    el.classList.add('hl');
    const d = el.closest('details'); if (d) d.open = true;
    if (!first && id !== 'cell-' + fid) first = el;
  }
  if (scroll && first) first.scrollIntoView({block: 'center', inline: 'nearest'});
  const ev = f.evidence || {};
  let h = `<h3><code>${esc(fid)}</code></h3><p>${esc(f.labels)}</p>` +
    `<p><b>${esc(fmt(f.value))}</b> — ${esc(f.status)}, confidence ${f.confidence.toFixed(2)}</p>`;
  if (f.reasons && f.reasons.length) h += '<ul>' + f.reasons.map(r => `<li>${esc(r)}</li>`).join('') + '</ul>';
  if (f.candidates && f.candidates.length) h += `<p>candidates: ${f.candidates.map(esc).join(', ')}</p>`;
  for (const c of f.checks) h += `<p>${c.ok ? '✓' : '✗'} <code>${esc(c.rule)}</code>: expected ${esc(c.expected)}, printed ${esc(c.printed)}</p>`;
  h += `<p class="muted">evidence: page ${esc(fmt(ev.page))}${ev.bbox ? ', box ' + ev.bbox.map(v => Math.round(v)).join(',') : ''}` +
    `${ev.line_text ? '<br>line: ' + esc(ev.line_text) : ''}${ev.text ? '<br>read: ' + esc(ev.text) : ''}</p>`;
  document.getElementById('detail-body').innerHTML = h;
  document.getElementById('detail').hidden = false;
}
document.addEventListener('click', e => {
  if (e.target.id === 'close') { document.getElementById('detail').hidden = true; return; }
  const el = e.target.closest('[data-field]');
  if (!el) return;
  e.preventDefault();
  select(el.dataset.field, !el.closest('.sheet'));
});
if (location.hash.startsWith('#cell-')) select(decodeURIComponent(location.hash.slice(6)), true);
"""
