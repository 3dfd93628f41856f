"""The sum rules as the OCR's proof-reader.

After extraction, a value read once (or twice differently) that is not ok is read again
from variant crops; two of them giving the kept number make the cell "read twice in
agreement" (`TextBox.agree`), which trust needs for values no sum rule covers.  There a
doubtful read (first score below REREAD_BELOW, or repeated only from the same pixels) needs
the binarized crop among them: the enlarged crop of a glyph faded toner broke is the same broken
glyph, and the recognizer fills it in alike.

A sum rule that fails on OCR-read cells is a sign of a misread digit as
often as of a wrong printed total.  Before anything is flagged, the cells of every failing
rule (when they are too many, those where two failing rules cross) are read again from the
page: an enlarged crop, a binarized crop and a loosely padded crop (the rapidocr wheel ships
one recognizer, so the variety comes from the input).  A
re-read value replaces the first read only when exactly one smallest set of replacements
makes every rule those cells take part in hold and breaks none; the replaced cell keeps
`agree=True` (a re-read and the rules agree) and says so in its reasons.  Otherwise nothing
changes and the rules stay failed: a printed total that is wrong stays as printed.
"""
from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from ..cells import is_number, parse_number
from ..model import Document, Result, TextBox
from ..trust import vouched, rule_of_thumb_flags

MAX_CELLS = 16  # cells of failing rules re-read per document
MAX_CHANGES = 2  # replacements tried together
MAX_CONFIRM = 120  # single-read cells confirmed per document
REREAD_SCORE = 0.95  # a re-read the rules confirm: confident, below a clean first read


def _variants(gray: np.ndarray, bbox) -> list[np.ndarray]:
    import cv2

    from . import _ink_crop, _reread_crop, binarized, unruled_crop

    out = []
    tight = _reread_crop(gray, bbox)
    if tight is None:
        tight = unruled_crop(gray, bbox)
    if tight is not None:
        out.append(cv2.resize(tight, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC))
        out.append(binarized(tight))  # second: confirm needs it for a doubtful first read
    loose = _ink_crop(gray, bbox, inset=3, pad=14)
    if loose is not None:
        out.append(loose)
    return out


def _number_read(text: str) -> str | None:
    """The number a re-read gives, with the specks beside it and look-alike letters repaired
    ("1." for a "1" with a speck after it); None when it is no number."""
    from . import repair_number

    text = text.strip().replace(",", "")
    if not is_number(text):
        text = repair_number(text) or ""
    return text if is_number(text) else None


def _boxes(doc: Document, page: int, bbox) -> list[TextBox]:
    return [b for p in doc.pages if p.number == page for line in p.lines for b in line.boxes
            if b.bbox is not None and tuple(round(v, 1) for v in b.bbox) == tuple(round(v, 1) for v in bbox)]


class _Pages:
    """Page images as the OCR stage saw them (same dpi, same deskew): the ones it kept, others
    made on demand."""

    def __init__(self, data: bytes, doc: Document):
        self.data = data
        self.grays = {p.number: p.image for p in doc.pages if p.path == "ocr" and p.image is not None}

    def __getitem__(self, page: int) -> np.ndarray:
        from .preprocess import DEFAULT_STEPS, prepare
        from .rasterize import DEFAULT_DPI, rasterize_pdf_page

        if page not in self.grays:
            self.grays[page] = prepare(rasterize_pdf_page(self.data, page, DEFAULT_DPI), DEFAULT_STEPS)[0]
        return self.grays[page]


def _doubtful(box: TextBox) -> bool:
    """A read only the binarized crop can confirm: doubtful at first (below REREAD_BELOW), or
    one only re-reads of the same pixels repeated."""
    from . import REREAD_BELOW

    return box.same_pixels or (box.score or 0) < REREAD_BELOW


