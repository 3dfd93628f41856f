"""Section 二 as pdfminer prints it (issue 11): each sub-table's column header, then that column's
cells one a line, the row labels after all the numbers (so no label-then-numbers reading finds
them).  A run is placed by its header and its length; where two sub-tables fit alike (2019's
（五） and （六） share their columns and row count), the cells stay candidates, never ok."""
import json
import random
from pathlib import Path

import pytest

from pipeline.extract import extract_file
from pipeline.model import CONFIDENT
from pipeline.synth import _SECTION_TITLES, _fmt, printed_rows, random_gold, render, template_for


# the sub-table of 第二十条 each row is printed in, as the templates print them
PARTS = {"rules": "（一）", "normative_docs": "（一）", "licensing": "（五）", "other_services": "（五）",
         "penalty": "（六）", "coercion": "（六）", "fees": "（八）", "procurement": "（九）"}


def header_block(template, gold: dict, zero: str) -> list[str]:
    """Section 二 column by column under its headers, sub-table after sub-table, labels last."""
    table = template.table("disclosure")
    out, labels = [_SECTION_TITLES["disclosure"]], []
    parts: dict[str, list] = {}
    for row in table.rows:
        parts.setdefault(PARTS[row.id], []).append(row)
    for part, rows in parts.items():
        out.append(f"第二十条第{part}项")
        for c in rows[0].columns:
            column = table.columns[c]
            out.append(column.labels[0])
            for row in rows:
                value = gold["fields"][table.field_id(row.id, c)]
                text = _fmt(value, column.kind, column.default_unit if column.kind == "money" else None)
                if text in ("0", "+0"):
                    text = zero
                if text:
                    out.append(text)
        labels += ["信息内容"] + [row.labels[0] for row in rows]
    return out + labels


def dump(gold: dict, zero: str) -> str:
    template = template_for(gold)
    text = render(template, printed_rows(template, gold["fields"]), gold)
    head, rest = text.split(_SECTION_TITLES["disclosure"], 1)
    tail = rest[rest.index(_SECTION_TITLES["requests"]):]
    return head + "\n\n".join(header_block(template, gold, zero)) + "\n\n" + tail


def read(tmp_path, gold, zero):
    path = tmp_path / "report.txt"
    path.write_text(dump(gold, zero), encoding="utf-8")
    fields = extract_file(path).as_dict()["fields"]
    return {f: fields[f] for f in gold["fields"] if f.startswith("disclosure.")}


def wrong_ok(fields, gold):
    return [f for f, v in fields.items() if v["value"] != gold["fields"][f]
            and v["status"] == "ok" and v["confidence"] >= CONFIDENT]


@pytest.mark.parametrize("seed", range(3))
def test_section_two_printed_under_its_column_headers_is_read(tmp_path, seed):
    gold = random_gold("2021", random.Random(f"header-runs-{seed}"))
    fields = read(tmp_path, gold, "/")
    assert {f: v["value"] for f, v in fields.items()} == {f: gold["fields"][f] for f in fields}
    assert not wrong_ok(fields, gold)
    assert all("column header" in " ".join(v["reasons"]) for v in fields.values())


@pytest.mark.parametrize("seed", range(3))
def test_sub_tables_that_fit_alike_keep_their_cells_open(tmp_path, seed):
    """2019: （五） and （六） have the same columns and two rows each: a run under 处理决定数量 fits
    either, so their cells are candidates (never ok) unless both placements read one value."""
    gold = random_gold("2019", random.Random(f"header-runs-2019-{seed}"))
    fields = read(tmp_path, gold, "0")
    assert not wrong_ok(fields, gold)
    for row, other in (("licensing", "penalty"), ("other_services", "coercion")):
        for c in ("prev_items", "change", "decisions"):
            f, g = f"disclosure.{row}.{c}", f"disclosure.{other}.{c}"
            if gold["fields"][f] != gold["fields"][g]:
                assert fields[f]["status"] != "ok" and gold["fields"][f] in fields[f]["candidates"] + [fields[f]["value"]]
    for f in ("disclosure.rules.new_made", "disclosure.fees.prev_items", "disclosure.procurement.projects"):
        assert fields[f]["value"] == gold["fields"][f]


