"""The fast paths give exactly what the plain code gives (speed work must not change outputs)."""
import random
from pathlib import Path

import numpy as np
import pytest

import pipeline.cells as cells
from pipeline.cells import _IntegerSearch, _integral, _plain_joint_solutions, row_readings

REPO = Path(__file__).resolve().parents[1]


def _random_joint(rng: random.Random):
    n_rows, width = rng.randint(1, 5), rng.randint(2, 4)
    rows = [[([None if rng.random() < 0.3 else rng.randint(-1 if rng.random() < 0.1 else 0, 6)
               for _ in range(width)], list(range(width))) for _ in range(rng.randint(1, 4))]
            for _ in range(n_rows)]
    equations = []
    for _ in range(rng.randint(1, 6)):
        picked = rng.sample(range(n_rows * width), min(n_rows * width, rng.randint(2, 5)))
        cut = rng.randint(1, len(picked) - 1)
        equations.append((tuple(picked[:cut]), tuple(picked[cut:])))
    signed = [rng.random() < 0.15 for _ in range(n_rows * width)]
    return rows, equations, signed, rng.choice([2, 5, 64]), rng.choice([5, 30, 1000])


def test_integer_joint_search_is_the_plain_search_step_for_step():
    rng = random.Random(14)
    outcomes = set()
    for _ in range(1500):
        rows, equations, signed, limit, budget = _random_joint(rng)
        assert _integral(rows, equations)
        plain = _plain_joint_solutions(rows, equations, signed, limit, budget)
        assert _IntegerSearch(rows, equations, signed, limit, budget).run() == plain
        outcomes.add("budget" if plain is None else "limit" if len(plain) == limit else "some" if plain else "none")
    assert outcomes == {"budget", "limit", "some", "none"}  # every way the search can end was compared


def test_money_cells_take_the_plain_joint_search():
    assert not _integral([[([1.5, None], [0, 1])]], [((0,), (1,))])
    assert not _integral([[([1, 2], [0, 1])]], [((0, 1), (1,))])  # a cell twice in one equation


def test_surplus_numbers_scored_at_once_give_the_plain_readings(monkeypatch):
    rng = random.Random(3)
    pool = [0, 1, 2, 3, 5, 10, 12, -1, 2.5, 0.1, 0.2, 0.30000000000000004, -0.0]
    fast_used = 0
    for _ in range(600):
        width = rng.randint(1, 7)
        values = [rng.choice(pool) for _ in range(width + rng.randint(1, 8))]
        equations = []
        for _ in range(rng.randint(0, 3) if width > 1 else 0):
            picked = rng.sample(range(width), rng.randint(2, width))
            cut = rng.randint(1, len(picked) - 1)
            equations.append((tuple(picked[:cut]), tuple(picked[cut:])))
        signed = [rng.random() < 0.2 for _ in range(width)]
        convert = rng.choice([None, lambda k, v, s: v * 10000 if k == 0 else int(v) if float(v).is_integer() else v])
        fast = row_readings(values, width, equations, signed, None, convert)
        with monkeypatch.context() as m:
            m.setattr(cells, "_surplus_readings", lambda *a: None)
            plain = row_readings(values, width, equations, signed, None, convert)
        assert repr(fast) == repr(plain)  # repr: 1 and 1.0, 0.0 and -0.0 must not differ either
        fast_used += bool(fast)
    assert fast_used > 100


@pytest.mark.skipif(not (REPO / "models/label_classifier.skops").is_file(), reason="no trained model")
def test_label_probabilities_are_the_models_own_in_any_batch():
    from pipeline.classify.features import record
    from pipeline.classify.candidates import candidates
    from pipeline.classify.model import ModelSpotter, _IsotonicProba
    from pipeline.extract import _anchors, _headings, _section_labels, _vocabulary
    from pipeline.labels import row_labels
    from pipeline.layout import find_sections, tokenize
    from pipeline.readers import read_document

    spotter = ModelSpotter()
    assert isinstance(spotter.predict_proba, _IsotonicProba)
    tokens = tokenize(read_document(REPO / "samples/xixia_2020_text.txt"), _vocabulary())
    sections = find_sections(tokens, _headings(), _section_labels(), _anchors())
    for table_id, section in sections.items():
        cands = candidates(tokens, section, row_labels(table_id))
        recs = [record(cands, i, table_id) for i in range(len(cands))]
        if not recs:
            continue
        expected = spotter.model.predict_proba(recs)
        spotter.predict_proba.cache.clear()
        assert np.array_equal(spotter.predict_proba(recs[1::2]), expected[1::2])  # half of them cached now
        assert np.array_equal(spotter.predict_proba(recs), expected)
        assert np.array_equal(spotter.predict_proba(recs[:1]), expected[:1])


