"""Synthetic report variants with known truth, for property tests and benchmarks.

A gold table (template key + field values) is rendered as report text and then mangled the
ways real converters mangle it.  Every variant carries its truth: the value each field must
come out as, or None where the mangling removed it (the field must then be flagged).
"""
from __future__ import annotations

import html
import math
import random
from dataclasses import dataclass, field
from typing import Callable

from .schema import HYBRID, Table, Template, load_template

FULLWIDTH = str.maketrans("0123456789+-.,", "０１２３４５６７８９＋－．，")


@dataclass
class PrintedRow:
    table: str
    row: str | None  # None: a row the template does not have (an extra row a body added)
    label: str
    cells: list[str]
    group: str | None = None  # printed group heading before the label, e.g. （三）不予公开


@dataclass
class Variant:
    name: str
    text: str
    truth: dict[str, float | int | None]
    suffix: str = ".txt"
    encoding: str = "utf-8"


@dataclass
class Judgement:
    fields: int
    exact: int
    confident_wrong: list[str]  # wrong and neither flagged nor below the confidence bar


def judge(result, truth: dict, confident: float) -> Judgement:
    """Compare a Result with a variant's truth; a None truth means the field must be absent."""
    exact, confident_wrong = 0, []
    for field_id, expected in truth.items():
        got = result.fields.get(field_id)
        value = got.value if got else None
        if value is None or expected is None:
            same = value is None and expected is None
        else:
            same = math.isclose(value, expected, abs_tol=1e-6)
        if same:
            exact += 1
        elif got is not None and got.status == "ok" and got.confidence >= confident:
            confident_wrong.append(field_id)
    return Judgement(len(truth), exact, confident_wrong)


def template_for(gold: dict) -> Template:
    return load_template(HYBRID if gold.get("hybrid") else gold["template"])


