"""Does review make the next extraction better?  Measured on one converter family of the
generated corpus (pipeline/corpus) that no model was trained on.  The corpus's own HELD_OUT
families are refused: nothing may ever train on them.

    1. extract REVIEW documents of the family into a fresh archive store (installed models);
    2. review the queue as a person with the printed tables in front of them would: accept a
       value that is right, edit one that is wrong or missing (the simulated reviewer reads the
       generator's truth; every decision goes through the same Session the TUI uses);
    3. retrain the models from the store, through the code of `govreport train --from-db` (label
       classifier and value prior) and `govreport train --calibrator --from-db`;
    4. extract TEST other documents of the family (other indices: never reviewed) with the old
       and the new models, and score them against the truth.

"Old" is what a user has before reviewing: the installed label classifier (its training data
is synthetic, no corpus family: checked) and the confidence calibrator fitted by the same code
on the shipped calibration data without this family's rows (the shipped calibrator's data
holds every tuning family; leaving the family out makes it unseen for both models).  "New" is
the same two fits plus the review.  The installed calibrator is scored too, for reference.
Families that save the same text (bs4_get_text, lxml_text_content and crawler_page_text all run
table cells together) can be left out of the base data with it: --also-leave-out.

    .venv/bin/python scripts/review_gain.py [--family bs4_get_text] [--also-leave-out FAMILY ...]
                                            [--review 12] [--test 12] [--json out.json]

Prints the side-by-side numbers; models go to a temporary directory (models/ is not touched).
Exit code 1 when the new models leave more confident-wrong values than the old ones.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import calibration, store  # noqa: E402
from pipeline.classify.model import DEFAULT_PATH as CLASSIFIER, ModelSpotter  # noqa: E402
from pipeline.classify.value_prior import ValuePrior  # noqa: E402
from pipeline.corpus.converters import FAMILIES  # noqa: E402
from pipeline.corpus.families import HELD_OUT, available, families_in_training  # noqa: E402
from pipeline.corpus.generate import corpus_documents, generate  # noqa: E402
from pipeline.evaluate import evaluate  # noqa: E402
from pipeline.extract import extract_document, load_document  # noqa: E402
from pipeline.review.session import Session  # noqa: E402
from pipeline.review.training import calibrator_from_db, train_from_db  # noqa: E402
from pipeline.trust import load_calibrator  # noqa: E402

SEED = "review-gain"
UNSEEN_FROM = 5000  # test documents' first corpus index: far from the reviewed ones


def make_family(out: Path, family: str, first: int, count: int) -> list[tuple[Path, dict]]:
    """Documents `first`..`first+count-1` of the family: the file and its truth."""
    generate(out, count, SEED, [family], start=first, log=lambda _msg: None)
    docs = [(doc, json.loads(t.read_text(encoding="utf-8"))) for doc, t in corpus_documents(out, family)]
    return [(doc, gold) for doc, gold in docs if first <= gold["corpus"]["index"] < first + count]


def extract_all(docs, spotter=None, trust_model=None, value_prior=None) -> list[tuple[str, dict]]:
    return [(path.name, extract_document(load_document(path), spotter, trust_model=trust_model,
                                         value_prior=value_prior).as_dict())
            for path, _gold in docs]


def score(pairs, docs) -> dict:
    golds = {path.stem: (path, gold) for path, gold in docs}
    o = evaluate(pairs, golds, 0.9).overall()
    wrong = o["scored"] - o["exact"] - o["absent"]
    return {"documents": o["docs"], "fields": o["scored"], "exact": o["exact"], "wrong": wrong,
            "absent": o["absent"], "flagged": o["flagged"], "confident wrong": o["confident_wrong"]}


def simulated_review(db: Path, truth: dict[str, dict]) -> dict:
    conn = store.open_store(db, create=False)
    session = Session(conn, reviewer="simulated")
    counts = {"accept": 0, "edit": 0, "skip": 0}
    while session.current is not None:
        item = session.current
        gold = truth[item["sha256"]]["fields"].get(item["field_id"])
        if gold is None:  # a field the truth does not have (template misread): leave it
            session.skip()
            counts["skip"] += 1
        elif store._same(item["current_value"], float(gold)):
            session.decide("accept")
            counts["accept"] += 1
        else:
            session.decide("edit", gold)
            counts["edit"] += 1
    conn.close()
    return counts


def base_calibration(families: set[str], out: Path) -> tuple[Path, int]:
    """The shipped calibration data without these families' rows; how many rows were left out."""
    rows = calibration.read_rows(calibration.DATA_PATH)
    kept = [r for r in rows if r["set"] not in families]
    calibration.write_rows(kept, out)
    return out, len(rows) - len(kept)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--family", default="bs4_get_text", help="corpus converter family")
    ap.add_argument("--also-leave-out", nargs="*", default=[], metavar="FAMILY",
                    help="families left out of the calibrator's base data too (ones that save the same text)")
    ap.add_argument("--review", type=int, default=12, help="documents reviewed and trained on")
    ap.add_argument("--test", type=int, default=12, help="unseen documents scored before and after")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    args = ap.parse_args()
    family = args.family
    if family in HELD_OUT:
        sys.exit(f"{family} is a held-out family: nothing may train on it")
    if family in families_in_training(ROOT / "training_data"):
        sys.exit(f"training_data/ already draws on {family}: pick a family it does not")
    for name in args.also_leave_out:
        if name not in FAMILIES:
            sys.exit(f"unknown family {name!r}")
    ok, skipped = available([family])
    if not ok:
        sys.exit(f"{family}: {skipped[family]}")
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="govreport-gain-") as tmp:
        tmp = Path(tmp)
        reviewed = make_family(tmp / "corpus", family, 0, args.review)
        unseen = make_family(tmp / "corpus", family, UNSEEN_FROM, args.test)
        assert not {p.name for p, _ in reviewed} & {p.name for p, _ in unseen}

        base, left_out = base_calibration({family, *args.also_leave_out}, tmp / "calibration-base.jsonl.gz")
        old_cal = tmp / "calibrator-old.skops"
        calibration.run(base, old_cal)  # what `govreport train --calibrator --data BASE` runs
        old_spotter, old_trust = ModelSpotter(path=CLASSIFIER), load_calibrator(old_cal)

        db = tmp / "archive.sqlite"  # the old models read the documents to review
        conn = store.open_store(db)
        truth = {}
        for (path, gold), (_name, result) in zip(reviewed, extract_all(reviewed, old_spotter, old_trust)):
            store.upsert_result(conn, result, [store.Source(str(path))])
            truth[result["sha256"]] = gold
        queued = store.queue_size(conn)
        conn.close()
        decisions = simulated_review(db, truth)

        new_cal = tmp / "calibrator-new.skops"
        cal_metrics, cal_samples = calibrator_from_db(db, base, new_cal)
        new_clf = tmp / "label_classifier.skops"
        clf_metrics, samples = train_from_db(db, out=new_clf)
        new_spotter, new_trust = ModelSpotter(path=new_clf), load_calibrator(new_cal)
        new_prior = ValuePrior.load(Path(clf_metrics["value_prior"]["path"]))
        rows = {
            "installed models (reference)": score(extract_all(unseen, old_spotter, load_calibrator(), True), unseen),
            "old: before review": score(extract_all(unseen, old_spotter, old_trust), unseen),
            "new classifier only": score(extract_all(unseen, new_spotter, old_trust), unseen),
            "new calibrator only": score(extract_all(unseen, old_spotter, new_trust), unseen),
            "new value prior only": score(extract_all(unseen, old_spotter, old_trust, new_prior), unseen),
            "new classifier + value prior (train --from-db)":
                score(extract_all(unseen, new_spotter, old_trust, new_prior), unseen),
            "new: after review": score(extract_all(unseen, new_spotter, new_trust, new_prior), unseen),
        }

    before, after = rows["old: before review"], rows["new: after review"]
    out = {"family": family, "reviewed_documents": args.review, "test_documents": args.test,
           "queued_fields": queued, "decisions": decisions,
           "calibration_families_left_out": [family, *args.also_leave_out],
           "calibration_rows_left_out": left_out,
           "label_samples": len(samples.labels), "label_sample_documents": samples.documents,
           "label_samples_skipped": samples.skipped,
           "calibration_samples": len(cal_samples),
           "calibration_samples_wrong": sum(1 for r in cal_samples if not r["correct"]),
           "classifier_held_out_decoded_accuracy_after": clf_metrics["decoded_accuracy"],
           "calibrator_ok_levels_after": cal_metrics["ok_level"],
           "value_prior_observations": clf_metrics["value_prior"]["observations"],
           "unseen": rows, "seconds": round(time.time() - t0)}
    print(f"family {family}: {args.review} documents reviewed ({queued} queued fields: {decisions['edit']} "
          f"corrected, {decisions['accept']} accepted, {decisions['skip']} skipped); {len(samples.labels)} label "
          f"samples from {samples.documents} documents, {len(cal_samples)} calibration samples "
          f"({out['calibration_samples_wrong']} wrong); base calibration data without the "
          f"{left_out} rows of {', '.join(out['calibration_families_left_out'])}")
    print(f"\n{args.test} unseen documents of the family (indices {UNSEEN_FROM}+), same truth:\n")
    print("| models | " + " | ".join(before) + " |")
    print("|---|" + "---|" * len(before))
    for name, row in rows.items():
        print(f"| {name} | " + " | ".join(str(v) for v in row.values()) + " |")
    print(f"\n{out['seconds']} s in all")
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if after["confident wrong"] > before["confident wrong"]:
        print(f"confident wrong rose from {before['confident wrong']} to {after['confident wrong']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
