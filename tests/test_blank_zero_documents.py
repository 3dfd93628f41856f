"""Blank-zero reports (every zero printed as an empty cell) through a converter that drops empty
cells: rows printed without numbers, the others' numbers placed by the rules across rows.  A value
those rules settle in a table printed row by row, checked by a row's and a column's sum, has the
ok level of rebuilt tables, not the scattered text layers' one; and a section 三 printing only a
few numbers still says by its row labels which template it follows."""
import json
from pathlib import Path

from pipeline import calibration, trust
from pipeline.extract import extract_file
from pipeline.model import CONFIDENT

DATA = Path(__file__).parent / "data"


def _settled(**over) -> dict:
    s = {"path": "text", "table": "requests", "kind": "count", "reading": "lost_cell", "readings": 0.0,
         "scattered": 0.0, "by_columns": 1.0, "order_open": 0.0, "label_score": 0.99, "blank_marker": 0.0,
         "empty_cell": 0.0, "unit_missing": 0.0, "ocr_score": 1.0, "repaired": 0.0, "ocr_agree": 0.0,
         "sum_rules": 2.0, "sum_rules_failed": 0.0, "pinned_elsewhere": 0.0, "print_unique": 0.0,
         "by_narrative": 0.0, "field_rule_failed": 0.0, "narrative": 0.0, "digits": 1.0,
         "doubt_twice": 0.0, "doubt_not_level": 0.0, "doubt_several_labels": 0.0, "doubt_scattered": 0.0,
         "doubt_dropped": 0.0, "doubt_unread": 0.0, "doubt_padding": 0.0, "doubt_kind_swap": 0.0,
         "table_unprinted": 1.0, "table_scattered": 0.9, "table_failing": 0.0, "doc_scattered": 1.0,
         "doc_order_scattered": 0.0, "sum_rules_empty": 0.0, "order_vouched": 0.0,
         "table_row_doubted": 0.0, "zeros_printed": 0.0}
    return {**s, **over}


def test_a_value_settled_across_rows_with_two_holding_rules_in_a_row_wise_table_is_rebuilt():
    s = _settled()
    assert trust.risk_group(s) == "rebuilt" and not trust.never_ok_signals(s)
    # rows printed without numbers before the run: sibling rows keep every rule whichever owns it
    assert trust.never_ok_signals(_settled(doubt_several_labels=1.0))
    # one rule alone gives a lost cell whatever it is
    assert trust.risk_group(_settled(sum_rules=1.0)) == "scattered"
    # a rule that holds only because all its cells are empty checks nothing
    assert trust.risk_group(_settled(sum_rules_empty=1.0)) == "scattered"
    # a document with a table printed column by column: its blank rows may be a scattered block's
    assert trust.risk_group(_settled(doc_order_scattered=1.0)) == "scattered"
    # a rule of the table fails: the placement may be what is off
    assert trust.risk_group(_settled(table_failing=0.1)) == "scattered"
    # a row of the table may hold another row's numbers: swapped rows keep every rule
    assert trust.risk_group(_settled(table_row_doubted=1.0)) == "scattered"
    # the table prints its zeros: a row printed without numbers lost them to another row
    assert trust.risk_group(_settled(zeros_printed=1.0)) == "scattered"
    # signals without the document's order (older data) count as scattered
    old = _settled(); del old["doc_order_scattered"]
    assert trust.risk_group(old) == "scattered"
    # a value beside them, in a document printed row by row, is not in a scattered table
    table = {"requests.a": _settled(), "requests.b": _settled(by_columns=0.0, reading="placed")}
    trust.add_table_context(table)
    trust.add_order_context(table)
    assert [trust.risk_group(s) for s in table.values()] == ["rebuilt", "rebuilt"]
    table = {"requests.a": _settled(sum_rules=1.0), "requests.b": _settled(by_columns=0.0, reading="placed")}
    trust.add_table_context(table)
    trust.add_order_context(table)
    assert [trust.risk_group(s) for s in table.values()] == ["scattered", "scattered"]
    assert "doc_order_scattered" not in calibration.features([{**s, "correct": 1, "set": "t", "doc": "d",
                                                               "field": "f"}])[0]