def confirm(doc: Document, pages: _Pages, result: Result) -> bool:
    """Values read once, or twice differently (`ocr_agree` < 1), that are not ok: read again
    from variant crops.  A value read once is read twice in agreement when the enlarged crop
    gives the same number (the second, independent read the OCR stage no longer makes for
    every cell: most are vouched for by the sum rules); one whose reads disagreed needs two
    variants giving the kept number, and a doubtful one (`_doubtful`) no holding sum rule
    vouches for the binarized crop among them.  Never changes a value.  True when a cell was confirmed."""
    from ..cells import is_blank_marker
    from . import same_number
    from .engines import get_engine

    def same_read(kept: str, again: str) -> bool:
        # a printed blank marker (无, —) read again alike is read twice in agreement as a number is
        return same_number(kept, again) or is_blank_marker(kept) and kept.strip() == again.strip()

    todo = [(fv.evidence.page, fv.evidence.bbox) for fv in result.fields.values()
            if fv.value is not None and fv.signals.get("path") == "ocr" and rule_of_thumb_flags(fv.status, fv.signals)
            and fv.signals.get("ocr_agree", 1) < 1 and not fv.signals.get("repaired")
            and fv.evidence.page and fv.evidence.bbox]
    todo = list(dict.fromkeys(todo))[:MAX_CONFIRM]
    # where a holding sum rule vouches for the value it is the independent check, and the
    # second read only lifts a low score: the binarized crop is asked only where none does
    unvouched = {(fv.evidence.page, fv.evidence.bbox) for fv in result.fields.values()
                 if fv.signals.get("path") == "ocr" and not vouched(fv.signals)}
    variants = {cell: _variants(pages[cell[0]], cell[1]) for cell in todo}
    boxes = {cell: [b for b in _boxes(doc, *cell) if b.agree is not True and b.text.strip()] for cell in todo}
    engine = get_engine()
    # first the enlarged crop of every cell: enough for a value read once
    first = [cell for cell in todo if variants[cell] and boxes[cell]]
    reads = dict(zip(first, (text.strip() for text, _ in engine.recognize_crops([variants[c][0] for c in first]))))
    confirmed = False
    rest = []
    for cell in first:
        # a doubtful read is not confirmed by the same pixels enlarged: a glyph faded toner
        # broke ("0" missing its left side) reads "3" from any crop of it; it also needs the
        # binarized crop, below
        strict = cell in unvouched
        once = [b for b in boxes[cell] if b.agree is None and not (strict and _doubtful(b))
                and same_read(b.text, reads[cell])]
        for box in once:
            box.agree = True
            confirmed = True
        if len(once) < len(boxes[cell]):
            rest.append(cell)
    # the other variants too: two of three must agree, the binarized one among them when the
    # read is doubtful
    crops, owners = [], []
    for cell in rest:
        for crop in variants[cell][1:]:
            crops.append(crop)
            owners.append(cell)
    votes: dict[tuple, list[str]] = {cell: [reads[cell]] for cell in rest}
    for owner, (text, _) in zip(owners, engine.recognize_crops(crops) if crops else []):
        votes[owner].append(text.strip())
    for cell, texts in votes.items():
        for box in boxes[cell]:
            if box.agree is True:
                continue
            if cell in unvouched and _doubtful(box) and not (len(texts) > 1 and same_read(box.text, texts[1])):
                continue  # no binarized crop, or it reads another thing
            if sum(same_read(box.text, t) for t in texts) >= 2:
                box.agree = True
                confirmed = True
    return confirmed


def confirm_empty(doc: Document, pages: _Pages, result: Result) -> bool:
    """Where the rules left a row open on an OCR page, or an empty cell is not ok, the empty
    cells after row labels are looked at on the page: a cell of the ruled grid with no ink at
    all is an empty cell (a zero: the second look agrees with the detector's), not a label
    column the conversion split off.  True when one was confirmed."""
    from . import blank_cell, words_among_values

    def opens_page(fv) -> bool:
        s = fv.signals
        if s.get("path") != "ocr" or not fv.evidence.page:
            return False
        if s.get("empty_cell"):
            # (not ok though the rule of thumb finds it vouched: only rules of zeros cover it,
            # trust._rules_vouch_for_nothing)
            return fv.status != "ok" or rule_of_thumb_flags(fv.status, s)
        return s.get("reading") in ("several_readings", "placed", "lost_cell") and rule_of_thumb_flags(fv.status, s)

    open_pages = {fv.evidence.page for fv in result.fields.values() if opens_page(fv)}
    confirmed = False
    inked: list[tuple[int, TextBox]] = []
    for p in doc.pages:
        if p.number not in open_pages or p.path != "ocr":
            continue
        for line in p.lines:
            if not line.in_table or words_among_values([b.text for b in line.boxes]):
                continue
            # a cell much narrower than its row's cells printing numbers is a sliver cut by a
            # ruling that is not the table's (the reverse side's rulings showing through): its
            # emptiness says nothing about a value, which lies beside it
            widths = [b.bbox[2] - b.bbox[0] for b in line.boxes if b.bbox and is_number(b.text.strip())]
            narrowest = 0.5 * min(widths) if widths else 0.0
            seen = False
            for box in line.boxes:
                seen = seen or bool(box.text.strip())
                if seen and not box.text.strip() and box.bbox and box.agree is None \
                        and box.bbox[2] - box.bbox[0] >= narrowest:
                    if blank_cell(pages[p.number], box.bbox):
                        box.agree = True
                        confirmed = True
                    else:
                        inked.append((p.number, box))
    return _read_inked(pages, inked[:MAX_CONFIRM]) or confirmed


