"""OCR stage: page images -> lines of text boxes, one Line per table row and one TextBox per
cell where the page has ruled tables, one Line per visual line elsewhere.

    ocr_document(doc, data)   fills the `needs_ocr` pages of a PDF Document in place
    ocr_image(image, number)  one page image -> Page (used by the image reader too)
"""
from __future__ import annotations

import re

import numpy as np

from ..cells import DIGIT_LOOKALIKES, is_blank_marker, is_number
from ..model import Document, Line, Page, TextBox
from . import geometry
from .engines import OcrBox, OcrEngine, OcrUnavailable, get_engine

__all__ = ["ocr_document", "ocr_image", "OcrUnavailable", "get_engine"]

# A first read below this is re-read from a tight crop of its cell.
REREAD_BELOW = 0.9
# Scores given to number cells that needed a character repair / stayed doubtful: below the
# pipeline's CONFIDENT threshold so such values go to review, never straight to "ok".
REPAIRED_SCORE = 0.6
SECOND_LOOK_SCORE = 0.8  # a number only the cell re-read produced

_NUMBERISH = re.compile(r"^[\d,，.\-−" + re.escape("".join(DIGIT_LOOKALIKES)) + r"]+$")


def looks_numeric(text: str) -> bool:
    """One token of digits possibly mixed with digit look-alikes (at least one real digit).
    Text with inner spaces is several values ("1 0"): never glued into one."""
    t = text.strip()
    return bool(t) and bool(_NUMBERISH.match(t)) and any(c.isdigit() for c in t)


def repair_number(text: str) -> str | None:
    """Map look-alike characters to digits, token by token; None unless every token then
    is a number."""
    tokens = ["".join(DIGIT_LOOKALIKES.get(c, c) for c in tok) for tok in text.split()]
    return " ".join(tokens) if tokens and all(is_number(t) for t in tokens) else None


def same_number(a: str, b: str) -> bool:
    """Two reads of one cell give the same number (thousands separators and spaces aside)."""
    def norm(t: str) -> str:
        return t.replace(",", "").replace("，", "").replace(" ", "").strip()
    return is_number(norm(a)) and norm(a) == norm(b)


# --- crops ---------------------------------------------------------------------------

def _inked_region(gray: np.ndarray, bbox, inset: int) -> np.ndarray | None:
    """A cell's inside (rulings cut away by the inset); None when too small or flat (Otsu
    would invent ink from the noise of a flat cell)."""
    h, w = gray.shape[:2]
    x0, y0, x1, y1 = (int(round(v)) for v in bbox)
    x0, y0, x1, y1 = max(0, x0 + inset), max(0, y0 + inset), min(w, x1 - inset), min(h, y1 - inset)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    region = gray[y0:y1, x0:x1]
    return None if region.max() - region.min() < 40 else region