def _number(value) -> str:
    """Printed form of a number, never in exponent notation."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _fmt(value, kind: str, unit: str | None) -> str:
    if value is None:
        return ""
    if kind == "money" and unit == "万元":
        return _number(value / 10000)
    if kind == "signed" and value > 0:
        return "+" + _number(value)
    return _number(value)


def printed_rows(template: Template, values: dict) -> list[PrintedRow]:
    rows = []
    for table in template.tables:
        if table.printed_flat:
            cells = [_fmt(values[f], "count", None) for f in table.field_ids()]
            rows.append(PrintedRow(table.id, None, "", cells))
            continue
        for row in table.rows:
            if all(values.get(table.field_id(row.id, c)) is None for c in row.columns):
                continue  # a row the source does not print (a label with empty cells reads as zeros)
            cells = []
            for c in row.columns:
                column = table.columns[c]
                unit = column.default_unit if column.kind == "money" else None
                cells.append(_fmt(values.get(table.field_id(row.id, c)), column.kind, unit))
            group = f"（{row.parent}）" if row.parent else None
            rows.append(PrintedRow(table.id, row.id, row.labels[0], cells, group))
    return rows


def _headers(table: Table, columns: tuple[str, ...]) -> str:
    return "\t".join(["信息内容"] + [table.columns[c].labels[0] for c in columns])


_SECTION_TITLES = {"disclosure": "二、主动公开政府信息情况", "requests": "三、收到和处理政府信息公开申请情况",
                   "appeals": "四、政府信息公开行政复议、行政诉讼情况"}
_REQUEST_HEADER = ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t申请人情况",
                   "自然人\t法人或其他组织\t总计", "商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他"]
_APPEALS_HEADER = ["行政复议\t行政诉讼", "结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t未经复议直接起诉\t复议后起诉",
                   "\t".join(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2)]


def render(template: Template, rows: list[PrintedRow], gold: dict, sep: str = "\t",
           line_of: Callable[[PrintedRow, str], list[str]] | None = None) -> str:
    """Report text: title, the three sections with headers, rows through `line_of`."""
    line_of = line_of or (lambda r, s: [s.join(([r.label] if r.label else []) + r.cells)])
    out = [f"{gold.get('agency') or '某某县人民政府'}{gold.get('year') or 2020}年政府信息公开工作年度报告",
           "一、总体情况", "本机关认真贯彻落实《条例》，全年主动公开政府信息若干条，依法答复各类申请。"]
    current, columns = None, None
    for row in rows:
        if row.table != current:
            current = row.table
            out.append(_SECTION_TITLES[current])
            if current == "requests":
                out += _REQUEST_HEADER
            if current == "appeals":
                out += _APPEALS_HEADER
        table = template.table(row.table)
        if row.table == "disclosure" and row.row:
            cols = table.row(row.row).columns
            if cols != columns:
                columns = cols
                out.append(_headers(table, cols))
        out += line_of(row, sep)
    out += ["五、存在的主要问题及改进情况", "工作中仍存在不足，下一步将持续改进。", "六、其他需要报告的事项", "无。"]
    return "\n".join(out) + "\n"


# --- manglings ------------------------------------------------------------------------
# each takes (template, gold, rng) and returns a Variant

def _truth(template: Template, gold: dict) -> dict:
    return {f: gold["fields"].get(f) for f in template.field_ids()}


def tab_rows(template, gold, rng):
    return Variant("tab_rows", render(template, printed_rows(template, gold["fields"]), gold), _truth(template, gold))


def space_rows_wrapped(template, gold, rng):
    """pypdf-like: single spaces, long labels wrapped over lines, numbers on the last line."""
    def line_of(row, sep):
        if not row.label:
            return [" ".join(row.cells)]
        label = row.label
        if len(label) > 12:
            cut = rng.randint(6, len(label) - 4)
            return [label[:cut], label[cut:], " ".join(row.cells)]
        return [" ".join([label] + row.cells)]
    text = render(template, printed_rows(template, gold["fields"]), gold, " ", line_of)
    return Variant("space_rows_wrapped", text, _truth(template, gold))


def cell_per_line(template, gold, rng):
    def line_of(row, sep):
        return ["\t" + c for c in ([row.label] if row.label else []) + row.cells] + [""]
    return Variant("cell_per_line", render(template, printed_rows(template, gold["fields"]), gold, "\t", line_of),
                   _truth(template, gold))


def pipe_mangled(template, gold, rng):
    """HTML-to-markdown residue: one cell per line ending in a pipe, stray empty pipe cells."""
    def line_of(row, sep):
        cells = ([row.label] if row.label else []) + row.cells
        return [c + " |" for c in cells] + ["|" * rng.randint(1, 4)]
    return Variant("pipe_mangled", render(template, printed_rows(template, gold["fields"]), gold, "|", line_of),
                   _truth(template, gold))


def column_scattered(template, gold, rng):
    """pdfminer-like: per block of rows sharing columns, labels first, then numbers column by column."""
    rows = printed_rows(template, gold["fields"])
    out = [f"{gold.get('agency') or '某某县人民政府'}{gold.get('year') or 2020}年政府信息公开工作年度报告"]
    page = 1
    blocks: list[list[PrintedRow]] = []
    for row in rows:
        same = blocks and blocks[-1][0].table == row.table and len(blocks[-1][-1].cells) == len(row.cells) \
            and (row.table != "disclosure" or template.table("disclosure").row(blocks[-1][0].row).columns ==
                 template.table("disclosure").row(row.row).columns) and len(blocks[-1]) < 14
        if same:
            blocks[-1].append(row)
        else:
            blocks.append([row])
    current = None
    for block in blocks:
        if block[0].table != current:
            current = block[0].table
            out.append(_SECTION_TITLES[current])
            if current == "requests":
                out += [h.replace("\t", "\n") for h in _REQUEST_HEADER]
            if current == "appeals":
                out += [h.replace("\t", "\n") for h in _APPEALS_HEADER]
        if current == "disclosure":
            out += _headers(template.table(current), template.table(current).row(block[0].row).columns).split("\t")
        out += [r.label for r in block if r.label]
        for c in range(len(block[0].cells)):
            out += [r.cells[c] for r in block]
        page += 1
        out.append(f"- {page} -")
    out += ["五、存在的主要问题及改进情况", "无。"]
    return Variant("column_scattered", "\n\n".join(out) + "\n", _truth(template, gold))


def lost_blank_cells(template, gold, rng):
    """A few rows lose one cell (an empty cell the converter dropped)."""
    rows = printed_rows(template, gold["fields"])
    candidates = [r for r in rows if r.table == "requests"]
    for row in rng.sample(candidates, k=min(3, len(candidates))):
        del row.cells[rng.randrange(len(row.cells))]
    return Variant("lost_blank_cells", render(template, rows, gold), _truth(template, gold))


def digits_run_together(template, gold, rng):
    """Neighbouring cells printed with no separator: a few rows, and all of section 四."""
    rows = printed_rows(template, gold["fields"])
    candidates = [r for r in rows if r.table == "requests"]
    for row in rng.sample(candidates, k=min(2, len(candidates))):
        row.cells = ["".join(row.cells)]
    for row in rows:
        if row.table == "appeals":
            row.cells = ["".join(row.cells)]
    return Variant("digits_run_together", render(template, rows, gold), _truth(template, gold))


def fullwidth_and_separators(template, gold, rng):
    rows = printed_rows(template, gold["fields"])
    for row in rows:
        cells = []
        for c in row.cells:
            try:
                number = float(c)
            except ValueError:
                number = None
            if number is not None and number.is_integer() and abs(number) >= 1000:
                c = f"{int(number):,}"
            cells.append(c.translate(FULLWIDTH))
        row.cells = cells
    return Variant("fullwidth_and_separators", render(template, rows, gold), _truth(template, gold))


def page_break_repeated_header(template, gold, rng):
    rows = printed_rows(template, gold["fields"])
    requests = [i for i, r in enumerate(rows) if r.table == "requests"]
    cut = rng.choice(requests[3:-3])

    def line_of(row, sep, _cut=rows[cut]):
        lines = [sep.join(([row.label] if row.label else []) + row.cells)]
        if row is _cut:
            lines += [f"第 {rng.randint(2, 9)} 页", "- 3 -"] + _REQUEST_HEADER
        return lines
    return Variant("page_break_repeated_header", render(template, rows, gold, "\t", line_of), _truth(template, gold))


def reordered_rows(template, gold, rng):
    rows = printed_rows(template, gold["fields"])
    disclosure = [i for i, r in enumerate(rows) if r.table == "disclosure"]
    a, b = rng.sample(disclosure, 2)
    if template.table("disclosure").row(rows[a].row).columns == template.table("disclosure").row(rows[b].row).columns:
        rows[a], rows[b] = rows[b], rows[a]
    return Variant("reordered_rows", render(template, rows, gold), _truth(template, gold))


def extra_row(template, gold, rng):
    rows = printed_rows(template, gold["fields"])
    requests = [i for i, r in enumerate(rows) if r.table == "requests"]
    at = rng.choice(requests[2:-2])
    extra = PrintedRow("requests", None, "其中：通过网络平台申请", [str(rng.randint(0, 9)) for _ in range(7)])
    rows.insert(at + 1, extra)
    return Variant("extra_row", render(template, rows, gold), _truth(template, gold))


def missing_row(template, gold, rng):
    rows = printed_rows(template, gold["fields"])
    requests = [r for r in rows if r.table == "requests" and r.row not in ("received", "handled_total")]
    gone = rng.choice(requests)
    rows.remove(gone)
    truth = _truth(template, gold)
    for c in template.table("requests").row(gone.row).columns:
        truth[f"requests.{gone.row}.{c}"] = None
    return Variant("missing_row", render(template, rows, gold), truth)


def blank_markers(template, gold, rng):
    rows = printed_rows(template, gold["fields"])
    for row in rows:
        if row.table == "disclosure":
            row.cells = [rng.choice(["—", "-", "/", "无"]) if c == "0" else c for c in row.cells]
    return Variant("blank_markers", render(template, rows, gold), _truth(template, gold))


def wrong_printed_total(template, gold, rng):
    """A printed 总计 that disagrees with its parts: the truth is what is printed."""
    rows = printed_rows(template, gold["fields"])
    row = rng.choice([r for r in rows if r.table == "requests"])
    printed = int(float(row.cells[-1] or 0)) + rng.randint(1, 5)
    row.cells[-1] = str(printed)
    truth = _truth(template, gold)
    truth[f"requests.{row.row}.total"] = printed
    return Variant("wrong_printed_total", render(template, rows, gold), truth)


def html_table(template, gold, rng):
    rows = printed_rows(template, gold["fields"])
    parts = [f"<html><head><meta charset='utf-8'></head><body><h1>{html.escape(gold.get('agency') or '某某县人民政府')}"
             f"{gold.get('year') or 2020}年政府信息公开工作年度报告</h1>"]
    current = None
    for row in rows:
        if row.table != current:
            if current:
                parts.append("</table>")
            current = row.table
            parts.append(f"<p>{_SECTION_TITLES[current]}</p><table border=1>")
            if current == "requests":
                parts.append("<tr><td colspan=3 rowspan=3>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>"
                             "<td colspan=7>申请人情况</td></tr><tr><td rowspan=2>自然人</td><td colspan=5>法人或其他组织</td>"
                             "<td rowspan=2>总计</td></tr><tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td>"
                             "<td>法律服务机构</td><td>其他</td></tr>")
        label = f"<td colspan={3 if current == 'requests' and not row.group else 1}>{html.escape(row.label)}</td>" \
            if row.label else ""
        group = f"<td colspan=2>{html.escape(row.group)}</td>" if row.group else ""
        parts.append("<tr>" + group + label + "".join(f"<td>{html.escape(c)}</td>" for c in row.cells) + "</tr>")
    parts.append("</table><p>五、存在的主要问题及改进情况</p></body></html>")
    return Variant("html_table", "".join(parts), _truth(template, gold), ".html")


def crawler_cells_run_together(template, gold, rng):
    """Tag-stripped page text: every row's label and cells glued with no separator."""
    def line_of(row, sep):
        return [row.label + "".join(row.cells)]
    text = "首页 > 政务公开 > 年度报告\n发布时间：2021-01-20 信息来源：本机关\n" + \
        render(template, printed_rows(template, gold["fields"]), gold, "", line_of)
    return Variant("crawler_cells_run_together", text, _truth(template, gold))


