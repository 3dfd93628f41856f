"""Typed records flowing through the stages.

document -> pages -> lines of text boxes -> tokens -> table cells -> field values -> checks.
Every stage adds to these records; none re-reads the input file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom in page units (PDF points or pixels)

STATUSES = ("ok", "low_confidence", "inferred", "missing", "inconsistent")
# A value is only "ok" at or above this confidence; the review queue takes the rest.
CONFIDENT = 0.9


@dataclass
class TextBox:
    """One piece of text as the source gives it: a table cell, a word run, an OCR box."""

    text: str
    bbox: BBox | None = None
    score: float | None = None  # OCR recognition score; None for born-digital text
    column: int | None = None  # grid column when the source has a table grid (HTML, PDF/OCR tables)
    repaired: bool = False  # OCR text changed by a character-confusion repair: never "ok"
    # OCR number cells: did a second, independent read (another crop of the cell, or the
    # proof-reader's re-reads) give the same text?  None: no second read was made
    agree: bool | None = None
    # OCR: a doubtful read that only re-reads of the same pixels repeated (agree stays None):
    # the proof-reader needs its binarized crop to agree before it counts as read twice
    same_pixels: bool = False
    # a cell found only by the alignment of the numbers around it (a text grid): an empty one
    # proves a blank only if the row then has as many cells as the template
    aligned: bool = False
    gridded: bool = False  # an aligned cell of a text grid (columns merged from the numbers' places)
    loose: bool = False  # gridded, in a grid whose columns may be one off (text_grid.grid_layout)


@dataclass
class Line:
    """A visual or textual line. For ruled tables one line is one table row and each box one cell."""

    boxes: list[TextBox]
    page: int  # 1-based
    in_table: bool = False

    @property
    def text(self) -> str:
        return " ".join(b.text for b in self.boxes)

    @property
    def bbox(self) -> BBox | None:
        boxes = [b.bbox for b in self.boxes if b.bbox]
        if not boxes:
            return None
        return (min(b[0] for b in boxes), min(b[1] for b in boxes),
                max(b[2] for b in boxes), max(b[3] for b in boxes))


@dataclass
class Page:
    number: int  # 1-based
    lines: list[Line] = field(default_factory=list)
    width: float | None = None
    height: float | None = None
    # how the page's text was obtained: text | html | text_layer | ocr | needs_ocr
    path: str = "text"
    image: Any = None  # rasterized page for OCR, set by readers that have one
    note: str = ""
    # degrees the page image was rotated (about its centre, counter-clockwise positive) before
    # OCR: boxes live in that rotated frame, so a crop of the original must rotate it alike
    deskew: float = 0.0


@dataclass
class Document:
    source: str
    sha256: str
    kind: str  # text | html | pdf | image | docx | office (.doc/.wps/.rtf/.odt via LibreOffice)
    pages: list[Page] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[Line]:
        return [line for page in self.pages for line in page.lines]

    def page_info(self) -> list[dict]:
        return [{"page": p.number, "path": p.path, "width": p.width, "height": p.height,
                 **({"deskew": p.deskew} if p.deskew else {})} for p in self.pages]


@dataclass
class Token:
    """A label fragment or a number, with where it came from."""

    kind: str  # "text" (label material) | "number" | "prose" (narrative: never a label or a cell)
    text: str
    page: int | None = None
    bbox: BBox | None = None
    line_no: int = 0
    cell_no: int = 0  # position of the box in its line
    score: float | None = None
    value: float | None = None  # numbers: parsed value
    unit: str | None = None  # numbers: unit printed in the cell (万元, 元)
    blank: bool = False  # a printed blank marker (—, /, 无): a cell with no number
    empty: bool = False  # a blank that is an empty cell of a table with explicit cells
    repaired: bool = False
    agree: bool | None = None  # TextBox.agree of the OCR cell the number was read from
    aligned: bool = False  # TextBox.aligned: an empty cell inferred from a text grid's alignment
    gridded: bool = False  # TextBox.gridded
    loose: bool = False  # TextBox.loose
    cut: bool = False  # joined from the two cells a converter cut it into at a cell border (`1251|.8`)


@dataclass
class Evidence:
    page: int | None = None
    bbox: BBox | None = None
    text: str = ""
    crop: str | None = None  # image of the cell, written by `extract --crops`
    # the source line the value was read from: index in Document.lines(), the cell (grid column
    # or box index) and the line's text, so a reviewer sees the row as the input printed it
    line: int | None = None
    cell: int | None = None
    line_text: str = ""

    def as_dict(self) -> dict:
        out = {"page": self.page, "bbox": [round(v, 2) for v in self.bbox] if self.bbox else None,
               "text": self.text}
        if self.line is not None:
            out.update(line=self.line, cell=self.cell, line_text=self.line_text)
        if self.crop:
            out["crop"] = self.crop
        return out


@dataclass
class FieldValue:
    value: float | int | None = None
    confidence: float = 0.0
    status: str = "missing"
    evidence: Evidence = field(default_factory=Evidence)
    candidates: list[float | int] = field(default_factory=list)  # alternatives when undecided
    reasons: list[str] = field(default_factory=list)
    signals: dict[str, float | str] = field(default_factory=dict)  # the evidence confidence is computed from

    def as_dict(self) -> dict:
        out = {"value": self.value, "confidence": round(self.confidence, 4), "status": self.status,
               "evidence": self.evidence.as_dict()}
        if self.candidates:
            out["candidates"] = self.candidates
        if self.reasons:
            out["reasons"] = self.reasons
        if self.signals:
            out["signals"] = self.signals
        return out


@dataclass
class Check:
    rule: str
    fields: list[str]
    expected: float
    printed: float
    ok: bool
    about: str = ""  # what the rule says, or the narrative text a prose check quotes

    def as_dict(self) -> dict:
        out = {"rule": self.rule, "fields": self.fields, "expected": self.expected,
               "printed": self.printed, "ok": self.ok}
        if self.about:
            out["about"] = self.about
        return out


@dataclass
class Result:
    source: str
    sha256: str
    template: str | None = None
    hybrid: bool = False
    agency: str | None = None
    year: int | None = None
    fields: dict[str, FieldValue] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    pages: list[dict] = field(default_factory=list)  # per page: number, size, the path its text took

    def as_dict(self) -> dict:
        return {"source": self.source, "sha256": self.sha256, "template": self.template,
                "hybrid": self.hybrid, "agency": self.agency, "year": self.year,
                "fields": {k: v.as_dict() for k, v in self.fields.items()},
                "checks": [c.as_dict() for c in self.checks], "errors": self.errors,
                "pages": self.pages}
