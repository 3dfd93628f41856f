"""`govreport train`: fit the label classifier on training_data/, report held-out
metrics next to the keyword baseline, save the skops model and its model card."""
from __future__ import annotations

import datetime as _dt
import json
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from ..calibration import ECE_BINS, ece
from ..labels import MIN_FUZZY_LENGTH, fuzzy_find, row_labels
from ..layout import squash
from .decode import NONE, decode, row_order
from .model import DEFAULT_PATH, FORMAT

SEED = 13
DATA_DIR = Path(__file__).resolve().parents[2] / "training_data"


def read_records(data_dir: Path) -> tuple[list[dict], list[dict]]:
    out = {}
    for split in ("train", "test"):
        path = Path(data_dir) / f"{split}.jsonl"
        if not path.is_file():
            raise FileNotFoundError(f"{path} missing: run scripts/build_training_data.py")
        out[split] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out["train"], out["test"]


def build_model(seed: int = SEED):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline
    from sklearn.linear_model import SGDClassifier

    from .features import feature_union

    # isotonic calibration lets clean labels reach ~1.0 while noised ones stay lower
    # a linear SVM fitted by SGD: LinearSVC's solver needs minutes on this data, SGD seconds
    svm = SGDClassifier(loss="hinge", alpha=2e-5, max_iter=50, tol=1e-4, random_state=seed)
    clf = CalibratedClassifierCV(svm, method="isotonic", cv=3)
    return Pipeline([("features", feature_union()), ("clf", clf)])


def fit(train: list[dict], seed: int = SEED):
    model = build_model(seed)
    model.fit(train, [r["label"] for r in train])
    model.govreport_format_ = FORMAT
    return model


# ---- metrics (ece: the calibrator's) ------------------------------------------------

def macro_f1(truth: list[str], pred: list[str]) -> float:
    from sklearn.metrics import f1_score

    labels = sorted(set(truth))
    return float(f1_score(truth, pred, labels=labels, average="macro", zero_division=0))


