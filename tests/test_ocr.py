"""OCR stage: geometry on synthetic boxes and drawn tables, image reader edge cases, and one
real page of a shared report rasterized and OCR'd end to end (values from its gold file)."""
import io
import json
import struct
import zlib
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from pipeline.model import Document, Page
from pipeline.ocr import geometry, is_number, looks_numeric, repair_number
from pipeline.readers import ReaderError, read_document

SHARED = Path(__file__).resolve().parents[2] / "shared"
REPORT = SHARED / "reports" / "pdf" / "hongze_district_2023.pdf"
GOLD = SHARED / "gold" / "reports" / "hongze_district_2023.json"

cv2 = pytest.importorskip("cv2")


def _full_grid(xs, ys) -> "geometry.Grid":
    """A ruled grid with every ruling printed: one cell per slot."""
    return geometry.Grid([float(x) for x in xs], [float(y) for y in ys],
                         geometry.merge_cells(xs, ys, lambda i, j: True, lambda i, j: True))


def _cell_box(xs, ys, r, c, text):
    """The detector's box of `text` in cell (r, c) of a `_full_grid`."""
    from pipeline.ocr.engines import OcrBox

    return [OcrBox(text, (xs[c] + 10, ys[r] + 8, xs[c + 1] - 10, ys[r] + 32), 0.99)]


class _BlankReader:
    """A recognizer whose re-reads of crops read nothing."""
    name = "scripted"

    def recognize_crops(self, crops):
        return [("", 0.0)] * len(crops)


def _engine_or_skip():
    from pipeline.ocr import OcrUnavailable, get_engine

    try:
        return get_engine()
    except OcrUnavailable as exc:
        pytest.skip(str(exc))


# --- geometry --------------------------------------------------------------------------

def test_the_content_box_leaves_out_margins_and_the_specks_in_them():
    ink = np.zeros((1000, 800), np.uint8)
    ink[200:700, 100:650:3] = 255  # lines of print
    rng = np.random.default_rng(0)
    ys, xs = rng.integers(0, 1000, 300), rng.integers(0, 800, 300)
    ink[ys, xs] = 255  # speckle over the whole page, margins included
    assert geometry.content_box(ink, pad=10) == (90.0, 190.0, 660.0, 710.0)
    assert geometry.content_box(np.zeros((50, 40), np.uint8)) == (0.0, 0.0, 40.0, 50.0)


def test_text_bands_are_the_printed_lines_outside_the_tables():
    ink = np.zeros((600, 400), np.uint8)
    for top in (50, 100, 150):  # three lines of prose
        ink[top:top + 20, 40:360:2] = 255
    ink[300:500, 40:360] = 255  # a table, left out
    ink[550:552, 40:360] = 255  # a rule below it
    ink[122, 40:360:120] = 255  # three specks in a row: too little ink to be a line
    bands = geometry.text_bands(ink, (0, 0, 400, 600), skip=[(40, 300, 360, 500)])
    assert bands == [(50, 70), (100, 120), (150, 170), (550, 552)]


def test_a_blank_page_leaves_no_tail_to_detect():
    from pipeline.ocr import _undetected_tail
    from pipeline.ocr.engines import RapidOcrEngine

    ink = np.zeros((600, 400), np.uint8)
    ink[30:32, 20:23] = 255  # a speck: no line
    tail = _undetected_tail(np.full((600, 400), 255, np.uint8), ink)
    x0, top, x1, bottom = tail.region
    assert bottom - top < 8  # an empty region: the detector returns nothing for it, unrun
    engine = RapidOcrEngine.__new__(RapidOcrEngine)  # no model needed to look at nothing
    engine.det_side = RapidOcrEngine.DET_SIDE
    assert engine.detect(np.zeros((600, 400, 3), np.uint8), within=tail.region) == []


def test_detecting_a_region_finds_what_detecting_the_page_finds_there():
    engine = _engine_or_skip()
    page = np.full((1400, 1000, 3), 255, np.uint8)
    for k, y in enumerate(range(120, 1300, 90)):
        cv2.putText(page, f"2024 row {k} 12345", (80 + 7 * k, y), cv2.FONT_HERSHEY_SIMPLEX, 1.3, (0, 0, 0), 2)
    region = (40.0, 500.0, 960.0, 1350.0)
    whole = [q for q in engine.detect(page) if q[:, 1].mean() > 560 and q[:, 1].mean() < 1290]
    part = [q for q in engine.detect(page, within=region) if q[:, 1].mean() > 560 and q[:, 1].mean() < 1290]
    assert len(whole) == len(part) >= 7
    for a, b in zip(sorted(whole, key=lambda q: q[:, 1].mean()), sorted(part, key=lambda q: q[:, 1].mean())):
        assert np.abs(a - b).max() <= 2.0


def test_merge_cells_joins_slots_without_rulings():
    xs, ys = [0, 100, 200, 300], [0, 50, 100, 150]
    # column 0 has no ruling between rows 0-1 and 1-2: one tall label cell
    cells = geometry.merge_cells(xs, ys, has_hsep=lambda i, j: j != 0, has_vsep=lambda i, j: True)
    tall = [c for c in cells if c.c0 == 0]
    assert len(tall) == 1 and (tall[0].r0, tall[0].r1) == (0, 3)
    assert len(cells) == 1 + 3 * 2


def _draw_table(merge_header: bool = True) -> np.ndarray:
    img = np.full((400, 700), 255, np.uint8)
    xs, ys = [50, 250, 400, 550, 650], [50, 110, 170, 230, 290]
    for y in ys:
        cv2.line(img, (xs[0], y), (xs[-1], y), 0, 2)
    for x in xs:
        y0 = ys[1] if merge_header and x in (400, 550) else ys[0]  # header spans columns 1-3
        cv2.line(img, (x, y0), (x, ys[-1]), 0, 2)
    return img


def test_find_grids_on_drawn_table_with_merged_header():
    from pipeline.ocr.preprocess import ink_mask

    grids = geometry.find_grids(ink_mask(_draw_table()))
    assert len(grids) == 1
    g = grids[0]
    assert len(g.xs) == 5 and len(g.ys) == 5
    header = g.cell_at(420, 80)
    assert (header.r0, header.c0, header.c1) == (0, 1, 4)
    assert g.cell_at(600, 260).c0 == 3


def test_find_grids_on_double_rules_whose_lines_wander_a_pixel():
    """A table printed with double rules (two 1-px lines a pixel apart), each line wandering a
    pixel either way under JPEG and a tilt left after deskewing (the fixture: section 二 of a
    skewed, speckled 200-dpi scan), kept no column of ink as long as a ruling: its column rulings
    were lost and section 二 was read as prose (57 fields of one scan).  Closed across, the two
    lines are one straight ruling."""
    from pipeline.ocr.preprocess import ink_mask

    crop = cv2.imread(str(DATA / "double_rules_skew_speckle_jpeg_200dpi.png"), cv2.IMREAD_GRAYSCALE)
    page = np.full((2339, 1656), 250, np.uint8)  # the A4 page it was cut from: ruling length scales with it
    page[870:870 + crop.shape[0], 100:100 + crop.shape[1]] = crop
    grids = geometry.find_grids(ink_mask(page))
    assert len(grids) == 1 and len(grids[0].xs) == 4  # the label column and three of values


def test_a_label_is_judged_against_the_ruling_where_it_runs_beside_the_label():
    """A page not flat on the glass tilts a table's rulings differently across it: at the label
    column a row boundary lay 2-3 px above its table-wide mean, so the padded box of 四、结转下年度
    继续办理 seemed to run across it; the two label cells merged, the label landed a row up and
    （七）总计's row was lost.  Judged where the ruling runs beside the box, the label sits in its
    row; a label printed across the boundary (a cell merged over two rows) still crosses it."""
    mask = np.zeros((100, 300), np.uint8)
    mask[36, :] = 255  # the ruling as printed beside the label; its table-wide mean is y = 39
    one_row = (20, 26, 280, 66)
    assert geometry.crossed([one_row], True, 39, 0, 300)
    assert not geometry.crossed([one_row], True, 39, 0, 300, mask=mask)
    assert geometry.crossed([(20, 16, 280, 56)], True, 39, 0, 300, mask=mask)


def test_grid_closed_by_vertical_rulings_when_bottom_rule_missing():
    from pipeline.ocr.preprocess import ink_mask

    img = _draw_table(merge_header=False)
    img[288:293, :] = 255  # erase the closing rule, as on a page the table runs off
    grids = geometry.find_grids(ink_mask(img))
    assert grids and grids[0].ys[-1] > 280


def _tables_joined_by_a_heading_stroke(shape, tables) -> np.ndarray:
    """Ruled tables ((xs, ys) each), the gap between the first two crossed by a heading's strokes."""
    img = np.full(shape, 255, np.uint8)
    for xs, ys in tables:
        for y in ys:
            cv2.line(img, (xs[0], y), (xs[-1], y), 0, 2)
        for x in xs:
            cv2.line(img, (x, ys[0]), (x, ys[-1]), 0, 2)
    cv2.line(img, (250, 220), (250, 330), 0, 4)  # the heading's stroke in the gap
    cv2.line(img, (120, 262), (600, 262), 0, 4)  # and its long horizontal stroke
    return img


def test_two_tables_joined_by_a_heading_stroke_are_two_grids():
    """Blur thickens a big heading's strokes into "rulings" that bridge the gap between the
    table above and the one below; each table keeps its own columns."""
    from pipeline.ocr.preprocess import ink_mask

    img = _tables_joined_by_a_heading_stroke((700, 700), [([50, 250, 400, 650], [40, 100, 160, 220]),
                                                          ([50, 150, 300, 450, 650], [330, 390, 450, 510])])
    grids = geometry.find_grids(ink_mask(img))
    assert [len(g.xs) for g in grids] == [4, 5]
    assert grids[0].ys[-1] < 230 and grids[1].ys[0] > 320


def test_two_tables_joined_by_a_heading_stroke_with_borders_apart_keep_all_their_rows():
    """On a tilted page the second table's borders lie a few pixels off the first's: joined by
    a heading stroke, the rows of the second are still bordered and kept."""
    from pipeline.ocr.preprocess import ink_mask

    img = _tables_joined_by_a_heading_stroke((800, 720), [([50, 250, 400, 650], [40, 100, 160, 220]),
                                                          ([58, 150, 300, 450, 659], [330, 390, 450, 510, 570, 630, 690])])
    grids = geometry.find_grids(ink_mask(img))
    assert [len(g.ys) for g in grids] == [4, 7]
    assert grids[1].ys[-1] == pytest.approx(690, abs=3)


def _dashed_table(bottom_rule: bool = True) -> tuple[np.ndarray, list[int], list[int]]:
    """A table whose vertical rulings JPEG and speckle broke into dashes, each dash a pixel off
    the last (a page not quite flat): no straight run of the opening's length is left."""
    img = np.full((600, 800), 255, np.uint8)
    xs, ys = [40, 240, 330, 420, 510, 600, 690, 760], [40, 90, 130, 170, 210, 250, 290, 330, 370, 410]
    for y in ys[:-1] + ([ys[-1]] if bottom_rule else []):
        cv2.line(img, (xs[0], y), (xs[-1], y), 0, 2)
    for x in xs:
        for k, y in enumerate(range(ys[0], ys[-1], 17)):
            jitter = (0, 1, 0, -1)[k % 4]
            cv2.line(img, (x + jitter, y), (x + jitter, min(y + 12, ys[-1])), 0, 1)
    return img, xs, ys


def test_dashed_jittered_vertical_rulings_still_give_every_column():
    from pipeline.ocr.preprocess import ink_mask

    img, xs, ys = _dashed_table()
    (grid,) = geometry.find_grids(ink_mask(img))
    assert [round(x) for x in grid.xs] == pytest.approx(xs, abs=3)
    assert len(grid.ys) == len(ys)


def test_dashed_rulings_run_off_the_page_close_the_table_but_a_heading_below_adds_no_row():
    from pipeline.ocr.preprocess import ink_mask

    img, xs, ys = _dashed_table(bottom_rule=False)
    (grid,) = geometry.find_grids(ink_mask(img))
    assert grid.ys[-1] > ys[-2] + 20  # the last row, which no rule closes, is kept
    img, xs, ys = _dashed_table()
    for x in xs[1:5]:  # a heading's strokes right under the table, level with four inner rulings
        cv2.line(img, (x, ys[-1] + 3), (x, ys[-1] + 16), 0, 2)
        cv2.line(img, (x + 3, ys[-1] + 16), (x + 3, ys[-1] + 32), 0, 2)
    (grid,) = geometry.find_grids(ink_mask(img))
    assert grid.ys[-1] == pytest.approx(ys[-1], abs=3)


