"""An attacker's arithmetic on a statistics export, written without the export's code: from the
published counts and relations (as the JSON export gives them), a search for other counts that fit
everything published. A hidden count for which no other fitting counts give another value is given
back; one whose fitting values span less than ``protection`` is narrowed.

The search walks along the null space of the relations over the hidden counts (the changes that
keep every sum): one basis direction or two together, one step at a time, up and then down, each step
followed by up to ``REPAIRS`` single steps that bring the counts it pushed out of bounds back. Every value
it reports as possible is proved by a fitting set of counts (``fits``), so "not given back" is never
a guess; a count reported given back may, in principle, only be beyond the search's reach."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from itertools import combinations
from math import lcm
from typing import Any

Key = tuple[str, str]
TOTAL = "total"
NOT_KNOWN = "not_known"
REPAIRS = 6  # single steps to bring a step back within the floors and bounds
Equation = tuple[Key, tuple[Key, ...]]  # total, parts
Inequality = tuple[Key, Key]  # smaller, larger


# What a reader knows without the export saying it (docs/domain.md, "What gets reported"): tables
# whose rows split a total, and totals that are the sum of some rows of tables.
SPLITS = {
    "by_month": "cases",
    "by_status": "cases",
    "by_state": "coded",
    "by_setting": "coded",
    "by_victim_type": "coded",
    "by_age_band": "coded",
    "replies_by_grade": "state_measures_sent",
    "unsolicited_replies_by_grade": "unsolicited_replies",
}
REPLIED = ("A", "B", "C", "E")
TO_THE_STATE = ("state_letter", "state_meeting", "dialogue", "interim_measures", "state_follow_up")
SUMS = {
    "state_replies": (("replies_by_grade", REPLIED), ("unsolicited_replies_by_grade", REPLIED)),
    "state_measures_sent": (("measures_by_kind", TO_THE_STATE),),
}


def known(keys: set[Key]) -> list[Equation]:
    """The equations a reader knows between ``keys`` (those of one export)."""
    found: list[Equation] = []
    for figure, total in SPLITS.items():
        if (TOTAL, total) in keys:
            found.append(((TOTAL, total), tuple(sorted(k for k in keys if k[0] == figure))))
    for total, tables in SUMS.items():
        if (TOTAL, total) in keys:
            parts = (
                k for k in keys for figure, codes in tables if k[0] == figure and k[1] in codes
            )
            found.append(((TOTAL, total), tuple(sorted(parts))))
    return found


def read(
    document: Mapping[str, Any],
) -> tuple[dict[Key, int | None], list[Equation], list[Inequality]]:
    """The published counts and relations of a JSON export, with the equations the reader knows
    (``known``) whether the export says them or not."""
    published = {(f["figure"], f["code"]): f["count"] for f in document["figures"]}
    equations: list[Equation] = []
    inequalities: list[Inequality] = []
    for relation in document["relations"]:
        if "total" in relation:
            parts = tuple((p["figure"], p["code"]) for p in relation["parts"])
            equations.append(((relation["total"]["figure"], relation["total"]["code"]), parts))
        else:
            inequalities.append(
                (
                    (relation["count"]["figure"], relation["count"]["code"]),
                    (relation["at_most"]["figure"], relation["at_most"]["code"]),
                )
            )
    said = {(total, tuple(sorted(parts))) for total, parts in equations}
    equations += [e for e in known(set(published)) if e not in said]
    return published, equations, inequalities


def floor(key: Key) -> int:
    return 0 if key[0] == TOTAL or key[1] == NOT_KNOWN else 1


def fits(
    values: Mapping[Key, int], equations: Sequence[Equation], inequalities: Sequence[Inequality]
) -> bool:
    if any(v < floor(k) for k, v in values.items()):
        return False
    if any(values[small] > values[large] for small, large in inequalities):
        return False
    return all(sum(values[p] for p in parts) == values[total] for total, parts in equations)


def _null_space(hidden: list[Key], equations: Sequence[Equation]) -> list[dict[Key, int]]:
    """Integer basis of the changes of the hidden counts that keep every equation."""
    column = {k: i for i, k in enumerate(hidden)}
    rows = []
    for total, parts in equations:
        row = [Fraction(0)] * len(hidden)
        for key, sign in [(total, -1), *((p, 1) for p in parts)]:
            if key in column:
                row[column[key]] += sign
        rows.append(row)
    pivots: dict[int, int] = {}  # column -> row
    r = 0
    for c in range(len(hidden)):
        at = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
        if at is None:
            continue
        rows[r], rows[at] = rows[at], rows[r]
        rows[r] = [v / rows[r][c] for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][c] != 0:
                rows[i] = [a - rows[i][c] * b for a, b in zip(rows[i], rows[r], strict=True)]
        pivots[c] = r
        r += 1
    basis = []
    for free in (c for c in range(len(hidden)) if c not in pivots):
        vector = [Fraction(0)] * len(hidden)
        vector[free] = Fraction(1)
        for c, row in pivots.items():
            vector[c] = -rows[row][free]
        scale = lcm(*(v.denominator for v in vector))
        basis.append({hidden[i]: int(v * scale) for i, v in enumerate(vector) if v != 0})
    return basis


def _moved(values: dict[Key, int], step: Mapping[Key, int]) -> dict[Key, int]:
    return {**values, **{k: values[k] + d for k, d in step.items()}}


def _repaired(
    values: dict[Key, int],
    singles: Sequence[dict[Key, int]],
    equations: Sequence[Equation],
    inequalities: Sequence[Inequality],
    depth: int,
    keep: tuple[Key, int],
) -> dict[Key, int] | None:
    """``values`` (which keep every sum) made to fit the floors and bounds by up to ``depth`` more
    single steps that do not move ``keep`` (a count, a direction) back, each moving a count of the first floor or bound broken back within it; None if not."""
    if fits(values, equations, inequalities):
        return values
    if depth == 0:
        return None
    below = next((k for k, v in values.items() if v < floor(k)), None)
    if below is not None:
        ways = [(below, 1)]
    else:
        small, large = next((s, g) for s, g in inequalities if values[s] > values[g])
        ways = [(small, -1), (large, 1)]
    for key, sign in ways:
        for step in singles:
            if step.get(key, 0) * sign > 0 and step.get(keep[0], 0) * keep[1] >= 0:
                found = _repaired(
                    _moved(values, step), singles, equations, inequalities, depth - 1, keep
                )
                if found is not None:
                    return found
    return None


def _climb(
    values: dict[Key, int],
    target: Key,
    sign: int,
    goal: int,
    steps: Sequence[dict[Key, int]],
    singles: Sequence[dict[Key, int]],
    equations: Sequence[Equation],
    inequalities: Sequence[Inequality],
) -> dict[Key, int]:
    """Move ``target`` in the direction ``sign`` one step at a time (repaired by up to
    ``REPAIRS`` single steps) until it reaches ``goal`` or no step moves it further."""
    moving = [step for step in steps if step.get(target, 0) * sign > 0]
    while (values[target] - goal) * sign < 0:
        for step in moving:
            changed = _repaired(
                _moved(values, step), singles, equations, inequalities, REPAIRS, (target, sign)
            )
            if changed is not None and (changed[target] - values[target]) * sign > 0:
                values = changed
                break
        else:
            return values
    return values


def possible_values(
    published: Mapping[Key, int | None],
    truth: Mapping[Key, int],
    equations: Sequence[Equation],
    inequalities: Sequence[Inequality],
    protection: int = 1,
) -> dict[Key, set[int]]:
    """For each hidden count, values shown possible by counts that fit everything published: from
    the true counts, steps along the null space (one basis direction, or two together), up and then
    down, until the values found span ``protection`` or no step goes further."""
    hidden = sorted(k for k, v in published.items() if v is None)
    values = {k: (truth[k] if v is None else v) for k, v in published.items()}
    assert fits(values, equations, inequalities), "the relations do not hold for the true counts"
    basis = _null_space(hidden, equations)
    steps = [{k: s * v for k, v in b.items()} for b in basis for s in (1, -1)]
    steps += [
        {k: s * a.get(k, 0) + t * b.get(k, 0) for k in a.keys() | b.keys()}
        for a, b in combinations(basis, 2)
        for s in (1, -1)
        for t in (1, -1)
    ]
    singles = steps[: 2 * len(basis)]
    found: dict[Key, set[int]] = {}
    for target in hidden:
        start = values[target]
        up = _climb(values, target, 1, start + protection, steps, singles, equations, inequalities)
        down = _climb(
            values, target, -1, up[target] - protection, steps, singles, equations, inequalities
        )
        found[target] = {start, up[target], down[target]}
    return found


def recoverable(
    published: Mapping[Key, int | None],
    truth: Mapping[Key, int],
    equations: Sequence[Equation],
    inequalities: Sequence[Inequality] = (),
    protection: int = 1,
) -> list[Key]:
    """The hidden counts whose possible values (as far as the search shows) span less than
    ``protection`` (1: only one value, given back exactly)."""
    found = possible_values(published, truth, equations, inequalities, protection)
    return sorted(k for k, seen in found.items() if max(seen) - min(seen) < protection)
