"""A degraded scan's OCR garbles short heading lines first: a section heading read with a few
wrong characters is still that heading, and a table whose heading and anchors are unreadable is
placed by the row labels that do read.  Before, such a scan was refused as 'not a supported
report' although every row label of its section 三 table was legible."""
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.corpus.render import draw_style, render_page
from pipeline.corpus.values import report_for
from pipeline.extract import extract_document, extract_file
from pipeline.layout import _near_substring, find_sections, squash
from pipeline.model import Token
from pipeline.readers import read_document

REQUESTS_HEADINGS = ("收到和处理政府信息公开申请情况", "本列数据的勾稽关系", "申请人情况")
APPEALS_HEADINGS = ("行政复议、行政诉讼情况", "未经复议直接起诉")
DATA = Path(__file__).parent / "data"


def test_near_substring_allows_the_given_edits_and_no_more():
    assert _near_substring("政府信息公开行政复议行政诉讼情况", "四政府信志公开行政复议行政诉论情况", 3)
    assert not _near_substring("政府信息公开行政复议行政诉讼情况", "四政府信志公开行政复议行政诉论情况", 1)
    assert not _near_substring("收到和处理政府信息公开申请情况", "主动公开政府信息情况", 3)


def _heading_tokens(text: str, score: float | None) -> list[Token]:
    return [Token("text", "前言", score=score), Token("text", text, score=score), Token("number", "3", score=score)]


def test_a_heading_ocr_misread_in_two_characters_is_found_only_in_ocr_text():
    headings = {"appeals": ("政府信息公开行政复议、行政诉讼情况",)}
    misread = "四、政府信志公开行政复议、行政诉论情况"
    assert find_sections(_heading_tokens(misread, 0.93), headings)["appeals"].start == 1
    # born-digital text prints what it means: a different heading is another heading
    assert find_sections(_heading_tokens(misread, None), headings) == {}


def test_section_twos_sub_heading_ocr_misread_in_one_character_places_the_section():
    """Blur at 150 dpi read 二、主动公开政府信息情况 as 二. 主动公开改府信意统况 (three of ten
    characters) and every 第二十条第（X）项 as 第二十条第（X）楼: section 二 was not found and its
    23 fields lost.  The seven-character anchor read with one wrong character places it."""
    headings = {"disclosure": ("主动公开政府信息情况",)}
    anchors = {"disclosure": ("第二十条第（一）项",)}
    tokens = [Token("text", "二. 主动公开改府信意统况", score=0.9, line_no=0),
              Token("text", "第二十条第（一）楼", score=0.9, line_no=1),
              Token("text", "规章", score=0.9, line_no=2), Token("number", "3", score=0.9, line_no=2)]
    assert find_sections(tokens, headings, anchors=anchors)["disclosure"].start == 1
    # born-digital text prints what it means; and one wrong character of six is no anchor
    assert find_sections([replace(t, score=None) for t in tokens], headings, anchors=anchors) == {}
    assert find_sections(tokens, headings, anchors={"disclosure": ("申请人情况",)}) == {}


def _garble(text: str) -> str:
    """Every CJK character read as another one, as a blurred 150-dpi scan reads short lines."""
    return "".join("口" if "\u4e00" <= ch <= "\u9fff" else ch for ch in text)


def _misread_two(text: str) -> str:
    return text.replace("信息公开行政", "信志公开行政").replace("诉讼", "诉论")


@pytest.mark.parametrize("index", range(3))
def test_tables_whose_headings_ocr_garbled_are_read_from_their_row_labels(tmp_path, index):
    report = report_for("garbled-headings", index)
    rng = random.Random(f"style:{report.seed}")
    path = tmp_path / "page.html"
    path.write_text(render_page(report, draw_style(rng), rng).html, encoding="utf-8")
    doc = read_document(path)
    for page in doc.pages:
        page.path = "ocr"
        for line in page.lines:
            squashed = squash(line.text)
            for box in line.boxes:
                box.score = 0.95
                if any(squash(h) in squashed for h in REQUESTS_HEADINGS) or "未经复议" in box.text:
                    box.text = _garble(box.text)
                elif squash(APPEALS_HEADINGS[0]) in squashed:
                    box.text = _misread_two(box.text)
    text = "".join(squash(line.text) for line in doc.lines())
    assert not any(squash(h) in text for h in REQUESTS_HEADINGS + APPEALS_HEADINGS)

    result = extract_document(doc).as_dict()
    assert not [e for e in result["errors"] if "not found" in e or "not a supported" in e]
    fields = result["fields"]
    gold = {k: v for k, v in report.gold()["fields"].items()
            if v is not None and k.startswith(("requests.", "appeals."))}
    assert {k: fields[k]["value"] for k in gold} == gold


@pytest.mark.parametrize("path", ["ocr", "text"])
def test_a_scan_whose_tables_did_not_read_is_refused_as_too_degraded(tmp_path, path):
    # a scan too degraded for its table cells to read (150 dpi, faded, blurred) still shows its
    # section headings: the refusal says so, an archivist rescans it; a text is no scan
    report = report_for("unread-tables", 0)
    rng = random.Random(f"style:{report.seed}")
    page_file = tmp_path / "page.html"
    page_file.write_text(render_page(report, draw_style(rng), rng).html, encoding="utf-8")
    doc = read_document(page_file)
    for page in doc.pages:
        page.path = path
        page.lines = [line for line in page.lines if not line.in_table and not any(ch.isdigit() for ch in line.text)]
    errors = extract_document(doc).errors
    refusal = [e for e in errors if e.startswith("not a supported report")]
    assert refusal
    assert ("too degraded" in refusal[0]) == (path == "ocr")


def test_an_anchor_split_over_cells_of_its_row_starts_the_section():
    # PyMuPDF4LLM cuts a table row by the page's text columns: `|未经|复议直接|起诉|`
    tokens = [Token("text", "前言", line_no=0), Token("text", "未经", line_no=1), Token("text", "复议直接", line_no=1),
              Token("text", "起诉", line_no=1), Token("number", "3", line_no=2)]
    headings, anchors = {"appeals": ("行政复议、行政诉讼情况",)}, {"appeals": ("未经复议直接起诉",)}
    assert find_sections(tokens, headings, anchors=anchors)["appeals"].start == 1
    # words of the anchor on different lines are no anchor
    apart = [Token(t.kind, t.text, line_no=k) for k, t in enumerate(tokens)]
    assert find_sections(apart, headings, anchors=anchors) == {}


def test_appeals_whose_heading_pymupdf4llm_merged_into_the_table_above_are_read():
    # section 四's heading became a row of section 三's table, its words spread over the cells'
    # first lines among the header words (`|**四、政府**<br>行政复议|**信息公开行**<br>|**政复**|…`)
    stem = DATA / "pymupdf4llm_appeals_heading_merged_into_the_table_above"
    truth = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))["fields"]
    fields = extract_file(stem.with_suffix(".md")).fields
    appeals = {f: v for f, v in truth.items() if f.startswith("appeals.") and v is not None}
    assert appeals and {f: fields[f].value for f in appeals} == appeals
