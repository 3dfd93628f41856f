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
