"""Does review make the next extraction better?  Measured on one converter family held out of
all training: generated reports (pipeline/corpus) published as HTML pages and saved as plain
text by pandoc (`pandoc -t plain`), a converter none of training_data/ comes from.

    1. extract REVIEW documents of the family into a fresh archive store;
    2. review the queue as a person with the printed tables in front of them would: accept a
       value that is right, edit one that is wrong or missing (the simulated reviewer reads the
       generator's truth; every decision goes through the same Session the TUI uses);
    3. `train --from-db`: retrain the label classifier on the base data + the reviewed lines;
    4. extract TEST other documents of the family, never reviewed, with the old and the new
       model, and score both against the truth.

    .venv/bin/python scripts/review_gain.py [--review 12] [--test 12] [--json out.json]

Prints the side-by-side numbers; the trained model goes to a temporary directory (models/ is
not touched).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import store  # noqa: E402
from pipeline.corpus.render import page_for  # noqa: E402
from pipeline.corpus.values import report_for  # noqa: E402
from pipeline.evaluate import evaluate  # noqa: E402
from pipeline.extract import extract_document, load_document  # noqa: E402
from pipeline.review.session import Session  # noqa: E402
from pipeline.review.training import train_from_db  # noqa: E402

SEED = "review-gain"
FAMILY = "pandoc-plain"


def make_family(out: Path, first: int, count: int) -> list[tuple[Path, dict]]:
    """Documents `first`..`first+count-1` of the family: the text file and its truth."""
    docs = []
    for i in range(first, first + count):
        report = report_for(SEED, i)
        html = out / f"{FAMILY}_{i:03d}.html"
        html.write_text(page_for(report).html, encoding="utf-8")
        text = html.with_suffix(".txt")
        subprocess.run(["pandoc", "-f", "html", "-t", "plain", "--wrap=none", str(html), "-o", str(text)],
                       check=True)
        html.unlink()
        docs.append((text, report.gold()))
    return docs


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
    ap.add_argument("--review", type=int, default=12, help="documents reviewed and trained on")
    ap.add_argument("--test", type=int, default=12, help="unseen documents scored before and after")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    args = ap.parse_args()
    if not shutil.which("pandoc"):
        sys.exit("pandoc is needed (apt-get install pandoc; scripts/setup.sh installs it)")
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="govreport-gain-") as tmp:
        tmp = Path(tmp)
        (tmp / "review").mkdir()
        (tmp / "test").mkdir()
        reviewed = make_family(tmp / "review", 0, args.review)
        unseen = make_family(tmp / "test", 10_000, args.test)

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

    out = {"family": FAMILY, "reviewed_documents": args.review, "queued_fields": queued, "decisions": decisions,
           "label_samples": len(samples.labels), "label_sample_documents": samples.documents,
           "held_out_decoded_accuracy_after": metrics["decoded_accuracy"],
           "unseen_before": before, "unseen_after": after, "seconds": round(time.time() - t0)}
    print(f"family {FAMILY}: {args.review} documents reviewed ({queued} queued fields: {decisions['edit']} "
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