def test_a_short_run_where_zeros_print_empty_is_not_placed(tmp_path):
    """Zeros printed as empty cells: a run of one under 本年处理决定数量 may be （五）'s one row or
    either row of （六）, so none of those cells is read from it."""
    rng = random.Random("header-runs-blank")
    gold = random_gold("2021", rng)
    gold["fields"].update({"disclosure.licensing.decisions": 0, "disclosure.penalty.decisions": 7,
                           "disclosure.coercion.decisions": 0})
    fields = read(tmp_path, gold, "")
    for row in ("licensing", "penalty", "coercion"):
        assert fields[f"disclosure.{row}.decisions"]["status"] != "ok"
    assert not wrong_ok(fields, gold)


def requests_by_header_columns(gold: dict) -> str:
    """Section 三 as pdfminer prints a table whose boxes are whole columns: every row label, then
    the column headers' boxes each with its column's cells, the first row of the last group of
    columns printed before its other rows, and that group after section 四's heading."""
    template = template_for(gold)
    rows = printed_rows(template, gold["fields"])
    text = render(template, rows, gold)
    requests = [r for r in rows if r.table == "requests"]
    table = template.table("requests")
    column = {c: [r.cells[k] for r in requests] for k, c in enumerate(table.rows[0].columns)}
    head = lambda cs: [table.columns[c].labels[0] for c in cs]  # noqa: E731
    labels = [t for r in requests for t in ([r.group] if r.group else []) + [r.label]]
    first = ["申请人情况"] + labels + head(["natural_person"]) + column["natural_person"] + ["法人或其他组织"]
    middle = ["enterprise", "research", "social_org", "legal_service"]
    first += head(middle) + [v for c in middle for v in column[c]]
    last = ["other_org", "total"]
    pulled = head(last) + [column[c][0] for c in last] + [v for c in last for v in column[c][1:]]
    before, rest = text.split(_SECTION_TITLES["requests"], 1)
    appeals = rest[rest.index(_SECTION_TITLES["appeals"]) + len(_SECTION_TITLES["appeals"]):]
    return (before + "\n\n".join([_SECTION_TITLES["requests"]] + first + [_SECTION_TITLES["appeals"]] + pulled)
            + "\n\n" + appeals)


@pytest.mark.parametrize("seed", range(4))
def test_a_table_printed_whole_by_header_columns_is_read(tmp_path, seed):
    gold = random_gold("2019" if seed % 2 else "2021", random.Random(f"header-columns-{seed}"))
    path = tmp_path / "report.txt"
    path.write_text(requests_by_header_columns(gold), encoding="utf-8")
    fields = extract_file(path).as_dict()["fields"]
    wanted = {f: v for f, v in gold["fields"].items() if f.startswith(("requests.", "appeals."))}
    assert {f: fields[f]["value"] for f in wanted} == wanted
    assert not [f for f in wanted if fields[f]["value"] != wanted[f] and fields[f]["status"] == "ok"]


def test_numbers_ocr_read_under_a_header_are_a_row_of_cells_not_a_column_run():
    # OCR reads a ruled grid cell by cell, so a header cell followed by numbers is the header
    # row beside its cells; only a text layer's boxes print a column's cells under its header
    from pipeline.header_runs import find_runs
    from pipeline.model import Token

    labels = {"本年新制作数量": "new_made"}
    printed = [Token("text", "本年新制作数量"), Token("number", "3", value=3), Token("number", "0", value=0)]
    ocr = [Token("text", "本年新制作数量", score=0.98), Token("number", "3", value=3, score=0.99),
           Token("number", "0", value=0, score=0.97)]
    assert [r.numbers for r in find_runs(printed, labels, 0, 3)] == [(1, 2)]
    assert find_runs(ocr, labels, 0, 3) == []


DATA = Path(__file__).parent / "data"


def test_column_boxes_printed_out_of_header_order_are_read_by_their_headers():
    # real pdfminer dump of a generated WeasyPrint report: section 三's first two rows print as
    # column boxes, 社会公益组织's and 法律服务机构's before 科研机构's; read in printed order, the row
    # sums hold as well, and 法律服务机构's 1 went to 社会公益组织, its 0 read ok
    truth = json.loads((DATA / "pdfminer_column_boxes_out_of_header_order.json").read_text(encoding="utf-8"))
    fields = extract_file(DATA / "pdfminer_column_boxes_out_of_header_order.txt").as_dict()["fields"]
    for column in ("research", "social_org", "legal_service"):
        key = f"requests.received.{column}"
        assert fields[key]["value"] == truth["fields"][key], key
    assert not [k for k, f in fields.items() if f["value"] != truth["fields"].get(k)
                and f["status"] == "ok" and f["confidence"] >= CONFIDENT]


