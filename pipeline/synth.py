"""Synthetic report variants with known truth, for property tests and benchmarks.

A gold table (template key + field values) is printed once per seed — each row label drawn
among its printed variants and enumerator styles — and that printed table is then rendered
and mangled the ways real converters mangle it, one kind at a time.  `tab_rows` is the
plain rendering every other kind must differ from.  Every variant carries its truth: the
value each field must come out as, or None where the mangling removed it (the field must
then be absent or flagged), and the fields whose printed value the mangling corrupted (OCR
misreadings: the product must flag those, never mark them ok).
"""
from __future__ import annotations

import copy
import html
import math
import random
from dataclasses import dataclass, field
from typing import Callable

from .schema import HYBRID, Table, Template, load_template
from .variation import corrupt_number, misprinted_total, ocr_noise, printed_label

FULLWIDTH = str.maketrans("0123456789+-.,", "０１２３４５６７８９＋－．，")


@dataclass
class PrintedRow:
    table: str
    row: str | None  # None: a row the template does not have (an extra row a body added)
    label: str
    cells: list[str]
    group: str | None = None  # printed group heading before the label, e.g. （三）不予公开
    fields: list[str | None] = field(default_factory=list)  # field id of each printed cell


@dataclass
class Variant:
    name: str
    text: str
    truth: dict[str, float | int | None]
    suffix: str = ".txt"
    encoding: str = "utf-8"
    corrupt: set[str] = field(default_factory=set)  # fields printed wrong: must be flagged, never ok
    rows: list[PrintedRow] = field(default_factory=list)  # the printed rows, as this kind printed them


@dataclass
class Judgement:
    fields: int
    exact: int
    confident_wrong: list[str]  # wrong and neither flagged nor below the confidence bar


def judge(result, truth: dict, confident: float, corrupt: set[str] | frozenset = frozenset()) -> Judgement:
    """Compare a Result with a variant's truth; a None truth means the field must be absent.

    A corrupt field (its printed value was misread on purpose) is confident wrong whenever
    it is marked ok, even with the right value: the product cannot know it without doubt."""
    exact, confident_wrong = 0, []
    for field_id, expected in truth.items():
        got = result.fields.get(field_id)
        value = got.value if got else None
        if value is None or expected is None:
            same = value is None and expected is None
        else:
            same = math.isclose(value, expected, abs_tol=1e-6)
        exact += same
        confident = got is not None and got.status == "ok" and got.confidence >= confident
        if confident and (not same or field_id in corrupt):
            confident_wrong.append(field_id)
    return Judgement(len(truth), exact, confident_wrong)


def _random_value(kind: str, rng: random.Random) -> int | float:
    if kind == "signed":
        return rng.choice([0, rng.randint(-50, 50), rng.randint(-500, 500)])
    if kind == "money":
        return rng.choice([0, rng.randint(1, 99999) * 100])
    r = rng.random()
    return 0 if r < 0.5 else rng.randint(1, 30) if r < 0.9 else rng.randint(31, 3000)


def random_gold(template_key: str, rng: random.Random) -> dict:
    """A gold table of varied values that satisfy every sum rule of the template.

    Cells get random values, then each rule's derived cell is set from the others: column
    totals of a group first, then the balance's first term (its last term absorbs what would
    make that negative), then every row's total."""
    template = load_template(template_key)
    values = {f: _random_value(template.column_of(f).kind, rng) for f in template.field_ids()}
    rules = ([r for r in template.rules if r.over == "columns" and r.parts_group]
             + [r for r in template.rules if r.over == "columns" and not r.parts_group]
             + [r for r in template.rules if r.over == "rows"])
    for rule in rules:
        for inst in rule.instances(template.table(rule.table)):
            if rule.over == "rows" or rule.parts_group:
                values[inst.rhs[0]] = sum(values[f] for f in inst.lhs)
                continue
            first = sum(values[f] for f in inst.rhs) - sum(values[f] for f in inst.lhs[1:])
            if first < 0:
                values[inst.rhs[-1]] -= first
                first = 0
            values[inst.lhs[0]] = first
    return {"template": template.version, "hybrid": template.hybrid, "agency": "某某县人民政府",
            "year": 2020 if template.version == "2019" else 2023, "fields": values}


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


