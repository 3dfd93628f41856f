"""PDFs with a text layer: ruled tables as rows of cells, other text as lines, all with
positions (PDF points, origin top-left).  Pages with no usable text layer are marked
`needs_ocr` for the OCR stage."""
from __future__ import annotations

import io
import logging
import re

from ..model import Document, Line, Page, TextBox
from . import ReaderError

_CJK = re.compile(r"[\u4e00-\u9fff]")
_CID = re.compile(r"\(cid:\d+\)")

logging.getLogger("pdfminer").setLevel(logging.ERROR)


def text_layer_is_usable(text: str) -> bool:
    """False for empty layers, (cid:..) glyph dumps and mojibake without Chinese."""
    stripped = re.sub(r"\s+", "", text)
    if len(stripped) < 20:
        return False
    if len(_CID.findall(text)) * 6 > len(stripped) * 0.2:
        return False
    return len(_CJK.findall(stripped)) / len(stripped) > 0.2


def _inside(word: dict, bbox) -> bool:
    cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return bbox[0] - 1 <= cx <= bbox[2] + 1 and bbox[1] - 1 <= cy <= bbox[3] + 1


def group_words_into_lines(words: list[dict], page_number: int, y_tolerance: float | None = None) -> list[Line]:
    """Cluster words whose vertical centres lie within `y_tolerance` into lines.

    The default tolerance is half the median word height: numbers that sit a few points
    above or below their row label (common in unruled tables) join its line, while
    separate text lines (spaced by more than a full height) stay apart.
    """
    if y_tolerance is None:
        heights = sorted(w["bottom"] - w["top"] for w in words) or [6.0]
        y_tolerance = max(3.0, heights[len(heights) // 2] * 0.5)
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: ((w["top"] + w["bottom"]) / 2, w["x0"])):
        centre = (word["top"] + word["bottom"]) / 2
        if lines and abs(centre - (lines[-1][0]["top"] + lines[-1][0]["bottom"]) / 2) <= y_tolerance:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [Line([TextBox(w["text"], (w["x0"], w["top"], w["x1"], w["bottom"]))
                  for w in sorted(ws, key=lambda w: w["x0"])], page_number) for ws in lines]


def _centred_in(char: dict, cell) -> bool:
    cx, cy = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
    return cell[0] <= cx < cell[2] and cell[1] <= cy < cell[3]


def _table_lines(table, page_number: int) -> list[Line]:
    from pdfplumber.utils import extract_text

    # a cell holds the characters centred in it: a number set flush against its cell's left
    # ruling overhangs it by a fraction of a point, and the cell before would read its first digit
    chars = [c for c in table.page.chars if _centred_in(c, table.bbox)]
    lines = []
    for row in table.rows:
        boxes = []
        for col, cell in enumerate(row.cells):
            if cell is None:
                continue
            text = extract_text([c for c in chars if _centred_in(c, cell)]) or ""
            boxes.append(TextBox(re.sub(r"\s*\n\s*", "", text).strip(), tuple(cell), column=col))
        if any(b.text for b in boxes):
            lines.append(Line(boxes, page_number, in_table=True))
    return lines


def read_page(page, number: int) -> Page:
    out = Page(number, width=float(page.width), height=float(page.height), path="text_layer")
    if not text_layer_is_usable(page.extract_text() or ""):
        out.path = "needs_ocr"
        out.note = "no usable text layer"
        return out
    tables = page.find_tables()
    table_lines = [line for t in tables for line in _table_lines(t, number)]
    words = [w for w in page.extract_words(keep_blank_chars=False, use_text_flow=False)
             if not any(_inside(w, t.bbox) for t in tables)]
    lines = group_words_into_lines(words, number) + table_lines
    lines.sort(key=lambda line: (line.bbox or (0, 0, 0, 0))[1])
    out.lines = lines
    return out


def read(data: bytes, source: str) -> Document:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    encrypted = (PDFPasswordIncorrect, PDFEncryptionError)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pages = list(pdf.pages)
    except encrypted as exc:
        raise ReaderError("encrypted PDF: cannot read without the password") from exc
    except Exception as exc:  # pdfminer raises many types for damaged files
        # pdfplumber wraps pdfminer's errors: PdfminerException(PDFPasswordIncorrect())
        if any(isinstance(arg, encrypted) for arg in exc.args):
            raise ReaderError("encrypted PDF: cannot read without the password") from exc
        raise ReaderError(f"corrupt or truncated PDF ({type(exc).__name__}: {exc})") from exc
    doc = Document(source, "", "pdf")
    with pdf:
        for number, page in enumerate(pages, start=1):
            try:
                doc.pages.append(read_page(page, number))
            except Exception as exc:  # one damaged page must not lose the others
                doc.pages.append(Page(number, path="needs_ocr", note=f"unreadable page: {exc}"))
                doc.errors.append(f"page {number}: unreadable text layer ({type(exc).__name__})")
    if not doc.pages:
        raise ReaderError("PDF has no pages")
    return doc