def test_column_orders_scored_at_once_fit_as_one_by_one():
    from pipeline.assemble import Assembler, _permutations
    from pipeline.model import Token

    rng = random.Random(5)
    for _ in range(200):
        width, n_rows = rng.randint(2, 6), rng.randint(1, 5)
        pool = rng.choice([[0, 1, 2, 3, 4, 6, None], [0, 1, 2, 2.5, 0.5, 3, None]])  # counts; money
        assembler = Assembler.__new__(Assembler)
        assembler.tokens = [Token("number", "x", value=rng.choice(pool)) for _ in range(width * n_rows)]
        chunks = [list(range(c * n_rows, (c + 1) * n_rows)) for c in range(width)]
        equations = []
        for _ in range(n_rows):
            row = []
            for _ in range(rng.randint(0, 2)):
                picked = rng.sample(range(width), width if rng.random() < 0.6 else rng.randint(2, width))
                cut = rng.randint(1, len(picked) - 1)
                row.append((tuple(picked[:cut]), tuple(picked[cut:])))
            equations.append(tuple(row))
        perms = _permutations(width)
        one_by_one = [assembler._fit(equations, [[chunks[c][r] for c in perm] for r in range(n_rows)])
                      for perm in perms]
        assert assembler._permutation_fits(equations, chunks, perms) == one_by_one


def test_box_tokens_kept_per_text_are_the_plain_ones():
    from pipeline.layout import _box_tokens, _plain_box_tokens
    from pipeline.model import Token
    from pipeline.readers import read_document

    rng = random.Random(7)
    texts = [box.text for line in read_document(REPO / "samples/xixia_2020_text.txt").lines() for box in line.boxes]
    texts += ["12—6——", "22.67 万元", "lOl", "1·属于国家秘密", "40000041.属于", "---", "总计———", "", "  "]
    for _ in range(3):
        for text in texts:
            base = Token("text", "", rng.choice([1, 2, None]), (0, 1, 2, 3), rng.randint(0, 50), rng.choice([0, 1, 3]),
                         rng.choice([None, 0.5]))
            assert _box_tokens(text, base) == _plain_box_tokens(text, base)


@pytest.mark.skipif(not (REPO / "models/confidence_calibrator.skops").is_file(), reason="no calibrator")
def test_calibrated_probabilities_are_the_models_own():
    from threadpoolctl import threadpool_limits

    import gzip
    import json

    from pipeline.calibration import DATA_PATH, features, with_context
    from pipeline.trust import _fast_trees, default_calibrator

    model = default_calibrator()
    fast = _fast_trees(model)
    assert fast is not None
    with gzip.open(DATA_PATH, "rt", encoding="utf-8") as fh:  # every 50th field: all sets, quickly
        rows = features(with_context([json.loads(line) for k, line in enumerate(fh) if k % 50 == 0]))
    rng = random.Random(11)
    for k in range(12):
        batch = [dict(r) for r in rng.sample(rows, rng.randint(1, 120))]
        for row in batch:  # missing values, unseen categories and keys take sklearn's paths too
            if rng.random() < 0.1:
                row[rng.choice(list(row))] = rng.choice([None, float("nan"), "unseen", -0.0, 1e12])
            if rng.random() < 0.05:
                row["unknown_signal"] = 1.0
        with threadpool_limits(limits=1, user_api="openmp"):
            expected = model.predict_proba(batch)[:, 1]
        if k % 3 == 0:
            fast.cache.clear()
        assert np.array_equal(fast.predict(batch), expected)
        assert fast(batch) == expected.tolist()  # through the cache of equal rows


def test_round4_is_round():
    from pipeline.trust import _round4

    rng = random.Random(4)
    values = [0.0, -0.0, 1.0, -3.0, 2.0 ** 60, 0.00005, 0.00015, 1e-20, float("inf"), float("-inf")]
    values += [rng.uniform(-100, 100) for _ in range(20000)] + [rng.randint(-99, 99) / 8 for _ in range(2000)]
    for v in values:
        assert repr(_round4(v)) == repr(round(v, 4))
