"""Tables laid out as a character grid (pdftotext -layout, text browsers): blank cells recovered
from the columns the numbers line up in, and left alone whenever the columns are not proven."""
from pathlib import Path

from pipeline.extract import extract_file
from pipeline.readers.text import lines_from_text
from pipeline.readers.text_grid import chunks, grid_layout, grid_rows

DATA = Path(__file__).parent / "data"

# a pdftotext -layout style table: row 2 prints blanks in columns 2 and 4, row 1 prints every column
PARTLY_BLANK = """\
信息内容              本年新制作数量   本年新公开数量   对外公开总数量
规章                  3                1                12
规范性文件                             2
其他文件              5                                 7
"""

# no number was printed in column 2: only its header shows that it exists
HEADED_BLANK_COLUMN = """\
信息内容              制作             废止             总数
规章                  3                                 12
规范性文件            1                                 
其他文件                                                7
"""

# the middle row's two numbers fall under one number of the last row: the columns do not line up
MISALIGNED = """\
规章制度              3                1                12
规范文件              1 2              1                12
其他文件              512              4                7
"""


def test_chunks_measure_cjk_as_two_columns():
    assert [(c.start, c.text) for c in chunks("规章  3")] == [(0, "规章"), (6, "3")]


def test_blank_cells_of_a_grid_row_are_kept_in_their_columns():
    rows = grid_rows(PARTLY_BLANK.splitlines())
    assert rows[1] == ["规章", "3", "1", "12"]
    assert rows[2] == ["规范性文件", "", "2", ""]
    assert rows[3] == ["其他文件", "5", "", "7"]
    lines = lines_from_text(PARTLY_BLANK)
    assert [b.text for b in lines[2].boxes] == ["规范性文件", "", "2", ""] and lines[2].in_table


def test_a_column_no_row_printed_in_is_found_from_its_header():
    rows = grid_rows(HEADED_BLANK_COLUMN.splitlines())
    assert rows[1] == ["规章", "3", "", "12"] and rows[3] == ["其他文件", "", "", "7"]


def test_grid_blanks_count_only_when_the_row_has_the_templates_cells():
    from pipeline.assemble import _without_surplus_empties
    from pipeline.model import Token

    row = [Token("number", "3", value=3), Token("number", "", blank=True, empty=True, aligned=True),
           Token("number", "12", value=12)]
    assert _without_surplus_empties(row, 3) == row
    # a 4-cell template: a column left no trace, so the blank's place is unknown: numbers only
    assert [t.text for t in _without_surplus_empties(row, 4)] == ["3", "12"]


def test_numbers_that_do_not_line_up_leave_the_region_alone():
    assert grid_rows(MISALIGNED.splitlines()) == {}


def test_a_heading_ends_a_grid_region():
    text = PARTLY_BLANK + "四、政府信息公开行政复议、行政诉讼情况\n" + "复议  1  2  3\n" * 2
    rows = grid_rows(text.splitlines())
    assert set(rows) == {1, 2, 3}  # the two rows after the heading are too few to prove a grid


def test_dataframe_missing_values_are_empty_cells_even_at_the_row_end():
    from pipeline.readers.text import split_cells

    assert split_cells("| 二、上年结转 | nan | 3 | NaN | nan |") == ["二、上年结转", "", "3", "", ""]
    assert split_cells("| 规章 | 3 |") == ["规章", "3"]  # edge separators still make no cell


# section 二's blocks under one another (pdftotext -layout of a blank-zero page): each block lays
# out its own columns under its own headers, 本年增/减 where the block above has 本年新公开数量
TWO_BLOCKS = """\
                         第二十条第（一）项
            信息               本年新制作数量    本年新公开数量    对外公开总数量
            内容
            规章                  3           3          8
           规范性文件                33         33          33
                         第二十条第（五）项
            信息               上一年项目数量       本年         处理决
            内容                             增/减        定数量
           行政许可                 115                   12375
         其他对外管理服务事项             33                    222
                         第二十条第（六）项
            信息               上一年项目数量       本年         处理决
            内容                             增/减        定数量
            行政处罚                                      6                  655
            行政强制                                     -4                  91
                         第二十条第（八）项
"""


def test_column_headers_after_rows_start_a_block_with_its_own_columns():
    rows = grid_rows(TWO_BLOCKS.splitlines())
    # one region over every block put 行政处罚's 6 (本年增/减) into a fourth column of the first
    # block's grid, and its blank 上一年项目数量 first; each block alone has too few rows for a grid
    for i in (8, 9, 14, 15):
        assert i not in rows or len(rows[i]) == 4, rows[i]
    assert rows.get(14, ["行政处罚", "", "6", "655"]) == ["行政处罚", "", "6", "655"]


def test_grid_empties_that_break_a_rows_own_sum_give_way_to_the_numbers_in_order(tmp_path):
    """inscriptis lays section 三's rows out beside rowspan labels, so a row's numbers can fall in a
    column the grid puts elsewhere (`25 _ _ _ 1 26 _`: the total under 其他, a blank under 总计).  The
    grid's inferred empties break the row's own sum there: the row is read with its numbers in
    printed order and its blanks lost (the rules across rows place them), not as a wrong table."""
    import json

    import pytest

    from pipeline.corpus.families import available
    from pipeline.corpus.generate import corpus_documents, generate

    if "inscriptis" not in available(["inscriptis"])[0]:
        pytest.skip("inscriptis not installed")
    generate(tmp_path, 1, seed="8201", families=["inscriptis"], start=2, log=lambda m: None, zero="")
    (doc, truth_path), = corpus_documents(tmp_path, "inscriptis")
    out = extract_file(doc).as_dict()
    truth = json.loads(truth_path.read_text(encoding="utf-8"))["fields"]
    requests = {k: f for k, f in out["fields"].items() if k.startswith("requests.")}
    assert not [c["rule"] for c in out["checks"] if c["rule"].startswith("requests.") and not c["ok"]]
    assert all(f["value"] == truth[k] or f["status"] != "ok" for k, f in requests.items())
    assert sum(f["value"] == truth[k] for k, f in requests.items()) >= 0.95 * len(requests)


