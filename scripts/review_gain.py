"""Does review make the next extraction better?  Measured on one converter family of the
generated corpus (pipeline/corpus) that none of training_data/ comes from — by default
`pandoc_plain`: report pages saved as plain text by pandoc.  The corpus's own HELD_OUT families
are refused: nothing may ever train on them.

    1. extract REVIEW documents of the family into a fresh archive store;
    2. review the queue as a person with the printed tables in front of them would: accept a
       value that is right, edit one that is wrong or missing (the simulated reviewer reads the
       generator's truth; every decision goes through the same Session the TUI uses);
    3. `train --from-db`: retrain the label classifier on the base data + the reviewed lines;
    4. extract TEST other documents of the family, never reviewed, with the old and the new
       model, and score both against the truth.

    .venv/bin/python scripts/review_gain.py [--family pandoc_plain] [--review 12] [--test 12]
                                            [--json out.json]

Prints the side-by-side numbers; the trained model goes to a temporary directory (models/ is
not touched).
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

from pipeline import store  # noqa: E402
from pipeline.corpus.families import HELD_OUT, available, families_in_training  # noqa: E402
from pipeline.corpus.generate import corpus_documents, generate  # noqa: E402
from pipeline.evaluate import evaluate  # noqa: E402
from pipeline.extract import extract_document, load_document  # noqa: E402
from pipeline.review.session import Session  # noqa: E402
from pipeline.review.training import train_from_db  # noqa: E402

SEED = "review-gain"


def make_family(out: Path, family: str, first: int, count: int) -> list[tuple[Path, dict]]:
    """Documents `first`..`first+count-1` of the family: the file and its truth."""
    generate(out, count, SEED, [family], start=first, log=lambda _msg: None)
    docs = [(doc, json.loads(t.read_text(encoding="utf-8"))) for doc, t in corpus_documents(out, family)]
    return [(doc, gold) for doc, gold in docs if first <= gold["corpus"]["index"] < first + count]


def extract_all(docs, spotter=None) -> list[tuple[str, dict]]:
    return [(path.name, extract_document(load_document(path), spotter).as_dict()) for path, _gold in docs]


def score(pairs, docs) -> dict:
    golds = {path.stem: (path, gold) for path, gold in docs}
    o = evaluate(pairs, golds, 0.9).overall()
    wrong = o["scored"] - o["exact"] - o["absent"]
    return {"documents": o["docs"], "fields": o["scored"], "exact": o["exact"], "wrong": wrong,
            "absent": o["absent"], "not exact": o["scored"] - o["exact"], "flagged": o["flagged"],
            "confident wrong": o["confident_wrong"]}


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--family", default="pandoc_plain", help="corpus converter family")
    ap.add_argument("--review", type=int, default=12, help="documents reviewed and trained on")
    ap.add_argument("--test", type=int, default=12, help="unseen documents scored before and after")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    args = ap.parse_args()
    family = args.family
    if family in HELD_OUT:
        sys.exit(f"{family} is a held-out family: nothing may train on it")
    if family in families_in_training(ROOT / "training_data"):
        sys.exit(f"training_data/ already draws on {family}: pick a family it does not")
    ok, skipped = available([family])
    if not ok:
        sys.exit(f"{family}: {skipped[family]}")
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="govreport-gain-") as tmp:
        tmp = Path(tmp)
        reviewed = make_family(tmp / "corpus", family, 0, args.review)
        unseen = make_family(tmp / "corpus", family, 5000, args.test)

        db = tmp / "archive.sqlite"
        conn = store.open_store(db)
        truth = {}
        for (path, gold), (_name, result) in zip(reviewed, extract_all(reviewed)):
            store.upsert_result(conn, result, [store.Source(str(path))])
            truth[result["sha256"]] = gold
        queued = store.queue_size(conn)
        conn.close()
        decisions = simulated_review(db, truth)

        before = score(extract_all(unseen), unseen)
        model = tmp / "label_classifier.skops"
        metrics, samples = train_from_db(db, out=model)
        from pipeline.classify.model import ModelSpotter

        after = score(extract_all(unseen, ModelSpotter(path=model)), unseen)

    out = {"family": family, "reviewed_documents": args.review, "queued_fields": queued, "decisions": decisions,
           "label_samples": len(samples.labels), "label_sample_documents": samples.documents,
           "held_out_decoded_accuracy_after": metrics["decoded_accuracy"],
           "unseen_before": before, "unseen_after": after, "seconds": round(time.time() - t0)}
    print(f"family {family}: {args.review} documents reviewed ({queued} queued fields: {decisions['edit']} "
          f"corrected, {decisions['accept']} accepted, {decisions['skip']} skipped); {len(samples.labels)} label "
          f"samples from {samples.documents} documents; retrained in {metrics['train_seconds']:.0f} s")
    print(f"\n{args.test} unseen documents of the family, same truth, old model vs retrained model:\n")
    print("| | " + " | ".join(before) + " |")
    print("|---|" + "---|" * len(before))
    for name, row in (("before review", before), ("after retraining", after)):
        print(f"| {name} | " + " | ".join(str(v) for v in row.values()) + " |")
    print(f"\n{out['seconds']} s in all")
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
