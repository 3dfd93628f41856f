"""Markdown and the plain text pandoc writes: tables read by their geometry.

Converters print a table in one of these forms, all of which this reader turns into one `Line`
per row with each cell a `TextBox` at its grid column (like the HTML reader):

    pipe tables      | a | b |  with a |---|---| rule (GFM, html2text)
    grid tables      +---+---+ borders, a row's cells wrapped over several | a | b | lines
    simple tables    a rule of dash runs (---- ----) gives the columns; one line per row
    multiline tables the same rule, rows separated by blank lines, cells wrapped over lines
    raw HTML tables  <table> blocks that GFM/pandoc markdown keep for merged cells

Column positions count display width (a CJK character fills two columns), as pandoc lays
them out.  Everything else goes through the plain-text reader, with markdown residue (pandoc
spans `[x]{...}`, fenced divs, escapes, links) removed.
"""
from __future__ import annotations

import re

from ..model import Document, Line, TextBox
from . import text as textreader
from .text_grid import chunks

_SEGMENTED_RULE = re.compile(r"^\s*-{2,}(?:[ ]+-{2,})+\s*$")
_FULL_RULE = re.compile(r"^\s*-{3,}\s*$")
_GRID_BORDER = re.compile(r"^\s*\+(?:[-=:]+\+)+\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*$")
_HTML_TABLE_START = re.compile(r"<table[\s>]", re.IGNORECASE)
_HTML_TABLE_END = re.compile(r"</table\s*>", re.IGNORECASE)

