"""Fitting the confidence calibrator: extracted fields with known truth -> P(value is right).

Data: one row per field that has a value and a truth, `{**signals, "correct": 0|1, "set", "doc"}`,
built by `scripts/build_calibration_data.py` from generated documents (converter families and
scan conditions that tuning may use; never the held-out ones, never a gold-gate document).
Model: gradient-boosted trees over the signals, isotonic-calibrated on cross-validation folds,
saved with skops.  Metrics per input path and per set: ECE, reliability, and at the ok
threshold the confident-error rate and the flagged fraction.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from .model import CONFIDENT
from .trust import DEFAULT_PATH, FORMAT, NEVER_OK_CAP, VOUCHED_PRINTED

SEED = 11
DATA_PATH = Path(__file__).resolve().parents[1] / "training_data" / "calibration.jsonl.gz"
ECE_BINS = 15
KEPT = "\n## OCR'd fields"  # the card's section a refit keeps as it is
META = ("correct", "set", "doc", "field")
GROUPING = ("doc_scattered", "doc_order_scattered", "table_order_scattered", "doc_order_unvouched",
            "table_row_doubted", "zeros_printed")  # signals that choose a field's risk group (its ok level), not its probability


def rows_for(result, truth: dict, set_name: str, doc: str) -> list[dict]:
    """Training rows of one extracted document against its truth (gold-format fields)."""
    from .evaluate import same_value

    rows = []
    for field_id, fv in result.fields.items():
        gold = truth["fields"].get(field_id)
        if gold is None or fv.value is None or not fv.signals:
            continue
        rows.append({**fv.signals, "correct": int(same_value(gold, fv.value)), "set": set_name, "doc": doc,
                     "field": field_id})
    return rows


def read_rows(path: Path = DATA_PATH) -> list[dict]:
    """Rows of a calibration file (.jsonl, or .jsonl.gz as shipped)."""
    import gzip

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} missing: run scripts/build_calibration_data.py")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return with_context([json.loads(line) for line in fh if line.strip()])


def with_context(rows: list[dict]) -> list[dict]:
    """The table-context signals trust.assess adds at extraction, computed over each document's
    table as the data holds it."""
    from .trust import add_table_context

    groups: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for r in rows:
        groups[(r["set"], r["doc"])][r["field"]] = r
    for fields in groups.values():
        add_table_context(fields)
    return rows


def write_rows(rows: list[dict], path: Path) -> None:
    import gzip

    path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def features(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in META and k not in GROUPING} for r in rows]


def build_model(seed: int = SEED):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.pipeline import Pipeline

    trees = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.08, max_leaf_nodes=31,
                                           min_samples_leaf=40, l2_regularization=1.0, random_state=seed)
    model = Pipeline([("signals", DictVectorizer(sparse=False)), ("trees", trees)])
    # isotonic on held-out folds: the trees rank, the folds say how often each rank is right
    return CalibratedClassifierCV(model, method="isotonic", cv=3)


def fit(rows: list[dict], seed: int = SEED):
    from threadpoolctl import threadpool_limits

    model = build_model(seed)
    # the trees' OpenMP threads crawl when the cores are shared (batch workers, CI): one thread
    with threadpool_limits(limits=1, user_api="openmp"):
        model.fit(features(rows), [r["correct"] for r in rows])
    model.govreport_format_ = FORMAT
    # the input paths it has measured: a field read any other way keeps the rule of thumb
    model.govreport_paths_ = sorted({str(r["path"]) for r in rows})
    return model


# --- metrics -------------------------------------------------------------------------------

def ece(confidence: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        mask = (confidence > a) & (confidence <= b) if a > 0 else (confidence >= a) & (confidence <= b)
        if mask.any():
            total += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
    return float(total)


# 1.0: the group is ok only at calibrated certainty.  A group no lower level makes safe takes it
# alone; before, one unsafe group sent every group to 1.0 (one base family's 5 scattered errors at
# 0.9999 flagged every plain field: docs/benchmarks.md, "Calibrator refit from review")
OK_LEVELS = (0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.993, 0.995, 0.997, 0.998, 0.999, 1.0)
OK_ERROR_RATE = 0.001  # the most errors among ok values any set may show
DEALS = 3  # deals of folds the ok levels are chosen over
MIN_SET = 1000  # sets smaller than this say too little about a 1-in-1,000 rate


def choose_ok_levels(rows: list[dict], probs: np.ndarray | list[np.ndarray]) -> dict[str, float]:
    """An ok level per risk group (trust.risk_group): of the combinations of levels at which every set's
    out-of-fold error among ok values is at most OK_ERROR_RATE (a single error allowed where a
    set has fewer than 1/OK_ERROR_RATE ok values: it cannot show a smaller rate), the one that
    flags the fewest values; a group no level below 1.0 makes safe gets 1.0 on its own.  1.0 for
    every group when no combination is safe.  Given several deals of folds (a list), errors and
    flags are their means: one deal's luck with one document's two errors moved a level from 0.97
    to 0.99 and the gold's flagged fields from 157 to 212."""
    from itertools import product

    from .trust import risk_group

    deals = probs if isinstance(probs, list) else [probs]
    correct = np.array([r["correct"] for r in rows], dtype=float)
    wrong = correct == 0
    shown = [np.array([shown_confidence(r, p) for r, p in zip(rows, oof)]) for oof in deals]
    names = sorted({risk_group(r) for r in rows})
    groups = np.array([risk_group(r) for r in rows])
    sets = defaultdict(list)
    for i, r in enumerate(rows):
        sets[r["set"]].append(i)
    sized = [np.array(idx) for idx in sets.values() if len(idx) >= MIN_SET]
    best, best_flagged = {g: 1.0 for g in names}, None
    for levels in product(OK_LEVELS, repeat=len(names)):
        threshold = np.select([groups == g for g in names], levels)
        oks = [s >= threshold for s in shown]
        safe = all(np.mean([(ok[idx] & wrong[idx]).sum() for ok in oks])
                   <= max(1.0, OK_ERROR_RATE * np.mean([ok[idx].sum() for ok in oks])) for idx in sized)
        if safe:
            flagged = float(np.mean([(~ok).sum() for ok in oks]))
            if best_flagged is None or flagged < best_flagged:
                best, best_flagged = dict(zip(names, levels)), flagged
    return best


