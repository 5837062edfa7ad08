"""Write reprisal_intake/data/un_states.json: the States of the UNTERM list (the 193 Member States, the
two observer States and the two non-member States in UNTERM), by ISO 3166-1 alpha-2 code, with their
UN short names in the six official languages.

The source is the OCHA "Countries & Territories Taxonomy" shipped in ``hdx-python-country`` (PyPI,
maintained by OCHA's Humanitarian Data Exchange; its columns "English Short" ... "Arabic Short" are the
UNTERM short names, and "Appears in UNTERM list" says which entries are States). It is a build-time
tool only: the apps read the JSON and never import it. Run in a throwaway virtual environment:

    python3 -m venv /tmp/hdx && /tmp/hdx/bin/pip install hdx-python-country
    /tmp/hdx/bin/python scripts/update_un_state_names.py

Territories (Puerto Rico, Greenland, Hong Kong, Western Sahara, ...) are not States and are left out:
the intake asks for "the State you hold responsible".
"""

from __future__ import annotations

import csv
import json
from importlib import metadata
from pathlib import Path

import hdx.location  # type: ignore[import-not-found]

TAXONOMY = (
    Path(hdx.location.__file__).parent / "Countries & Territories Taxonomy MVP - C&T Taxonomy.csv"
)
OUT = Path(__file__).resolve().parents[1] / "reprisal_intake" / "data" / "un_states.json"
LANGUAGES = {
    "en": "English",
    "fr": "French",
    "es": "Spanish",
    "ru": "Russian",
    "zh": "Chinese",
    "ar": "Arabic",
}


def main() -> None:
    with TAXONOMY.open(encoding="utf-8") as source:
        rows = [r for r in csv.DictReader(source) if r["Appears in UNTERM list"] == "Y"]
    states = sorted(
        (
            {
                "alpha2": r["ISO 3166-1 Alpha 2-Codes"],
                "m49": int(r["m49 numerical code"]),
                "names": {code: r[f"{name} Short"].strip() for code, name in LANGUAGES.items()},
            }
            for r in rows
            if r["Deprecated"] != "Y"
        ),
        key=lambda s: s["alpha2"],
    )
    missing = [s["alpha2"] for s in states if not all(s["names"].values())]
    if missing:
        raise SystemExit(f"names missing for {missing}")
    document = {
        "source": f"hdx-python-country {metadata.version('hdx-python-country')}: OCHA Countries & "
        "Territories Taxonomy, UNTERM short names",
        "states": states,
    }
    OUT.write_text(json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    print(f"Wrote {len(states)} States to {OUT}")


if __name__ == "__main__":
    main()