# pandoc markdown residue
_SPAN = re.compile(r"\[([^\[\]]*)\]\{[^{}]*\}")  # [text]{lang="EN-US"} (innermost first)
_ATTRS = re.compile(r"\s*\{[#.][^{}]*\}\s*$")  # heading attributes {#id .class}
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\[\]]*)\]\((?:[^()]|\([^)]*\))*\)")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~\"'$^&])")
_HARD_BREAK = re.compile(r"\\$")
_FENCE = re.compile(r"^\s*:::")
_TAG = re.compile(r"</?[a-zA-Z][\w:-]*(?:\s[^<>]*)?/?>")  # raw HTML kept inline (<div id=zoom>, <span>)
# an inline tag whose attributes wrap onto the next line (pandoc keeps Word's long <span style=...>):
# cleaned line by line, its tail "style=\"font-size:16.0pt\">" would print numbers into the text
_INLINE_TAG = re.compile(r"</?(?:span|font|a|b|i|u|em|strong|sup|sub|o:p)\s[^<>]*>", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->")
_RULE_ONLY = re.compile(r"^[\s|:+=\-]*$")
_LOST_TABLE = re.compile(r"^\s*\[TABLE\]\s*$")  # pandoc plain's placeholder for a table it cannot draw
# pandoc's smart punctuation writes an em dash as --- and an en dash as --: a cell printed "—"
# (a blank) must not reach the tokenizer as three minus signs
_DASH_RUN = re.compile(r"(?<![-|:+])-{2,}(?![-|:+])")
# OCR/VLM markdown writes some numbers as inline math: $12$, $ 1 2 $, \(3.5\), $-4$
_MATH_NUMBER = re.compile(r"\$\s*([-+]?[\d\s,.]*\d)\s*\$|\\\(\s*([-+]?[\d\s,.]*\d)\s*\\\)")


def _math_number(match: re.Match) -> str:
    return re.sub(r"\s+", "", match.group(1) or match.group(2))


def _dashes(match: re.Match) -> str:
    run = len(match.group(0))
    if run % 3 == 0:
        return "—" * (run // 3)
    return "–" * (run // 2) if run % 2 == 0 else match.group(0)


def clean(text: str) -> str:
    """Markdown inline residue out of one line or cell."""
    text = _MATH_NUMBER.sub(_math_number, text)
    text = _COMMENT.sub(" ", text)  # before the dash runs: `<!--` is no dash
    previous = None
    while previous != text:  # nested spans unwrap from the inside
        previous = text
        text = _SPAN.sub(r"\1", text)
    text = _TAG.sub(" ", _IMAGE.sub("", text))
    text = _LINK.sub(r"\1", text)
    text = _ATTRS.sub("", text)
    text = _HARD_BREAK.sub("", text)
    text = _DASH_RUN.sub(_dashes, text)
    return _ESCAPE.sub(r"\1", text)


def _column(starts: list[int], pos: int) -> int:
    """The column a chunk starting at `pos` belongs to: the last one starting at or before it."""
    col = 0
    for k, start in enumerate(starts):
        if start <= pos:
            col = k
    return col


def _row(lines: list[str], starts: list[int], separators: bool = False) -> list[str]:
    """One table row printed over `lines`: the text in each column, wrapped parts joined."""
    cells: list[list[str]] = [[] for _ in starts]
    for line in lines:
        parts: list[list[str]] = [[] for _ in starts]
        for pos, chunk in ((c.start, c.text) for c in chunks(line)):
            if separators:
                chunk = chunk.strip("|")
                if not chunk:
                    continue
            parts[_column(starts, pos)].append(chunk)
        for k, words in enumerate(parts):
            if words:
                cells[k].append(" ".join(words))
    # a cell wrapped over lines continues the same label or number: no separator
    return [clean("".join(parts)).strip() for parts in cells]


def _table_line(cells: list[str], page: int) -> Line | None:
    if not any(cells):
        return None
    return Line([TextBox(text, column=k) for k, text in enumerate(cells)], page, in_table=True)


def _rule_starts(rule: str) -> list[int]:
    return [m.start() for m in re.finditer(r"-+", rule)]


def _grid_table(lines: list[str], i: int, page: int) -> tuple[list[Line], int]:
    """A grid table from its top border at lines[i]; returns (rows, index after it)."""
    border = lines[i]
    starts = [m.start() + 1 for m in re.finditer(r"\+", border)][:-1]
    out, row = [], []
    i += 1
    while i < len(lines) and lines[i].strip()[:1] in ("|", "+"):
        if _GRID_BORDER.match(lines[i]):
            line = _table_line(_row(row, starts, separators=True), page)
            if line:
                out.append(line)
            row = []
        else:
            row.append(lines[i])
        i += 1
    if row:
        line = _table_line(_row(row, starts, separators=True), page)
        if line:
            out.append(line)
    return out, i


def _dashed_table(lines: list[str], i: int, page: int, header: list[str]) -> tuple[list[Line], int]:
    """A pandoc simple or multiline table whose column rule is lines[i]."""
    starts = _rule_starts(lines[i])
    indent = len(lines[i]) - len(lines[i].lstrip())
    # a closing rule ends a multiline or headerless table; look for it among table-indented lines
    end = None
    for j in range(i + 1, min(len(lines), i + 2000)):
        if _FULL_RULE.match(lines[j]) or _SEGMENTED_RULE.match(lines[j]):
            end = j
            break
        if lines[j].strip() and len(lines[j]) - len(lines[j].lstrip()) < indent:
            break
    out = []
    if header:
        line = _table_line(_row(header, starts), page)
        if line:
            out.append(line)
    if end is not None:
        body = lines[i + 1:end]
        multiline = any(not line.strip() for line in body)
        groups, current = [], []
        for line in body:
            if not line.strip():
                if current:
                    groups.append(current)
                current = []
            elif multiline:
                current.append(line)
            else:
                groups.append([line])
        if current:
            groups.append(current)
        after = end + 1
    else:  # a simple table ends at a blank line
        groups = []
        after = i + 1
        while after < len(lines) and lines[after].strip():
            groups.append([lines[after]])
            after += 1
    for group in groups:
        line = _table_line(_row(group, starts), page)
        if line:
            out.append(line)
    return out, after


def _html_block(lines: list[str], i: int) -> tuple[list[Line], int]:
    from . import html as htmlreader

    j = i
    depth = 0
    while j < len(lines):
        depth += len(_HTML_TABLE_START.findall(lines[j])) - len(_HTML_TABLE_END.findall(lines[j]))
        j += 1
        if depth <= 0:
            break
    return htmlreader.parse_lines("\n".join(lines[i:j])), j


_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SECTION_ENUMERATOR = re.compile(r"^[一二三四五六七八九十]+、")
_ENUMERATOR = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d{1,2}[.、．](?!\d))")


def split_spilled_cells(raw: str) -> list[str]:
    """A pipe-table row whose number cells also hold the text of the line below, as two lines.

    PDF-to-markdown converters that rebuild tables from the page (PyMuPDF4LLM) put a row and
    the sub-table heading printed under it into one row, a `<br>` between them in each cell:
    `|行政强制<br>|6<br>第二十条第(八|—<br>)项<br>|—|`.  A number does not wrap into text, so
    what follows a number cell's first line is the next line's: the row keeps the numbers, the
    rest follows it as its own line.  Label cells keep their wrapped lines."""
    if "|" not in raw or not _BR.search(raw):
        return [raw]
    from ..cells import is_blank_marker, is_number

    body = raw.strip()
    cells = body[body.startswith("|"):len(body) - body.endswith("|")].split("|")
    parts = [[clean(p).strip() for p in _BR.split(cell)] for cell in cells]
    numeric = lambda text: bool(text) and (is_number(text) or is_blank_marker(text))  # noqa: E731
    if _SECTION_ENUMERATOR.match(parts[0][0]) and not any(numeric(p) for cell in parts for p in cell):
        # a section heading the converter took for a table row, the lines under it merged into
        # its cells (`|四、政府<br>行政 复议|信息公开行<br>|政复|议、行|...`): the cells' first
        # lines are the heading, the rest the row below
        below = ["<br>".join(cell[1:]) for cell in parts]
        return ["".join(cell[0] for cell in parts)] + (["|" + "|".join(below) + "|"] if any(below) else [])
    row, spill, above = [], [], []
    starts = [j for j, line in enumerate(parts[0]) if j > 0 and _ENUMERATOR.match(line)]
    if starts and any(numeric(cell[-1]) for cell in parts[1:]):
        # the label cell of a row with numbers also holds text printed above the row (a note
        # under the column headers): the row label starts at its enumerator
        above.append(" ".join(p for p in parts[0][:starts[0]] if p))
        cells = ["<br>".join(parts[0][starts[0]:])] + cells[1:]
    for k, (cell, lines) in enumerate(zip(cells, parts)):
        first, *rest = _BR.split(cell)
        rest_text = " ".join(part.strip() for part in rest if part.strip())
        first_clean = lines[0]
        if rest_text and first_clean and numeric(first_clean) and _CJK.search(rest_text):
            row.append(first)
            spill.append(rest_text)
        elif k > 0 and len(lines) > 1 and numeric(lines[-1]) and all(
                _CJK.search(p) and not any(numeric(w) for w in p.split()) for p in lines[:-1] if p):
            # the column header printed above went into the first row's number cells
            # (`|一、本年新收…|自然人<br>13|商业<br>企业<br>1|`): a header does not end in a count
            # and a count does not wrap, so the header lines go before the row
            row.append(lines[-1])
            above.append(" ".join(p for p in lines[:-1] if p))
        else:
            row.append(cell)
    if above and not spill:
        # a header cell of the row above that runs over two columns ends in an empty line
        # where the row below prints nothing (`|采购项目数量<br>—|采购<br>|总金额<br>—|`)
        for k, lines in enumerate(parts):
            if k > 0 and len(lines) > 1 and not lines[-1] and all(
                    _CJK.search(p) and not any(numeric(w) for w in p.split()) for p in lines[:-1] if p):
                above.append(" ".join(p for p in lines[:-1] if p))
                row[k] = ""
    if not spill and not above:
        return [raw]
    return ([" ".join(above)] if above else []) + ["|" + "|".join(row) + "|"] + (["".join(spill)] if spill else [])


# an enumerator a converter cut from its label at a column line: `|4|．保护第三方合法权益|`
_CUT_ENUMERATOR = re.compile(r"\|\s*(\d{1,2}|[一二三四五六七八九十]{1,2})\s*\|\s*([.．、])(?=\s*[\u4e00-\u9fff])")


def _text_lines(raw: str) -> list[str]:
    """The lines one markdown line prints: a `<br>` outside a table is a line break (a converter's
    text of a table it took for a picture: header words, then the numbers, `<br>` between)."""
    if raw.lstrip().startswith("|"):
        # the digit alone in its cell would read as a printed count
        return split_spilled_cells(_CUT_ENUMERATOR.sub(r"|\1\2", raw))
    return _BR.split(raw)


def lines_from_markdown(text: str, page: int = 1) -> list[Line]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = _INLINE_TAG.sub(lambda m: "" if "\n" in m.group(0) else m.group(0), text).split("\n")
    out: list[Line] = []
    pending: list[str] = []  # text lines not yet known to be a table header

    def flush() -> None:
        for raw in (split for line in pending for split in _text_lines(line)):
            if not _RULE_ONLY.match(raw):  # rules and underlines carry no cells
                out.extend(textreader.lines_from_text(clean(raw), page))
        pending.clear()

    edges: bool | None = None  # does the pipe table being read print edge pipes?
    i = 0
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line) or _LOST_TABLE.match(line):
            i += 1
            continue
        if _HTML_TABLE_START.search(line) and line.lstrip().startswith("<"):
            flush()
            rows, i = _html_block(lines, i)
            out.extend(rows)
            continue
        if _GRID_BORDER.match(line):
            flush()
            rows, i = _grid_table(lines, i, page)
            out.extend(rows)
            continue
        if _SEGMENTED_RULE.match(line) and not _PIPE_RULE.match(line):
            # the header of a table sits right above its rule, after a full rule or a blank line
            k = len(pending)
            while k > 0 and pending[k - 1].strip() and not _FULL_RULE.match(pending[k - 1]):
                k -= 1
            header = pending[k:]
            if k > 0 and _FULL_RULE.match(pending[k - 1]):
                k -= 1
            del pending[k:]
            flush()
            rows, i = _dashed_table(lines, i, page, header)
            out.extend(rows)
            continue
        if _PIPE_RULE.match(line):
            edges = line.lstrip().startswith("|")
        elif "|" not in line:
            edges = None
        elif edges is False:
            # a table printed without edge pipes (html2text: `a| b| c`): a row that starts with
            # a pipe starts with an empty cell, and its last cell (spaces) is a cell too
            line = "|" + line + "|"
        pending.append(line)
        i += 1
    flush()
    return out


def read(data: bytes, source: str) -> Document:
    from .detect import decode

    # measured on what was read: style attributes of pandoc spans are not the document's text
    return textreader.document_from_text(decode(data), source, lines_from_markdown,
                                         lambda doc: " ".join(line.text for line in doc.lines()))
