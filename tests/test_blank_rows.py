"""Rows printed with empty cells for zero, read through converters that drop the empty cells:
their numbers are placed among the template's columns by the sum rules, jointly across rows,
and a placement the rules do not settle is never ok (issue 11)."""
import json
import random
import re
from pathlib import Path

from pipeline.cells import agreed_cells, guesses_from, joint_solutions, row_readings, run_together_readings
from pipeline.extract import extract_file

from .conftest import read_against_truth

DATA = Path(__file__).parent / "data"

ALL_SETTLED = "settled by the rules across rows"
PLACED = "fewer numbers than cells"


def test_lost_blanks_read_as_zero_only_where_one_placement_fits():
    # two groups in one row (c0 + c1 = c2, c3 + c4 + c5 = c6), the empty cells dropped: no
    # placement pins every cell by propagation, the lost cells are the zeros they printed
    equations = [((0, 1), (2,)), ((3, 4, 5), (6,))]
    found = row_readings([1, 1, 1, 3], 7, equations, blanks_lost=True)
    assert [cells for cells, _ in found] == [[0, 0, 0, 1, 1, 1, 3]]
    guesses = guesses_from(found, 4, 7, equations)
    assert [g.value for g in guesses] == [0, 0, 0, 1, 1, 1, 3]
    assert [g.source for g in guesses] == [None, None, None, 0, 1, 2, 3]
    # "1 1 2" fits either group (and two of group B's three parts): several placements, nothing settled
    found = row_readings([1, 1, 2], 7, equations, blanks_lost=True)
    assert len(found) == 4
    assert all(g.how == "ambiguous" for g in guesses_from(found, 3, 7, equations))
    # a row without any number says nothing about how its table prints zeros
    assert row_readings([], 7, equations, blanks_lost=True) == [([None] * 7, [None] * 7)]
    # a row that shows its empty cells lost none: its cells no number lands in stay open
    assert all(None in cells for cells, _ in row_readings([1, 1, 1, 3], 7, equations))


def _agreement(rows, equations, signed):
    every = joint_solutions(rows, equations, signed, limit=10 ** 6, budget=10 ** 7)
    n = len(every[0][0]) if every else 0
    return every, {i: every[0][0][i] for i in range(n)
                   if every[0][0][i] is not None and all(sol[0][i] == every[0][0][i] for sol in every)}


def test_cells_proven_beyond_the_listed_solutions_are_those_every_solution_agrees_on():
    rng = random.Random(11)
    compared = proven_some = 0
    for _ in range(400):
        n_rows, width = rng.randint(2, 4), rng.randint(2, 3)
        rows = [[([rng.randint(0, 3) for _ in range(width)], list(range(width))) for _ in range(rng.randint(1, 4))]
                for _ in range(n_rows)]
        equations = []
        for _ in range(rng.randint(1, 4)):
            picked = rng.sample(range(n_rows * width), rng.randint(2, 4))
            cut = rng.randint(1, len(picked) - 1)
            equations.append((tuple(picked[:cut]), tuple(picked[cut:])))
        signed = [False] * (n_rows * width)
        every, agreed = _agreement(rows, equations, signed)
        if len(every) < 3:
            continue
        listed = joint_solutions(rows, equations, signed, limit=2)
        proven = agreed_cells(rows, equations, signed, listed, list(range(n_rows * width)))
        assert proven == agreed  # a generous budget: every agreed cell is proven, nothing else
        compared += 1
        proven_some += bool(proven)
    assert compared > 20 and proven_some > 5


def test_a_proof_out_of_budget_settles_nothing_more():
    rows = [[([a, 3 - a], [0, 1]) for a in range(4)] for _ in range(6)]
    equations = [((0, 2, 4, 6, 8, 10), (1, 3, 5, 7, 9, 11))]  # column sums equal: many solutions
    listed = joint_solutions(rows, equations, [False] * 12, limit=2)
    assert agreed_cells(rows, equations, [False] * 12, listed, list(range(12)), budget=3) == {}