def printed_rows(template: Template, values: dict, rng: random.Random | None = None) -> list[PrintedRow]:
    """The tables as a report prints them: with `rng` each label is one of its printed
    variants in a drawn enumerator style; without, the schema's first variant."""
    rows = []
    for table in template.tables:
        if table.printed_flat:
            ids = table.field_ids()
            rows.append(PrintedRow(table.id, None, "", [_fmt(values[f], "count", None) for f in ids], None, ids))
            continue
        for row in table.rows:
            if all(values.get(table.field_id(row.id, c)) is None for c in row.columns):
                continue  # a row the source does not print (a label with empty cells reads as zeros)
            cells, ids = [], []
            for c in row.columns:
                column = table.columns[c]
                unit = column.default_unit if column.kind == "money" else None
                ids.append(table.field_id(row.id, c))
                cells.append(_fmt(values.get(ids[-1]), column.kind, unit))
            group = None
            first_of_group = row.parent and next(r for r in table.rows if r.parent == row.parent) is row
            if first_of_group:  # the group cell spans its sub-rows; its text prints once, at the first
                heading = next((g for g in table.group_labels if row.parent in g), row.parent)
                group = printed_label((heading, row.parent), rng) if rng else heading
            label = printed_label(row.labels, rng) if rng else row.labels[0]
            rows.append(PrintedRow(table.id, row.id, label, cells, group, ids))
    return rows


def _headers(table: Table, columns: tuple[str, ...]) -> str:
    return "\t".join(["信息内容"] + [table.columns[c].labels[0] for c in columns])


_SECTION_TITLES = {"disclosure": "二、主动公开政府信息情况", "requests": "三、收到和处理政府信息公开申请情况",
                   "appeals": "四、政府信息公开行政复议、行政诉讼情况"}
_REQUEST_HEADER = ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t申请人情况",
                   "自然人\t法人或其他组织\t总计", "商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他"]
_APPEALS_HEADER = ["行政复议\t行政诉讼", "结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t未经复议直接起诉\t复议后起诉",
                   "\t".join(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2)]


def _label_cells(row: PrintedRow) -> list[str]:
    return ([row.group] if row.group else []) + ([row.label] if row.label else [])


def render(template: Template, rows: list[PrintedRow], gold: dict, sep: str = "\t",
           line_of: Callable[[PrintedRow, str], list[str]] | None = None) -> str:
    """Report text: title, the three sections with headers, rows through `line_of`."""
    line_of = line_of or (lambda r, s: [s.join(_label_cells(r) + r.cells)])
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
# each takes (template, gold, rows, rng): `rows` is this seed's printed table (a private
# copy the kind may change), and returns a Variant

def _truth(template: Template, gold: dict) -> dict:
    return {f: gold["fields"].get(f) for f in template.field_ids()}


def tab_rows(template, gold, rows, rng):
    """The plain rendering: a row per line, tab-separated cells (every other kind differs)."""
    return Variant("tab_rows", render(template, rows, gold), _truth(template, gold))


def space_rows_wrapped(template, gold, rows, rng):
    """pypdf-like: single spaces, long labels wrapped over lines, numbers on the last line."""
    def line_of(row, sep):
        if not row.label:
            return [" ".join(row.cells)]
        label = " ".join(_label_cells(row))
        if len(label) > 12:
            cut = rng.randint(6, len(label) - 4)
            return [label[:cut], label[cut:], " ".join(row.cells)]
        return [" ".join([label] + row.cells)]
    text = render(template, rows, gold, " ", line_of)
    return Variant("space_rows_wrapped", text, _truth(template, gold))


def cell_per_line(template, gold, rows, rng):
    def line_of(row, sep):
        return ["\t" + c for c in _label_cells(row) + row.cells] + [""]
    return Variant("cell_per_line", render(template, rows, gold, "\t", line_of), _truth(template, gold))


def pipe_mangled(template, gold, rows, rng):
    """HTML-to-markdown residue: one cell per line ending in a pipe, stray empty pipe cells."""
    def line_of(row, sep):
        return [c + " |" for c in _label_cells(row) + row.cells] + ["|" * rng.randint(1, 4)]
    return Variant("pipe_mangled", render(template, rows, gold, "|", line_of), _truth(template, gold))


