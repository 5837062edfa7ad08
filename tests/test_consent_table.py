"""The table of outward actions and the scopes they disclose under is the same in the code and in
docs/domain.md (issue 15), and every measure kind is in it."""

from __future__ import annotations

import re
from pathlib import Path

from admin.vocabulary import MEASURE_KINDS
from reprisal_intake import domain
from reprisal_intake.consents import OUTWARD_ACTIONS, SHARE_ACTIONS

DOMAIN = Path(__file__).resolve().parents[1] / "docs" / "domain.md"
ROW = re.compile(r"^\| (\w+) \| (named|anonymised|-) \| ([^|]+) \|$")


def documented() -> dict[str, dict[str | None, tuple[str, ...]]]:
    text = DOMAIN.read_text().split("### Outward actions", 1)[1].split("###", 1)[0]
    table: dict[str, dict[str | None, tuple[str, ...]]] = {}
    for line in text.splitlines():
        found = ROW.match(line.strip())
        if found is None:
            continue
        action, variant, scopes = found.groups()
        names = tuple(re.findall(r"[a-z_]+", re.sub(r"\([^)]*\)", "", scopes)))
        table.setdefault(action, {})[None if variant == "-" else variant] = names
    return table


def test_the_documented_table_is_the_code_table() -> None:
    assert documented() == OUTWARD_ACTIONS


def test_every_measure_kind_and_sharing_are_in_the_table() -> None:
    assert {k.code for k in MEASURE_KINDS} | set(SHARE_ACTIONS) == set(OUTWARD_ACTIONS)


def test_every_scope_in_the_table_is_a_consent_scope() -> None:
    scopes = {code for code, _label in domain.CONSENT_SCOPES}
    for variants in OUTWARD_ACTIONS.values():
        for needed in variants.values():
            assert set(needed) <= scopes
