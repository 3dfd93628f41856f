"""What `govreport batch` and `govreport status` print: a Rich progress bar with ETA while a
batch runs, its summary, and the store's counts."""
from __future__ import annotations

import json
import sqlite3
import time

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.table import Table

from . import store
from .batch import BatchSummary, Found, Plan, Reporter
from .model import CONFIDENT

MAX_LISTED = 20
# the driver stores every document the workers read: a bar redrawn 10 times a second (Rich's
# default) and updated per document took about 2 of its CPU ms a document, which two workers on
# two cores then lack
REFRESH_PER_SECOND = 2


class RichReporter(Reporter):
    def __init__(self, console: Console):
        self.console = console
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                                 TextColumn("ETA"), TimeRemainingColumn(), console=console, transient=False,
                                 refresh_per_second=REFRESH_PER_SECOND)
        self.progress.start()
        self.walk = self.progress.add_task("finding and hashing files", total=None, rate="")
        self.work = None
        self.found = 0
        self.stored_count = 0
        self.pages = 0
        self.started = 0.0
        self.shown = 0.0  # when the counts were last handed to the bar

    def _due(self) -> bool:
        now = time.monotonic()
        if now - self.shown < 1 / REFRESH_PER_SECOND:
            return False
        self.shown = now
        return True

    def discovering(self, found: Found) -> None:
        self.found += 1
        if self._due():
            self.progress.update(self.walk, completed=self.found, rate=f"{self.found} paths")

    def planned(self, plan: Plan) -> None:
        self.progress.update(self.walk, total=self.found, completed=self.found, rate=f"{self.found} paths",
                             description=f"found {plan.paths} paths: {len(plan.tasks)} documents to extract, "
                                         f"{len(plan.known)} already stored")
        total = len(plan.tasks) + len(plan.failed)
        self.work = self.progress.add_task("extracting", total=total, rate="")
        self.started = time.monotonic()

    def stored(self, display: str, pages: int, status: str, what: str) -> None:
        if self.work is None:
            return
        self.stored_count += 1
        self.pages += pages
        if self._due():
            self._show()

    def _show(self) -> None:
        elapsed = time.monotonic() - self.started
        rate = f"{self.stored_count / elapsed * 60:.0f} docs/min, {self.pages / elapsed * 60:.0f} pages/min" \
            if elapsed > 1 else ""
        self.progress.update(self.work, completed=self.stored_count, rate=rate)

    def close(self) -> None:
        if self.work is not None:
            self._show()
        self.progress.stop()


def print_summary(console: Console, summary: BatchSummary, db: str) -> None:
    table = Table(title=f"govreport batch → {db}", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    rows = [("paths found", summary.paths),
            ("distinct documents", summary.documents),
            ("duplicate paths (recorded, not re-read)", summary.duplicates),
            ("already stored, skipped", summary.skipped),
            ("extracted now: done", summary.statuses["done"]),
            ("extracted now: needs review", summary.statuses["needs_review"]),
            ("extracted now: failed", summary.statuses["failed"])]
    if summary.kept:
        rows.append(("re-extraction failed, stored result kept", summary.kept))
    minutes = summary.wall_seconds / 60 or 1e-9
    rows += [("pages read", summary.pages),
             ("workers", f"{summary.workers} ({summary.executor})" if summary.workers else "-"),
             ("wall time", f"{summary.wall_seconds:.1f} s"),
             ("documents / minute", f"{summary.extracted / minutes:.1f}" if summary.extracted else "-"),
             ("pages / minute", f"{summary.pages / minutes:.1f}" if summary.pages else "-"),
             ("review queue (fields)", summary.queue)]
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)
    if summary.failures:
        console.print(f"[bold]failed ({len(summary.failures)}):[/bold]")
        for path, error in summary.failures[:MAX_LISTED]:
            console.print(f"  [red]✗[/red] {path}: {error}", markup=True, highlight=False)
        if len(summary.failures) > MAX_LISTED:
            console.print(f"  … and {len(summary.failures) - MAX_LISTED} more (govreport status --db {db} --failed)")


