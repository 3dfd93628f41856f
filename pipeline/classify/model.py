"""Loading the trained label classifier safely, and the spotter that uses it.

The model file is a skops archive.  Loading trusts sklearn's own types (skops does
that by default) plus exactly the names in `TRUSTED_TYPES`; anything else in the file
is refused, so a tampered or foreign file cannot run code.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..labels import Hit
from ..layout import Section, squash
from ..model import Token
from .candidates import candidates, strip_enumerator
from .decode import NONE, decode, row_order
from .features import record

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "models" / "label_classifier.skops"
FORMAT = 1  # bumped when records or feature transformers change incompatibly
TRUSTED_TYPES = [
    "pipeline.classify.features.FieldText",
    "pipeline.classify.features.WordText",
    "pipeline.classify.features.LayoutFeatures",
    "sklearn.calibration._CalibratedClassifier",  # private sklearn type skops does not pre-trust
]
# a hit whose row the template order cannot place is kept for review, never "ok"
OUT_OF_ORDER_SCORE = 0.5
MIN_OUT_OF_ORDER_PROB = 0.5


class ModelError(RuntimeError):
    pass


def _retrain_hint(path: Path) -> str:
    return f"run `govreport train --out {path}` to build it"


def load_model(path: str | Path | None = None):
    """The fitted sklearn Pipeline, or ModelError saying how to get a usable one."""
    import skops.io as sio

    path = Path(path) if path else DEFAULT_PATH
    if not path.is_file():
        raise ModelError(f"label classifier model not found at {path}; {_retrain_hint(path)}")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise ModelError(f"{path} is not a readable skops model ({exc}); {_retrain_hint(path)}") from exc
    unexpected = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unexpected:
        raise ModelError(f"{path} contains types that are not trusted: {', '.join(unexpected)}; "
                         f"refusing to load it; {_retrain_hint(path)}")
    try:
        model = sio.load(path, trusted=[t for t in TRUSTED_TYPES if t in untrusted])
    except Exception as exc:
        raise ModelError(f"{path} could not be loaded ({type(exc).__name__}: {exc}); "
                         f"it may come from an incompatible version; {_retrain_hint(path)}") from exc
    fmt = getattr(model, "govreport_format_", None)
    if fmt != FORMAT or not hasattr(model, "predict_proba"):
        raise ModelError(f"{path} has model format {fmt!r}, this code needs {FORMAT}; {_retrain_hint(path)}")
    return model


@lru_cache(maxsize=4)
def _cached(path: str):
    return load_model(path)


def _exact_rows(rows: dict[str, tuple[str, ...]]) -> dict[str, str]:
    # only printed variants: a stripped "3.其他" must not make the column header 其他 a row
    return {squash(v): row for row, variants in rows.items() for v in reversed(variants)}


class ModelSpotter:
    """Classifies every label candidate, then decodes the section in template order.

    An exact printed label variant and the model normally agree; when they do not,
    the exact variant names the row and the model's (low) probability for it is the
    score, so the field goes to review instead of being silently relabelled.
    """

    def __init__(self, model=None, path: str | Path | None = None):
        self.model = model if model is not None else _cached(str(Path(path) if path else DEFAULT_PATH))

    def probabilities(self, recs: list[dict], allowed: list[str]) -> list[dict[str, float]]:
        classes = list(self.model.classes_)
        keep = [classes.index(c) for c in allowed + [NONE] if c in classes]
        out = []
        for row in self.model.predict_proba(recs):
            sub = {classes[j]: float(row[j]) for j in keep}
            total = sum(sub.values()) or 1.0
            out.append({c: p / total for c, p in sub.items()})
        return out

    def spot(self, tokens: list[Token], section: Section, rows: dict[str, tuple[str, ...]]) -> list[Hit]:
        cands = candidates(tokens, section, rows)
        if not cands:
            return []
        order = [r for r in row_order(section.table_id) if r in rows] + [r for r in rows
                                                                          if r not in row_order(section.table_id)]
        probs = self.probabilities([record(cands, i, section.table_id) for i in range(len(cands))], order)
        decoded = decode(probs, order)
        exact = _exact_rows(rows)
        assigned = {r for r in decoded if r != NONE}
        hits = []
        for i, c in enumerate(cands):
            row, p = decoded[i], probs[i]
            kw = exact.get(c.key) or exact.get(strip_enumerator(c.key))
            if kw and kw != row and kw not in assigned:
                hits.append(self._hit(c, kw, p.get(kw, 0.0)))
                assigned.add(kw)
                continue
            if row != NONE:
                hits.append(self._hit(c, row, p[row]))
                continue
            best = max(order, key=lambda r: p.get(r, 0.0))
            if best not in assigned and p.get(best, 0.0) >= MIN_OUT_OF_ORDER_PROB:
                hits.append(self._hit(c, best, min(p[best], OUT_OF_ORDER_SCORE)))
                assigned.add(best)
        return sorted(hits, key=lambda h: (h.token, h.offset))

    @staticmethod
    def _hit(c, row: str, score: float) -> Hit:
        return Hit(row, c.token, c.last_token, c.index, round(min(1.0, score), 4), c.key)
