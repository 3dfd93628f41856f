"""Which of several readings of a row is likeliest, learned from an archive's own values.

When a row's printed digits allow several readings that every sum rule accepts (`1110` over
新制作 / 新公开 / 现行有效 is 1|1|10, 1|11|0 or 11|1|0), the value shown to the reviewer comes
from a prior.  The hand-written one (cells.plausibility) only knows that a row's counts tend to
be of similar size; what an archive's tables really hold (现行有效 in the hundreds, 本年新
制作 a handful; 自然人 far above 商业企业) is learned here: per field, how often its value
falls in each magnitude class (0, 1-9, 10-99, ..., and the negatives), counted over values a
person reviewed or extraction was sure of (`govreport train --from-db`).

The prior only orders readings of values that stay flagged (several readings are never ok,
pipeline/trust.py): it changes which candidate a reviewer sees first, never a status.
The file is JSON (counts only): loading it runs no code.
"""
from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "models" / "value_prior.json"
FORMAT = 1
# how much the learned prior weighs against the hand-written one (decades of spread within a
# row, broken relations): a log-likelihood ratio of 4 per decade of spread; measured on tuning
# seed rptune (bs4_get_text, 15 documents fitted, ambiguous rows of 15 others: 10 of 35 rows
# right with the hand-written prior alone, 21 at weight 1, 28 at 4 and 8, 24 at 100)
WEIGHT = 4.0
SMOOTHING = 1.0  # add-one: a class never seen for a field is unlikely, not impossible
MAX_DECADE = 12


def magnitude(value: float | int) -> str:
    """The magnitude class of a value: "0", "+0" (1-9), "+1" (10-99), ..., "-0", "-1", ...;
    fractions below 1 are "+f" / "-f"."""
    if value == 0:
        return "0"
    sign = "-" if value < 0 else "+"
    size = abs(value)
    return sign + ("f" if size < 1 else str(min(int(math.log10(size)), MAX_DECADE)))


CLASSES = ("0", "+f", "-f") + tuple(f"{s}{d}" for s in "+-" for d in range(MAX_DECADE + 1))


class ValuePriorError(RuntimeError):
    pass


@dataclass
class ValuePrior:
    counts: dict[str, Counter] = field(default_factory=dict)  # field id -> magnitude class -> count

    @classmethod
    def fit(cls, values: Iterable[tuple[str, float | int | None]]) -> "ValuePrior":
        counts: dict[str, Counter] = {}
        for field_id, value in values:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                counts.setdefault(field_id, Counter())[magnitude(value)] += 1
        return cls(counts)

    @property
    def observations(self) -> int:
        return sum(sum(c.values()) for c in self.counts.values())

    def log_likelihood(self, field_id: str, value: float | int | None) -> float:
        """log P(magnitude class | field), add-one smoothed; 0 for an unknown value or field
        (nothing learned: no preference)."""
        seen = self.counts.get(field_id)
        if value is None or not seen:
            return 0.0
        total = sum(seen.values())
        return math.log((seen[magnitude(value)] + SMOOTHING) / (total + SMOOTHING * len(CLASSES)))

    def score(self, field_ids: list[str], values: list) -> float:
        return sum(self.log_likelihood(f, v) for f, v in zip(field_ids, values))

    def to_json(self) -> dict:
        return {"format": FORMAT, "observations": self.observations,
                "counts": {f: dict(sorted(c.items())) for f, c in sorted(self.counts.items())}}

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "ValuePrior":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValuePriorError(f"{path}: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("counts"), dict):
            raise ValuePriorError(f"{path}: not a value prior of format {FORMAT} (govreport train --from-db writes one)")
        try:
            counts = {str(f): Counter({str(k): int(n) for k, n in c.items() if str(k) in CLASSES})
                      for f, c in data["counts"].items()}
        except (AttributeError, TypeError, ValueError) as exc:
            raise ValuePriorError(f"{path}: malformed counts ({exc})") from exc
        return cls(counts)


@lru_cache(maxsize=4)
def _load_cached(path: str, mtime: float) -> ValuePrior:
    return ValuePrior.load(Path(path))


def default_value_prior(path: Path = DEFAULT_PATH) -> ValuePrior | None:
    """The installed prior, or None when there is none (the hand-written prior alone).  A
    broken file raises ValuePriorError."""
    if not path.is_file():
        return None
    return _load_cached(str(path), path.stat().st_mtime)