def _drop_empty_cells(path):
    """The text as a converter that drops empty cells prints it: no line of only &nbsp;."""
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join(l for l in lines if not (l.strip() == "" and "\xa0" in l)), encoding="utf-8")


def test_blank_zero_document_short_rows_placed_by_the_rules(tmp_path):
    # a generated report whose zeros print as empty cells, read by bs4 get_text("\n"), its
    # empty cells dropped (the &nbsp; lines they print taken out): section 三 prints rows like
    # "36 1 37" for seven cells
    from pipeline.corpus.generate import doc_stem, generate

    name, seed, index = "bs4_get_text_newline", "blk-tune-1", 3
    generate(tmp_path, 1, seed, [name], index, log=lambda m: None, zero="")
    stem = tmp_path / name / doc_stem(name, seed, index)
    truth = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
    assert "zeros in section 三 printed as '' (the value is 0)" in truth["notes"]
    _drop_empty_cells(stem.with_suffix(".txt"))
    text = stem.with_suffix(".txt").read_text(encoding="utf-8")
    assert "（一）予以公开\n" in text  # the row's label, then fewer numbers than its cells
    result = extract_file(stem.with_suffix(".txt"))
    fields = {f: fv for f, fv in result.fields.items() if f.startswith("requests.")}
    settled = [f for f, fv in fields.items() if any(r.startswith(ALL_SETTLED) for r in fv.reasons)]
    assert any("a search proved" in r for f in settled for r in fields[f].reasons)  # too many to list
    placed = [f for f in settled if any(PLACED in r for r in fields[f].reasons)]
    assert len(settled) > 60 and placed  # the column sums settle most of the table
    assert all(fields[f].value == truth["fields"][f] for f in settled)
    # the columns the rules leave interchangeable: several readings, never ok, the truth a candidate
    open_ = [f for f, fv in fields.items() if len(fv.candidates) > 1]
    assert open_
    for f in open_:
        assert fields[f].status != "ok" and truth["fields"][f] in fields[f].candidates, f
    assert [f for f, fv in result.fields.items() if fv.status == "ok" and fv.value != truth["fields"].get(f)] == []


def test_rows_without_numbers_read_as_zero_in_a_blank_zero_document(tmp_path):
    # section 四 printed without any number: zeros, as section 三's rows printed without
    # numbers settled as empty cells (no rule spans section 四's rows to settle it by)
    from pipeline.corpus.generate import doc_stem, generate

    name, seed, index = "bs4_get_text_newline", "blk-tune-1", 1
    generate(tmp_path / "blank", 1, seed, [name], index, log=lambda m: None, zero="")
    stem = tmp_path / "blank" / name / doc_stem(name, seed, index)
    truth = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))["fields"]
    _drop_empty_cells(stem.with_suffix(".txt"))
    appeals = {f: fv for f, fv in extract_file(stem.with_suffix(".txt")).fields.items() if f.startswith("appeals.")}
    assert appeals and all(truth[f] == 0 for f in appeals)
    for fv in appeals.values():
        assert fv.value == 0 and fv.status == "inferred"
        assert any("prints zeros as empty cells" in r for r in fv.reasons)


def _cells(*texts):
    from pipeline.model import Token

    return [Token("number", t, blank=not t, empty=not t, value=float(t) if t else None) for t in texts]


def test_padding_is_open_only_where_another_drop_moves_the_numbers():
    from pipeline.assemble import padding_is_open

    assert padding_is_open(_cells("", "-4", ""), 2)          # 0 -4 or -4 0
    assert padding_is_open(_cells("", "", "3", ""), 3)       # 0 3 pad, pad 0 3, ...
    assert not padding_is_open(_cells("", "", "3"), 2)       # 0 3 whichever blank goes
    assert not padding_is_open(_cells("", "1", "2", "3"), 3)  # one empty, one cell too many
    assert not padding_is_open(_cells("1", "", "2"), 3)      # no cell too many