def ok_mask(rows: list[dict], shown: np.ndarray, levels: dict[str, float] | float) -> np.ndarray:
    from .trust import group_level

    if isinstance(levels, float):
        return shown >= levels
    return shown >= np.array([group_level(levels, r) for r in rows])


def never_ok(row: dict) -> bool:
    """Signals under which trust.assess never marks a value ok (mirrors its rules)."""
    from .trust import never_ok_signals

    # a value in a failing sum rule is inconsistent unless the rules pin other values
    return never_ok_signals(row) or row["narrative"] < 0 or bool(row["field_rule_failed"]) \
        or (bool(row["sum_rules_failed"]) and not row.get("pinned_elsewhere", 0) > 0)


def shown_confidence(row: dict, p: float) -> float:
    """The confidence trust.assess shows for a calibrated probability (mirrors its cap and floor)."""
    from .trust import vouched_printed

    if never_ok(row):
        return min(p, NEVER_OK_CAP)
    return max(p, VOUCHED_PRINTED) if vouched_printed(row) else p


def summarize(rows: list[dict], probs: np.ndarray, level: dict[str, float] | float = CONFIDENT) -> dict:
    """ECE, confident errors and flagged fraction of a set of rows at the ok level(s)."""
    correct = np.array([r["correct"] for r in rows], dtype=float)
    shown = np.array([shown_confidence(r, p) for r, p in zip(rows, probs)])
    ok = ok_mask(rows, shown, level)
    return {"fields": len(rows), "accuracy": float(correct.mean()) if len(rows) else 0.0,
            "ece": ece(shown, correct), "ok": int(ok.sum()),
            "ok_errors": int((ok & (correct == 0)).sum()),
            "ok_error_rate": float((ok & (correct == 0)).sum() / max(1, ok.sum())),
            "flagged": float((~ok).mean()) if len(rows) else 0.0}


