"""Tables drawn with box characters (w3m's dump of a bordered table): the bars are the cells."""
from pipeline.readers.text import lines_from_text

# a bordered table as w3m draws it: a label cell spanning rows (三、本年度办理结果, its text on a
# partial rule line too), a label wrapped over two lines, a blank cell, a header cell between
# partial rule lines
BOXED = """\
┌──────┬──────────────┬──────┬──────┬──────┐
│      │              │      │法人  │      │
│      │              │自然人├──────┤ 总计 │
│      │              │      │ 企业 │      │
├──────┴──────────────┼──────┼──────┼──────┤
│ 一、本年新收申请数量│  0   │  1   │  1   │
├──────┬──────────────┼──────┼──────┼──────┤
│三、本│（一）予以公开│  2   │      │  2   │
│年度办├──────────────┼──────┼──────┼──────┤
│理结果│（二）部分公开│  0   │  3   │  3   │
│      │（区分处理的）│      │      │      │
└──────┴──────────────┴──────┴──────┴──────┘
"""


def _rows(text):
    return [[b.text for b in line.boxes] for line in lines_from_text(text)]


def test_every_number_of_a_box_drawn_row_is_a_cell_of_its_own():
    # read as plain text, `│ 一、… │ 0 │ 1 │ 1 │` was a label and one number: the row's other
    # cells were lost and the sum rules "settled" them as zeros
    rows = _rows(BOXED)
    assert ["一、本年新收申请数量", "0", "1", "1"] in rows


def test_a_blank_box_cell_is_an_empty_cell_in_its_column():
    line = next(l for l in lines_from_text(BOXED) if "予以公开" in l.text)
    assert [(b.column, b.text) for b in line.boxes] == [(0, "三、本年度办理结果"), (1, "（一）予以公开"),
                                                        (2, "2"), (3, ""), (4, "2")]
    assert line.in_table


def test_a_wrapped_box_label_is_one_cell_and_no_row_of_blanks():
    rows = _rows(BOXED)
    assert ["（二）部分公开（区分处理的）", "0", "3", "3"] in rows
    # the wrapped line's empty cells make no row of their own
    assert not any(r[:1] == ["（区分处理的）"] or r == ["", "", "", ""] for r in rows)


def test_header_cells_between_partial_rule_lines_are_read():
    lines = lines_from_text(BOXED)
    assert [(b.column, b.text) for b in lines[0].boxes if b.text] == [(2, "自然人"), (3, "法人"), (4, "总计")]
    # the leaf header under 法人 starts a header row of its own, in 法人's column
    assert [(b.column, b.text) for b in lines[1].boxes] == [(3, "企业")]
