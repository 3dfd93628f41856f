"""Numbers no row label claims, right after a row's numbers: PyMuPDF4LLM merges two rows' label
cells (`(一)予以公开<br>(二)部分公开(区分处理 | 0 | … | 0`), and the second label's own numbers
follow on its wrapped line (`的，只计这一情形，不计 | 4 | … | 4`).  Read by the labels, (二) took
the first run (0s), the second run went unclaimed, and the rules across rows gave (一) the 4:
every column sum holds either way, so the row read is never ok."""
from pipeline.corpus.generate import doc_stem, generate
from pipeline.extract import extract_file


def test_a_row_followed_by_numbers_no_label_claims_is_never_ok(tmp_path):
    name, seed, index = "weasyprint_pdf_pymupdf4llm", "73071", 0
    generate(tmp_path, 1, seed, [name], index, log=lambda m: None)
    path = (tmp_path / name / doc_stem(name, seed, index)).with_suffix(".md")
    assert "|的，只计这一情形，不计|4|" in path.read_text(encoding="utf-8")
    fields = extract_file(path).as_dict()["fields"]
    row = {f: v for f, v in fields.items() if f.startswith("requests.partially_granted.")}
    assert all(v["status"] != "ok" and v["confidence"] < 0.9 for v in row.values())
    assert all(any("no row label claims" in r for r in v["reasons"]) for v in row.values())
    # nor the row above, whose 4 the rules settled from that row's 0s: they hold either way
    above = {f: v for f, v in fields.items() if f.startswith("requests.granted.")}
    assert all(v["status"] != "ok" for v in above.values()), {f: v["value"] for f, v in above.items()}
    # the rows below, each label followed by its own numbers, stay confident
    assert fields["requests.withheld_state_secret.total"]["status"] == "ok"


def test_values_settled_across_rows_of_a_table_rebuilt_whole_from_its_columns_are_never_ok(tmp_path):
    """pdfminer printed section 三 column by column before its labels; the table was rebuilt whole
    from its column runs, and the rules across rows settled a row as 0s whose 1s another row took
    (0 for 1, ok at 0.90): a table with no value read as printed is no row-by-row print."""
    name, seed, index = "weasyprint_pdf_pdfminer", "73071", 2
    generate(tmp_path, 1, seed, [name], index, log=lambda m: None)
    fields = extract_file((tmp_path / name / doc_stem(name, seed, index)).with_suffix(".txt")).as_dict()["fields"]
    row = {f: v for f, v in fields.items() if f.startswith("requests.unavailable_needs_creation.")}
    assert all(v["signals"]["by_columns"] for v in row.values())
    assert all(v["status"] != "ok" for v in row.values()), {f: v["value"] for f, v in row.items()}


def test_a_row_printing_no_number_beside_a_row_with_surplus_cells_is_never_ok(tmp_path):
    """A page break split 7、属于行政执法案卷's row: its numbers (`|||1||||||1|`) stayed at the foot
    of the page, its label went to the next page's table with empty cells.  The numbers joined
    6、's row as surplus cells; 7、 read its empty cells as 0s, ok at 0.998, and every column sum
    held with 6、 and 7、 swapped."""
    name, seed, index = "weasyprint_pdf_pymupdf4llm", "75072", 2
    generate(tmp_path, 1, seed, [name], index, log=lambda m: None, zero="")
    fields = extract_file((tmp_path / name / doc_stem(name, seed, index)).with_suffix(".md")).as_dict()["fields"]
    row = {f: v for f, v in fields.items() if f.startswith("requests.withheld_enforcement.")}
    assert all(v["status"] != "ok" for v in row.values()), {f: v["value"] for f, v in row.items()}
    assert any("printed more cells than it has" in r for r in row["requests.withheld_enforcement.total"]["reasons"])


def test_a_document_printing_zeros_outside_a_tables_section_still_prints_zeros(tmp_path):
    """pdfminer printed section 三's zero columns before the section's heading: its own range held
    no 0, and rows settled as 0s across rows took the rebuilt level (10 values 0 for 2-26, ok at
    0.90).  A table whose numbers are not in its section prints zeros if any table's section does."""
    name, seed, index = "chromium_pdf_pdfminer", "76071", 3
    generate(tmp_path, 1, seed, [name], index, log=lambda m: None)
    fields = extract_file((tmp_path / name / doc_stem(name, seed, index)).with_suffix(".txt")).as_dict()["fields"]
    settled = {f: v for f, v in fields.items() if v.get("signals", {}).get("by_columns")}
    assert settled and all(v["signals"]["zeros_printed"] for v in settled.values())
    row = {f: v for f, v in fields.items() if f.startswith("requests.unavailable_not_held.")}
    assert all(v["status"] != "ok" for v in row.values()), {f: v["value"] for f, v in row.items()}


def test_a_table_leaving_zeros_empty_beside_one_printing_them_is_judged_by_its_own_section(tmp_path):
    """inscriptis: section 二 prints its zeros as 0 and section 三 leaves them empty.  Section 三's
    rows settled as 0s across rows keep the rebuilt level there (a document-wide reading sent 114
    right values of that table to review); the other table still prints its zeros."""
    name, seed, index = "inscriptis", "76071", 2
    generate(tmp_path, 1, seed, [name], index, log=lambda m: None)
    fields = extract_file((tmp_path / name / doc_stem(name, seed, index)).with_suffix(".txt")).as_dict()["fields"]
    assert all(v["signals"]["zeros_printed"] for f, v in fields.items() if f.startswith("disclosure."))
    requests = {f: v for f, v in fields.items() if f.startswith("requests.")}
    assert not any(v["signals"]["zeros_printed"] for v in requests.values())
    settled = [v for v in requests.values() if v["signals"]["by_columns"]]
    assert settled and sum(v["status"] == "ok" for v in settled) > len(settled) / 2