def test_row_whose_padding_is_open_is_never_ok(tmp_path):
    """A pipe table padded to four columns prints a two-cell row as `| 收费 |  | -4 |  |`: which
    empty cell is the blank and which the padding the row cannot say, so neither value is ok."""
    from pipeline.corpus.render import page_for
    from pipeline.corpus.values import report_for
    from pipeline.corpus.converters import pandoc

    report = next(r for r in map(lambda i: report_for("padding", i), range(40)) if r.gold()["template"] == "2019")
    page = page_for(report)
    text = pandoc("html", "gfm", page.html.encode("utf-8")).decode("utf-8")
    path = tmp_path / "padded.md"
    label = "行政事业性收费"
    lines = [re.sub(r"\|[^|]*\|[^|]*\|[^|]*\|\s*$", "|  | -4 |  |", line) if label in line and line.startswith("|") else line
             for line in text.splitlines()]
    assert lines != text.splitlines()
    path.write_text("\n".join(lines), encoding="utf-8")
    fields = extract_file(path).fields
    for field in ("disclosure.fees.prev_items", "disclosure.fees.change"):
        assert fields[field].status != "ok", (field, fields[field].value)


def _with_appeals(tmp_path, row: str, narrative: str):
    """A generated blank-zero document whose section 四 prints `row` (its numbers one per line)
    and whose narrative says `narrative` about appeals."""
    from pipeline.corpus.generate import doc_stem, generate

    name, seed, index = "bs4_get_text_newline", "blk-tune-1", 0
    generate(tmp_path / "blank", 1, seed, [name], index, log=lambda m: None, zero="")
    text = (tmp_path / "blank" / name / doc_stem(name, seed, index)).with_suffix(".txt").read_text(encoding="utf-8")
    text = re.sub(r"^（二）依申请公开。.*$", "（二）依申请公开。" + narrative, text, count=1, flags=re.M)
    head, tail = text.split("四、政府信息公开行政复议、行政诉讼情况")
    table, rest = tail.split("五、存在的主要问题及改进情况")
    table = re.sub(r"总计\s*(\d+\s*)*$", "总计\n" + "\n".join(row.split()) + "\n\n", table)
    path = tmp_path / "doc.txt"
    path.write_text(head + "四、政府信息公开行政复议、行政诉讼情况" + table + "五、存在的主要问题及改进情况" + rest,
                    encoding="utf-8")
    return {f: fv for f, fv in extract_file(path).fields.items() if f.startswith("appeals.")}


def test_narrative_places_a_row_the_rules_leave_open(tmp_path):
    # `1 1` fits any of section 四's three groups; 行政复议0起 leaves the litigation groups
    review = ["appeals.review.upheld", "appeals.review.corrected", "appeals.review.other",
              "appeals.review.pending", "appeals.review.total"]
    alone = _with_appeals(tmp_path, "1 1", "")
    assert all(alone[f].status != "ok" and alone[f].candidates == [0, 1] for f in review)
    told = _with_appeals(tmp_path, "1 1", "全年发生政府信息公开行政复议0起、行政诉讼1起。")
    for f in review:
        assert told[f].value == 0 and told[f].status == "inferred" and told[f].confidence < 0.9
        assert any("narrative puts it" in r for r in told[f].reasons)
    # which litigation group and which result the narrative does not say: still open, never ok
    open_ = [f for f, fv in told.items() if len(fv.candidates) > 1]
    assert open_ and all(f.startswith("appeals.litigation") and told[f].status != "ok" for f in open_)
    # a narrative that fits no placement (no appeals at all against a printed `1 1`) changes nothing
    wrong = _with_appeals(tmp_path, "1 1", "全年未发生因政府信息公开引起的行政复议、行政诉讼。")
    assert {f: (fv.value, fv.candidates) for f, fv in wrong.items()} == \
        {f: (fv.value, fv.candidates) for f, fv in alone.items()}
    # the breakdown settles the review group's result too; the printed numbers stay as printed
    broken = _with_appeals(tmp_path, "1 1", "政府信息公开行政复议1件，其中结果纠正1件；未发生因政府信息公开引起的行政诉讼。")
    assert [broken[f].value for f in review] == [0, 1, 0, 0, 1]
    assert all(fv.value == 0 and fv.status != "ok" for f, fv in broken.items() if f not in review)