def keyword_baseline(rec: dict) -> str:
    """What the keyword spotter would call this candidate on its own: an exact variant
    inside it, else the closest variant within its fuzzy budget."""
    text = squash(rec["text"])
    rows = row_labels(rec["table"])
    variants = sorted(((squash(v), r) for r, vs in rows.items() for v in vs if squash(v)), key=lambda x: -len(x[0]))
    for v, r in variants:
        if v in text:
            return r
    best = None
    for v, r in variants:
        if len(v) < MIN_FUZZY_LENGTH or not text:
            continue
        dist, s, e = fuzzy_find(v, text)
        if dist <= max(1, len(v) // 4) and (best is None or dist < best[0]):
            best = (dist, r)
    return best[1] if best else NONE


def sections(records: list[dict]) -> list[list[int]]:
    """Record indices grouped per section (each section's records are written in order)."""
    groups: list[list[int]] = []
    for i, r in enumerate(records):
        if r["index"] == 0 or not groups:
            groups.append([])
        groups[-1].append(i)
    return groups


def evaluate(model, test: list[dict]) -> dict:
    classes = list(model.classes_)
    proba = model.predict_proba(test)
    pred = [classes[j] for j in proba.argmax(1)]
    truth = [r["label"] for r in test]
    conf = proba.max(1)
    correct = np.array([p == t for p, t in zip(pred, truth)])
    # joint decoding per section, restricted to the section's table rows
    decoded = [NONE] * len(test)
    for idx in sections(test):
        order = [r for r in row_order(test[idx[0]]["table"]) if r in classes]  # tiny data lacks some rows
        keep = [classes.index(c) for c in order + [NONE]]
        probs = []
        for i in idx:
            sub = proba[i, keep]
            sub = sub / (sub.sum() or 1.0)
            probs.append({classes[k]: float(v) for k, v in zip(keep, sub)})
        for i, lab in zip(idx, decode(probs, order)):
            decoded[i] = lab
    base = [keyword_baseline(r) for r in test]
    out = {
        "records": len(test), "documents": len({r["doc"] for r in test}),
        "accuracy": float(correct.mean()), "macro_f1": macro_f1(truth, pred),
        "ece": ece(conf, correct.astype(float)),
        "decoded_accuracy": float(np.mean([d == t for d, t in zip(decoded, truth)])),
        "decoded_macro_f1": macro_f1(truth, decoded),
        "baseline_accuracy": float(np.mean([b == t for b, t in zip(base, truth)])),
        "baseline_macro_f1": macro_f1(truth, base),
    }
    for key in ("layout", "variant"):
        groups = defaultdict(list)
        for i, r in enumerate(test):
            groups[r.get(key, "?")].append(i)
        out[f"by_{key}"] = {}
        for name, idx in sorted(groups.items()):
            t = [truth[i] for i in idx]
            out[f"by_{key}"][name] = {
                "records": len(idx),
                "model": float(np.mean([pred[i] == truth[i] for i in idx])),
                "model_decoded": float(np.mean([decoded[i] == truth[i] for i in idx])),
                "baseline": float(np.mean([base[i] == truth[i] for i in idx])),
                "model_f1": macro_f1(t, [decoded[i] for i in idx]),
                "baseline_f1": macro_f1(t, [base[i] for i in idx]),
            }
    return out


def gold_comparison(model, shared: Path) -> dict:
    """End to end on the hand-verified gold sets: extraction with this model's spotter
    and with the keyword spotter, scored against gold values (not against any spotter's
    own labels).  No document of these sets is in the training data."""
    from ..evaluate import GOLD_SETS, evaluate, gold_set, read_gold_dir
    from ..extract import extract_document, load_document
    from ..labels import KeywordSpotter
    from .model import ModelSpotter

    spotters = {"model": ModelSpotter(model=model), "keyword": KeywordSpotter()}
    out = {}
    for name in GOLD_SETS:
        gold_dir, inputs = gold_set(shared, name)
        if not gold_dir.is_dir() or not inputs:
            continue
        golds, bad = read_gold_dir(gold_dir)
        docs = {p: load_document(p) for p in inputs}
        for label, spotter in spotters.items():
            report = evaluate([(p.name, extract_document(doc, spotter=spotter).as_dict())
                               for p, doc in docs.items()], golds, bad_gold=bad)
            out[f"{name}/{label}"] = report.overall()
    return out


def format_metrics(m: dict) -> str:
    lines = [f"held-out: {m['records']} candidates from {m['documents']} generated reports",
             f"accuracy {m['accuracy']:.4f}  macro-F1 {m['macro_f1']:.4f}  ECE {m['ece']:.4f}",
             f"after joint decoding: accuracy {m['decoded_accuracy']:.4f}  macro-F1 {m['decoded_macro_f1']:.4f}",
             f"keyword baseline: accuracy {m['baseline_accuracy']:.4f}  macro-F1 {m['baseline_macro_f1']:.4f}"]
    for key, title in (("by_layout", "layout"), ("by_variant", "text style")):
        lines += ["", f"| {title} | candidates | model | model + decoding | keyword baseline | model macro-F1 "
                  "| baseline macro-F1 |", "|---|---|---|---|---|---|---|"]
        for k, v in m.get(key, {}).items():
            lines.append(f"| {k} | {v['records']} | {v['model']:.4f} | {v['model_decoded']:.4f} | {v['baseline']:.4f} "
                         f"| {v['model_f1']:.4f} | {v['baseline_f1']:.4f} |")
    return "\n".join(lines)


def format_gold(g: dict) -> str:
    if not g:
        return "not measured (../shared not found when the model was trained)"
    lines = ["| gold set / spotter | documents | fields exact | confident wrong | flagged | absent | templates right |",
             "|---|---|---|---|---|---|---|"]
    for k, o in g.items():
        lines.append(f"| {k} | {o['docs']} | {o['exact']}/{o['scored']} ({o['exact_rate']:.2%}) | "
                     f"{o['confident_wrong']} | {o['flagged']} ({o['flagged_rate']:.1%}) | {o['absent']} | "
                     f"{o['templates_correct']}/{o['docs']} |")
    return "\n".join(lines)


def model_card(m: dict, train: list[dict], data_dir: Path, seconds: float, gold: dict | None = None) -> str:
    from .. import __version__

    sources = Counter(r["source"].split(":")[0] for r in train)
    layouts = Counter(r.get("layout", "?") for r in train)
    return f"""# Label classifier (row labels of 政府信息公开工作年度报告 tables)

- version: govreport {__version__}, model format {FORMAT}, trained {_dt.date.today().isoformat()} in {seconds:.0f} s (seed {SEED})
- model: one scikit-learn Pipeline — features (char 1-3-grams of the candidate, char 2-3-grams of its
  core text without enumerator, jieba words via spaCy blank zh + `pipeline/resources/userdict.txt`,
  char 1-2-grams of the previous/next candidate, layout: table, enumerator style, relative position,
  numbers-follow flag, length) -> linear SVM (SGD, hinge loss) calibrated with isotonic regression (CalibratedClassifierCV, cv=3)
- classes: every row id of sections 二 and 三 (all template versions) plus `none`
- decoding: per section, monotone (template-order) assignment of candidates to rows (`pipeline/classify/decode.py`)
- data: `{data_dir.name}/` built by `scripts/build_training_data.py`; {len(train)} training candidates
  ({', '.join(f'{k}: {v}' for k, v in sorted(sources.items()))}), from
  {len({r['doc'] for r in train})} generated reports in {len(layouts)} layouts
  ({', '.join(f'{k} {v}' for k, v in sorted(layouts.items()))});
  split by report, every 5th generated report held out
- **no real document is in the training data**: nothing from `../shared` (seeds, report dumps, PDFs,
  wild pages) or anything a gold file pairs with; the gold gates score documents this model never saw
- use: `ModelSpotter` in extraction (`pipeline.extract.default_spotter`); Hit.score = calibrated probability

## Held-out metrics (generated reports never seen in training)

{format_metrics(m)}

Labels of generated reports come from the generator (which cell of the printed grid holds a row's
label), not from any spotter, so the keyword baseline is compared on equal terms.  Layouts: `html`
(the HTML reader on an official table with rowspan/colspan), `cells`/`cell_lines` (a row per line or a
cell per line, tabs or pipes), `pdf_lines` (PDF text lines: narrow label columns wrapped, merged cells
at their vertical middle), `pdf_boxes` (pdfminer text boxes, numbers after the labels), `glued` (crawler
text, cells joined with nothing), `markdown` (OCR/VLM tables).  Text styles: `clean` (any printed label
variant and enumerator style), `ocr` (character confusions, dropped/doubled characters), `traditional`.

## Real documents (end to end, against hand-verified gold values)

Extraction with this model and with the keyword spotter on the shared gold sets.  The scores come
from gold values checked by hand, not from a spotter's own hits (an earlier card compared against
labels taken from the keyword spotter's hits, which measured the baseline against itself).

{format_gold(gold or {})}

## Limits

- Every training section is generated: layouts and noise are models of what converters and scanners
  do, chosen by looking at the shared documents' failures (a development set, not a held-out one);
  the gold gates above measure that development set.  Unseen converter families are measured by the
  corpus generator's held-out families.
- OCR noise is generated (confusion pairs, dropped/doubled characters), not taken from real OCR output.
- Labels glued into one token with no enumerator and no exact variant stay one candidate.
"""


def run(data_dir: Path | None = None, out: Path | None = None, limit: int | None = None,
        shared: Path | None = None, extra: list[dict] | None = None) -> dict:
    """Train, evaluate on the held-out split, save model and card.  With `shared` (the
    ../shared checkout) the card also gets the end-to-end comparison on the gold sets.
    `extra`: more training records (reviewed label lines from `train --from-db`); the
    held-out test set stays the same, so metrics compare across retrainings."""
    data_dir = Path(data_dir or DATA_DIR)
    out = Path(out or DEFAULT_PATH)
    train, test = read_records(data_dir)
    if limit:
        train, test = train[:limit], test[:max(1, limit // 4)]
    if extra:
        train = train + list(extra)
    start = time.time()
    model = fit(train)
    seconds = time.time() - start
    metrics = evaluate(model, test)
    metrics["gold"] = gold_comparison(model, Path(shared)) if shared and Path(shared).is_dir() else {}
    import skops.io as sio

    out.parent.mkdir(parents=True, exist_ok=True)
    sio.dump(model, out)
    out.with_suffix(".md").write_text(model_card(metrics, train, data_dir, seconds, metrics["gold"]),
                                      encoding="utf-8")
    metrics["train_seconds"] = seconds
    return metrics
