"""Deliberately simple alternatives to the pipeline, for benchmarks (scripts/bench).

keyword_extract   per line: the longest template row label found verbatim, then the numbers
                  on that same line in printed order -> the row's columns.  No fuzzy labels,
                  no column-major (pdfminer) layouts, no sum-rule solver, confidence 1.0.
NaiveOcr          rapidocr with its default settings over each full page, boxes sorted into
                  reading order lines: no table grid, no crops, no re-reads, no repairs.

Both produce what the pipeline produces (a Document, or a dict in the JSON contract) so the
same scorer (pipeline.evaluate) judges all of them.
"""
from __future__ import annotations

from itertools import groupby
from pathlib import Path

from .layout import squash, tokenize
from .model import Document, Line, Page, TextBox, Token
from .schema import VERSIONS, Table, Template, load_template


# --- keyword-only mapping ------------------------------------------------------------------

def _lines(tokens: list[Token]) -> list[list[Token]]:
    return [list(group) for _, group in groupby(tokens, key=lambda t: t.line_no)]


def _number(token: Token) -> float | int:
    if token.blank:
        return 0
    value = token.value
    return int(value) if float(value).is_integer() else value


MAX_HEADING = 40  # longer lines are prose that merely mentions a section (e.g. a contents sentence)


def _heading_table(text: str, template: Template, seen: set[str]) -> Table | None:
    if len(text) > MAX_HEADING:
        return None
    for table in template.tables:
        if table.id not in seen and any(squash(h) in text for h in table.headings):
            return table
    return None


def _row_on_line(text: str, table: Table, taken: set[str]) -> str | None:
    """The row whose longest label variant occurs verbatim in the line's label text."""
    best, best_len = None, 0
    for row in table.rows:
        if row.id in taken:
            continue
        for label in row.labels:
            s = squash(label)
            if s and s in text and len(s) > best_len:
                best, best_len = row.id, len(s)
    return best


def keyword_fields(tokens: list[Token], template: Template) -> dict[str, float | int | None]:
    values: dict[str, float | int | None] = {f: None for f in template.field_ids()}
    table: Table | None = None
    seen: set[str] = set()
    taken: set[str] = set()
    for line in _lines(tokens):
        text = squash("".join(t.text for t in line if t.kind == "text"))
        heading = _heading_table(text, template, seen)
        if heading is not None:  # a section heading switches tables; rows before it are prose
            table, taken = heading, set()
            seen.add(heading.id)
            continue
        if table is None or not text:
            continue
        row_id = _row_on_line(text, table, taken)
        if row_id is None:
            continue
        taken.add(row_id)
        numbers = [_number(t) for t in line if t.kind == "number"]
        for column, value in zip(table.row(row_id).columns, numbers):
            values[table.field_id(row_id, column)] = value
    return values


def keyword_extract(doc: Document) -> dict:
    """The keyword baseline's output in the JSON contract.  The template is whichever
    version fills more fields (ties: the newer); hybrids are not recognised."""
    tokens = tokenize(doc)
    best_version, best = None, None
    for version in VERSIONS:
        values = keyword_fields(tokens, load_template(version))
        if best is None or sum(v is not None for v in values.values()) >= sum(v is not None for v in best.values()):
            best_version, best = version, values
    found = any(v is not None for v in best.values())
    fields = {f: ({"value": v, "confidence": 1.0, "status": "ok"} if v is not None
                  else {"value": None, "confidence": 0.0, "status": "missing"}) for f, v in best.items()}
    return {"source": doc.source, "sha256": doc.sha256, "template": best_version if found else None,
            "hybrid": False, "agency": None, "year": None, "fields": fields if found else {},
            "checks": [], "errors": [] if found else ["keyword baseline: no row label found"]}


# --- naive OCR ------------------------------------------------------------------------------

def reading_order(boxes: list[tuple[str, tuple[float, float, float, float], float]]) -> list[list[int]]:
    """Indices of boxes grouped into lines (top to bottom) and sorted left to right: a box joins
    the current line when its vertical centre lies inside the line's first box."""
    order = sorted(range(len(boxes)), key=lambda i: (boxes[i][1][1] + boxes[i][1][3]) / 2)
    lines: list[list[int]] = []
    for i in order:
        _, (x0, top, x1, bottom), _ = boxes[i]
        centre = (top + bottom) / 2
        if lines:
            first = boxes[lines[-1][0]][1]
            if first[1] <= centre <= first[3]:
                lines[-1].append(i)
                continue
        lines.append([i])
    return [sorted(line, key=lambda i: boxes[i][1][0]) for line in lines]


class NaiveOcr:
    """rapidocr's stock pipeline (detector, angle classifier, recogniser, default limits).
    Only the model paths are given, so it reads the wheel's models and never downloads."""

    def __init__(self) -> None:
        import rapidocr
        from rapidocr import RapidOCR

        models = Path(rapidocr.__file__).resolve().parent / "models"
        params = {"Global.log_level": "error"}
        for key, pattern in (("Det", "*det*.onnx"), ("Rec", "*rec*.onnx"), ("Cls", "*cls*.onnx")):
            found = sorted(models.glob(pattern))
            if found:
                params[f"{key}.model_path"] = str(found[-1])
        self._ocr = RapidOCR(params=params)

    def page(self, image, number: int) -> Page:
        out = self._ocr(image)
        boxes = []
        if out.boxes is not None:
            for quad, text, score in zip(out.boxes, out.txts, out.scores):
                xs, ys = [p[0] for p in quad], [p[1] for p in quad]
                boxes.append((text, (float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys))), float(score)))
        lines = [Line([TextBox(boxes[i][0], boxes[i][1], boxes[i][2]) for i in idx], number)
                 for idx in reading_order(boxes)]
        h, w = image.shape[:2]
        return Page(number, lines, width=float(w), height=float(h), path="ocr", note="naive rapidocr")

    def read_pdf(self, path: Path, dpi: int | None = None) -> Document:
        """Rasterize every page (same renderer and dpi as the pipeline) and OCR it whole."""
        import hashlib

        from pdf2image import convert_from_bytes

        from .ocr.rasterize import DEFAULT_DPI, limit_size, pil_to_bgr

        data = Path(path).read_bytes()
        images = convert_from_bytes(data, dpi=dpi or DEFAULT_DPI)
        pages = [self.page(limit_size(pil_to_bgr(img))[0], n) for n, img in enumerate(images, start=1)]
        return Document(str(path), hashlib.sha256(data).hexdigest(), "pdf", pages)
