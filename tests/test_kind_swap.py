"""A row with a count and an amount whose converter printed its cells out of order: PyMuPDF4LLM
orders a flattened row's cells by their place on the page, and an amount vertically centred
above the count comes first.  No sum rule covers the row, so only the printed form tells: a
number printed with a decimal fraction (`290795.00`) is an amount, never a count."""
from pathlib import Path

from pipeline.extract import extract_file

DATA = Path(__file__).parent / "data"
SWAPPED = DATA / "pymupdf4llm_amount_printed_before_count.md"
ROW = ("disclosure.procurement.projects", "disclosure.procurement.amount_yuan")


def _row(path: Path) -> dict:
    doc = extract_file(path).as_dict()
    return {f: doc["fields"][f] for f in ROW}


def test_an_amount_printed_in_the_count_cell_sends_the_row_to_review():
    fields = _row(SWAPPED)
    assert fields[ROW[0]]["value"] == 290795  # as printed: never silently swapped back
    for field in fields.values():
        assert field["status"] != "ok" and field["confidence"] < 0.9
        assert any("decimal fraction" in r for r in field["reasons"])


def test_the_same_row_printed_in_order_stays_confident(tmp_path):
    text = SWAPPED.read_text(encoding="utf-8")
    amount, count = "290795.00 \n\n2 \n", "2 \n\n290795.00 \n"
    assert amount in text
    ordered = tmp_path / SWAPPED.name
    ordered.write_text(text.replace(amount, count), encoding="utf-8")
    fields = _row(ordered)
    assert [fields[f]["value"] for f in ROW] == [2, 290795]
    assert all(f["status"] == "ok" for f in fields.values())