def test_a_row_read_from_blank_cells_is_never_ok_where_the_narrative_contradicts_its_total(tmp_path, monkeypatch):
    # section 四 read with its numbers in the first litigation group and `-` (0) elsewhere, while
    # the narrative puts 22 in 行政复议: the whole line's reading is in doubt, the parts too
    import numpy as np

    import pipeline.extract as extract

    class Overconfident:
        classes_ = [0, 1]

        def predict_proba(self, rows):
            return np.array([[0.0, 1.0]] * len(rows))

    monkeypatch.setattr(extract, "calibrator", lambda: (Overconfident(), None))
    row = "- - - - - 11 2 8 1 22 - - - - -"
    told = _with_appeals(tmp_path, row, "全年发生政府信息公开行政复议22起、行政诉讼0起。")
    assert [told[f"appeals.litigation_direct.{c}"].value for c in ("upheld", "corrected", "other", "pending", "total")] \
        == [11, 2, 8, 1, 22]  # as printed: the narrative changes no printed value
    assert all(fv.status != "ok" for f, fv in told.items() if not f.startswith("appeals.litigation_after_review"))
    assert any("narrative contradicts this row" in r for r in told["appeals.litigation_direct.upheld"].reasons)
    # a narrative that agrees leaves the calibrator's verdict alone
    agreed = _with_appeals(tmp_path, row, "全年发生政府信息公开行政复议0起、行政诉讼22起。")
    assert agreed["appeals.litigation_direct.upheld"].status == "ok"


def test_split_is_open_only_for_neighbours_in_a_row_spread_over_more_cells():
    from pipeline.assemble import split_is_open

    assert split_is_open(_cells("1", "", "", "", "45", "2"), 3)     # 1 45 2 or 1 0 452
    assert split_is_open(_cells("", "", "", "", "14", "2"), 3)      # 0 14 2 or 0 0 142
    assert not split_is_open(_cells("1", "", "", "", "45", "-2"), 3)  # a sign starts a number
    assert not split_is_open(_cells("", "1", "2", "3"), 3)          # a label column left empty
    assert not split_is_open(_cells("1", "2", "3", ""), 3)          # padding after the numbers
    assert not split_is_open(_cells("1", "", "45", "2"), 4)         # no cell too many


def test_number_cut_at_a_cell_border_is_never_ok(tmp_path):
    """pymupdf4llm splits a merged column in two and cuts `452` into `45 | 2`: with zeros printed
    as empty cells, `| 行政处罚 | 1 | | | | 45 | 2 |` reads `1 45 2` or `1 0 452`."""
    from pipeline.corpus.generate import doc_stem, generate

    name, seed, index = "chromium_pdf_pymupdf4llm", "cw11-tune-1", 0
    generate(tmp_path / "c", 1, seed, [name], index, log=lambda m: None, zero="")
    text = (tmp_path / "c" / name / doc_stem(name, seed, index)).with_suffix(".md").read_text(encoding="utf-8")
    lines = text.splitlines()
    at = next(k for k, line in enumerate(lines) if line.startswith("|行政处罚|"))
    lines[at] = "|行政处罚|1||||45|2|"
    path = tmp_path / "doc.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    fields = extract_file(path).fields
    for field in ("disclosure.penalty.change", "disclosure.penalty.decisions"):
        assert fields[field].status != "ok", (field, fields[field].value)