def test_dashed_jittered_horizontal_rulings_still_give_every_row():
    from pipeline.ocr.preprocess import ink_mask

    img, xs, ys = _dashed_table()
    img = np.ascontiguousarray(img.T)  # the same damage to the rulings across
    (grid,) = geometry.find_grids(ink_mask(img))
    assert [round(y) for y in grid.ys] == pytest.approx(xs, abs=3)
    assert len(grid.xs) == len(ys)


def test_a_column_of_tightly_stacked_text_is_no_ruling():
    """Enumerators printed under each other in a label column, rows tight enough that their
    strokes all but touch: straightened and closed, their stems make a long run, but a ruling
    has white on both sides and these have the rest of their characters."""
    from pipeline.ocr.preprocess import ink_mask

    img = np.full((600, 800), 255, np.uint8)
    xs, ys = [40, 240, 420, 600, 760], [40] + list(range(80, 441, 30))
    for y in ys:
        cv2.line(img, (xs[0], y), (xs[-1], y), 0, 2)
    for x in xs:
        cv2.line(img, (x, ys[0]), (x, ys[-1]), 0, 2)
    for top in ys[1:-1]:  # `1.` under `1.`: a stem from ruling to ruling, its foot and dot beside it
        cv2.line(img, (120, top + 3), (120, top + 15), 0, 1)  # a stem a pixel off straight, as
        cv2.line(img, (122, top + 15), (122, top + 27), 0, 1)  # the dashed rulings above are
        cv2.line(img, (113, top + 26), (127, top + 26), 0, 2)
        cv2.line(img, (116, top + 8), (120, top + 4), 0, 2)
        cv2.rectangle(img, (131, top + 23), (133, top + 26), 0, -1)
        cv2.rectangle(img, (127, top + 9), (141, top + 22), 0, 2)  # the label's first character
    (grid,) = geometry.find_grids(ink_mask(img))
    assert [round(x) for x in grid.xs] == pytest.approx(xs, abs=3)


def test_an_empty_sliver_cut_by_a_stray_ruling_proves_nothing():
    """Rulings showing through from the reverse side cut a table's cells into slivers: an empty
    sliver beside a number says nothing about a value, while an empty cell as wide as the
    number cells is a blank (its field may then be ok)."""
    from pipeline.model import Evidence, FieldValue, Line, Result, TextBox
    from pipeline.ocr.proofread import _Pages, confirm_empty

    gray = np.full((200, 700), 255, np.uint8)
    label = TextBox("行政许可", (0, 50, 200, 80))
    numbers = [TextBox("3", (200, 50, 300, 80)), TextBox("4", (300, 50, 400, 80))]
    sliver, empty = TextBox("", (400, 50, 418, 80)), TextBox("", (418, 50, 518, 80))
    page = Page(1, [Line([label, *numbers, sliver, empty], 1, in_table=True)], path="ocr", image=gray)
    doc = Document("scan.pdf", "", "pdf", pages=[page])
    open_field = FieldValue(0, 0.75, "inferred", Evidence(page=1, bbox=sliver.bbox),
                            signals=_ocr_signals(empty_cell=1.0, sum_rules=0.0, narrative=0.0, label_score=1.0))
    result = Result("scan.pdf", "", fields={"disclosure.licensing.decisions": open_field})
    assert confirm_empty(doc, _Pages(b"", doc), result)
    assert empty.agree is True and sliver.agree is None


def test_an_empty_cell_not_ok_under_rules_of_zeros_is_looked_at_on_the_page():
    """An empty cell that rules of zeros alone cover is not ok (trust._rules_vouch_for_nothing),
    though the rule of thumb, which picks the pages whose empty cells the proof-reader looks
    at, finds it vouched for: its page is looked at too, and an empty cell with no ink on it is
    proved blank (a faint digit there is read: 3 of 6 such misses on a speckled scan)."""
    from pipeline.model import Evidence, FieldValue, Line, Result, TextBox
    from pipeline.ocr.proofread import _Pages, confirm_empty
    from pipeline.trust import rule_of_thumb_flags

    gray = np.full((200, 700), 255, np.uint8)
    label, number, empty = TextBox("行政许可", (0, 50, 200, 80)), TextBox("0", (200, 50, 300, 80)), \
        TextBox("", (300, 50, 400, 80))
    page = Page(1, [Line([label, number, empty], 1, in_table=True)], path="ocr", image=gray)
    doc = Document("scan.pdf", "", "pdf", pages=[page])
    signals = _ocr_signals(empty_cell=1.0, sum_rules=2.0, narrative=0.0, label_score=1.0, ocr_score=1.0)
    gated = FieldValue(0, 0.89, "inferred", Evidence(page=1, bbox=empty.bbox), signals=signals)
    assert not rule_of_thumb_flags(gated.status, gated.signals)
    result = Result("scan.pdf", "", fields={"requests.received.natural_person": gated})
    assert confirm_empty(doc, _Pages(b"", doc), result)
    assert empty.agree is True


def test_blank_cell_sees_a_faint_blurred_number_beside_rulings():
    """A number blurred into the rulings' grey halo is ink, never proof of an empty cell."""
    from pipeline.ocr import blank_cell

    img = np.full((80, 300), 255, np.uint8)
    cv2.rectangle(img, (10, 10), (290, 42), 0, 3)
    empty = img.copy()
    cv2.putText(img, "22", (130, 36), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 120, 2)
    faint = cv2.GaussianBlur(img, (0, 0), 2.5)
    bbox = (10, 10, 290, 42)
    assert blank_cell(cv2.GaussianBlur(empty, (0, 0), 2.5), bbox)
    assert not blank_cell(faint, bbox)
    rng = np.random.default_rng(0)
    specks = empty.copy()
    specks[rng.random(empty.shape) < 0.004] = 0  # pepper noise alone is no mark
    assert blank_cell(specks, bbox)
    dash = empty.copy()
    cv2.line(dash, (140, 26), (160, 26), 0, 2)  # a printed dash says "nothing" too
    assert blank_cell(dash, bbox)
    for width in (1, 2):  # a thin "1" is a mark, however few its pixels
        one = empty.copy()
        one[18:34, 150:150 + width] = 40
        assert not blank_cell(one, bbox), width
    run = empty.copy()  # a blurred number whose digits ran into one wide blob is no dash
    cv2.putText(run, "444", (120, 36), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 60, 2)
    assert not blank_cell(cv2.GaussianBlur(run, (0, 0), 2.5), bbox)


class _ScriptedEngine:
    """Detects the text lines listed for each page and reads each as "line <page>:<top>";
    remembers what it was asked to read.  Stands in for rapidocr to test which lines are read.
    A page is known by the grey level of its corner mark (`mark_page`)."""
    name = "scripted"

    def __init__(self, lines_of: dict[int, list[tuple]]):
        self.lines_of, self.read = lines_of, []

    @staticmethod
    def mark_page(image, number):
        image[:4, :4] = 10 * number

    @staticmethod
    def page_of(image) -> int:
        return round(int(image[1, 1, 0]) / 10)

    def detect(self, image, within=None):
        top, bottom = (within[1], within[3]) if within is not None else (0, image.shape[0])
        return [np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
                for x0, y0, x1, y1 in self.lines_of[self.page_of(image)] if top <= (y0 + y1) / 2 < bottom]

    def read_quads(self, image, quads):
        from pipeline.ocr.engines import OcrBox, _quad_bbox

        page = self.page_of(image)
        boxes = [OcrBox(f"line {page}:{int(_quad_bbox(q)[1])}", _quad_bbox(q), 0.99) for q in quads]
        self.read.extend(b.text for b in boxes)
        return boxes

    def recognize(self, image):
        return self.read_quads(image, self.detect(image))

    def recognize_crops(self, crops):
        return [("", 0.0)] * len(crops)


def test_prose_is_read_only_near_tables_and_in_the_title(monkeypatch):
    """Pages 1-2: title and prose (a cover sheet may precede the title); page 3: prose only;
    page 4: a table under its heading.  Read: the title block of pages 1-2, the last lines of
    page 3 (the table's heading may end it) and the lines right above the table; the rest of
    the prose is never recognized."""
    from pipeline import ocr
    from pipeline.ocr import rasterize

    lines = {n: [(100, y, 600, y + 24) for y in range(60, 60 + 40 * count, 40)]
             for n, count in ((1, 12), (2, 12), (3, 12), (4, 4))}
    pages = {n: np.full((1100, 800, 3), 255, np.uint8) for n in lines}
    xs, ys = [50, 400, 750], [300, 360, 420, 480]
    for y in ys:
        cv2.line(pages[4], (xs[0], y), (xs[-1], y), (0, 0, 0), 2)
    for x in xs:
        cv2.line(pages[4], (x, ys[0]), (x, ys[-1]), (0, 0, 0), 2)
    for n, image in pages.items():
        for x0, y0, x1, y1 in lines[n]:
            image[y0 + 4:y1 - 4, x0:x1:3] = 0  # the line's ink, where the page's bands are found
        _ScriptedEngine.mark_page(image, n)
    engine = _ScriptedEngine(lines)
    monkeypatch.setattr(rasterize, "rasterize_pdf_page", lambda data, number, dpi: pages[number].copy())
    monkeypatch.setattr(ocr, "get_engine", lambda name=None: engine)
    doc = Document("scan.pdf", "", "pdf", pages=[Page(n, path="needs_ocr") for n in lines])
    ocr.ocr_document(doc, b"")
    tops = {n: [int(t.split(":")[1]) for t in engine.read if t.startswith(f"line {n}:")] for n in lines}
    title = [60 + 40 * i for i in range(ocr.TITLE_LINES)]
    assert tops[1] == title and tops[2] == title
    assert tops[3] == [60 + 40 * i for i in range(12 - ocr.TAIL_LINES, 12)]
    assert tops[4] == [100, 140, 180]  # the lines right above the table, not the one further up
    assert all("prose away from the tables not read" in p.note for p in doc.pages)


def test_group_into_lines_tolerates_offset_numbers():
    boxes = [(10, 100, 200, 130), (300, 96, 330, 126), (400, 104, 430, 134),  # label, numbers a bit off
             (10, 150, 200, 180), (300, 151, 330, 181)]
    assert geometry.group_into_lines(boxes) == [[0, 1, 2], [3, 4]]


def test_reading_order_text_joins_wrapped_label():
    texts = ["计其他情形）", "（二）部分公开（区分处理的，只计这一情形，不"]
    boxes = [(10, 140, 120, 170), (10, 100, 400, 130)]
    assert geometry.reading_order_text(texts, boxes) == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    assert geometry.reading_order_text(["12", "34"], [(0, 0, 10, 10), (20, 0, 30, 10)]) == "12 34"


def test_split_by_cells_cuts_box_across_ruling():
    cells = geometry.merge_cells([0, 100, 200], [0, 50], lambda i, j: True, lambda i, j: True)
    parts = geometry.split_by_cells((60, 10, 160, 40), cells)
    assert [p[0].c0 for p in parts] == [0, 1]
    assert parts[0][1] == (60, 10, 96, 40) and parts[1][1] == (104, 10, 160, 40)


def test_split_by_cells_cuts_a_vertical_header_from_the_value_under_it():
    """The detector merged a header set one character per line with the value printed right
    under it ("结果维持2"): the value went to the header, the value cell was left to a second
    look, and the extra number in the header row flagged the whole table."""
    # a header row 100 px high over a value row 30 px high
    cells = geometry.merge_cells([0, 76, 152], [0, 100, 130], lambda i, j: True, lambda i, j: True)
    parts = geometry.split_by_cells((80, 6, 146, 126), cells)
    assert [(p[0].r0, p[0].c0) for p in parts] == [(0, 1), (1, 1)]
    assert parts[0][1] == (80, 6, 146, 96) and parts[1][1] == (80, 104, 146, 126)
    # a box that only grazes the row below stays one part
    assert len(geometry.split_by_cells((80, 6, 146, 108), cells)) == 1