def document_fold(doc: str, folds: int, deal: int = 0) -> int:
    """A document's fold in one deal, from its id alone: adding documents (a review's) never
    re-deals the folds of the others, so a refit's ok levels move with the new data, not with a
    new deal (GroupKFold re-dealt all 1,266 base documents when 12 reviewed ones came in)."""
    return int.from_bytes(hashlib.sha1(f"{deal}/{doc}".encode("utf-8")).digest()[:4], "big") % folds


def cross_validated(rows: list[dict], seed: int = SEED, folds: int = 5, deal: int = 0) -> np.ndarray:
    """Out-of-fold probabilities, folds split by document (a document's fields share errors)."""
    probs = np.zeros(len(rows))
    fold_of = np.array([document_fold(str(r["doc"]), folds, deal) for r in rows])
    for k in range(folds):
        test = np.flatnonzero(fold_of == k)
        if len(test) and len(test) < len(rows):
            model = fit([rows[i] for i in np.flatnonzero(fold_of != k)], seed)
            probs[test] = _predict(model, [rows[i] for i in test])
    return probs


def _predict(model, rows: list[dict]) -> np.ndarray:
    from .trust import calibrated

    return np.array(calibrated(model, features(rows)))


def grouped(rows: list[dict], probs: np.ndarray, key: str, level: dict[str, float] | float = CONFIDENT
            ) -> dict[str, dict]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        groups[str(r[key])].append(i)
    return {g: summarize([rows[i] for i in idx], probs[idx], level) for g, idx in sorted(groups.items())}


