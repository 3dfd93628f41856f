"""The evaluator's scoring, pairing and CLI gate; and the gate itself over the shared gold set."""
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.evaluate import (evaluate, find_gold, gate_failures, input_stem, load_gold_dir,
                               score_document)

SHARED = Path(__file__).resolve().parents[2] / "shared"
GOLD = {"template": "2021", "hybrid": False, "fields": {"t.a.x": 1, "t.b.x": 20, "t.c.x": None}}


def entry(value, confidence=0.99, status="ok"):
    return {"value": value, "confidence": confidence, "status": status}


def pred(template="2021", hybrid=False, **fields):
    return {"template": template, "hybrid": hybrid, "fields": fields}


def score(p, threshold=0.9, gold=GOLD):
    return score_document(gold, p, "doc", "gold", threshold)


# --- per-field outcomes ------------------------------------------------------------------

def test_exact_counts_scored_fields_only_and_compares_numerically():
    d = score(pred(**{"t.a.x": entry(1.0), "t.b.x": entry("20"), "t.c.x": entry(7)}))
    assert (d.scored, d.exact, d.confident_wrong, d.absent) == (2, 2, 0, 0)  # null gold t.c.x unscored
    assert d.exact_rate == 1.0 and d.wrong() == []


def test_wrong_value_with_ok_status_and_high_confidence_is_confident_wrong():
    d = score(pred(**{"t.a.x": entry(1), "t.b.x": entry(21)}))
    assert (d.exact, d.confident_wrong, d.flagged) == (1, 1, 0)
    assert [w.field_id for w in d.wrong()] == ["t.b.x"]
    assert d.to_dict()["wrong"][0]["outcome"] == "confident_wrong"


@pytest.mark.parametrize("confidence,status", [(0.5, "ok"), (0.99, "inferred"), (0.99, "inconsistent"),
                                               (0.99, "low_confidence")])
def test_wrong_value_sent_to_review_is_flagged_not_confident_wrong(confidence, status):
    d = score(pred(**{"t.a.x": entry(1), "t.b.x": entry(21, confidence, status)}))
    assert (d.confident_wrong, d.flagged) == (0, 1)
    assert d.to_dict()["wrong"][0]["outcome"] == "flagged"


def test_threshold_decides_what_counts_as_flagged():
    p = pred(**{"t.a.x": entry(1), "t.b.x": entry(21, confidence=0.85)})
    assert score(p, threshold=0.9).confident_wrong == 0
    assert score(p, threshold=0.8).confident_wrong == 1


def test_right_values_can_be_flagged_too():
    d = score(pred(**{"t.a.x": entry(1, 0.3, "low_confidence"), "t.b.x": entry(20)}))
    assert (d.exact, d.flagged, d.confident_wrong) == (2, 1, 0)


def test_missing_entries_and_null_values_are_absent_never_confident_wrong():
    d = score(pred(**{"t.b.x": entry(None, 0.0, "missing")}))
    assert (d.exact, d.absent, d.confident_wrong) == (0, 2, 0)
    assert {w.outcome(0.9) for w in d.wrong()} == {"absent"}


def test_bare_values_are_confident_claims():
    d = score({"template": "2021", "fields": {"t.a.x": "1", "t.b.x": 3}})
    assert (d.exact, d.confident_wrong) == (1, 1)


@pytest.mark.parametrize("template,hybrid,correct", [("2021", False, True), ("2021", True, False),
                                                     ("2019", False, False), (None, False, False)])
def test_template_must_match_version_and_hybrid(template, hybrid, correct):
    assert score(pred(template, hybrid)).template_correct is correct


# --- pairing, loading, totals, gate ----------------------------------------------------------

def test_pairing_by_stem_then_longest_contained_gold_stem():
    golds = ["huaian_city_2024", "city_2024", "000_abc"]
    assert find_gold("000_abc", golds) == "000_abc"
    assert find_gold("012_huaian_city_2024_pdf_pdfminer", golds) == "huaian_city_2024"
    assert find_gold("huaian_city_2024__blur", golds) == "huaian_city_2024"
    assert find_gold("xian_2020", golds) is None
    assert input_stem("a/012_x_pdf_pypdf.txt") == "012_x_pdf_pypdf"
    assert input_stem("x.pdf.json") == "x.pdf" and input_stem("x.json") == "x"