def test_rows_whose_labels_share_a_cell_are_never_ok(tmp_path):
    """Two row labels in one cell before one row's numbers (`1.本机关不掌握…<br>2.没有现成… | 8 | 2 | … | 10`):
    the numbers go to the nearer label, the other row reads no number, and the sum rules settle it
    as well with the numbers in either row, so neither row is ok."""
    from pipeline.corpus.generate import doc_stem, generate

    name, seed, index = "chromium_pdf_pymupdf4llm", "cw11-tune-1", 3
    generate(tmp_path / "c", 1, seed, [name], index, log=lambda m: None, zero="")
    stem = tmp_path / "c" / name / doc_stem(name, seed, index)
    truth = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))["fields"]
    assert truth["requests.unavailable_not_held.total"] and not truth["requests.unavailable_needs_creation.total"]
    lines = stem.with_suffix(".md").read_text(encoding="utf-8").splitlines()
    at = next(k for k, line in enumerate(lines) if "本机关不掌握相关政府信息|" in line)
    other = re.search(r"\|([^|]*没有现成信息需要另行制作)\|", lines[at + 1]).group(1)
    lines[at] = lines[at].replace("本机关不掌握相关政府信息|", "本机关不掌握相关政府信息<br>" + other + "|")
    del lines[at + 1]
    path = tmp_path / "doc.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    fields = extract_file(path).fields
    rows = [f for f in fields if f.startswith(("requests.unavailable_not_held.", "requests.unavailable_needs_creation."))]
    assert len(rows) == 14
    for field in rows:
        assert fields[field].status != "ok", (field, fields[field].value)


def test_unit_in_a_cell_of_its_own_is_its_numbers():
    """`| 政府集中采购 | 12 | | | 11.52 | 万元 | |`: pymupdf4llm splits the amount's cell in two."""
    from pipeline.layout import tokenize
    from pipeline.model import Document, Line, Page, TextBox

    line = Line([TextBox(t) for t in ("政府集中采购", "12", "", "", "11.52", "万元", "")], 1, in_table=True)
    doc = Document("x.md", "", "text", [Page(1, lines=[line])])
    numbers = [t for t in tokenize(doc) if t.kind == "number" and not t.empty]
    assert [(t.value, t.unit) for t in numbers] == [(12, None), (11.52, "万元")]


def test_table_printing_lone_zeros_has_no_empty_zeros_to_join_numbers_with():
    from pipeline.assemble import _prints_zeros

    assert _prints_zeros(_cells("4", "0", "", "2") + _cells("", "0", ""))  # a lone 0: zeros printed
    assert not _prints_zeros(_cells("1", "", "-2", "", "133", "0"))  # 133 | 0: maybe 1330 cut in two
    assert not _prints_zeros(_cells("1", "", "", "", "45", "2"))


def test_row_of_empty_cells_before_unclaimed_numbers_is_never_ok(tmp_path):
    """A label wrapped in its cell, its numbers on the continuation line (weasyprint + pymupdf4llm):
    `| 1.本机关不掌 | | | … |` then `| 握相关政府信息 | 8 | 2 | … | 10 |`: the row's empty cells are not
    surely its zeros."""
    from pipeline.corpus.generate import doc_stem, generate

    name, seed, index = "chromium_pdf_pymupdf4llm", "cw11-tune-1", 3
    generate(tmp_path / "c", 1, seed, [name], index, log=lambda m: None, zero="")
    stem = tmp_path / "c" / name / doc_stem(name, seed, index)
    truth = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))["fields"]
    assert truth["requests.unavailable_not_held.total"]
    lines = stem.with_suffix(".md").read_text(encoding="utf-8").splitlines()
    at = next(k for k, line in enumerate(lines) if "本机关不掌握相关政府信息|" in line)
    cells = lines[at].split("|")
    k = next(j for j, c in enumerate(cells) if "本机关不掌握相关政府信息" in c)
    first = cells[:k] + [cells[k].replace("握相关政府信息", "")] + [""] * (len(cells) - k - 2) + [""]
    second = [""] * k + ["握相关政府信息"] + cells[k + 1:]
    lines[at:at + 1] = ["|".join(first), "|".join(second)]
    path = tmp_path / "doc.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    fields = extract_file(path).fields
    # the sum rules fail here, but where the table's other rows were lost they check nothing: the
    # row's own doubt must keep it from ok
    for field in (f for f in fields if f.startswith("requests.unavailable_not_held.")):
        assert any("not level" in r for r in fields[field].reasons), (field, fields[field].reasons)
        assert fields[field].confidence < 0.9


