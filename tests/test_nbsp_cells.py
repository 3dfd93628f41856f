"""Cells printed as &nbsp;, pulled out one cell a line (BeautifulSoup get_text("\\n"), PyMuPDF,
docx2txt): the line holding only the no-break space is the empty cell, so a blank-zero row keeps
its columns instead of being placed by the sum rules."""
import random
from dataclasses import replace

import pytest

from pipeline.corpus.render import draw_style, render_page
from pipeline.corpus.values import report_for
from pipeline.extract import extract_file
from pipeline.readers.text import lines_from_text

bs4 = pytest.importorskip("bs4")


def test_a_no_break_space_line_is_an_empty_cell_and_a_blank_line_is_none():
    lines = lines_from_text("行政处罚\n14\n\xa0\n\n\xa0 \n")
    assert [[(b.text, b.aligned) for b in line.boxes] for line in lines] == [
        [("行政处罚", False)], [("14", False)], [("", True)], [("", True)]]
    assert lines[2].in_table


@pytest.mark.parametrize("index", [0, 1])
def test_blank_zero_cells_printed_as_nbsp_are_read_as_printed(tmp_path, index):
    report = report_for("nbsp-cells", index)
    rng = random.Random(f"style:{report.seed}")
    style = replace(draw_style(rng), zero=("", "", ""), nbsp_empty=True)
    page = render_page(report, style, rng)
    path = tmp_path / "dump.txt"
    path.write_text(bs4.BeautifulSoup(page.html, "html.parser").get_text("\n"), encoding="utf-8")
    fields = extract_file(path).as_dict()["fields"]
    gold = {k: v for k, v in report.gold()["fields"].items() if v is not None}
    assert {k: fields[k]["value"] for k in gold} == gold
    # the zeros were printed (as empty cells), not lost in conversion and placed by the rules
    placed = [k for k in gold if any("lost in conversion" in r or "fewer numbers than cells" in r
                                     for r in fields[k].get("reasons", []))]
    assert placed == []


@pytest.mark.parametrize("separator", ["", " "])
@pytest.mark.parametrize("index", [0, 1, 2])
def test_blank_zero_cells_glued_with_their_nbsp_are_read_as_printed(tmp_path, index, separator):
    """get_text() with no separator (lxml's text_content() alike) glues a row's cells: the digits
    of neighbouring printed cells run together, each empty cell prints its &nbsp; (`363\xa011\xa041`).
    Each no-break space is an empty cell; the sum rules split the digit runs.  get_text(" ") keeps
    the cells apart (`36 3 \xa0 1 1 \xa0 41`): one space between cells, a no-break space per empty one."""
    report = report_for("nbsp-glued", index)
    rng = random.Random(f"style:{report.seed}")
    style = replace(draw_style(rng), zero=("", "", ""), nbsp_empty=True)
    page = render_page(report, style, rng)
    path = tmp_path / "dump.txt"
    path.write_text(bs4.BeautifulSoup(page.html, "html.parser").get_text(separator), encoding="utf-8")
    fields = extract_file(path).as_dict()["fields"]
    gold = {k: v for k, v in report.gold()["fields"].items() if v is not None and k.startswith("requests.")}
    assert {k: fields[k]["value"] for k in gold} == gold


def test_a_page_spacing_its_items_with_two_nbsp_prints_no_glued_cells():
    from pipeline.readers.text import prints_glued_nbsp_cells

    assert not prints_glued_nbsp_cells(["发布时间：2022-02-17 11:09\xa0\xa0来源：某县城市管理局\xa0\xa0字号：大 中 小"])
    assert prints_glued_nbsp_cells(["二、上年结转政府信息公开申请数量\xa0\xa0\xa0\xa0\xa0\xa0\xa0三、本年度办理结果"])
    assert prints_glued_nbsp_cells(["规章 \xa0 \xa0 \xa0 行政规范性文件 \xa0 1 32"])


@pytest.mark.parametrize("space", ["", " "])
def test_a_last_cell_glued_to_the_next_enumerator_is_cut_off_with_a_space_after_its_point(space):
    # get_text() glues a row's last cell to the next row's label: `…信息` six empty cells, then the
    # total 1 and `7. 属于行政执法案卷` (the template prints its enumerators with or without a space)
    raw = f"6.{space}属于四类过程性信息" + "\xa0" * 6 + f"17.{space}属于行政执法案卷" + "\xa0" * 7
    (line,) = lines_from_text(raw)
    texts = [b.text for b in line.boxes]
    assert texts[7:9] == ["1", f"7.{space}属于行政执法案卷"]
