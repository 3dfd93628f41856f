"""The input form is detected from the content, whatever the file is called, and each form is
read to the same fields as the page it was made from.

The documents are generated reports (pipeline/corpus) turned into each form by the real tools
archives got them from: pandoc (DOCX, markdown, GFM, plain), LibreOffice (.doc, .odt),
Python's email package (MHTML), JSON/JS string escaping, GBK/UTF-16 encoders.  Each is saved
under a misleading name, extracted, and scored against the generated truth with
`govreport eval`'s scorer: every field exact, none confidently wrong.
"""
import base64
import email.charset
import email.mime.multipart
import email.mime.text
import io
import json
import shutil
import subprocess

import pytest

from pipeline.corpus.converters import pandoc
from pipeline.corpus.render import page_for
from pipeline.corpus.values import report_for
from pipeline.evaluate import score_document
from pipeline.extract import extract_file
from pipeline.readers import ReaderError, read_document
from pipeline.readers.detect import OLE2, decode, sniff
from pipeline.readers.html import parse_lines

SEED = "readers"
HAS_PANDOC = shutil.which("pandoc") is not None
HAS_SOFFICE = shutil.which("soffice") is not None or shutil.which("libreoffice") is not None
needs_pandoc = pytest.mark.skipif(not HAS_PANDOC, reason="pandoc not installed (scripts/setup.sh installs it)")
needs_soffice = pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice not installed (scripts/setup.sh installs it)")


def generated(index: int, site: str | None = None):
    report = report_for(SEED, index)
    return report, page_for(report, site)


def shape(doc_or_lines):
    lines = doc_or_lines.lines() if hasattr(doc_or_lines, "lines") else doc_or_lines
    return [([(b.column, b.text) for b in line.boxes], line.in_table) for line in lines]


def assert_reads_like_the_page(path, page):
    """A form that carries the page's HTML is read to exactly the lines of the page itself (whose
    extraction the HTML families and test_word_html_in_gbk_under_a_doc_name score)."""
    assert shape(read_document(path)) == shape(parse_lines(page.html))


def assert_reads_truth(path, report):
    result = extract_file(path)
    score = score_document(report.gold(), result.as_dict(), path.name)
    assert score.template_correct, (result.template, result.errors)
    assert score.confident_wrong == 0, [o.to_dict(0.9) for o in score.wrong()]
    assert score.exact == score.scored, [o.to_dict(0.9) for o in score.wrong()][:5]


# --- sniffing: bytes -> form ----------------------------------------------------------------

PIPE_MD = "# 年度报告\n\n| 信息内容 | 本年新制作数量 |\n|---|---|\n| 规章 | 0 |\n"
GRID_MD = "+------+------+\n| 规章 | 0    |\n+------+------+\n"
SIMPLE_MD = "  ------ ------\n  规章   0\n  ------ ------\n"
WORD_HTML = ('<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta charset=gbk></head>'
             "<body><p class=MsoNormal style='mso-line-height-alt:12pt'>规章<o:p></o:p></p></body></html>")


@pytest.mark.parametrize("data,suffix,kind", [
    (b"<table><tr><td>\xe8\xa7\x84\xe7\xab\xa0</td></tr></table>", ".txt", "html"),
    (WORD_HTML.encode("gbk"), ".doc", "html"),
    (b'var data = {"content": "\\u003ctable\\u003e\\u003ctr\\u003e\\u003ctd\\u003e0\\u003c\\/td\\u003e"};',
     ".html", "script"),
    (json.dumps({"data": {"content": "<table><tr><td>规章</td></tr></table>"}}).encode(), ".txt", "script"),
    (b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"x\"\r\n\r\n--x\r\n", ".doc", "mhtml"),
    (PIPE_MD.encode(), ".txt", "markdown"),
    (GRID_MD.encode(), ".txt", "markdown"),
    (SIMPLE_MD.encode(), ".html", "markdown"),
    ("某某县2020年政府信息公开工作年度报告\n规章\t0\n".encode("utf-16"), ".html", "text"),
    (OLE2 + b"\x00" * 504, ".txt", "office"),
    (b"{\\rtf1\\ansi hello}", ".txt", "office"),
    (b"%PDF-1.7\n", ".txt", "pdf"),
])
def test_form_is_sniffed_from_content_not_extension(data, suffix, kind):
    assert sniff(data, suffix).kind == kind


