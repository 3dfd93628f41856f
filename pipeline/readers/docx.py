"""Word DOCX: paragraphs and tables in document order, read with python-docx.

A table becomes one `Line` per row with each cell a `TextBox` at its grid column, the same
structure the HTML reader builds: a horizontally merged cell (`gridSpan`) occupies its columns
once, where it starts, and a vertically merged cell (`vMerge`) appears only in its first row,
as `rowspan` does in HTML, so a number is never duplicated into the rows it spans.
"""
from __future__ import annotations

import io
import zipfile

from ..model import Document, Line, Page, TextBox
from . import ReaderError
from . import text as textreader

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _val(element, tag: str) -> str | None:
    """w:val of a property child (`tcPr/gridSpan`...); "" when the child has no value."""
    if element is None:
        return None
    child = element.find(_W + tag)
    if child is None:
        return None
    return child.get(_W + "val", "")


def _int(value: str | None, default: int) -> int:
    try:
        return max(1, min(int(value), 200)) if value else default
    except ValueError:
        return default


def _paragraph_text(p) -> str:
    """Visible text of a w:p: runs, tabs and breaks, tracked insertions, not deletions."""
    parts = []
    for node in p.iter():
        tag = node.tag
        if tag == _W + "t":
            parts.append(node.text or "")
        elif tag == _W + "tab":
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("\n")
    return "".join(parts)


def _cell_text(tc) -> str:
    # paragraphs inside a cell only wrap its label (商业\n企业): joined without a separator,
    # like line breaks inside an HTML cell
    texts = [_paragraph_text(p).replace("\n", "").strip() for p in tc.iter(_W + "p")]
    return "".join(t for t in texts if t)


def _table_lines(tbl) -> list[Line]:
    lines = []
    for tr in tbl.iterchildren(_W + "tr"):
        col = _int(_val(tr.find(_W + "trPr"), "gridBefore"), 0)
        boxes = []
        for tc in _row_cells(tr):
            props = tc.find(_W + "tcPr")
            span = _int(_val(props, "gridSpan"), 1)
            merge = _val(props, "vMerge")
            # vMerge without val="restart" continues the cell above: it was read there
            if merge is None or merge == "restart":
                boxes.append(TextBox(_cell_text(tc), column=col))
            col += span
        if any(b.text for b in boxes):
            lines.append(Line(boxes, 1, in_table=True))
    return lines


def _row_cells(tr):
    """The w:tc of a row, looking through content controls (w:sdt) that wrap cells."""
    for child in tr.iterchildren():
        if child.tag == _W + "tc":
            yield child
        elif child.tag == _W + "sdt":
            content = child.find(_W + "sdtContent")
            if content is not None:
                yield from content.iterchildren(_W + "tc")


def _body_lines(container) -> list[Line]:
    lines: list[Line] = []
    for child in container.iterchildren():
        if child.tag == _W + "p":
            lines.extend(textreader.lines_from_text(_paragraph_text(child)))
        elif child.tag == _W + "tbl":
            lines.extend(_table_lines(child))
        elif child.tag in (_W + "sdt", _W + "customXml"):
            content = child.find(_W + "sdtContent") if child.tag == _W + "sdt" else child
            if content is not None:
                lines.extend(_body_lines(content))
    return lines


def read(data: bytes, source: str) -> Document:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        word = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReaderError(f"corrupt or unreadable DOCX ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # lxml XMLSyntaxError and friends: a damaged part
        raise ReaderError(f"corrupt DOCX: {type(exc).__name__}: {exc}") from exc
    lines = _body_lines(word.element.body)
    if not any(line.text.strip() for line in lines):
        raise ReaderError("the DOCX holds no text")
    return Document(source, "", "docx", [Page(1, lines, path="html")])
