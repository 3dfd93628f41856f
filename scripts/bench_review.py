"""How fast does `govreport review` move to the next field?  Builds a store of DOCS copies of
a bundled sample (each with a different key, a misread total and its failing rules), then
drives the Textual UI headless: for each field, the time from the key press (accept, or an
edit that re-runs the checks) until the next field is on screen.

    .venv/bin/python scripts/bench_review.py [--docs 200] [--fields 150]

The target is 100 ms per field.
"""
from __future__ import annotations

import argparse
import asyncio
import copy
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import store  # noqa: E402
from pipeline.extract import extract_file  # noqa: E402
from pipeline.review.app import ReviewApp  # noqa: E402
from pipeline.review.session import Session  # noqa: E402

SAMPLE = ROOT / "samples" / "xixia_2020_text.txt"
MISREAD = "requests.granted.total"


def build(db: Path, docs: int) -> None:
    base = extract_file(SAMPLE).as_dict()
    conn = store.open_store(db)
    for i in range(docs):
        result = copy.deepcopy(base)
        result["sha256"] = hashlib.sha256(f"{i}".encode()).hexdigest()
        result["fields"][MISREAD].update(value=result["fields"][MISREAD]["value"] + 10, confidence=0.55,
                                         status="low_confidence")
        store.upsert_result(conn, result, [store.Source(f"/archive/{i}.txt")])
        store.rerun_checks(conn, result["sha256"])
    conn.close()


async def drive(db: Path, fields: int) -> tuple[list[float], list[float], float]:
    conn = store.open_store(db, create=False)
    t = time.perf_counter()
    session = Session(conn, "bench")
    load = time.perf_counter() - t
    accepts, edits, idle = [], [], []
    app = ReviewApp(session)
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(20):  # the harness's own cost: a key bound to nothing, then the redraw wait
            start = time.perf_counter()
            await pilot.press("x")
            await pilot.pause()
            idle.append(time.perf_counter() - start)
        for _ in range(fields):
            item = session.current
            if item is None:
                break
            start = time.perf_counter()
            if item["field_id"] == MISREAD:
                app.action_edit()
                app.query_one("#edit").value = str(int(item["current_value"]) - 10)
                await pilot.pause()
                start = time.perf_counter()  # from the Enter that saves
                await pilot.press("enter")
                await pilot.pause()
                edits.append(time.perf_counter() - start)
            else:
                await pilot.press("a")
                await pilot.pause()
                accepts.append(time.perf_counter() - start)
    conn.close()
    return accepts, edits, idle, load


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--fields", type=int, default=150)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "archive.sqlite"
        build(db, args.docs)
        accepts, edits, idle, load = asyncio.run(drive(db, args.fields))

    def ms(xs: list[float]) -> str:
        if not xs:
            return "-"
        xs = sorted(xs)
        return (f"median {statistics.median(xs) * 1000:.0f} ms, p95 {xs[int(0.95 * (len(xs) - 1))] * 1000:.0f} ms, "
                f"max {xs[-1] * 1000:.0f} ms ({len(xs)})")

    print(f"store of {args.docs} documents; queue loaded in {load * 1000:.0f} ms")
    print(f"harness alone (unbound key + redraw wait): {ms(idle)}")
    print(f"accept -> next field: {ms(accepts)}")
    print(f"edit saved with Enter (checks re-run, queue rebuilt) -> next field: {ms(edits)}")
    print(f"ratio to the harness alone: accept {statistics.median(accepts) / statistics.median(idle):.2f}x, "
          f"edit {statistics.median(edits) / statistics.median(idle):.2f}x")


if __name__ == "__main__":
    main()
