"""Rows of a table printed row by row whose first rows are blank (the label alone on its line),
read through converters that keep lines: the numbers standing on a label's line are that row's,
never a column-scattered block shared with the blank rows above (issue 11; a confident wrong
value on pdftotext -layout output, issue 13)."""
import json
import random
from pathlib import Path

import pytest

from pipeline.extract import extract_file
from pipeline.model import CONFIDENT
from pipeline.synth import printed_rows, random_gold, render, template_for

DATA = Path(__file__).parent / "data"
BLANK_ROWS = ("rules", "licensing")  # each the first row of its column block in section 二


def layout_text(seed: int) -> tuple[str, dict]:
    """A report printed as `pdftotext -layout` prints it: cells padded into columns, the blank
    rows' labels alone on their lines, a page break before the first of them."""
    gold = random_gold("2021", random.Random(seed))
    for row in BLANK_ROWS:
        for key in gold["fields"]:
            if key.startswith(f"disclosure.{row}."):
                gold["fields"][key] = 0
    template = template_for(gold)

    def line_of(row, sep):
        label = "".join(([row.group] if row.group else []) + [row.label])
        if row.table == "disclosure" and row.row in BLANK_ROWS:
            return [("\f" if row.row == "rules" else "") + "    " + label]
        return [" " + label + "".join(c.rjust(8) for c in row.cells)]

    return render(template, printed_rows(template, gold["fields"]), gold, " ", line_of), gold


@pytest.mark.parametrize("seed", range(3))
def test_numbers_on_a_labels_line_are_that_rows_not_the_blank_rows_above(tmp_path, seed):
    text, gold = layout_text(seed)
    path = tmp_path / "layout.txt"
    path.write_text(text, encoding="utf-8")
    fields = extract_file(path).as_dict()["fields"]
    for row in ("normative_docs", "penalty"):
        for key in (k for k in gold["fields"] if k.startswith(f"disclosure.{row}.")):
            assert fields[key]["value"] == gold["fields"][key], key
            # level with its label: no doubt about which row the numbers belong to
            assert fields[key]["status"] == "ok", (key, fields[key])
    for row in BLANK_ROWS:
        for key in (k for k in gold["fields"] if k.startswith(f"disclosure.{row}.")):
            assert fields[key]["value"] in (None, 0), (key, fields[key])


def test_a_blank_row_over_a_page_break_takes_none_of_the_next_rows_numbers():
    # real pdftotext -layout output of a generated report: the character grid gives the row under
    # the blank one more cells than its table has, which once made the pair a "column-scattered
    # block" and read the next row's 3 into the blank row, ok at 0.999
    truth = json.loads((DATA / "pdftotext_layout_blank_row_over_page_break.json").read_text(encoding="utf-8"))
    fields = extract_file(DATA / "pdftotext_layout_blank_row_over_page_break.txt").as_dict()["fields"]
    wrong = {k: (f["value"], truth["fields"][k]) for k, f in fields.items()
             if f["confidence"] >= CONFIDENT and f["value"] != truth["fields"].get(k)}
    assert not wrong
    for key in ("disclosure.normative_docs.issued", "disclosure.normative_docs.repealed",
                "disclosure.normative_docs.in_force", "disclosure.penalty.decisions"):
        assert fields[key]["value"] == truth["fields"][key] and fields[key]["status"] == "ok", key
