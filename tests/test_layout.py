"""Tokenizer behaviour on the conversions real archives show."""
from pipeline.layout import _box_tokens, is_footer, is_prose
from pipeline.model import Line, TextBox, Token
from pipeline.readers.text import clean_line, lines_from_text

BASE = Token("text", "")


def kinds(text):
    return [(t.kind, t.text if t.kind == "text" else t.value, t.repaired) for t in _box_tokens(text, BASE)]


def test_label_glued_to_its_number_is_split():
    assert kinds("行政许可5113") == [("text", "行政许可", False), ("number", 5113, False)]
    assert kinds("本年收费金额（单位：万元）96171.6")[-1] == ("number", 96171.6, False)


def test_enumerators_and_years_stay_label_text():
    assert kinds("1.属于国家秘密") == [("text", "1.属于国家秘密", False)]
    assert kinds("2、重复申请 0 0") [0] == ("text", "2、重复申请", False)
    assert kinds("2020年政府信息公开工作年度报告") == [("text", "2020年政府信息公开工作年度报告", False)]
    # pypdf prints an enumerator apart from its 、; in a row printed with empty cells for zero
    # nothing else stands in the row for the rules to drop it by
    assert kinds("1 、属于国家秘密") == [("text", "1 、属于国家秘密", False)]
    assert kinds("3 ．其他") == [("text", "3 .其他", False)]  # the fullwidth point as normalized
    assert kinds("2 .5")[0] == ("number", 2, False)  # no label after the point: no enumerator
    assert kinds("( 二 ) 部分公开 1 1")[-2:] == [("number", 1, False), ("number", 1, False)]


def test_ocr_confusions_in_number_cells_are_repaired_and_marked():
    tokens = kinds("予以公开 1O 0 l")
    assert tokens[1:] == [("number", 10, True), ("number", 0, False), ("number", 1, True)]
    assert kinds("予以公开 lOl")[-1][0] == "text"  # no digit at all: a word, not a number


def test_full_width_digits_and_separators():
    assert kinds("行政处罚 ３，９８５，７５８") == [("text", "行政处罚", False), ("number", 3985758, False)]


def test_blank_markers_after_a_label():
    tokens = _box_tokens("行政事业性收费 — /", BASE)
    assert [t.blank for t in tokens] == [False, True, True]


def test_dashes_glued_after_a_label_are_blank_cells_where_no_text_follows_them():
    # page text with no separator between cells: a row's blank cells end its line, or stand
    # between the label and a printed number; a 破折号 inside label text leads on to more text
    assert [t.blank for t in _box_tokens("政府集中采购——", BASE)] == [False, True, True]
    assert [t.blank for t in _box_tokens("政府集中采购—", BASE)] == [False, True]
    assert [t.blank for t in _box_tokens("政府集中采购——三、收到和处理", BASE)] == [False, True, True, False]
    assert [t.blank for t in _box_tokens("政府集中采购—— 三、收到和处理", BASE)] == [False, True, True, False]
    assert [(t.text, t.blank) for t in _box_tokens("行政许可—-373", BASE)] == [
        ("行政许可", False), ("—", True), ("-373", False)]
    assert kinds("说明——主要是") == [("text", "说明 —— 主要是", False)]
    assert kinds("本年增/减") == [("text", "本年增 / 减", False)]


def test_markdown_em_dash_cells_are_blanks_but_rule_lines_are_not():
    # pandoc/markdown print a dash cell as "---": one blank cell, never minus signs
    assert [t.blank for t in _box_tokens("（三）不予公开 --- 3", BASE)] == [False, True, False]
    assert [t.blank for t in _box_tokens("0 --- 4", BASE)] == [False, True, False]
    # a table's separator row or a horizontal rule is no cell
    assert all(t.kind == "text" for t in _box_tokens("---|---|---", BASE))
    assert all(t.kind == "text" for t in _box_tokens("----", BASE))


def test_page_furniture_and_prose():
    assert is_footer(Line([TextBox("- 3 -")], 1))
    assert is_footer(Line([TextBox("第 2 页 共 6 页")], 1))
    assert not is_footer(Line([TextBox("规章 3 0 1")], 1))
    assert is_prose("2020年，我局通过区政府门户网站共发布73条信息，其中部门动态信息72条，部门财政预算公开信息1条。")


def test_markdown_and_html_residue_is_removed():
    assert clean_line("| **行政许可** | 12<br>| 3 |").count("*") == 0
    lines = lines_from_text("## 二、主动公开政府信息情况\n|规章|0|0|0|\n|---|---|---|---|\n")
    assert [[b.text for b in line.boxes] for line in lines] == [["二、主动公开政府信息情况"], ["规章", "0", "0", "0"]]


