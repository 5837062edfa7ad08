"""Server-rendered SVG charts (pygal), inline in the page, readable without JavaScript.

pygal draws interactive charts; here every script and tooltip is removed from the tree, so the SVG is
static. Its one ``<style>`` element is allowed by the page's Content-Security-Policy through the
style's SHA-256 hash (``style_hashes``); no script is ever allowed.
"""

from __future__ import annotations

import base64
import hashlib
import sys
from dataclasses import dataclass
from typing import Any

import pygal
from markupsafe import Markup
from pygal.etree import etree
from pygal.style import Style

from admin.statistics.tables import Table

# pygal appends a finder for its map plugins to sys.meta_path that only has the long-deprecated
# find_module, so every later failed import anywhere in the process (redis probing for optional
# packages, say) raises ImportWarning. No map plugin is used here: take the finder out again.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__module__ != "pygal"]

# Dark enough on white for WCAG AA (4.5:1) text and 3:1 graphics.
CHART_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1b1b1b",
    foreground_strong="#1b1b1b",
    foreground_subtle="#595959",
    colors=("#4c2c92",),
    font_family="system-ui, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    value_font_size=12,
    title_font_size=14,
)
SVG = "{http://www.w3.org/2000/svg}"
MAX_BARS = 20
MAX_TICKS = 6  # value-axis labels, 0 included
LABEL_CHARACTERS = 28  # a longer category name is cut with "…" (the table beside it has it whole)
MONTHS_UPRIGHT = 6  # more month columns than this and their labels are turned


def count_ticks(largest: int) -> list[int]:
    """Whole-number ticks for an axis of counts, from 0 past ``largest``: 0, 1, 2 or 0, 5, 10, 15,
    never 0.1 or 2.5 (a count has no fractions), at most ``MAX_TICKS`` of them."""
    top = max(largest, 1)
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            ticks = -(-top // step)  # steps needed to reach ``top``, rounded up
            if ticks + 1 <= MAX_TICKS:
                return list(range(0, ticks * step + 1, step))
        magnitude *= 10


def short_label(label: str) -> str:
    """A category name cut to ``LABEL_CHARACTERS`` with "…", so that labels never run into the bars
    (pygal cuts the labels of a column chart only; the table under the chart has every name whole)."""
    if len(label) <= LABEL_CHARACTERS:
        return label
    return label[: LABEL_CHARACTERS - 1].rstrip() + "…"


@dataclass(frozen=True)
class Chart:
    svg: Markup
    style_hash: str


def _chart(table: Table) -> Any:
    ticks = count_ticks(max((row.count for row in table.rows[:MAX_BARS]), default=0))
    options: dict[str, Any] = {
        "style": CHART_STYLE,
        "disable_xml_declaration": True,
        "js": [],
        "show_legend": False,
        "print_values": True,
        "width": 640,
        "height": max(160, 60 + 28 * min(len(table.rows), MAX_BARS)),
        "margin": 8,
        "truncate_label": LABEL_CHARACTERS,
        "include_x_axis": True,
        # Counts: whole-number ticks only, the axis ending on the last one, values without decimals.
        "y_labels": ticks,
        "range": (0, ticks[-1]),
        "value_formatter": lambda value: f"{value:.0f}",
        "show_minor_y_labels": True,
    }
    if table.kind == "month":
        options["height"] = 280
        if len(table.rows) > MONTHS_UPRIGHT:
            options["x_label_rotation"] = 45
            options["height"] = 320
        return pygal.Bar(**options)
    return pygal.HorizontalBar(**options)


def _static(tree: Any) -> Any:
    """Remove pygal's scripts, tooltips and comments: the chart is a picture, nothing more."""
    for parent in list(tree.iter()):
        for child in list(parent):
            tag = child.tag if isinstance(child.tag, str) else ""
            classes = (child.get("class") or "").split() if tag else []
            if not tag or tag.endswith("script") or "tooltip" in classes:
                parent.remove(child)
    for element in tree.iter():
        if isinstance(element.tag, str) and "style" in element.attrib:
            del element.attrib["style"]
    return tree


def render(table: Table) -> Chart:
    """The table as an inline SVG picture; the table itself stays on the page as its text."""
    chart = _chart(table)
    rows = table.rows[:MAX_BARS]
    labels = [short_label(row.label) for row in rows]
    values = [row.count for row in rows]
    if table.kind != "month":  # largest at the top of a horizontal bar chart
        labels.reverse()
        values.reverse()
    chart.x_labels = labels
    chart.add(table.category, values)
    tree = _static(chart.render_tree())
    tree.set("role", "img")
    tree.set("aria-label", table.title)
    tree.set("focusable", "false")
    style = tree.find(f"{SVG}defs/{SVG}style")
    if style is None:
        style = tree.find("defs/style")
    css = style.text if style is not None and style.text else ""
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode()
    svg = etree.tostring(tree, encoding="unicode")
    return Chart(Markup(svg), f"'sha256-{digest}'")  # noqa: S704 - built by pygal from escaped text