def test_blank_zero_rows_through_get_text_newline_are_ok_where_two_rules_check_their_placement():
    gold = json.loads((DATA / "blank_zero_rows_dropped_settled_across_rows.json").read_text(encoding="utf-8"))
    fields = extract_file(DATA / "blank_zero_rows_dropped_settled_across_rows.txt").as_dict()["fields"]
    settled = {f: v for f, v in fields.items() if f.startswith("requests.")
               and v.get("signals", {}).get("by_columns") and v["signals"]["sum_rules"] >= 2}
    assert len(settled) > 60
    assert {f: v["value"] for f, v in settled.items()} == {f: gold["fields"][f] for f in settled}
    ok = {f for f, v in settled.items() if v["status"] == "ok" and v["confidence"] >= CONFIDENT}
    assert ok == {f for f, v in settled.items() if not v["signals"]["by_narrative"]
                  and v["signals"]["reading"] != "several_readings" and not v["signals"]["doubt_several_labels"]}
    assert len(ok) >= 7  # 四、结转下年度: a row printed without numbers after 七、总计
    # the cells one rule alone gives stay for review
    for f, v in fields.items():
        if v.get("signals", {}).get("by_columns") and v["signals"]["sum_rules"] < 2:
            assert v["status"] != "ok", f
    # no value of the document is ok and wrong
    assert [f for f, v in fields.items() if v["status"] == "ok" and f in gold["fields"]
            and v["value"] != gold["fields"][f]] == []


def test_a_hybrid_report_whose_section_3_prints_three_numbers_is_read_as_hybrid():
    # zeros printed empty, flattened with no separator: section 三 prints `（六）其他处理（七）总计33`
    # and three numbers in all; its row labels still say which section 三 it is
    gold = json.loads((DATA / "blank_zero_hybrid_section3_glued_three_numbers.json").read_text(encoding="utf-8"))
    out = extract_file(DATA / "blank_zero_hybrid_section3_glued_three_numbers.txt").as_dict()
    assert (out["template"], out["hybrid"]) == (gold["template"], gold["hybrid"]) == ("2021", True)
    other = {f: v for f, v in gold["fields"].items() if f.startswith("requests.other_handling.")}
    assert {f: out["fields"][f]["value"] for f in other} == other


def test_a_number_printed_with_a_plus_sign_in_a_column_of_counts_and_its_row_are_never_ok():
    # pandas repeats a spanned header's column: `| 行政事业性收费 | nan | +1 | +1 |`; with the
    # empty cell (nan) dropped, +1 was read as the previous year's count, ok at 0.976
    gold = json.loads((DATA / "blank_zero_plus_sign_shifted_into_count_column.json").read_text(encoding="utf-8"))
    fields = extract_file(DATA / "blank_zero_plus_sign_shifted_into_count_column.md").as_dict()["fields"]
    shifted = fields["disclosure.fees.prev_items"]
    assert shifted["status"] != "ok" and shifted["confidence"] < CONFIDENT
    assert any("plus sign" in r for r in shifted["reasons"])
    assert fields["disclosure.fees.change"]["status"] != "ok"
    assert [f for f, v in fields.items() if v["status"] == "ok" and v["value"] != gold["fields"].get(f)] == []
    # a signed change printed with its plus sign in its own column stays as it was
    assert fields["disclosure.licensing.change"]["value"] == gold["fields"]["disclosure.licensing.change"] == 2
    assert not fields["disclosure.licensing.change"]["signals"]["sign_misplaced"]
    assert not any("plus sign" in r for r in fields["disclosure.licensing.change"].get("reasons", []))


def _generated_docx(tmp_path, index: int) -> tuple[dict, dict]:
    from pipeline.corpus.generate import doc_stem, generate

    name, seed = "libreoffice_docx", "77072"
    generate(tmp_path, 1, seed, [name], index, log=lambda m: None, zero="")
    path = (tmp_path / name / doc_stem(name, seed, index)).with_suffix(".docx")
    truth = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["fields"]
    return extract_file(path).as_dict()["fields"], truth


