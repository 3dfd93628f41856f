"""Plain text: lines split into cells at tabs and pipes (decoding lives in detect)."""
from __future__ import annotations

import re
from collections import Counter

from ..model import Document, Line, Page, TextBox
from .detect import decode
from .text_box import box_tables
from .text_grid import grid_layout

_CJK = re.compile(r"[\u4e00-\u9fff]")
_CELL_SPLIT = re.compile(r"\t|\|")
# markdown table rule lines (|---|:--:|) carry no cells; a lone dash or two (a cell printed
# "-" for zero on a line of its own, as pdfminer prints each cell) is a blank, not a rule
_MD_RULE = re.compile(r"^[\s|:\-–—]+$")
_LONE_DASH = re.compile(r"^\s*[\-–—]{1,2}\s*$")
# a row of cells each printed "-" for zero (`- - - - - - -`, pdftotext and pypdf print a table row
# so): cells, not a thematic break (a rule's dashes are runs, `---` / `|---|`)
_DASH_CELLS_ROW = re.compile(r"^\s*[\-–—]{1,2}(?:[ \t]+[\-–—]{1,2})+\s*$")
_NBSP_CELL = re.compile(r"^[ \t\xa0]*\xa0[ \t\xa0]*$")
_LONE_NUMBER = re.compile(r"^\s*[+\-−]?\d[\d,.]*\s*$")
MIN_BLANK_LINE_RUNS = 10  # lynx's blank-zero dumps show 28-35; pdfminer's text, whose blank lines are no cells, 0-3
# a row label followed by no-break spaces and more text: a table flattened with nothing (or one
# space) between its cells, an empty cell printing its &nbsp; (BeautifulSoup get_text(), lxml
# text_content()); three or more: a page's furniture spaces its items with two (`来源：…\xa0\xa0字号`)
_NBSP_GLUED_ROW = re.compile(r"[\u4e00-\u9fff] ?\xa0(?: ?\xa0){2,} ?[^\s\xa0]")
# a row's last cell glued to the next row's one-digit enumerator after an empty cell: `18.属于…`
# is 1 and `8.属于…` (the template numbers no sub-row past 8), a space after the point or not
_CELL_THEN_ENUMERATOR = re.compile(r"^(\d+)(\d[.、．] ?[\u4e00-\u9fff].*)$")


def cjk_ratio(text: str) -> float:
    printable = [c for c in text if not c.isspace()]
    return len(_CJK.findall(text)) / max(len(printable), 1)


# how dataframe exports (pandas to_markdown/to_csv, spreadsheets) spell an empty cell
MISSING_VALUE = {"nan", "NaN", "None", "NULL", "null", "<NA>", "NaT"}


def split_cells(raw_line: str) -> list[str]:
    """Cells of a text line: tab- or pipe-separated; a plain line is one cell."""
    if "\t" not in raw_line and "|" not in raw_line:
        return [raw_line.strip()]
    cells = [c.strip() for c in _CELL_SPLIT.split(raw_line)]
    if "|" in raw_line:
        # a leading/trailing pipe makes one empty edge cell, not a data cell; the empty cells
        # before it are printed cells (html2text prints a row `5|  | 2|  |  ` with no edge
        # pipes: its last cells are blanks, zeros where the table prints nothing for 0)
        leading = raw_line.lstrip(" ").startswith("|")
        # `a | b |` ends in an edge pipe; `5|  |  ` (html2text pads its lines with spaces) ends
        # in an empty cell
        trailing = raw_line.rstrip(" ").endswith("|") and (leading or not raw_line.endswith(" "))
        if leading and cells and not cells[0]:
            cells.pop(0)
        if trailing and cells and not cells[-1]:
            cells.pop()
        if not any(cells):
            return []
    else:
        # a leading/trailing separator makes an empty edge cell, not a data cell
        while cells and not cells[0]:
            cells.pop(0)
        while cells and not cells[-1]:
            cells.pop()
    return ["" if c in MISSING_VALUE else c for c in cells]


# markdown and HTML residue in converted dumps: <br>, **bold**, # headings, &nbsp;
_RESIDUE = re.compile(r"<!--.*?-->|<br\s*/?>|</?(?:b|strong|span|p|font|sup|sub|em|i|u)(?:\s[^>]*)?>|\*\*|__|&nbsp;|\[bookmark:[^\]]*\]",
                      re.IGNORECASE)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")


def clean_line(raw: str) -> str:
    return _RESIDUE.sub(" ", _MD_HEADING.sub("", raw))


