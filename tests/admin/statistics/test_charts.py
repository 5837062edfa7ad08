"""The dashboard's charts count cases: whole-number ticks on the value axis (no 0.1, 0.2, ...), labels
short enough not to run into the bars (turned when many months stand side by side), bars not squeezed."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest

from admin.statistics.charts import LABEL_CHARACTERS, MAX_BARS, MAX_TICKS, count_ticks, render
from admin.statistics.tables import Row, Table

SVG = "{http://www.w3.org/2000/svg}"
LONG_NAME = "Bolivarian Republic of Venezuela (the)"


def states(*counts: int) -> Table:
    names = [LONG_NAME, "Belarus", "China", "Egypt", "Nicaragua", "Saudi Arabia"]
    rows = [Row(f"s{i}", names[i % len(names)], count) for i, count in enumerate(counts)]
    return Table("cases_by_state", "Cases by State", "State", rows)


def months(*counts: int) -> Table:
    rows = [Row(f"2026-{i + 1:02d}", f"2026-{i + 1:02d}", n) for i, n in enumerate(counts)]
    return Table("cases_by_month", "Cases by month", "Month", rows, "month")


def svg_of(table: Table) -> ET.Element:
    return ET.fromstring(str(render(table).svg))


def axis_labels(svg: ET.Element, axis: str) -> list[str]:
    group = next(
        g for g in svg.iter(f"{SVG}g") if (g.get("class") or "").startswith(f"axis {axis}")
    )
    return [t.text or "" for t in group.iter(f"{SVG}text") if "value" not in (t.get("class") or "")]


def value_axis(table: Table) -> str:
    return "y" if table.kind == "month" else "x"  # horizontal bars: the counts run across


TABLES = [
    states(1),
    states(1, 1),
    states(2, 1),
    states(7, 3, 1),
    states(13, 5, 2, 1),
    states(240, 17, 3),
    months(1, 0, 2),
    months(3, 1, 0, 2, 1, 1, 0, 4, 1, 2, 0, 1),
]


@pytest.mark.parametrize("table", TABLES, ids=lambda t: f"{t.kind}-{[r.count for r in t.rows]}")
def test_the_count_axis_has_whole_number_ticks_from_zero_past_the_largest(table: Table) -> None:
    ticks = axis_labels(svg_of(table), value_axis(table))
    assert ticks, "no tick labels on the count axis"
    assert all(tick.isdigit() for tick in ticks), ticks
    numbers = sorted(int(tick) for tick in ticks)
    assert numbers[0] == 0 and numbers[-1] >= max(row.count for row in table.rows)
    assert len(numbers) <= MAX_TICKS
    steps = {b - a for a, b in itertools.pairwise(numbers)}
    assert len(steps) == 1, numbers


@pytest.mark.parametrize("largest", [0, 1, 2, 3, 5, 6, 9, 10, 11, 19, 50, 99, 101, 999, 12345])
def test_count_ticks_are_few_even_and_whole(largest: int) -> None:
    ticks = count_ticks(largest)
    assert ticks[0] == 0 and ticks[-1] >= largest and len(ticks) <= MAX_TICKS
    step = ticks[1] - ticks[0]
    assert step >= 1 and str(step).strip("0") in {"1", "2", "5"}
    assert ticks == list(range(0, ticks[-1] + 1, step))


def test_a_long_category_name_is_cut_in_the_chart_and_whole_in_the_data() -> None:
    labels = axis_labels(svg_of(states(3, 1)), "y")
    assert max(len(label) for label in labels) <= LABEL_CHARACTERS
    assert any(label.startswith("Bolivarian") and label.endswith("…") for label in labels)


def test_many_months_have_turned_labels_and_a_few_stand_upright() -> None:
    def turned(table: Table) -> list[bool]:
        group = next(
            g for g in svg_of(table).iter(f"{SVG}g") if (g.get("class") or "").startswith("axis x")
        )
        return [
            "rotate" in (t.get("transform") or "")
            for t in group.iter(f"{SVG}text")
            if t.text and t.text.startswith("2026")
        ]

    assert set(turned(months(*range(12)))) == {True}
    assert set(turned(months(1, 2, 3))) == {False}


@pytest.mark.parametrize(
    "table", [states(5, 4, 3, 2, 1, 1), months(*([2] * MAX_BARS))], ids=["bars", "months"]
)
def test_bars_are_not_squeezed(table: Table) -> None:
    bars = [r for r in svg_of(table).iter(f"{SVG}rect") if "reactive" in (r.get("class") or "")]
    assert len(bars) == len(table.rows)
    thickness = [float(r.get("height" if table.kind != "month" else "width") or 0) for r in bars]
    assert min(thickness) >= 12, thickness
