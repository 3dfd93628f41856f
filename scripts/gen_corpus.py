#!/usr/bin/env python3
"""Generate the converter-family corpus: varied gold reports rendered as official-table HTML
pages, converted by the real tools that made the archives.

    .venv/bin/python scripts/gen_corpus.py --out build/corpus --per-family 20 --seed 0
    .venv/bin/python scripts/gen_corpus.py --out build/corpus --per-family 5 --families pandoc_plain chromium_pdf
    .venv/bin/python scripts/gen_corpus.py --list

Writes DIR/<family>/<family>-s<seed>-<index>.<ext> and its truth (.json, the gold format).
Reruns reuse what is already there for the same (generator version, seed, family, index).
Families whose tools are missing are skipped with the reason.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.corpus.converters import FAMILIES  # noqa: E402
from pipeline.corpus.families import HELD_OUT, available  # noqa: E402
from pipeline.corpus.generate import generate  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="corpus directory")
    ap.add_argument("--per-family", type=int, default=20, help="documents per family")
    ap.add_argument("--seed", default="0", help="corpus seed: the same seed gives the same documents")
    ap.add_argument("--start", type=int, default=0, help="first document index")
    ap.add_argument("--families", nargs="+", metavar="NAME", help="only these families (default: all available)")
    ap.add_argument("--zero", metavar="TEXT",
                    help='print every zero as TEXT in all three sections (e.g. --zero "" for blank-zero '
                         "documents) instead of each document's drawn style; recorded in the truth files")
    ap.add_argument("--list", action="store_true", help="list the families and whether their tools are installed")
    args = ap.parse_args()
    if args.list:
        ok, skipped = available()
        for name, fam in FAMILIES.items():
            mark = " [held out]" if name in HELD_OUT else ""
            state = "ok" if name in ok else skipped[name].split(": ", 1)[1]
            print(f"{name:34s} {fam.ext:6s} {state}{mark}\n{'':34s} {fam.what}")
        return 0
    if not args.out:
        ap.error("--out is required")
    unknown = [f for f in args.families or [] if f not in FAMILIES]
    if unknown:
        ap.error(f"unknown families: {', '.join(unknown)} (see --list)")
    t0 = time.perf_counter()
    summary = generate(args.out, args.per_family, args.seed, args.families, args.start,
                       log=lambda m: print(m, file=sys.stderr), zero=args.zero)
    total = time.perf_counter() - t0
    for name in sorted(set(summary.made) | set(summary.cached) | set(summary.failed)):
        secs = summary.seconds.get(name)
        print(f"{name:34s} made {summary.made.get(name, 0):4d}  cached {summary.cached.get(name, 0):4d}  "
              f"failed {len(summary.failed.get(name, [])):3d}" + (f"  {secs:6.1f} s" if secs else ""))
    for key, secs in summary.seconds.items():
        if key.startswith("source:"):
            print(f"{key:34s} {secs:6.1f} s")
    print(f"total {total:.1f} s; skipped {len(summary.skipped)} families")
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