# a row's trailing numbers as pypdf prints a PDF table whose blank cells hold a space: one space
# after the label or a number, then one space per blank cell (`量 94 2   2  98` is 94 2 _ _ 2 _ 98)
# (possessive: a digit run is one number, never re-split while backtracking — a 30-digit run
# before a non-digit took minutes)
_SPACED_TAIL = re.compile(r"(?:(?<=[^\s\d,.+\-−])|^)((?:[+\-−]?\d[\d,.]*+| )*+)$")
_ONE_SPACE = re.compile(r"\S \d")
_BLANK_BETWEEN = re.compile(r"\d {2,}\d")
MIN_SPACED_ROWS = 3  # rows of one width showing both a one-space separator and a blank cell


def _spaced_evidence(raw: str) -> tuple[int, bool] | None:
    """The width of a row that shows the convention, and whether it prints a number: at the
    margin, a label, then a one-space separator before a number and a blank cell between two
    numbers (`数量 315  1  53  369`), or only blank cells (`数量        `).  Grid-laid text (text
    browsers, pdftotext -layout) indents its rows and pads its columns instead."""
    if raw[:1].isspace():
        return None
    found = spaced_cells(raw)
    if found is None or not found[0]:
        return None
    label, cells = found
    if any(cells) and not (_ONE_SPACE.search(raw) and _BLANK_BETWEEN.search(raw)) or len(cells) < 2:
        return None
    return len(cells), any(cells)


def prints_spaced_blanks(raws: list[str]) -> bool:
    """Whether the text prints one space per blank cell: rows showing it that read as one table's
    width (grid-laid text read so gets widths that vary with its numbers' lengths), and a row
    showing it among numbers (a text browser pads a row of blank cells to its table's width,
    which rows whose labels are of one length share)."""
    evidence = [e for e in map(_spaced_evidence, raws) if e]
    widths = Counter(w for w, _ in evidence)
    return bool(widths) and widths.most_common(1)[0][1] >= MIN_SPACED_ROWS and any(p for _, p in evidence)


def spaced_cells(raw: str) -> tuple[str, list[str]] | None:
    """(label, cells) of a line printed with one space per blank cell ('' for a blank), or None
    when its tail holds no blank cell (nothing to gain) or is no run of numbers."""
    tail = _SPACED_TAIL.search(raw)
    if tail is None or "  " not in tail.group(1):
        return None  # no blank cell (a blank-only line of one space is no row either)
    label, rest = raw[:tail.start()].strip(), tail.group(1)
    if label and (not _CJK.search(label) or not rest.startswith(" ")):
        return None
    cells: list[str] = []
    after_text = bool(label)
    for piece in re.findall(r"[+\-−]?\d[\d,.]*| ", rest):
        if piece != " ":
            cells.append(piece)
            after_text = True
        elif after_text:
            after_text = False  # the separator after a label or a number
        else:
            cells.append("")
    return label, cells


def prints_blank_line_cells(raws: list[str]) -> bool:
    """Whether the text prints each table cell as a paragraph of its own and an empty cell as one
    more blank line (lynx -dump of a table wider than its page): its lone numbers stand between
    blank lines, one blank line ends a paragraph, many runs of three blank lines or more stand where
    empty cells were, and no empty cell prints a no-break space (docx2txt's convention, read as
    such)."""
    numbers = [i for i, raw in enumerate(raws) if _LONE_NUMBER.match(raw)]
    if not numbers or any(_NBSP_CELL.match(raw) for raw in raws):
        return False
    lone = sum(1 for i in numbers if 0 < i < len(raws) - 1 and not raws[i - 1].strip() and not raws[i + 1].strip())
    runs: Counter = Counter()  # blank lines between two printed lines
    blank = 0
    for raw in raws:
        if raw.strip():
            runs[blank] += 1
            blank = 0
        else:
            blank += 1
    # one blank line ends a paragraph (docx2txt puts three between its cells)
    ends = max((n for n in runs if n), key=lambda n: runs[n], default=0)
    return lone == len(numbers) and ends == 1 and sum(v for n, v in runs.items() if n >= 3) >= MIN_BLANK_LINE_RUNS


def prints_glued_nbsp_cells(raws: list[str]) -> bool:
    """Whether the text flattens tables with nothing between cells but an &nbsp; per empty cell."""
    return any(_NBSP_GLUED_ROW.search(raw) for raw in raws)


