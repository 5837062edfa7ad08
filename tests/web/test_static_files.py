"""Static files are sent precompressed (Content-Encoding: gzip) when the browser accepts it, and
every precompressed copy is the current file's."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

STATIC = Path(__file__).resolve().parents[2] / "reprisal_intake" / "static"
COMPRESSED = sorted(STATIC.rglob("*.gz"))


def test_there_are_precompressed_copies_of_the_scripts_and_styles() -> None:
    names = {p.relative_to(STATIC).as_posix() for p in COMPRESSED}
    assert {
        "js/report.js.gz",
        "js/rptenv.js.gz",
        "js/codename.js.gz",
        "css/intake.css.gz",
        "vendor/libsodium/libsodium.js.gz",
    } <= names


@pytest.mark.parametrize("gz", COMPRESSED, ids=lambda p: p.name)
def test_every_precompressed_copy_is_of_the_current_file(gz: Path) -> None:
    source = gz.with_name(gz.name[: -len(".gz")])
    assert gzip.decompress(gz.read_bytes()) == source.read_bytes(), (
        f"{gz.name} is stale: run scripts/compress_static.py"
    )


def test_a_browser_accepting_gzip_gets_the_gzip_copy(app: Flask, client: FlaskClient) -> None:
    response = client.get("/static/js/report.js", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Content-Type"].startswith(
        ("text/javascript", "application/javascript")
    )
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["Cache-Control"].startswith("no-store")
    body = response.get_data()
    response.close()
    assert gzip.decompress(body) == (STATIC / "js" / "report.js").read_bytes()
    assert int(response.headers["Content-Length"]) == len(body)


def test_a_browser_without_gzip_gets_the_file(client: FlaskClient) -> None:
    response = client.get("/static/css/intake.css", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers
    assert response.headers["Content-Type"].startswith("text/css")
    assert response.get_data() == (STATIC / "css" / "intake.css").read_bytes()
    response.close()


def test_no_path_leaves_the_static_folder(client: FlaskClient) -> None:
    assert (
        client.get("/static/../__init__.py", headers={"Accept-Encoding": "gzip"}).status_code == 404
    )
    assert (
        client.get("/static/js/nothing.js", headers={"Accept-Encoding": "gzip"}).status_code == 404
    )
