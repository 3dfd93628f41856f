#!/usr/bin/env python3
"""Speed of text documents per stage (warm, CPU per document), this checkout against another one
side by side in one run, and batch throughput with 1 and 2 workers.

    .venv/bin/python scripts/bench_speed.py [--before DIR] [--corpus build/corpus] [--batch]

--before DIR   another checkout (e.g. `git archive <commit> | tar -x -C DIR`) measured in the same
               run, on the same inputs, one child process after the other.
--corpus DIR   also the generated corpus's text families (held-out families left out).
--batch        `govreport batch` over a mixed archive (scripts/make_archive.py, no bad inputs)
               with --workers 1, then 2: documents per minute and the ratio, CPU per document
               (driver and workers) and store bytes per document; with --before, that checkout
               runs the same archive too, right before this one for each worker count.

Times are CPU seconds of the extracting process (the machine is shared: wall time says more
about the other jobs than about the pipeline); wall times and the load average are printed too.
The first document of each child pays for loading the models and is not counted.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# ../shared next to the repo (or next to the main checkout, from a worktree under ../wt/)
SHARED = next((p for p in (ROOT.parent / "shared", ROOT.parents[1] / "shared") if p.is_dir()),
              ROOT.parent / "shared").resolve()
STAGES = ("read", "tokenize/layout", "label spotting", "assembly", "checks", "trust")
TEXT_SUFFIXES = (".txt", ".md", ".html")


def text_inputs(corpus: Path | None) -> list[Path]:
    found = [*sorted((SHARED / "seeds").glob("*.txt")), *sorted((SHARED / "reports/text").glob("*.txt"))]
    if corpus and corpus.is_dir():
        sys.path.insert(0, str(ROOT))
        from pipeline.corpus.families import HELD_OUT

        for family in sorted(p for p in corpus.iterdir() if p.is_dir() and not p.name.startswith("_")):
            if family.name not in HELD_OUT:
                found += sorted(p for p in family.iterdir() if p.suffix in TEXT_SUFFIXES)
    return found


def worker(tree: Path, inputs: list[Path], out: Path) -> None:
    """Extract every input with the pipeline of `tree`, timing stages in CPU seconds."""
    sys.path.insert(0, str(tree))
    import pipeline.extract
    from pipeline.extract import extract_file

    from same_outputs import cpu_timed  # scripts/ is on sys.path: this script's own directory

    pipeline.extract.timed = cpu_timed
    assert Path(pipeline.extract.__file__).resolve().is_relative_to(tree.resolve()), pipeline.extract.__file__
    extract_file(inputs[0])  # loads the models
    runs = []
    for path in inputs:
        stages: dict[str, float] = {}
        t0, c0 = time.perf_counter(), time.process_time()
        extract_file(path, timings=stages)
        runs.append({"name": f"{path.parent.name}/{path.name}", "cpu": time.process_time() - c0,
                     "wall": time.perf_counter() - t0, "stages": stages})
    out.write_text(json.dumps(runs), encoding="utf-8")


def measure(tree: Path, inputs: list[Path], tmp: Path) -> dict:
    out = tmp / f"{abs(hash(str(tree)))}.json"
    load = os.getloadavg()[0]
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", str(tree), "--worker-out", str(out),
                    *map(str, inputs)], check=True, env={**os.environ, "PYTHONPATH": str(tree)})
    return {"runs": json.loads(out.read_text(encoding="utf-8")), "load": (load + os.getloadavg()[0]) / 2}


def stage_table(results: dict[str, dict]) -> list[str]:
    lines = ["| checkout | docs | CPU ms/doc | " + " | ".join(STAGES) + " | wall ms/doc | slowest (CPU) | load avg |",
             "|---|---|---|" + "---|" * len(STAGES) + "---|---|---|"]
    for label, res in results.items():
        runs = res["runs"]
        n = len(runs)
        per = {s: 1000 * sum(r["stages"].get(s, 0.0) for r in runs) / n for s in STAGES}
        slow = max(runs, key=lambda r: r["cpu"])
        lines.append(f"| {label} | {n} | {1000 * sum(r['cpu'] for r in runs) / n:.0f} | "
                     + " | ".join(f"{per[s]:.1f}" for s in STAGES)
                     + f" | {1000 * sum(r['wall'] for r in runs) / n:.0f} | `{slow['name']}` {1000 * slow['cpu']:.0f} ms"
                     f" | {res['load']:.1f} |")
    return lines


def _cpu_of_tree(root: int, seen: dict[int, tuple[str, float]]) -> None:
    """Record the CPU seconds (user + system) of `root` and every process below it, as last seen
    (Linux /proc; a process's last interval before it exits is missed, a poll's worth at most)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[1])
    tree, todo = {root}, [root]
    while todo:
        pid = todo.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                todo.append(child)
    for pid in tree:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        role = "driver" if pid == root else "workers"
        seen[pid] = (role, (int(stat[11]) + int(stat[12])) / tick)