def _glued_nbsp_line(raw: str, page_number: int) -> Line | None:
    """A flattened table line cut at its no-break spaces, each an empty cell of its own (the
    digits of neighbouring printed cells stay glued: the sum rules split them)."""
    raw = raw.strip(" \t")
    if "\xa0" not in raw:
        return None
    boxes = []
    for piece in re.split("(\xa0)", raw):
        if piece == "\xa0":
            boxes.append(TextBox(""))
        elif piece.strip():
            glued = _CELL_THEN_ENUMERATOR.match(piece.strip()) if boxes else None
            boxes.extend([TextBox(glued.group(1)), TextBox(glued.group(2))] if glued else [TextBox(piece.strip())])
    return Line(boxes, page_number, in_table=True)


def _empty_cell_line(page_number: int) -> Line:
    """An empty cell on a line of its own: kept as a blank only where its row then has the
    template's cells (`aligned`)."""
    return Line([TextBox("", aligned=True)], page_number, in_table=True)


def _spaced_lines(raw: str, page_number: int) -> list[Line] | None:
    """Cells of a one-space-per-blank row; the blanks are `aligned` (assembly keeps them only where
    the row then has the template's cells).  Blanks before any printed text of the line (a row whose
    wrapped label ends on the line above) are lines of one blank each, as tokenize reads them."""
    found = spaced_cells(raw)
    if found is None:
        return None
    label, cells = found
    lead = 0 if label else next((k for k, c in enumerate(cells) if c), len(cells))
    out = [_empty_cell_line(page_number) for _ in range(lead)]
    rest = ([TextBox(label)] if label else []) + [TextBox(c, aligned=not c) for c in cells[lead:]]
    if rest:
        out.append(Line(rest, page_number, in_table=True))
    return out


def lines_from_text(text: str, page_number: int = 1) -> list[Line]:
    lines = []
    raws = [clean_line(raw) for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    boxed, drawn = box_tables(raws)
    grid, loose = grid_layout(["" if i in drawn else raw for i, raw in enumerate(raws)])
    # the converter prints one space per blank cell: rows that show it beside a one-space separator
    spaced = prints_spaced_blanks(raws)
    nbsp_glued = prints_glued_nbsp_cells(raws)
    blank_cells = prints_blank_line_cells(raws)
    for i, raw in enumerate(raws):
        if blank_cells and not raw.strip() and i > 0 and not raws[i - 1].strip() and lines:
            # a blank line after the one ending a paragraph: an empty cell, trusted only where its
            # row then has the template's cells (as docx2txt's &nbsp; cells)
            lines.append(_empty_cell_line(page_number))
            continue
        if i in drawn:
            if i in boxed and any(text for _, text in boxed[i]):
                lines.append(Line([TextBox(t, column=k) for k, t in boxed[i]], page_number, in_table=True))
            continue
        if _NBSP_CELL.match(raw):
            # a cell printed as &nbsp; on a line of its own (text pulled from a PDF or a DOCX
            # cell by cell): an empty cell, trusted only where its row then has the template's
            # cells (a spacer paragraph is no cell)
            lines.append(_empty_cell_line(page_number))
            continue
        if nbsp_glued and "\t" not in raw and "|" not in raw:
            made = _glued_nbsp_line(raw, page_number)
            if made is not None:
                lines.append(made)
                continue
        # before the grid: such a converter lines up no columns (its rows can look like a grid)
        if spaced and "\t" not in raw and "|" not in raw and "\xa0" not in raw:
            made = _spaced_lines(raw, page_number)
            if made is not None:
                lines.extend(made)
                continue
        if not raw.strip() or _MD_RULE.match(raw) and "-" in raw and not _LONE_DASH.match(raw) \
                and not _DASH_CELLS_ROW.match(raw):
            continue
        if i in grid:
            lines.append(Line([TextBox(c, aligned=True, gridded=True, loose=i in loose) for c in grid[i]],
                              page_number, in_table=True))
            continue
        cells = split_cells(raw)
        if cells:
            lines.append(Line([TextBox(c) for c in cells], page_number, in_table=len(cells) > 1))
    return lines


def document_from_text(text: str, source: str, lines_of, chinese_of=None) -> Document:
    """A text document: form feeds are page breaks, `lines_of(chunk, page)` reads a page;
    refused as no report when what `chinese_of(doc)` (default: the text) holds is barely Chinese."""
    pages = [Page(i + 1, lines_of(chunk, i + 1), path="text") for i, chunk in enumerate(text.split("\f"))]
    doc = Document(source, "", "text", [p for p in pages if p.lines] or pages[:1])
    if cjk_ratio(chinese_of(doc) if chinese_of else text) < 0.05:
        doc.errors.append("almost no Chinese text: probably not a report")
    return doc


def read(data: bytes, source: str) -> Document:
    return document_from_text(decode(data), source, lines_from_text)