def column_scattered(template, gold, rows, rng):
    """pdfminer-like: per block of rows sharing columns, labels first, then numbers column by column."""
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
        out += [text for r in block for text in _label_cells(r)]
        for c in range(len(block[0].cells)):
            out += [r.cells[c] for r in block]
        page += 1
        out.append(f"- {page} -")
    out += ["五、存在的主要问题及改进情况", "无。"]
    return Variant("column_scattered", "\n\n".join(out) + "\n", _truth(template, gold))


def lost_blank_cells(template, gold, rows, rng):
    """A few rows lose one cell (an empty cell the converter dropped)."""
    candidates = [r for r in rows if r.table == "requests"]
    for row in rng.sample(candidates, k=min(3, len(candidates))):
        del row.cells[rng.randrange(len(row.cells))]
    return Variant("lost_blank_cells", render(template, rows, gold), _truth(template, gold))


def digits_run_together(template, gold, rows, rng):
    """Neighbouring cells printed with no separator: a few rows, and all of section 四."""
    candidates = [r for r in rows if r.table == "requests"]
    for row in rng.sample(candidates, k=min(2, len(candidates))):
        row.cells = ["".join(row.cells)]
    for row in rows:
        if row.table == "appeals":
            row.cells = ["".join(row.cells)]
    return Variant("digits_run_together", render(template, rows, gold), _truth(template, gold))


def fullwidth_and_separators(template, gold, rows, rng):
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


def page_break_repeated_header(template, gold, rows, rng):
    requests = [i for i, r in enumerate(rows) if r.table == "requests"]
    cut = rows[rng.choice(requests[3:-3])]

    def line_of(row, sep):
        lines = [sep.join(_label_cells(row) + row.cells)]
        if row is cut:
            lines += [f"第 {rng.randint(2, 9)} 页", "- 3 -"] + _REQUEST_HEADER
        return lines
    return Variant("page_break_repeated_header", render(template, rows, gold, "\t", line_of), _truth(template, gold))


def reordered_rows(template, gold, rows, rng):
    """Two rows of one table printed in each other's place (rows with the same columns,
    so the block headers still fit)."""
    pairs = [(a, b) for a, ra in enumerate(rows) for b, rb in enumerate(rows)
             if a < b and ra.row and rb.row and ra.table == rb.table and not ra.group and not rb.group
             and template.table(ra.table).row(ra.row).columns == template.table(rb.table).row(rb.row).columns]
    a, b = rng.choice(pairs)
    rows[a], rows[b] = rows[b], rows[a]
    return Variant("reordered_rows", render(template, rows, gold), _truth(template, gold), rows=rows)


def extra_row(template, gold, rows, rng):
    requests = [i for i, r in enumerate(rows) if r.table == "requests"]
    at = rng.choice(requests[2:-2])
    extra = PrintedRow("requests", None, "其中：通过网络平台申请", [str(rng.randint(0, 9)) for _ in range(7)])
    rows.insert(at + 1, extra)
    return Variant("extra_row", render(template, rows, gold), _truth(template, gold))


def missing_row(template, gold, rows, rng):
    requests = [r for r in rows if r.table == "requests" and r.row not in ("received", "handled_total")
                and not r.group]
    gone = rng.choice(requests)
    rows.remove(gone)
    truth = _truth(template, gold)
    for c in template.table("requests").row(gone.row).columns:
        truth[f"requests.{gone.row}.{c}"] = None
    return Variant("missing_row", render(template, rows, gold), truth)


BLANK_MARKERS = ("—", "-", "/", "无")


def blank_markers(template, gold, rows, rng):
    """Zero cells printed as a dash, slash or 无 (section 二 and a few in section 三)."""
    zeros = [(r, k) for r in rows if r.table in ("disclosure", "requests") for k, c in enumerate(r.cells) if c == "0"]
    if not zeros:
        raise ValueError("blank_markers needs a table with a zero cell")
    chosen = [(r, k) for r, k in zeros if r.table == "disclosure"] or []
    chosen += rng.sample([z for z in zeros if z[0].table == "requests"] or zeros, k=1)
    for row, k in chosen:
        row.cells[k] = rng.choice(BLANK_MARKERS)
    return Variant("blank_markers", render(template, rows, gold), _truth(template, gold))


