"""The generated corpus's values and HTML rendering: sum rules, distributions, and the official
table layout (every value lands under its printed row and column once spans are resolved)."""
import random
import re

import pytest

from pipeline.corpus.render import (ARTICLE_20_ITEMS, Style, draw_style, format_value, page_for, render_page,
                                    request_label)
from pipeline.corpus.values import TEMPLATE_KEYS, draw_report, failed_rules, report_for
from pipeline.schema import all_templates

lxml_html = pytest.importorskip("lxml.html")

REPORTS = [report_for("test", i) for i in range(300)]


def test_consistent_reports_satisfy_every_sum_rule_and_wrong_ones_are_recorded():
    for report in REPORTS:
        broken = failed_rules(report.template, report.fields)
        assert bool(broken) == report.wrong_table, report.seed
        if report.wrong_table:
            assert report.notes and "printed table is wrong" in report.notes[0]
            assert any(name in report.notes[0] for name in broken)
    wrong = sum(r.wrong_table for r in REPORTS) / len(REPORTS)
    assert 0.02 <= wrong <= 0.16


def test_every_template_and_every_field_has_a_value():
    assert {r.key for r in REPORTS} == set(TEMPLATE_KEYS)
    for report in REPORTS:
        gold = report.gold()
        assert set(gold["fields"]) == set(report.template.field_ids())
        assert all(isinstance(v, (int, float)) for v in gold["fields"].values())


def test_distributions_look_like_real_reports():
    section3 = [v for r in REPORTS for f, v in r.fields.items() if f.startswith("requests.")]
    assert sum(v == 0 for v in section3) / len(section3) > 0.6  # mostly zeros
    assert 0 < sum(v > 100 for v in section3) / len(section3) < 0.1  # a few large ones
    counts2 = [v for r in REPORTS for f, v in r.fields.items()
               if f.startswith("disclosure.") and r.template.column_of(f).kind == "count"]
    assert min(counts2) == 0 and max(counts2) > 10000
    signed = [v for r in REPORTS for f, v in r.fields.items() if r.template.column_of(f).kind == "signed"]
    assert min(signed) < 0 < max(signed)
    money = [v for r in REPORTS for f, v in r.fields.items() if r.template.column_of(f).kind == "money"]
    assert any(not float(v).is_integer() for v in money) and any(v > 10**6 for v in money)
    assert {r.money_unit for r in REPORTS if r.template.version == "2019"} == {"元", "万元"}


def test_reports_are_reproducible_and_vary_with_the_seed():
    assert report_for(7, 3).fields == report_for(7, 3).fields
    assert report_for(7, 3).fields != report_for(8, 3).fields
    assert page_for(report_for(7, 3)).html == page_for(report_for(7, 3)).html


def test_every_section_2_row_has_a_printed_item():
    for template in all_templates():
        assert {r.id for r in template.table("disclosure").rows} <= set(ARTICLE_20_ITEMS)


# --- layout -------------------------------------------------------------------------------

def grid(table) -> list[list[str]]:
    """The table as a full grid: a spanned cell's text in every position it covers."""
    cells: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(table.xpath(".//tr")):
        c = 0
        for td in tr.xpath("./td|./th"):
            while (r, c) in cells:
                c += 1
            text = re.sub(r"\s+", "", td.text_content().replace("\xa0", " "))
            for dr in range(int(td.get("rowspan", 1))):
                for dc in range(int(td.get("colspan", 1))):
                    cells[(r + dr, c + dc)] = text
            c += int(td.get("colspan", 1))
    rows = 1 + max(r for r, _ in cells)
    cols = 1 + max(c for _, c in cells)
    return [[cells.get((r, c)) for c in range(cols)] for r in range(rows)]


def report_tables(page):
    doc = lxml_html.fromstring(page.html)
    tables = [t for t in doc.xpath("//table") if "xxgk-meta" not in (t.get("class") or "")]
    assert len(tables) == 3
    return [grid(t) for t in tables]


STYLES = [Style()] + [draw_style(random.Random(i)) for i in range(24)]


@pytest.mark.parametrize("key", TEMPLATE_KEYS)
def test_official_layout_puts_every_value_under_its_row_and_column(key):
    for i, style in enumerate(STYLES):
        report = draw_report(random.Random(f"{key}:{i}"), key)
        page = render_page(report, style, random.Random(i))
        disclosure, requests, appeals = report_tables(page)
        template = report.template
        # every grid is rectangular and fully covered (no cell lost to a wrong span)
        for g, width in ((disclosure, 4), (requests, 10), (appeals, 15)):
            assert all(len(row) == width and None not in row for row in g), (key, i)

        table = template.table("requests")
        cols = list(table.columns)
        header = requests[2]
        assert [header[3 + k] for k in range(len(cols))] == [table.columns[c].labels[0] for c in cols] or \
            style.wrap_headers
        assert requests[0][3] == "申请人情况" and requests[1][4] == "法人或其他组织"
        body = requests[3:]
        assert len(body) == len(table.rows)
        for row, printed in zip(table.rows, body):
            assert printed[2] == re.sub(r"\s+", "", request_label(table, row.id, style))
            expected = [format_value(report.fields[table.field_id(row.id, c)], "count", style, style.zero[1], report)
                        for c in cols]
            assert printed[3:] == expected, (key, i, row.id)
            if row.group == "results":
                assert printed[0] == "三、本年度办理结果"

        table = template.table("appeals")
        values = [format_value(report.fields[f], "count", style, style.zero[2], report) for f in table.field_ids()]
        assert appeals[3] == values
        assert appeals[0][0] == "行政复议" and appeals[0][5] == "行政诉讼" and appeals[1][5] == "未经复议直接起诉"

        table = template.table("disclosure")
        for row in table.rows:
            printed = next(r for r in disclosure if r[0] == row.labels[0])
            for k, c in enumerate(row.columns):
                expected = format_value(report.fields[table.field_id(row.id, c)], table.columns[c].kind, style,
                                        style.zero[0], report)
                assert printed[1 + k] == expected, (key, i, row.id, c)


