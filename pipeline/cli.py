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


@app.command()
def extract(
    inputs: list[Path] = typer.Argument(..., help="Report files: .txt .md .html .pdf or page images."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write <stem>.json per input into this directory."),
    ocr_engine: str | None = typer.Option(None, "--ocr-engine", help="OCR engine for scanned pages (default rapidocr)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary on stderr."),
) -> None:
    """Extract the section 二/三/四 tables of each report into the canonical JSON contract.

    Exit code 1 when any input could not be read as a supported report.
    """
    from .extract import extract_file

    if out is None and len(inputs) > 1:
        raise typer.BadParameter("several inputs need --out DIR", param_hint="--out")
    rows, any_failed, taken = [], False, set()
    for path in inputs:
        result = extract_file(path, ocr_engine=ocr_engine)
        any_failed |= failed(result)
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
