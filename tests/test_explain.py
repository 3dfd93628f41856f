"""`govreport explain`: the page is checked in a real headless Chromium (the system's, driven by
Playwright), with every request leaving the file refused and counted."""
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.extract import extract_file
from pipeline.review.grid import format_value as _value

from .conftest import SHARED, needs_shared

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SEED = SHARED / "seeds/000_777780e1fe126479.txt"
PDF = SHARED / "reports/pdf/hongze_district_2023.pdf"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM:
        pytest.skip("no chromium on this machine (scripts/setup.sh installs it)")
    with sync_api.sync_playwright() as p:
        # a fresh profile directory per run, as the brief asks of headless Chromium
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")), executable_path=CHROMIUM, args=ARGS,
            viewport={"width": 1400, "height": 1000})
        yield context
        context.close()


def _open(browser, html: Path):
    page = browser.new_page()
    outside, errors = [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(html.as_uri())
    page.wait_for_load_state("load")
    return page, outside, errors


def _explain(source: Path, out: Path) -> dict:
    result = CliRunner().invoke(app, ["explain", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return extract_file(source).as_dict()


def _in_viewport(page, selector: str) -> bool:
    return page.eval_on_selector(selector, """e => { const r = e.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth; }""")


@needs_shared
def test_text_report_grid_cells_link_to_their_source_span(browser, tmp_path):
    truth = _explain(SEED, tmp_path / "seed.html")
    page, outside, errors = _open(browser, tmp_path / "seed.html")
    cells = page.eval_on_selector_all("td.cell", "els => els.map(e => [e.dataset.field, e.querySelector('.v').textContent, e.className])")
    assert {f for f, _v, _c in cells} == set(truth["fields"])
    for field_id, shown, cls in cells:
        assert shown == _value(truth["fields"][field_id]["value"])
        assert f"st-{truth['fields'][field_id]['status']}" in cls
    headers = page.eval_on_selector_all("table.grid th", "els => els.map(e => e.textContent)")
    assert any("自然人" in h for h in headers) and any("一、本年新收政府信息公开申请数量" in h for h in headers)

    field_id = "requests.received.natural_person"
    fv = truth["fields"][field_id]
    page.click(f'[id="cell-{field_id}"]')
    span = page.eval_on_selector(".source .hl", "e => e.id")
    line = fv["evidence"]["line"]
    assert span.startswith(f"L{line}c")
    assert page.text_content(f'[id="{span}"]').strip() == str(fv["value"])
    assert _in_viewport(page, f'[id="{span}"]')
    assert field_id in page.text_content("#detail")
    assert not outside and not errors


@needs_shared
def test_pdf_page_image_shows_each_cell_box_over_its_value(browser, tmp_path):
    truth = _explain(PDF, tmp_path / "pdf.html")
    html = (tmp_path / "pdf.html").read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html
    page, outside, errors = _open(browser, tmp_path / "pdf.html")
    pages_with_fields = {v["evidence"]["page"] for v in truth["fields"].values() if v["evidence"]["bbox"]}
    shown = page.eval_on_selector_all(".sheet img", "els => els.map(e => [e.alt, e.complete && e.naturalWidth])")
    assert {alt for alt, width in shown if width} == {f"page {n}" for n in pages_with_fields}

    # a failed check's field: the box is drawn on the page image, inside it, where its value is
    failing = next(c for c in truth["checks"] if not c["ok"])
    field_id = failing["fields"][0]
    page.click(f'[id="cell-{field_id}"]')
    box = page.eval_on_selector(f'[id="box-{field_id}"]', "e => [e.classList.contains('hl'), e.getBoundingClientRect().toJSON()]")
    assert box[0]
    sheet = page.eval_on_selector(f'[id="box-{field_id}"]', "e => e.closest('.sheet').querySelector('img').getBoundingClientRect().toJSON()")
    r = box[1]
    assert sheet["left"] <= r["left"] < r["right"] <= sheet["right"] and sheet["top"] <= r["top"] < r["bottom"] <= sheet["bottom"]
    pw, ph = next((p["width"], p["height"]) for p in truth["pages"] if p["page"] == truth["fields"][field_id]["evidence"]["page"])
    x0, y0, _x1, _y1 = truth["fields"][field_id]["evidence"]["bbox"]
    assert abs((r["left"] - sheet["left"]) / sheet["width"] - x0 / pw) < 0.01
    assert abs((r["top"] - sheet["top"]) / sheet["height"] - y0 / ph) < 0.01
    detail = page.text_content("#detail")
    assert f"✗ {failing['rule']}" in detail
    assert _in_viewport(page, f'[id="box-{field_id}"]')
    assert not outside and not errors


def test_unreadable_input_is_a_clear_error(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = CliRunner().invoke(app, ["explain", str(empty), "-o", str(tmp_path / "x.html")])
    assert result.exit_code == 1 and "empty" in result.output
    assert not (tmp_path / "x.html").exists()
