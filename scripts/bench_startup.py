#!/usr/bin/env python3
"""Start-up cost of the command line, this checkout against another one side by side in one run.

    .venv/bin/python scripts/bench_startup.py [--before DIR] [--runs 3] [--docs 20]

For each run, and each checkout one right after the other (the order alternates between runs):
`govreport --help`, a cold `govreport extract ONE.txt`, and `govreport batch` over a small text
archive (`scripts/make_archive.py --synthetic N --scans 0`, a fresh store each time) with 1 and 2
workers.  For a batch: wall time of the command, time to the first document stored (start-up:
interpreter, imports, model loading), time from the last document stored to the end (tail), and
CPU seconds of the command and every process under it (fork server, workers; Linux /proc).  CPU
time hardly moves with the load of other jobs; wall times do, hence the side-by-side runs.
"""
from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from bench_speed import _cpu_of_tree  # noqa: E402


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_simple(tree: Path, args: list[str]) -> dict:
    """One command without worker processes: wall and CPU (it is waited for, so rusage has it)."""
    cpu0, t0 = _child_cpu(), time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return {"wall": time.perf_counter() - t0, "cpu": _child_cpu() - cpu0}


def run_batch(tree: Path, archive: Path, db: Path, workers: int) -> dict:
    seen: dict[int, tuple[str, float]] = {}
    start = time.time()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "batch", str(archive), "--db", str(db),
                             "--workers", str(workers), "--quiet"], cwd=tree,
                            env={**os.environ, "PYTHONPATH": str(tree)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None:
        _cpu_of_tree(proc.pid, seen)
        time.sleep(0.1)
    wall = time.perf_counter() - t0
    end = start + wall
    with sqlite3.connect(db) as con:
        first, last, docs = con.execute("SELECT min(extracted_at), max(extracted_at), count(*) FROM documents").fetchone()
    first, last = datetime.fromisoformat(first).timestamp(), datetime.fromisoformat(last).timestamp()
    return {"wall": wall, "first": first - start, "tail": end - last, "docs": docs,
            "cpu": sum(c for _, c in seen.values())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, help="another checkout measured in the same run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--docs", type=int, default=20, help="synthetic reports in the text archive")
    args = ap.parse_args()
    trees = {"this checkout": ROOT}
    if args.before:
        trees = {f"before ({args.before.name})": args.before.resolve(), **trees}
    with tempfile.TemporaryDirectory(prefix="govreport-startup-") as tmp:
        tmp = Path(tmp)
        archive = tmp / "archive"
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make_archive.py"), str(archive), "--no-bad",
                        "--synthetic", str(args.docs), "--scans", "0"], check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
        one = next(p for p in sorted((archive / "synthetic").glob("*.txt")))
        rows: dict[tuple[str, str], list[dict]] = {}
        loads = []
        for run in range(args.runs):
            order = list(trees.items()) if run % 2 == 0 else list(reversed(trees.items()))
            loads.append(os.getloadavg()[0])
            for what in ("--help", "extract", "batch 1", "batch 2"):
                for name, tree in order:
                    if what == "--help":
                        r = run_simple(tree, ["--help"])
                    elif what == "extract":
                        r = run_simple(tree, ["extract", str(one), "--quiet"])
                    else:
                        workers = int(what.split()[1])
                        db = tmp / f"run{run}-{workers}-{abs(hash(name))}.sqlite"
                        r = run_batch(tree, archive, db, workers)
                    rows.setdefault((what, name), []).append(r)
                    print(f"run {run + 1} {what:8s} {name:28s} " + " ".join(f"{k} {v:.2f}" for k, v in r.items()),
                          file=sys.stderr, flush=True)
    med = lambda rs, k: statistics.median(r[k] for r in rs)  # noqa: E731
    print(f"Median of {args.runs} runs, {os.cpu_count()} CPUs, load average {min(loads):.1f}–{max(loads):.1f} "
          f"at the start of the runs; archive: {rows[('batch 1', 'this checkout')][0]['docs']} documents.\n")
    print("| command | checkout | wall s | CPU s | first document stored at s | tail s |")
    print("|---|---|---|---|---|---|")
    for (what, name), rs in rows.items():
        first = f"{med(rs, 'first'):.2f}" if "first" in rs[0] else ""
        tail = f"{med(rs, 'tail'):.2f}" if "tail" in rs[0] else ""
        print(f"| {what} | {name} | {med(rs, 'wall'):.2f} | {med(rs, 'cpu'):.2f} | {first} | {tail} |")


if __name__ == "__main__":
    main()
