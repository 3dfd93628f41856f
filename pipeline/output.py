"""Result -> the JSON contract, files and the short human summary."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .model import CONFIDENT, Result


def to_json(result: Result) -> str:
    return json.dumps(result.as_dict(), ensure_ascii=False, indent=2)


def write_atomic(path: Path, text: str) -> None:
    """Write via a temp file and rename, so an interrupted run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def output_path(out_dir: Path, source: Path, taken: set[Path]) -> Path:
    """`<stem>.json`; two inputs with one stem in a run keep both (`<stem>.<suffix>.json`)."""
    path = out_dir / f"{source.stem}.json"
    if path in taken:
        path = out_dir / f"{source.stem}.{source.suffix.lstrip('.') or 'noext'}.json"
    taken.add(path)
    return path


def failed(result: Result) -> bool:
    return result.template is None


def summary(result: Result) -> dict:
    fields = result.fields.values()
    return {
        "source": Path(result.source).name,
        "template": (result.template or "-") + (" hybrid" if result.hybrid else ""),
        "found": sum(1 for f in fields if f.value is not None),
        "fields": len(result.fields),
        "checks_failed": sum(1 for c in result.checks if not c.ok),
        "to_review": sum(1 for f in fields if f.status != "ok" or f.confidence < CONFIDENT),
        "errors": result.errors,
    }
