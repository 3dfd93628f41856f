#!/usr/bin/env python3
"""Guard for speed work: extract a fixed set of inputs in one warm process, save each result's
JSON (`govreport extract` output) and compare with a saved run byte for byte.

    .venv/bin/python scripts/same_outputs.py --save build/baseline [--corpus build/corpus]
    .venv/bin/python scripts/same_outputs.py --against build/baseline [--corpus build/corpus]

Inputs: ../shared seeds, reports (text and PDF), wild text dumps, and the generated corpus
(held-out families left out).  Also prints the per-stage CPU times (the stages `extract.py` times),
and the mean warm seconds per document (the first document, which loads the models, is
reported apart).  Exit code 1 when any output differs.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# ../shared next to the repo (or next to the main checkout, from a worktree under ../wt/)
SHARED = next((p for p in (ROOT.parent / "shared", ROOT.parents[1] / "shared") if p.is_dir()), ROOT.parent / "shared").resolve()
sys.path.insert(0, str(ROOT))


@contextmanager
def cpu_timed(timings, name):
    """pipeline.extract.timed in CPU seconds: other jobs share the machine.  Patched in rather
    than a clock option so that it also times older checkouts (bench_speed.py --before)."""
    start = time.process_time()
    try:
        yield
    finally:
        if timings is not None:
            timings[name] = timings.get(name, 0.0) + time.process_time() - start


def inputs(shared: Path, corpus: Path | None) -> list[Path]:
    from pipeline.corpus.families import HELD_OUT

    found = [*sorted((shared / "seeds").glob("*.txt")), *sorted((shared / "reports/text").glob("*.txt")),
             *sorted((shared / "reports/pdf").glob("*.pdf")), *sorted((shared / "wild").glob("*.txt"))]
    if corpus and corpus.is_dir():
        for family in sorted(p for p in corpus.iterdir() if p.is_dir() and p.name not in HELD_OUT):
            found += sorted(p for p in family.iterdir() if p.is_file() and p.suffix != ".json")
    return found


def name(path: Path) -> str:
    return "__".join(path.parts[-2:]) + ".json"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", type=Path, help="write every output into this directory")
    mode.add_argument("--against", type=Path, help="compare every output with this directory")
    ap.add_argument("--corpus", type=Path, default=ROOT / "build/corpus")
    ap.add_argument("--only", help="substring: only inputs whose path contains it")
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared data (default ../shared)")
    args = ap.parse_args()

    import pipeline.extract
    from pipeline.extract import extract_file
    from pipeline.output import to_json

    pipeline.extract.timed = cpu_timed

    paths = [p for p in inputs(args.shared.resolve(), args.corpus) if not args.only or args.only in str(p)]
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
    stages: dict[str, float] = {}
    seconds: list[tuple[float, Path]] = []
    cpu: list[float] = []  # the machine is shared: CPU time says what a document costs one core
    differ, missing = [], []
    for k, path in enumerate(paths):
        timings: dict[str, float] = {}
        t0, c0 = time.perf_counter(), time.process_time()
        text = to_json(extract_file(path, timings=timings)) + "\n"
        seconds.append((time.perf_counter() - t0, path))
        cpu.append(time.process_time() - c0)
        if k:  # the first document pays for loading the models
            for stage, s in timings.items():
                stages[stage] = stages.get(stage, 0.0) + s
        if args.save:
            (args.save / name(path)).write_text(text, encoding="utf-8")
            continue
        saved = args.against / name(path)
        if not saved.is_file():
            missing.append(path)
        elif saved.read_text(encoding="utf-8") != text:
            differ.append(path)
    warm = seconds[1:]
    n = max(len(warm), 1)
    print(f"{len(paths)} documents; first (model loading) {seconds[0][0]:.2f} s; warm mean "
          f"{1000 * sum(s for s, _ in warm) / n:.0f} ms/doc wall, {1000 * sum(cpu[1:]) / n:.0f} ms/doc CPU; "
          f"load average {os.getloadavg()[0]:.1f}")
    for stage, s in sorted(stages.items(), key=lambda x: -x[1]):
        print(f"  {stage:16s} {1000 * s / n:7.1f} ms/doc CPU")
    for s, path in sorted(warm, key=lambda x: -x[0])[:5]:
        print(f"  slow: {s * 1000:6.0f} ms  {path.parent.name}/{path.name}")
    if args.save:
        print(f"saved to {args.save}")
        return 0
    for path in missing:
        print(f"NOT IN BASELINE {path}")
    for path in differ:
        print(f"DIFFERS {path}")
    print("identical" if not differ and not missing else f"{len(differ)} differ, {len(missing)} missing")
    return 1 if differ or missing else 0


if __name__ == "__main__":
    sys.exit(main())