def wrong_printed_total(template, gold, rows, rng):
    """A printed 总计 that disagrees with its parts: the truth is what is printed."""
    row = rng.choice([r for r in rows if r.table == "requests"])
    printed = int(float(row.cells[-1] or 0)) + rng.randint(1, 5)
    row.cells[-1] = str(printed)
    truth = _truth(template, gold)
    truth[f"requests.{row.row}.total"] = printed
    return Variant("wrong_printed_total", render(template, rows, gold), truth)


def wrong_printed_totals(template, gold, rows, rng):
    """Two totals of one table printed wrong (left at 0 while their parts are not, or off by a
    few), as a real appeals table prints two of its three: the rules pin the totals, and the
    other values of their rows are right.  The truth is what is printed."""
    table = rng.choice(["appeals", "appeals", "requests"])
    cell = {f: (row, k) for row in rows for k, f in enumerate(row.fields) if f}
    truth = _truth(template, gold)
    instances = [i for i in template.rule_instances() if len(i.rhs) == 1 and i.rhs[0].startswith(table + ".")
                 and all(f in cell for f in i.fields)]
    given = {i.name: int(sum(truth[f] or 0 for f in i.lhs)) for i in instances}
    # totals with parts first: a total printed 0 beside them is the real tables' kind
    first = rng.choice([i for i in instances if given[i.name]] or instances)
    # the second total outside the first's rule, so each printed total breaks its own rule
    others = [i for i in instances if not set(i.fields) & set(first.fields)]
    second = rng.choice([i for i in others if given[i.name]] or others)
    for inst in (first, second):
        row, k = cell[inst.rhs[0]]
        printed = misprinted_total(given[inst.name], rng)
        while str(printed) == row.cells[k]:  # a table printed wrong already may print this
            printed = misprinted_total(given[inst.name], rng)
        row.cells[k] = str(printed)
        truth[inst.rhs[0]] = printed
    return Variant("wrong_printed_totals", render(template, rows, gold), truth)


def html_table(template, gold, rows, rng):
    parts = [f"<html><head><meta charset='utf-8'></head><body><h1>{html.escape(gold.get('agency') or '某某县人民政府')}"
             f"{gold.get('year') or 2020}年政府信息公开工作年度报告</h1>"]
    current = None
    for i, row in enumerate(rows):
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
        table = template.table(current)
        parent = table.row(row.row).parent if row.row and current == "requests" else None
        group = ""
        if row.group:  # the group cell spans its sub-rows and the first two label columns
            span = 1
            while i + span < len(rows) and rows[i + span].table == current and rows[i + span].row \
                    and table.row(rows[i + span].row).parent == parent:
                span += 1
            group = f"<td rowspan={span} colspan=2>{html.escape(row.group)}</td>"
        label = ""
        if row.label:
            label = f"<td colspan={1 if parent or current != 'requests' else 3}>{html.escape(row.label)}</td>"
        cells = "".join(f"<td>{html.escape(c)}</td>" for c in row.cells)
        parts.append("<tr>" + group + label + cells + "</tr>")
    parts.append("</table><p>五、存在的主要问题及改进情况</p></body></html>")
    return Variant("html_table", "".join(parts), _truth(template, gold), ".html")


def crawler_cells_run_together(template, gold, rows, rng):
    """Tag-stripped page text: every row's label and cells glued with no separator."""
    def line_of(row, sep):
        return ["".join(_label_cells(row)) + "".join(row.cells)]
    text = "首页 > 政务公开 > 年度报告\n发布时间：2021-01-20 信息来源：本机关\n" + render(template, rows, gold, "", line_of)
    return Variant("crawler_cells_run_together", text, _truth(template, gold))


def crawler_one_line(template, gold, rows, rng):
    """The whole tag-stripped page as one line: headings, labels and cells all glued."""
    text = crawler_cells_run_together(template, gold, rows, rng).text.replace("\n", "")
    return Variant("crawler_one_line", text + "\n", _truth(template, gold))


