"""Synthetic manglings: every kind visibly changes the plain rendering in its own way, and on
every mangled variant of every gold table each field is exact or flagged."""
import json
import random
import re

import pytest

from pipeline.extract import extract_file
from pipeline.model import CONFIDENT
from pipeline.schema import load_template
from pipeline.synth import MANGLINGS, judge, printed_rows, template_for, variants

from .conftest import SHARED, needs_shared

GOLD = sorted((SHARED / "gold").glob("*/*.json")) if SHARED.exists() else []
LAYOUT_KINDS = ["tab_rows", "pipe_mangled", "cell_per_line", "extra_row", "wrong_printed_total"]


def generated_gold(template_key: str = "2019") -> dict:
    """A gold table with small varied values, zeros and one multi-digit count per row."""
    template = load_template(template_key)
    return {"template": template_key, "hybrid": False, "agency": "某县人民政府", "year": 2020,
            "fields": {f: (k * 37) % 11 if k % 3 else 0 for k, f in enumerate(template.field_ids())}}


def tables() -> list[tuple[str, dict]]:
    out = [(p.stem, json.loads(p.read_text(encoding="utf-8"))) for p in GOLD]
    return out + [("generated_2019", generated_gold("2019")), ("generated_2021", generated_gold("2021"))]


def numbers_on(line: str) -> list[str]:
    return re.findall(r"(?<![\d.])\d+(?![\d.])", line)


def longest_number_run(lines: list[str]) -> int:
    """Most consecutive lines that hold nothing but a number (numbers apart from their labels)."""
    best = run = 0
    for line in lines:
        run = run + 1 if re.fullmatch(r"[+\-]?[\d.]+", line.strip()) else 0
        best = max(best, run)
    return best


def label_positions(variant, order: list[str]) -> list[int]:
    """Where each row's label prints, rows taken in `order`."""
    at = {r.row: variant.text.index(r.label) for r in variant.rows if r.row}
    return [at[row] for row in order if row in at]


# what each kind does to the plain rendering, checked on the variant (text, rows, truth)
PROPERTIES = {
    "space_rows_wrapped": lambda v, plain: any(
        a + b in {" ".join(filter(None, (r.group, r.label))) for r in v.rows}
        for a, b in zip(v.text.splitlines(), v.text.splitlines()[1:])),  # a label wrapped over two lines
    "cell_per_line": lambda v, plain: all(f"\t{r.label}" in v.text.splitlines() for r in v.rows if r.label),
    "pipe_mangled": lambda v, plain: all(f"{r.label} |" in v.text.splitlines() for r in v.rows if r.label),
    "column_scattered": lambda v, plain: longest_number_run(v.text.split("\n\n")) >= 5,
    "lost_blank_cells": lambda v, plain: any(len(r.cells) < len(r.fields) for r in v.rows if r.table == "requests"),
    "digits_run_together": lambda v, plain: any(len(r.cells) == 1 and len(r.fields) > 1 for r in v.rows),
    "fullwidth_and_separators": lambda v, plain: bool(re.search("[０-９]", v.text)),
    "page_break_repeated_header": lambda v, plain: v.text.count("申请人情况") == plain.text.count("申请人情况") + 1
    and "页" in v.text,
    "reordered_rows": lambda v, plain: [r.row for r in v.rows] != [r.row for r in plain.rows]
    and label_positions(v, [r.row for r in plain.rows]) != sorted(label_positions(v, [r.row for r in plain.rows])),
    "extra_row": lambda v, plain: any(r.row is None and r.label for r in v.rows),
    "missing_row": lambda v, plain: len(v.rows) == len(plain.rows) - 1 and any(t is None and plain.truth[f] is not None
                                                                               for f, t in v.truth.items()),
    "blank_markers": lambda v, plain: any(c in ("—", "-", "/", "无") for r in v.rows for c in r.cells),
    "wrong_printed_total": lambda v, plain: v.truth != plain.truth,
    "wrong_printed_totals": lambda v, plain: v.truth != plain.truth,
    "html_table": lambda v, plain: v.suffix == ".html" and "<table" in v.text and "rowspan" in v.text,
    "crawler_cells_run_together": lambda v, plain: any(
        re.search(re.escape(r.label) + r"[\d+\-]", v.text) for r in v.rows if r.label and r.cells and r.cells[0]),
    "crawler_one_line": lambda v, plain: v.text.count("\n") == 1,
    "word_html": lambda v, plain: v.encoding == "gb18030" and "<o:p>" in v.text and "mso" in v.text,
    "ocr_markdown": lambda v, plain: bool(v.corrupt) and all(
        (r.cells[k] != p.cells[k]) == (f in v.corrupt)
        for r, p in zip(v.rows, plain.rows) for k, f in enumerate(r.fields) if k < len(p.cells)),
}