# pdfplumber's text of a section 三 that prints zeros as empty cells: cells joined by one space,
# a blank cell printed as nothing (from a generated blank-zero report)
ONE_SPACE_JOINED = """\
（四）无法 2.没有现成信息需要另
207 13 1 39 2 262
提供 行制作
3.补正后申请内容仍不
11 1 12
明确
1.信访举报投诉类申请
2.重复申请 21 3 3 27
3.要求提供公开出版物 4 4
（五）不予
处理
4.无正当理由大量反复
21 3 4 28
申请
"""


def test_rows_joined_by_one_space_are_no_grid():
    # columns the number-only rows happen to share would put the first row's lost blank after 207
    # (it was after 1), read confidently: no row sets its numbers apart, so nothing is lined up
    assert grid_rows(ONE_SPACE_JOINED.splitlines()) == {}
    # the same rows laid out in columns are a grid, their blanks where the layout puts them
    laid_out = ["233  11  1  1  32  2  280", "207  13  1     39  2  262", "11       1        12"]
    grid = grid_rows(laid_out)
    assert grid[1][1:] == ["207", "13", "1", "", "39", "2", "262"]


def test_grid_placed_cells_no_rule_across_rows_checks_are_never_ok():
    # pdftotext -layout of a report printing zeros as empty cells, section 三 continued on the next
    # page a few columns to the right: the total row's 38 (法律服务机构) fell in the grid's 社会公益组织
    # column.  Rows printed without numbers leave the column sums unchecked; the row's own total
    # holds wherever 38 went, so it was ok at 0.99.
    path = DATA / "pdftotext_layout_blank_zeros_columns_shift_on_the_next_page.txt"
    fields = extract_file(path).as_dict()["fields"]
    row = {f: v for f, v in fields.items() if f.startswith("requests.handled_total.")}
    assert all(v["signals"]["grid_placed"] for v in row.values())
    assert all(v["status"] != "ok" and v["confidence"] < 0.9 for v in row.values())
    assert any("put in columns by the text's alignment" in r for r in row["requests.handled_total.social_org"]["reasons"])


def test_a_column_sum_whose_other_cells_the_rules_placed_does_not_vouch_for_a_grid_placement(tmp_path):
    """pdftotext -layout, section 三 printing its zeros empty: the grid put 一、本年新收's 1 under
    社会公益组织 (it was 科研机构's), and the rules then placed 总计's 1 in the same column, so the
    column's 勾稽 held and vouched for the grid (ok at 0.99).  Only a cell of another row read as
    printed checks a grid's placement."""
    from pipeline.corpus.generate import doc_stem, generate

    name, seed, index = "chromium_pdf_pdftotext_layout", "76071", 2
    generate(tmp_path, 1, seed, [name], index, log=lambda m: None)
    fields = extract_file((tmp_path / name / doc_stem(name, seed, index)).with_suffix(".txt")).as_dict()["fields"]
    cell = fields["requests.received.social_org"]
    assert cell["signals"]["grid_placed"] and not cell["signals"]["rules_across"]
    assert cell["status"] != "ok"


def test_a_column_sum_reaching_printed_cells_of_other_grid_rows_vouches_for_a_grid_placement(tmp_path):
    """w3m, zeros printed as empty cells, lines every row of section 三 up in one grid: a column's 勾稽 over numbers other rows
    print checks each placement (a shift moves a number out of the column it sums in); requiring
    cells no grid placed sent all 90 right values of the table to review."""
    from pipeline.corpus.generate import doc_stem, generate

    name, seed, index = "w3m_dump", "74072", 0
    generate(tmp_path, 1, seed, [name], index, log=lambda m: None, zero="")
    fields = extract_file((tmp_path / name / doc_stem(name, seed, index)).with_suffix(".txt")).as_dict()["fields"]
    cell = fields["requests.received.natural_person"]
    assert cell["signals"]["grid_placed"] and cell["signals"]["rules_across"]
    assert cell["status"] == "ok"


# pdftotext -layout of a blank-zero table: the CJK header line is set one character per glyph,
# closer than the numbers below it, so the 1s land under 法律服 (they are 社会公益组织's)
COMPRESSED_HEADERS = """\
                       自然人                                     总计
                             商业企 科研机 社会公 法律服 其他
 一、本年新收政府信息公开申请数量      12                 1                    13
 二、上年结转政府信息公开申请数量                         1                    1
 （一）予以公开                        9                  1                    10
"""

# w3m's dump of the same rows: headers and numbers in one measure, evenly spaced columns
EVEN_HEADERS = """\
                                         自然人                                                  总计
                                                  商业企业 科研机构 社会公益  法律服务  其他
一、本年新收政府信息公开申请数量         12                         1                            13
二、上年结转政府信息公开申请数量                                    1                            1
（一）予以公开                           9                          1                            10
"""


def test_columns_completed_from_headers_spaced_unlike_the_numbers_are_loose():
    rows, loose = grid_layout(COMPRESSED_HEADERS.splitlines())
    assert set(rows) == {2, 3, 4} and loose == {2, 3, 4}


def test_columns_completed_from_evenly_spaced_headers_are_not_loose():
    rows, loose = grid_layout(EVEN_HEADERS.splitlines())
    assert rows[2][1:] == ["12", "", "", "1", "", "", "13"] and loose == set()
