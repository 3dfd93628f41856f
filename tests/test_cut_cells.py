"""Numbers a converter cut at a cell border.  PyMuPDF4LLM draws one grid over a page's tables of
different columns; a number straddling a border is cut there (`|1251|.8|`), and one straddling
it otherwise may lose a digit (行政强制 `160` printed `16`), which nothing in its row shows."""
import json
from pathlib import Path

from pipeline.extract import extract_file

DATA = Path(__file__).parent / "data"
CUT = DATA / "pymupdf4llm_number_cut_at_a_cell_border.md"
TRUTH = json.loads(CUT.with_suffix(".json").read_text(encoding="utf-8"))["fields"]


def _disclosure(fields) -> dict:
    return {f: v for f, v in fields.items() if f.startswith("disclosure.")}


def test_a_number_cut_at_a_cell_border_is_read_whole():
    fields = extract_file(CUT).fields
    assert fields["disclosure.fees.amount_yuan"].value == TRUTH["disclosure.fees.amount_yuan"]


def test_a_cut_number_sends_the_values_no_sum_rule_checks_to_review():
    fields = extract_file(CUT).fields
    lost_digit = fields["disclosure.coercion.decisions"]
    assert lost_digit.value != TRUTH["disclosure.coercion.decisions"]  # the print lost the digit
    assert all(fv.status != "ok" for fv in _disclosure(fields).values())
    # section 三's rows are under sum rules: the cut elsewhere does not doubt them
    assert fields["requests.received.total"].status == "ok"


def test_without_the_cut_the_same_table_is_trusted(tmp_path):
    # (the lost digit is then invisible: what the doubt is for)
    whole = tmp_path / "number_printed_whole.md"
    text = CUT.read_text(encoding="utf-8")
    assert "|1251|.8|" in text
    whole.write_text(text.replace("|1251|.8|", "|1251.8||"), encoding="utf-8")
    fields = extract_file(whole).fields
    assert fields["disclosure.fees.amount_yuan"].value == TRUTH["disclosure.fees.amount_yuan"]
    assert all(fv.status == "ok" for fv in _disclosure(fields).values())


MINUS_CUT = DATA / "pymupdf4llm_minus_cut_off_at_a_cell_border.md"


def test_a_lone_minus_before_a_change_sends_the_row_to_review():
    # `|行政处罚|-|3||7||`: an empty 上一年项目数量 and -3, or a dash for 0 and +3
    truth = json.loads(MINUS_CUT.with_suffix(".json").read_text(encoding="utf-8"))["fields"]
    fields = extract_file(MINUS_CUT).fields
    change = fields["disclosure.penalty.change"]
    assert change.value in (truth["disclosure.penalty.change"], -truth["disclosure.penalty.change"])
    assert change.status != "ok" and any("minus" in r for r in change.reasons)


def test_a_zero_before_a_change_is_not_doubted(tmp_path):
    zero = tmp_path / "zero_printed_before_the_change.md"
    text = MINUS_CUT.read_text(encoding="utf-8")
    assert "|行政处罚|-|3||7||" in text
    zero.write_text(text.replace("|行政处罚|-|3||7||", "|行政处罚|0|3||7||"), encoding="utf-8")
    change = extract_file(zero).fields["disclosure.penalty.change"]
    assert change.value == 3 and not any("minus" in r for r in change.reasons)


PAIRED = DATA / "pymupdf4llm_numbers_cut_between_paired_grid_columns.md"


def test_numbers_cut_between_a_pair_of_grid_columns_are_joined_and_doubted():
    # one grid drawn over the page puts two grid columns under each of section 二's: `|规范性文件|0||0||1|8|`
    # prints 0, 0, 18 and `|行政处罚|90||-3||29|4|` prints 90, -3, 294
    text = PAIRED.read_text(encoding="utf-8")
    assert "|规范性文件|0||0||1|8|" in text and "|行政处罚|90||-3||29|4|" in text
    truth = json.loads(PAIRED.with_suffix(".json").read_text(encoding="utf-8"))["fields"]
    fields = extract_file(PAIRED).fields
    for f in ("disclosure.normative_docs.total_published", "disclosure.penalty.decisions",
              "disclosure.other_services.decisions", "disclosure.coercion.decisions"):
        assert fields[f].value == truth[f], f
        assert fields[f].status != "ok"  # a digit may be lost at a border: nothing checks these rows


def test_a_row_of_twice_its_cells_without_a_cut_reads_as_printed(tmp_path):
    # the same rows with every value in the first cell of its pair: nothing to join
    text = PAIRED.read_text(encoding="utf-8").replace("|规范性文件|0||0||1|8|", "|规范性文件|0||0||18||")
    uncut = tmp_path / "paired_columns_uncut.md"
    uncut.write_text(text, encoding="utf-8")
    fields = extract_file(uncut).fields
    assert fields["disclosure.normative_docs.total_published"].value == 18