def test_zip_forms():
    import zipfile

    def archive(files):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for name, data in files.items():
                z.writestr(name, data)
        return buf.getvalue()
    assert sniff(archive({"[Content_Types].xml": "", "word/document.xml": ""}), ".zip").kind == "docx"
    assert sniff(archive({"mimetype": "application/vnd.oasis.opendocument.text"}), ".zip").kind == "office"
    assert sniff(archive({"[Content_Types].xml": "", "xl/workbook.xml": ""}), ".docx").kind == "docx"
    assert sniff(archive({"[Content_Types].xml": "", "xl/workbook.xml": ""}), ".xlsx").kind == "unsupported"


@pytest.mark.parametrize("data,expected", [
    ("规章".encode("utf-8-sig"), "规章"), ("规章".encode("utf-16"), "规章"),
    ("规章\t12\n".encode("utf-16-le") * 20, "规章\t12\n" * 20),  # UTF-16 without a BOM
    ('<meta charset="gb2312"><p>规章</p>'.encode("gbk"), '<meta charset="gb2312"><p>规章</p>'),
    ("<meta http-equiv=Content-Type content='text/html; charset=gbk'>規章".encode("gb18030"),
     "<meta http-equiv=Content-Type content='text/html; charset=gbk'>規章"),
    ("无声明的国标文本".encode("gb18030"), "无声明的国标文本"),
    # a page re-saved as UTF-8 that kept its old gbk declaration
    ('<meta charset="gbk"><p>规章</p>'.encode("utf-8"), '<meta charset="gbk"><p>规章</p>'),
])
def test_charsets(data, expected):
    assert decode(data) == expected


# --- real converters on generated reports -------------------------------------------------

@needs_pandoc
def test_docx_from_pandoc_reads_every_field(tmp_path):
    report, page = generated(0)
    path = tmp_path / "report.txt"  # a DOCX under a misleading name
    path.write_bytes(pandoc("html", "docx", page.html.encode("utf-8"), out_file=True))
    assert_reads_truth(path, report)


def test_docx_merged_cells_appear_once_like_html():
    import docx

    document = docx.Document()
    document.add_paragraph("前言")
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "A"  # vMerge
    table.cell(0, 1).merge(table.cell(0, 2)).text = "B"  # gridSpan
    for col, text in ((1, "1"), (2, "2")):
        table.cell(1, col).text = text
    for col, text in enumerate(("C", "3", "4")):
        table.cell(2, col).text = text
    document.add_paragraph("后记")
    buf = io.BytesIO()
    document.save(buf)
    from pipeline.readers.docx import read
    lines = read(buf.getvalue(), "t.docx").lines()
    html = parse_lines("<p>前言</p><table><tr><td rowspan=2>A</td><td colspan=2>B</td></tr>"
                       "<tr><td>1</td><td>2</td></tr><tr><td>C</td><td>3</td><td>4</td></tr></table><p>后记</p>")
    assert shape(lines) == shape(html)


@needs_pandoc
@pytest.mark.parametrize("fmt,name", [("markdown", "report.md"), ("gfm", "report.txt")])
def test_pandoc_markdown_reads_every_field(tmp_path, fmt, name):
    report, page = generated(1)
    path = tmp_path / name
    path.write_bytes(pandoc("html", fmt, page.html.encode("utf-8")))
    assert_reads_truth(path, report)


def test_word_html_in_gbk_under_a_doc_name(tmp_path):
    report, page = generated(2, site="word")
    assert "mso-" in page.html and "<o:p>" in page.html and "<!--[if" in page.html
    html = page.html.replace('charset="utf-8"', 'charset="gbk"').replace("charset=utf-8", "charset=gbk")
    assert "gbk" in html[:2048].lower()
    path = tmp_path / "report.doc"
    path.write_bytes(html.encode("gb18030"))
    assert_reads_truth(path, report)


def test_html_in_a_javascript_string(tmp_path):
    _, page = generated(3)
    # what a client-rendered site ships: the article escaped the way JSON encoders escape it
    literal = json.dumps(page.html, ensure_ascii=True).replace("<", "\\u003c").replace("/", "\\/")
    path = tmp_path / "report.txt"
    path.write_text(f"window.__INITIAL_STATE__ = {{\"article\": {{\"id\": 7, \"content\": {literal}}}}};\n",
                    encoding="utf-8")
    assert sniff(path.read_bytes(), ".txt").kind == "script"
    assert_reads_like_the_page(path, page)


