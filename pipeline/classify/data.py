"""Label-classifier training records, all generated from the schema: no real document.

A report's section 二 and 三 tables are laid out as the official national tables print
them (a grid of label, header and value cells with row and column spans; see "How the
tables are printed" in the canonical schema), their text varied (any printed label
variant, enumerator styles, OCR confusions, traditional characters), then rendered the
ways archives hold them: an HTML table, a cell per line or per pipe, PDF text lines in
which narrow label columns wrap and merged cells sit at their vertical middle, pdfminer
text boxes with the numbers scattered after the labels, crawler text glued into one
line, OCR markdown.  The rendering goes through the production reader, tokenizer and
candidate segmentation, so training sees exactly the candidates the spotter sees.

Each candidate is labelled by the characters it holds: the candidate that holds the first
character after the enumerator of a row's label cell takes that row id; every other
candidate (headers, group cells, wrapped tails, titles) is `none`.  All randomness
comes from the `random.Random` passed in.
"""
from __future__ import annotations

import html
import random
import re
from dataclasses import dataclass, field

from ..cells import normalize
from ..labels import row_labels
from ..layout import find_sections, tokenize
from ..model import Document
from ..schema import Template, all_templates, load_template
from ..variation import (ocr_noise, printed_label, split_enumerator, stray_space, to_traditional,
                         wrap)
from .candidates import candidates
from .decode import NONE
from .features import record

TABLES = ("disclosure", "requests")
LAYOUTS = ("html", "cells", "cell_lines", "pdf_lines", "pdf_boxes", "glued", "markdown")
STYLES = ("clean", "clean", "ocr", "ocr", "traditional")

SECTION_TITLES = {"disclosure": ("二、主动公开政府信息情况",),
                  "requests": ("三、收到和处理政府信息公开申请情况",),
                  "appeals": ("四、政府信息公开行政复议、行政诉讼情况", "四、行政复议、行政诉讼情况")}
# section 二 is printed in blocks, each under the 第二十条 item its rows report on
ARTICLE_ITEM = {"rules": "一", "normative_docs": "一", "licensing": "五", "other_services": "五",
                "penalty": "六", "coercion": "六", "fees": "八", "procurement": "九"}
BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


# ---- the grid ------------------------------------------------------------------------

@dataclass
class Cell:
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    label: str = NONE  # row id when the cell is a row's label
    number: bool = False  # a value cell
    id: int = 0


@dataclass
class Grid:
    table_id: str
    ncols: int
    label_cols: int  # columns holding labels (3 in section 三)
    header_rows: int  # rows repeated on a new page
    cells: list[Cell] = field(default_factory=list)

    def add(self, row: int, col: int, text: str, rowspan: int = 1, colspan: int = 1, label: str = NONE,
            number: bool = False) -> None:
        self.cells.append(Cell(row, col, text, rowspan, colspan, label, number, len(self.cells)))

    @property
    def nrows(self) -> int:
        return max(c.row + c.rowspan for c in self.cells)

    def starting(self, row: int) -> list[Cell]:
        return sorted((c for c in self.cells if c.row == row), key=lambda c: c.col)


def _number(rng: random.Random, signed: bool = False) -> str:
    r = rng.random()
    if r < 0.55:
        text = "0"
    elif r < 0.85:
        text = str(rng.randint(1, 30))
    elif r < 0.97:
        text = str(rng.randint(31, 5000))
    else:
        text = rng.choice(["—", "/", "-", "无", ""])
    if signed and text.isdigit() and text != "0" and rng.random() < 0.7:
        text = rng.choice("+-") + text
    return text


class _Texts:
    """Varies every printed text of one document the same way (its style)."""

    def __init__(self, rng: random.Random, style: str):
        self.rng, self.style = rng, style

    def __call__(self, text: str) -> str:
        if not text:
            return text
        if self.style == "traditional":
            text = to_traditional(text)
        elif self.style == "ocr" and self.rng.random() < 0.6:
            text = ocr_noise(text, self.rng, rate=0.08)
        if self.rng.random() < 0.06:
            text = stray_space(text, self.rng)
        return text

    def label(self, variants: tuple[str, ...]) -> str:
        return self(printed_label(variants, self.rng))


