"""The State a person holds responsible is chosen among States only, by their UN official names, in
each of the six languages (reprisal_intake/data/un_states.json, from OCHA's UNTERM taxonomy)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from reprisal_intake.countries import states
from tests.factories import make_reviewer

# No </option>: the form leaves it out (HTML implies it) to stay under its weight budget.
OPTION = re.compile(r'<option(?: selected)? value="([A-Z]{2})">([^<]+)')
TERRITORIES = ("PR", "GL", "HK", "MO", "TW", "EH", "GI", "NC", "PF", "BM", "XK")
# A UN name in each language that CLDR's short names differ from.
UN_NAMES = {
    "": ("RU", "Russian Federation"),
    "/fr": ("CD", "République démocratique du Congo"),
    "/es": ("BO", "Bolivia (Estado Plurinacional de)"),
    "/ru": ("GB", "Соединенное Королевство Великобритании и Северной Ирландии"),
    "/zh": ("RU", "俄罗斯联邦"),
    "/ar": ("RU", "الاتحاد الروسي"),
}


@pytest.mark.parametrize("prefix", list(UN_NAMES))
def test_the_state_question_offers_un_states_by_their_un_names(
    app: Flask, client: FlaskClient, prefix: str
) -> None:
    make_reviewer(app, "CAT")
    page = client.get(f"{prefix}/report").get_data(as_text=True)
    offered = dict(OPTION.findall(page))
    assert len(offered) == len(states()) == 197
    code, name = UN_NAMES[prefix]
    assert offered[code].replace("&#39;", "'") == name
    assert not set(TERRITORIES) & set(offered), "a territory is offered as a State"
    assert {"PS", "VA"} <= set(offered), "the observer States are States"


def test_every_state_has_a_name_in_the_six_languages() -> None:
    for language in ("en", "fr", "es", "ru", "zh", "ar"):
        named = states(language)
        assert len(named) == 197 and all(name.strip() for _code, name in named)
    assert states("de") == states("en"), "a language the UN does not use reads English names"