def test_a_row_beside_a_row_that_lost_cells_is_never_ok_where_labels_may_sit_anywhere():
    # a pdfminer dump of a report printing zeros as empty cells: 行政许可 13 其他对外管理服务事项
    # 33393 7 18 — the first row printed 13 7 33393, the second 18 between empties; read by
    # the labels, the second row took three numbers, ok at 0.99.  No sum rule covers either row.
    path = Path(__file__).parent / "data" / "pdfminer_blank_zeros_row_beside_a_short_row.txt"
    fields = extract_file(path).as_dict()["fields"]
    row = [fields[f"disclosure.other_services.{c}"] for c in ("prev_items", "change", "decisions")]
    assert [f["value"] for f in row] == [33393, 7, 18]  # as the labels divide the numbers
    assert all(f["status"] != "ok" and f["confidence"] < 0.9 for f in row)
    assert all(any("lost cells in print" in r for r in f["reasons"]) for f in row)


def test_repeat_is_open_where_dropping_a_repeated_last_cell_moves_the_numbers():
    from pipeline.assemble import repeat_is_open

    assert repeat_is_open(_cells("", "1", "1"), 2)            # 1 1 (empty dropped) or 0 1 (repeat dropped)
    assert not repeat_is_open(_cells("1", "", ""), 2)         # no repeat
    assert not repeat_is_open(_cells("", "0", "0"), 2)        # 0 0 either way
    assert not repeat_is_open(_cells("", "4", "0", "4"), 3)   # the last cells differ
    assert not repeat_is_open(_cells("", "1", "1"), 3)        # no cell too many


def test_row_ending_in_a_merged_cell_printed_twice_is_never_ok():
    """pandas' to_markdown prints a short row's last cell once per column it spans:
    `| 行政事业性收费 | nan | 1 | 1 |` over 上一年项目数量, 本年增/减 is `0 1`, not `1 1` with the
    empty cell taken for a label column (read 1 for 0 at 0.997 on main)."""
    data = Path(__file__).parent / "data"
    truth = json.loads((data / "pandas_markdown_merged_cell_repeated.json").read_text(encoding="utf-8"))["fields"]
    fields = extract_file(data / "pandas_markdown_merged_cell_repeated.md").fields
    assert fields["disclosure.fees.prev_items"].status != "ok"
    assert [f for f, fv in fields.items() if fv.status == "ok" and fv.value != truth.get(f)] == []


def test_the_label_after_a_run_several_labels_precede_printing_no_numbers_is_never_ok():
    """pypdf prints `8.属于行政查询事项` / `2 2` / `（四）无法提供` / `1.本机关不掌握…` with zeros as empty
    cells: the run stands between the label above and the next one, which prints no number of its own.
    The run went to the label above; it was the next row's, whose lost cells read 0 were ok.  Sibling
    rows keep every sum rule either way, so neither row is ok."""
    stem = DATA / "pypdf_blank_zeros_numbers_printed_before_their_label"
    truth = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))["fields"]
    fields = extract_file(stem.with_suffix(".txt")).fields
    assert truth["requests.unavailable_not_held.total"] == 2 and fields["requests.unavailable_not_held.total"].value == 0
    for f in ("requests.unavailable_not_held.natural_person", "requests.unavailable_not_held.total",
              "requests.withheld_query.total"):
        assert fields[f].status != "ok", (f, fields[f].value)
    assert [f for f, v in fields.items() if v.status == "ok" and v.confidence >= 0.9 and f in truth
            and truth[f] is not None and v.value != truth[f]] == []


