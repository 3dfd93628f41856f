"""pdftotext -layout centres a row's numbers on its wrapped label (`4．保护第三方` / `1   1` /
`合法权益`); in a table printing zeros as empty cells, the rows above it print nothing.  A run
standing between the lines of the last label is that label's: no several-labels doubt.  Where the
line after the run is the next row's label instead (pypdf prints a row's numbers before its
label), the run could be either row's, and the doubt stays."""
import json
from pathlib import Path

from pipeline.extract import extract_file

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "pdftotext_layout_blank_zeros_numbers_amid_wrapped_labels.txt"
SEVERAL = "several row labels precede these numbers; assigned to the nearest one"


def test_numbers_between_a_wrapped_label_s_lines_are_that_row_s():
    truth = json.loads(FIXTURE.with_suffix(".json").read_text(encoding="utf-8"))["fields"]
    result = extract_file(FIXTURE)
    row = {f: fv for f, fv in result.fields.items() if f.startswith("requests.withheld_third_party.")}
    assert row and all(fv.value == truth[f] for f, fv in row.items())
    assert not any(SEVERAL in fv.reasons for fv in row.values())


def test_numbers_followed_by_the_next_row_s_label_keep_the_doubt(tmp_path):
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == "合法权益")
    assert lines[at - 1].split() == ["1", "1"]
    # the label's last line moved above its numbers: the line after them is 5．属于三类内's
    lines[at - 1], lines[at] = lines[at], lines[at - 1]
    path = tmp_path / "numbers_before_the_next_label.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = extract_file(path)
    row = [fv for f, fv in result.fields.items() if f.startswith("requests.withheld_third_party.")]
    assert any(SEVERAL in fv.reasons for fv in row)
