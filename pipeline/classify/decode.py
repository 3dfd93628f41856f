"""Joint decoding of a section: candidate probabilities -> rows in template order.

Rows are printed in template order, so the decoder picks the assignment of
candidates to rows (each row at most once, row order strictly increasing along the
candidates, any candidate may be `none`) that maximises the summed log-probability.
A weak candidate is thus settled by its neighbours, and a row that is not printed
stays unassigned: giving its slot to a neighbour's candidate would cost that
candidate's own (high) probability.
"""
from __future__ import annotations

import math
from functools import lru_cache

NONE = "none"
_FLOOR = 1e-6  # a calibrated 0 must not make a path impossible


def _log(p: float) -> float:
    return math.log(max(p, _FLOOR))


def decode(probs: list[dict[str, float]], order: list[str]) -> list[str]:
    """Best monotone labelling: one entry per candidate, a row id from `order` or NONE."""
    m = len(order)
    neg = -math.inf
    # best[j]: best score so far with the last assigned row order[j-1] (j=0: none assigned yet)
    best = [0.0] + [neg] * m
    back: list[list[tuple[int, str]]] = []
    for p in probs:
        new = [neg] * (m + 1)
        ptr: list[tuple[int, str]] = [(-1, NONE)] * (m + 1)
        stay = _log(p.get(NONE, 0.0))
        for j in range(m + 1):
            if best[j] > neg:
                new[j], ptr[j] = best[j] + stay, (j, NONE)
        run_max, run_arg = neg, -1  # best over j' < k, maintained as k grows
        for k, (row, prob) in enumerate(zip(order, [p.get(r, 0.0) for r in order]), 1):
            if best[k - 1] > run_max:
                run_max, run_arg = best[k - 1], k - 1
            if run_max > neg:
                score = run_max + math.log(_FLOOR if _FLOOR > prob else prob)  # _log, inlined
                if score > new[k]:
                    new[k], ptr[k] = score, (run_arg, row)
        back.append(ptr)
        best = new
    j = max(range(m + 1), key=lambda k: best[k])
    labels: list[str] = []
    for ptr in reversed(back):
        prev, label = ptr[j]
        labels.append(label)
        j = prev
    return labels[::-1]


def row_order(table_id: str) -> list[str]:
    """Row ids of every template version merged into one printed order (2019's single
    （六）其他处理 row and 2021's three sub-rows sit side by side: never both printed)."""
    return list(_row_order(table_id))


@lru_cache(maxsize=None)
def _row_order(table_id: str) -> tuple[str, ...]:  # the templates are fixed data: once per table
    from ..schema import all_templates

    order: list[str] = []
    for template in all_templates():
        rows = [r.id for r in template.table(table_id).rows]
        for k, row in enumerate(rows):
            if row in order:
                continue
            before = [r for r in rows[:k] if r in order]
            order.insert(order.index(before[-1]) + 1 if before else 0, row)
    return tuple(order)