def test_chunk_headers_count_only_where_each_heads_a_whole_chunk():
    from pipeline.header_runs import chunk_columns
    from pipeline.model import Token
    from pipeline.schema import load_template

    table = load_template("2019").table("requests")
    columns = table.row("received").columns

    def tokens(*items):
        return [Token("number", x, value=int(x)) if x.isdigit() else Token("text", x) for x in items]

    def numbers(toks):
        return [i for i, t in enumerate(toks) if t.kind == "number"]

    boxes = tokens("自然人", "1", "2", "社会公", "益组织", "3", "4", "商业企业", "5", "6")
    assert chunk_columns(table, columns, boxes, numbers(boxes), 2) == {1: 3, 2: 1}
    # a header inside a chunk: the chunks are not the boxes the headers head
    inside = tokens("1", "2", "3", "商业企业", "4", "5", "6")
    assert chunk_columns(table, columns, inside, numbers(inside), 2) is None
    # the last of a header row (headers stacked, or wrapped a character a line and interleaved):
    # which column the chunk after it is, it does not say
    stacked = tokens("1", "2", "总计", "其他", "3", "4")
    interleaved = tokens("1", "2", "社会", "法律", "公", "服", "益组", "务机", "织", "构", "其", "他", "3", "4")
    assert chunk_columns(table, columns, stacked, numbers(stacked), 2) == {}
    assert chunk_columns(table, columns, interleaved, numbers(interleaved), 2) == {}


def test_a_cell_printed_with_its_row_label_is_read_into_its_column():
    # real pdfminer dump of a generated WeasyPrint report: section 三's columns printed box by box
    # before the row labels, but 自然人's 19 for 本机关不掌握相关政府信息 printed right after that label
    # (its box holds the other 24 cells); read with the 19 at the end of the column, the column
    # slid one row and every rule over it failed
    truth = json.loads((DATA / "pdfminer_cell_printed_with_its_row_label.json").read_text(encoding="utf-8"))
    fields = extract_file(DATA / "pdfminer_cell_printed_with_its_row_label.txt").as_dict()["fields"]
    requests = {k: v for k, v in truth["fields"].items() if k.startswith("requests.")}
    assert {k: fields[k]["value"] for k in requests} == requests
    assert not [k for k, f in fields.items() if f["value"] != truth["fields"].get(k)
                and f["status"] == "ok" and f["confidence"] >= CONFIDENT]


def test_numbers_after_another_sub_tables_heading_are_never_ok_for_the_label_before_it():
    # real pdfminer dump of a generated WeasyPrint report: section 二 prints `5704 行政许可` (the
    # number before its label), then `第二十条第（六）项 信息 内容 0 行政处罚`; 行政许可 took （六）'s 0,
    # ok at 0.976
    truth = json.loads((DATA / "pdfminer_subtable_numbers_before_their_labels.json").read_text(encoding="utf-8"))
    fields = extract_file(DATA / "pdfminer_subtable_numbers_before_their_labels.txt").as_dict()["fields"]
    licensing = fields["disclosure.licensing.decisions"]
    assert licensing["value"] == truth["fields"]["disclosure.licensing.decisions"] or licensing["status"] != "ok"
    assert not [k for k, f in fields.items() if f["value"] != truth["fields"].get(k)
                and f["status"] == "ok" and f["confidence"] >= CONFIDENT]


def test_rows_of_a_table_that_lost_whole_columns_are_not_pinned_to_zeros():
    # real pdfminer dump of a generated WeasyPrint report whose section 三 printed only its 自然人
    # column (one number a row, zeros printed): a row's lone 0 was taken for its total, pinning
    # every other cell of the row to 0, ok (the 1s and 3s of the lost columns read 0 at 0.94-0.98)
    truth = json.loads((DATA / "pdfminer_section_three_columns_lost.json").read_text(encoding="utf-8"))
    fields = extract_file(DATA / "pdfminer_section_three_columns_lost.txt").as_dict()["fields"]
    assert not [k for k, f in fields.items() if f["value"] != truth["fields"].get(k)
                and f["status"] == "ok" and f["confidence"] >= CONFIDENT]
