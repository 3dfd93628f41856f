"""Tables pypdf reads from a PDF whose blank cells hold a space: one space after a label or a
number, then one more per blank cell (`数量 94 2   2  98` is 94 2 _ _ 2 _ 98).  The blanks are
read as cells, trusted only where the row then has the template's cells (issue 11)."""
import json
import re

from pipeline.extract import extract_file
from pipeline.readers.text import lines_from_text

SPACED = """\
一、本年新收政府信息公开申请数量 94 2   2  98
二、上年结转政府信息公开申请数量        
（一）予以公开 15    1  16
31 1   1  33
       
"""


def test_one_space_per_blank_cell_splits_a_row_into_its_cells():
    from pipeline.readers.text import spaced_cells

    assert spaced_cells("量 94 2   2  98") == ("量", ["94", "2", "", "", "2", "", "98"])
    assert spaced_cells("量        ") == ("量", [""] * 7)  # the separator, then seven blanks
    assert spaced_cells("       ") == ("", [""] * 7)  # a row whose label wrapped onto the lines above
    assert spaced_cells("行政强制  -7 189") == ("行政强制", ["", "-7", "189"])
    assert spaced_cells("量 94 2 2 98") is None  # no blank cell shown: nothing to split by
    assert spaced_cells("共 12 件") is None


def test_rows_read_as_cells_only_where_the_text_shows_the_convention():
    lines = [l for l in lines_from_text(SPACED) if l.in_table]
    assert [b.text for b in lines[0].boxes] == ["一、本年新收政府信息公开申请数量", "94", "2", "", "", "2", "", "98"]
    assert all(b.aligned for b in lines[0].boxes if not b.text)
    # the label-less all-blank row: one blank a line, as tokenize reads a lone empty cell
    assert [len(l.boxes) for l in lines[-7:]] == [1] * 7
    # a single such row proves no convention (a layout dump pads its columns with spaces)
    one = lines_from_text(SPACED.splitlines()[0])
    assert [b.text for b in one[0].boxes] == [SPACED.splitlines()[0]]


def test_pypdf_blank_zero_report_places_section_three_by_its_blank_cells(tmp_path):
    # chromium prints the blank-zero report's empty cells with a space, pypdf reads one space per
    # blank: "94 2   2  98" over seven cells, which the sum rules alone cannot place
    from pipeline.corpus.generate import doc_stem, generate

    name, seed, index = "chromium_pdf_pypdf", 77123, 0
    generate(tmp_path, 1, seed, [name], index, log=lambda m: None, zero="")
    stem = tmp_path / name / doc_stem(name, seed, index)
    truth = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))["fields"]
    # rows with a one-space separator and blank cells between their numbers
    assert re.search(r"[\u4e00-\u9fff] \d+ \d+ {2,}\d", stem.with_suffix(".txt").read_text(encoding="utf-8"))
    fields = extract_file(stem.with_suffix(".txt")).fields
    requests = [f for f in truth if f.startswith("requests.")]
    assert requests and all(f in fields and fields[f].value == truth[f] for f in requests)
    assert [f for f, fv in fields.items() if fv.status == "ok" and fv.value != truth.get(f)] == []
