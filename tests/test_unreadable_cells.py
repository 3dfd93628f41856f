"""Table cells that are not plain numbers (VLM/OCR markdown, notebook exports): a number in inline
math or with its count unit is read; a number with a stray mark is read but never ok; a cell
that cannot be read never lets its row's other numbers be taken for a confident reading."""
import random
import re

import pytest

from pipeline.corpus.converters import Context, pandas_markdown
from pipeline.corpus.generate import truth
from pipeline.corpus.render import page_for
from pipeline.corpus.values import report_for
from pipeline.evaluate import score_document
from pipeline.extract import extract_file
from pipeline.layout import _marked_number
from pipeline.model import Token
from pipeline.output import to_json

pytest.importorskip("pandas")
pytest.importorskip("tabulate")

NUMBER_CELL = re.compile(r"(?<=\|)\s*(\d+)\s*(?=\|)")


def _scored(tmp_path, index: int, rewrite):
    import json

    report = report_for("unreadable", index)
    page = page_for(report)
    text = pandas_markdown(page, Context(tmp_path)).decode("utf-8")
    changed = rewrite(text)
    assert changed != text
    path = tmp_path / f"doc{index}.md"
    path.write_text(changed, encoding="utf-8")
    gold = truth(report, page, "pandas_markdown", "unreadable", index)
    return score_document(gold, json.loads(to_json(extract_file(path))))


def _every_nth_cell(n: int, as_printed):
    def rewrite(text: str) -> str:
        counter = iter(range(10**6))
        return NUMBER_CELL.sub(lambda m: f" {as_printed(m.group(1))} " if next(counter) % n == 0 else m.group(0), text)
    return rewrite


@pytest.mark.parametrize("index", [0, 1])
def test_numbers_in_inline_math_read_as_numbers(tmp_path, index):
    score = _scored(tmp_path, index, _every_nth_cell(1, lambda v: f"${v}$"))
    plain = _scored(tmp_path, index, lambda t: t + "\n")
    assert sum(o.value == o.gold for o in score.outcomes) == sum(o.value == o.gold for o in plain.outcomes)


def _first_cell_of_rows(label: str, as_printed):
    def rewrite(text: str) -> str:
        return "\n".join(NUMBER_CELL.sub(lambda m: f" {as_printed(m.group(1))} ", line, count=1) if label in line
                         else line for line in text.split("\n"))
    return rewrite


@pytest.mark.parametrize("mark", ["{}x", "{})", "见附件"])
def test_an_unreadable_cell_never_yields_a_confident_wrong_value(tmp_path, mark):
    # the total row's first cell unreadable cut its other numbers off the label: the row was
    # taken as printing only its last number, and the rules then "gave" zeros, marked ok
    for index in range(6):
        for rewrite in (_first_cell_of_rows("（七）总计", mark.format), _every_nth_cell(11, mark.format)):
            score = _scored(tmp_path, index, rewrite)
            wrong = [(o.field_id, o.gold, o.value) for o in score.outcomes if o.confident_wrong(score.threshold)]
            assert not wrong, (index, wrong)


def test_marked_and_counted_number_cells():
    cell = Token("text", "", cell_no=3)
    assert (_marked_number("1944)", cell).value, _marked_number("1944)", cell).repaired) == (1944, True)
    assert (_marked_number("22件", cell).value, _marked_number("22件", cell).repaired) == (22, False)
    # enumerators stay label text, and a row's first cell is never a number cell
    assert _marked_number("(3)", cell) is None and _marked_number("1.", cell) is None
    assert _marked_number("1944)", Token("text", "", cell_no=0)) is None


def test_headings_after_a_row_in_one_line_text_raise_no_doubt(tmp_path):
    """A whole report on one line, cells joined by tabs: the section heading and column headers
    after a table's last row end that row's number run; they are no unread cell of it."""
    from bs4 import BeautifulSoup

    for index in range(3):
        page = page_for(report_for("unreadable", index))
        soup = BeautifulSoup(page.html, "html.parser")
        article = soup.find(id=page.article_id) or soup.body
        path = tmp_path / f"oneline{index}.txt"
        path.write_text(page.title + "\n" + re.sub(r"[\r\n]+", "", article.get_text("\t")), encoding="utf-8")
        result = extract_file(path)
        assert result.fields and not [f for f, v in result.fields.items() if v.signals.get("doubt_unread")]
