"""A scan's ruled table prints one line per row; where a row label did not read (a seal over it,
faded toner), the row is known by its place between the rows whose labels did: its numbers are
read into that row, and never marked ok on a label nobody read."""
from pipeline.corpus.render import page_for
from pipeline.corpus.values import report_for
from pipeline.extract import extract_document, load_document


def _scan_like(tmp_path, index: int, unread: tuple[str, ...]):
    """A generated report's official tables read as a scan's grid lines (one line per row, cells
    in their columns), with the label cells of the rows starting with `unread` left unread."""
    report = report_for("unread-labels", index)
    path = tmp_path / f"report{index}.html"
    path.write_text(page_for(report, zero="0").html, encoding="utf-8")
    doc = load_document(path)
    for page in doc.pages:
        page.path = "ocr"
    blanked = 0
    for line in doc.lines():
        for box in line.boxes:
            if line.in_table and box.text.startswith(unread):
                box.text = ""
                blanked += 1
    assert blanked == len(unread)
    return report, doc


def test_rows_whose_labels_did_not_read_are_placed_between_the_rows_that_did(tmp_path):
    # a row inside section 三, the 总计 row, and the table's last row (after the last label read)
    unread = ("2.没有现成信息", "（七）总计", "四、结转下年度")
    report, doc = _scan_like(tmp_path, 3, unread)
    result = extract_document(doc)
    rows = ("requests.unavailable_needs_creation.", "requests.handled_total.", "requests.carried_forward.")
    placed = {f: fv for f, fv in result.fields.items() if f.startswith(rows)}
    assert len(placed) == 21
    for field_id, fv in placed.items():
        assert fv.value == report.fields[field_id], field_id
        assert fv.status != "ok" and any("probability 0.50" in r for r in fv.reasons), field_id


def test_a_gap_of_other_length_than_the_template_s_rows_places_nothing(tmp_path):
    # two rows' labels unread, and one of those rows' numbers lost too: the one line of numbers
    # left between the labels read could be either row, so neither is placed
    report, doc = _scan_like(tmp_path, 4, ("2.重复申请", "3.要求提供公开出版物"))
    lines = [line for page in doc.pages for line in page.lines]
    lost = next(line for line in lines if line.in_table and line.boxes[0].text == "" and
                any(b.text for b in line.boxes[1:]))
    for page in doc.pages:
        page.lines = [line for line in page.lines if line is not lost]
    result = extract_document(doc)
    for row in ("requests.rejected_duplicate.", "requests.rejected_publication."):
        fields = [fv for f, fv in result.fields.items() if f.startswith(row)]
        assert fields and not any(fv.status == "ok" for fv in fields)


def test_a_row_read_as_the_other_template_s_row_is_placed_by_its_position(tmp_path):
    # blur left of 2021's 1.申请人无正当理由逾期不补正… only a piece (行政机关不再处理其政) beside the
    # heading （六）其他处理, which is 2019's row of that name, and 2.申请人逾期未按收费… unread: both
    # rows were lost ("not found") since a line read as another version's row was no place to fill
    report, doc = _scan_like(tmp_path, 1, ("2、申请人逾期未按收费",))
    label = next(box for line in doc.lines() for box in line.boxes if box.text.startswith("1、申请人无正当理由"))
    label.text = "行政机关不再处理其政"
    result = extract_document(doc)
    rows = ("requests.other_no_correction.", "requests.other_unpaid_fee.")
    placed = {f: fv for f, fv in result.fields.items() if f.startswith(rows)}
    assert len(placed) == 14
    for field_id, fv in placed.items():
        assert fv.value == report.fields[field_id], field_id
        assert fv.status != "ok", field_id
