"""What a reader can work out about the hidden counts of a statistics export (issue 16): an auditor
over the export's relations, used by the suppression to choose what else to hide and by the export
itself as a last check before anything is written.

The reader knows every published count, every relation between counts (``Relation``: a total is the
sum of its parts; ``Bound``: one count is at most another) and the least each count can be
(``floor``: 1 for a listed row, which is only there because it counts someone; 0 for a total or a
"not known" row). From that:

* **Exact disclosure.** The relations are linear equations; with the published counts put in, what
  is left is a system ``A x = b`` over the hidden counts ``x``. A hidden count ``x_k`` is determined
  by the published ones exactly when the unit vector ``e_k`` is a combination of the rows of ``A``,
  whatever the number of equations and counts the combination takes (a table's total, a second table
  of the same total, the replies' grades ...). ``determined`` finds that by exact Gaussian elimination
  over ``fractions.Fraction`` (no rounding), and says which published counts the combination uses
  (the place to hide a complementary count).
* **Interval disclosure.** Non-negativity and the floors add inequalities: ``x + y = 2`` with both
  listed gives ``x = y = 1`` though the equations alone do not. ``ranges`` propagates bounds through
  the equations, through the bounds (as ``larger - smaller - slack = 0``, slack at least 0) and
  through the combinations elimination gives (in two column orders; ``C + E = 10`` and
  ``C + D + E + awaiting = 12`` give ``D + awaiting = 2``, which neither says alone) until nothing
  changes, rounding to whole counts. The ranges it gives are never narrower than the true ones (each
  step only uses what is certain), so a narrow range it finds is a real disclosure; it may miss a
  narrowing that only linear programming over the whole system would find (no LP solver is a
  dependency; tests/support/disclosure.py searches for counts that prove each range wide).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

Key = tuple[str, str]  # (figure, code): ("total", "cases"), ("by_state", "BY") ...
# Bound propagation stops after this many rounds; what it has found is still certain.
MAX_ROUNDS = 200


@dataclass(frozen=True)
class Relation:
    """``total`` is the sum of ``parts``; ``reason`` says why, in the words of docs/design.md."""

    total: Key
    parts: tuple[Key, ...]
    reason: str

    def terms(self) -> list[tuple[Key, int]]:
        """As an equation ``sum(coefficient * count) == 0``."""
        return [(self.total, -1), *((part, 1) for part in self.parts)]


@dataclass(frozen=True)
class Bound:
    """``smaller`` is never more than ``larger`` (a case counted in a row is one of the cases)."""

    smaller: Key
    larger: Key
    reason: str


@dataclass(frozen=True)
class Range:
    low: int
    high: int | None  # None: no upper limit

    @property
    def width(self) -> float:
        return math.inf if self.high is None else self.high - self.low


Terms = list[tuple[Key, Fraction]]  # sum(coefficient * count) == 0


def _terms(relation: Relation) -> Terms:
    return [(key, Fraction(c)) for key, c in relation.terms()]


def _slack(bound: Bound) -> Key:
    return ("slack", f"{bound.larger}-{bound.smaller}")


def _bound_terms(bound: Bound) -> Terms:
    """``larger - smaller - slack == 0`` with a slack of at least 0."""
    return [
        (bound.larger, Fraction(1)),
        (bound.smaller, Fraction(-1)),
        (_slack(bound), Fraction(-1)),
    ]


@dataclass
class _Echelon:
    hidden: list[Key]
    shown: list[Key]
    rows: list[list[Fraction]]  # hidden columns, then published ones
    pivots: list[tuple[int, int]]  # (row, hidden column)

    def terms(self) -> list[Terms]:
        keys = self.hidden + self.shown
        return [[(keys[i], v) for i, v in enumerate(row) if v != 0] for row in self.rows]


def _echelon(
    values: Mapping[Key, int | None], equations: list[Terms], reverse: bool = False
) -> _Echelon:
    """The equations in reduced row echelon form over the hidden counts (in key order, or the
    reverse), the published ones carried along."""
    hidden = sorted(
        {k for terms in equations for k, _c in terms if values[k] is None}, reverse=reverse
    )
    shown = sorted({k for terms in equations for k, _c in terms if values[k] is not None})
    column = {k: i for i, k in enumerate(hidden + shown)}
    rows = []
    for terms in equations:
        row = [Fraction(0)] * len(column)
        for key, coefficient in terms:
            row[column[key]] += coefficient
        rows.append(row)
    pivot_row = 0
    pivots: list[tuple[int, int]] = []
    for col in range(len(hidden)):
        found = next((r for r in range(pivot_row, len(rows)) if rows[r][col] != 0), None)
        if found is None:
            continue
        rows[pivot_row], rows[found] = rows[found], rows[pivot_row]
        lead = rows[pivot_row][col]
        rows[pivot_row] = [v / lead for v in rows[pivot_row]]
        for r in range(len(rows)):
            if r != pivot_row and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[pivot_row], strict=True)]
        pivots.append((pivot_row, col))
        pivot_row += 1
    return _Echelon(hidden, shown, rows[:pivot_row], pivots)


def determined(
    values: Mapping[Key, int | None], relations: Iterable[Relation]
) -> dict[Key, tuple[Key, ...]]:
    """Every hidden count (value None) that the published counts determine through the relations,
    with the published counts the determining combination uses (sorted)."""
    echelon = _echelon(values, [_terms(r) for r in relations])
    hidden, shown = echelon.hidden, echelon.shown
    # Reduced row echelon form on the hidden columns: x_k is determined iff its pivot row has no
    # other hidden count in it; that row reads x_k + sum(c * published) == 0.
    found_keys: dict[Key, tuple[Key, ...]] = {}
    for r, col in echelon.pivots:
        row = echelon.rows[r]
        if all(row[c] == 0 for c in range(len(hidden)) if c != col):
            uses = tuple(shown[i] for i, v in enumerate(row[len(hidden) :]) if v != 0)
            found_keys[hidden[col]] = uses
    return found_keys


def _scaled(c: Fraction, low: int, high: int | None) -> tuple[Fraction | None, Fraction | None]:
    """The least and most of ``c * count`` for a count from ``low`` to ``high`` (None: no limit)."""
    if c >= 0:
        return c * low, None if high is None else c * high
    return None if high is None else c * high, c * low


def ranges(
    values: Mapping[Key, int | None],
    relations: Iterable[Relation],
    bounds: Iterable[Bound],
    floors: Mapping[Key, int],
) -> dict[Key, Range]:
    """The range each hidden count can be in, given the published counts, the relations, the bounds
    and each count's floor (never narrower than the true range; see the module's note)."""
    bounds = list(bounds)
    given = [_terms(r) for r in relations] + [_bound_terms(b) for b in bounds]
    values = {**values, **{_slack(b): None for b in bounds}}
    # The equations as given, and as combined by elimination in two orders: a bound that only a
    # combination shows (C + E = 10 and C + D + E + awaiting = 12, so D + awaiting = 2).
    equations = given + _echelon(values, given).terms() + _echelon(values, given, True).terms()
    low: dict[Key, int] = {}
    high: dict[Key, int | None] = {}
    for key, value in values.items():
        low[key] = floors.get(key, 0) if value is None else value
        high[key] = None if value is None else value
    for _round in range(MAX_ROUNDS):
        changed = False
        for terms in equations:
            for key, coefficient in terms:
                if values[key] is not None:
                    continue
                # coefficient * key == -(sum of the others): bound the others' sum.
                rest_low: Fraction | None = Fraction(0)
                rest_high: Fraction | None = Fraction(0)
                for other, c in terms:
                    if other != key:
                        least, most = _scaled(-c, low[other], high[other])
                        rest_low = None if rest_low is None or least is None else rest_low + least
                        rest_high = None if rest_high is None or most is None else rest_high + most
                candidates = (rest_low, rest_high) if coefficient > 0 else (rest_high, rest_low)
                new_low = None if candidates[0] is None else candidates[0] / coefficient
                new_high = None if candidates[1] is None else candidates[1] / coefficient
                if new_low is not None and math.ceil(new_low) > low[key]:
                    low[key] = math.ceil(new_low)
                    changed = True
                current = high[key]
                if new_high is not None and (current is None or math.floor(new_high) < current):
                    high[key] = math.floor(new_high)
                    changed = True
        if not changed:
            break
    return {k: Range(low[k], high[k]) for k, v in values.items() if v is None and k[0] != "slack"}