def test_mhtml_with_quoted_printable_gb18030_part(tmp_path):
    _, page = generated(6)
    archive = email.mime.multipart.MIMEMultipart("related")
    charset = email.charset.Charset("gb18030")
    charset.body_encoding = email.charset.QP
    archive.attach(email.mime.text.MIMEText(page.html, "html", charset))
    image = email.mime.text.MIMEText(base64.b64encode(b"\x89PNG").decode(), "plain", "us-ascii")
    archive.attach(image)
    path = tmp_path / "report.doc"  # Word saves "single file web page" as .mht, sites rename it .doc
    path.write_bytes(archive.as_bytes())
    assert b"quoted-printable" in path.read_bytes()
    assert sniff(path.read_bytes(), ".doc").kind == "mhtml"
    assert_reads_like_the_page(path, page)


@needs_soffice
def test_doc_through_libreoffice(tmp_path):
    report, page = generated(5)
    src = tmp_path / "page.html"
    src.write_text(page.html, encoding="utf-8")
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={profile}", "--convert-to", "doc:MS Word 97",
                    "--outdir", str(tmp_path / "out"), str(src)], check=True, capture_output=True, timeout=180)
    path = tmp_path / "report.wps"
    path.write_bytes((tmp_path / "out" / "page.doc").read_bytes())
    assert path.read_bytes()[:8] == OLE2
    assert_reads_truth(path, report)


# --- bad input: a clear error per document ---------------------------------------------------

def test_doc_without_libreoffice_names_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    path = tmp_path / "report.doc"
    path.write_bytes(OLE2 + bytes(range(256)) * 8)
    with pytest.raises(ReaderError, match="LibreOffice"):
        read_document(path)
    result = extract_file(path)
    assert result.fields == {} and "LibreOffice" in result.errors[0] and "libreoffice-writer" in result.errors[0]


def test_empty_and_corrupt_docx_are_clear_errors(tmp_path):
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    empty = tmp_path / "empty.docx"
    empty.write_bytes(buf.getvalue())
    with pytest.raises(ReaderError, match="no text"):
        read_document(empty)
    corrupt = tmp_path / "corrupt.docx"
    corrupt.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    result = extract_file(corrupt)
    assert result.fields == {} and "DOCX" in result.errors[0]


def test_other_office_files_are_refused(tmp_path):
    import zipfile

    path = tmp_path / "report.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    result = extract_file(path)
    assert result.fields == {} and "not a supported input" in result.errors[0]


def test_markdown_tables_by_geometry():
    """Columns come from the rule's dash runs in display width (CJK fills two); wrapped cells
    join; pandoc's smart --- is the printed dash (a blank), not three minus signs."""
    from pipeline.readers.markdown import lines_from_markdown

    text = ("  ------------ ------ ------\n"
            "  行政许可     12     ---\n"
            "\n"
            "  其他对外管   3      4\n"
            "  理服务事项\n"
            "\n"
            "  行政处罚     ---    7\n"
            "  ------------ ------ ------\n"
            "\n"
            "+------+-----+\n"
            "| 商业 | 1   |\n"
            "| 企业 | 2   |\n"
            "+------+-----+\n")
    rows = [[(b.column, b.text) for b in line.boxes] for line in lines_from_markdown(text)]
    assert rows == [[(0, "行政许可"), (1, "12"), (2, "—")],
                    [(0, "其他对外管理服务事项"), (1, "3"), (2, "4")],
                    [(0, "行政处罚"), (1, "—"), (2, "7")],
                    [(0, "商业企业"), (1, "12")]]


def test_markdown_span_attributes_wrapped_onto_the_next_line_print_no_numbers():
    """pandoc keeps Word's long <span style=...> tags, wrapped over lines: read line by line,
    the tail `style="font-size:16.0pt">五、...` put 16.0 into the table before the heading."""
    from pipeline.readers.markdown import lines_from_markdown

    text = ("| 1 | 0 | 1 |\n\n**<span\nstyle=\"font-size:16.0pt;font-family:黑体\">五、存在的主要问题<span\n"
            "lang=\"EN-US\"></span></span>**\n")
    lines = [line.text for line in lines_from_markdown(text)]
    assert not any("16" in t or "style" in t for t in lines), lines
    assert any("五、存在的主要问题" in t for t in lines)


# --- PDF -> markdown converters that rebuild tables from the page (PyMuPDF4LLM) --------------