def reliability_plot(rows: list[dict], probs: np.ndarray, key: str, path: Path) -> None:
    """Reliability diagram per group: mean confidence against observed accuracy per bin."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--", label="perfect calibration")
    edges = np.linspace(0, 1, 11)
    for group in sorted({str(r[key]) for r in rows}):
        idx = np.array([i for i, r in enumerate(rows) if str(r[key]) == group])
        p, c = probs[idx], np.array([rows[i]["correct"] for i in idx], dtype=float)
        xs, ys = [], []
        for a, b in zip(edges[:-1], edges[1:]):
            mask = (p >= a) & (p <= b) if b == 1 else (p >= a) & (p < b)
            if mask.sum() >= 5:
                xs.append(p[mask].mean())
                ys.append(c[mask].mean())
        ax.plot(xs, ys, marker="o", lw=1.2, label=f"{group} ({len(idx)})")
    ax.set_xlabel("confidence")
    ax.set_ylabel("share of values right")
    ax.set_title(f"reliability by {key}")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- the command ------------------------------------------------------------------------------

def run(data: Path | None = None, out: Path | None = None, extra: list[dict] | None = None) -> dict:
    """Cross-validated metrics, then the final fit on all rows (plus `extra`, e.g. reviewed
    fields); writes model, card and reliability diagram."""
    data, out = Path(data or DATA_PATH), Path(out or DEFAULT_PATH)
    metrics, plot = _fit_and_dump(read_rows(data) + list(extra or []), out, "path")
    card_path = out.with_suffix(".md")
    kept = card_path.read_text(encoding="utf-8").split(KEPT, 1) if card_path.is_file() else []
    # the OCR section is measured apart (scripts/ocr_confidence.py): a refit keeps it
    card_path.write_text(card(metrics, data, plot.name) + (KEPT + kept[1] if len(kept) == 2 else ""),
                         encoding="utf-8")
    return metrics


def run_ocr(data: Path | None = None, out: Path | None = None) -> dict:
    """The OCR calibrator: the same model fitted on the OCR'd fields of generated scans only
    (`training_data/calibration_ocr.jsonl.gz`; their evidence is not the text paths'), ok levels
    chosen on out-of-fold probabilities with each scan condition a set.  Writes the model; its
    figures go in the card's "OCR'd fields" section."""
    from .trust import OCR_PATH

    data, out = Path(data or DATA_PATH.with_name("calibration_ocr.jsonl.gz")), Path(out or OCR_PATH)
    metrics, _plot = _fit_and_dump([r for r in read_rows(data) if r["path"] == "ocr"], out, "set")
    return metrics


def _fit_and_dump(rows: list[dict], out: Path, plot_by: str) -> tuple[dict, Path]:
    """Out-of-fold metrics and ok levels, the final fit on all rows written to `out` (skops),
    and its reliability diagram grouped by `plot_by`: (metrics, diagram path)."""
    import skops.io as sio

    started = time.time()
    deals = [cross_validated(rows, deal=deal) for deal in range(DEALS)]
    oof = deals[0]  # the figures and the diagram: one deal's out-of-fold probabilities
    level = choose_ok_levels(rows, deals)
    metrics = {"rows": len(rows), "docs": len({r["doc"] for r in rows}), "ok_level": level,
               "vouched": describe_vouched(rows),
               "overall": summarize(rows, oof, level), "by_path": grouped(rows, oof, "path", level),
               "by_set": grouped(rows, oof, "set", level)}
    model = fit(rows)
    model.govreport_ok_levels_ = level
    metrics["seconds"] = time.time() - started
    out.parent.mkdir(parents=True, exist_ok=True)
    sio.dump(model, out)
    plot = out.with_name(out.stem + "_reliability.png")
    reliability_plot(rows, oof, plot_by, plot)
    return metrics, plot


def describe_vouched(rows: list[dict]) -> str:
    """How many values of the data trust.vouched_printed floors, and how many of them are wrong."""
    from .trust import vouched_printed

    vouched = [r for r in rows if not never_ok(r) and vouched_printed(r)]
    exonerated = sum(bool(r["sum_rules_failed"]) for r in vouched)
    wrong = sum(not r["correct"] for r in vouched)
    return (f"{wrong} wrong among {len(vouched):,} values of this data, {exonerated:,} of them in a failing rule "
            f"the rules explain by other values")


def describe_levels(levels: dict[str, float] | float) -> str:
    if isinstance(levels, float):
        return f"{levels:g}"
    return ", ".join(f"{v:g} ({k})" for k, v in sorted(levels.items()))


def format_metrics(m: dict) -> str:
    lines = [f"{m['rows']} fields of {m['docs']} documents, 5-fold by document (out-of-fold; ok levels over {DEALS} deals of folds); "
             f"ok at confidence >= {describe_levels(m['ok_level'])}:",
             f"{'group':34s} {'fields':>7s} {'acc':>7s} {'ECE':>7s} {'ok':>7s} {'ok err':>7s} {'flagged':>8s}"]
    for title, groups in (("overall", {"all": m["overall"]}), ("path", m["by_path"]), ("set", m["by_set"])):
        for name, s in groups.items():
            lines.append(f"{(title + ':' + name)[:34]:34s} {s['fields']:7d} {s['accuracy']:7.4f} {s['ece']:7.4f} "
                         f"{s['ok']:7d} {s['ok_errors']:7d} {s['flagged']:8.2%}")
    return "\n".join(lines)


def card(m: dict, data: Path, plot: str) -> str:
    from .trust import field_signals  # noqa: F401  (the signals the card documents)

    return f"""# Confidence calibrator (models/confidence_calibrator.skops)

Maps a field's evidence ("signals", `pipeline/trust.py: field_signals`) to the probability that
its value is right.  `trust.assess` shows that probability as the field's confidence and marks a
value `ok` at its risk group's ok level or above: {describe_levels(m['ok_level'])}.  A field is
"scattered" when its table was read in a scattered order (a text layer printing a table column by
column), "rebuilt" when half its table's values or more were not read as printed (placed, split,
lost cells) — "scattered" too when another table of its document was read scattered, unless the
value is a digit run split the one way the rules allow —, "plain" otherwise; a "scattered" value
read from a printed number in its printed place, in a table where no sum rule fails, is
"scattered_printed" (`trust.risk_group`).  The levels (each not below {CONFIDENT}) are
the ones that flag fewest values while every generated family's out-of-fold error among ok values
is at most 1 in 1,000 (or one error where a family has fewer than 1,000 ok values), errors and
flags averaged over {DEALS} deals of folds (each document's fold from its id); a group
no lower level makes safe gets 1.0 alone (the other groups keep theirs) — except values that are never ok whatever they measure (one of
several readings, a reading in conflict with the rules, a split / placed / lost-cell reading in a
cell no sum rule covers whose row's print allows other values, a row label below the confident level, an OCR character repair, a doubt
about which row a number belongs to, a value the narrative contradicts), whose shown confidence is
capped at {NEVER_OK_CAP}, and values in a failing
rule, which are `inconsistent` — except where the failing sum rules point at the values that may be off
(`validate.pinned_values`: the values of every smallest set of at most two values whose change, to
numbers the field rules allow, would make every sum rule hold, e.g. a 总计 printed wrong is pinned by
its row and its column; nothing is pinned when those sets cover every value of the failing rules): then only those are
`inconsistent`, and the other values of the failing rules are judged by their measured confidence
(signal `pinned_elsewhere`).  A printed number read in its printed place in a "plain" table, under at
least one sum rule with printed numbers, every such rule holding or failing only through values the
rules pin, its field rules and the narrative not against it, is shown at {VOUCHED_PRINTED} at least
(`trust.vouched_printed`; not OCR'd values): the trees read such a value in a table whose other rows
fail (`table_failing`) like a value of a table read wrong (0.80-0.89 on hongze_district_2023's
appeals table), while the class, measured, has no wrong value: {m['vouched']}.

## Signals
path (text / html / text_layer / ocr), table, column kind, reading (as_printed, split_run, placed,
lost_cell, extra_dropped, several_readings, conflict), number of candidate readings, whether the
row's print allows these values only even if blank cells were lost (`print_unique`: `000` over
three cells, not `246`; a split or placed reading in a cell no sum rule covers is never ok unless
it is), scattered block, settled by column sums, row-label probability, printed dash, money without unit, lowest
OCR score, OCR repair, sum rules covering the cell and how many fail, a failing field rule,
whether the failing sum rules pin other values (+1) or this one (-1),
narrative agreement (+1 / 0 / -1), digits of the value, each doubt (label printed twice,
numbers not level with the label, several labels before the numbers, scattered order unsettled),
and the field's table as context: shares of its values not read as printed, read from a
scattered block, and in a failing rule.  Only the input paths in the data (`govreport_paths_`)
are calibrated; OCR'd fields have their own calibrator (see "OCR'd fields" below).

## Fit
Data: `{data.name}`, {m['rows']} fields of {m['docs']} generated documents
(scripts/build_calibration_data.py): converter families and scan conditions tuning may use.
Held-out families and conditions, and every document the gold gate scores, are never in it.
Model: scikit-learn HistGradientBoostingClassifier over the signals (DictVectorizer), calibrated by
isotonic regression on 3 cross-validation folds (CalibratedClassifierCV); seed {SEED};
fitted in {m['seconds']:.0f} s.  Trained {_dt.date.today().isoformat()}.

## Out-of-fold metrics (folds split by document; the first deal)
```
{format_metrics(m)}
```
acc = share of values right; ECE = expected calibration error ({ECE_BINS} bins) of the shown
confidence; ok / ok err = values at or above the ok level and the wrong ones among them;
flagged = share below it (sent to review).

![reliability by input path]({plot})

## Limits
The calibrator knows the errors the generated documents make.  A kind of damage no generator
produces gets the probability its signals imply; the sum rules (which flag a value whatever its
confidence) stay the main guard for the cells they cover.  The held-out families and conditions
measure the gap: see docs/benchmarks.md.
A refit from review (`govreport train --calibrator --from-db`) adds the reviewed fields only: the
queue's, i.e. the hardest of their documents (selection on the signals, so the labels are unbiased
for those signals but the fields read confidently are absent).  Measured gain and its limits:
docs/benchmarks.md, "Calibrator refit from review".
"""