def word_html(template, gold, rows, rng):
    """Word "save as web page": GBK bytes, mso markup inside every cell."""
    base = html_table(template, gold, rows, rng).text
    base = base.replace("<meta charset='utf-8'>", "<meta http-equiv=Content-Type content='text/html; charset=gb2312'>"
                        "<!--[if gte mso 9]><xml><w:WordDocument></w:WordDocument></xml><![endif]-->")
    base = base.replace("<td>", "<td width=64 style='border:solid windowtext 1.0pt'><p class=MsoNormal align=center>"
                        "<span lang=EN-US style='font-size:10.5pt'>").replace("</td>", "<o:p></o:p></span></p></td>")
    return Variant("word_html", base, _truth(template, gold), ".html", "gb18030")


_OCR_SWAPS = {"0": "O", "1": "l"}


def _rule_fields(template: Template) -> dict[str, list[int]]:
    """Field id -> indices of the rule instances it takes part in."""
    out: dict[str, list[int]] = {}
    for k, inst in enumerate(template.rule_instances()):
        for f in inst.fields:
            out.setdefault(f, []).append(k)
    return out


def ocr_markdown(template, gold, rows, rng):
    """OCR output as a markdown table: pipes, <br> in wrapped labels, label characters
    confused, whole cells read O/l for 0/1, and digits misread inside numbers (6/8, 1/7,
    3/8, 5/6, a digit dropped or doubled, a stray point or comma).

    Misread digits go only into cells a sum rule covers, at most one per rule: from text
    alone nothing else could reveal them (an unruled cell misread is wrong for any
    reader); the rules can.  Every misread cell is in `corrupt`."""
    corrupt: set[str] = set()
    rules = _rule_fields(template)
    printed = [(row, k) for row in rows for k, f in enumerate(row.fields)
               if f in rules and any(ch.isdigit() for ch in row.cells[k])]
    used: set[int] = set()
    for row, k in rng.sample(printed, k=min(len(printed), 6)):
        if len(corrupt) == 3 or used & set(rules[row.fields[k]]):
            continue
        used |= set(rules[row.fields[k]])
        row.cells[k] = corrupt_number(row.cells[k], rng)
        corrupt.add(row.fields[k])
    for row in rows:
        for k, c in enumerate(row.cells):
            if c in _OCR_SWAPS and rng.random() < 0.05 and row.fields[k] not in corrupt:
                row.cells[k] = _OCR_SWAPS[c]
                corrupt.add(row.fields[k])
        if row.label and rng.random() < 0.3:
            row.label = ocr_noise(row.label, rng, rate=0.05)

    def line_of(row, sep):
        label = row.label
        if len(label) > 12:
            label = label[:8] + "<br>" + label[8:]
        return ["| " + " | ".join(([row.group] if row.group else []) + ([label] if label else []) + row.cells) + " |"]
    text = render(template, rows, gold, "|", line_of)
    text = text.replace("\n二、", "\n## 二、").replace("\n三、", "\n## 三、")
    return Variant("ocr_markdown", text, _truth(template, gold), ".md", corrupt=corrupt)


MANGLINGS: dict[str, Callable[[Template, dict, list[PrintedRow], random.Random], Variant]] = {
    f.__name__: f for f in (tab_rows, space_rows_wrapped, cell_per_line, pipe_mangled, column_scattered,
                            lost_blank_cells, digits_run_together, fullwidth_and_separators,
                            page_break_repeated_header, reordered_rows, extra_row, missing_row, blank_markers,
                            wrong_printed_total, wrong_printed_totals, html_table, crawler_cells_run_together, crawler_one_line, word_html,
                            ocr_markdown)
}


def variants(gold: dict, seed: int, kinds: list[str] | None = None) -> list[Variant]:
    """The seed's printed table (labels drawn once), then each kind's rendering of it."""
    template = template_for(gold)
    rows = printed_rows(template, gold["fields"], random.Random(f"{seed}:printed"))
    out = []
    for name in kinds or list(MANGLINGS):
        rng = random.Random(f"{seed}:{name}")
        mine = copy.deepcopy(rows)
        variant = MANGLINGS[name](template, gold, mine, rng)
        variant.name = name
        variant.rows = variant.rows or mine
        out.append(variant)
    return out
