"""A table printing its zeros as empty cells, where most rows print nothing: a run of numbers
after several row labels is the last label's only when no other of those rows can own it under
the sum rules (the rows printing nothing read as empty).  Then its rows carry no several-labels
doubt; where another row could own it, the doubt stays."""
from dataclasses import replace

from pipeline.corpus.converters import Context, bs4_text
from pipeline.corpus.render import page_for
from pipeline.corpus.values import report_for
from pipeline.extract import extract_file

SEVERAL = "several row labels precede these numbers; assigned to the nearest one"


def _requests_only(tmp_path, name: str, nonzero: dict[str, int]):
    """A generated report whose section 三 prints only `nonzero` (row -> natural persons), zeros
    as empty cells, one text line per cell with the empty cells' lines dropped (as lynx and a
    browser's innerText print such a table)."""
    report = report_for("run-after-empty-rows", 1)
    fields = {f: (0 if f.startswith("requests.") else v) for f, v in report.fields.items()}
    for row, n in nonzero.items():
        fields[f"requests.{row}.natural_person"] = fields[f"requests.{row}.total"] = n
    report = replace(report, fields=fields)
    text = bs4_text("\n")(page_for(report, zero=""), Context(tmp_path)).decode("utf-8")
    path = tmp_path / f"{name}.txt"
    path.write_text("\n".join(line for line in text.splitlines() if line.strip()), encoding="utf-8")
    return report, extract_file(path)


def test_a_run_only_the_last_of_the_labels_before_it_can_own_keeps_no_doubt(tmp_path):
    # one request, not handled: printed after 一、本年新收 and after 四、结转下年度 only; moved to
    # any row from 二、上年结转 to （七）总计, the 勾稽 balance or a column sum breaks
    report, result = _requests_only(tmp_path, "one_carried", {"received": 1, "carried_forward": 1})
    fields = {f: fv for f, fv in result.fields.items() if f.startswith("requests.")}
    assert all(fv.value == report.fields[f] for f, fv in fields.items())
    assert not any(SEVERAL in fv.reasons for fv in fields.values())


def test_a_run_another_row_could_own_keeps_its_doubt(tmp_path):
    # handled: （一）予以公开's 1 could as well be another result row's (the results' total holds
    # either way), so the rows before it stay in doubt
    report, result = _requests_only(tmp_path, "one_granted", {"received": 1, "granted": 1, "handled_total": 1})
    granted = [fv for f, fv in result.fields.items() if f.startswith("requests.granted.")]
    assert any(SEVERAL in fv.reasons for fv in granted)
    assert not any(fv.status == "ok" for fv in granted)