def _column_label(table, column_id: str, vary: _Texts) -> str:
    return vary(vary.rng.choice(table.columns[column_id].labels))


def disclosure_grid(template: Template, rng: random.Random, vary: _Texts) -> Grid:
    """Section 二: one four-column table in blocks (title row, header row, rows)."""
    table = template.table("disclosure")
    labels = row_labels("disclosure")
    grid = Grid("disclosure", 4, 1, 0)
    r, item, last_columns = 0, None, None
    for row in table.rows:
        if ARTICLE_ITEM[row.id] != item or row.columns != last_columns:
            if ARTICLE_ITEM[row.id] != item:
                item = ARTICLE_ITEM[row.id]
                title = rng.choice([f"第二十条第（{item}）项", f"第二十条第({item})项"])
                grid.add(r, 0, vary(title), colspan=4)
                r += 1
            grid.add(r, 0, vary("信息内容"))
            for k, cid in enumerate(row.columns):
                span = 3 - len(row.columns) + 1 if k == len(row.columns) - 1 else 1
                grid.add(r, 1 + k, _column_label(table, cid, vary), colspan=span)
            r += 1
        last_columns = row.columns
        if rng.random() < 0.03:  # a row the report does not print
            continue
        grid.add(r, 0, vary.label(labels[row.id]), label=row.id)
        for k, cid in enumerate(row.columns):
            span = 3 - len(row.columns) + 1 if k == len(row.columns) - 1 else 1
            grid.add(r, 1 + k, _number(rng, table.columns[cid].signed), colspan=span, number=True)
        r += 1
    return grid


def requests_grid(template: Template, rng: random.Random, vary: _Texts) -> Grid:
    """Section 三: three label columns, a three-row header, group cells spanning sub-rows."""
    table = template.table("requests")
    labels = row_labels("requests")
    columns = list(table.columns)
    grid = Grid("requests", 3 + len(columns), 3, 3)
    corner = rng.choice([BALANCE_NOTE, BALANCE_NOTE.replace("（", "(").replace("）", ")"), ""])
    grid.add(0, 0, vary(corner), rowspan=3, colspan=3)
    grid.add(0, 3, vary("申请人情况"), colspan=len(columns))
    grid.add(1, 3, _column_label(table, columns[0], vary), rowspan=2)
    grid.add(1, 4, vary("法人或其他组织"), colspan=len(columns) - 2)
    grid.add(1, 3 + len(columns) - 1, _column_label(table, columns[-1], vary), rowspan=2)
    for k, cid in enumerate(columns[1:-1]):
        grid.add(2, 4 + k, _column_label(table, cid, vary))

    printed = [row for row in table.rows if rng.random() >= 0.03]  # now and then a row is not printed
    results = [i for i, row in enumerate(printed) if row.group == "results" or row.id == "handled_total"]
    for i, row in enumerate(printed):
        r = 3 + i
        if i in results:
            if i == results[0]:
                grid.add(r, 0, vary.label(("三、本年度办理结果", "本年度办理结果")), rowspan=len(results))
            if row.parent:
                siblings = [k for k, other in enumerate(printed) if other.parent == row.parent]
                if i == siblings[0]:
                    heading = next((g for g in table.group_labels if row.parent in g), row.parent)
                    grid.add(r, 1, vary.label((heading, row.parent)), rowspan=len(siblings))
                grid.add(r, 2, vary.label(labels[row.id]), label=row.id)
            else:
                grid.add(r, 1, vary.label(labels[row.id]), colspan=2, label=row.id)
        else:
            grid.add(r, 0, vary.label(labels[row.id]), colspan=3, label=row.id)
        for k, _ in enumerate(columns):
            grid.add(r, 3 + k, _number(rng), number=True)
    return grid


