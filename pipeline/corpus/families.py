"""The converter families, and the ones held out of all tuning and training for good.

HELD_OUT families are the project's own unseen set: no rule is tuned on them, no classifier or
calibrator trains on them, nobody reads their outputs while developing; they are only ever
aggregated (scripts/bench, docs/benchmarks.md).  Each has siblings that may be tuned on (other
markdown converters, other PDF printers and extractors, other page-text savers), so they
measure how well the reading generalizes to a tool it has never seen.
"""
from __future__ import annotations

from .converters import FAMILIES, Family

HELD_OUT: tuple[str, ...] = ("markdownify", "chromium_innertext", "weasyprint_pdf_pymupdf")


def family(name: str) -> Family:
    try:
        return FAMILIES[name]
    except KeyError:
        raise KeyError(f"unknown family {name!r}; known: {', '.join(FAMILIES)}") from None


def tuning_families() -> list[str]:
    """Families that tuning and training may draw on."""
    return [name for name in FAMILIES if name not in HELD_OUT]


def available(names: list[str] | None = None) -> tuple[list[str], dict[str, str]]:
    """(families whose tools are installed, {skipped family: why})."""
    ok, skipped = [], {}
    for name in names or list(FAMILIES):
        why = family(name).skip_reason()
        if why:
            skipped[name] = why
        else:
            ok.append(name)
    return ok, skipped


assert set(HELD_OUT) <= set(FAMILIES), "a held-out family is not in the registry"


def families_in_training(data_dir) -> set[str]:
    """Corpus families the label classifier's training data draws on.

    Contract with scripts/build_training_data.py: a record made from a corpus document carries
    `"source": "corpus:<family>"`.  Leave-one-family-out evaluation retrains without a family
    that appears here (and refuses a held-out family in training data outright)."""
    import json
    from pathlib import Path

    found: set[str] = set()
    for path in sorted(Path(data_dir).glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if '"corpus:' not in line:
                    continue
                source = json.loads(line).get("source", "")
                if source.startswith("corpus:"):
                    found.add(source.split(":", 1)[1])
    return found