def status_data(conn: sqlite3.Connection, threshold: float = CONFIDENT) -> dict:
    one = lambda sql, *a: conn.execute(sql, a).fetchone()[0]  # noqa: E731
    queue = store.review_queue(conn, threshold)
    last = conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    return {
        "documents": one("SELECT count(*) FROM documents"),
        "paths": one("SELECT count(*) FROM sources"),
        "documents_with_duplicates": one("SELECT count(*) FROM (SELECT sha256 FROM sources GROUP BY sha256 "
                                         "HAVING count(*) > 1)"),
        "by_status": dict(store.counts(conn, "status")),
        "by_template": {f"{t or '-'}{' hybrid' if h else ''}": n for t, h, n in conn.execute(
            "SELECT template, hybrid, count(*) FROM documents WHERE status != 'failed' GROUP BY template, hybrid "
            "ORDER BY count(*) DESC")},
        "by_year": {str(y) if y is not None else "-": n for y, n in conn.execute(
            "SELECT year, count(*) FROM documents WHERE status != 'failed' GROUP BY year ORDER BY year")},
        "by_agency": {a or "-": n for a, n in conn.execute(
            "SELECT agency, count(*) FROM documents WHERE status != 'failed' GROUP BY agency "
            "ORDER BY count(*) DESC, agency")},
        "review_queue_fields": len(queue),
        "review_queue_documents": len({q["sha256"] for q in queue}),
        "conflicts": one("SELECT count(*) FROM fields WHERE conflict = 1"),
        "reviewed_fields": one("SELECT count(*) FROM fields WHERE reviewed = 1"),
        "decisions": one("SELECT count(*) FROM review_log"),
        "runs": one("SELECT count(*) FROM runs"),
        "unfinished_runs": one("SELECT count(*) FROM runs WHERE finished_at IS NULL"),
        "last_run": dict(last) if last else None,
        "schema_version": store.schema_version(conn),
    }


def failed_documents(conn: sqlite3.Connection) -> list[dict]:
    return [dict(r) for r in conn.execute(
        "SELECT d.sha256, d.error, (SELECT group_concat(path, '; ') FROM sources s WHERE s.sha256 = d.sha256) "
        "AS paths FROM documents d WHERE status = 'failed' ORDER BY paths")]


def print_status(console: Console, data: dict, db: str, failed: list[dict] | None = None,
                 agencies: int = 15) -> None:
    head = Table(title=f"govreport store {db} (schema v{data['schema_version']})", show_header=False)
    head.add_column("what")
    head.add_column("count", justify="right")
    for name, value in (("documents", data["documents"]), ("paths", data["paths"]),
                        ("documents found under several paths", data["documents_with_duplicates"]),
                        *((f"status {s}", data["by_status"].get(s, 0)) for s in store.STATUSES),
                        ("review queue: fields", data["review_queue_fields"]),
                        ("review queue: documents", data["review_queue_documents"]),
                        ("conflicts (re-extraction ≠ reviewed value)", data["conflicts"]),
                        ("reviewed fields", data["reviewed_fields"]),
                        ("review decisions logged", data["decisions"]),
                        ("batch runs", data["runs"])):
        head.add_row(name, str(value))
    if data["unfinished_runs"]:
        head.add_row("[yellow]runs that did not finish (killed or interrupted)[/yellow]",
                     str(data["unfinished_runs"]))
    console.print(head)
    for title, key, limit in (("template", "by_template", None), ("year", "by_year", None),
                              ("agency", "by_agency", agencies)):
        items = list(data[key].items())
        table = Table(title=f"documents by {title} (read, not failed)")
        table.add_column(title)
        table.add_column("documents", justify="right")
        for name, n in items[:limit] if limit else items:
            table.add_row(name, str(n))
        if limit and len(items) > limit:
            table.add_row(f"… {len(items) - limit} more", str(sum(n for _, n in items[limit:])))
        console.print(table)
    if data["last_run"]:
        run = data["last_run"]
        summary = json.loads(run["summary_json"]) if run["summary_json"] else None
        state = f"finished {run['finished_at']}" if run["finished_at"] else "[yellow]did not finish[/yellow]"
        console.print(f"last run #{run['id']}: started {run['started_at']}, {state}"
                      + (f"; {summary['paths']} paths, {sum(summary['statuses'].values())} extracted"
                         if summary else ""))
    if failed is not None:
        console.print(f"[bold]failed documents ({len(failed)}):[/bold]")
        for row in failed:
            console.print(f"  [red]✗[/red] {row['paths']}: {row['error']}", highlight=False)