# ---- renderings ----------------------------------------------------------------------
# Each returns the section's text and the printed text pieces in output order as
# (text, cell, offset of the piece in the cell's text), for labelling.

Piece = tuple[str, Cell, int]
REPEATED = -10 ** 6
_CJK = re.compile(r"[\u4e00-\u9fff]")  # offset base of a merged cell's text printed again in a later row


class _Out:
    def __init__(self):
        self.parts: list[str] = []
        self.pieces: list[Piece] = []

    def text(self, text: str, cell: Cell | None = None, offset: int = 0, markup: bool = False) -> None:
        """`text` as printed; with `markup` it is written HTML-escaped (the reader unescapes it)."""
        self.parts.append(html.escape(text) if markup else text)
        if cell is not None and text:
            # numbers too: glued to a label they end up inside a text candidate
            self.pieces.append((text, cell, REPEATED if cell.number else offset))

    def result(self) -> tuple[str, list[Piece]]:
        return "".join(self.parts), self.pieces


def render_html(grid: Grid, rng: random.Random) -> tuple[str, list[Piece]]:
    out = _Out()
    word = rng.random() < 0.3  # Word's "save as web page" wraps every cell's text
    out.text("<table border=1>")
    for r in range(grid.nrows):
        out.text("<tr>")
        for c in grid.starting(r):
            span = (f" rowspan={c.rowspan}" if c.rowspan > 1 else "") + (f" colspan={c.colspan}" if c.colspan > 1 else "")
            out.text(f"<td{span}>" + ("<p class=MsoNormal><span lang=EN-US>" if word else ""))
            if len(c.text) > 12 and rng.random() < 0.2:
                cut = rng.randrange(4, len(c.text) - 2)
                out.text(c.text[:cut], c, 0, markup=True)
                out.text("<br>")
                out.text(c.text[cut:], c, cut, markup=True)
            else:
                out.text(c.text, c, 0, markup=True)
            out.text(("<o:p></o:p></span></p>" if word else "") + "</td>")
        out.text("</tr>")
    out.text("</table>\n")
    return out.result()


def render_cells(grid: Grid, rng: random.Random) -> tuple[str, list[Piece]]:
    """A row per line, cells where they start, separated by tabs or pipes."""
    out = _Out()
    sep = rng.choice(["\t", "\t", " | ", "|"])
    for r in range(grid.nrows):
        cells = [c for c in grid.starting(r) if c.text or rng.random() < 0.5]
        for k, c in enumerate(cells):
            if k:
                out.text(sep)
            out.text(c.text, c, 0)
        out.text("\n")
    return out.result()


def render_cell_lines(grid: Grid, rng: random.Random) -> tuple[str, list[Piece]]:
    """A cell per line (`\\t3` or `3 |`), rows apart by a blank or pipe line."""
    out = _Out()
    pipes = rng.random() < 0.5
    for r in range(grid.nrows):
        for c in grid.starting(r):
            if pipes:
                out.text(c.text, c, 0)
                out.text(" |\n")
            else:
                out.text("\t")
                out.text(c.text, c, 0)
                out.text("\n")
        out.text("|" * rng.randint(1, 4) + "\n" if pipes else "\n")
    return out.result()


