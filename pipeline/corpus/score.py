"""Score the product on a generated corpus, family by family, with `govreport eval`'s
definitions (pipeline/evaluate.py): exact, flagged, confident wrong."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..evaluate import DocScore, EvalReport, score_document
from ..model import CONFIDENT
from .generate import corpus_documents


@dataclass
class FamilyResult:
    family: str
    report: EvalReport
    seconds: float

    def row(self) -> dict:
        o = self.report.overall()
        return {"family": self.family, **o, "seconds": round(self.seconds, 2)}


def extract_pred(path: Path) -> dict:
    from ..extract import extract_file

    return extract_file(path).as_dict()


def score_family(root: Path, family: str, extract: Callable[[Path], dict] = extract_pred,
                 limit: int | None = None, threshold: float = CONFIDENT) -> FamilyResult:
    import time

    report = EvalReport(threshold)
    t0 = time.perf_counter()
    for doc, truth_path in corpus_documents(root, family)[:limit]:
        gold = json.loads(truth_path.read_text(encoding="utf-8"))
        report.docs.append(score_document(gold, extract(doc), doc.name, truth_path.stem, threshold))
    return FamilyResult(family, report, time.perf_counter() - t0)


def examples(doc: DocScore, text: str, k: int = 3, context: int = 60) -> list[dict]:
    """A few wrong fields of one document with the converter output around the printed value."""
    out = []
    for o in doc.wrong()[:k]:
        out.append({"field": o.field_id, "truth": o.gold, "value": o.value, "status": o.status,
                    "confidence": round(o.confidence, 3), "outcome": o.outcome(doc.threshold),
                    "doc": doc.name})
    return out