def crawler_one_line(template, gold, rng):
    """The whole tag-stripped page as one line: headings, labels and cells all glued."""
    text = crawler_cells_run_together(template, gold, rng).text.replace("\n", "")
    return Variant("crawler_one_line", text + "\n", _truth(template, gold))


def word_html(template, gold, rng):
    """Word "save as web page": GBK bytes, mso markup inside every cell."""
    base = html_table(template, gold, rng).text
    base = base.replace("<meta charset='utf-8'>", "<meta http-equiv=Content-Type content='text/html; charset=gb2312'>"
                        "<!--[if gte mso 9]><xml><w:WordDocument></w:WordDocument></xml><![endif]-->")
    base = base.replace("<td>", "<td width=64 style='border:solid windowtext 1.0pt'><p class=MsoNormal align=center>"
                        "<span lang=EN-US style='font-size:10.5pt'>").replace("</td>", "<o:p></o:p></span></p></td>")
    return Variant("word_html", base, _truth(template, gold), ".html", "gb18030")


_OCR_SWAPS = {"0": "O", "1": "l"}


def ocr_markdown(template, gold, rng):
    """OCR output as a markdown table: pipes, <br> in wrapped labels, a few 0/O 1/l confusions."""
    def line_of(row, sep):
        label = row.label
        if len(label) > 12:
            label = label[:8] + "<br>" + label[8:]
        cells = [_OCR_SWAPS.get(c, c) if rng.random() < 0.05 and c in _OCR_SWAPS else c for c in row.cells]
        return ["| " + " | ".join(([label] if label else []) + cells) + " |"]
    text = render(template, printed_rows(template, gold["fields"]), gold, "|", line_of)
    text = text.replace("\n二、", "\n## 二、").replace("\n三、", "\n## 三、")
    return Variant("ocr_markdown", text, _truth(template, gold), ".md")


MANGLINGS: dict[str, Callable[[Template, dict, random.Random], Variant]] = {
    f.__name__: f for f in (tab_rows, space_rows_wrapped, cell_per_line, pipe_mangled, column_scattered,
                            lost_blank_cells, digits_run_together, fullwidth_and_separators,
                            page_break_repeated_header, reordered_rows, extra_row, missing_row, blank_markers,
                            wrong_printed_total, html_table, crawler_cells_run_together, crawler_one_line, word_html,
                            ocr_markdown)
}


def variants(gold: dict, seed: int, kinds: list[str] | None = None) -> list[Variant]:
    template = template_for(gold)
    out = []
    for name in kinds or list(MANGLINGS):
        rng = random.Random(f"{seed}:{name}")
        variant = MANGLINGS[name](template, gold, rng)
        variant.name = name
        out.append(variant)
    return out