def render_markdown(grid: Grid, rng: random.Random) -> tuple[str, list[Piece]]:
    """OCR/VLM markdown: | a | b |, wrapped labels as <br>, merged cells repeated or empty."""
    out = _Out()
    repeat = rng.random() < 0.5
    spanning: dict[tuple[int, int], Cell] = {}
    for c in grid.cells:
        for dr in range(c.rowspan):
            for dc in range(c.colspan):
                spanning[(c.row + dr, c.col + dc)] = c
    for r in range(grid.nrows):
        out.text("|")
        for col in range(grid.ncols):
            c = spanning.get((r, col))
            first = c is not None and c.row == r and c.col == col
            if c is not None and (first or (repeat and c.col == col and not c.number)):
                text = c.text
                base = 0 if first else REPEATED  # a repeated merged cell holds no label head
                out.text(" ")
                if len(text) > 10 and rng.random() < 0.3:
                    cut = rng.randrange(3, len(text) - 2)
                    out.text(text[:cut], c, base)
                    out.text("<br>")
                    out.text(text[cut:], c, base + cut)
                else:
                    out.text(text, c, base)
                out.text(" |")
            else:
                out.text("  |")
        out.text("\n")
        if r == 0:
            out.text("|" + "---|" * grid.ncols + "\n")
    return out.result()


def render_glued(grid: Grid, rng: random.Random) -> tuple[str, list[Piece]]:
    """Crawler page text: tags stripped, cells joined with nothing, rows maybe too."""
    out = _Out()
    one_line = rng.random() < 0.5
    for r in range(grid.nrows):
        for c in grid.starting(r):
            out.text(c.text, c, 0)
            if rng.random() < 0.05:
                out.text(" ")  # an &nbsp; that survived
        if not one_line:
            out.text("\n")
    out.text("\n")
    return out.result()