def test_match_columns_for_continued_table():
    assert geometry.match_columns([0, 100, 200, 300], [1, 99, 201, 299], tol=5) == {0: 0, 1: 1, 2: 2}
    assert geometry.match_columns([0, 100, 200, 300], [0, 150, 300], tol=5) is None


def test_number_repair_only_for_numberish_text():
    assert repair_number("1O") == "10" and repair_number("l95") == "195"
    assert repair_number("行政") is None
    assert repair_number("1 O") == "1 0"  # two values stay two values
    assert not looks_numeric("1 0")
    assert looks_numeric("2l") and not looks_numeric("OI") and is_number("7730.28")
    # a speck after a digit read as a dot: the number, repaired (never ok); a lone dot is no number
    assert repair_number("0.") == "0" and repair_number("12。") == "12" and repair_number(".") is None


def test_estimate_skew_recovers_rotation():
    from pipeline.ocr.preprocess import estimate_skew, rotate

    img = _draw_table(merge_header=False)
    for y in range(320, 390, 12):
        cv2.line(img, (60, y), (640, y), 0, 3)
    rotated = rotate(img, 1.5)
    assert abs(estimate_skew(rotated) + 1.5) < 0.3


# --- image reader ----------------------------------------------------------------------

def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_huge_image_is_refused(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(_png_header_only(30000, 30000))
    with pytest.raises(ReaderError, match="too large"):
        read_document(path)


def test_corrupt_image_is_refused(tmp_path):
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 50)
    with pytest.raises(ReaderError, match="corrupt"):
        read_document(path)


def test_multipage_tiff_gives_one_page_per_frame(tmp_path):
    from PIL import Image

    _engine_or_skip()
    frames = []
    for text in ("2024", "4119"):
        img = np.full((200, 500), 255, np.uint8)
        cv2.putText(img, text, (40, 130), cv2.FONT_HERSHEY_SIMPLEX, 3, 0, 6)
        frames.append(Image.fromarray(img))
    path = tmp_path / "scan.tiff"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    doc = read_document(path)
    assert doc.kind == "image" and [p.number for p in doc.pages] == [1, 2]
    assert all(p.path == "ocr" and p.width == 500 for p in doc.pages)
    assert "4119" in " ".join(line.text for line in doc.pages[1].lines)


def test_unknown_and_unconfigured_engines_fail_clearly(monkeypatch):
    from pipeline.ocr import OcrUnavailable, get_engine

    monkeypatch.delenv("GOVREPORT_PADDLE_MODELS", raising=False)
    with pytest.raises(OcrUnavailable, match="GOVREPORT_PADDLE_MODELS"):
        get_engine("paddle")
    with pytest.raises(OcrUnavailable, match="unknown OCR engine"):
        get_engine("nope")


# --- a real report page ----------------------------------------------------------------

needs_report = pytest.mark.skipif(not REPORT.exists(), reason="../shared not checked out beside the repo")


@pytest.fixture(scope="module")
def scanned_page3(tmp_path_factory):
    """Page 3 of a shared report as an image-only PDF (150 dpi), read and OCR'd."""
    from pipeline.ocr import ocr_document
    from pipeline.ocr.rasterize import rasterize_pdf_page
    from PIL import Image

    _engine_or_skip()
    bgr = rasterize_pdf_page(REPORT.read_bytes(), 3, dpi=150)
    buf = io.BytesIO()
    Image.fromarray(bgr[:, :, ::-1]).save(buf, "PDF", resolution=150.0)
    path = tmp_path_factory.mktemp("scan") / "hongze_p3__scan.pdf"
    path.write_bytes(buf.getvalue())
    doc = read_document(path)
    assert doc.pages[0].path == "needs_ocr"
    ocr_document(doc, path.read_bytes())
    return doc


def _row(doc: Document, label: str) -> list[str]:
    for line in doc.lines():
        texts = [b.text for b in line.boxes if b.text]
        if texts and texts[0] == label or label in texts:
            return texts[texts.index(label) + 1:] if label in texts else texts[1:]
    raise AssertionError(f"no row {label!r} in {[l.text for l in doc.lines()]}")


@needs_report
def test_scanned_page_rows_match_gold(scanned_page3):
    doc = scanned_page3
    page = doc.pages[0]
    assert page.path == "ocr" and not doc.errors
    assert page.width > 1000 and page.height > 1500  # pixels, not points
    gold = json.loads(GOLD.read_text(encoding="utf-8"))["fields"]
    assert _row(doc, "行政处罚") == [str(gold["disclosure.penalty.decisions"])]
    assert _row(doc, "行政强制") == [str(gold["disclosure.coercion.decisions"])]
    received = [gold[f"requests.received.{k}"] for k in
                ("natural_person", "enterprise", "research", "social_org", "legal_service", "other_org", "total")]
    assert _row(doc, "一、本年新收政府信息公开申请数量") == [str(v) for v in received]


@needs_report
def test_scanned_page_cells_carry_columns_and_scores(scanned_page3):
    line = next(l for l in scanned_page3.lines() if l.boxes and l.boxes[0].text == "一、本年新收政府信息公开申请数量")
    assert line.in_table
    cols = [b.column for b in line.boxes]
    assert cols == sorted(cols) and len(set(cols)) == len(cols)
    assert all(b.score is not None and 0 <= b.score <= 1 for b in line.boxes)
    # the wrapped label of 部分公开 comes back as one cell
    assert any(b.text.startswith("（二）部分公开") and b.text.endswith("情形）") or "不计其他情形" in b.text
               for l in scanned_page3.lines() for b in l.boxes)


@needs_report
def test_bad_page_is_recorded_not_raised():
    from pipeline.ocr import ocr_document

    _engine_or_skip()
    doc = Document("x.pdf", "", "pdf", pages=[Page(9, path="needs_ocr")])
    ocr_document(doc, REPORT.read_bytes()[:2000])  # truncated PDF: page cannot be rendered
    assert doc.pages[0].path == "needs_ocr"
    assert doc.errors and doc.errors[0].startswith("page 9: OCR failed")


@needs_report
@pytest.mark.parametrize("degradation", ["mixed", "stamp", "broken_lines"])
def test_degraded_scan_fixture_extracts_exactly_or_flags(degradation, tmp_path):
    """A page degraded by the fixture script, end to end: every gold field on it is exact
    or flagged, and the numbers of the received row come out exact."""
    import importlib.util
    import random

    from PIL import Image

    from pipeline.extract import extract_file
    from pipeline.model import CONFIDENT
    from pipeline.ocr.rasterize import rasterize_pdf_page

    _engine_or_skip()
    spec = importlib.util.spec_from_file_location(
        "make_scans", Path(__file__).resolve().parents[1] / "scripts" / "make_scans.py")
    make_scans = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_scans)
    bgr = rasterize_pdf_page(REPORT.read_bytes(), 3, dpi=200)
    page = make_scans.DEGRADATIONS[degradation](Image.fromarray(bgr[:, :, ::-1]), random.Random(7))
    path = tmp_path / f"hongze_district_2023__{degradation}.pdf"
    page.convert("RGB").save(path, "PDF", resolution=200.0)
    result = extract_file(path)
    assert result.pages[0]["path"] == "ocr"
    gold = json.loads(GOLD.read_text(encoding="utf-8"))["fields"]
    for column in ("natural_person", "total"):
        field = f"requests.received.{column}"
        assert result.fields[field].value == gold[field]
    confident_wrong = [f for f, v in result.fields.items() if v.value is not None and f in gold
                       and v.value != gold[f] and v.status == "ok" and v.confidence >= CONFIDENT]
    assert not confident_wrong


# --- second reads, dashes, trust evidence, scan conditions (issue 12) -----------------------

def test_flat_ink_tells_a_printed_dash_from_a_one():
    from pipeline.ocr import _flat_ink

    cell = np.full((40, 80), 255, np.uint8)
    dash, one = cell.copy(), cell.copy()
    cv2.line(dash, (30, 20), (50, 20), 0, 2)
    cv2.line(one, (40, 8), (40, 32), 0, 3)
    assert _flat_ink(dash, (0, 0, 80, 40)) is True
    assert _flat_ink(one, (0, 0, 80, 40)) is False
    assert _flat_ink(cell, (0, 0, 80, 40)) is None


