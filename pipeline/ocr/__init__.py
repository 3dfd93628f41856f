"""OCR stage: page images -> lines of text boxes, one Line per table row and one TextBox per
cell where the page has ruled tables, one Line per visual line elsewhere.

    ocr_document(doc, data)   fills the `needs_ocr` pages of a PDF Document in place
    ocr_image(image, number)  one page image -> Page (used by the image reader too)
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

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


# OCR only: a "0" with its right side faded off reads "C" (not for text: "C" is no digit there)
_OCR_LOOKALIKES = {**DIGIT_LOOKALIKES, "C": "0", "c": "0"}
# a speck or a ruling's remnant read as punctuation beside the digits ("0.", ".0", "'0", "(2",
# "[0." where a skewed page's ruling runs into the cell)
_SPECKS = ".'`^\"‘’“”·,，:;()（）[]【】"


def _despeck(token: str) -> str:
    """A token's digits without the specks read beside them: punctuation before the first
    digit or after the last, and accents over a glyph ("ó": a speck over a "0")."""
    token = "".join(c for c in unicodedata.normalize("NFKD", token) if not unicodedata.combining(c))
    token = "".join(_OCR_LOOKALIKES.get(c, c) for c in token)
    core = token.strip(_SPECKS)
    # (a sign before the digits is no speck: such a token is left as it is)
    return core if core[:1].isdigit() and core[-1:].isdigit() else token


def repair_number(text: str) -> str | None:
    """Map look-alike characters to digits, token by token; None unless every token then
    is a number.  Specks read beside the digits go: a speck beside a "0" is read "0." or
    ".0", and the cell, no number, left its whole row in doubt (a repair: the value is never
    ok)."""
    tokens = [_despeck(tok) for tok in text.split()]
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
    stats, blobs = _ink_blobs(region)
    keep = [i for i in blobs if stats[i, 3] >= 4]  # flat specks are no glyph of a value
    if not keep:
        return None
    # glyphs of one value are of similar height; speckle and dust are much smaller
    tallest = max(stats[i, 3] for i in keep)
    keep = [i for i in keep if stats[i, 3] >= 0.4 * tallest]
    # ... but a minus sign before them is flat and low: without it "-3" is read "3"
    left, top, bottom = min(stats[i, 0] for i in keep), min(stats[i, 1] for i in keep), \
        max(stats[i, 1] + stats[i, 3] for i in keep)
    keep += [i for i in blobs if i not in keep and stats[i, 2] >= max(2 * stats[i, 3], 0.3 * tallest)
             and stats[i, 0] + stats[i, 2] <= left and top <= stats[i, 1] + stats[i, 3] / 2 <= bottom
             and left - (stats[i, 0] + stats[i, 2]) <= tallest]
    xa = min(stats[i, 0] for i in keep)
    ya = min(stats[i, 1] for i in keep)
    xb = max(stats[i, 0] + stats[i, 2] for i in keep)
    yb = max(stats[i, 1] + stats[i, 3] for i in keep)
    crop = region[max(0, ya - pad):yb + pad, max(0, xa - pad):xb + pad]
    return cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR) if crop.size else None


BLANK_SPECK = 15  # marked pixels in one blob that make a mark, not a speck
MARK_CUT = 10  # px cut off a cell's left and right before looking for marks (the rulings' halo)


def _mark_boxes(gray: np.ndarray, bbox, contrast: float | None = 30) -> list[tuple[int, int, int, int]] | None:
    """(x, y, width, height), in page pixels, of every mark in the middle of a cell
    (`_middle_marks`); None when the cell is too small to judge."""
    import cv2

    middle = _middle_marks(gray, bbox, contrast)
    if middle is None:
        return None
    x0, y0, marked = middle
    n, _, stats, _ = cv2.connectedComponentsWithStats(marked, connectivity=8)
    return [(x0 + int(stats[i, 0]), y0 + int(stats[i, 1]), int(stats[i, 2]), int(stats[i, 3]))
            for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= BLANK_SPECK]


def _middle_marks(gray: np.ndarray, bbox, contrast: float | None = 30) -> tuple[int, int, np.ndarray] | None:
    """(x, y) in page pixels and the 0/1 mask of the marks in the middle of a cell (rulings
    and their halo cut away), smoothed so that speckle and scanner noise leave no mark while
    a faint, blurred digit (~50 grey levels under the paper) does; None when the cell is too
    small to judge.  `contrast`: grey levels under the paper that make a mark, None for the
    cell's own (`mark_contrast`)."""
    import cv2

    h, w = gray.shape[:2]
    x0, y0, x1, y1 = (int(round(v)) for v in bbox)
    # the cut is the rulings' halo, which blur widens, not a share of the cell: a value
    # printed flush left in a cell spanning two columns (section 二's fees row under its
    # two-column header) lay inside a cut of a tenth of the width, and the cell read "blank"
    dy, dx = max(4, (y1 - y0) // 5), max(4, min((x1 - x0) // 10, MARK_CUT))
    x0, y0, x1, y1 = max(0, x0 + dx), max(0, y0 + dy), min(w, x1 - dx), min(h, y1 - dy)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    # no median filter: it erases the 2-px stroke of a thin "1"; specks fall under BLANK_SPECK
    middle = cv2.GaussianBlur(np.ascontiguousarray(gray[y0:y1, x0:x1]), (0, 0), 0.8)
    paper = float(np.median(middle))
    contrast = mark_contrast(middle, paper) if contrast is None else contrast
    return x0, y0, (middle < paper - contrast).astype(np.uint8)


MARK_CONTRAST = (15, 30)  # grey levels under the paper that make a mark: on a quiet cell, on a noisy one


def mark_contrast(middle: np.ndarray, paper: float) -> float:
    """How much darker than the paper a mark is: 6 noise sigmas (from the median absolute
    deviation), within MARK_CONTRAST.  Low toner prints a dash ~25 grey levels under the
    paper after the smoothing; on a quiet page that is no noise, and at 30 its cell read as
    empty, a whole row of printed zeros as a row not found."""
    sigma = 1.4826 * float(np.median(np.abs(middle.astype(np.float32) - paper)))
    return min(MARK_CONTRAST[1], max(MARK_CONTRAST[0], 6 * sigma))


def _marks(gray: np.ndarray, bbox, contrast: float | None = 30) -> list[tuple[int, int]] | None:
    """(width, height) of every mark in the middle of a cell (`_mark_boxes`)."""
    boxes = _mark_boxes(gray, bbox, contrast)
    return None if boxes is None else [(w, h) for _, _, w, h in boxes]


def _reread_crop(gray: np.ndarray, bbox) -> np.ndarray | None:
    """The crop a cell is re-read from: its glyphs (`_ink_crop`), or, when that finds none
    but the cell's middle holds a mark other than a dash, the marks' span at the cell's full
    height.  On a blurred page a one-line row's number touches the rulings' grey halo, and
    `_ink_crop` drops the merged blob as a ruling remnant: the cell stayed unread, its value
    lost ("+3" read as an empty cell, 0)."""
    import cv2

    crop = _ink_crop(gray, bbox)
    if crop is not None:
        return crop
    # marks running into the cut at the sides are pieces of something beyond them (a value
    # printed across a column boundary the grid did not merge), never this cell's own value
    h, w = gray.shape[:2]
    dx = max(4, min(int(round(bbox[2] - bbox[0])) // 10, MARK_CUT))
    left, right = max(0, int(round(bbox[0])) + dx), min(w, int(round(bbox[2])) - dx)
    marks = [m for m in _mark_boxes(gray, bbox) or []
             if not _dash(m[2:], bbox) and m[0] > left and m[0] + m[2] < right]
    if not marks:
        return None
    xa = max(0, min(m[0] for m in marks) - 8)
    xb = min(w, max(m[0] + m[2] for m in marks) + 8)
    ya, yb = max(0, int(round(bbox[1])) + 3), min(h, int(round(bbox[3])) - 3)
    if xb - xa < 4 or yb - ya < 4:
        return None
    return cv2.cvtColor(np.ascontiguousarray(gray[ya:yb, xa:xb]), cv2.COLOR_GRAY2BGR)


def unruled_crop(gray: np.ndarray, bbox, inset: int = 2) -> np.ndarray | None:
    """The glyphs of a cell with the rulings taken out, for a value printed flush against a
    ruling (a skewed page: "6" against the left ruling), which Otsu joins with it into one
    blob as tall as the cell, so `_ink_crop` drops it as a ruling remnant and no crop shows it.
    Long vertical and horizontal runs of ink are rulings; what is left must be glyph-sized."""
    import cv2

    region = _inked_region(gray, bbox, inset)
    if region is None:
        return None
    height, width = region.shape[:2]
    ink = cv2.threshold(region, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(3, int(0.7 * height)))))
    lines |= cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(0.7 * width)), 1)))
    # a ruling's blurred edge is part of it
    lines = cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink & ~lines, connectivity=8)
    glyphs = [i for i in range(1, n) if stats[i, 4] >= 2 * BLANK_SPECK and stats[i, 3] >= max(8, 0.25 * height)
              and stats[i, 3] < 0.9 * height and stats[i, 2] >= 4]
    if not glyphs:
        return None
    xa = max(0, min(stats[i, 0] for i in glyphs) - 6)
    xb = min(width, max(stats[i, 0] + stats[i, 2] for i in glyphs) + 6)
    ya = max(0, min(stats[i, 1] for i in glyphs) - 6)
    yb = min(height, max(stats[i, 1] + stats[i, 3] for i in glyphs) + 6)
    crop = region[ya:yb, xa:xb].copy()
    crop[lines[ya:yb, xa:xb] > 0] = int(np.percentile(region, 90))  # the rulings as paper
    return cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)