def test_a_number_of_two_rows_merged_into_one_cell_is_never_ok():
    # PyMuPDF4LLM merged section 二's 行政处罚 and 行政强制 rows into one: `|行政处罚<br>行政强制||15||`.
    # The 0 of one row was an empty cell lost inside the merged cell; read as a block, the padding
    # cell before 15 went to 行政处罚 and 15 to 行政强制 (ok at 0.98, the truth is the other way)
    stem = "blank_zero_two_rows_merged_into_one_cell_pymupdf4llm"
    gold = json.loads((Path(__file__).parent / "data" / f"{stem}.json").read_text(encoding="utf-8"))
    fields = extract_file(Path(__file__).parent / "data" / f"{stem}.md").as_dict()["fields"]
    for f in ("disclosure.penalty.decisions", "disclosure.coercion.decisions"):
        assert fields[f]["status"] != "ok" and fields[f]["confidence"] < 0.9, f
    assert {fields[f]["value"] for f in ("disclosure.penalty.decisions", "disclosure.coercion.decisions")} == {0, 15}
    # a row of its own under the same headers (`|行政许可||3||`) keeps its padding reading
    assert fields["disclosure.licensing.decisions"]["value"] == gold["fields"]["disclosure.licensing.decisions"]
    assert fields["disclosure.licensing.decisions"]["status"] == "ok"


def test_a_digit_run_that_breaks_the_procurement_ratio_beside_an_empty_cell_is_never_ok():
    # bs4's get_text drops cell borders: `政府集中采购31066077&nbsp;` is 3 projects and 1066077 yuan
    # run together, the &nbsp; an empty padding cell. Read as 31066077 projects for 0 yuan, both
    # were ok at 0.99; a row whose values break its columns' plausible ratio is doubted instead
    stem = "bs4_procurement_cells_run_together"
    gold = json.loads((DATA / f"{stem}.json").read_text(encoding="utf-8"))
    fields = extract_file(DATA / f"{stem}.txt").as_dict()["fields"]
    for f in ("disclosure.procurement.projects", "disclosure.procurement.amount_yuan"):
        assert fields[f]["value"] != gold["fields"][f]
        assert fields[f]["status"] != "ok" and fields[f]["confidence"] < 0.9, f
    # rows of the same table whose values fit keep their reading
    for f in ("disclosure.licensing.decisions", "disclosure.fees.prev_items"):
        assert fields[f]["value"] == gold["fields"][f] and fields[f]["status"] == "ok", f


def _read_with_confident_wrong(stem: str, suffix: str) -> tuple[dict, list[str]]:
    """The document's fields, and those ok yet not the truth."""
    truth = json.loads((DATA / f"{stem}.json").read_text(encoding="utf-8"))["fields"]
    fields = extract_file(DATA / f"{stem}{suffix}").fields
    return fields, [f for f, v in fields.items() if v.status == "ok" and v.confidence >= 0.9
                    and truth.get(f) is not None and v.value != truth[f]]


def test_a_run_split_into_every_cell_competes_with_a_split_beside_a_lost_blank():
    # bs4's get_text of a blank-zero table: `本年新收…774782114869` is 774|78|2|1|14|_|869 (其他 blank),
    # and 7|74|782|1|1|4|869 keeps the row total as well. Splits into every cell used to win, and
    # their common tail 1|1|4 was ok at 0.99 in two rows
    stem = "bs4_blank_zeros_run_beside_a_lost_blank"
    assert "774782114869" in (DATA / f"{stem}.txt").read_text(encoding="utf-8")
    fields, confident_wrong = _read_with_confident_wrong(stem, ".txt")
    assert confident_wrong == []
    for f in ("requests.received.legal_service", "requests.received.other_org"):
        assert fields[f].status != "ok", (f, fields[f].value)


def test_row_splits_compete_with_lost_blanks_only_when_asked():
    # `splits_compete` is set where the table shows no zero: there a blank may be lost beside a run
    run = "774782114869"
    equations = [([0, 1, 2, 3, 4, 5], [6])]
    splits = run_together_readings([int(run)], {0: run}, 7)

    def read(compete: bool) -> list[list]:
        return [cells for cells, _ in row_readings([int(run)], 7, equations, alternatives=splits, blanks_lost=True,
                                                   runs={0: run}, splits_compete=compete)]
    assert [7, 74, 782, 1, 1, 4, 869] in read(False) and [774, 78, 2, 1, 14, 0, 869] not in read(False)
    assert [7, 74, 782, 1, 1, 4, 869] in read(True) and [774, 78, 2, 1, 14, 0, 869] in read(True)


