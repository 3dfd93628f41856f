"""`govreport` command line."""
from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from . import __version__
from .output import failed, output_path, summary, to_json, write_atomic

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Turn 政府信息公开工作年度报告 (text, HTML, PDF, scans) into checked canonical numbers.")
err = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"govreport {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Show the version and exit.")) -> None:
    """govreport."""


def _existing_store(db: Path):
    """The archive store at `db`, or a clear error and exit code 2."""
    from .store import StoreError, open_store

    try:
        return open_store(db, create=False)
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)  # unwrapped: paths stay whole
        raise typer.Exit(2)


@app.command()
def extract(
    inputs: list[Path] = typer.Argument(..., help="Report files: .txt .md .html .pdf or page images."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write <stem>.json per input into this directory."),
    ocr_engine: str | None = typer.Option(None, "--ocr-engine", help="OCR engine for scanned pages (default rapidocr)."),
    crops: Path | None = typer.Option(None, "--crops", help="Save each review-queue field's cell image as "
                                      "DIR/<stem>/<field id>.png (PDF and image inputs)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary on stderr."),
) -> None:
    """Extract the section 二/三/四 tables of each report into the canonical JSON contract.

    Exit code 1 when any input could not be read as a supported report.
    """
    from .crops import write_crops
    from .extract import extract_file

    if out is None and len(inputs) > 1:
        raise typer.BadParameter("several inputs need --out DIR", param_hint="--out")
    rows, any_failed, taken = [], False, set()
    for path in inputs:
        result = extract_file(path, ocr_engine=ocr_engine)
        any_failed |= failed(result)
        if crops is not None and result.fields:
            try:
                write_crops(result, path, crops / path.stem)
            except Exception as exc:  # a crop is a convenience: never lose the extraction for it
                result.errors.append(f"crops not written: {type(exc).__name__}: {exc}")
        if out is None:
            sys.stdout.write(to_json(result) + "\n")
        else:
            write_atomic(output_path(out, path, taken), to_json(result) + "\n")
        rows.append(summary(result))
    if not quiet:
        _print_summary(rows)
    raise typer.Exit(1 if any_failed else 0)


def _print_summary(rows: list[dict]) -> None:
    table = Table(title="govreport extract", show_lines=False)
    for name in ("input", "template", "fields found", "checks failed", "to review", "errors"):
        table.add_column(name, overflow="fold")
    for r in rows:
        table.add_row(r["source"], r["template"], f"{r['found']}/{r['fields']}", str(r["checks_failed"]),
                      str(r["to_review"]), "; ".join(r["errors"]) or "")
    err.print(table)


@app.command("eval")
def eval_(
    inputs: list[Path] = typer.Argument(None, help="Report files to extract and score (or use --pred)."),
    gold: list[Path] = typer.Option(..., "--gold", help="Gold JSON directory, searched recursively "
                                    "(repeat for several)."),
    pred: Path | None = typer.Option(None, "--pred", help="Directory of already extracted JSON to score."),
    threshold: float = typer.Option(0.9, "--threshold", help="Confidence below this counts as flagged."),
    max_confident_wrong: int | None = typer.Option(
        None, "--max-confident-wrong", help="Exit 1 when more confident wrong values than this."),
    min_exact: float | None = typer.Option(None, "--min-exact", help="Exit 1 when the exact fraction is lower."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every wrong field."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON on stdout."),
) -> None:
    """Score extraction against gold files: exact, confident wrong, flagged, absent, template.

    Exit code 1 when a --max-confident-wrong / --min-exact bar is missed or nothing pairs with gold.
    With a bar given it is also 1 when anything could not be scored: an unreadable gold file, a gold
    file no input pairs with, an input no gold pairs with, a report not read, a wrong template.
    """
    import json

    from .evaluate import evaluate, gate_failures, read_gold_dir

    if bool(inputs) == (pred is not None):
        raise typer.BadParameter("give either INPUT files or --pred DIR", param_hint="--pred")
    golds: dict = {}
    bad_gold: list[str] = []
    for directory in gold:
        if not directory.is_dir():
            raise typer.BadParameter(f"{directory} is not a directory", param_hint="--gold")
        found_here, bad_here = read_gold_dir(directory)
        bad_gold += bad_here
        for stem, found in found_here.items():
            if stem in golds:
                raise typer.BadParameter(f"two gold files named {stem}: {golds[stem][0]} and {found[0]}",
                                         param_hint="--gold")
            golds[stem] = found
    if pred is not None:
        if not pred.is_dir():
            raise typer.BadParameter(f"{pred} is not a directory", param_hint="--pred")
        pairs = [(p.name, _read_prediction(p)) for p in sorted(pred.rglob("*.json"))]
    else:
        from .extract import extract_file

        pairs = [(p.name, extract_file(p).as_dict()) for p in inputs]
    report = evaluate(pairs, golds, threshold, bad_gold)
    failures = gate_failures(report, max_confident_wrong, min_exact)
    if as_json:
        sys.stdout.write(json.dumps({**report.to_dict(), "gate_failures": failures},
                                    ensure_ascii=False, indent=2) + "\n")
    else:
        _print_eval(report, verbose)
    for name in report.unpaired:
        err.print(f"[yellow]no gold file pairs with {name}; not scored[/yellow]")
    for stem in report.unscored_gold:
        err.print(f"[yellow]no input pairs with gold file {stem}; not scored[/yellow]")
    for why in report.bad_gold:
        err.print(f"[yellow]gold file not readable: {why}[/yellow]")
    for reason in failures:
        err.print(f"[red]FAIL[/red] {reason}")
    raise typer.Exit(1 if failures else 0)


def _read_prediction(path: Path) -> dict:
    """A saved extraction; one that cannot be read scores as a document that was not read."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return {"template": None, "fields": {}, "errors": [f"prediction not readable: {exc}"]}
    return data if isinstance(data, dict) else {"template": None, "fields": {},
                                                "errors": ["prediction is not a JSON object"]}


def _print_eval(report, verbose: bool) -> None:
    out = Console()
    table = Table(title=f"govreport eval (threshold {report.threshold:g})")
    for name in ("document", "gold", "template", "exact", "conf. wrong", "flagged", "absent"):
        table.add_column(name, overflow="fold")
    for d in report.docs:
        tmpl = f"{d.pred_template}{' hybrid' if d.pred_hybrid else ''}" + ("" if d.template_correct else " ✗")
        table.add_row(d.name, d.gold_name, tmpl, f"{d.exact}/{d.scored}", str(d.confident_wrong),
                      str(d.flagged), str(d.absent))
    o = report.overall()
    table.add_section()
    table.add_row("overall", f"{o['docs']} docs", f"{o['templates_correct']}/{o['docs']} correct",
                  f"{o['exact']}/{o['scored']} ({o['exact_rate']:.2%})", str(o["confident_wrong"]),
                  f"{o['flagged']} ({o['flagged_rate']:.2%})", str(o["absent"]))
    out.print(table)
    if verbose:
        for d in report.docs:
            for w in d.wrong():
                out.print(f"  {d.name}  {w.field_id}: gold {w.gold} value {w.value} "
                          f"confidence {w.confidence:g} status {w.status} -> {w.outcome(report.threshold)}")


@app.command("check-years")
def check_years(
    results: Path = typer.Argument(None, help="Directory of extract JSON files (searched recursively)."),
    db: Path | None = typer.Option(None, "--db", help="Check the archive store instead (current values: "
                                   "reviewed corrections included)."),
    as_json: bool = typer.Option(False, "--json", help="Print the mismatches as JSON on stdout."),
) -> None:
    """Cross-year check: each agency's 结转下年度 (year N) against its 上年结转 (year N+1).

    Exit code 1 when a mismatch is found.
    """
    import json

    from .years import from_result, from_store

    if db is not None:
        conn = _existing_store(db)
        reports = from_store(conn)
        conn.close()
        _report_years(reports, as_json)
        return
    if results is None or not results.is_dir():
        raise typer.BadParameter("give a directory of extract JSON files, or --db STORE", param_hint="RESULTS")
    reports = []
    for path in sorted(results.rglob("*.json")):
        try:
            report = from_result(json.loads(path.read_text(encoding="utf-8")), str(path))
        except (OSError, ValueError, AttributeError):
            continue  # not an extract result
        if report is not None:
            reports.append(report)
    _report_years(reports, as_json)


def _report_years(reports, as_json: bool) -> None:
    import dataclasses
    import json

    from .years import compare_years

    mismatches, pairs = compare_years(reports)
    if as_json:
        sys.stdout.write(json.dumps({"reports": len(reports), "pairs": pairs,
                                     "mismatches": [dataclasses.asdict(m) for m in mismatches]},
                                    ensure_ascii=False, indent=2) + "\n")
    else:
        table = Table(title=f"结转 across years: {len(reports)} reports, {pairs} consecutive-year pairs")
        for name in ("agency", "years", "column", "结转下年度 (N)", "上年结转 (N+1)", "reports"):
            table.add_column(name, overflow="fold")
        for m in mismatches:
            table.add_row(m.agency, f"{m.year}→{m.year + 1}", m.column, f"{m.carried_forward:g}",
                          f"{m.carried_over:g}", f"{Path(m.source).name} / {Path(m.next_source).name}")
        Console().print(table)
    raise typer.Exit(1 if mismatches else 0)


@app.command("train")
def train(
    data: Path = typer.Option(Path("training_data"), "--data", help="Directory with train.jsonl and test.jsonl."),
    out: Path = typer.Option(Path("models/label_classifier.skops"), "--out", help="Where to write the skops model."),
    shared: Path | None = typer.Option(None, "--shared", help="The ../shared checkout: the card then compares the "
                                       "model with the keyword spotter end to end on its gold sets "
                                       "(default: ../shared beside the repository, when present)."),
    from_db: Path | None = typer.Option(None, "--from-db", help="Add the label lines people reviewed in this "
                                        "archive store to the training data (samples kept in DB.training/)."),
    calibrator: bool = typer.Option(False, "--calibrator", help="Fit the confidence calibrator instead (data: "
                                    "training_data/calibration.jsonl.gz from scripts/build_calibration_data.py; "
                                    "with --from-db plus the reviewed fields; default --out "
                                    "models/confidence_calibrator.skops)."),
    ocr: bool = typer.Option(False, "--ocr", help="With --calibrator: fit the OCR calibrator (data: "
                             "training_data/calibration_ocr.jsonl.gz; default --out models/ocr_calibrator.skops)."),
    refit_calibrator: bool = typer.Option(True, "--calibrator-too/--no-calibrator",
                                          help="With --from-db: also refit the confidence calibrator on "
                                               "DATA/calibration.jsonl.gz plus the reviewed fields, written beside "
                                               "--out (minutes on 2 cores)."),
) -> None:
    """Train the row-label classifier (fixed seed), print held-out metrics, write model + card;
    or, with --calibrator, the confidence calibrator. With --from-db: the classifier and the
    archive's value prior, then the confidence calibrator, from what people reviewed."""
    from .classify.train import format_gold, format_metrics, run

    if calibrator:
        _train_calibrator(data, out, from_db, ocr)
        return
    if shared is None:
        beside = Path(__file__).resolve().parents[2] / "shared"
        shared = beside if beside.is_dir() else None
    if from_db is not None:
        from .review.training import train_from_db
        from .store import StoreError

        if refit_calibrator and not (data / "calibration.jsonl.gz").is_file():
            err.print(f"[red]error:[/red] {data / 'calibration.jsonl.gz'} is missing: the calibrator refits on it "
                      "(scripts/build_calibration_data.py), or pass --no-calibrator")
            raise typer.Exit(2)
        try:
            metrics, samples = train_from_db(from_db, data, out)
        except StoreError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2)
        typer.echo(f"from review: {len(samples.labels)} label samples from {samples.documents} documents, "
                   f"{len(samples.cells)} reviewed cells, {len(samples.calibration)} calibration samples "
                   f"(review log up to #{samples.last_log_id}); written to {from_db}.training/")
        for why in samples.skipped:
            err.print(f"[yellow]{why}[/yellow]")
        prior = metrics["value_prior"]
        typer.echo(f"value prior: {prior['observations']} trusted values of the store, written to {prior['path']}")
    else:
        metrics = run(data, out, shared=shared)
    typer.echo(format_metrics(metrics))
    if metrics.get("gold"):
        typer.echo("\n" + format_gold(metrics["gold"]))
    typer.echo(f"trained in {metrics['train_seconds']:.0f} s; model {out}, card {out.with_suffix('.md')}")
    if from_db is not None and refit_calibrator:
        # measured (docs/benchmarks.md, review gain): the review's fields teach the calibrator
        # the archive's forms; without this refit the classifier alone flags as many fields
        from .trust import DEFAULT_PATH

        typer.echo("\nconfidence calibrator, refitted with the reviewed fields:")
        _train_calibrator(data, out.with_name(DEFAULT_PATH.name), from_db)