def _read_inked(pages: _Pages, cells: list[tuple[int, TextBox]]) -> bool:
    """Empty cells that are not blank on the page: a lone digit the page's detector missed
    (section 二's 行政事业性收费 "7", read as an empty cell, 0).  Two variant crops giving one
    number, each read sure, make it the cell's text, at the score of a number only a re-read
    found (never ok alone).  True when one was read."""
    from . import REREAD_BELOW, SECOND_LOOK_SCORE
    from .engines import get_engine

    crops, owners = [], []
    for page, box in cells:
        for crop in _variants(pages[page], box.bbox):
            crops.append(crop)
            owners.append(box)
    reads: dict[int, list[tuple[str, float]]] = {}
    for box, (text, score) in zip(owners, get_engine().recognize_crops(crops) if crops else []):
        text = _number_read(text)
        if text is not None and score >= REREAD_BELOW:  # (a page footer's faint marks read "7.17" at 0.7)
            reads.setdefault(id(box), []).append((text, score))
    found = False
    for _, box in cells:
        texts = [t for t, _ in reads.get(id(box), [])]
        best = max(set(texts), key=texts.count, default=None)
        if best is not None and texts.count(best) >= 2:
            box.text = best
            box.score = min(SECOND_LOOK_SCORE, max(sc for t, sc in reads[id(box)] if t == best))
            found = True
    return found


def proofread(doc: Document, data: bytes, result: Result, extract) -> Result:
    """`result` of `doc`, or the result of `extract(doc)` after confirming and rule-confirmed
    re-reads."""
    pages = _Pages(data, doc)
    if confirm(doc, pages, result) | confirm_empty(doc, pages, result):
        result = extract(doc)
    return _by_rules(doc, pages, result, extract)


def _suspects(result: Result, failing: list, ocr_pages: set[int]) -> dict[str, tuple[int, tuple]]:
    """The OCR'd cells of the failing sum rules to re-read, by field: all of them when they are
    few; else those where two failing rules cross (a misread in a long column breaks its column
    sum and its row total, and every cell of that column is in the first), most failing rules
    first."""
    count: dict[str, int] = {}
    where: dict[str, tuple[int, tuple]] = {}
    for check in failing:
        for f in check.fields:
            ev = result.fields[f].evidence
            if ev.page in ocr_pages and ev.bbox:
                count[f] = count.get(f, 0) + 1
                where.setdefault(f, (ev.page, ev.bbox))
    if len(where) <= MAX_CELLS:
        return where
    crossed = sorted((f for f, n in count.items() if n >= 2), key=lambda f: -count[f])
    return {f: where[f] for f in crossed[:MAX_CELLS]}


def _by_rules(doc: Document, pages: _Pages, result: Result, extract) -> Result:
    from ..schema import all_templates
    from ..validate import run_checks
    from .engines import get_engine

    ocr_pages = {p.number for p in doc.pages if p.path == "ocr"}
    failing = [c for c in result.checks if not c.ok and "[" in c.rule]
    if not ocr_pages or not failing or result.template is None:
        return result
    template = next((t for t in all_templates() if t.version == result.template and t.hybrid == result.hybrid), None)
    if template is None:
        return result
    cells = _suspects(result, failing, ocr_pages)
    if not cells:
        return result
    engine = get_engine()
    crops, owners = [], []
    for f, (page, bbox) in cells.items():
        for crop in _variants(pages[page], bbox):
            crops.append(crop)
            owners.append(f)
    reads: dict[str, list[tuple[str, float]]] = {f: [] for f in cells}
    for f, (text, score) in zip(owners, engine.recognize_crops(crops)):
        text = _number_read(text)
        if text is not None:
            reads[f].append((text, score))
    options: dict[str, dict[float, tuple[str, float]]] = {}
    for f, rs in reads.items():
        current = result.fields[f].value
        for text, score in rs:
            value = parse_number(text).value
            if value != current:
                best = options.setdefault(f, {}).get(value)
                options[f][value] = (text, max(score, best[1] if best else 0.0))
    if not options:
        return result
    involved = {c.rule for c in result.checks if "[" in c.rule and set(c.fields) & set(options)}
    fixes = []
    for n in range(1, MAX_CHANGES + 1):
        for chosen in itertools.combinations(sorted(options), n):
            for values in itertools.product(*(sorted(options[f]) for f in chosen)):
                trial = dict(result.fields)
                for f, v in zip(chosen, values):
                    trial[f] = replace(trial[f], value=v)
                checks = [c for c in run_checks(template, trial) if "[" in c.rule]
                if all(c.ok for c in checks if c.rule in involved) and \
                        sum(not c.ok for c in checks) < sum(not c.ok for c in result.checks if "[" in c.rule):
                    fixes.append(dict(zip(chosen, values)))
        if fixes:
            break
    if len(fixes) != 1:  # none, or several readings fit: leave it to review
        return result
    changed = []
    for f, value in fixes[0].items():
        page, bbox = cells[f]
        text, score = options[f][value]
        for box in _boxes(doc, page, bbox):
            box.text, box.score, box.agree, box.repaired = text, min(REREAD_SCORE, score), True, False
            changed.append(f)
    if not changed:
        return result
    fixed = extract(doc)
    for f, value in fixes[0].items():
        if f in changed and f in fixed.fields:
            fixed.fields[f].reasons.append(
                f"OCR first read {result.fields[f].value:g}; re-read as {value:g}, which the sum rules confirm")
    return fixed
