"""Empty cells before a row's first number: in a row of values without a label (section 四's
one row) they are cells of the template, not the label column a labelled row leaves empty; and a
pipe table printed without edge pipes (html2text) starts such a row with a pipe that is a cell
border, not an edge."""
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.corpus.render import draw_style, render_page
from pipeline.corpus.values import report_for
from pipeline.extract import extract_file
from pipeline.layout import tokenize
from pipeline.model import Document, Line, Page, TextBox
from pipeline.readers.markdown import lines_from_markdown

DATA = Path(__file__).parent / "data"
HTML2TEXT = "行政复议| 行政诉讼  \n---|---  \n结果维持| 结果纠正| 其他结果| 总计  \n| | 1| 1  \n\n"


def test_a_row_of_a_table_without_edge_pipes_keeps_its_first_and_last_empty_cells():
    rows = [[b.text for b in line.boxes] for line in lines_from_markdown(HTML2TEXT + "| 2| |   \n")]
    assert ["", "", "1", "1"] in rows
    # the same table printed with edge pipes: the outer pipes are edges
    edged = "| a | b | c |\n|---|---|---|\n| | 1 | |\n"
    assert [[b.text for b in line.boxes] for line in lines_from_markdown(edged)][-1] == ["", "1", ""]


def _tokens(*rows):
    doc = Document("t", "", "text", [Page(1, [Line([TextBox(t, column=k) for k, t in enumerate(r)], 1, in_table=True)
                                              for r in rows])])
    return [(t.line_no, t.cell_no, t.text, t.empty) for t in tokenize(doc) if t.kind == "number"]


def test_leading_empty_cells_count_in_a_row_of_values_only():
    assert _tokens(["", "", "1", ""]) == [(0, 0, "", True), (0, 1, "", True), (0, 2, "1", False), (0, 3, "", True)]
    # a labelled row's leading empty cell is its label column
    assert _tokens(["", "1、属于国家秘密", "3", ""]) == [(0, 2, "3", False), (0, 3, "", True)]


# documents 0 and 1 print a number in section 四's row after empty cells, 2 and 3 print that row
# wholly empty (the table's last row: a row of values, not a spacer)
@pytest.mark.parametrize("index", range(4))
def test_blank_zero_html_tables_read_exactly(tmp_path, index):
    report = report_for("leading-empties", index)
    rng = random.Random(f"style:{report.seed}")
    style = replace(draw_style(rng), zero=("", "", ""))
    path = tmp_path / "page.html"
    path.write_text(render_page(report, style, rng).html, encoding="utf-8")
    fields = extract_file(path).as_dict()["fields"]
    gold = {k: v for k, v in report.gold()["fields"].items() if v is not None}
    assert {k: fields[k]["value"] for k in gold} == gold


# a pdfplumber-style grid: the third row's label wrapped onto the line above its numbers
WRAPPED_LABEL = """\
信息内容              本年新制作数量   本年新公开数量   对外公开总数量
规章                  3                1                12
规范性文件            1                2                3
其他文件的
                      5                1                7
"""


def test_a_text_grid_row_without_its_label_gets_no_empty_cell_for_it():
    from pipeline.readers.text import lines_from_text

    doc = Document("t", "", "text", [Page(1, lines_from_text(WRAPPED_LABEL))])
    numbers = [(t.text, t.empty) for t in tokenize(doc) if t.kind == "number" and t.line_no == 4]
    assert numbers == [("5", False), ("1", False), ("7", False)]


def test_a_flat_bands_header_empty_cells_are_not_its_cells():
    """Section 四 printed as one row of values under a header whose merged cells print as empty
    cells (PyMuPDF4LLM, tab-separated text): those lines' empties are no cells of the band; a line
    holding only an empty cell (one cell per line) is one."""
    from pipeline.assemble import _without_header_empties
    from pipeline.model import Token

    def number(text, line):
        return Token("number", text, line_no=line, value=float(text) if text else None, empty=not text)

    header = [Token("text", "行政复议", line_no=0), number("", 0), number("", 0), Token("text", "结果维持", line_no=1), number("", 1)]
    band = [number("2", 2), number("", 2), number("5", 2)]
    section = header + band
    printed = [t for t in section if t.kind == "number"]
    assert _without_header_empties(printed, section) == band
    one_per_line = [number("2", 3), number("", 4), number("5", 5)]
    assert _without_header_empties(one_per_line, header[:1] + one_per_line) == one_per_line
    # a band printing no number at all keeps what it prints
    assert _without_header_empties(printed[:3], header) == printed[:3]


def test_pymupdf4llm_header_empties_do_not_place_section_four_numbers(tmp_path):
    """PyMuPDF4LLM printed section 四's two header rows with 8 empty cells and its 7 numbers in a
    row of header fragments: 8 + 7 made exactly the band's 15 cells, the numbers went into the last
    seven, and four of them were wrong at 0.999 (the rows' sums held by chance)."""
    import json

    from pipeline.corpus.generate import doc_stem, generate

    name, seed, index = "chromium_pdf_pymupdf4llm", "76072", 1
    generate(tmp_path, 1, seed, [name], index, log=lambda m: None, zero="")
    path = (tmp_path / name / doc_stem(name, seed, index)).with_suffix(".md")
    truth = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["fields"]
    fields = extract_file(path).as_dict()["fields"]
    appeals = {f: v for f, v in fields.items() if f.startswith("appeals.")}
    assert not any(v["signals"]["reading"] == "as_printed" for v in appeals.values())
    wrong_ok = {f: v["value"] for f, v in appeals.items() if v["status"] == "ok" and v["value"] != truth[f]}
    assert not wrong_ok


def test_label_columns_printed_as_empty_cells_before_a_row_ending_in_its_total_are_no_doubt():
    # pandoc's pipe table of a blank-zero section 三: 一、本年新收… spans the label columns, printed
    # as an empty cell, and the row's zeros are empty too (`|一、…||12|||||1||13|`); every row that
    # prints a number ends in its total, so the values sit at the right and the surplus empty cell
    # is the label column
    path = DATA / "pandoc_gfm_blank_zeros_label_columns_as_empty_cells.md"
    truth = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["fields"]
    fields = extract_file(path).fields
    received = [f for f in truth if f.startswith("requests.received.")]
    assert [fields[f].value for f in received] == [truth[f] for f in received]
    assert all(fields[f].status == "ok" for f in received)
