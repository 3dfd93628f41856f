"""Blank-zero reports whose printed table is also wrong (one total printed off), flattened to text by
a converter that drops empty cells (pdftotext raw).  No placement of the rows' numbers keeps every
rule, so the rules across rows used to leave section 三 unread; a placement that one wrong printed
total explains is read now, never ok, the wrong total kept as printed and its failing checks named."""
import json
from pathlib import Path

import pytest

from pipeline.extract import extract_file
from pipeline.model import CONFIDENT

DATA = Path(__file__).parent / "data"

CASES = [
    # `6. 属于四类过程性信息 1`: the row's total printed 1 over empty parts (its row and its column fail)
    ("blank_zero_row_total_printed_wrong_pdftotext_raw", "requests.withheld_process.total"),
    # `（七）总计 8 1 8`: a 总计 cell printed 1 over an empty column; rows printed without numbers
    # must still read as empty, not as rows that lost numbers absorbing the wrong total.  Which
    # empty column the 1 stands in no rule says (any of four fits as well): it stays a candidate
    ("blank_zero_grand_total_printed_wrong_pdftotext_raw", "requests.handled_total.social_org"),
]


def _read(stem: str, suffix: str = ".txt") -> tuple[dict, dict]:
    gold = json.loads((DATA / f"{stem}.json").read_text(encoding="utf-8"))
    return gold, extract_file(DATA / f"{stem}{suffix}").as_dict()


@pytest.mark.parametrize("stem,wrong", CASES)
def test_section_3_of_a_blank_zero_table_with_one_wrong_total_is_read(stem, wrong):
    gold, out = _read(stem)
    assert any(note.startswith(f"printed {wrong} =") for note in gold["notes"])
    requests = {f: v for f, v in gold["fields"].items() if f.startswith("requests.") and v is not None}
    read = {f: out["fields"][f]["value"] for f in requests if out["fields"].get(f, {}).get("value") is not None}
    assert len(read) == len(requests)  # main left 84 and 102 of 161 unread
    assert sum(read[f] == v for f, v in requests.items()) >= 0.9 * len(requests)


@pytest.mark.parametrize("stem,wrong", CASES)
def test_values_placed_around_a_wrong_total_are_never_ok_and_the_total_stays_as_printed(stem, wrong):
    gold, out = _read(stem)
    fields = out["fields"]
    placed = {f: v for f, v in fields.items() if v.get("signals", {}).get("one_total_wrong")}
    assert placed
    for f, v in placed.items():
        assert v["status"] != "ok" and v["confidence"] < CONFIDENT, f
        assert any("printed total taken as wrong" in r for r in v["reasons"]), f
    # never silently fixed: the printed value stays (read, or among the candidates where the
    # print does not say which column it stands in), flagged, and the failing checks are named
    total = fields[wrong]
    assert gold["fields"][wrong] in [total["value"]] + total.get("candidates", [])
    assert total["status"] == "inconsistent"
    row = wrong.rsplit(".", 1)[0]
    assert any(not c["ok"] and any(f.startswith(row + ".") for f in c["fields"]) for c in out["checks"])
    assert [f for f, v in fields.items() if v["status"] == "ok" and v["confidence"] >= CONFIDENT
            and gold["fields"].get(f) is not None and v["value"] != gold["fields"][f]] == []


def test_a_total_printed_empty_over_its_parts_is_not_read_as_the_sum_the_rules_want():
    # w3m: `（七）总计  6  9` while the 商业企业 column's results add up to 3: the 总计 cell printed
    # empty (0).  Read as a lost number, the rules gave it 3 (ok at 0.995): a printed value silently
    # replaced.  With the row's blanks as printed and that total taken as wrong, it reads 0; it has
    # both values as candidates and is never ok
    gold, out = _read("blank_zero_grand_total_printed_empty_w3m")
    wrong = "requests.handled_total.enterprise"
    assert any(note.startswith(f"printed {wrong} = 0 ") for note in gold["notes"])
    cell = out["fields"][wrong]
    assert cell["value"] == gold["fields"][wrong] == 0
    assert cell["status"] != "ok" and cell["confidence"] < CONFIDENT
    assert 3 in cell["candidates"]
    assert any(not c["ok"] and wrong in c["fields"] for c in out["checks"])
    assert [f for f, v in out["fields"].items() if v["status"] == "ok" and v["confidence"] >= CONFIDENT
            and gold["fields"].get(f) is not None and v["value"] != gold["fields"][f]] == []


def test_the_failing_rules_point_at_the_one_total_taken_as_wrong():
    # a placement that keeps every rule but one total's cannot be what the failing rules point at
    # instead: the total is the value to review, the other values of its rules are not inconsistent
    stem, wrong = CASES[0]
    gold, out = _read(stem)
    fields = out["fields"]
    assert "the failing sum rules point at this value" in fields[wrong]["reasons"]
    failing = {f for c in out["checks"] if not c["ok"] for f in c["fields"]}
    assert len(failing) > 20
    assert [f for f in failing if fields[f]["status"] == "inconsistent"] == [wrong]



def test_printed_values_beside_a_total_taken_as_wrong_keep_their_status():
    # PyMuPDF4LLM prints `（七）总计|6<br>4|` (自然人 6, printed wrong: its column gives 4; 总计 4); the
    # other rows are read as printed.  The 总计 row placed around the wrong 6 is never ok; it must
    # not turn the table into one read in a scattered order, nor leave the other values of the
    # failing rules inconsistent (main left the row unread and the rest ok)
    gold, out = _read("blank_zero_grand_total_cell_printed_wrong_pymupdf4llm", ".md")
    fields = out["fields"]
    wrong = "requests.handled_total.natural_person"
    requests = {f: v for f, v in gold["fields"].items() if f.startswith("requests.") and v is not None}
    assert all(fields[f]["value"] == v for f, v in requests.items())
    assert fields[wrong]["status"] == "inconsistent"
    ok = [f for f in requests if fields[f]["status"] == "ok"]
    assert len(ok) >= len(requests) - 10
    assert not any(fields[f]["status"] == "ok" for f in requests if f.startswith("requests.handled_total."))