def test_numbers_above_a_page_break_before_a_label_printing_none_are_never_ok():
    # a browser printed 5.要求行政机关确认或重新出具已获取信息's row across a page break: its numbers
    # `9 1 10` at the foot of the page, its label after the repeated header on the next. Row 4 above
    # prints nothing (blank zeros), so the numbers joined it, ok at 0.97, and every column sum holds
    stem = "pypdf_blank_zeros_row_split_by_page_break"
    fields, confident_wrong = _read_with_confident_wrong(stem, ".txt")
    assert confident_wrong == []
    for f in ("requests.rejected_excessive.total", "requests.rejected_reconfirm.total"):
        assert fields[f].status != "ok", (f, fields[f].value)


def test_a_fourteen_digit_run_beside_a_lost_blank_keeps_its_right_split_among_the_readings():
    # `61910751337781` is 619|107|5|13|37|_|781; the splits of such a run run to tens of thousands,
    # and a cap on all of them cut off the right one: 619|10|7|5|133|7|781 was the only reading left
    path = DATA / "bs4_blank_zeros_fourteen_digit_run.txt"
    fields, truth, wrong = read_against_truth(path)
    received = [f for f in truth if f.startswith("requests.received.")]
    assert [fields[f].value for f in received] == [truth[f] for f in received]
    assert all(fields[f].status != "ok" for f in wrong)


def test_a_merged_last_cell_printed_once_per_column_it_spans_is_read_once_and_flagged():
    """pandas' to_markdown prints `| 政府集中采购 | 1 | 35.41万元 | 35.41万元 |` under a
    采购总金额 spanning two columns: three numbers for two cells left 采购项目数量 unread.  The
    repeat is read once; which cells are padding the print does not say, so neither value is ok."""
    data = Path(__file__).parent / "data"
    fields, truth, wrong = read_against_truth(data / "pandas_markdown_merged_last_cell_repeated.md")
    assert "| 政府集中采购         | 1                    | 35.41万元            | 35.41万元            |" in \
        (data / "pandas_markdown_merged_last_cell_repeated.md").read_text(encoding="utf-8")
    assert wrong == []
    assert fields["disclosure.procurement.projects"].value == 1
    assert fields["disclosure.procurement.amount_yuan"].value == 354100
    assert fields["disclosure.procurement.projects"].status != "ok"


def test_an_empty_first_cell_under_an_empty_header_cell_is_never_a_confident_blank():
    # PyMuPDF4LLM split section 二's label column in two and merged 本年废止件数 with 现行有效件数:
    # `|信息 内容||本年制 发件数|本年废 止件数<br>现行有 效件数|` over `|行政规范性文件||2|8|`.  The
    # empty half of the label column read as a blank 本年制发 (0, ok) and 2 as 本年废止 (ok); the
    # truth is 2 issued, 0 repealed.  An empty first cell under an empty header cell is doubted
    stem = "pymupdf4llm_label_column_split_over_a_blank_first_value"
    gold = json.loads((DATA / f"{stem}.json").read_text(encoding="utf-8"))["fields"]
    fields = extract_file(DATA / f"{stem}.md").as_dict()["fields"]
    for f in ("disclosure.normative_docs.issued", "disclosure.normative_docs.repealed"):
        assert fields[f]["status"] != "ok" and fields[f]["confidence"] < 0.9, f
    assert [f for f, v in fields.items() if v["status"] == "ok" and v["confidence"] >= 0.9 and f in gold
            and gold[f] is not None and v["value"] != gold[f]] == []
    # a row whose first cell stands under a header word keeps its reading
    assert fields["disclosure.licensing.decisions"]["status"] == "ok"
