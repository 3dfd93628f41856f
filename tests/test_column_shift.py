"""A column of numbers a text grid placed by alignment, beside a column that prints nothing in
any row: pdftotext -layout spaces CJK headers and numbers differently, puts a blank-zero table's
社会公益组织 numbers under 法律服务机构, and every sum rule holds either way."""
from pathlib import Path

from pipeline import trust

from .conftest import read_against_truth

DATA = Path(__file__).parent / "data"
ONE_OFF = DATA / "pdftotext_layout_blank_zeros_column_one_off.txt"
COLUMNS = ("natural_person", "enterprise", "research", "social_org", "legal_service", "other_org", "total")


def test_no_value_of_a_column_placed_one_off_is_ok():
    fields, _, wrong = read_against_truth(ONE_OFF)
    assert wrong  # the alignment did put them one column off
    assert all(fields[f].status != "ok" for f in wrong)


def _signals(loose: bool, printed_columns: set[str]) -> dict[str, dict]:
    out = {}
    for row in ("received", "carried_over"):
        for c in COLUMNS:
            printed = c in printed_columns or c == "total"
            out[f"requests.{row}.{c}"] = {"grid_placed": 1.0, "grid_loose": float(loose), "empty_cell": float(not printed),
                                          "blank_marker": 0.0, "reading": "as_printed"}
    return out


def _shift_open(signals: dict[str, dict]) -> set[str]:
    trust.add_column_shift(signals, trust.load_template("2021"))
    return {f.split(".")[2] for f, s in signals.items() if s.get("column_shift_open")}


def test_a_placed_column_beside_a_silent_twin_is_open_and_the_twin_too():
    assert _shift_open(_signals(True, {"natural_person", "social_org"})) == {
        "enterprise", "natural_person", "research", "social_org", "legal_service"}


def test_columns_whose_neighbours_print_numbers_are_not_open():
    assert _shift_open(_signals(True, set(COLUMNS))) == set()


def test_numbers_placed_under_evenly_spaced_headers_are_not_open_beside_a_silent_column():
    assert _shift_open(_signals(False, {"natural_person", "social_org"})) == set()


def test_a_grid_measured_in_characters_leaves_a_column_beside_a_silent_twin_open():
    # pdftotext -layout: rows whose CJK labels differ in length shift their numbers a character or
    # two, and 法律服务机构's 37, 1, 11, 2 were put under 其他 (every sum rule holds)
    path = DATA / "pdftotext_layout_blank_zeros_numbers_shifted_by_label_length.txt"
    fields, _, wrong = read_against_truth(path)
    assert "requests.received.legal_service" in wrong
    assert all(fields[f].status != "ok" for f in wrong)


def test_rows_the_rules_settle_through_a_grid_row_inherit_its_open_column():
    # the grid row 一、本年新收 put its second 1 under 社会公益组织 (it is 其他's); rows printed
    # without empty cells (（七）总计 `25 1 1 27`) were settled through it by the column sums
    path = DATA / "pdftotext_layout_blank_zeros_rows_settled_through_a_grid_row.txt"
    fields, _, wrong = read_against_truth(path)
    assert "requests.handled_total.other_org" in wrong
    assert all(fields[f].status != "ok" for f in wrong)
