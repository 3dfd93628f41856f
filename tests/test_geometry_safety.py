"""Unruled tables: numbers printed a little above their labels must never be given,
confidently, to the wrong row."""
from pipeline.extract import extract_document
from pipeline.model import CONFIDENT, Document, Line, Page, TextBox
from pipeline.readers.pdf import group_words_into_lines

from .test_readers import report_text


def word(text, x, top, height=10.0):
    return {"text": text, "x0": x, "x1": x + 10 * len(text), "top": top, "bottom": top + height}


def test_numbers_a_few_points_above_their_label_join_its_line():
    words = [word("行政处罚", 50, 100), word("5", 300, 96), word("0", 340, 96), word("11", 380, 96),
             word("行政强制", 50, 118), word("0", 300, 114)]
    lines = group_words_into_lines(words, 1)
    assert [[b.text for b in line.boxes] for line in lines] == [["行政处罚", "5", "0", "11"], ["行政强制", "0"]]


def positioned_report(numbers_first: bool) -> Document:
    """The generated report as a PDF-like page: each table row's numbers on their own line,
    4 pt above the label (as if extraction had split them), in reading order."""
    lines, y = [], 50.0
    for raw in report_text().splitlines():
        cells = raw.split("\t")
        label, numbers = cells[0], cells[1:]
        numeric = bool(numbers) and all(c.lstrip("+-").replace(".", "").replace("万元", "").isdigit() for c in numbers)
        label_line = Line([TextBox(label, (40, y + 4, 260, y + 14))], 1)
        if numeric:
            number_line = Line([TextBox(n, (300 + 40 * k, y, 330 + 40 * k, y + 10)) for k, n in enumerate(numbers)], 1)
            lines += [number_line, label_line] if numbers_first else [label_line, number_line]
        else:
            lines.append(Line([TextBox(c, (40 + 60 * k, y, 90 + 60 * k, y + 10)) for k, c in enumerate(cells)], 1))
        y += 20
    return Document("positioned.pdf", "", "pdf", [Page(1, lines, 595, 842, "text_layer")])


def test_numbers_read_before_their_label_are_never_confidently_misassigned():
    result = extract_document(positioned_report(numbers_first=True))
    truth = extract_document(positioned_report(numbers_first=False))
    assert truth.template == "2019"
    confident_wrong = [f for f, v in result.fields.items()
                       if v.value != truth.fields[f].value and v.status == "ok" and v.confidence >= CONFIDENT]
    assert not confident_wrong