def test_a_number_cell_holding_the_next_lines_text_gives_the_row_and_that_line():
    """`|行政强制<br>|6<br>第二十条第(八|—<br>)项<br>|—|`: the sub-table heading printed under the
    row went into its cells; a number does not wrap into text, so the row keeps its numbers."""
    from pipeline.readers.markdown import lines_from_markdown, split_spilled_cells

    assert split_spilled_cells("|行政强制<br>|6<br>第二十条第(八|—<br>)项<br>|—|") == \
        ["|行政强制<br>|6|—|—|", "第二十条第(八)项"]
    wrapped_label = "|（二）部分公开（区分处理的，只计这一情形，不计其他<br>情形）|0|0|"
    two_numbers = "|一、本年新收政府信息公开申请数量|0|0<br>0|0|"
    assert split_spilled_cells(wrapped_label) == [wrapped_label]
    assert split_spilled_cells(two_numbers) == [two_numbers]
    rows = [[b.text for b in line.boxes] for line in lines_from_markdown(
        "|信息内容|上一年项目数量|本年增/减|处理决定数量|\n|---|---|---|---|\n"
        "|行政强制<br>|6<br>第二十条第(八|—<br>)项<br>|—|\n")]
    assert ["行政强制", "6", "—", "—"] in rows and not any("6 第二十条" in " ".join(r) for r in rows)


def test_column_headers_merged_above_the_first_rows_numbers_go_before_the_row():
    """`|note<br>一、本年新收…|自然人<br>13|商业<br>企业<br>1|`: the converter merged the header
    rows into the first data row.  A count does not wrap and a header does not end in one: the
    header lines (and the note above the label) are read before the row, the row keeps its label
    and its numbers, and the label is found."""
    from pipeline.readers.markdown import split_spilled_cells

    row = ("|（本列数据的勾稽关系为：第一项<br>加第二项之和）<br>一、本年新收政府信息公开申请数<br>量"
           "|自然人<br>13|商业<br>企业<br>1|其他<br>—|总计<br>14|")
    above, rebuilt = split_spilled_cells(row)
    assert rebuilt == "|一、本年新收政府信息公开申请数<br>量|13|1|—|14|"
    assert above.startswith("（本列数据的勾稽关系为：第一项 加第二项之和）") and "自然人 商业 企业 其他 总计" in above
    # a header over two columns ends in an empty line where the row prints nothing: a header too
    above, rebuilt = split_spilled_cells("|政府集中采购|采购项目数量<br>—|采购<br>|总金额<br>—|")
    assert rebuilt == "|政府集中采购|—||—|" and "采购" in above
    # a label wrapped over lines (no enumerator on a later line) and plain rows stay as they are
    wrapped = "|（二）部分公开（区分处理的，只计这一情形，不计其他<br>情形）|0|0|"
    assert split_spilled_cells(wrapped) == [wrapped]
    two_numbers = "|一、本年新收政府信息公开申请数量|0|0<br>0|0|"
    assert split_spilled_cells(two_numbers) == [two_numbers]


def test_a_section_heading_read_as_a_table_row_with_the_lines_below_in_its_cells():
    """`|四、政府<br>行政 复议|信息公开行<br>|政复|议、行|政诉讼<br>行政|情况<br> 诉讼|`: the first
    line of every cell is the heading, the rest is the header row printed under it."""
    from pipeline.readers.markdown import lines_from_markdown, split_spilled_cells

    row = "|四、政府<br>行政 复议|信息公开行<br>|政复|议、行|政诉讼<br>行政|情况<br> 诉讼||||"
    heading, below = split_spilled_cells(row)
    assert heading == "四、政府信息公开行政复议、行政诉讼情况"
    assert below.split("|")[1:3] == ["行政 复议", ""]
    lines = [line.text for line in lines_from_markdown(row + "\n|0|0|1|0|1|\n")]
    assert lines[0] == heading
    # a row that prints numbers is no heading, whatever its label starts with
    data = "|四、结转下年<br>|度继续办理|2|0|2|"
    assert split_spilled_cells(data) == [data]


def test_a_pipe_rows_empty_last_cells_are_printed_blanks_not_edge_separators():
    """html2text prints rows without edge pipes (`5|  | 2|  | 7|  |  `): the empty cells at the end
    are cells printed empty (zeros where a table prints nothing for 0); only the one empty piece
    an edge pipe makes is no cell."""
    from pipeline.readers.text import split_cells

    assert split_cells("5|  | 2|  | 7|  |  ") == ["5", "", "2", "", "7", "", ""]
    assert split_cells("| 5 |  | 2 |  |") == ["5", "", "2", ""]
    assert split_cells("|  |  |") == []
    assert split_cells("规章\t0\t\t") == ["规章", "0"]  # tab rows keep their old edges


