"""Rebuild training_data/ (see training_data/README.md) from the shared documents and the
templates.  Deterministic: fixed seed, sorted inputs.

    .venv/bin/python scripts/build_training_data.py [--shared ../shared] [--out training_data]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.classify import data  # noqa: E402
from pipeline.classify.data import NONE, TABLES, Segment  # noqa: E402
from pipeline.extract import _headings  # noqa: E402
from pipeline.labels import KeywordSpotter, row_labels  # noqa: E402
from pipeline.layout import find_sections, tokenize  # noqa: E402
from pipeline.readers import read_document  # noqa: E402

SEED = 20240611
# whole real documents kept out of training (every rendering of them): one per template
HELD_OUT = ("004_a9dbc25bac2331b1", "hongze_district_2024")
SYNTHETIC_DOCS = 500
SYNTHETIC_TEST_EVERY = 5  # synthetic doc k is held out when k % 5 == 0
NOISED_COPIES = {"ocr": 6, "paraphrase": 3, "traditional": 2}


def doc_id(path: Path, golds: list[Path]) -> tuple[str, Path | None]:
    for gold in golds:
        if gold.stem == path.stem or gold.stem in path.stem:
            return gold.stem, gold
    return path.stem, None


def real_documents(shared: Path):
    golds = sorted((shared / "gold").glob("*/*.json"))
    paths = sorted([*(shared / "seeds").glob("*.txt"), *(shared / "reports/text").glob("*.txt"),
                    *(shared / "reports/pdf").glob("*.pdf")])
    for path in paths:
        did, gold_path = doc_id(path, golds)
        gold = json.loads(gold_path.read_text(encoding="utf-8")) if gold_path else None
        tokens = tokenize(read_document(path))
        sections = find_sections(tokens, _headings())
        for table_id in TABLES:
            if table_id not in sections:
                continue
            hits = KeywordSpotter().spot(tokens, sections[table_id], row_labels(table_id))
            segs = data.real_segments(tokens, sections[table_id], table_id, hits)
            problems = check_against_gold(segs, table_id, gold)
            yield did, path.name, table_id, segs, problems


def check_against_gold(segs: list[Segment], table_id: str, gold: dict | None) -> list[str]:
    """Keyword labels must name rows gold has values for, once each, in template order."""
    if gold is None:
        return ["no gold"]
    expected = {r for r in data.gold_rows(gold)} & set(data.row_order(table_id))
    for s in segs:
        if s.label not in expected:
            # a keyword hit on a row gold does not have: the printed text is a group
            # heading there (2021 prints （六）其他处理 above its three sub-rows)
            s.label = NONE
    got = [s.label for s in segs if s.label != NONE]
    order = data.row_order(table_id)
    problems = []
    if len(got) != len(set(got)):
        problems.append(f"row labelled twice: {got}")
    if set(got) != expected:
        problems.append(f"rows differ from gold: extra {set(got) - expected}, missing {expected - set(got)}")
    if [order.index(r) for r in got] != sorted(order.index(r) for r in got):
        problems.append("labels out of template order")
    return problems


def noised(segs: list[Segment], table_id: str, style: str, rng: random.Random) -> list[Segment]:
    rows = row_labels(table_id)
    out = []
    for s in segs:
        text = s.text
        if style == "paraphrase" and s.label != NONE:
            text = data.paraphrase(text, s.label, rows[s.label], rng)
        elif style == "ocr":
            text = data.ocr_noise(text, rng)
        elif style == "traditional":
            text = data.to_traditional(text)
        out.append(Segment(text, s.label, s.numbers, s.same_token_as_next))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--out", type=Path, default=REPO / "training_data")
    args = ap.parse_args()
    rng = random.Random(SEED)
    splits: dict[str, list[dict]] = {"train": [], "test": []}
    report = []
    for did, name, table_id, segs, problems in real_documents(args.shared):
        split = "test" if did in HELD_OUT else "train"
        if problems:
            report.append(f"skipped {name} {table_id}: {'; '.join(problems)}")
            continue
        heading = "heading"
        for rec in data.label_candidates(segs, table_id, heading):
            rec.update(doc=did, source=f"real:{name}", variant="clean")
            splits[split].append(rec)
        for style, copies in NOISED_COPIES.items():
            for _ in range(copies):
                for rec in data.label_candidates(noised(segs, table_id, style, rng), table_id, heading):
                    rec.update(doc=did, source=f"real:{name}", variant=style)
                    splits[split].append(rec)
    for k in range(SYNTHETIC_DOCS):
        split = "test" if k % SYNTHETIC_TEST_EVERY == 0 else "train"
        splits[split].extend(data.synthetic_records(1, rng, first_id=k))
    args.out.mkdir(parents=True, exist_ok=True)
    for split, recs in splits.items():
        with open(args.out / f"{split}.jsonl", "w", encoding="utf-8") as fh:
            for rec in recs:
                rec["split"] = split
                fh.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
        print(f"{split}: {len(recs)} records, {len({r['doc'] for r in recs})} documents, "
              f"{sum(r['label'] != NONE for r in recs)} row labels")
    for line in report:
        print(line)


if __name__ == "__main__":
    main()