def _dash(mark: tuple[int, int], bbox) -> bool:
    """A mark flat and low against its cell: a printed dash.  Blurred digits run together
    into one wide blob, but as tall as the text, never a quarter of the cell's height."""
    w, h = mark
    return w >= 1.5 * h and h <= max(5.0, 0.25 * (bbox[3] - bbox[1]))


def blank_cell(gray: np.ndarray, bbox) -> bool:
    """Is the cell free of any mark but a dash?  The proof that a cell holds no value, so
    stricter than `_ink_crop` finding no glyph: on a blurred page a number's ink merges with
    the grey halo of the rulings into one blob that `_ink_crop` drops as a ruling remnant."""
    marks = _marks(gray, bbox)
    return marks is not None and all(_dash(m, bbox) for m in marks) and not _straddled(gray, bbox)


def _straddled(gray: np.ndarray, bbox) -> bool:
    """Does a glyph lie across the cell's left or right side, in the halo `_mark_boxes` cuts
    away?  A value centred in a cell spanning two grid columns sits on the boundary the other
    rows' ruling gives the grid (a digit's stem passes for a worn piece of it): both halves
    looked empty and a printed 4 was proven blank, 0, ok (section 二's fees row).  A ruling
    is ink from the cell's top to its bottom, however faint or blurred; a glyph leaves paper
    above or below it."""
    import cv2

    h, w = gray.shape[:2]
    x0, y0, x1, y1 = (int(round(v)) for v in bbox)
    dy = max(4, (y1 - y0) // 5)
    ya, yb = max(0, y0 + dy), min(h, y1 - dy)
    if yb - ya < 3 or y1 - y0 < 8:
        return False
    paper = float(np.median(gray[ya:yb, max(0, x0):min(w, x1)]))
    for side in (x0, x1):
        xa, xb = max(0, side - MARK_CUT), min(w, side + MARK_CUT)
        if xb - xa < 3:
            continue
        strip = cv2.GaussianBlur(np.ascontiguousarray(gray[ya:yb, xa:xb]), (0, 0), 0.8)
        n, _, stats, _ = cv2.connectedComponentsWithStats((strip < paper - 30).astype(np.uint8), connectivity=8)
        at = side - xa
        for i in range(1, n):
            x, _, bw, _, area = stats[i]
            if area < BLANK_SPECK or not (x < at - 1 and x + bw > at + 1):
                continue
            # the darkest of the mark's columns along the cell's height, horizontal rulings' cores cut off
            column = gray[max(0, y0 + 3):min(h, y1 - 3), xa + x:xa + x + bw].min(axis=1)
            if column.size and float(column.max()) > paper - 30:
                return True
    return False


def may_have_lost_minus(text: str) -> bool:
    """A read number without a sign whose value a lost minus would change (before a zero it
    changes nothing: a speck there is no reason to send the cell to review)."""
    return is_number(text) and text[0].isdigit() and bool(text.strip("0.,"))


def hidden_minus(gray: np.ndarray, bbox) -> bool:
    """Does a minus sign stand left of the cell's digits that the read left out?  Blur and
    JPEG at 150 dpi grey a minus printed against the cell's left ruling into the ruling's
    halo and the digit's: no crop shows it apart ("-2" read "2" twice, ok: the signed
    本年增/减 column has no sum rule).  Measured against each column's paper (so the vertical
    ruling's halo drops out), a minus is a mark between the ruling and the digits, flat
    against the digits' height, in their middle, with paper above and below it; a positive
    value printed left has no room there (the digits start at the cell's padding)."""
    import cv2

    region = _inked_region(gray, bbox, 4)
    if region is None:
        return False
    stats, blobs = _ink_blobs(region)
    keep = [i for i in blobs if stats[i, 3] >= 4]
    if not keep:
        return False
    tallest = max(stats[i, 3] for i in keep)
    keep = [i for i in keep if stats[i, 3] >= 0.4 * tallest]
    h, w = gray.shape[:2]
    x0, y0, y1 = int(round(bbox[0])), max(0, int(round(bbox[1]))), min(h, int(round(bbox[3])))
    top = y0 + 4 + min(stats[i, 1] for i in keep)
    height = y0 + 4 + max(stats[i, 1] + stats[i, 3] for i in keep) - top
    right = x0 + 4 + max(stats[i, 0] + stats[i, 2] for i in keep)
    lo = max(0, x0 - MARK_CUT)
    if height < 6 or right - lo < 2 * MARK_CUT or y1 - y0 < 8:
        return False
    smooth = cv2.GaussianBlur(np.ascontiguousarray(gray[y0:y1, lo:right]), (0, 0), 0.8).astype(np.float32)
    paper = np.percentile(smooth[3:-3], 80, axis=0)  # per column: the ruling's halo is in it
    under = paper[None, :] - smooth[top - y0:top - y0 + height]
    core = int(np.argmin(paper[:2 * MARK_CUT]))  # the left ruling
    # the digits: columns at least half as dark as the darkest, that ink running down at
    # least 0.4 of the text's height (a minus, however dark, is flat); the strip before them,
    # the digits' own blurred edge left out
    dark = under[:, core + 2:] >= 0.5 * under[:, core + 2:].max()
    rows = np.arange(height)[:, None]
    span = np.where(dark, rows, -1).max(axis=0) - np.where(dark, rows, height).min(axis=0)
    digits = np.nonzero(span >= 0.4 * height)[0]
    if not digits.size:
        return False
    a, b = core + 2, core + 2 + int(digits[0]) - max(2, height // 6)
    if b - a < max(3, 0.2 * height):
        return False
    a = max(a, b - height)  # a centred value's minus is as close to it; specks further off are not looked at
    strip = under[:, a:b]
    quarter = max(2, height // 4)
    quiet = np.concatenate([strip[:quarter].ravel(), strip[-quarter:].ravel()])
    sigma = 1.4826 * float(np.median(np.abs(quiet - np.median(quiet))))
    r0, r1 = int(0.3 * height), int(np.ceil(0.8 * height))
    peak = float(strip[r0:r1].max())
    if peak < max(15.0, 6 * sigma):
        return False
    r, c = np.unravel_index(int(np.argmax(strip[r0:r1])), strip[r0:r1].shape)
    _, labels, comp, _ = cv2.connectedComponentsWithStats((strip >= peak / 2).astype(np.uint8), connectivity=8)
    cx, cy, cw, ch = comp[labels[r0 + r, c], :4]
    # one solid bar right before the digits (specks further off, or two together, are none),
    # blur making a short minus nearly as tall as it is wide (at half its depth); a mark
    # running into the ruling's halo cannot be measured (the upright of a small "+")
    if cx == 0 or cw < max(3, 0.25 * height) or cw < 0.8 * ch or ch > 0.5 * height \
            or b - a - (cx + cw) > 0.5 * height or comp[labels[r0 + r, c], 4] < 0.6 * cw * ch \
            or not 0.3 * height <= cy + ch / 2 <= 0.8 * height:
        return False
    # as thick at its middle as at its ends: a "+" is thick where its upright crosses the bar
    # (the upright is lighter and shorter than the digits), a "4"'s bar where the stem is
    heights = (labels[:, cx:cx + cw] == labels[r0 + r, c]).sum(axis=0)
    ends = max(1, cw // 4)
    if heights.max() > 1.5 * np.r_[heights[:ends], heights[-ends:]].mean():
        return False
    # (blur and a deskew's interpolation grey a row of halo on either side of the bar: the
    # upright of a "+" runs further)
    halo = max(1, ch // 2)
    away = np.r_[0:max(0, cy - halo), min(height, cy + ch + halo):height]
    if away.size and strip[away][:, cx + 1:max(cx + 2, cx + cw - 1)].max() >= 0.3 * peak:
        return False
    # paper between it and the digits: the bar of a "4" runs on into the digit's stem
    row = under[r0 + r, a + c:]
    ink = np.nonzero(row >= peak)[0]
    ink = ink[ink > b - a - c]
    return bool(not ink.size or row[:ink[0]].min() < 0.6 * peak)


def _flat_ink(gray: np.ndarray, bbox) -> bool | None:
    """Is the cell's ink dashes only, not a digit?  None when no ink is found.  "一" is how
    OCR reads both a printed dash and a blurred "1": the shape tells them apart.  Marks at
    the cell's own contrast (`mark_contrast`): low toner leaves a dash too faint for the
    fixed one, and the more of a faint digit shows, the less it looks flat.  (The proof of a
    blank cell and the re-read keep the fixed contrast: a reverse side's light ghost of a
    "1" showing through was read as this side's value.)"""
    marks = _marks(gray, bbox, contrast=None)
    if not marks:
        return None
    return all(_dash(m, bbox) for m in marks)


# What OCR makes of a printed dash (a blank cell): CJK "one", katakana long vowel, underscores
_DASH_READS = re.compile(r"^[一ー_~\-－—–]{1,3}$")


_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def words_among_values(texts: list[str], word: re.Pattern = _WORD) -> bool:
    """Does a table row print words in two places with something else between them (an empty
    cell, a dash, a number)?  A row of values prints its labels together at the left; words
    apart are a header (or rows run together), and a dash there is no evidence of a blank
    value.  Under blur or a reverse side showing through, the appeals table's header row
    ("— 执地 — 总计") was taken for its values, and its dashes, shaped like printed dashes,
    made printed counts read 0, ok."""
    seen_word = gap = False
    for t in texts:
        if word.search(t) and not is_blank_marker(t.strip()):
            if gap:
                return True
            seen_word = True
        elif seen_word:
            gap = True
    return False


# What OCR makes of a lone printed slash: nothing, or a stroke-like character (a faded one
# broken into pieces: "!" or "i")
_SLASH_READS = {"", "/", "1", "7", "l", "I", "|", "丿", "ノ", "!", "i"}


def _slash_ink(gray: np.ndarray, bbox, inset: int = 4, glyph: float | None = None) -> bool:
    """Is the cell's ink one stroke rising left to right ("/"), not a "1" or a "7"?  Ink in
    the upper right and lower left of the stroke's box only: a "1" has ink on both sides of
    its middle, a "7" its bar across the top.  `glyph`: the height of the table's number
    boxes, when known."""
    stroke = _one_stroke(gray, bbox, inset, glyph)
    if stroke is None:
        return False
    h, w = stroke.shape
    top, bottom = stroke[:h // 2], stroke[h - h // 2:]
    left, right = w // 2, w - w // 2
    tl, tr = top[:, :left].mean(), top[:, right:].mean()
    bl, br = bottom[:, :left].mean(), bottom[:, right:].mean()
    # (a thin, steep slash crosses the middle column: a little ink in the other quarters; a
    # blurred one, or one cut by the middle's top, up to 0.25, where a "1" shows 0.5 or more;
    # no digit among 2,528 printed non-zero cells of tuning scans passes)
    return bool(max(tl, br) < SLASH_OFF_DIAGONAL and min(tr, bl) > max(0.15, 2.5 * max(tl, br)))


SLASH_OFF_DIAGONAL = 0.3  # the most ink a slash leaves in the upper left and lower right


def _one_stroke(gray: np.ndarray, bbox, inset: int, glyph: float | None = None) -> np.ndarray | None:
    """The mask (over its box) of the cell's one stroke as tall as the text, None when the
    cell holds no such stroke or several.  The text's height is a share of the cell's, or,
    where less, of `glyph` (the detector's boxes of the table's numbers).  The ink is Otsu's,
    from the cell inset; when every blob Otsu finds is a ruling's remnant (blurred rulings:
    their grey halo, darker than a faint slash, takes the threshold), the marks of the cell's
    middle, rulings' halo cut away, as `blank_cell` sees them."""
    import cv2

    region = _inked_region(gray, bbox, inset)
    if region is None:
        return None
    height, width = region.shape[:2]
    ink = cv2.threshold(region, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    n, labels, stats = _joined_blobs(ink)

    def remnant(i: int) -> bool:
        # a ruling's remnant runs along the side it touches; a slash printed close to a
        # ruling touches the inset's edge too, but spans neither side
        x, y, w, h = stats[i, :4]
        return ((x == 0 or x + w == width) and (h >= 0.8 * height or w <= 2)) or \
            ((y == 0 or y + h == height) and (w >= 0.8 * width or h <= 2))

    big = [i for i in range(1, n) if stats[i, 4] >= 6]
    marks = [i for i in big if not remnant(i)]
    if big and not marks:
        middle = _middle_marks(gray, bbox)
        if middle is None:
            return None
        marked = middle[2]
        height = marked.shape[0]
        n, labels, stats = _joined_blobs(marked)
        marks = [i for i in range(1, n) if stats[i, 4] >= BLANK_SPECK]
    if not marks:
        return None
    # speckle and dust are much smaller than the stroke
    tallest = max(stats[i, 3] for i in marks)
    strokes = [i for i in marks if stats[i, 3] >= 0.4 * tallest]
    if len(strokes) != 1:
        return None
    x, y, w, h = stats[strokes[0], :4]
    # (a tall two- or three-line cell holds a one-line slash: the cell's height says little,
    # and a row whose label wraps to three lines has its slashes under 0.15 of it, read "1";
    # the numbers' boxes say how tall a glyph is.  A speck is far shorter)
    least = 0.15 * height if glyph is None else min(0.15 * height, 0.5 * glyph)
    if h < max(8, least) or not 0.25 * h <= w <= h:
        return None
    return labels[y:y + h, x:x + w] == strokes[0]


# ink pieces up to 3 px apart up or down, 1 px sideways, are one mark: a faded slash's
# pieces stack along its steep stroke, while speckle beside it stays apart (drawn slashes
# under faded toner missed 38 of 144 with a 3x3 join, 26 with this; under speckle 17 and 18)
STROKE_JOIN = np.ones((4, 2), np.uint8)


def _joined_blobs(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """Connected ink of `mask` with pieces close along a steep stroke taken as one (faded
    toner breaks a thin slash into dashes a pixel or two apart, each too short to be the
    stroke): (count, labels over the mask's own pixels, stats (x, y, width, height, area) as
    OpenCV's)."""
    import cv2

    n, joined = cv2.connectedComponents(cv2.dilate(mask, STROKE_JOIN), connectivity=8)
    labels = np.where(mask > 0, joined, 0)
    stats = np.zeros((n, 5), np.int64)
    for i in range(1, n):
        ys, xs = np.nonzero(labels == i)
        if len(xs):
            stats[i] = (xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1, len(xs))
    return n, labels, stats


def _box_crop(bgr: np.ndarray, bbox, pad: int = 2, vertical: bool = False) -> np.ndarray:
    h, w = bgr.shape[:2]
    x0, y0, x1, y1 = (int(round(v)) for v in bbox)
    crop = bgr[max(0, y0 - pad):min(h, y1 + pad), max(0, x0 - pad):min(w, x1 + pad)]
    # a tall part of vertical text (a header set one character per line) is turned as the
    # engine turns a tall detected line; a narrow part of a horizontal line is not
    return np.ascontiguousarray(np.rot90(crop)) if vertical and crop.shape[0] >= 1.5 * max(1, crop.shape[1]) else crop


# --- page ----------------------------------------------------------------------------

def _numeric_columns(cell_texts: dict[tuple[int, int], str]) -> set[int]:
    """Grid columns where most non-empty cells of the rows of values are plain numbers (the
    rows printing two numbers or more, when there are such rows: a page holding a table's three-level
    header and its first few rows has as many header cells as numbers in a column)."""
    per_row = Counter(r for (r, _), text in cell_texts.items() if is_number(text))
    values = {r for r, n in per_row.items() if n >= 2}
    counts: dict[int, list[int]] = {}
    for (r0, c0), text in cell_texts.items():
        if text and (not values or r0 in values):
            n = counts.setdefault(c0, [0, 0])
            # a column whose zeros read "o" in every other row is still a number column (skew
            # and blur); an enumerator ("1.") is not counted
            n[0] += is_number(text) or is_blank_marker(text) or (
                len(text) <= 3 and not any(ch.isdigit() for ch in text) and repair_number(text) is not None)
            n[1] += 1
    # a table of one row of values (section 四's) has one cell a column to judge by
    least = 2 if len(values) != 1 else 1
    return {c for c, (num, total) in counts.items() if total >= least and num / total >= 0.5}


def _table_lines(grid: geometry.Grid, members: dict, gray: np.ndarray, engine: OcrEngine,
                 page_number: int, colmap: dict[int, int] | None = None) -> list[tuple[float, Line]]:
    """One Line per grid row: the cells starting in that row, left to right.  `colmap`
    renumbers columns of a table continued from the previous page."""
    colmap = colmap or {}
    grid, members = _split_label_cells(grid, members)
    texts: dict[tuple[int, int], str] = {}
    scores: dict[tuple[int, int], float] = {}
    for cell in grid.cells:
        parts = members.get((cell.r0, cell.c0), [])
        key = (cell.r0, cell.c0)
        # "|" at a cell's edge is a piece of ruling the crop caught, never a "1"
        texts[key] = geometry.reading_order_text([p.text for p in parts], [p.bbox for p in parts]).strip("|丨 ")
        scores[key] = min((p.score for p in parts), default=1.0)
    numeric = _numeric_columns(texts)
    # rows of values: where a table continues from the page before, its header (and so the
    # evidence that a column holds numbers) stayed there
    value_rows = {r for r, n in Counter(k[0] for k, t in texts.items() if is_number(t)).items() if n >= 2}
    # ... whose label, if the row prints one, ends before the first number: a cell left of it
    # is label space, where a stray mark read as a digit would shift every value of the row
    first_number = {r: min(c for (rr, c), t in texts.items() if rr == r and is_number(t)) for r in value_rows}
    labelled = {r for (r, c), t in texts.items() if r in value_rows and t and not is_number(t)
                and not is_blank_marker(t) and c < first_number[r]}

    def label_space(cell: geometry.Cell) -> bool:
        return cell.r0 in labelled and cell.c0 < first_number[cell.r0]

    # second look at doubtful number cells and at blank-looking cells of number columns and
    # value rows (a read keeps only a number or a blank marker there).  The second,
    # independent read that values no sum rule vouches for need (TextBox.agree) is made by
    # the proof-reader, for the values that are not ok without it.
    todo, crops = [], []
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
        missing = not text and (in_numeric or (cell.r0 in value_rows and not label_space(cell)))
        if doubtful or missing:
            crop = _reread_crop(gray, cell.bbox)
            if crop is not None:
                todo.append(key)
                crops.append(crop)
    repaired: set[tuple[int, int]] = set()
    agree: dict[tuple[int, int], bool] = {}
    unplaced: dict[tuple[int, int], tuple[str, float]] = {}  # empty cells re-read as no number
    first_scores = dict(scores)
    if crops:
        for key, (text2, score2) in zip(todo, engine.recognize_crops(crops)):
            text2 = text2.strip()
            old = texts[key]
            if not old:
                # a number the page-level detector missed: keep only a clean, fairly sure
                # read (ink in an empty cell may be a ruling remnant), never fully trusted
                if (is_number(text2) or is_blank_marker(text2)) and score2 >= 0.7:
                    texts[key] = text2
                    scores[key] = min(score2, SECOND_LOOK_SCORE)
                else:
                    unplaced[key] = (text2, score2)
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
    same_pixels = _independent_agreement(todo, crops, first_scores, texts, agree, engine)
    heights = [p.bbox[3] - p.bbox[1] for key, parts in members.items() if is_number(texts.get(key, ""))
               for p in parts if p.bbox is not None]
    glyph = float(np.median(heights)) if heights else None
    by_row: dict[int, list[str]] = {}
    for cell in sorted(grid.cells, key=lambda c: c.c0):
        by_row.setdefault(cell.r0, []).append(texts[(cell.r0, cell.c0)])
    worded = {r for r, row in by_row.items() if words_among_values(row)}
    # header rows: no number, and words apart or words in a column of numbers (section 四's
    # header row over its values).  A cell there that read nothing is a header word the
    # detector missed (a skewed page's 尚未审结 stacked in a narrow column), not a printed dash
    words_over_values = {c.r0 for c in grid.cells if c.c0 in numeric and _WORD.search(texts[(c.r0, c.c0)])
                         and not is_blank_marker(texts[(c.r0, c.c0)].strip())}
    headers = {r for r in worded | words_over_values if not any(is_number(t) for t in by_row[r])}
    # a table's headers stack at its top: a row above a header row that prints no number and
    # characters apart is one too, however few of them the recognizer made out (blur read
    # section 四's 结果维持 … 总计 "地 单 泰达 总计": no two-character word apart, and its
    # dash-like pieces were taken for the values row's blanks, 0 where 1 was printed, ok)
    if headers:
        headers |= {r for r, row in by_row.items() if r < max(headers) and not any(is_number(t) for t in row)
                    and words_among_values(row, _CJK)}
    for cell in grid.cells:
        key = (cell.r0, cell.c0)
        if cell.r0 in headers:
            # a header row prints no value: its dash or slash is a piece of a ruling, a word or
            # speckle (one in section 四's header joined the values below and shifted them all
            # one cell: a row 0 0 1 _ 1 read 0 0 0 1 1, its sum holding), and an empty cell
            # there is no blank mark the recognizer dropped
            if is_blank_marker(texts[key]):
                texts[key] = ""
            elif _WORD.search(texts[key]) and len(re.findall(r"\d+", texts[key])) == 1 \
                    and not re.search(r"\s", texts[key]):
                # one digit run inside a header's words is misread characters (blur read 尚未审结
                # "尚米618"): as a number it joined section 四's one row of values.  A cell with
                # several runs apart is rows the grid merged ("…总计24 0 0 0 0 0 24")
                texts[key] = re.sub(r"\d+", "", texts[key])
            continue
        # (a lone dash or slash is never a row label: no column test, headers repeat in columns;
        # but an empty cell left of a row's label is label space, where ink is a piece of a
        # merged label, not a dropped mark)
        dash_like = _DASH_READS.match(texts[key]) or not texts[key] and not label_space(cell)
        # one character other than 0 where values stand: heavy blur reads a dash as "1", "4",
        # "8", "a" or "。" (a 0 read for a dash is the same value)
        one_mark = len(texts[key]) == 1 and texts[key] != "0" and (cell.c0 in numeric or cell.r0 in value_rows)
        if (dash_like or one_mark) and not is_blank_marker(texts[key]) and _flat_ink(gray, cell.bbox):
            # a printed dash (the recognizer may drop a lone stroke): a blank cell, as the
            # text path reads it; the read and the stroke's shape agree.  A digit read there
            # disagrees with the shape, which faded toner also gives a digit broken down to a
            # flat piece (12 of 10,080 drawn digits: scripts/mark_shapes.py): that blank is
            # left for the sum rules to vouch for
            texts[key] = "—"
            agree[key] = None if not dash_like else cell.r0 not in worded or None
        elif texts[key] in _SLASH_READS and (texts[key] or not label_space(cell)) \
                and _slash_ink(gray, cell.bbox, glyph=glyph):
            # a printed slash (not applicable): the recognizer drops a lone stroke, or reads it
            # "1" or, skewed and speckled, "7".  A 7 whose bar faded off is a slash to the shape
            # test too (11 of 1,008 drawn 7s: scripts/mark_shapes.py): the blank it
            # becomes is left for the sum rules to vouch for
            unvouched = texts[key] == "7"
            texts[key] = "/"
            scores[key] = max(scores[key], SECOND_LOOK_SCORE)
            agree[key] = None if unvouched else cell.r0 not in worded or None
    _unvouched_stray_dashes(grid, texts, agree)
    _read_missing_labels(grid, texts, scores, gray, engine, unplaced)
    for cell in grid.cells:
        key = (cell.r0, cell.c0)
        text = texts[key]
        if text and (cell.c0 in numeric or looks_numeric(text)) and not is_number(text) and not is_blank_marker(text):
            fixed = repair_number(text)
            if fixed is not None and (looks_numeric(text) or len(text) <= 6):
                texts[key] = fixed
                scores[key] = min(scores[key], REPAIRED_SCORE)
                repaired.add(key)
    for cell in grid.cells:
        key = (cell.r0, cell.c0)
        text = texts[key]
        # a minus the pixels hold and every read lost: the sign is put back as a repair
        # (never ok), the value in review rather than its negation ok
        if may_have_lost_minus(text) and hidden_minus(gray, cell.bbox):
            texts[key] = "-" + text
            scores[key] = min(scores[key], REPAIRED_SCORE)
            repaired.add(key)
            agree.pop(key, None)
    _join_units(grid, texts, scores)

    out = []
    rows = len(grid.ys) - 1
    # a table that printed no number at all (section 四 with every cell left blank for 0): its
    # rows of empty cells under the header are its values, read as blanks like the text path's
    blank_table = not value_rows and any(t for t in texts.values())
    header_end = max((k[0] for k, t in texts.items() if t), default=-1)
    for r in range(rows):
        cells = sorted((c for c in grid.cells if c.r0 == r), key=lambda c: c.c0)
        boxes = [TextBox(texts[(c.r0, c.c0)], c.bbox, score=round(scores[(c.r0, c.c0)], 4),
                         column=colmap.get(c.c0, c.c0),
                         repaired=(c.r0, c.c0) in repaired, agree=agree.get((c.r0, c.c0)),
                         same_pixels=(c.r0, c.c0) in same_pixels) for c in cells]
        if any(b.text for b in boxes) or (blank_table and r > header_end and len(boxes) >= 2):
            out.append((grid.ys[r], Line(boxes, page_number, in_table=True)))
    return out


def binarized(crop: np.ndarray) -> np.ndarray:
    """A crop at full contrast (Otsu): faded grey strokes black, a glyph's broken-off part
    shown as missing rather than as faint ink the recognizer fills in from the shape it expects."""
    import cv2

    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    return cv2.cvtColor(cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1], cv2.COLOR_GRAY2BGR)


def _independent_agreement(todo: list, crops: list, first_scores: dict, texts: dict, agree: dict,
                           engine: OcrEngine) -> set:
    """A doubtful first read (below REREAD_BELOW) that a re-read of the same crop repeats is not
    read twice independently: faded toner that broke off the left side of a "0" leaves a "3"
    in every crop of those pixels (read "3" twice, ok at 0.97).  Such an agreement stands only
    when the binarized crop gives the number too; otherwise the second read counts as not made
    (`same_pixels`: the proof-reader asks the binarized crop again).  The score stays the
    re-read's: a sum rule that holds still vouches for the value."""
    same = [(key, crop) for key, crop in zip(todo, crops)
            if agree.get(key) and first_scores[key] < REREAD_BELOW and is_number(texts[key])]
    unbacked = set()
    if not same:
        return unbacked
    for (key, _), (text3, _) in zip(same, engine.recognize_crops([binarized(c) for _, c in same])):
        if not same_number(texts[key], text3.strip()):
            agree[key] = None
            unbacked.add(key)
    return unbacked


def _unvouched_stray_dashes(grid: geometry.Grid, texts: dict, agree: dict) -> None:
    """A row that reads no number, no word and a dash or slash in fewer than half its cells
    is no row of values (a row of blanks prints one in every value cell, section 四's
    unlabelled one too): heavy blur cut a header into slivers, none of its words read, and
    stroke pieces shaped like dashes vouched for printed counts read as blank (0, ok)."""
    for r in {c.r0 for c in grid.cells}:
        row = [texts[(c.r0, c.c0)] for c in grid.cells if c.r0 == r]
        if any(is_number(t) or (_WORD.search(t) and not is_blank_marker(t.strip())) for t in row):
            continue
        blanks = [c for c in grid.cells if c.r0 == r and is_blank_marker(texts[(c.r0, c.c0)])]
        if 2 * len(blanks) < len(row):
            for c in blanks:
                agree[(c.r0, c.c0)] = None


def _split_label_cells(grid: geometry.Grid, members: dict) -> tuple[geometry.Grid, dict]:
    """A label cell spanning rows that each print their own values, with its text lines in
    different rows' bands, is one label per row whose ruling between the labels was lost
    (blur, a wrapped label's strokes over it): cut it along the rows the value columns
    show, each line of text to the row it lies in.  Merged, the labels were read as one,
    and the next row's label went with the row above: its values were taken for another
    row's, and the row's own sum rule held (a wrong value, ok).  Only a label right next to
    the values: a heading spanning several rows' labels ("(五)不予处理") has them between."""
    def text(key):
        parts = members.get(key, [])
        return geometry.reading_order_text([b.text for b in parts], [b.bbox for b in parts])

    firsts = {}
    for c in grid.cells:
        t = text((c.r0, c.c0))
        if c.r1 - c.r0 == 1 and (is_number(t) or is_blank_marker(t)):
            firsts[c.r0] = min(firsts.get(c.r0, c.c0), c.c0)
    cells = list(grid.cells)
    members = dict(members)
    for cell in grid.cells:
        rows = range(cell.r0, cell.r1)
        boxes = members.get((cell.r0, cell.c0), [])
        if len(rows) < 2 or not all(r in firsts and firsts[r] >= cell.c1 and not any(
                text((c.r0, c.c0)) for c in grid.cells
                if c.r0 <= r < c.r1 and cell.c1 <= c.c0 < firsts[r]) for r in rows):
            continue
        band = {id(b): next((r for r in rows if grid.ys[r] <= geometry.centre(b.bbox)[1] < grid.ys[r + 1]), None)
                for b in boxes}
        if len({v for v in band.values() if v is not None}) < 2 or None in band.values():
            continue
        cells.remove(cell)
        del members[(cell.r0, cell.c0)]
        for r in rows:
            cells.append(geometry.Cell(r, cell.c0, r + 1, cell.c1,
                                       (cell.bbox[0], grid.ys[r], cell.bbox[2], grid.ys[r + 1])))
            own = [b for b in boxes if band[id(b)] == r]
            if own:
                members[(r, cell.c0)] = own
    if len(cells) == len(grid.cells):
        return grid, members
    cells.sort(key=lambda c: (c.r0, c.c0))
    return geometry.Grid(grid.xs, grid.ys, cells), members


def _read_missing_labels(grid: geometry.Grid, texts: dict, scores: dict, gray: np.ndarray, engine: OcrEngine,
                         reread: dict) -> None:
    """A row of values (numbers, dashes) with nothing read left of them: its label cells are
    read from a crop of their ink.  Faint toner leaves labels the page-level detector does not
    see, and a row without its label was never placed (every value of it "not found").
    `reread`: what the number re-read already made of such cells (no number)."""
    todo, crops = [], []
    for r in {c.r0 for c in grid.cells}:
        row = sorted((c for c in grid.cells if c.r0 == r), key=lambda c: c.c0)
        values = [c.c0 for c in row if is_number(texts[(r, c.c0)]) or is_blank_marker(texts[(r, c.c0)])]
        left = [c for c in row if values and c.c0 < min(values)]
        if not left or any(texts[(r, c.c0)] for c in left):
            continue
        for c in left:
            key = (r, c.c0)
            if key in reread:
                todo.append(key)
                crops.append(None)
            else:
                crop = _reread_crop(gray, c.bbox)
                if crop is not None:
                    todo.append(key)
                    crops.append(crop)
    fresh = iter(engine.recognize_crops([c for c in crops if c is not None]) if any(c is not None for c in crops) else [])
    for key, crop in zip(todo, crops):
        text, score = reread[key] if crop is None else next(fresh)
        text = text.strip()
        if _WORD.search(text) and score >= 0.7:
            texts[key] = text
            scores[key] = min(score, SECOND_LOOK_SCORE)


_UNIT_ONLY = re.compile(r"^(万元|元|万)$")


def _join_units(grid: geometry.Grid, texts: dict, scores: dict) -> None:
    """A cell holding only a unit ("万元") belongs to the number left of it in its row: an
    amount printed across two grid columns ("98.18 万元" under the two-column header of
    采购总金额) is cut in two, and the number alone was read in the column's default unit,
    1/10,000 of the printed value.  The unit joins the number; its cell is left empty."""
    for cell in sorted(grid.cells, key=lambda c: (c.r0, c.c0)):
        key = (cell.r0, cell.c0)
        if not _UNIT_ONLY.match(texts[key]):
            continue
        left = [c for c in grid.cells if c.r0 == cell.r0 and c.c0 < cell.c0 and texts[(c.r0, c.c0)]]
        if not left:
            continue
        nearest = max(left, key=lambda c: c.c0)
        prev = (nearest.r0, nearest.c0)
        number = texts[prev]
        if is_number(number) and not any(number.endswith(u) for u in ("元", "万")):
            texts[prev] = number + texts[key]
            scores[prev] = min(scores[prev], scores[key])
            texts[key] = ""


def ocr_image(image: np.ndarray, number: int, engine: OcrEngine | None = None,
              steps: tuple[str, ...] | None = None) -> Page:
    """OCR one page image (BGR or grey) into a Page with path "ocr", sizes in pixels; every
    line on it is read."""
    return _ocr_page(image, number, engine, steps, prose=PROSE_ALL).page


def _continued(prev_xs, grids: list[geometry.Grid], width: float, height: float) -> dict[int, int] | None:
    """Column renumbering when this page opens with the table the previous page ran off."""
    if not prev_xs or not grids or grids[0].ys[0] > height * 0.15:
        return None
    return geometry.match_columns(prev_xs, grids[0].xs, tol=width * 0.01)


# Which prose lines (outside ruled tables) of a page are read.  Recognition is most of the
# OCR time and prose lines are most of the recognized width (~55 % on the official scans),
# yet extraction needs from prose only the title (agency, year) and the section headings
# that open the tables.  Read: the title block of the first pages, the few lines right above
# each table, and the last lines of a page when the next page holds a table (its heading
# may end the page before).  A prose page past the title is not even searched for lines
# unless a table follows.  When no page holds a ruled table, everything is read.
PROSE_ALL = "all"
PROSE_NEAR_TABLES = "near_tables"
TITLE_LINES = 6
TITLE_PAGES = 2  # a cover sheet may come before the title page
ABOVE_TABLE_LINES = 3
TAIL_LINES = 3
DETECT_MARGIN_LINES = 2  # bands of ink looked at beyond the lines read (a band may be a ruling or a speck row)
DETECT_PAD = 16  # px around a region the detector sees


@dataclass
class Tail:
    """The last prose lines of a page, left unread until the next page shows a table."""
    gray: np.ndarray
    below: float  # only lines starting below this y (the page's last table)
    quads: list[np.ndarray] | None = None  # its lines, when the page's detection covered them
    region: geometry.BBox | None = None  # else where they are: the page's last bands of ink


@dataclass
class PageRead:
    page: Page
    carry: list[float] | None  # column boundaries of a table running off the page bottom
    tail: Tail | None
    gray: np.ndarray  # the page as read (grey, deskewed): the proof-reader crops cells from it
    tables: int  # ruled tables found on the page


def _line_groups(boxes: list[geometry.BBox]) -> list[list[int]]:
    """Indices of detected text lines grouped into visual lines, top to bottom."""
    return sorted(geometry.group_into_lines(boxes), key=lambda idx: min(boxes[i][1] for i in idx))


def _detected_regions(ink: np.ndarray, tables: list[geometry.BBox], number: int) -> list[geometry.BBox]:
    """Where the detector looks on a page with tables, within the printed area: the title lines of
    the first pages, and everything from a few lines above the first table down (the tables as
    the text boxes will delimit them may reach beyond the grids found without them, and the
    page's last lines are read when the next page opens with a table).  Its cost grows with its
    input: the prose above the first table, read only in its last lines, is left out."""
    x0, y0, x1, y1 = geometry.content_box(ink)
    bands = geometry.text_bands(ink, (x0, y0, x1, y1), skip=tables)
    spans = []
    if number <= TITLE_PAGES:
        title = bands[:TITLE_LINES + DETECT_MARGIN_LINES]
        spans.append((y0, title[-1][1] if title else y1))
    if tables:
        first = min(t[1] for t in tables)
        above = [b for b in bands if b[1] <= first][-(ABOVE_TABLE_LINES + DETECT_MARGIN_LINES):]
        spans.append((above[0][0] if above else first, y1))
    merged: list[list[float]] = []
    for top, bottom in sorted((max(y0, top - DETECT_PAD), min(y1, bottom + DETECT_PAD)) for top, bottom in spans):
        if merged and top <= merged[-1][1] + DETECT_PAD:
            merged[-1][1] = max(merged[-1][1], bottom)
        else:
            merged.append([top, bottom])
    return [(x0, top, x1, bottom) for top, bottom in merged]


def _undetected_tail(gray: np.ndarray, ink: np.ndarray) -> Tail:
    """A page without tables, its last lines not detected yet: where they are, to be detected and
    read if the next page opens with a table."""
    x0, y0, x1, y1 = geometry.content_box(ink)
    last = geometry.text_bands(ink, (x0, y0, x1, y1))[-(TAIL_LINES + DETECT_MARGIN_LINES):]
    if not last:
        return Tail(gray, 0.0, region=(x0, y1, x1, y1))  # no line: nothing to detect
    return Tail(gray, 0.0, region=(x0, max(y0, last[0][0] - DETECT_PAD), x1, y1))


def _read_page_boxes(engine: OcrEngine, bgr: np.ndarray, gray: np.ndarray, ink: np.ndarray, number: int,
                     prose: str, rulings: tuple[np.ndarray, ...] | None = None):
    """The page's OCR boxes and the tail of prose lines left for later.  Engines without
    separate detection read everything."""
    from .engines import _quad_bbox

    if not hasattr(engine, "detect") or prose == PROSE_ALL:
        return engine.recognize(bgr), None
    # where the tables are (the merged cells, which need the text, are found later)
    tables = [g.bbox for g in geometry.find_grids(ink, masks=rulings)]
    if not tables and number > TITLE_PAGES:
        return [], _undetected_tail(gray, ink)  # a prose page: nothing is detected unless a table follows
    quads = [q for region in _detected_regions(ink, tables, number) for q in engine.detect(bgr, within=region)]
    boxes = [_quad_bbox(q) for q in quads]
    free = [i for i, b in enumerate(boxes) if not any(geometry.inside(b, t) for t in tables)]
    groups = [[free[i] for i in idx] for idx in _line_groups([boxes[i] for i in free])]
    read = set(range(len(quads))) - set(free)
    chosen = groups[:TITLE_LINES] if number <= TITLE_PAGES else []
    for t in tables:
        chosen += [g for g in groups if min(boxes[i][1] for i in g) < t[1]][-ABOVE_TABLE_LINES:]
    for g in chosen:
        read.update(g)
    below = max((t[3] for t in tables), default=0.0)
    rest = [quads[i] for i in range(len(quads)) if i not in read]
    order = sorted(read)
    # a title page without tables was detected in its title lines only
    tail = Tail(gray, below, quads=rest) if tables else _undetected_tail(gray, ink)
    return (engine.read_quads(bgr, [quads[i] for i in order]) if order else []), tail


def _read_tail(page: Page, tail: Tail, engine: OcrEngine) -> None:
    """Read a page's last prose lines after all: the next page opens with a table, whose
    section heading may end this page."""
    import cv2

    from .engines import _quad_bbox

    bgr = cv2.cvtColor(tail.gray, cv2.COLOR_GRAY2BGR)
    quads = tail.quads if tail.quads is not None else engine.detect(bgr, within=tail.region)
    quads = [q for q in quads if _quad_bbox(q)[1] > tail.below]
    groups = _line_groups([_quad_bbox(q) for q in quads])[-TAIL_LINES:]
    boxes = engine.read_quads(bgr, [quads[i] for g in groups for i in g])
    bboxes = [b.bbox for b in boxes]
    for idx in _line_groups(bboxes):
        page.lines.append(Line([TextBox(boxes[i].text, boxes[i].bbox, score=round(boxes[i].score, 4))
                                for i in idx], page.number))
    page.note += f"; its last {len(groups)} prose line(s) read"


def _ocr_page(image: np.ndarray, number: int, engine: OcrEngine | None = None,
              steps: tuple[str, ...] | None = None, prev_xs=None, prose: str = PROSE_ALL) -> PageRead:
    import cv2

    from . import preprocess

    engine = engine or get_engine()
    gray, info = preprocess.prepare(image, steps if steps is not None else preprocess.DEFAULT_STEPS)
    bgr = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    ink = preprocess.ink_mask(gray)
    rulings = geometry.page_rulings(ink)
    boxes, tail = _read_page_boxes(engine, bgr, gray, ink, number, prose, rulings)
    words = [b.bbox for b in boxes if not looks_numeric(b.text) and not is_number(b.text)]
    grids = geometry.find_grids(ink, texts=words, masks=rulings)

    members: list[dict] = [{} for _ in grids]
    free: list[OcrBox] = []
    splits: list[tuple[int, geometry.Cell, geometry.BBox, bool]] = []
    for box in boxes:
        g = next((k for k, grid in enumerate(grids) if geometry.inside(box.bbox, grid.bbox)), None)
        if g is None:
            free.append(box)
            continue
        parts = geometry.split_by_cells(box.bbox, grids[g].cells)
        if len(parts) > 1:  # one detection across a ruling: read each cell's part on its own
            tall = box.bbox[3] - box.bbox[1] >= 1.5 * (box.bbox[2] - box.bbox[0])
            splits.extend((g, cell, part, tall) for cell, part in parts)
            continue
        cell = parts[0][0] if parts else grids[g].cell_at(*geometry.centre(box.bbox))
        if cell is None:
            free.append(box)
        else:
            members[g].setdefault((cell.r0, cell.c0), []).append(box)
    if splits:
        reads = engine.recognize_crops([_box_crop(bgr, part, vertical=tall) for _, _, part, tall in splits])
        for (g, cell, part, _), (text, score) in zip(splits, reads):
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
    if tail is not None:
        note += "; prose away from the tables not read"
    page = Page(number, [line for _, line in placed], width=float(w), height=float(h), path="ocr", note=note,
                deskew=float(info.get("angle") or 0.0))
    return PageRead(page, carry, tail, gray, len(grids))


def ocr_document(doc: Document, data: bytes, engine: str | None = None, dpi: int | None = None) -> None:
    """Rasterize and OCR every `needs_ocr` page of PDF `doc` in place.

    Prose away from the tables is left unread (PROSE_NEAR_TABLES); when no page shows a ruled
    table at all, every line of every page is read after all.
    A page that fails is recorded in doc.errors and left as it was; OcrUnavailable (no engine
    or models) is raised, since no page could be read."""
    pending = [p for p in doc.pages if p.path == "needs_ocr"]
    if not pending:
        return
    ocr = get_engine(engine)
    notes = {p.number: p.note for p in pending}
    if not _ocr_pages(doc, data, pending, ocr, dpi, PROSE_NEAR_TABLES):
        again = [p for p in pending if p.path == "ocr"]
        for p in again:
            p.note = notes[p.number]
        _ocr_pages(doc, data, again, ocr, dpi, PROSE_ALL)


def _ocr_pages(doc: Document, data: bytes, pages: list[Page], ocr: OcrEngine, dpi: int | None, prose: str) -> bool:
    """OCR `pages` in place; True when any of them holds a ruled table."""
    from .rasterize import DEFAULT_DPI, rasterize_pdf_page

    carry = None
    held: tuple[Page, Tail] | None = None  # a page whose last lines wait for the next
    tables = False
    for page in pages:
        try:
            image = rasterize_pdf_page(data, page.number, dpi or DEFAULT_DPI)
            # a table can only continue from the page right before
            prev = carry if carry and carry[0] == page.number - 1 else None
            read = _ocr_page(image, page.number, ocr, prev_xs=prev[1] if prev else None, prose=prose)
            carry = (page.number, read.carry) if read.carry else None
        except OcrUnavailable:
            raise
        except Exception as exc:  # one bad page must not lose the others
            doc.errors.append(f"page {page.number}: OCR failed ({type(exc).__name__}: {exc})")
            page.note = (page.note + "; " if page.note else "") + "OCR failed"
            held = None
            continue
        note = page.note
        result = read.page
        page.lines, page.width, page.height, page.deskew = result.lines, result.width, result.height, result.deskew
        page.path = "ocr"
        page.note = (note + "; " if note else "") + result.note
        has_table = read.tables > 0
        tables = tables or has_table
        # kept for the proof-reader's re-reads of table cells, so it need not rasterize again
        page.image = read.gray if has_table else None
        if held and has_table and held[0].number == page.number - 1:
            _read_tail(*held, ocr)
        held = (page, read.tail) if read.tail is not None else None
    return tables