def test_an_enumerator_cut_from_its_label_at_a_column_line_is_no_count():
    """`|4|．保护第三方合法权益|`: the converter cut the enumerator off at a column line; alone in
    its cell the 4 would read as a printed count."""
    from pipeline.readers.markdown import lines_from_markdown

    texts = [[b.text for b in line.boxes] for line in lines_from_markdown("|4|．保护第三方合<br>法权益|0|\n")]
    assert texts == [["4．保护第三方合 法权益", "0"]]
    assert [[b.text for b in line.boxes] for line in lines_from_markdown("|行政许可|4|.5|\n")] == [
        ["行政许可", "4", ".5"]]


def test_br_outside_a_table_breaks_the_line_and_comments_leave_no_residue():
    """A converter's text of a table it took for a picture: header words, then the numbers, `<br>`
    between, inside `<!-- Start of picture text -->` comments."""
    from pipeline.readers.markdown import lines_from_markdown

    text = ("<!-- Start of picture text -->\n行政 行政<br>复议 诉讼<br>维持 纠正 结果 审结 总计<br>"
            "1 0 0 0 1<br><!-- End of picture text -->\n")
    lines = [line.text for line in lines_from_markdown(text)]
    assert "1 0 0 0 1" in [t.strip() for t in lines]
    assert not any("<!" in t or "picture" in t for t in lines), lines


def test_a_heading_glued_to_a_paragraph_or_cut_into_cells_still_opens_its_section():
    from pipeline.extract import _vocabulary
    from pipeline.layout import headings_in_prose, tokenize
    from pipeline.model import Document, Line, Page, TextBox

    headings = _vocabulary().headings
    glued = "形成一级抓一级的工作格局。 二、主动公开政府信息情况"
    assert headings_in_prose(glued, headings) == [("prose", "形成一级抓一级的工作格局。"),
                                                   ("text", "二、主动公开政府信息情况")]
    # the introduction names the parts in prose: no enumerator, no heading
    intro = "全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况等。"
    assert headings_in_prose(intro, headings) == [("prose", intro)]
    cut = Line([TextBox(t, column=k) for k, t in enumerate(["四、政府信息公开", "行政复", "议、行", "政诉", "讼情况", ""])],
               1, in_table=True)
    header = Line([TextBox(t, column=k) for k, t in enumerate(["", "行政复议", "行政诉讼"])], 1, in_table=True)
    doc = Document("t.md", "0" * 64, "text", [Page(1, [cut, header])])
    tokens = tokenize(doc, _vocabulary())
    assert tokens[0].kind == "text" and tokens[0].text == "四、政府信息公开行政复议、行政诉讼情况"
    assert [t.text for t in tokens[1:]] == ["行政复议", "行政诉讼"]
    # the 、 of the row above's 四、 wrapped into the heading row's first cell
    stray = Line([TextBox(t, column=k) for k, t in enumerate(["、 四、政府", "信息公开行", "政复", "议、行", "政诉讼情况"])],
                 1, in_table=True)
    doc = Document("t.md", "0" * 64, "text", [Page(1, [stray])])
    assert tokenize(doc, _vocabulary())[0].text == "四、政府信息公开行政复议、行政诉讼情况"


def test_one_line_report_evidence_keeps_the_cells_neighbourhood_not_the_whole_document(tmp_path):
    """A crawler saves the whole page as one line: each field's source line is an excerpt around
    its cell, not a copy of the document per field."""
    from bs4 import BeautifulSoup

    from pipeline.extract import EXCERPT_CONTEXT

    page = page_for(report_for("excerpt", 0))
    soup = BeautifulSoup(page.html, "html.parser")
    text = (soup.find(id=page.article_id) or soup.body).get_text("")
    path = tmp_path / "oneline.txt"
    path.write_text(page.title + "\n" + text.replace("\n", ""), encoding="utf-8")
    result = extract_file(path)
    evidence = [v.evidence for v in result.fields.values() if v.evidence.line_text]
    assert len(evidence) > 100
    assert len(max(evidence, key=lambda e: len(e.line_text)).line_text) <= 2 * EXCERPT_CONTEXT + 60
    # the excerpt holds the digits the value was read from
    for ev in evidence:
        digits = "".join(c for c in ev.text if c.isdigit())
        assert digits in "".join(c for c in ev.line_text if c.isdigit())
