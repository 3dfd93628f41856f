"""HTML pages: real tables (colspan/rowspan resolved to grid positions), block text,
and tables that a page carries escaped inside script or JSON strings."""
from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ..model import Document, Line, Page, TextBox
from . import script as scriptreader
from . import text as textreader
from .detect import decode

_BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
               "tr", "table", "title", "header", "footer", "ul", "ol", "blockquote", "pre"}
_SKIP_TAGS = {"style", "noscript", "head"}
_ESCAPED_TABLE = re.compile(r"(?:\\u003c|&lt;|<)table", re.IGNORECASE)


@dataclass
class _Cell:
    text: list[str] = field(default_factory=list)
    colspan: int = 1
    rowspan: int = 1


@dataclass
class _Table:
    rows: list[list[_Cell]] = field(default_factory=list)


def _span(attrs: dict, name: str) -> int:
    try:
        return max(1, min(int(str(attrs.get(name, "1")).strip() or 1), 200))
    except ValueError:
        return 1


def grid_rows(table: _Table) -> list[list[tuple[int, str]]]:
    """Each row as (grid column, text) for the cells that start in it.

    rowspan/colspan shift later cells to their true grid column; a spanned cell is
    emitted once, where it starts, so a number is never duplicated.
    """
    occupied: dict[tuple[int, int], bool] = {}
    out = []
    for r, row in enumerate(table.rows):
        col = 0
        cells = []
        for cell in row:
            while occupied.get((r, col)):
                col += 1
            cells.append((col, "".join(cell.text).strip()))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    occupied[(r + dr, col + dc)] = True
            col += cell.colspan
        out.append(cells)
    return out


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[Line] = []
        self.buffer: list[str] = []
        self.tables: list[_Table] = []
        self.cell: list[_Cell | None] = []
        self.skip = 0
        self.script = False
        self.scripts: list[str] = []

    # text outside tables becomes lines at block boundaries
    def _flush(self) -> None:
        text = re.sub(r"[ \t\u3000\xa0]+", " ", "".join(self.buffer)).strip()
        self.buffer = []
        for piece in text.split("\n"):
            if piece.strip():
                self.lines.extend(textreader.lines_from_text(piece))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in _SKIP_TAGS:
            self.skip += 1
            return
        if tag == "script":
            self.script = True
            return
        if tag == "table":
            self._flush()
            self.tables.append(_Table())
            self.cell.append(None)
        elif tag == "tr" and self.tables:
            self.tables[-1].rows.append([])
        elif tag in ("td", "th") and self.tables:
            if not self.tables[-1].rows:
                self.tables[-1].rows.append([])
            cell = _Cell(colspan=_span(attrs, "colspan"), rowspan=_span(attrs, "rowspan"))
            self.tables[-1].rows[-1].append(cell)
            self.cell[-1] = cell
        elif tag in _BLOCK_TAGS:
            self._text("\n")

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
            return
        if tag == "script":
            self.script = False
            return
        if tag == "table" and self.tables:
            table = self.tables.pop()
            self.cell.pop()
            rows = grid_rows(table)
            for k, row in enumerate(rows):
                # a last row of empty cells under rows of text is a row of values printed blank
                # (section 四's one row, every count 0 printed empty), not a spacer
                if any(text for _, text in row) or k == len(rows) - 1 > 0 and len(row) > 1:
                    boxes = [TextBox(text, column=col) for col, text in row]
                    self.lines.append(Line(boxes, 1, in_table=True))
        elif tag in ("td", "th") and self.cell:
            self.cell[-1] = None
        elif tag in _BLOCK_TAGS:
            self._text("\n")

    def _text(self, data: str) -> None:
        if self.cell and self.cell[-1] is not None:
            # line breaks inside a cell only wrap the label
            self.cell[-1].text.append(data.replace("\n", "").strip() if data != "\n" else "")
        else:
            if data == "\n":
                self._flush()
            else:
                self.buffer.append(data)

    def handle_data(self, data):
        if self.skip:
            return
        if self.script:
            self.scripts.append(data)
            return
        self._text(data)

    def close(self):
        super().close()
        self._flush()


def _script_html(script: str) -> str:
    """HTML a script carries in its string literals, when it carries a table."""
    if not _ESCAPED_TABLE.search(script):
        return ""
    found = scriptreader.html_of(script)
    if not found and "&lt;table" in script.lower():
        return htmllib.unescape(script)
    return found


def parse_lines(markup: str, depth: int = 0) -> list[Line]:
    parser = _Parser()
    parser.feed(markup)
    parser.close()
    lines = parser.lines
    if depth < 2:
        for script in parser.scripts:
            fragment = _script_html(script)
            if fragment:
                lines.extend(parse_lines(fragment, depth + 1))
    return lines


def read(data: bytes, source: str) -> Document:
    # the charset comes from the BOM, then <meta charset> / http-equiv, then UTF-8 or GB18030
    lines = parse_lines(decode(data))
    return Document(source, "", "html", [Page(1, lines, path="html")])
