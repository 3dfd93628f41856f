"""Property: on every mangled variant of every gold table, each field is exact or flagged."""
import json
import math

import pytest

from pipeline.extract import extract_file
from pipeline.model import CONFIDENT
from pipeline.synth import MANGLINGS, variants

from .conftest import SHARED, needs_shared

GOLD = sorted((SHARED / "gold").glob("*/*.json")) if SHARED.exists() else []


def _same(value, expected) -> bool:
    if value is None or expected is None:
        return value is None and expected is None
    return math.isclose(value, expected, abs_tol=1e-6)


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
            result = extract_file(path)
            for field_id, expected in variant.truth.items():
                got = result.fields.get(field_id)
                total += 1
                if got is not None and _same(got.value, expected):
                    exact += 1
                elif got is not None and got.status == "ok" and got.confidence >= CONFIDENT:
                    confident_wrong.append((gold_path.stem, seed, field_id, expected, got.value))
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
        result = extract_file(path)
        wrong = [f for f, expected in variant.truth.items() if not _same(result.fields[f].value, expected)]
        assert not wrong, (gold_path.stem, wrong[:5])


def test_generator_is_reproducible():
    from pipeline.schema import load_template
    gold = {"template": "2019", "hybrid": False, "agency": "某县人民政府", "year": 2020,
            "fields": {f: k % 7 for k, f in enumerate(load_template("2019").field_ids())}}
    first = [v.text for v in variants(gold, 3)]
    assert first == [v.text for v in variants(gold, 3)]