def test_every_kind_has_a_property():
    assert set(PROPERTIES) == set(MANGLINGS) - {"tab_rows"}


@pytest.mark.parametrize("name,gold", tables(), ids=lambda x: x if isinstance(x, str) else "")
@pytest.mark.parametrize("seed", [0, 1])
def test_every_kind_changes_the_plain_rendering_its_own_way(name, gold, seed):
    out = {v.name: v for v in variants(gold, seed)}
    plain = out["tab_rows"]
    texts = {}
    for kind, variant in out.items():
        if kind == "tab_rows":
            continue
        assert variant.text != plain.text, kind
        assert PROPERTIES[kind](variant, plain), kind
        assert variant.text not in texts, (kind, texts.get(variant.text))
        texts[variant.text] = kind


def test_labels_are_drawn_among_printed_variants_and_enumerator_styles():
    gold = generated_gold("2021")
    template = template_for(gold)
    drawn = [tuple(r.label for r in variants(gold, seed, ["tab_rows"])[0].rows if r.row) for seed in range(8)]
    first = tuple(r.label for r in printed_rows(template, gold["fields"]) if r.row)
    assert len(set(drawn)) == 8 and first not in drawn
    labels = {label for d in drawn for label in d}
    assert "规范性文件" in labels and "行政规范性文件" in labels  # both printed variants of one row
    assert any(label.startswith(("(", "1、", "1．")) for label in labels)  # restyled enumerators
    assert variants(gold, 3)[0].text == variants(gold, 3)[0].text  # reproducible


@needs_shared
@pytest.mark.parametrize("kind", list(MANGLINGS))
def test_every_field_exact_or_flagged(kind, tmp_path):
    confident_wrong, exact, total = [], 0, 0
    for gold_path in GOLD:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        for seed in (0, 1):
            variant = variants(gold, seed, [kind])[0]
            path = tmp_path / f"{gold_path.stem}_{seed}{variant.suffix}"
            path.write_bytes(variant.text.encode(variant.encoding))
            verdict = judge(extract_file(path), variant.truth, CONFIDENT, variant.corrupt)
            total += verdict.fields
            exact += verdict.exact
            confident_wrong += [(gold_path.stem, seed, f) for f in verdict.confident_wrong]
    assert not confident_wrong
    assert exact / total >= 0.9


@needs_shared
@pytest.mark.parametrize("kind", LAYOUT_KINDS)
def test_row_layouts_are_fully_exact(kind, tmp_path):
    for gold_path in GOLD:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        variant = variants(gold, 0, [kind])[0]
        path = tmp_path / f"{gold_path.stem}{variant.suffix}"
        path.write_bytes(variant.text.encode(variant.encoding))
        verdict = judge(extract_file(path), variant.truth, CONFIDENT, variant.corrupt)
        assert verdict.exact == verdict.fields, gold_path.stem


def test_a_corrupt_field_marked_ok_is_confident_wrong_even_with_the_right_value():
    from pipeline.model import Evidence, FieldValue, Result

    result = Result("x", "", fields={"a": FieldValue(3, 0.99, "ok", Evidence()),
                                      "b": FieldValue(3, 0.6, "inconsistent", Evidence())})
    assert judge(result, {"a": 3, "b": 3}, CONFIDENT).confident_wrong == []
    assert judge(result, {"a": 3, "b": 3}, CONFIDENT, {"a", "b"}).confident_wrong == ["a"]


def test_an_ocr_misread_number_never_reads_as_the_same_count():
    """A stray comma where a thousands separator goes (`2,571`) is the same count, printed as
    reports print it: no misreading at all."""
    from pipeline.variation import corrupt_number

    def whole(text: str) -> int | None:
        grouped = re.fullmatch(r"\d{1,3}(,\d{3})*", text)
        return int(text.replace(",", "")) if grouped else None

    for seed in range(400):
        for printed in ("2571", "1000", "48", "123456"):
            misread = corrupt_number(printed, random.Random(seed))
            assert misread != printed and whole(misread) != int(printed), (seed, printed, misread)