def write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_gold_dir_is_searched_recursively_and_other_json_ignored(tmp_path):
    write(tmp_path / "seeds/a.json", GOLD)
    write(tmp_path / "reports/deep/b.json", GOLD)
    write(tmp_path / "config.json", {"not": "gold"})
    assert sorted(load_gold_dir(tmp_path)) == ["a", "b"]
    write(tmp_path / "other/a.json", GOLD)
    with pytest.raises(ValueError):
        load_gold_dir(tmp_path)


def test_report_totals_unpaired_and_gate(tmp_path):
    write(tmp_path / "r.json", GOLD)
    golds = load_gold_dir(tmp_path)
    good = pred(**{"t.a.x": entry(1), "t.b.x": entry(20)})
    bad = pred("2019", **{"t.a.x": entry(2), "t.b.x": entry(20)})
    report = evaluate([("001_r_pdfminer.txt", good), ("r.pdf", bad), ("zzz.txt", good)], golds)
    o = report.overall()
    assert (o["docs"], o["scored"], o["exact"], o["confident_wrong"], o["templates_correct"]) == (2, 4, 3, 1, 1)
    assert report.unpaired == ["zzz.txt"] and o["perfect_docs"] == 1
    assert gate_failures(report, max_confident_wrong=1, min_exact=0.75) == []
    assert len(gate_failures(report, max_confident_wrong=0, min_exact=0.8)) == 2
    assert gate_failures(evaluate([], golds), 0, 0.0) == ["no document was paired with a gold file"]


# --- CLI ----------------------------------------------------------------------------------

runner = CliRunner()


def cli_dirs(tmp_path, value, confidence=0.99, status="ok"):
    gold = tmp_path / "gold"
    write(gold / "seeds/r.json", GOLD)
    preds = tmp_path / "pred"
    write(preds / "r.json", pred(**{"t.a.x": entry(1), "t.b.x": entry(value, confidence, status)}))
    return str(gold), str(preds)


def test_cli_fails_when_confident_wrong_bar_is_missed(tmp_path):
    gold, preds = cli_dirs(tmp_path, 999)
    result = runner.invoke(app, ["eval", "--gold", gold, "--pred", preds, "--max-confident-wrong", "0", "-v"])
    assert result.exit_code == 1, result.output
    assert "t.b.x" in result.output and "999" in result.output


def test_cli_passes_when_bars_are_met(tmp_path):
    gold, preds = cli_dirs(tmp_path, 999, confidence=0.4, status="low_confidence")
    args = ["eval", "--gold", gold, "--pred", preds, "--max-confident-wrong", "0"]
    assert runner.invoke(app, args).exit_code == 0
    assert runner.invoke(app, args + ["--min-exact", "0.9"]).exit_code == 1  # 1 of 2 exact


def test_cli_json_output(tmp_path):
    gold, preds = cli_dirs(tmp_path, 20)
    result = runner.invoke(app, ["eval", "--gold", gold, "--pred", preds, "--json", "--min-exact", "1.0"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["overall"]["exact"] == 2 and data["gate_failures"] == []


def test_cli_needs_exactly_one_source_of_predictions(tmp_path):
    gold, preds = cli_dirs(tmp_path, 20)
    assert runner.invoke(app, ["eval", "--gold", gold]).exit_code == 2
    assert runner.invoke(app, ["eval", "--gold", gold, "--pred", preds, "x.txt"]).exit_code == 2


@pytest.mark.skipif(not SHARED.exists(), reason="../shared not checked out beside the repo")
def test_shared_gold_set_passes_the_gate():
    inputs = sorted([*(SHARED / "seeds").glob("*.txt"), *(SHARED / "reports/text").glob("*.txt"),
                     *(SHARED / "reports/pdf").glob("*.pdf"), *(SHARED / "wild").glob("*.txt")])
    result = runner.invoke(app, ["eval", "--gold", str(SHARED / "gold"), "--gold", str(SHARED / "wild/gold"),
                                 *map(str, inputs), "--json",
                                 "--max-confident-wrong", "0", "--min-exact", "1.0"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["unpaired"] == [] and data["overall"]["docs"] == len(inputs)
    assert data["overall"]["templates_correct"] == len(inputs)
