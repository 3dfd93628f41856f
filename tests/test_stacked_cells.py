"""Rows a converter merged into one printed row: PyMuPDF4LLM stacks the cells of （七）总计 and
四、结转下年度继续办理 in one row (`|（七）总计<br>四、结转…|0<br>0|0<br>0|…`).  Each cell is then a
column, top value first: an order the print states.  In the fixture one row's total is printed
wrong (`3.要求提供公开出版物|0|0|0|0|0|0|1|`), which no reading may mend by moving numbers."""
from pathlib import Path

from .conftest import read_against_truth

DATA = Path(__file__).parent / "data"
STACKED = DATA / "pymupdf4llm_total_printed_wrong_rows_stacked_in_one_cell.md"


def test_stacked_cells_are_read_column_by_column_as_printed():
    text = STACKED.read_text(encoding="utf-8")
    assert "|（七）总计<br>四、结转下年度继续办理|0<br>0|" in text
    fields, truth, wrong = read_against_truth(STACKED)
    assert wrong == []
    assert fields["requests.carried_forward.total"].value == truth["requests.carried_forward.total"]


def test_a_total_printed_wrong_stays_where_it_was_printed_and_is_flagged():
    fields, truth, _ = read_against_truth(STACKED)
    total = fields["requests.rejected_publication.total"]
    assert total.value == truth["requests.rejected_publication.total"] == 1
    assert total.status == "inconsistent"
    # no value of the table was moved into another row to make the sums hold
    assert all(not any("column-scattered" in r for r in fv.reasons)
               for f, fv in fields.items() if f.startswith("requests."))


def test_rows_printed_on_their_label_lines_keep_their_numbers_whatever_the_other_rows(tmp_path):
    # both rows' numbers on the second label's line, one per cell: the walk cannot tell whose they
    # are, which sends the table to the readings of column-scattered prints; none may take the
    # other rows' numbers from the lines they were printed on
    text = STACKED.read_text(encoding="utf-8")
    split = tmp_path / "stacked_rows_split.md"
    split.write_text(text.replace("|（七）总计<br>四、结转下年度继续办理|0<br>0|0<br>0|0<br>0|0<br>0|0<br>0|0<br>0|0<br>0|",
                                  "|（七）总计|\n|四、结转下年度继续办理|0|0|0|0|0|0|0|0|0|0|0|0|0|0|"),
                     encoding="utf-8")
    split.with_suffix(".json").write_text(STACKED.with_suffix(".json").read_text(encoding="utf-8"), encoding="utf-8")
    fields, truth, _ = read_against_truth(split)
    assert fields["requests.rejected_publication.total"].value == 1
    assert fields["requests.rejected_publication.total"].status != "ok"
    assert all(fields[f].value == truth[f] for f in truth if f.startswith("requests.") and
               not f.startswith(("requests.handled_total", "requests.carried_forward")))
