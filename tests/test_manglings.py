"""Property: on every mangled variant of every gold table, each field is exact or flagged."""
import json

import pytest

from pipeline.extract import extract_file
from pipeline.model import CONFIDENT
from pipeline.synth import MANGLINGS, judge, variants

from .conftest import SHARED, needs_shared

GOLD = sorted((SHARED / "gold").glob("*/*.json")) if SHARED.exists() else []


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
            verdict = judge(extract_file(path), variant.truth, CONFIDENT)
            total += verdict.fields
            exact += verdict.exact
            confident_wrong += [(gold_path.stem, seed, f) for f in verdict.confident_wrong]
    assert not confident_wrong
    assert exact / total >= 0.9


@needs_shared
@pytest.mark.parametrize("kind", ["tab_rows", "pipe_mangled", "cell_per_line", "extra_row", "wrong_printed_total"])
def test_row_layouts_are_fully_exact(kind, tmp_path):
    for gold_path in GOLD:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        variant = variants(gold, 0, [kind])[0]
        path = tmp_path / f"{gold_path.stem}{variant.suffix}"
        path.write_bytes(variant.text.encode(variant.encoding))
        verdict = judge(extract_file(path), variant.truth, CONFIDENT)
        assert verdict.exact == verdict.fields, gold_path.stem


def test_generator_is_reproducible():
    from pipeline.schema import load_template
    gold = {"template": "2019", "hybrid": False, "agency": "某县人民政府", "year": 2020,
            "fields": {f: k % 7 for k, f in enumerate(load_template("2019").field_ids())}}
    first = [v.text for v in variants(gold, 3)]
    assert first == [v.text for v in variants(gold, 3)]
