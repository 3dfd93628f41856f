"""A text browser's dump of tables that print zeros as blank cells (w3m -dump): every table line is
padded with spaces to the table's width, so a row of blank cells (`二、上年结转…数量` and spaces) looks
like a heading; section 二's blocks have one or two rows, too few to show their columns; a label cut
at its cell's width stands one space before the first number; wrapped labels of the merged label
columns (`三、本  提供  行制作`) are spaced like column headers.  The columns are the display columns
the numbers and headers line up in."""
from pathlib import Path

from pipeline.readers.text_grid import grid_layout

from .conftest import read_against_truth

DUMP = Path(__file__).parent / "data" / "w3m_blank_zeros_rows_padded_to_the_table_width.txt"


def _grid():
    lines = DUMP.read_text(encoding="utf-8").split("\n")
    grid, loose = grid_layout(lines)
    return lines, grid, loose


def test_a_padded_row_of_blank_cells_does_not_end_the_table_region():
    lines, grid, _ = _grid()
    received = next(i for i, line in enumerate(lines) if line.startswith("一、本年新收"))
    blank_row = next(i for i, line in enumerate(lines) if line.startswith("二、上年结转"))
    assert lines[blank_row].endswith("  ") and not any(ch.isdigit() for ch in lines[blank_row])
    # the rows after the blank one share the received row's seven columns
    granted = next(i for i, line in enumerate(lines) if "（一）予以公开" in line)
    assert len(grid[received]) == len(grid[granted]) == 8  # label + 7 cells


def test_a_block_of_one_row_takes_its_columns_from_its_headers():
    lines, grid, loose = _grid()
    row = next(i for i, line in enumerate(lines) if line.startswith("行政规范性文件"))
    assert grid[row] == ["行政规范性文件", "3", "", "16"]
    assert row in loose  # columns from headers alone may be one off: never ok by the grid alone


def test_the_dump_reads_every_field_exactly():
    fields, truth, wrong = read_against_truth(DUMP)
    assert wrong == []
    assert fields["disclosure.normative_docs.in_force"].value == 16
    assert fields["requests.received.legal_service"].value == 4
    assert fields["requests.received.enterprise"].value == 0


# pdftotext -layout: a block of two rows under headers whose glyphs it spaced (`处理决 定数量`)
PDFTOTEXT_BLOCK = [
    "                     第二十条第（五）项",
    "        信息 内容           上一年项目数量     本年 增/减       处理决 定数量",
    "        行政许可               17         -5           3395",
    "     其他对外管理服务事项                       2",
]


def test_header_glyphs_one_space_apart_are_one_header_where_the_numbers_need_it():
    grid, loose = grid_layout(PDFTOTEXT_BLOCK)
    assert grid[3] == ["其他对外管理服务事项", "", "2", ""] and 3 in loose
    assert 2 not in grid  # a row printing every column reads as printed


def test_header_words_one_space_apart_are_columns_where_they_place_every_number():
    # a text browser's header cells one space apart (w3m): each word its own column
    lines = ["信息                  本年新制作数量 本年新公开数量 对外公开总数量",
             "规章                                                 ",
             "规范性文件            2                             50"]
    assert grid_layout(lines)[0][2] == ["规范性文件", "2", "", "50"]
