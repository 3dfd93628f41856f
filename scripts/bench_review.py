"""How fast does `govreport review` move to the next field?  Builds a store of DOCS copies of
a bundled sample (each with a different key, a misread total and its failing rules), then
drives the Textual UI headless: for each field, the time from the key press (accept, or the
Enter that saves an edit, re-running the document's checks) until the next field is on screen.

Two clocks, read in the same run:
- UI: inside the app, from the key event's creation (the moment it reaches the app) to the end
  of the last screen update drawn after the next field was put in the widgets, before the
  harness stops waiting.  Headless
  drivers skip turning that update into terminal output; this app does it anyway (and throws
  the text away), so the figure includes everything a terminal would be sent.
- harness: around the pilot's press and pause, which add their own waits (~90 ms on an idle
  2-core machine, measured alone with a key bound to nothing and shown next to the others).

    .venv/bin/python scripts/bench_review.py [--docs 200] [--fields 100] [--profile accept|edit]

The target is 100 ms per field on the UI clock.  --profile prints cProfile's top functions
from that kind of key to the end of the harness's wait (the harness's own calls included).
"""
from __future__ import annotations

import argparse
import asyncio
import copy
import concurrent.futures
import cProfile
import hashlib
import multiprocessing
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textual import _time, events  # noqa: E402
from textual._compositor import CompositorUpdate  # noqa: E402

from pipeline import store  # noqa: E402
from pipeline.review.app import ReviewApp  # noqa: E402
from pipeline.review.session import Session  # noqa: E402

SAMPLE = ROOT / "samples" / "xixia_2020_text.txt"
MISREAD = "requests.granted.total"


def build(db: Path, docs: int) -> None:
    """Run in a child process: the extraction's models stay out of the reviewing process, whose
    heap (and so the garbage collector's pauses) is then that of `govreport review`."""
    from pipeline.extract import extract_file

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


class TimedApp(ReviewApp):
    """The review app with the UI clock: key event -> the last screen update it caused (an
    edit's next field comes in several updates: the field, the re-laid-out screen, the footer
    once the edit box lets go of the focus; the last one counts)."""

    def __init__(self, session: Session):
        super().__init__(session)
        self.key_at: float | None = None  # the latest key event's creation time
        self.shown_for: float | None = None  # set by show: the key whose next field is being drawn
        self.ui: float | None = None  # key -> the latest screen update since, seconds
        self.profiler: cProfile.Profile | None = None  # on from the key to the harness's reading

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self.key_at = event.time
            if self.profiler is not None:
                self.profiler.enable()
        await super().on_event(event)

    def show(self) -> None:
        super().show()
        self.shown_for = self.key_at

    def _display(self, screen, renderable) -> None:
        if renderable is None:
            return
        if self.is_headless and isinstance(renderable, CompositorUpdate):
            renderable.render_segments(self.console)  # what a terminal would be sent
        super()._display(screen, renderable)
        if self.shown_for is not None:
            self.ui = _time.get_time() - self.shown_for


async def drive(db: Path, fields: int, profile: str | None) -> dict:
    conn = store.open_store(db, create=False)
    t = time.perf_counter()
    session = Session(conn, "bench")
    load = time.perf_counter() - t
    out = {"load": load, "idle": [], "accept": [], "edit": [], "accept_ui": [], "edit_ui": []}
    profiler = cProfile.Profile() if profile else None
    app = TimedApp(session)
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(20):  # the harness's own cost: a key bound to nothing, then the redraw wait
            start = time.perf_counter()
            await pilot.press("x")
            await pilot.pause()
            out["idle"].append(time.perf_counter() - start)
        for _ in range(fields):
            item = session.current
            if item is None:
                break
            kind = "edit" if item["field_id"] == MISREAD else "accept"
            if kind == "edit":
                app.action_edit()
                app.query_one("#edit").value = str(int(item["current_value"]) - 10)
                await pilot.pause()
            app.ui = app.shown_for = None
            app.profiler = profiler if kind == profile else None
            start = time.perf_counter()
            await pilot.press("enter" if kind == "edit" else "a")
            await pilot.pause()
            out[kind].append(time.perf_counter() - start)
            if app.profiler is not None:
                app.profiler.disable()
                app.profiler = None
            if app.ui is not None:
                out[f"{kind}_ui"].append(app.ui)
            app.shown_for = None
    conn.close()
    if profiler is not None:
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(30)
        stats.print_stats("pipeline", 30)  # this project's share
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--fields", type=int, default=100)
    ap.add_argument("--profile", choices=("accept", "edit"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "archive.sqlite"
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            pool.submit(build, db, args.docs).result()
        r = asyncio.run(drive(db, args.fields, args.profile))

    def ms(xs: list[float]) -> str:
        if not xs:
            return "-"
        xs = sorted(xs)
        return (f"median {statistics.median(xs) * 1000:4.0f} ms, p95 {xs[int(0.95 * (len(xs) - 1))] * 1000:4.0f} ms, "
                f"max {xs[-1] * 1000:4.0f} ms ({len(xs)})")

    print(f"store of {args.docs} documents; queue loaded in {r['load'] * 1000:.0f} ms; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"harness alone (unbound key + pause):     {ms(r['idle'])}")
    print(f"accept -> next field, UI clock:           {ms(r['accept_ui'])}")
    print(f"accept -> next field, harness clock:      {ms(r['accept'])}")
    print(f"edit saved -> next field, UI clock:       {ms(r['edit_ui'])}")
    print(f"edit saved -> next field, harness clock:  {ms(r['edit'])}")


if __name__ == "__main__":
    main()
