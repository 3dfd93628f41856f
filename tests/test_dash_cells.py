"""Zeros printed "-" in text that flattens the table: a row of dash cells on a line of its own
(pdftotext, pypdf: `- - - - - - -` under a wrapped label), a row of values whose first cell is a
dash (`- - - 1 - 1`), and hyphen runs glued between cells (BeautifulSoup get_text(),
`申请数量141----15`).  Each dash is one cell, never a thematic break, a list bullet or a minus."""
import random
from dataclasses import replace

import pytest

from pipeline.corpus.render import draw_style, render_page
from pipeline.corpus.values import report_for
from pipeline.extract import extract_file
from pipeline.layout import _box_tokens
from pipeline.model import Token
from pipeline.readers.text import lines_from_text

BASE = Token("text", "")
bs4 = pytest.importorskip("bs4")


def cells(text):
    """Blank cells as "-", numbers as values, label text as ("text", ...)."""
    return [("-" if t.blank else t.value) if t.kind == "number" else ("text", t.text) for t in _box_tokens(text, BASE)]


def test_a_line_of_dash_cells_is_a_row_not_a_rule():
    lines = lines_from_text("1.属于国家秘\n密\n- - - - - - -\n---\n")
    assert [line.text for line in lines] == ["1.属于国家秘", "密", "- - - - - - -"]
    assert cells("- - - - - - -") == ["-"] * 7


def test_a_row_of_values_starting_with_a_dash_keeps_that_cell():
    assert cells("- - - - - - - - - - - - 1 - 1") == ["-"] * 12 + [1, "-", 1]
    assert cells("- 项目一") == [("text", "- 项目一")]  # a bullet before text stays text


def test_hyphen_runs_glued_between_cells_are_one_blank_each():
    assert cells("二、上年结转政府信息公开申请数量-------") == [("text", "二、上年结转政府信息公开申请数量")] + ["-"] * 7
    # the hyphen right before digits may be their minus sign (the signed 本年增/减 column prints
    # `--227` for 0, -2, 27): assembly decides by the column
    assert cells("二、上年结转政府信息公开申请数量------1") == [("text", "二、上年结转政府信息公开申请数量")] + ["-"] * 5 + [-1]
    assert cells("一、本年新收政府信息公开申请数量141----15")[1:] == [141, "-", "-", "-", -15]
    assert cells("行政事业性收费15- 第二十条")[1:3] == [15, "-"]
    assert cells("3.危及“三安全一稳定”-------4.保护第三方合法权益") == [
        ("text", "3.危及“三安全一稳定”")] + ["-"] * 7 + [("text", "4.保护第三方合法权益")]
    # the last cell before the next row's enumerator, after a dash cell: 1, then 4.保护
    assert cells("3.危及“三安全一稳定”-1----14.保护第三方合法权益")[1:] == [-1, "-", "-", "-", -1,
                                                                ("text", "4.保护第三方合法权益")]


@pytest.mark.parametrize("index", [0, 1])
def test_zeros_printed_as_dashes_read_from_text_without_separators(tmp_path, index):
    report = report_for("dash-cells", index)
    rng = random.Random(f"style:{report.seed}")
    style = replace(draw_style(rng), zero=("-", "-", "-"))
    page = render_page(report, style, rng)
    path = tmp_path / "page.txt"
    path.write_text(bs4.BeautifulSoup(page.html, "html.parser").get_text(""), encoding="utf-8")
    fields = extract_file(path).as_dict()["fields"]
    gold = {k: v for k, v in report.gold()["fields"].items() if v is not None}
    zeros = [k for k, v in gold.items() if v == 0 and k.startswith("requests.")]
    # every zero of section 三 was printed, as a dash: read, not lost and placed by the rules
    assert {k: fields[k]["value"] for k in zeros} == {k: 0 for k in zeros}
    assert not [k for k in gold if fields[k]["value"] not in (None, gold[k]) and fields[k]["status"] == "ok"]


def test_an_ocr_read_minus_in_a_table_of_counts_stays_one_cell():
    # flattened text glues a dash cell to the next number (`------1`); an OCR'd number is one
    # ruled cell, its minus a misread or a repair for review, never an extra cell shifting its row
    from pipeline.extract import unsign_dashes
    from pipeline.layout import Section

    glued, read = (Token("number", "-3", value=-3), Token("number", "-3", value=-3, score=0.97))
    sections = {"requests": Section("requests", 0, 5)}
    assert [t.text for t in unsign_dashes([BASE, glued], sections)] == ["", "-", "3"]
    assert unsign_dashes([BASE, read], sections) is None