def test_ink_crop_keeps_a_minus_sign_and_drops_dust():
    """A cell's crop for a re-read holds the minus of "-3" (without it the re-read says "3"
    and never agrees), but not a speck beside the number."""
    from pipeline.ocr import _ink_crop

    def cell(text, speck=False):
        img = np.full((60, 200), 255, np.uint8)
        cv2.rectangle(img, (0, 0), (199, 59), 0, 2)
        cv2.putText(img, text, (80, 44), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
        if speck:
            img[30:32, 40:42] = 0
        return _ink_crop(img, (0, 0, 200, 60))

    assert cell("-3").shape[1] >= cell("3").shape[1] + 10
    assert cell("3", speck=True).shape == cell("3").shape


def test_empty_cells_of_a_row_of_values_are_looked_at_again_but_not_its_label_space():
    """A row whose page read found numbers in some cells has its empty cells re-read (a table
    continued from the page before has no header to say which columns hold numbers), except
    the cells left of its first number when it prints a label there: a stray mark read as a
    digit in label space would shift every value of the row."""
    from pipeline.ocr import _table_lines
    from pipeline.ocr.engines import OcrBox

    xs, ys = [0, 150, 250, 350, 450, 550], [0, 50, 100]
    img = np.full((100, 550), 255, np.uint8)
    for y in ys:
        cv2.line(img, (0, y), (549, y), 0, 2)
    for x in xs:
        cv2.line(img, (x, 0), (x, 99), 0, 2)
    for r in range(2):
        for c in range(1, 5):
            cv2.putText(img, "7", (xs[c] + 40, ys[r] + 38), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    cv2.putText(img, "7", (40, 88), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)  # ink in the label cell
    grid = _full_grid(xs, ys)

    def box(r, c, text):
        return OcrBox(text, (xs[c] + 30, ys[r] + 10, xs[c] + 70, ys[r] + 40), 0.99)

    # row 0: no label, numbers in columns 2 and 4 only; row 1: a label, numbers in 3 and 4
    members = {(0, 2): [box(0, 2, "7")], (0, 4): [box(0, 4, "7")],
               (1, 0): [box(1, 0, "合计")], (1, 3): [box(1, 3, "7")], (1, 4): [box(1, 4, "7")]}

    class Reader:
        name = "scripted"

        def recognize_crops(self, crops):
            return [("7", 0.99)] * len(crops)

    lines = [line for _, line in _table_lines(grid, members, img, Reader(), 1)]
    texts = [[b.text for b in line.boxes] for line in lines]
    assert texts[0] == ["", "7", "7", "7", "7"]  # no label: every inked empty cell was looked at
    assert texts[1][0] == "合计" and texts[1][3:] == ["7", "7"]
    assert texts[1][1:3] == ["", ""]  # label space left of the first number stays empty
    assert [b.score for b in lines[0].boxes if b.bbox[0] in (150.0, 350.0)] == [0.8, 0.8]  # second look only


def test_slash_ink_tells_a_printed_slash_from_a_one_and_a_seven():
    from pipeline.ocr import _slash_ink

    def cell(draw):
        img = np.full((60, 200), 255, np.uint8)
        cv2.rectangle(img, (0, 0), (199, 59), 0, 2)
        draw(img)
        return img

    bbox = (0, 0, 200, 60)
    assert _slash_ink(cell(lambda im: cv2.line(im, (90, 48), (108, 12), 0, 2)), bbox)
    for digit in ("1", "7", "4", "11"):
        drawn = cell(lambda im, d=digit: cv2.putText(im, d, (88, 46), cv2.FONT_HERSHEY_COMPLEX, 1.1, 0, 2))
        assert not _slash_ink(drawn, bbox), digit
    assert not _slash_ink(cell(lambda im: None), bbox)


def test_same_number_ignores_separators_only():
    from pipeline.ocr import same_number

    assert same_number("12,345", "12345") and same_number("7", " 7")
    assert not same_number("1234", "1284") and not same_number("一", "一")


def test_ocr_value_without_rule_needs_an_agreeing_second_read():
    from pipeline.trust import rule_of_thumb

    base = {"reading": "as_printed", "label_score": 1.0, "ocr_score": 0.99, "repaired": 0.0, "blank_marker": 0.0,
            "empty_cell": 0.0, "unit_missing": 0.0, "sum_rules": 0.0, "sum_rules_failed": 0.0,
            "field_rule_failed": 0.0, "path": "ocr", "ocr_agree": 0.0,
            **{k: 0.0 for k in ("doubt_twice", "doubt_not_level", "doubt_several_labels", "doubt_scattered")}}
    assert rule_of_thumb(base) < 0.9
    assert rule_of_thumb({**base, "ocr_agree": -1.0}) < 0.9
    assert rule_of_thumb({**base, "ocr_agree": 1.0}) >= 0.9
    # a holding sum rule vouches for the value; a failing one never does
    assert rule_of_thumb({**base, "sum_rules": 2.0}) >= 0.9
    assert rule_of_thumb({**base, "sum_rules": 2.0, "sum_rules_failed": 1.0}) < 0.9
    assert rule_of_thumb({**base, "path": "text"}) >= 0.9


def test_a_rule_over_empty_cells_only_vouches_for_nothing():
    """0 = 0 + 0 holds whatever a faint row really prints: an empty OCR cell whose only
    holding rules have every cell empty is not ok without a look at the page."""
    from pipeline.trust import rule_of_thumb

    empty = {"reading": "as_printed", "label_score": 1.0, "ocr_score": 1.0, "repaired": 0.0, "blank_marker": 0.0,
             "empty_cell": 1.0, "unit_missing": 0.0, "sum_rules": 1.0, "sum_rules_failed": 0.0,
             "field_rule_failed": 0.0, "path": "ocr", "ocr_agree": 0.0, "sum_rules_empty": 0.0,
             **{k: 0.0 for k in ("doubt_twice", "doubt_not_level", "doubt_several_labels", "doubt_scattered")}}
    assert rule_of_thumb(empty) >= 0.9  # a rule with a printed number in it holds
    assert rule_of_thumb({**empty, "sum_rules_empty": 1.0}) < 0.9
    assert rule_of_thumb({**empty, "sum_rules_empty": 1.0, "ocr_agree": 1.0}) >= 0.9  # seen empty on the page


@pytest.mark.parametrize("step", ["skew", "blur", "jpeg", "speckle", "fax", "faded", "shaded_edges", "show_through"])
def test_every_scan_condition_changes_the_page(step):
    import random

    from pipeline.corpus import scans

    page = np.full((300, 240), 255, np.uint8)
    cv2.rectangle(page, (20, 40), (220, 260), 0, 2)
    cv2.putText(page, "1234", (40, 150), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 2)
    page = page.astype(np.float32)
    fn = scans.GREY_STEPS.get(step) or {"skew": scans.skew, "blur": scans.blur, "show_through": scans.show_through}[step]
    out = fn(page, random.Random(1), 200)
    assert out.shape == page.shape
    assert float(np.abs(out - page).mean()) > 0.5


def test_seal_lands_on_the_table_in_red():
    import random

    from pipeline.corpus import scans

    page = np.full((600, 500, 3), 255.0, np.float32)
    for y in range(150, 450, 30):
        cv2.line(page, (40, y), (460, y), (0, 0, 0), 2)
    out = scans.seal(page, random.Random(3), 150)
    red = (out[:, :, 0] > 150) & (out[:, :, 1] < 120)
    ys = np.nonzero(red)[0]
    assert red.sum() > 200 and 100 < np.median(ys) < 500


def test_held_out_conditions_and_fonts_are_declared():
    from pipeline.corpus import scans

    held = {n for n, c in scans.CONDITIONS.items() if c.held_out}
    assert "fax" in held and "combined" in held and "clean" not in held
    assert not set(scans.HELD_OUT_FONTS) & set(scans.TUNING_FONTS)


def test_two_reads_and_holding_rules_outweigh_a_low_recognition_score():
    from pipeline.trust import rule_of_thumb

    s = {"reading": "as_printed", "label_score": 1.0, "ocr_score": 0.79, "repaired": 0.0, "blank_marker": 0.0,
         "empty_cell": 0.0, "unit_missing": 0.0, "sum_rules": 2.0, "sum_rules_failed": 0.0,
         "field_rule_failed": 0.0, "path": "ocr", "ocr_agree": 1.0,
         **{k: 0.0 for k in ("doubt_twice", "doubt_not_level", "doubt_several_labels", "doubt_scattered")}}
    assert rule_of_thumb(s) >= 0.9
    assert rule_of_thumb({**s, "ocr_agree": 0.0}) < 0.9
    assert rule_of_thumb({**s, "sum_rules_failed": 1.0}) < 0.9


def test_middle_dot_enumerator_is_label_text_not_a_number():
    from pipeline.layout import _box_tokens
    from pipeline.model import Token

    base = Token("text", "", 1, (0, 0, 1, 1), 0, 2, 0.99)
    assert [(t.kind, t.text) for t in _box_tokens("1·属于国家秘密", base)] == [("text", "1.属于国家秘密")]


def _ocr_signals(**over):
    return {"reading": "as_printed", "label_score": 1.0, "ocr_score": 0.99, "repaired": 0.0, "blank_marker": 0.0,
            "empty_cell": 0.0, "unit_missing": 0.0, "sum_rules": 2.0, "sum_rules_failed": 0.0,
            "field_rule_failed": 0.0, "path": "ocr", "ocr_agree": 0.0, "sum_rules_empty": 0.0,
            "pinned_elsewhere": 0.0, **{k: 0.0 for k in ("doubt_twice", "doubt_not_level", "doubt_several_labels",
                                                          "doubt_scattered")}, **over}


def test_an_ocr_value_read_twice_alike_is_not_doubted_for_a_rule_that_other_values_break():
    """A failing sum rule that the rules explain by other values (validate.pinned_values) says
    nothing against an OCR value read twice in agreement (measured on the tuning scans:
    models/confidence_calibrator.md); read once, pinned itself, or not OCR, it still does."""
    from pipeline.trust import flagged_by, rule_of_thumb

    s = _ocr_signals(sum_rules_failed=1.0, pinned_elsewhere=1.0, ocr_agree=1.0)
    assert rule_of_thumb(s) >= 0.9 and flagged_by(s) == ""
    assert rule_of_thumb({**s, "ocr_agree": 0.0}) < 0.9
    assert rule_of_thumb({**s, "pinned_elsewhere": -1.0}) < 0.9
    assert rule_of_thumb({**s, "field_rule_failed": 1.0}) < 0.9
    assert rule_of_thumb({**s, "path": "text"}) < 0.9 and flagged_by({**s, "path": "text"}) == "rule fails"


def test_an_ocr_cell_the_rules_give_is_sure_only_when_a_second_rule_checks_it():
    from pipeline.trust import flagged_by, rule_of_thumb

    lost = _ocr_signals(reading="lost_cell", ocr_score=1.0)
    assert rule_of_thumb(lost) >= 0.9  # one rule gives the value, the other holds with it
    assert rule_of_thumb({**lost, "sum_rules": 1.0}) < 0.9  # one rule holds by construction
    assert flagged_by({**lost, "sum_rules": 1.0}) == "reading lost_cell"
    assert rule_of_thumb({**lost, "sum_rules_empty": 1.0}) < 0.9  # 0 = 0 + 0 checks nothing
    assert rule_of_thumb({**lost, "sum_rules_failed": 1.0}) < 0.9
    assert rule_of_thumb({**lost, "reading": "placed"}) >= 0.9
    assert rule_of_thumb({**lost, "reading": "split_run"}) < 0.9
    assert rule_of_thumb({**lost, "path": "text"}) < 0.9  # text paths: the calibrator measured them


def test_a_sum_rule_of_dashes_and_empty_cells_vouches_for_no_ocr_value():
    """OCR reads a speckled 0 as a dash and a lone 1 as nothing: 1 = 0 + 1 read as "" = — + ""
    holds, so such a rule checks nothing; one printed digit in it and it does again."""
    from pipeline.model import Check
    from pipeline.trust import add_empty_rules, rule_of_thumb

    def signals(**cells):
        out = {f: _ocr_signals(sum_rules=1.0, **kind) for f, kind in cells.items()}
        covering = {f: [Check("appeals.sum[review]", list(cells), 0, 0, True)] for f in cells}
        add_empty_rules(out, covering)
        return out

    read = signals(total={"empty_cell": 1.0}, upheld={"blank_marker": 1.0}, other={"empty_cell": 1.0})
    assert read["other"]["sum_rules_empty"] == 0 and read["other"]["sum_rules_blank"] == 1
    assert rule_of_thumb(read["other"]) < 0.9
    assert rule_of_thumb({**read["other"], "ocr_agree": 1.0}) >= 0.9  # seen empty on the page
    printed = signals(total={}, upheld={"blank_marker": 1.0}, other={"empty_cell": 1.0})
    assert printed["other"]["sum_rules_blank"] == 0 and rule_of_thumb(printed["other"]) >= 0.9
    text = {f: _ocr_signals(sum_rules=1.0, path="text", empty_cell=1.0) for f in ("total", "other")}
    add_empty_rules(text, {f: [Check("appeals.sum[review]", list(text), 0, 0, True)] for f in text})
    assert "sum_rules_blank" not in text["other"]  # the text calibrator's signals stay as it measured them


# --- fixes from the cause breakdown of fresh official scans (seed 31201) ----------------------

def test_a_value_flush_left_in_a_cell_spanning_two_columns_is_no_blank():
    """Section 二's fees row prints its change in one cell under a two-column header: a thin
    "1" printed flush left lies outside a cut of a tenth of that wide cell, and the cell was
    proven blank (its value confirmed as 0)."""
    from pipeline.ocr import blank_cell

    img = np.full((40, 440), 255, np.uint8)
    cv2.rectangle(img, (0, 0), (439, 39), 0, 2)
    assert blank_cell(img, (0, 0, 440, 40))
    cv2.line(img, (14, 10), (14, 30), 0, 2)  # the "1", flush left
    assert not blank_cell(img, (0, 0, 440, 40))


def test_a_blurred_number_touching_the_rulings_halo_is_still_re_read():
    """On a blurred page a one-line row's number merges with the rulings' grey halo, and the
    tight crop drops the blob as a ruling remnant: the cell was never re-read and its "+3"
    became an empty cell (0).  The re-read now takes the marks' span at the cell's height."""
    from pipeline.ocr import _ink_crop, _reread_crop, _table_lines
    from pipeline.ocr.engines import OcrBox

    # two rows whose numbers make column 2 a number column, then the fees row
    xs, ys = [0, 200, 320, 720], [0, 28, 56, 84]
    img = np.full((84, 720), 255, np.uint8)
    for y in ys:
        cv2.line(img, (0, y), (719, y), 0, 2)
    for x in xs:
        cv2.line(img, (x, 0), (x, 83), 0, 2)
    for r, (left, right) in enumerate((("5", "7"), ("6", "9"), ("4", "+3"))):
        cv2.putText(img, left, (250, 28 * r + 22), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 60, 2)
        cv2.putText(img, right, (505, 28 * r + 22), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 60, 2)
    img = cv2.GaussianBlur(img, (0, 0), 2.5)
    wide = (320, 56, 720, 84)
    assert _ink_crop(img, wide) is None  # what the re-read used to get: nothing
    crop = _reread_crop(img, wide)
    assert crop is not None and crop.shape[1] < 100  # the marks' span, not the whole cell
    assert _reread_crop(np.full((28, 400), 255, np.uint8), (0, 0, 400, 28)) is None

    grid = _full_grid(xs, ys)

    def box(r, c, text):
        return [OcrBox(text, (xs[c] + 10, 28 * r + 4, xs[c + 1] - 10, 28 * r + 24), 0.99)]

    members = {(0, 0): box(0, 0, "规章"), (0, 1): box(0, 1, "5"), (0, 2): box(0, 2, "7"),
               (1, 0): box(1, 0, "规范性文件"), (1, 1): box(1, 1, "6"), (1, 2): box(1, 2, "9"),
               (2, 0): box(2, 0, "行政事业性收费"), (2, 1): box(2, 1, "4")}

    class Reader:
        name = "scripted"

        def recognize_crops(self, crops):
            return [("+3", 0.81)] * len(crops)

    line = [line for _, line in _table_lines(grid, members, img, Reader(), 1)][2]
    assert [b.text for b in line.boxes] == ["行政事业性收费", "4", "+3"]
    assert line.boxes[2].score == 0.8  # found by the second look only: never ok on its own


def test_slash_ink_finds_a_slash_among_speckle_near_a_ruling_and_in_a_tall_cell():
    """Zeros printed as "/" were read as "1" (twice, so in agreement): speckle made the stroke
    one of several blobs, a slash printed close to the left ruling touched the crop's edge
    (taken for a ruling remnant), and in a two-line-high cell the slash is less than half the
    cell's height.  Digits stay digits."""
    from pipeline.ocr import _slash_ink

    def cell(height, draw, specks=False):
        img = np.full((height, 200), 255, np.uint8)
        cv2.rectangle(img, (0, 0), (199, height - 1), 0, 2)
        draw(img)
        if specks:
            for x, y in ((40, 12), (70, 25), (120, 18), (160, 30), (100, 8)):
                img[y:y + 2, x:x + 2] = 0
        return img, (0, 0, 200, height)

    near_ruling = cell(40, lambda im: cv2.line(im, (6, 32), (13, 9), 0, 2), specks=True)
    tall = cell(90, lambda im: cv2.line(im, (95, 56), (104, 34), 0, 2))
    assert _slash_ink(*near_ruling)
    assert _slash_ink(*tall)
    for digit in ("1", "7", "4"):
        for height in (40, 90):
            drawn = cell(height, lambda im, d=digit, h=height: cv2.putText(
                im, d, (10, h // 2 + 10), cv2.FONT_HERSHEY_COMPLEX, 0.8, 0, 2), specks=True)
            assert not _slash_ink(*drawn), (digit, height)


def test_a_slash_in_a_three_line_row_is_measured_against_the_tables_glyphs():
    """A row whose label wraps to three lines (5.要求行政机关确认或重新出具已获取信息) prints its
    zeros as "/" under 0.15 of the cell's height: read "1" in all seven cells (JPEG 30 at 200
    dpi, make_scans --official 1 --seed 990805), the row's sums failed and 157 right values
    were flagged.  Measured against the height of the table's number boxes, the stroke is a
    slash; digits of that height stay digits."""
    from pipeline.ocr import _slash_ink

    img, bbox = _cell_crop("slash_in_three_line_row_jpeg30_200dpi.png")
    glyph = 44.0  # the detector's boxes of that table's numbers
    assert not _slash_ink(img, bbox)
    assert _slash_ink(img, bbox, glyph=glyph)
    h, w = img.shape

    def drawn(text):
        page = np.full_like(img, 255)
        cv2.putText(page, text, (w // 2 - 8, h // 2 + 12), cv2.FONT_HERSHEY_COMPLEX, 1.1, 0, 2)
        return page

    assert _slash_ink(drawn("/"), bbox, glyph=glyph)
    for digit in ("1", "7", "4"):
        assert not _slash_ink(drawn(digit), bbox, glyph=glyph), digit


_ROW_XS = [0, 200, 300, 400, 500]  # a label cell and three value cells, 60 px high


def _ruled_row() -> np.ndarray:
    img = np.full((60, _ROW_XS[-1]), 255, np.uint8)
    for x in _ROW_XS:
        img[:, max(0, x - 1):x + 1] = 0
    return img


def _read_row(img: np.ndarray, texts: list[str]):
    """The table line `_table_lines` makes of one ruled row whose cells the detector read as `texts`."""
    from pipeline.ocr import _table_lines
    from pipeline.ocr.engines import OcrBox

    xs = _ROW_XS
    members = {(0, c): [OcrBox(t, (xs[c] + 10, 8, xs[c + 1] - 10, 52), 0.99)] for c, t in enumerate(texts)}
    (_, line), = _table_lines(_full_grid(xs, [0, 60]), members, img, _BlankReader(), 1)
    return line


def test_a_slash_read_seven_is_a_blank_left_for_the_sum_rules_to_vouch_for():
    """Skew, speckle and JPEG read the slashes of section 三 as "7" (135 of 198 fields flagged on
    one scan).  A "7" whose ink is one rising stroke is a slash; since a 7 whose bar faded off
    passes the shape test too, that blank is not vouched for by the read (agree None), where a
    slash read "1" or "/" is."""
    img = _ruled_row()
    for x in _ROW_XS[1:3]:  # a slash in the two value cells
        cv2.line(img, (x + 44, 44), (x + 56, 16), 0, 2)
    line = _read_row(img, ["1.属于国家秘密", "7", "1", "3"])
    assert [b.text for b in line.boxes] == ["1.属于国家秘密", "/", "/", "3"]
    assert [b.agree for b in line.boxes[1:3]] == [None, True]


def test_a_faded_slash_broken_into_pieces_is_one_slash():
    """Faded toner prints a thin slash as two or three dashes a pixel or two apart: none was tall
    enough to be the stroke, so the slashes of section 三 read "1" (or "!", the pieces) stayed 1
    (63 of 198 fields wrong on one scan).  Ink pieces that close are one mark; a "1" broken alike
    stays a digit."""
    img = _ruled_row()
    for x in _ROW_XS[1:3]:
        cv2.line(img, (x + 44, 44), (x + 56, 16), 0, 2)
    cv2.line(img, (_ROW_XS[3] + 50, 44), (_ROW_XS[3] + 50, 16), 0, 2)  # a "1"
    img[[25, 26, 35, 36], _ROW_XS[1]:_ROW_XS[4] - 2] = 255  # the toner's gaps, 2 px each
    line = _read_row(img, ["1.属于国家秘密", "1", "!", "1"])
    assert [b.text for b in line.boxes] == ["1.属于国家秘密", "/", "/", "1"]


def test_ink_left_of_a_row_label_is_no_blank_mark():
    """A skewed scan's merged label column (三、本年度办理结果 printed down twenty rows) left
    pieces of a character in the empty cell left of (六)其他处理: joined, they made a rising
    stroke, read as a printed "/" and counted as a value before the label (more numbers than
    cells: 7 fields flagged).  An empty cell in a row's label space stays empty."""
    img = _ruled_row()
    cv2.line(img, (44, 44), (56, 16), 0, 2)
    line = _read_row(img, ["", "(六)其他处理", "0", "0"])
    assert [b.text for b in line.boxes] == ["", "(六)其他处理", "0", "0"]


def test_a_dash_blur_read_as_a_digit_is_a_blank_left_for_the_sum_rules_to_vouch_for():
    """Blur and JPEG at 150-200 dpi read section 三's printed dashes as "8", "4", "a" or "。":
    its rows broke their sums, and 137 of 198 fields were flagged on one scan (27 wrong).  One
    character other than 0 whose ink is one flat mark is a dash; since faded toner can leave a
    digit as a flat piece, that blank is not vouched for by the read.  A digit stays a digit."""
    img = _ruled_row()
    for x in _ROW_XS[1:3]:  # a blurred dash in the first two value cells
        img[29:32, x + 40:x + 60] = 60
    cv2.putText(img, "8", (_ROW_XS[3] + 40, 42), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 2)
    line = _read_row(img, ["2、重复申请", "8", "一", "8"])
    assert [b.text for b in line.boxes] == ["2、重复申请", "—", "—", "8"]
    assert [b.agree for b in line.boxes[1:3]] == [None, True]


def test_a_dash_in_a_header_row_over_the_values_is_no_value():
    """Section 四's header row (结果维持 结果纠正 … 复议后起诉 —) read a dash at its end, after
    all its words: it joined the values below as their first cell and shifted them one cell
    (0 0 1 _ 1 read 0 0 0 1 1, its sum holding, ok).  A row without numbers whose words stand
    in the columns of numbers is a header: its dashes are no values.  A row's label with
    dashes for its values keeps them."""
    from pipeline.ocr import _table_lines

    xs, ys = [0, 100, 200, 300, 400], [0, 40, 80, 120]
    img = np.full((120, 400), 255, np.uint8)
    grid = _full_grid(xs, ys)
    box = partial(_cell_box, xs, ys)
    appeals = {(0, 0): box(0, 0, "结果维持"), (0, 1): box(0, 1, "结果纠正"), (0, 2): box(0, 2, "复议后起诉"),
               (0, 3): box(0, 3, "—"),
               (1, 0): box(1, 0, "0"), (1, 1): box(1, 1, "1"), (1, 2): box(1, 2, "0"), (1, 3): box(1, 3, "1")}
    lines = [line for _, line in _table_lines(grid, appeals, img, _BlankReader(), 1)]
    assert [b.text for b in lines[0].boxes] == ["结果维持", "结果纠正", "复议后起诉", ""]
    requests = {(0, 0): box(0, 0, "(五)不予处理"), (0, 1): box(0, 1, "1"), (0, 2): box(0, 2, "0"),
                (0, 3): box(0, 3, "1"),
                (1, 0): box(1, 0, "(六)其他处理"), (1, 1): box(1, 1, "—"), (1, 2): box(1, 2, "—"),
                (1, 3): box(1, 3, "—"),
                (2, 0): box(2, 0, "(七)总计"), (2, 1): box(2, 1, "1"), (2, 2): box(2, 2, "0"), (2, 3): box(2, 3, "1")}
    lines = [line for _, line in _table_lines(grid, requests, img, _BlankReader(), 1)]
    assert [b.text for b in lines[1].boxes] == ["(六)其他处理", "—", "—", "—"]


def test_a_unit_cut_off_into_the_next_grid_column_joins_its_number():
    """An amount printed across two grid columns ("98.18 万元" under 采购总金额's two-column
    header) was read as 98.18 in the column's default unit (yuan): 1/10,000 of the printed
    value, marked ok.  The unit left in the next cell joins the number left of it."""
    from pipeline.ocr import _table_lines
    from pipeline.ocr.engines import OcrBox

    xs, ys = [0, 200, 300, 400, 500], [0, 40]
    img = np.full((40, 500), 255, np.uint8)
    grid = _full_grid(xs, ys)

    def box(c, text):
        return [OcrBox(text, (xs[c] + 10, 8, xs[c + 1] - 10, 32), 0.99)]

    Reader = _BlankReader

    members = {(0, 0): box(0, "政府集中采购"), (0, 1): box(1, "2"), (0, 2): box(2, "98.18"), (0, 3): box(3, "万元")}
    (_, line), = _table_lines(grid, members, img, Reader(), 1)
    assert [b.text for b in line.boxes] == ["政府集中采购", "2", "98.18万元", ""]
    # a unit after a number that prints its own unit, or after a label, stays where it is
    members = {(0, 0): box(0, "采购"), (0, 1): box(1, "万元"), (0, 2): box(2, "5万元"), (0, 3): box(3, "元")}
    (_, line), = _table_lines(grid, members, img, Reader(), 1)
    assert [b.text for b in line.boxes] == ["采购", "万元", "5万元", "元"]


def test_a_table_that_prints_no_number_keeps_its_rows_of_empty_cells():
    """Section 四 printed with every cell left blank for 0: the scan's value row holds no text at
    all, and dropping it lost the whole section.  Below the header of a table printing no number,
    a row of empty cells is kept (read as blanks, like the text path's empty cells); a table
    with numbers still drops its empty rows."""
    from pipeline.ocr import _table_lines

    xs, ys = [0, 100, 200, 300], [0, 40, 80, 120]
    img = np.full((120, 300), 255, np.uint8)
    grid = _full_grid(xs, ys)

    box = partial(_cell_box, xs, ys)

    Reader = _BlankReader

    header = {(0, 0): box(0, 0, "结果维持"), (0, 1): box(0, 1, "结果纠正"), (0, 2): box(0, 2, "总计")}
    lines = [line for _, line in _table_lines(grid, header, img, Reader(), 1)]
    assert [[b.text for b in line.boxes] for line in lines] == [["结果维持", "结果纠正", "总计"], ["", "", ""], ["", "", ""]]
    printed = {**header, (1, 0): box(1, 0, "1"), (1, 1): box(1, 1, "2"), (1, 2): box(1, 2, "3")}
    assert len(_table_lines(grid, printed, img, Reader(), 1)) == 2


def test_digits_misread_inside_header_words_over_the_values_are_no_numbers():
    """Blur read section 四's header 尚未审结 as "尚米618" and 其他结果…总计 with "818" inside: as
    numbers they joined the table's one row of values (more numbers than cells: all 15 fields
    flagged, though the row read right).  In a header row, words over the values keep no digits;
    a row of values keeps its numbers."""
    from pipeline.ocr import _table_lines

    xs, ys = [0, 100, 200, 300, 400], [0, 40, 80]
    img = np.full((80, 400), 255, np.uint8)
    box = partial(_cell_box, xs, ys)
    members = {(0, 0): box(0, 0, "结果维持"), (0, 1): box(0, 1, "结果纠正"), (0, 2): box(0, 2, "尚米618"),
               (0, 3): box(0, 3, "总计"),
               (1, 0): box(1, 0, "1"), (1, 1): box(1, 1, "0"), (1, 2): box(1, 2, "0"), (1, 3): box(1, 3, "1")}
    header, values = [line for _, line in _table_lines(_full_grid(xs, ys), members, img, _BlankReader(), 1)]
    assert [b.text for b in header.boxes] == ["结果维持", "结果纠正", "尚米", "总计"]
    assert [b.text for b in values.boxes] == ["1", "0", "0", "1"]
    # a header cell the grid merged with the row under it keeps that row's numbers
    members[(0, 2)] = box(0, 2, "自然人商业企业总计24 0 0 24")
    header, _ = [line for _, line in _table_lines(_full_grid(xs, ys), members, img, _BlankReader(), 1)]
    assert header.boxes[2].text == "自然人商业企业总计24 0 0 24"


def test_a_dash_among_header_words_is_no_evidence_of_a_blank_value():
    """Under blur (or a reverse side's rulings) the appeals table's header row was taken for
    its values: its dashes, shaped like printed dashes, counted as a second look, and printed
    counts read 0, ok.  A row printing words right of its first number or dash is no row of
    values; a dash there is no blank mark (it stays the word the recognizer read).  A row of
    values keeps it."""
    from pipeline.ocr import _table_lines, words_among_values

    assert words_among_values(["", "", "—", "执地", "—", "总计"])
    assert words_among_values(["", "", "", "执地", "", "总计"])  # the dashes read as nothing yet
    assert not words_among_values(["三、本年度办理结果", "（三）不予公开", "1.属于国家秘密", "1", "—"])
    assert not words_among_values(["", "一、本年新收政府信息公开申请数量", "", "93"])
    assert not words_among_values(["（六）其他处理", "5", "一", "—"])

    xs, ys = [0, 150, 250, 350, 450], [0, 40, 80]
    img = np.full((80, 450), 255, np.uint8)
    for r in range(2):
        cv2.line(img, (xs[1] + 30, ys[r] + 20), (xs[1] + 70, ys[r] + 20), 0, 2)  # a printed dash
    grid = _full_grid(xs, ys)

    box = partial(_cell_box, xs, ys)

    Reader = _BlankReader

    members = {(0, 0): box(0, 0, "合计"), (0, 1): box(0, 1, "一"), (0, 2): box(0, 2, "7"), (0, 3): box(0, 3, "7"),
               (1, 0): box(1, 0, "维持"), (1, 1): box(1, 1, "一"), (1, 2): box(1, 2, "执地"), (1, 3): box(1, 3, "总计")}
    values, header = [line for _, line in _table_lines(grid, members, img, Reader(), 1)]
    assert values.boxes[1].text == "—" and values.boxes[1].agree is True
    assert header.boxes[1].text == "一" and header.boxes[1].agree is None


def test_an_unread_cell_of_a_header_row_is_no_printed_dash():
    """A skewed page's 尚未审结, stacked in section 四's narrow column, went unread, and a flat
    stroke of it made the cell a printed dash: the header row then looked like values and the row of
    counts under it lost two fields.  In a row of words that prints no number an unread cell stays
    empty; in a row of values the same ink is a dash."""
    from pipeline.ocr import _table_lines

    xs, ys = [0, 150, 250, 350, 450], [0, 40, 80]
    img = np.full((80, 450), 255, np.uint8)
    for r in range(2):
        cv2.line(img, (xs[2] + 30, ys[r] + 20), (xs[2] + 70, ys[r] + 20), 0, 2)  # flat ink, nothing read
    grid = _full_grid(xs, ys)

    box = partial(_cell_box, xs, ys)

    Reader = _BlankReader

    members = {(0, 0): box(0, 0, "结果维持"), (0, 1): box(0, 1, "其他结果"), (0, 3): box(0, 3, "总计"),
               (1, 0): box(1, 0, "3"), (1, 1): box(1, 1, "2"), (1, 3): box(1, 3, "5")}
    header, values = [line for _, line in _table_lines(grid, members, img, Reader(), 1)]
    assert header.boxes[2].text == ""
    assert values.boxes[2].text == "—"


def test_a_garbled_header_row_above_a_header_row_makes_no_blank_marks():
    """Blur read section 四's 结果维持 … 总计 row as single characters ("地 — 单 泰达 总计"): no
    two-character word stands apart, so the word tests passed it as values, and its dash-like
    piece (the grid row of counts under the headers read nothing) gave 行政复议 结果维持 0 where
    1 was printed, ok (the row of counts read nothing, so no column showed the words to sit over
    numbers).  A row above a header row that prints no number is a header too when characters
    stand apart in it; a row of dashes above a header row keeps them."""
    from pipeline.ocr import _table_lines

    xs, ys = [0, 150, 250, 350, 450, 550], [0, 40, 80, 120, 160]
    img = np.full((160, 550), 255, np.uint8)
    for r, c in ((0, 1), (0, 2), (0, 3), (0, 4), (1, 1)):
        cv2.line(img, (xs[c] + 30, ys[r] + 20), (xs[c] + 70, ys[r] + 20), 0, 2)  # flat ink
    grid = _full_grid(xs, ys)
    box = partial(_cell_box, xs, ys)
    members = {(0, 0): box(0, 0, "（六）其他处理"),  # a row of dashes: no characters apart
               (1, 0): box(1, 0, "地"), (1, 2): box(1, 2, "单"), (1, 3): box(1, 3, "泰达"), (1, 4): box(1, 4, "总计"),
               (2, 0): box(2, 0, "行政复议"), (2, 2): box(2, 2, "结果纠正"), (2, 4): box(2, 4, "总计"),
               (3, 0): box(3, 0, "合计")}  # its counts unread: no column of the table shows a number
    dashes, garbled, header, values = [line for _, line in _table_lines(grid, members, img, _BlankReader(), 1)]
    assert [b.text for b in dashes.boxes[1:]] == ["—"] * 4
    assert [b.text for b in garbled.boxes] == ["地", "", "单", "泰达", "总计"]


def test_a_slash_shaped_speck_in_a_header_row_is_no_value():
    """Speckle at 300 dpi left a rising stroke in an empty cell of section 四's header row
    (行政复议 | _ | 行政诉讼, the grid split by a ruling below): it became a printed "/", joined the
    values under it as their first cell and shifted them one cell, the review row's sum still
    holding: 4 values wrong, ok.  An empty cell of a header row stays empty whatever its ink."""
    from pipeline.ocr import _table_lines

    xs, ys = [0, 150, 250, 350, 450], [0, 40, 80]
    img = np.full((80, 450), 255, np.uint8)
    for r in range(2):
        cv2.line(img, (xs[1] + 44, ys[r] + 32), (xs[1] + 56, ys[r] + 8), 0, 2)  # a slash's ink, nothing read
    grid = _full_grid(xs, ys)
    box = partial(_cell_box, xs, ys)
    members = {(0, 0): box(0, 0, "行政复议"), (0, 2): box(0, 2, "行政诉讼"),
               (1, 0): box(1, 0, "1"), (1, 2): box(1, 2, "0"), (1, 3): box(1, 3, "1")}
    header, values = [line for _, line in _table_lines(grid, members, img, _BlankReader(), 1)]
    assert header.boxes[1].text == ""
    assert values.boxes[1].text == "/"


def test_slash_ink_finds_a_blurred_slash_and_one_in_a_three_line_cell():
    """Zeros printed as "/" were read as "1", twice alike, ok: under blur the rulings' grey
    halo took Otsu's threshold (every blob a ruling remnant) or fattened the stroke past the
    off-diagonal limit, and in a three-line row the one-line slash is under a quarter of the
    cell's height.  Blurred or tall, digits stay digits."""
    from pipeline.ocr import _slash_ink

    def cell(height, draw, sigma=0.0):
        img = np.full((height, 210), 235, np.uint8)
        cv2.rectangle(img, (0, 0), (209, height - 1), 60, 3)
        draw(img)
        return (cv2.GaussianBlur(img, (0, 0), sigma) if sigma else img), (0, 0, 210, height)

    mid = 17
    blurred = cell(34, lambda im: cv2.line(im, (99, mid + 10), (111, mid - 10), 150, 3), sigma=2.5)
    tall = cell(135, lambda im: cv2.line(im, (99, 79), (110, 56), 0, 2))
    assert _slash_ink(*blurred)
    assert _slash_ink(*tall)
    for digit in ("1", "7", "4"):
        for height, sigma in ((34, 2.5), (135, 0.0)):
            drawn = cell(height, lambda im, d=digit, h=height: cv2.putText(
                im, d, (96, h // 2 + 10), cv2.FONT_HERSHEY_COMPLEX, 0.8, 0, 2), sigma=sigma)
            assert not _slash_ink(*drawn), (digit, height, sigma)


def test_blank_cell_sees_a_value_lying_across_the_cells_side():
    """A value centred in a cell spanning two grid columns sits on the boundary the other rows'
    ruling gives the grid: each half looked empty and a printed 4 was proven blank (0, ok).  A
    real ruling there, sharp or blurred, is no value."""
    from pipeline.ocr import blank_cell

    def row(draw, sigma=0.0):
        img = np.full((32, 420), 255, np.uint8)
        cv2.rectangle(img, (0, 0), (419, 31), 0, 2)
        draw(img)
        return cv2.GaussianBlur(img, (0, 0), sigma) if sigma else img

    left, right = (0, 0, 210, 32), (210, 0, 420, 32)
    four = row(lambda im: cv2.putText(im, "4", (203, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 0, 2))
    assert not blank_cell(four, left) and not blank_cell(four, right)
    for sigma in (0.0, 2.5):
        ruled = row(lambda im: cv2.line(im, (210, 0), (210, 31), 0, 2), sigma)
        assert blank_cell(ruled, left) and blank_cell(ruled, right), sigma


# --- low toner and lost label rulings (issue 12) ---------------------------------------------

def _faded(img: np.ndarray, level: float = 200.0) -> np.ndarray:
    """Low toner as the generated scans print it: full ink turns `level` grey."""
    return (level + img.astype(np.float32) / 255.0 * (255 - level)).astype(np.uint8)


def test_a_faint_printed_dash_is_a_dash_and_a_faint_digit_is_none():
    """Low toner leaves a printed dash ~25 grey levels under the paper once smoothed: at the
    fixed contrast of 30 the cell showed no mark, read empty, and rows of printed zeros were
    rows "not found".  The dash test takes the cell's own contrast (6 noise sigmas, 15-30);
    a faint "1" there shows its height and stays a digit."""
    from pipeline.ocr import _flat_ink

    def cell(draw):
        img = np.full((46, 100), 255, np.uint8)
        cv2.rectangle(img, (0, 0), (99, 45), 0, 2)
        draw(img)
        return _faded(cv2.GaussianBlur(img, (0, 0), 0.7)), (0, 0, 100, 46)

    dash = cell(lambda im: cv2.line(im, (38, 23), (62, 23), 0, 1))  # ~21 grey levels once smoothed
    assert _flat_ink(*dash) is True
    one = cell(lambda im: cv2.putText(im, "1", (42, 32), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 1))
    assert _flat_ink(*one) is False
    # a clean empty cell shows nothing, nor does scanner noise at the page's own contrast
    empty = cell(lambda im: None)
    assert _flat_ink(*empty) is None
    noisy = np.clip(empty[0].astype(np.float32) + np.random.default_rng(3).normal(0, 10, empty[0].shape), 0, 255)
    assert _flat_ink(noisy.astype(np.uint8), empty[1]) is None


def _label_grid(xs, ys, lost_row_ruling_in_col0: bool):
    """A drawn table: label column 0, value columns 1-2; optionally without the ruling between
    rows 1 and 2 in the label column (lost under blur)."""
    img = np.full((ys[-1] + 20, xs[-1] + 20), 255, np.uint8)
    for k, y in enumerate(ys):
        x0 = xs[1] if lost_row_ruling_in_col0 and k == 2 else xs[0]
        cv2.line(img, (x0, y), (xs[-1], y), 0, 2)
    for x in xs:
        cv2.line(img, (x, ys[0]), (x, ys[-1]), 0, 2)
    return img


def test_two_leaf_labels_merged_by_a_lost_ruling_are_cut_along_the_value_rows():
    """Under blur the ruling between two leaf labels ("3.补正后申请内容仍不明确" and
    "1.信访举报投诉类申请") was lost in the label column only: one label cell spanned both value
    rows, the second label went with the first row, the second row had no label, and its
    values were taken for another row's (its own sum rule held: a wrong value, ok).  The cell
    is cut along the rows the value columns show, each text line to its own row."""
    from pipeline.ocr import _table_lines
    from pipeline.ocr.engines import OcrBox
    from pipeline.ocr.preprocess import ink_mask

    xs, ys = [20, 320, 420, 520], [20, 70, 120, 170]
    img = _label_grid(xs, ys, lost_row_ruling_in_col0=True)
    (grid,) = geometry.find_grids(ink_mask(img))
    assert any(c.c0 == 0 and c.r1 - c.r0 == 2 for c in grid.cells)  # the lost ruling merged them

    def box(r, c, text, dy=0):
        y = grid.ys[r] + 12 + dy
        return OcrBox(text, (grid.xs[c] + 10, y, grid.xs[c + 1] - 10, y + 22), 0.99)

    members = {(0, 0): [box(0, 0, "2.重复申请")], (0, 1): [box(0, 1, "1")], (0, 2): [box(0, 2, "1")],
               (1, 0): [box(1, 0, "3.补正后申请"), box(2, 0, "1.信访举报投诉类申请")],
               (1, 1): [box(1, 1, "0")], (1, 2): [box(1, 2, "0")],
               (2, 1): [box(2, 1, "2")], (2, 2): [box(2, 2, "2")]}

    Reader = _BlankReader

    rows = [[b.text for b in line.boxes] for _, line in _table_lines(grid, members, img, Reader(), 1)]
    assert rows == [["2.重复申请", "1", "1"], ["3.补正后申请", "0", "0"], ["1.信访举报投诉类申请", "2", "2"]]
    # a heading spanning rows whose own labels lie between it and the values is no leaf label
    xs3 = [20, 170, 320, 420, 520]
    img3 = _label_grid(xs3, ys, lost_row_ruling_in_col0=True)
    (grid3,) = geometry.find_grids(ink_mask(img3))
    heading = next(c for c in grid3.cells if c.c0 == 0 and c.r1 - c.r0 == 2)
    members3 = {(1, 0): [OcrBox("(五)不予处理", (30, grid3.ys[1] + 12, 160, grid3.ys[1] + 34), 0.99),
                         OcrBox("续", (30, grid3.ys[2] + 12, 160, grid3.ys[2] + 34), 0.99)],
                (1, 1): [OcrBox("1.信访", (180, grid3.ys[1] + 12, 310, grid3.ys[1] + 34), 0.99)],
                (2, 1): [OcrBox("2.重复", (180, grid3.ys[2] + 12, 310, grid3.ys[2] + 34), 0.99)],
                (1, 2): [OcrBox("0", (330, grid3.ys[1] + 12, 410, grid3.ys[1] + 34), 0.99)],
                (2, 2): [OcrBox("2", (330, grid3.ys[2] + 12, 410, grid3.ys[2] + 34), 0.99)]}
    assert heading.r0 == 1
    rows3 = [[b.text for b in line.boxes] for _, line in _table_lines(grid3, members3, img3, Reader(), 1)]
    assert rows3 == [["(五)不予处理续", "1.信访", "0", ""], ["2.重复", "2", ""]]  # row 0 printed nothing


def test_a_value_row_with_no_label_read_has_its_label_read_from_the_cell():
    """Low toner: the page-level detector saw the row's values but not its label, and a row
    without a label was never placed (all its values "not found").  The empty label cells of
    a row of values are read from their ink; a read that is no word is left out, and a row
    with its label keeps it untouched."""
    from pipeline.ocr import _table_lines

    xs, ys = [0, 300, 400, 500], [0, 40, 80]
    img = np.full((80, 500), 255, np.uint8)
    cv2.putText(img, "label", (20, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 150, 2)  # faint ink in row 0's label cell
    cv2.putText(img, "label", (20, 68), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 150, 2)
    grid = _full_grid(xs, ys)

    box = partial(_cell_box, xs, ys)

    seen = []

    class Reader:
        name = "scripted"

        def recognize_crops(self, crops):
            seen.append(len(crops))
            return [("一、本年新收政府信息公开申请数量", 0.93)] * len(crops)

    members = {(0, 1): box(0, 1, "18"), (0, 2): box(0, 2, "19"),
               (1, 0): box(1, 0, "二、上年结转政府信息公开申请数量"), (1, 1): box(1, 1, "0"), (1, 2): box(1, 2, "0")}
    rows = [[b.text for b in line.boxes] for _, line in _table_lines(grid, members, img, Reader(), 1)]
    assert rows[0] == ["一、本年新收政府信息公开申请数量", "18", "19"]
    assert rows[1] == ["二、上年结转政府信息公开申请数量", "0", "0"]

    class Noise(Reader):
        def recognize_crops(self, crops):
            return [("1l", 0.95)] * len(crops)

    rows = [[b.text for b in line.boxes] for _, line in _table_lines(grid, members, img, Noise(), 1)]
    assert rows[0] == ["", "18", "19"]


def test_a_stray_dash_in_a_row_with_no_number_and_no_word_vouches_for_nothing():
    """Heavy blur cut a header's cells into slivers and read none of its words: two slivers
    held pieces of strokes shaped like dashes, and the row, taken for the appeals row, read
    printed counts as blank (0) with the dash's shape as their second look: wrong, ok.  A row
    with no number, no word and dashes in fewer than half its cells is no row of values; a
    labelled row is, and so is a row of blanks (section 四's value row prints no label)."""
    from pipeline.ocr import _table_lines
    from pipeline.ocr.engines import OcrBox

    xs, ys = [0, 150, 250, 350, 450, 550], [0, 40, 80, 120]
    img = np.full((120, 550), 255, np.uint8)
    for r, cols in ((0, (1, 2)), (1, (1, 2)), (2, (1, 2, 3, 4))):
        for c in cols:
            cv2.line(img, (xs[c] + 30, ys[r] + 20), (xs[c] + 70, ys[r] + 20), 0, 2)
    grid = _full_grid(xs, ys)

    Reader = _BlankReader

    members = {(1, 0): [OcrBox("行政复议", (10, 48, 140, 72), 0.99)]}
    lines = [line for _, line in _table_lines(grid, members, img, Reader(), 1)]
    assert [b.text for b in lines[0].boxes] == ["", "—", "—", "", ""]
    assert [b.agree for b in lines[0].boxes][1:3] == [None, None]
    assert [b.agree for b in lines[1].boxes][1:3] == [True, True]
    assert [b.agree for b in lines[2].boxes][1:] == [True, True, True, True]


def _broken_zero_cell() -> np.ndarray:
    """A ruled cell printing a faded "0" whose left side the toner lost: grey strokes of a "3"."""
    img = np.full((60, 200), 255, np.uint8)
    cv2.rectangle(img, (0, 0), (199, 59), 0, 2)
    cv2.ellipse(img, (100, 30), (10, 16), 0, -100, 100, 170, 3)
    return img


class _FillsInBrokenGlyphs:
    """A recognizer that reads any grey crop of the broken "0" as "3" and reads its binarized
    crop (black and white only) as something else, as rapidocr does on faded toner."""
    name = "scripted"

    def recognize_crops(self, crops):
        return [("à", 0.49) if set(np.unique(c)) <= {0, 255} else ("3", 0.86) for c in crops]


def test_a_doubtful_read_repeated_from_the_same_pixels_is_no_second_read():
    """Faded toner broke off the left side of a "0": read "3" at 0.86, re-read "3" from a tight
    crop of the same pixels, and counted as read twice in agreement (ok at 0.97 in a cell no
    sum rule covers).  A doubtful first read is agreed only when the binarized crop agrees too;
    otherwise the cell is marked for the proof-reader to ask the binarized crop again."""
    from pipeline.ocr import _table_lines
    from pipeline.ocr.engines import OcrBox

    img = _broken_zero_cell()
    grid = geometry.Grid([0.0, 200.0], [0.0, 60.0], geometry.merge_cells([0, 200], [0, 60], lambda i, j: True,
                                                                           lambda i, j: True))
    members = {(0, 0): [OcrBox("3", (85, 10, 115, 50), 0.86)]}
    (_, line), = _table_lines(grid, members, img, _FillsInBrokenGlyphs(), 1)
    box, = line.boxes
    assert box.text == "3" and box.agree is None and box.same_pixels  # the proof-reader asks again

    class Agrees(_FillsInBrokenGlyphs):
        def recognize_crops(self, crops):
            return [("3", 0.86)] * len(crops)

    (_, line), = _table_lines(grid, members, img, Agrees(), 1)
    assert line.boxes[0].agree is True  # the binarized crop reads it alike: two reads agree


def test_the_proof_reader_confirms_a_doubtful_read_only_with_the_binarized_crop(monkeypatch):
    """The proof-reader's enlarged crop of a broken glyph is the same pixels again: a value no
    sum rule covers, first read doubtful, is read twice in agreement only when the binarized
    crop gives the number too; a clearly read one, or one a holding sum rule vouches for, still
    needs only the enlarged crop."""
    from pipeline.model import Evidence, FieldValue, Line, Result, TextBox
    from pipeline.ocr import engines
    from pipeline.ocr.proofread import _Pages, confirm

    def check(score, reader, same_pixels=False, sum_rules=0.0):
        gray = _broken_zero_cell()
        cell = TextBox("3", (0, 0, 200, 60), score=score, same_pixels=same_pixels)
        doc = Document("scan.pdf", "", "pdf", pages=[Page(1, [Line([cell], 1, in_table=True)], path="ocr", image=gray)])
        fv = FieldValue(3, 0.85, "low_confidence", Evidence(page=1, bbox=cell.bbox),
                        signals=_ocr_signals(sum_rules=sum_rules, narrative=0.0, ocr_score=score))
        monkeypatch.setattr(engines, "get_engine", lambda name=None: reader)
        confirm(doc, _Pages(b"", doc), Result("scan.pdf", "", fields={"disclosure.licensing.decisions": fv}))
        return cell.agree

    class Agrees:
        def recognize_crops(self, crops):
            return [("3", 0.9)] * len(crops)

    assert check(0.86, _FillsInBrokenGlyphs()) is None
    assert check(0.86, Agrees()) is True
    assert check(0.97, _FillsInBrokenGlyphs()) is True
    # a read the OCR stage saw repeated only by the same pixels, whatever its score
    assert check(0.97, _FillsInBrokenGlyphs(), same_pixels=True) is None
    # a holding sum rule is the independent check: the second read only lifts the low score
    assert check(0.86, _FillsInBrokenGlyphs(), sum_rules=2.0) is True


DATA = Path(__file__).parent / "data"


def _cell_crop(name: str):
    """A cell cut from a generated official-layout scan with 30 px of page left of it and 10
    px above, right and below (the cell's bbox is the crop less that margin)."""
    img = cv2.imread(str(DATA / name), cv2.IMREAD_GRAYSCALE)
    return img, (30.0, 10.0, img.shape[1] - 10.0, img.shape[0] - 10.0)


def test_a_minus_greyed_into_the_left_rulings_halo_is_seen():
    """blur_jpeg at 150 dpi (make_scans --official, seed 777002, document 3): a 本年增/减 value
    printed "-2" flush left, its minus against the cell's left ruling, was read "2" by the page
    and by every crop (OCR score 0.998, ok at 0.998: no sum rule covers the signed column).
    A left-aligned "1" of the same page and a sharp "+1" against its ruling (show-through at
    300 dpi, the "+" dropped by OCR) hold no minus.  A skewed 150-dpi page, deskewed: the
    rotation's interpolation greys a row of halo above and below a short minus ("-1" read "1",
    ok at 1.0, make_scans --official 1 --seed 990805, skew)."""
    from pipeline.ocr import hidden_minus

    assert hidden_minus(*_cell_crop("minus_against_ruling_blur_jpeg_150dpi.png"))
    assert hidden_minus(*_cell_crop("minus_one_deskewed_skew_150dpi.png"))
    assert not hidden_minus(*_cell_crop("one_left_aligned_blur_jpeg_150dpi.png"))
    assert not hidden_minus(*_cell_crop("plus_one_against_ruling_300dpi.png"))


def test_a_value_read_without_the_minus_the_cell_shows_is_repaired_never_ok():
    """The OCR stage puts the lost sign back as a repair (score <= 0.6): the value goes to
    review, never its negation to ok."""
    from pipeline.ocr import REPAIRED_SCORE, _table_lines
    from pipeline.ocr.engines import OcrBox

    minus, _ = _cell_crop("minus_against_ruling_blur_jpeg_150dpi.png")
    one, _ = _cell_crop("one_left_aligned_blur_jpeg_150dpi.png")
    # three rows of a two-column table: label | value; each value cell from the scan, its top
    # ruling on the row's top edge
    rows = [minus[9:56, :290], one[9:56, :290], one[9:56, :290]]
    img = np.full((47 * 3, 200 + 290), 255, np.uint8)
    for r, cell in enumerate(rows):
        img[47 * r:47 * (r + 1), 200:] = cell
    xs, ys = [0, 230, 480], [0, 47, 94, 141]
    grid = _full_grid(xs, ys)
    members = {(r, 0): [OcrBox(label, (10, 47 * r + 10, 190, 47 * r + 37), 0.99)]
               for r, label in enumerate(("行政处罚", "行政强制", "行政事业性收费"))}
    members.update({(r, 1): [OcrBox(text, (236, 47 * r + 10, 260, 47 * r + 37), 0.998)]
                    for r, text in enumerate(("2", "1", "1"))})

    class Reader:
        name = "scripted"

        def recognize_crops(self, crops):
            return [("2", 0.99)] * len(crops)

    lines = [line for _, line in _table_lines(grid, members, img, Reader(), 1)]
    value = lines[0].boxes[1]
    assert value.text == "-2" and value.repaired and value.score <= REPAIRED_SCORE
    assert [line.boxes[1].text for line in lines[1:]] == ["1", "1"]
    assert not any(line.boxes[1].repaired for line in lines[1:])


def test_a_lost_minus_is_looked_for_only_where_it_changes_the_value():
    from pipeline.ocr import may_have_lost_minus

    assert may_have_lost_minus("2") and may_have_lost_minus("10") and may_have_lost_minus("0.5")
    # a minus before a zero changes nothing; a signed read keeps its sign; text is no number
    assert not any(may_have_lost_minus(t) for t in ("0", "00", "0.0", "-2", "+3", "无"))


def test_a_minus_on_an_ocr_read_count_is_dropped_and_the_value_stays_a_repair(tmp_path):
    """A count is never negative: a minus OCR read (a speck, a dash) or the hidden-minus look
    put back on one is dropped, and the value stays a repair (never ok) instead of its
    negation, which the nonnegative rule only flags.  The signed 本年增/减 cell keeps its sign."""
    from pipeline.corpus.values import report_for
    from pipeline.evaluate import same_value
    from pipeline.extract import extract_document, load_document
    from pipeline.synth import variants

    gold = report_for("minus-count", 0).gold()
    assert gold["template"] == "2019"  # section 二's 行政处罚 row prints a signed change column
    (variant,) = variants(gold, 0, kinds=["tab_rows"])
    path = tmp_path / f"minus_count{variant.suffix}"
    path.write_bytes(variant.text.encode(variant.encoding))
    doc = load_document(path)
    minus = {"行政处罚": "disclosure.penalty.prev_items", "一、本年新收政府信息公开申请数量": "requests.received.natural_person"}
    for page in doc.pages:
        page.path = "ocr"
        for line in page.lines:
            for box in line.boxes:
                box.score, box.agree = 0.99, True
            if line.boxes and line.boxes[0].text in minus:
                box = line.boxes[1]
                box.text, box.repaired, box.score, box.agree = "-" + box.text, True, 0.6, None
    result = extract_document(doc)
    for field in minus.values():
        fv = result.fields[field]
        assert fv.value == gold["fields"][field] > 0 and fv.status != "ok" and fv.signals["repaired"], field
    assert not [f for f, fv in result.fields.items()
                if fv.status == "ok" and not same_value(variant.truth.get(f), fv.value)]


def test_unsign_counts_keeps_the_sign_where_the_cell_may_be_signed():
    from pipeline.assemble import UNSIGNED_SCORE, unsign_counts
    from pipeline.model import Token

    read = lambda text: Token("number", text, value=float(text.replace("−", "-")), score=0.99, agree=True)
    # a row printing every cell: each number's column is known
    out = unsign_counts([read("-4"), read("-2"), read("13")], [False, True, False])
    assert [(t.text, t.value, t.repaired) for t in out] == [("4", 4, True), ("-2", -2, False), ("13", 13, False)]
    assert out[0].score == UNSIGNED_SCORE and out[0].agree is None
    # fewer numbers than cells with a signed column among them: which cell is open
    assert unsign_counts([read("-2")], [False, True])[0].text == "-2"
    assert unsign_counts([read("−2")], [False, False])[0].value == 2
    # flattened text (no OCR score) is left to the text path's own rule
    assert unsign_counts([Token("number", "-3", value=-3)], [False])[0].value == -3


def test_specks_read_beside_or_over_a_digit_are_repaired_away():
    # speckle read as punctuation before a "0" (".0", "'0", "^0") or as an accent over it
    # ("ó"): the cell was no number and its row (予以公开, seven fields) was lost
    assert [repair_number(t) for t in (".0", "'0", "^0", ".o", "ó", "(2", "3)")] == ["0", "0", "0", "0", "0", "2", "3"]
    # a skewed page's ruling running into the cell, read as a bracket
    assert repair_number("[0.") == "0" and repair_number("12】") == "12"
    # a "0" whose right side faded off reads "C" in a number cell
    assert repair_number("C") == "0"
    # signs, inner punctuation and text stay what they are
    assert repair_number("-3") == "-3" and repair_number("-.5") is None and repair_number("3;001") is None
    assert repair_number("to") is None and repair_number("à") is None and repair_number("..") is None


def test_a_number_column_whose_zeros_read_as_letters_is_still_a_number_column():
    from pipeline.ocr import _numeric_columns

    # under skew and blur one column's zeros read "o" in most rows: its cells must still be
    # re-read and repaired as numbers, not left as words that put their rows in doubt
    texts = {(r, 0): f"{r}.属于" for r in range(5)}
    texts.update({(r, 1): t for r, t in enumerate(["o", "o", "0", "o", "C"])})
    texts.update({(r, 2): t for r, t in enumerate(["1.", "2.", "3.", "4.", "5."])})  # enumerators
    assert _numeric_columns(texts) == {1}


def test_number_columns_are_judged_by_the_rows_of_values_not_the_header_above_them():
    from pipeline.ocr import _numeric_columns

    # a page ending a few rows into section 三: its three-level header holds as many words per
    # column as the rows of values hold numbers; a "[0." read there is still in a number column
    texts = {(0, 1): "申请人情况", (1, 1): "法人或其他组织", (2, 1): "商业企业",
             (3, 0): "一、本年新收", (3, 1): "0", (3, 2): "5",
             (4, 0): "二、上年结转", (4, 1): "[0.", (4, 2): "2",
             (5, 0): "（一）予以公开", (5, 1): "0", (5, 2): "1"}
    texts.update({(r, 2): t for r, t in enumerate(["申请人情况", "法人或其他组织", "科研机构"])})
    assert _numeric_columns(texts) == {1, 2}


def test_a_table_of_one_row_of_values_judges_its_columns_by_that_row():
    from pipeline.ocr import _numeric_columns

    # section 四: a three-level header over one row of values, where "lo" is a 0 beside a skewed
    # ruling's remnant; that cell's column is a number column, so the cell is re-read and repaired
    header = ["行政复议", "结果维持", "结果纠正", "其他结果", "总计"]
    texts = {(r, c): word for r in range(2) for c, word in enumerate(header)}
    texts.update({(2, c): t for c, t in enumerate(["1", "0", "lo", "0", "1"])})
    assert _numeric_columns(texts) == {0, 1, 2, 3, 4}


def test_the_proof_reader_re_reads_where_failing_rules_cross_when_they_hold_too_many_cells():
    """A misread in a long column breaks the column's sum (twenty-odd cells) and its row's
    total: too many cells to re-read them all, so the cell where the two failing rules cross
    is re-read (on main nothing was, and every cell of the column stayed flagged)."""
    from pipeline.model import Check, Evidence, FieldValue, Result
    from pipeline.ocr.proofread import MAX_CELLS, _suspects

    rows = [f"r{i}" for i in range(MAX_CELLS + 4)]
    fields = {f"t.{r}.{c}": FieldValue(0, evidence=Evidence(page=1, bbox=(i, j, i + 1, j + 1)))
              for j, r in enumerate(rows) for i, c in enumerate(("a", "b", "total"))}
    column = Check("t.column[a]", [f"t.{r}.a" for r in rows], 1, 0, False)
    row = Check("t.row_total[r3]", ["t.r3.a", "t.r3.b", "t.r3.total"], 1, 0, False)
    result = Result("scan.pdf", "", fields=fields, checks=[column, row])
    assert list(_suspects(result, [column, row], {1})) == ["t.r3.a"]
    # few cells: every one of them
    assert set(_suspects(result, [row], {1})) == {"t.r3.a", "t.r3.b", "t.r3.total"}
    # a text-layer page is not re-read
    assert _suspects(result, [row], {2}) == {}


def test_an_empty_cell_with_a_digit_on_the_page_is_read_by_the_proof_reader():
    """The page's detector can miss a lone digit (section 二's 行政事业性收费 "7" on speckle and
    shaded-edge scans: read as an empty cell, 0).  A cell that is not blank on the page is read
    from its variant crops; two agreeing give its number, at a re-read's score (never ok alone)."""
    import cv2

    from pipeline.model import TextBox
    from pipeline.ocr import SECOND_LOOK_SCORE
    from pipeline.ocr.proofread import _read_inked

    _engine_or_skip()
    img = np.full((60, 400), 255, np.uint8)
    for x in (0, 200, 399):
        img[:, x] = 0
    img[0, :], img[59, :] = 0, 0
    cv2.putText(img, "7", (90, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    digit, blank = TextBox("", (0, 0, 200, 60), score=1.0), TextBox("", (200, 0, 400, 60), score=1.0)
    assert _read_inked({1: img}, [(1, digit), (1, blank)])
    assert digit.text == "7" and digit.score <= SECOND_LOOK_SCORE and digit.agree is None
    assert blank.text == ""


def test_the_proof_readers_re_reads_count_a_number_with_a_speck_beside_it():
    # a speckled "1" re-read "1." from two crops: the number the sum rules can confirm
    from pipeline.ocr.proofread import _number_read

    assert [_number_read(t) for t in ("1.", " 1,000 ", "0:", "o", "7")] == ["1", "1000", "0", "0", "7"]
    assert [_number_read(t) for t in ("è", "★", "", "1 0")] == [None, None, None, None]


def test_a_digit_printed_against_a_ruling_is_cropped_without_the_ruling():
    """Skew put a "6" against its cell's left ruling: Otsu joins them into one blob as tall as
    the cell, `_ink_crop` drops it as a ruling remnant, and the cell was read empty (0) with
    its column's sum failing over twenty rows.  The rulings taken out, the glyph is left;
    a cell of rulings only (slightly skewed) has none."""
    import cv2

    from pipeline.ocr import _reread_crop, unruled_crop

    def cell(digit: bool) -> np.ndarray:
        img = np.full((70, 130), 255, np.uint8)
        cv2.line(img, (4, 0), (6, 69), 0, 3)  # left ruling, skewed a little
        cv2.line(img, (125, 0), (127, 69), 0, 3)
        cv2.line(img, (0, 3), (129, 4), 0, 3)
        cv2.line(img, (0, 66), (129, 67), 0, 3)
        if digit:
            cv2.putText(img, "6", (4, 48), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 3)
        return cv2.GaussianBlur(img, (0, 0), 1.2)

    bbox = (0, 0, 130, 70)
    six = cell(True)
    assert _reread_crop(six, bbox) is None  # what main had to re-read it from
    crop = unruled_crop(six, bbox)
    assert crop is not None and crop.shape[1] < 60 and crop.shape[0] < 60
    assert unruled_crop(cell(False), bbox) is None
    engine = _engine_or_skip()
    assert engine.recognize_crops([crop])[0][0].strip() == "6"