def run_batch_once(tree: Path, archive: Path, db: Path, workers: int) -> dict:
    """`govreport batch` of checkout `tree` over `archive`: wall and CPU seconds (driver and the
    processes under it), store bytes, documents, pages, steady rate."""
    load = os.getloadavg()[0]
    seen: dict[int, tuple[str, float]] = {}
    samples: list[tuple[float, float, float]] = []  # (epoch, driver CPU, workers' CPU) every poll
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "batch", str(archive), "--db", str(db), "--workers",
                             str(workers), "--quiet"], cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None:
        _cpu_of_tree(proc.pid, seen)
        samples.append((time.time(), sum(c for role, c in seen.values() if role == "driver"),
                        sum(c for role, c in seen.values() if role == "workers")))
        time.sleep(0.2)
    wall = time.perf_counter() - t0
    with sqlite3.connect(db) as con:
        status = dict(con.execute("SELECT status, count(*) FROM documents GROUP BY status").fetchall())
        pages = sum(len(json.loads(p)) for (p,) in con.execute("SELECT pages_json FROM documents"))
        first, last = con.execute("SELECT min(extracted_at), max(extracted_at) FROM documents").fetchone()
        used = con.execute("SELECT (page_count - freelist_count) * page_size FROM pragma_page_count(), "
                           "pragma_freelist_count(), pragma_page_size()").fetchone()[0]
    docs = sum(status.values())
    first, last = datetime.fromisoformat(first).timestamp(), datetime.fromisoformat(last).timestamp()
    span = last - first
    # CPU between the first and the last document stored (the polls closest to both): start-up left out
    a = min(samples, key=lambda x: abs(x[0] - first))
    b = min(samples, key=lambda x: abs(x[0] - last))
    return {"steady_cpu_driver": b[1] - a[1], "steady_cpu_workers": b[2] - a[2],"workers": workers, "docs": docs, "pages": pages, "status": status, "wall": wall, "load": load,
            "steady": (docs - 1) / span * 60 if span > 0 else float("nan"), "store_bytes": used,
            "cpu_driver": sum(c for role, c in seen.values() if role == "driver"),
            "cpu_workers": sum(c for role, c in seen.values() if role == "workers")}


def batch_throughput(tmp: Path, synthetic: int, scans: int, before: Path | None = None) -> list[str]:
    """1 then 2 workers over one archive; with `before`, that checkout too, each worker count run
    by both checkouts one right after the other (same archive, nearly the same load)."""
    archive = tmp / "archive"
    subprocess.run([sys.executable, str(ROOT / "scripts/make_archive.py"), str(archive), "--no-bad",
                    "--synthetic", str(synthetic), "--scans", str(scans)], check=True, capture_output=True)
    trees = {**({"before": before.resolve()} if before else {}), "this checkout": ROOT}
    lines = ["| checkout | workers | documents | pages | stored | wall s | docs/min | pages/min | steady docs/min | "
             "CPU ms/doc driver + workers | steady CPU ms/doc driver + workers | store KB/doc | load avg before |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    runs: dict[tuple[str, int], dict] = {}
    for workers in (1, 2):
        for label, tree in trees.items():
            r = run_batch_once(tree, archive, tmp / f"{label.replace(' ', '_')}_w{workers}.sqlite", workers)
            runs[label, workers] = r
            docs = r["docs"]
            lines.append(
                f"| {label} | {workers} | {docs} | {r['pages']} | "
                f"{', '.join(f'{n} {s}' for s, n in sorted(r['status'].items()))} | {r['wall']:.1f} | "
                f"{docs / r['wall'] * 60:.0f} | {r['pages'] / r['wall'] * 60:.0f} | {r['steady']:.0f} | "
                f"{1000 * r['cpu_driver'] / docs:.1f} + {1000 * r['cpu_workers'] / docs:.1f} | "
                f"{1000 * r['steady_cpu_driver'] / (docs - 1):.1f} + {1000 * r['steady_cpu_workers'] / (docs - 1):.1f} | "
                f"{r['store_bytes'] / docs / 1024:.0f} | {r['load']:.2f} |")
    lines.append("")
    for label in trees:
        one, two = runs[label, 1], runs[label, 2]
        lines.append(f"{label}: 2 workers / 1 worker **{one['wall'] / two['wall']:.2f}×** end to end (interpreter "
                     f"start and model loading included, as an archivist sees it); **{two['steady'] / one['steady']:.2f}×** "
                     "steady state (documents stored between the first and the last, so start-up is left out).")
    lines.append("CPU = user + system seconds of the batch process (driver) and every process under it (fork "
                 "server, workers) from /proc, divided by the documents: the whole run (start-up included), and "
                 "steady = between the first and the last document stored.")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, help="another checkout measured in the same run")
    ap.add_argument("--corpus", type=Path, help="also the generated corpus's text families")
    ap.add_argument("--batch", action="store_true", help="batch throughput with 1 and 2 workers")
    ap.add_argument("--batch-synthetic", type=int, default=60, help="synthetic reports in the batch archive")
    ap.add_argument("--batch-scans", type=int, default=3, help="image-only PDFs in the batch archive")
    ap.add_argument("--batch-only", action="store_true", help="skip the per-document stage timing")
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--worker-out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("inputs", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.inputs, args.worker_out)
        return
    inputs = text_inputs(args.corpus)
    print(f"{len(inputs)} text documents; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}",
          file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="govreport-speed-") as tmp:
        tmp = Path(tmp)
        results = {}
        if args.batch_only:
            print("\n".join(batch_throughput(tmp, args.batch_synthetic, args.batch_scans, args.before)))
            return
        if args.before:
            results[f"before ({args.before.name})"] = measure(args.before, inputs, tmp)
        results["this checkout"] = measure(ROOT, inputs, tmp)
        lines = ["CPU milliseconds per document, warm, per stage as `pipeline/extract.py` times them:", "",
                 *stage_table(results)]
        if args.before:
            ratio = (sum(r["cpu"] for r in results[f"before ({args.before.name})"]["runs"])
                     / sum(r["cpu"] for r in results["this checkout"]["runs"]))
            lines += ["", f"Speed-up (CPU, same run, same inputs): **{ratio:.1f}×**."]
        if args.batch:
            lines += ["", *batch_throughput(tmp, args.batch_synthetic, args.batch_scans, args.before)]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