def _train_calibrator(data: Path, out: Path, from_db: Path | None, ocr: bool = False) -> None:
    from . import calibration
    from .store import StoreError
    from .trust import DEFAULT_PATH, OCR_PATH

    source = data / ("calibration_ocr.jsonl.gz" if ocr else "calibration.jsonl.gz") if data.is_dir() else data
    target = (OCR_PATH if ocr else DEFAULT_PATH) if out == Path("models/label_classifier.skops") else out
    try:
        if ocr:
            metrics = calibration.run_ocr(source, target)
        elif from_db is not None:
            from .review.training import calibrator_from_db

            _existing_store(from_db).close()
            metrics, extra = calibrator_from_db(from_db, source, target)
            typer.echo(f"from review: {len(extra)} reviewed fields with their signals "
                       f"({sum(1 for r in extra if not r['correct'])} corrected)")
        else:
            metrics = calibration.run(source, target)
    except FileNotFoundError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2)
    except StoreError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2)
    typer.echo(calibration.format_metrics(metrics))
    card = DEFAULT_PATH.with_suffix(".md") if ocr else target.with_suffix(".md")
    typer.echo(f"fitted in {metrics['seconds']:.0f} s; model {target}, card {card}"
               + (" (section \"OCR'd fields\", written by hand from these figures)" if ocr else ""))