def test_pages_carry_prose_title_and_site_furniture():
    seen = set()
    for i in range(30):
        report = report_for("prose", i)
        page = page_for(report)
        seen.add(page.style.site)
        text = lxml_html.fromstring(page.html).text_content()
        assert page.title in text and report.agency in page.title and str(report.year) in page.title
        for heading in ("一、总体情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
            assert heading in text
        received = report.fields[report.template.table("requests").field_id("received", "total")]
        if received:
            assert f"共收到政府信息公开申请{received}件" in text
        if page.style.site == "cms":
            assert "当前位置" in text and "网站标识码" in text
        if page.style.site == "word":
            assert "<o:p>" in page.html and "mso-" in page.html
    assert seen == {"cms", "word", "article"}


def test_blank_zero_cells_print_in_the_styles_real_reports_use():
    zeros = [z for i in range(400) for z in draw_style(random.Random(i)).zero]
    share = {b: zeros.count(b) / len(zeros) for b in set(zeros)}
    assert share["0"] > 0.7
    assert {"", "—", "/"} <= set(share)


def test_a_table_the_converter_left_out_is_not_asked_of_the_reader():
    from pipeline.corpus.generate import dropped_tables
    from pipeline.corpus.values import report_for
    from pipeline.labels import row_labels

    report = report_for("dropped", 0)
    printed = [label for table in report.template.tables if table.id != "requests"
               for row in table.rows for label in row_labels(table.id)[row.id][:1]]
    assert dropped_tables(report, "\n".join(printed) + "\n[TABLE]\n") == ["requests"]
    assert dropped_tables(report, "\n".join(printed + [label for labels in row_labels("requests").values()
                                                         for label in labels[:1]])) == []


def test_the_narrative_states_section_four_as_the_table_prints_it():
    from pipeline.corpus.render import appeals_prose
    from pipeline.narrative import statements

    ways = set()
    for report in REPORTS[:120]:
        text = appeals_prose(report, random.Random(report.seed))
        found = statements(text, report.template)
        for st in found:
            assert st.stated == sum(report.fields[f] for f in st.fields), (report.seed, text)
        ways.add("silent" if not text else "none" if "未发生" in text or "没有发生" in text else
                 "breakdown" if "其中" in text else "counts")
        # a narrative that speaks of section 四 states both totals (a none-sentence states them as 0)
        assert not text or {"review", "litigation"} <= {st.claim for st in found}, text
    assert ways == {"silent", "none", "breakdown", "counts"}



def test_print_under_a_seal_stays_darker_than_the_seal_in_every_condition_that_stamps_one(monkeypatch):
    """A seal is stamped over the printed page: toner under it, faded or not, stays darker in
    the red channel than the seal's ink on bare paper (the channel a scan's reader keeps).
    Faded after the seal, both turned the same pure red and the digits under the seal were
    gone from the page, which no stamped page shows.  (The seal is a red square here and the
    geometric steps are left out, so that print and stamp stay where they were put.)"""
    import random

    import numpy as np

    from pipeline.corpus import scans
    from pipeline.corpus.scans import CONDITIONS, degrade

    stamp = (slice(300, 600), slice(200, 500))

    def square_seal(rgb, rng, dpi, agency):
        rgb = rgb.copy()
        rgb[stamp] *= np.array([225, 50, 50], np.float32) / 255
        return rgb

    monkeypatch.setattr(scans, "seal", square_seal)
    page = np.full((900, 700, 3), 255.0, np.float32)
    for y in range(40, 880, 36):  # lines of print
        page[y:y + 14, 40:660] = 20.0
    under = np.zeros(page.shape[:2], bool)
    under[stamp] = True
    printed = page[:, :, 0] < 128
    bare = under & ~np.roll(printed, 4, 0) & ~np.roll(printed, -4, 0)
    for cond in (c for c in CONDITIONS.values() if "seal" in c.steps):
        steps = tuple(s for s in cond.steps if s not in ("skew", "blur"))
        red = degrade(page.copy(), steps, random.Random(cond.name), 150, "人民政府办公室")[:, :, 0].astype(float)
        assert red[under & printed].mean() < red[bare].mean() - 60, cond.name
