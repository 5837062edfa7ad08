"""An attacker's arithmetic on a statistics export, written without the export's code: the relations
anyone can see between its figures, and a search for a second set of counts that fits everything
published. A hidden count with no such second set could be worked out from the rest."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import product

Key = tuple[str, str]
TOTAL = "total"
NOT_KNOWN = "not_known"
# Tables whose rows split a total (the reports' categories are exclusive), and totals that are the
# sum of some rows of a table.
SPLITS = {
    "by_month": "cases",
    "by_status": "cases",
    "by_state": "coded",
    "by_setting": "coded",
    "by_victim_type": "coded",
    "by_age_band": "coded",
    "replies_by_grade": "state_measures_sent",
}
SUMS = {"state_replies": ("replies_by_grade", ("A", "B", "C", "E"))}


def equations(keys: set[Key]) -> list[tuple[list[Key], Key]]:
    found = []
    for figure, total in SPLITS.items():
        parts = sorted(k for k in keys if k[0] == figure)
        if parts and (TOTAL, total) in keys:  # a table the export leaves out says nothing
            found.append((parts, (TOTAL, total)))
    for total, (figure, codes) in SUMS.items():
        parts = sorted(k for k in keys if k[0] == figure and k[1] in codes)
        if (TOTAL, total) in keys:
            found.append((parts, (TOTAL, total)))
    return found


def floor(key: Key) -> int:
    return 0 if key[0] == TOTAL or key[1] == NOT_KNOWN else 1


def fits(values: Mapping[Key, int], relations: list[tuple[list[Key], Key]]) -> bool:
    if any(v < floor(k) for k, v in values.items()):
        return False
    return all(sum(values[p] for p in parts) == values[total] for parts, total in relations)


def _moves(
    target: Key, hidden: list[Key], relations: list[tuple[list[Key], Key]]
) -> list[dict[Key, int]]:
    """Changes of the hidden figures by one person that keep every sum: two figures trading one
    person, or a hidden total growing with one hidden part in each table that splits it."""
    moves: list[dict[Key, int]] = [{target: 1, other: -1} for other in hidden if other != target]
    totals = {target} if target[0] == TOTAL else set()
    totals |= {t for parts, t in relations if target in parts and t in hidden}
    for total in totals:
        splits = [[p for p in parts if p in hidden] for parts, t in relations if t == total]
        for chosen in product(*splits):
            move = {total: 1}
            for part in chosen:
                move[part] = move.get(part, 0) + 1
            if target in move:
                moves.append(move)
    return moves


def _rebalanced(
    values: dict[Key, int], relations: list[tuple[list[Key], Key]], hidden: list[Key]
) -> dict[Key, int]:
    """A hidden total follows its parts (a sum nobody sees may be anything)."""
    for parts, total in relations:
        if total in hidden:
            values[total] = sum(values[p] for p in parts)
    return values


def recoverable(published: Mapping[Key, int | None], truth: Mapping[Key, int]) -> list[Key]:
    """The hidden figures for which no other counts fit what is published (``truth``: what the
    export hid; the search starts there)."""
    relations = equations(set(published))
    hidden = [k for k, v in published.items() if v is None]
    values = {k: (truth[k] if v is None else v) for k, v in published.items()}
    assert fits(values, relations), "the published figures do not fit the true ones"
    stuck = []
    for target in hidden:
        candidates = (
            {k: values[k] + sign * d for k, d in move.items()}
            for move in _moves(target, hidden, relations)
            for sign in (1, -1)
        )
        if not any(
            fits(_rebalanced({**values, **changed}, relations, hidden), relations)
            for changed in candidates
        ):
            stuck.append(target)
    return stuck