def _ink_blobs(region: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Connected ink components of a cell (Otsu), their stats and the ones that are neither
    ruling remnants spanning the cell nor dust of a few pixels."""
    import cv2

    height, width = region.shape[:2]
    ink = cv2.threshold(region, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    return stats, [i for i in range(1, n) if stats[i, 4] >= 6
                   and stats[i, 3] < height * 0.95 and stats[i, 2] < width * 0.95]


def _ink_crop(gray: np.ndarray, bbox, inset: int = 4, pad: int = 6) -> np.ndarray | None:
    """The inked part of a cell (rulings cut away by the inset), padded; None if blank."""
    import cv2

    region = _inked_region(gray, bbox, inset)
    if region is None:
        return None
    stats, keep = _ink_blobs(region)
    keep = [i for i in keep if stats[i, 3] >= 4]  # flat specks are no glyph of a value
    if not keep:
        return None
    # glyphs of one value are of similar height; speckle and dust are much smaller
    tallest = max(stats[i, 3] for i in keep)
    keep = [i for i in keep if stats[i, 3] >= 0.4 * tallest]
    xa = min(stats[i, 0] for i in keep)
    ya = min(stats[i, 1] for i in keep)
    xb = max(stats[i, 0] + stats[i, 2] for i in keep)
    yb = max(stats[i, 1] + stats[i, 3] for i in keep)
    crop = region[max(0, ya - pad):yb + pad, max(0, xa - pad):xb + pad]
    return cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR) if crop.size else None


# What OCR makes of a printed dash (a blank cell): CJK "one", katakana long vowel, underscores
_DASH_READS = re.compile(r"^[一ー_~\-－—–]{1,3}$")


def _flat_ink(gray: np.ndarray, bbox, inset: int = 4) -> bool | None:
    """Is the cell's ink one flat stroke (a dash), not a digit?  None when no ink is found.
    "一" is how OCR reads both a printed dash and a blurred "1": the shape tells them apart."""
    region = _inked_region(gray, bbox, inset)
    if region is None:
        return None
    stats, keep = _ink_blobs(region)
    if not keep:
        return None
    big = max(keep, key=lambda i: stats[i, 4])
    return bool(stats[big, 3] * 2.5 < stats[big, 2])


def _box_crop(bgr: np.ndarray, bbox, pad: int = 2) -> np.ndarray:
    h, w = bgr.shape[:2]
    x0, y0, x1, y1 = (int(round(v)) for v in bbox)
    return bgr[max(0, y0 - pad):min(h, y1 + pad), max(0, x0 - pad):min(w, x1 + pad)]


# --- page ----------------------------------------------------------------------------

def _numeric_columns(cell_texts: dict[tuple[int, int], str]) -> set[int]:
    """Grid columns where most non-empty cells are plain numbers."""
    counts: dict[int, list[int]] = {}
    for (_, c0), text in cell_texts.items():
        if text:
            n = counts.setdefault(c0, [0, 0])
            n[0] += is_number(text) or is_blank_marker(text)
            n[1] += 1
    return {c for c, (num, total) in counts.items() if total >= 2 and num / total >= 0.5}


def _table_lines(grid: geometry.Grid, members: dict, gray: np.ndarray, engine: OcrEngine,
                 page_number: int, colmap: dict[int, int] | None = None) -> list[tuple[float, Line]]:
    """One Line per grid row: the cells starting in that row, left to right.  `colmap`
    renumbers columns of a table continued from the previous page."""
    colmap = colmap or {}
    texts: dict[tuple[int, int], str] = {}
    scores: dict[tuple[int, int], float] = {}
    for cell in grid.cells:
        parts = members.get((cell.r0, cell.c0), [])
        key = (cell.r0, cell.c0)
        # "|" at a cell's edge is a piece of ruling the crop caught, never a "1"
        texts[key] = geometry.reading_order_text([p.text for p in parts], [p.bbox for p in parts]).strip("|丨 ")
        scores[key] = min((p.score for p in parts), default=1.0)
    numeric = _numeric_columns(texts)

    # second look at doubtful number cells and at blank-looking cells of number columns; every
    # other number cell gets a second, independent read from its own tight crop, whose
    # agreement with the page read is evidence (TextBox.agree) for values no sum rule checks
    todo, crops, second = [], [], set()
    for cell in grid.cells:
        key = (cell.r0, cell.c0)
        text = texts[key]
        in_numeric = cell.c0 in numeric
        # in a number column, short text that is mostly digits ("3;001") or a lone sign ("一"
        # from a blurred "1") may be a number misread
        digits = sum(ch.isdigit() for ch in text)
        doubtful = (text and looks_numeric(text) and (not is_number(text) or scores[key] < REREAD_BELOW)) \
            or (in_numeric and text and not is_number(text) and not is_blank_marker(text) and len(text) <= 12
                and (_NUMBERISH.match(text) or digits * 2 >= len(text) or len(text) <= 2))
        missing = in_numeric and not text
        if doubtful or missing or is_number(text):
            crop = _ink_crop(gray, cell.bbox)
            if crop is not None:
                todo.append(key)
                crops.append(crop)
                if not (doubtful or missing):
                    second.add(key)
    repaired: set[tuple[int, int]] = set()
    agree: dict[tuple[int, int], bool] = {}
    if crops:
        for key, (text2, score2) in zip(todo, engine.recognize_crops(crops)):
            text2 = text2.strip()
            old = texts[key]
            if key in second:
                agree[key] = same_number(old, text2)
                continue
            if not old:
                # a number the page-level detector missed: keep only a clean, fairly sure
                # read (ink in an empty cell may be a ruling remnant), never fully trusted
                if (is_number(text2) or is_blank_marker(text2)) and score2 >= 0.7:
                    texts[key] = text2
                    scores[key] = min(score2, SECOND_LOOK_SCORE)
            elif is_number(text2) and (not is_number(old) or score2 > scores[key]):
                if is_number(old) and text2 != old:
                    # two readings disagree: keep the better one, flag the doubt
                    scores[key] = min(score2, scores[key], REPAIRED_SCORE)
                    agree[key] = False
                elif not is_number(old):
                    # the first read mixed in letters: the close-up is likely right, not sure
                    scores[key] = min(score2, SECOND_LOOK_SCORE)
                    agree[key] = False
                else:
                    scores[key] = score2  # two reads agree
                    agree[key] = True
                texts[key] = text2
            elif is_number(old):
                agree[key] = same_number(old, text2)
    for cell in grid.cells:
        key = (cell.r0, cell.c0)
        if _DASH_READS.match(texts[key]) and not is_blank_marker(texts[key]) and _flat_ink(gray, cell.bbox):
            texts[key] = "—"  # a printed dash: a blank cell, as the text path reads it
    for cell in grid.cells:
        key = (cell.r0, cell.c0)
        text = texts[key]
        if text and (cell.c0 in numeric or looks_numeric(text)) and not is_number(text) and not is_blank_marker(text):
            fixed = repair_number(text)
            if fixed is not None and (looks_numeric(text) or len(text) <= 6):
                texts[key] = fixed
                scores[key] = min(scores[key], REPAIRED_SCORE)
                repaired.add(key)

    out = []
    rows = len(grid.ys) - 1
    for r in range(rows):
        cells = sorted((c for c in grid.cells if c.r0 == r), key=lambda c: c.c0)
        boxes = [TextBox(texts[(c.r0, c.c0)], c.bbox, score=round(scores[(c.r0, c.c0)], 4),
                         column=colmap.get(c.c0, c.c0),
                         repaired=(c.r0, c.c0) in repaired, agree=agree.get((c.r0, c.c0))) for c in cells]
        if any(b.text for b in boxes):
            out.append((grid.ys[r], Line(boxes, page_number, in_table=True)))
    return out


def ocr_image(image: np.ndarray, number: int, engine: OcrEngine | None = None,
              steps: tuple[str, ...] | None = None) -> Page:
    """OCR one page image (BGR or grey) into a Page with path "ocr", sizes in pixels."""
    return _ocr_page(image, number, engine, steps)[0]


def _continued(prev_xs, grids: list[geometry.Grid], width: float, height: float) -> dict[int, int] | None:
    """Column renumbering when this page opens with the table the previous page ran off."""
    if not prev_xs or not grids or grids[0].ys[0] > height * 0.15:
        return None
    return geometry.match_columns(prev_xs, grids[0].xs, tol=width * 0.01)


def _ocr_page(image: np.ndarray, number: int, engine: OcrEngine | None = None,
              steps: tuple[str, ...] | None = None, prev_xs=None) -> tuple[Page, list[float] | None]:
    """The page, and the column boundaries of its last table when that runs to the page
    bottom (a table the next page may continue)."""
    import cv2

    from . import preprocess

    engine = engine or get_engine()
    gray, info = preprocess.prepare(image, steps if steps is not None else preprocess.DEFAULT_STEPS)
    bgr = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    boxes: list[OcrBox] = engine.recognize(bgr)
    words = [b.bbox for b in boxes if not looks_numeric(b.text) and not is_number(b.text)]
    grids = geometry.find_grids(preprocess.ink_mask(gray), texts=words)

    members: list[dict] = [{} for _ in grids]
    free: list[OcrBox] = []
    splits: list[tuple[int, geometry.Cell, geometry.BBox]] = []
    for box in boxes:
        g = next((k for k, grid in enumerate(grids) if geometry.inside(box.bbox, grid.bbox)), None)
        if g is None:
            free.append(box)
            continue
        parts = geometry.split_by_cells(box.bbox, grids[g].cells)
        if len(parts) > 1:  # one detection across a ruling: read each cell's part on its own
            splits.extend((g, cell, part) for cell, part in parts)
            continue
        cell = parts[0][0] if parts else grids[g].cell_at(*geometry.centre(box.bbox))
        if cell is None:
            free.append(box)
        else:
            members[g].setdefault((cell.r0, cell.c0), []).append(box)
    if splits:
        reads = engine.recognize_crops([_box_crop(bgr, part) for _, _, part in splits])
        for (g, cell, part), (text, score) in zip(splits, reads):
            if text.strip():
                members[g].setdefault((cell.r0, cell.c0), []).append(OcrBox(text.strip(), part, score))

    h, w = gray.shape[:2]
    colmap = _continued(prev_xs, grids, w, h)
    placed: list[tuple[float, Line]] = []
    for g, grid in enumerate(grids):
        placed.extend(_table_lines(grid, members[g], gray, engine, number, colmap if g == 0 else None))
    bboxes = [b.bbox for b in free]
    for idx in geometry.group_into_lines(bboxes):
        line = Line([TextBox(free[i].text, free[i].bbox, score=round(free[i].score, 4)) for i in idx], number)
        placed.append((min(bboxes[i][1] for i in idx), line))
    placed.sort(key=lambda t: t[0])
    carry = grids[-1].xs if grids and grids[-1].ys[-1] > h * 0.85 else None
    note = f"ocr {engine.name}; deskew {info['angle']:+.2f} deg" if info.get("angle") else f"ocr {engine.name}"
    page = Page(number, [line for _, line in placed], width=float(w), height=float(h), path="ocr", note=note,
                deskew=float(info.get("angle") or 0.0))
    return page, carry


def ocr_document(doc: Document, data: bytes, engine: str | None = None, dpi: int | None = None) -> None:
    """Rasterize and OCR every `needs_ocr` page of PDF `doc` in place.

    A page that fails is recorded in doc.errors and left as it was; OcrUnavailable (no engine
    or models) is raised, since no page could be read."""
    from .rasterize import DEFAULT_DPI, rasterize_pdf_page

    pending = [p for p in doc.pages if p.path == "needs_ocr"]
    if not pending:
        return
    ocr = get_engine(engine)
    carry = None
    for page in pending:
        try:
            image = rasterize_pdf_page(data, page.number, dpi or DEFAULT_DPI)
            # a table can only continue from the page right before
            prev = carry if carry and carry[0] == page.number - 1 else None
            result, xs = _ocr_page(image, page.number, ocr, prev_xs=prev[1] if prev else None)
            carry = (page.number, xs) if xs else None
        except OcrUnavailable:
            raise
        except Exception as exc:  # one bad page must not lose the others
            doc.errors.append(f"page {page.number}: OCR failed ({type(exc).__name__}: {exc})")
            page.note = (page.note + "; " if page.note else "") + "OCR failed"
            continue
        page.lines, page.width, page.height, page.deskew = result.lines, result.width, result.height, result.deskew
        page.path = "ocr"
        page.note = (page.note + "; " if page.note else "") + result.note
