#!/usr/bin/env python3
"""Leave-one-layout-out for the label classifier: for each rendering layout of the training
data, train on every other layout and score the held-out split of that layout alone.  It
measures how the model does on a way of printing tables it has never seen (the in-distribution
held-out metrics in the model card cannot).

    .venv/bin/python scripts/classifier_lolo.py [--data training_data] [--layouts pdf_boxes glued]

Slow (one full training per layout); results go to stdout as a markdown table.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.classify.train import DATA_DIR, evaluate, fit, read_records  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA_DIR)
    ap.add_argument("--layouts", nargs="*", help="only these held-out layouts (default: all)")
    args = ap.parse_args()
    train, test = read_records(args.data)
    layouts = args.layouts or sorted({r["layout"] for r in train})
    print("| held-out layout | training candidates | held-out candidates | model | model + decoding "
          "| keyword baseline | model macro-F1 | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    for layout in layouts:
        start = time.time()
        model = fit([r for r in train if r["layout"] != layout])
        held = [r for r in test if r["layout"] == layout]
        m = evaluate(model, held)
        print(f"| {layout} | {sum(r['layout'] != layout for r in train)} | {len(held)} | {m['accuracy']:.4f} "
              f"| {m['decoded_accuracy']:.4f} | {m['baseline_accuracy']:.4f} | {m['decoded_macro_f1']:.4f} "
              f"| {time.time() - start:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
