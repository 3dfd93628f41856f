#!/usr/bin/env python3
"""Kill -9 a batch at random points, again and again, then let it finish: every document must
be stored exactly once, none lost, none half-written.

    .venv/bin/python scripts/kill_resume.py [--kills 10] [--workers 2] [--synthetic 600] [--seed 1]
                                            [--max-delay 12] [--archive DIR] [--keep DIR] [--json OUT]

Each round starts `govreport batch ARCHIVE --db DB` and SIGKILLs the driver process alone (its
workers must then die by themselves) at a random moment: either after a random delay (while
walking, hashing, starting workers, extracting or committing) or once the store holds a random
number of further documents.  After every kill the store is checked; after the last, one
uninterrupted run completes the batch and the final store is checked against what the
archive holds.  Without --archive a mixed archive is built by scripts/make_archive.py.  The
archive must outlast the kills: a batch that finishes before its kill tests nothing, and the
report counts the kills that hit a running batch (`kills_that_hit_a_running_batch`).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def stored_count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0  # the store is still being created


def check_store(db: Path) -> dict:
    """Consistency after a kill: SQLite itself, and every document whole (its fields and
    checks exactly those its stored result lists, at least one path)."""
    from pipeline.store import decode_result

    conn = sqlite3.connect(db)
    problems = []
    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")
    if conn.execute("PRAGMA foreign_key_check").fetchall():
        problems.append("foreign_key_check reports orphans")
    docs = conn.execute("SELECT sha256, result_z FROM documents").fetchall()
    for sha, result_z in docs:
        result = decode_result(result_z)
        n_fields = conn.execute("SELECT count(*) FROM fields WHERE sha256 = ?", (sha,)).fetchone()[0]
        n_checks = conn.execute("SELECT count(*) FROM checks WHERE sha256 = ?", (sha,)).fetchone()[0]
        n_paths = conn.execute("SELECT count(*) FROM sources WHERE sha256 = ?", (sha,)).fetchone()[0]
        if (n_fields, n_checks) != (len(result["fields"]), len(result["checks"])) or n_paths == 0:
            problems.append(f"{sha[:16]}: {n_fields}/{len(result['fields'])} fields, "
                            f"{n_checks}/{len(result['checks'])} checks, {n_paths} paths")
    orphans = conn.execute("SELECT count(*) FROM fields WHERE sha256 NOT IN (SELECT sha256 FROM documents)").fetchone()[0]
    if orphans:
        problems.append(f"{orphans} field rows without a document")
    conn.close()
    return {"documents": len(docs), "problems": problems}


def expected_contents(archive: Path) -> tuple[set[str], set[str]]:
    """The document keys and paths a complete batch of `archive` must store."""
    from pipeline.batch import discover

    found = list(discover([archive]))
    return {f.key for f in found}, {f.display for f in found}


def run_batch_cmd(archive: Path, db: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "pipeline", "batch", str(archive), "--db", str(db), "--workers", str(workers), "-q"]


def random_trigger(rng: random.Random, max_delay: float, remaining: int) -> dict:
    if rng.random() < 0.5:
        return {"kind": "delay", "seconds": round(rng.uniform(0.2, max_delay), 2)}
    return {"kind": "stored", "documents": rng.randint(1, max(1, min(remaining - 1, 12)))}


def one_kill(archive: Path, db: Path, workers: int, trigger: dict) -> dict:
    before = stored_count(db)
    proc = subprocess.Popen(run_batch_cmd(archive, db, workers), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    start = time.monotonic()
    if trigger["kind"] == "delay":
        deadline = start + trigger["seconds"]
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
    else:
        while proc.poll() is None and stored_count(db) - before < trigger["documents"] \
                and time.monotonic() - start < 600:
            time.sleep(0.02)
    tree = descendants(proc.pid)
    finished = proc.poll() is not None
    if not finished:
        os.kill(proc.pid, signal.SIGKILL)  # the driver alone: its workers must follow by themselves
    killed_after = time.monotonic() - start
    proc.wait()
    deadline = time.monotonic() + 15
    while any(alive(p) for p in tree) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = sorted(p for p in tree if alive(p))
    for pid in left:  # do not leave them behind, but report them
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    check = check_store(db) if db.exists() else {"documents": 0, "problems": []}
    return {"trigger": trigger, "killed_after": round(killed_after, 2), "finished_first": finished,
            "stored_before": before, "stored_after": check["documents"], "workers_left": left,
            "problems": check["problems"]}


def run(archive: Path, db: Path, kills: int, workers: int, seed: int, max_delay: float = 12.0,
        log=print, triggers: list[dict] | None = None) -> dict:
    """`triggers` (one per kill) replaces the random ones, e.g. for a test."""
    rng = random.Random(seed)
    keys, paths = expected_contents(archive)
    rounds = []
    for i in range(kills):
        trigger = triggers[i] if triggers else random_trigger(rng, max_delay, len(keys) - stored_count(db))
        r = one_kill(archive, db, workers, trigger)
        rounds.append(r)
        what = "finished before the kill" if r["finished_first"] else f"killed after {r['killed_after']} s"
        log(f"round {i + 1}/{kills}: {r['trigger']} -> {what}; stored {r['stored_before']} -> {r['stored_after']}"
            f"{'; WORKERS LEFT ' + str(r['workers_left']) if r['workers_left'] else ''}"
            f"{'; PROBLEMS ' + '; '.join(r['problems']) if r['problems'] else ''}")
    t0 = time.monotonic()
    final = subprocess.run(run_batch_cmd(archive, db, workers), cwd=ROOT, capture_output=True, text=True)
    resume_seconds = time.monotonic() - t0
    check = check_store(db)
    conn = sqlite3.connect(db)
    stored_keys = [r[0] for r in conn.execute("SELECT sha256 FROM documents")]
    stored_paths = [r[0] for r in conn.execute("SELECT path FROM sources")]
    runs = conn.execute("SELECT count(*), sum(finished_at IS NULL) FROM runs").fetchone()
    conn.close()
    report = {
        "archive": str(archive), "kills": kills, "workers": workers, "seed": seed,
        "expected_documents": len(keys), "stored_documents": len(stored_keys),
        "stored_exactly_once": len(stored_keys) == len(set(stored_keys)) and set(stored_keys) == keys,
        "missing": sorted(keys - set(stored_keys)), "unexpected": sorted(set(stored_keys) - keys),
        "expected_paths": len(paths), "stored_paths": len(stored_paths),
        "paths_exactly_once": sorted(stored_paths) == sorted(paths),
        "half_written": check["problems"],
        "problems_after_kills": [p for r in rounds for p in r["problems"]],
        "workers_left_after_kills": sum(len(r["workers_left"]) for r in rounds),
        "kills_that_hit_a_running_batch": sum(not r["finished_first"] for r in rounds),
        "runs": runs[0], "unfinished_runs": runs[1],
        "final_exit_code": final.returncode, "resume_seconds": round(resume_seconds, 1), "rounds": rounds,
    }
    report["ok"] = (report["stored_exactly_once"] and report["paths_exactly_once"] and not report["half_written"]
                    and not report["problems_after_kills"] and not report["workers_left_after_kills"]
                    and final.returncode in (0, 1))
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--synthetic", type=int, default=600, help="synthetic documents in the built archive")
    ap.add_argument("--scans", type=int, default=0, help="image-only PDFs in the built archive")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-delay", type=float, default=12.0, help="longest random delay before a kill (s)")
    ap.add_argument("--archive", type=Path, help="an existing archive folder (default: build one)")
    ap.add_argument("--keep", type=Path, help="keep the archive and store in this folder")
    ap.add_argument("--json", type=Path, help="write the report here")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="govreport-kill-"))
    work.mkdir(parents=True, exist_ok=True)
    archive = args.archive
    if archive is None:
        import make_archive

        archive = work / "archive"
        make_archive.build(archive, synthetic=args.synthetic, scans=args.scans, seed=args.seed)
    db = work / "kill.sqlite"
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    report = run(archive, db, args.kills, args.workers, args.seed, args.max_delay)
    summary = {k: v for k, v in report.items() if k != "rounds"}
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print("OK: every document stored exactly once, none lost, none half-written" if report["ok"] else "FAILED")
    sys.exit(0 if report["ok"] else 1)


if __name__ == "__main__":
    main()