def test_a_digit_run_beside_empty_cells_of_a_docx_row_is_one_cells_number(tmp_path):
    """`行政许可 | | | 1227` in a Word table: the row read without its empty cells (they might be a
    label's colspan) split 1227 into 12 | 2 | 7, and the two readings left the row open.  A row
    printing empty cells has explicit cells: its digits never ran together from neighbouring cells."""
    fields, truth = _generated_docx(tmp_path, 1)
    row = {f: v for f, v in fields.items() if f.startswith("disclosure.licensing.")}
    assert {f: v["value"] for f, v in row.items()} == {f: truth[f] for f in row}
    assert all(v["signals"]["reading"] == "as_printed" for v in row.values())


def test_section_four_printing_only_empty_cells_in_a_docx_reads_as_zeros_and_is_not_confident(tmp_path):
    """A Word table's row of empty cells is dropped, and section 四 (one row of values, all 0
    printed empty) had no cell at all: 15 fields missing.  Other rows printing empty cells among
    their numbers show the document prints zeros as empty cells; the row reads as 0s, inferred."""
    fields, truth = _generated_docx(tmp_path, 0)
    appeals = {f: v for f, v in fields.items() if f.startswith("appeals.")}
    assert all(truth[f] == 0 for f in appeals)
    assert {f: v["value"] for f, v in appeals.items()} == {f: 0 for f in appeals}
    assert not any(v["status"] == "ok" for v in appeals.values())


def test_numbers_amid_a_wrapped_label_of_an_unruled_pdf_are_that_row_s():
    # an unruled PDF table centres a row's numbers on its tall cell, between the label's wrapped
    # lines (`5．属于三类内` / `1 1` / `部事务信息`); the rows above printed nothing (zeros as empty
    # cells). The positions say whose numbers they are: no several-labels doubt on any of them
    stem = "unruled_pdf_numbers_amid_wrapped_labels"
    gold = json.loads((DATA / f"{stem}.json").read_text(encoding="utf-8"))["fields"]
    fields = extract_file(DATA / f"{stem}.pdf").as_dict()["fields"]
    blank_rows = ("withheld_state_secret", "withheld_prohibited", "withheld_security", "withheld_third_party")
    for row in blank_rows + ("withheld_internal",):
        for f in (k for k in gold if k.startswith(f"requests.{row}.")):
            assert fields[f]["value"] == gold[f], f
            assert not any("several row labels" in r for r in fields[f]["reasons"]), f
            assert fields[f]["status"] == "ok" or row == "withheld_internal", f
    assert fields["requests.withheld_internal.total"]["status"] == "ok"
    assert [f for f, v in fields.items() if v["status"] == "ok" and f in gold and v["value"] != gold[f]] == []


def test_numbers_below_a_label_the_next_unread_label_continues_keep_their_doubt():
    # the numbers stand below `5.要求行政机…`'s lines, beside a label the spotter did not read
    # (`（六）其他处理` / `1.申请人无正当理由…`), whose wrapped line follows them in the label
    # column: they are not amid the pending label, so they stay doubted (they are the next row's)
    stem = "unruled_pdf_numbers_below_an_unread_label"
    gold = json.loads((DATA / f"{stem}.json").read_text(encoding="utf-8"))["fields"]
    fields = extract_file(DATA / f"{stem}.pdf").as_dict()["fields"]
    for f in ("requests.rejected_reconfirm.natural_person", "requests.rejected_reconfirm.total"):
        assert fields[f]["value"] != gold[f] and fields[f]["status"] != "ok", f
        assert any("several row labels" in r for r in fields[f]["reasons"]), f
    # its rows centred between their own wrapped lines read as before: right, whatever their status
    for f in ("requests.withheld_security.total", "requests.withheld_process.total"):
        assert fields[f]["value"] == gold[f], f
