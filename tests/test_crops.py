"""Review crops: the cell outlined within its row band, with row label and column header in view,
cut from the page the way OCR saw it (deskewed)."""
import io
import json
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.crops import Cropper, block_top, header_band, row_band

from .conftest import SHARED, needs_shared

REPORT = SHARED / "reports/pdf/hongze_district_2023.pdf"
GOLD = SHARED / "gold/reports/hongze_district_2023.json"


def _outline(crop: Image.Image) -> tuple[int, int, int, int]:
    """Bounding box of the red cell outline drawn into a crop."""
    a = np.asarray(crop).astype(int)
    red = (a[:, :, 0] > 190) & (a[:, :, 1] < 60) & (a[:, :, 2] < 60)
    ys, xs = np.nonzero(red)
    assert xs.size, "no outline drawn"
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def _ruled_table(rows: int = 4, cols: int = 5, label_text: bool = True) -> np.ndarray:
    """Ink mask of a ruled table: header row 0 (two pixel rows of 'text'), body rows below."""
    ink = np.zeros((400, 600), bool)
    xs = [20 + 110 * c for c in range(cols + 1)]
    ys = [60 + 50 * r for r in range(rows + 1)]
    for y in ys:
        ink[y:y + 2, xs[0]:xs[-1] + 2] = True
    for x in xs:
        ink[ys[0]:ys[-1] + 2, x:x + 2] = True
    if label_text:
        ink[ys[2] + 20:ys[2] + 30, 30:90] = True  # a label in the first column of row 2
    ink[ys[0] + 20:ys[0] + 30, 140:200] = True  # header text
    return ink


def test_row_band_reaches_the_rulings_and_the_row_label():
    ink = _ruled_table()
    # the number's box is small and centred in its cell (row 2, column 3)
    band = row_band(ink, (370, 175, 400, 195))
    left, top, right, bottom = band
    assert left == 20 and right >= 570  # the label column and the whole row
    assert top <= 160 <= top + 2 and bottom >= 210  # rulings above and below, not the text box


def test_header_band_stops_above_the_table_top_border():
    ink = _ruled_table()
    ink[20:35, 40:400] = True  # a heading printed above the table, after a blank gap
    top, bottom = header_band(ink, anchor=110, left=20, right=572, row_height=50)
    assert top == 60 and bottom == 110


def test_no_header_on_a_page_the_table_continues_on():
    ink = np.zeros((300, 600), bool)
    ink[0:2, 20:572] = True  # the table starts right at the top edge: nothing above it
    assert header_band(ink, anchor=2, left=20, right=572, row_height=50) is None


def test_block_top_splits_blocks_at_header_rows():
    bands = [(100, 150), (150, 200), (320, 370), (370, 420)]  # rows 2-3 follow two header rows
    assert block_top(bands, 1) == 100
    assert block_top(bands, 3) == 320


@needs_shared
def test_review_queue_cells_are_cropped_and_linked(tmp_path):
    result = CliRunner().invoke(app, ["extract", str(REPORT), "--out", str(tmp_path / "out"),
                                      "--crops", str(tmp_path / "crops"), "-q"])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "out/hongze_district_2023.json").read_text(encoding="utf-8"))
    flagged = {f: v for f, v in doc["fields"].items() if v["status"] != "ok"}
    assert flagged and all("crop" in v["evidence"] for v in flagged.values())
    assert all("crop" not in v["evidence"] for f, v in doc["fields"].items() if f not in flagged)
    crop = Image.open(flagged["appeals.review.total"]["evidence"]["crop"]).convert("RGB")  # printed 0 under 10 + 1
    x0, y0, x1, y1 = _outline(crop)
    cell_width = x1 - x0
    # the whole 15-cell row of section 四 and its header rows, not the bare cell
    assert crop.width > 8 * cell_width
    assert y0 > 2 * (y1 - y0)


@pytest.fixture(scope="module")
def skewed_page(tmp_path_factory):
    """Page 3 of a shared text PDF rendered at 200 dpi and rotated 1.2° like a crooked scan,
    then read through the OCR stage."""
    from pipeline.extract import extract_file
    from pipeline.ocr import OcrUnavailable, get_engine
    from pipeline.ocr.rasterize import rasterize_pdf_page

    if not REPORT.exists():
        pytest.skip("../shared not checked out beside the repo")
    try:
        engine = get_engine()
    except OcrUnavailable as exc:
        pytest.skip(str(exc))
    bgr = rasterize_pdf_page(REPORT.read_bytes(), 3, dpi=200)
    page = Image.fromarray(bgr[:, :, ::-1]).rotate(1.2, resample=Image.BICUBIC, fillcolor=(255, 255, 255))
    path = tmp_path_factory.mktemp("skew") / "hongze_p3_skewed.png"
    page.save(path)
    result = extract_file(path)
    assert abs(result.pages[0]["deskew"] + 1.2) < 0.15
    return path, result, engine


# bottom-right of the table: where a rotation about the page centre moves a cell the most
SKEW_FIELDS = ("requests.received.total", "requests.partially_granted.natural_person",
               "requests.withheld_enforcement.total")


@needs_shared
@pytest.mark.parametrize("field_id", SKEW_FIELDS)
def test_crop_of_a_skewed_page_holds_the_value_ink(skewed_page, field_id):
    path, result, engine = skewed_page
    gold = json.loads(GOLD.read_text(encoding="utf-8"))["fields"][field_id]
    assert result.fields[field_id].value == gold

    def read_outlined(res) -> tuple[str, np.ndarray]:
        crop = Cropper(res, path).crop(field_id)
        x0, y0, x1, y1 = _outline(crop)
        inner = np.asarray(crop)[y0 + 6:y1 - 5, x0 + 6:x1 - 5]
        return engine.recognize_crops([np.ascontiguousarray(inner[:, :, ::-1])])[0][0], inner

    text, inner = read_outlined(result)
    assert text.strip() == str(gold)
    # the outline sits on the cell: no ruling line crosses its inside
    gray = inner.mean(axis=2)
    assert ((gray < 150).mean(axis=1) < 0.6).all() and ((gray < 150).mean(axis=0) < 0.6).all()

    # cut from the unrotated page, as before, the same outline holds a ruling, not the value
    unrotated = replace(result, pages=[{k: v for k, v in p.items() if k != "deskew"} for p in result.pages])
    _text, inner = read_outlined(unrotated)
    gray = inner.mean(axis=2)
    assert ((gray < 150).mean(axis=1) >= 0.6).any() or ((gray < 150).mean(axis=0) >= 0.6).any()