@app.command("batch")
def batch(
    paths: list[Path] = typer.Argument(..., help="Folders, zip files or report files to process."),
    db: Path = typer.Option(..., "--db", help="The archive store (SQLite); created when absent."),
    workers: int | None = typer.Option(None, "--workers", "-w", min=1, help="Worker processes (default: cores)."),
    executor: str = typer.Option("local", "--executor", help="local (process pool) or ray."),
    ray_address: str | None = typer.Option(None, "--ray-address",
                                           help="Existing Ray cluster (auto, ray://host:10001); "
                                                "default starts a local Ray instance."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Extract documents that failed before again."),
    reextract: bool = typer.Option(False, "--reextract",
                                   help="Extract again documents read by other model versions "
                                        "(reviewed values are kept; disagreements flagged as conflicts)."),
    timeout: float | None = typer.Option(None, "--timeout", min=1,
                                         help="Seconds one document may take before its worker is stopped."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Extract every report under PATHS into the store: folders walked, zips opened, each
    document identified by sha256 and read once, documents already stored skipped, so a
    killed run resumes where it stopped.

    Exit code 1 when any document failed (each is recorded with its error), 2 on bad usage.
    """
    from .batch import Reporter, run_batch
    from .batch_console import RichReporter, print_summary
    from .executors import ExecutorError
    from .store import StoreError

    if executor not in ("local", "ray"):
        raise typer.BadParameter("local or ray", param_hint="--executor")
    missing = [str(p) for p in paths if not p.exists() and not p.is_symlink()]
    if missing:
        raise typer.BadParameter(f"no such file or directory: {', '.join(missing)}", param_hint="PATHS")
    reporter = Reporter() if quiet else RichReporter(err)
    try:
        summary = run_batch(paths, db, workers=workers, executor=executor, ray_address=ray_address,
                            retry_failed=retry_failed, reextract=reextract, timeout=timeout, reporter=reporter)
    except (StoreError, ExecutorError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    except KeyboardInterrupt:
        err.print("[yellow]interrupted: stored documents are kept; run the same command to resume[/yellow]")
        raise typer.Exit(130)
    if not quiet:
        print_summary(err, summary, str(db))
    raise typer.Exit(1 if summary.statuses["failed"] or summary.kept else 0)


@app.command("export")
def export_(
    db: Path = typer.Option(..., "--db", help="The archive store."),
    fmt: str = typer.Option(..., "--format", "-f", help="csv, xlsx, parquet or jsonl."),
    out: Path = typer.Option(..., "--out", "-o", help="File to write."),
    layout: str = typer.Option("long", "--layout", help="long: a row per field; wide: a row per document."),
    threshold: float = typer.Option(0.9, "--threshold", help="Confidence below this is flagged."),
) -> None:
    """Export the store's current values (reviewed where a person reviewed them) for analysts."""
    from .export import FORMATS, LAYOUTS, ExportError, export

    if fmt not in FORMATS:
        raise typer.BadParameter(f"one of {', '.join(FORMATS)}", param_hint="--format")
    if layout not in LAYOUTS:
        raise typer.BadParameter("long or wide", param_hint="--layout")
    conn = _existing_store(db)
    try:
        n = export(conn, fmt, layout, out, threshold)
    except ExportError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    finally:
        conn.close()
    err.print(f"wrote {n} rows ({layout}) to {out}")


@app.command("status")
def status(
    db: Path = typer.Option(..., "--db", help="The archive store."),
    failed: bool = typer.Option(False, "--failed", help="List every failed document with its error."),
    threshold: float = typer.Option(0.9, "--threshold", help="Confidence below this is in the review queue."),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON on stdout."),
) -> None:
    """Counts by status, template, year and agency; the review queue's size; conflicts."""
    import json

    from .batch_console import failed_documents, print_status, status_data

    conn = _existing_store(db)
    with conn:
        data = status_data(conn, threshold)
        failures = failed_documents(conn) if failed else None
    conn.close()
    if as_json:
        data["last_run"] = data["last_run"] and {k: v for k, v in data["last_run"].items()}
        if failures is not None:
            data["failed"] = failures
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    print_status(Console(), data, str(db), failures)


@app.command("explain")
def explain(
    file: Path = typer.Argument(..., help="One report file: .txt .md .html .pdf or page image."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the HTML page here (default: stdout)."),
    ocr_engine: str | None = typer.Option(None, "--ocr-engine", help="OCR engine for scanned pages (default rapidocr)."),
) -> None:
    """One self-contained HTML page showing how FILE was read: every table cell with its value,
    status and confidence, linked to its box on the page image or its span of source text."""
    from .readers import ReaderError
    from .review.explain import explain_file

    try:
        page = explain_file(file, ocr_engine)
    except ReaderError as exc:
        err.print(f"[red]{file}: {exc}[/red]")
        raise typer.Exit(1)
    if out is None:
        sys.stdout.write(page)
    else:
        write_atomic(out, page)
        err.print(f"wrote {out}")


@app.command("review")
def review(
    db: Path = typer.Option(..., "--db", help="The archive store written by `govreport batch`."),
    threshold: float = typer.Option(0.9, "--threshold", help="Fields below this confidence are queued."),
    agency: str | None = typer.Option(None, "--agency", help="Only documents whose agency contains this."),
    year: int | None = typer.Option(None, "--year", help="Only documents of this report year."),
    reviewer: str | None = typer.Option(None, "--reviewer", help="Name logged with each decision (default: login name)."),
    export_queue: Path | None = typer.Option(None, "--export-queue", help="Write the queue as JSON Lines and exit."),
    import_decisions: Path | None = typer.Option(None, "--import-decisions",
                                                 help="Apply a JSON Lines file of decisions and exit."),
) -> None:
    """Walk the review queue (lowest confidence first, grouped by document) in a terminal UI:
    a accept, e edit, b blank, i illegible, s skip, u undo, n next document, o open image, q quit.
    Every decision is written to the store at once."""
    import getpass

    conn = _existing_store(db)
    if export_queue is not None or import_decisions is not None:
        from .review.exchange import export_queue as export, import_decisions as apply

        if import_decisions is not None:
            report = apply(conn, import_decisions, reviewer)
            err.print(f"{report.applied} decisions applied, {report.unchanged} already in force, "
                      f"checks re-run on {report.documents} documents")
            for message in report.errors:
                err.print(f"[red]{message}[/red]")
        if export_queue is not None:
            n = export(conn, export_queue, threshold, agency, year)
            err.print(f"{n} queued fields written to {export_queue}")
        raise typer.Exit(1 if import_decisions is not None and report.errors else 0)
    conn.close()
    try:
        from .review.app import run
    except ImportError as exc:
        err.print(f"[red]error:[/red] the review UI needs the 'review' extra ({exc}); pip install govreport[review]")
        raise typer.Exit(2)
    session = run(db, reviewer or getpass.getuser(), threshold, agency, year)
    err.print(f"{len(session.done)} decisions written to {db}; {session.size()} fields still queued")