def test_whole_rows_run_together_without_whitespace():
    assert kinds("规章000规范性文件000") == [("text", "规章", False), ("number", 0, False),
                                        ("text", "规范性文件", False), ("number", 0, False)]
    tokens = kinds("（三）不予公开1.属于国家秘密0000000")
    assert tokens == [("text", "(三)不予公开1.属于国家秘密", False), ("number", 0, False)]  # NFKC
    assert _box_tokens("（三）不予公开1.属于国家秘密0000000", BASE)[-1].text == "0000000"  # digits kept for splitting
    assert kinds("第二十条第（5）项")[0][0] == "text" and len(kinds("第二十条第（5）项")) == 1
    assert kinds("政府集中采购522.67万元") == [("text", "政府集中采购", False), ("number", 522.67, False)]


def test_narrative_mentioning_a_row_label_creates_no_row(tmp_path):
    from pipeline.extract import extract_file
    from .test_readers import report_text
    text = report_text().replace(
        "二、主动公开政府信息情况\n",
        "二、主动公开政府信息情况\n2020年，本机关依法公开行政许可、行政处罚等信息共计一千余条，"
        "行政许可办理情况均在门户网站公示，接受社会监督。\n")
    path = tmp_path / "narrative.txt"
    path.write_text(text, encoding="utf-8")
    result = extract_file(path)
    assert result.fields["disclosure.licensing.decisions"].value == 340
    assert result.fields["disclosure.licensing.decisions"].status == "ok"


def test_money_unit_printed_apart_and_currency_sign():
    tokens = _box_tokens("政府集中采购 5 22.67 万元", BASE)
    assert (tokens[-1].value, tokens[-1].unit) == (22.67, "万元")
    assert _box_tokens("￥40.35万元", BASE)[0].unit == "万元"
    assert clean_line("<!-- page 3 -->规章 | 0").strip() == "规章 | 0"


def test_last_cell_glued_to_the_next_enumerator():
    tokens = kinds("部分公开40000041.属于国家秘密1000001")
    assert tokens == [("text", "部分公开", False), ("number", 4000004, False),
                      ("text", "1.属于国家秘密", False), ("number", 1000001, False)]
    # a crawler collapses a row's empty cells to one space: the last cell `1` glued to the next
    # enumerator `8.` after that space, as within a piece
    tokens = kinds("7.属于行政执法案卷1 18.属于行政查询事项2 2")
    assert tokens == [("text", "7.属于行政执法案卷", False), ("number", 1, False), ("number", 1, False),
                      ("text", "8.属于行政查询事项", False), ("number", 2, False), ("number", 2, False)]
    assert kinds("12.其他")[0] == ("text", "12.其他", False)  # a line's first piece may enumerate 12
    values = [t[1] for t in kinds("统计时限2020.1.1至12.31") if t[0] == "number"]
    assert 202 not in values and 1 not in values  # a dotted date is never cut into cells


def test_a_row_label_wrapped_around_its_numbers_is_level_with_them():
    """A text layer prints a long label's first line above the row's middle, where the numbers
    sit, and its next line after them: the label's extent is both lines (the first alone barely
    meets the numbers), so the numbers are level with it.  The next row's label and its lines
    are not this row's."""
    from pipeline.assemble import Assembler, level_with
    from pipeline.labels import Hit
    from pipeline.model import Token
    from pipeline.schema import load_template

    def text(s, box):
        return Token("text", s, 1, box)

    def number(x, top):
        return Token("number", "0", 1, (x, top, x + 6, top + 12), value=0)

    tokens = [text("(二)部分公开(区分处理的,只计", (130, 282, 322, 294)),
              number(335, 291), number(362, 291),
              text("其他", (40, 296, 70, 308)),  # another label column at this height
              text("这一情形,不计其他情形)", (154, 300, 298, 312)),
              text("1.属于国家秘密", (217, 344, 299, 356))]
    hit = Hit("partially_granted", 0, 0, 0, 1.0, tokens[0].text)
    numbers = [tokens[1], tokens[2]]
    assert not level_with(tokens[:1], numbers)
    wrapped = Assembler(load_template("2019"), tokens)._wrapped(hit, [1, 2], covered={0, 5})
    assert wrapped == [tokens[4]]
    assert level_with(tokens[:1] + wrapped, numbers)


def test_an_ocr_label_cell_ending_in_a_stray_full_stop_is_no_prose():
    """Speckle dust after a label is read as "。": the 12-character label then looked like a
    sentence and its row was lost.  A cell whose sentence carries a number stays prose, and
    born-digital text is judged as printed."""
    from pipeline.layout import tokenize
    from pipeline.model import Document, Page

    def kinds(label: str, score):
        boxes = [TextBox(label, (0, 0, 100, 20), score=score)] + \
                [TextBox("0", (100 + 20 * k, 0, 120 + 20 * k, 20), score=score) for k in range(7)]
        doc = Document("x", "0", "pdf", [Page(1, [Line(boxes, 1, in_table=True)])])
        return [t.kind for t in tokenize(doc)][0]

    assert kinds("2. 没有现成信息需要另行制作。", 0.99) == "text"
    assert kinds("2. 没有现成信息需要另行制作。", None) == "prose"
    assert kinds("全年共收到现成信息需要另行制作申请21件。", 0.99) == "prose"