def _positions(grid: Grid, rng: random.Random) -> tuple[dict[int, list[tuple[int, str, int]]], list[int]]:
    """PDF geometry: each cell's wrapped lines at visual line numbers.

    Label columns are narrow (a column of 1-4 characters prints 三、本年度办理结果 one or
    two characters a line), merged cells sit at the vertical middle of their span,
    numbers on the middle or first line of their row.  Returns cell id -> [(line, text,
    offset)] and the first visual line of each grid row.
    """
    if grid.label_cols == 3:
        widths = [rng.choice([1, 2, 3, 4, 9]), rng.randint(3, 6), rng.randint(7, 16)]
    else:
        widths = [rng.randint(4, 12)]
    widths += [rng.randint(2, 6)] * (grid.ncols - grid.label_cols)
    lines_of = {}
    for c in grid.cells:
        width = sum(widths[c.col:c.col + c.colspan]) if not c.number else 99
        if c.colspan > 1 and c.col == 0 and grid.label_cols == 1:
            width = 40  # a title row spans the table
        lines_of[c.id] = wrap(c.text, width) if c.text else []
    height = [1] * grid.nrows
    for c in grid.cells:
        if c.rowspan == 1:
            height[c.row] = max(height[c.row], len(lines_of[c.id]))
    for c in grid.cells:  # a merged cell taller than its span stretches its last row
        span = sum(height[c.row:c.row + c.rowspan])
        if len(lines_of[c.id]) > span:
            height[c.row + c.rowspan - 1] += len(lines_of[c.id]) - span
    top = [0]
    for h in height:
        top.append(top[-1] + h)
    centred = rng.random() < 0.8
    numbers_middle = rng.random() < 0.6
    placed: dict[int, list[tuple[int, str, int]]] = {}
    for c in grid.cells:
        span = top[c.row + c.rowspan] - top[c.row]
        lines = lines_of[c.id]
        if c.number:
            start = top[c.row] + ((height[c.row] - 1) // 2 if numbers_middle else 0)
        else:
            start = top[c.row] + ((span - len(lines)) // 2 if centred else 0)
        offset, out = 0, []
        for k, text in enumerate(lines):
            out.append((start + k, text, offset))
            offset += len(text)
        placed[c.id] = out
    return placed, top


def render_pdf_lines(grid: Grid, rng: random.Random) -> tuple[str, list[Piece]]:
    """A PDF text layer read line by line (pypdf, pdftotext): the cells' pieces on each
    visual line joined by spaces (or nothing), page breaks with a footer."""
    placed, top = _positions(grid, rng)
    by_line: dict[int, list[tuple[int, Cell, str, int]]] = {}
    cells = {c.id: c for c in grid.cells}
    for cid, lines in placed.items():
        for line, text, offset in lines:
            by_line.setdefault(line, []).append((cells[cid].col, cells[cid], text, offset))
    breaks = {top[r] for r in range(grid.header_rows + 2, grid.nrows) if rng.random() < 0.04}
    joiner = rng.choice([" ", " ", "  ", "\t"])
    out = _Out()
    for line in range(top[-1]):
        if line in breaks:
            out.text(f"- {rng.randint(2, 9)} -\n")
        items = sorted(by_line.get(line, []), key=lambda x: x[0])
        for k, (_, c, text, offset) in enumerate(items):
            if k:
                # pypdf prints header cells with no gap now and then
                out.text("" if not c.number and not items[k - 1][1].number and rng.random() < 0.15 else joiner)
            out.text(text, c, offset)
        out.text("\n")
    return out.result()


def render_pdf_boxes(grid: Grid, rng: random.Random) -> tuple[str, list[Piece]]:
    """pdfminer: per page, the text boxes in reading order (top, then left), a box's
    wrapped lines one per line, and the page's numbers after all its labels."""
    placed, top = _positions(grid, rng)
    pages: list[list[Cell]] = [[]]
    breaks = {r for r in range(grid.header_rows + 2, grid.nrows) if rng.random() < 0.06}
    for r in range(grid.nrows):
        if r in breaks:
            pages.append([])
        pages[-1] += grid.starting(r)
    column_major = rng.random() < 0.7
    out = _Out()
    for p, page in enumerate(pages):
        texts = [c for c in page if not c.number and placed[c.id]]
        texts.sort(key=lambda c: (placed[c.id][0][0], c.col))
        for k in range(len(texts) - 1):
            # reading order is not exact: a header or group cell trades places with a
            # neighbour (row labels keep their order: a tall cell's top stays in its row)
            pair = texts[k], texts[k + 1]
            if any(c.label == NONE for c in pair) and rng.random() < 0.06:
                texts[k], texts[k + 1] = texts[k + 1], texts[k]
        for c in texts:
            lines = placed[c.id]
            for k, (_, text, offset) in enumerate(lines):
                out.text(text, c, offset)
                out.text("\n" if k + 1 < len(lines) and rng.random() < 0.7 else (" " if k + 1 < len(lines) else ""))
            out.text("\n\n")
        numbers = [c for c in page if c.number]
        numbers.sort(key=lambda c: (c.col, c.row) if column_major else (c.row, c.col))
        for c in numbers:
            out.text(c.text, c)
            out.text("\n\n")
        if p + 1 < len(pages):
            out.text(f"- {p + 2} -\n\n")
    return out.result()


RENDERERS = {"html": render_html, "cells": render_cells, "cell_lines": render_cell_lines,
             "pdf_lines": render_pdf_lines, "pdf_boxes": render_pdf_boxes, "glued": render_glued,
             "markdown": render_markdown}


# ---- text that is not a row label ------------------------------------------------------
# Reports print narrative items and notes inside the sections, and reports before 2019 an
# old statistics table under the same heading.  Generated from a small phrase grammar of
# report language (some phrases name a row label inside a sentence: hard negatives).

_VERBS = ("推进", "加强", "深化", "做好", "规范", "完善", "落实", "强化", "抓好", "扎实推进", "持续做好", "进一步加强")
_TOPICS = ("重点领域", "财政预决算", "重大建设项目", "公共资源配置", "社会公益事业", "环境保护", "安全生产",
           "食品药品", "保障性住房", "教育卫生", "政策解读", "政务公开平台", "政府网站", "依申请公开", "政务新媒体",
           "政府信息管理", "建议提案办理结果", "行政权力运行", "价格收费", "征地拆迁", "就业创业", "行政执法",
           "规范性文件", "行政处罚", "行政许可", "政府采购", "行政事业性收费", "权责清单", "公共企事业单位")
_TAILS = ("信息公开", "信息公开工作", "公开", "工作", "公开力度", "公开工作，进一步提升公开质量", "信息发布",
          "公开，主动接受社会监督", "相关信息", "管理")
_UNITS = ("条", "件", "次", "个", "人次", "项")
_CN_ORDINALS = "一二三四五六七八九十"


def _phrase(rng: random.Random) -> str:
    text = rng.choice(_VERBS) + rng.choice(_TOPICS) + rng.choice(_TAILS)
    if rng.random() < 0.3:
        text += "，" + rng.choice(_VERBS) + rng.choice(_TOPICS) + rng.choice(_TAILS)
    return text


def narrative_items(rng: random.Random) -> list[str]:
    """A few enumerated narrative items (1.推进重点领域信息公开 …)."""
    style = rng.choice(["（{}）", "{}、", "{}.", "{}．", ""])
    cn = "（" in style or style == "{}、"
    return [(style.format(_CN_ORDINALS[k] if cn else k + 1) if style else "") + _phrase(rng)
            for k in range(rng.randint(1, 4))]


def old_statistics_grid(rng: random.Random, vary: "_Texts") -> Grid:
    """A pre-2019 统计表: 指标名称 | 计量单位 | 本年度 | 历年累计, rows that name no template row."""
    grid = Grid("disclosure", 4, 1, 1)
    grid.add(0, 0, vary("指标名称"))
    for k, head in enumerate(("计量单位", "本年度", "历年累计")):
        grid.add(0, 1 + k, vary(head))
    for r in range(1, rng.randint(4, 12)):
        item = rng.choice(["", "其中：", f"{r}.", f"（{_CN_ORDINALS[r % 10]}）"]) + rng.choice(_TOPICS) + \
            rng.choice(("信息数", "数量", "件数", "总数", "公开数", "申请数"))
        grid.add(r, 0, vary(item))
        grid.add(r, 1, rng.choice(_UNITS))
        grid.add(r, 2, _number(rng), number=True)
        grid.add(r, 3, _number(rng), number=True)
    return grid


# ---- a whole synthetic report ------------------------------------------------------------

@dataclass
class SyntheticReport:
    text: str
    layout: str
    style: str
    template: str
    pieces: dict[str, list[Piece]]  # per table id
    html: bool


def synthetic_report(template_key: str, rng: random.Random, layout: str, style: str) -> SyntheticReport:
    template = load_template(template_key)
    vary = _Texts(rng, style)
    pre2019 = rng.random() < 0.06
    grids = {"disclosure": old_statistics_grid(rng, vary) if pre2019 else disclosure_grid(template, rng, vary),
             "requests": requests_grid(template, rng, vary)}
    is_html = layout == "html"
    parts = [f"某某县人民政府{rng.randint(2013 if pre2019 else 2019, 2024)}年政府信息公开工作年度报告",
             "一、总体情况", "本机关认真贯彻落实《条例》，依法做好政府信息公开工作。"]
    para = (lambda s: f"<p>{html.escape(s)}</p>\n") if is_html else (lambda s: s + "\n")
    out = [para(p) for p in parts]
    pieces = {}
    for table_id in TABLES:
        out.append(para(rng.choice(SECTION_TITLES[table_id])))  # production finds sections by them
        prose = Cell(-1, -1, "", id=-1)  # narrative around the table: its candidates are `none`
        section: list[Piece] = []
        if rng.random() < 0.35:
            for item in narrative_items(rng):
                item = vary(item)
                out.append(para(item))
                section.append((item, prose, REPEATED))
        text, table_pieces = RENDERERS[layout](grids[table_id], rng)
        out.append(text)
        section += table_pieces
        if rng.random() < 0.1:
            note = vary("注：" + _phrase(rng))
            out.append(para(note))
            section.append((note, prose, REPEATED))
        pieces[table_id] = section
    out += [para(rng.choice(SECTION_TITLES["appeals"])), para("行政复议 行政诉讼"),
            para("五、存在的主要问题及改进情况"), para("无。")]
    return SyntheticReport("".join(out), layout, style, template_key, pieces, is_html)


def _document(report: SyntheticReport) -> Document:
    from ..readers import html as html_reader, text as text_reader

    reader = html_reader if report.html else text_reader
    return reader.read(report.text.encode("utf-8"), f"synthetic-{report.layout}")


def _owners(pieces: list[Piece]) -> tuple[str, list[tuple[int, int]]]:
    """The pieces' characters as candidates print them (NFKC, no whitespace), each with
    (cell id, offset in the cell's text)."""
    chars, owners = [], []
    for text, cell, offset in pieces:
        for k, ch in enumerate(text):
            for out in normalize(ch):
                if not out.isspace():
                    chars.append(out)
                    owners.append((cell.id, offset + k))
    return "".join(chars), owners


def _head(cell: Cell) -> int:
    """Offset of a label cell's first Chinese character after its enumerator."""
    enum, _ = split_enumerator(cell.text)
    k = len(enum)
    while k < len(cell.text) and not _CJK.match(cell.text[k]):
        k += 1
    return k if k < len(cell.text) else 0


@dataclass
class Labelled:
    records: list[dict]
    unmatched: int  # candidates whose characters were not found among the printed pieces
    lost_labels: int  # row labels no candidate holds the head of


def label_report(report: SyntheticReport) -> dict[str, Labelled]:
    """Run the production reader, tokenizer and segmentation; label each candidate."""
    from ..extract import _headings, _vocabulary

    tokens = tokenize(_document(report), _vocabulary())
    sections = find_sections(tokens, _headings())
    out = {}
    for table_id, pieces in report.pieces.items():
        cells = {p[1].id: p[1] for p in pieces}
        heads = {(c.id, _head(c)): c.label for c in cells.values() if c.label != NONE}
        if table_id not in sections:
            out[table_id] = Labelled([], 0, len(heads))
            continue
        flat, owners = _owners(pieces)
        cands = candidates(tokens, sections[table_id], row_labels(table_id))
        recs, pos, unmatched, found = [], 0, 0, set()
        for i, c in enumerate(cands):
            at = flat.find(c.text, pos, pos + len(c.text) + 400)
            label = NONE
            if at < 0:
                unmatched += 1
            else:
                held = [heads[o] for o in owners[at:at + len(c.text)] if o in heads]
                found.update(o for o in owners[at:at + len(c.text)] if o in heads)
                label = held[0] if held else NONE
                pos = at + len(c.text)
            rec = record(cands, i, table_id)
            rec["label"] = label
            recs.append(rec)
        out[table_id] = Labelled(recs, unmatched, len(set(heads) - found))
    return out


def synthetic_records(n_docs: int, rng: random.Random, first_id: int = 0,
                      layouts: tuple[str, ...] = LAYOUTS) -> tuple[list[dict], dict[str, int]]:
    """Records of `n_docs` generated reports, and counts of what could not be labelled
    (such sections are left out rather than trained on with wrong labels)."""
    keys = [t.key for t in all_templates()]
    out: list[dict] = []
    stats = {"sections": 0, "dropped_sections": 0, "unmatched_candidates": 0}
    for d in range(n_docs):
        doc_id = f"synthetic-{first_id + d:05d}"
        report = synthetic_report(rng.choice(keys), rng, rng.choice(layouts), rng.choice(STYLES))
        for table_id, labelled in label_report(report).items():
            stats["sections"] += 1
            stats["unmatched_candidates"] += labelled.unmatched
            if labelled.lost_labels or not labelled.records:
                stats["dropped_sections"] += 1
                continue
            for rec in labelled.records:
                rec.update(doc=doc_id, source="synthetic", layout=report.layout, variant=report.style)
                out.append(rec)
    return out, stats
