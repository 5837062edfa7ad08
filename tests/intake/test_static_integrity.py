"""Every script tag carries the SRI hash of what the server serves, and the intake refuses to start
when a vendored file differs from static/vendor/MANIFEST.sha256 (issue 14, item 6)."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from reprisal_intake import create_app
from reprisal_intake.static_integrity import IntegrityError
from tests.factories import make_account, make_reviewer
from tests.support.admin import account_page, sign_in

VENDOR = Path(__file__).resolve().parents[2] / "reprisal_intake" / "static" / "vendor"
SCRIPT = re.compile(r"<script\b[^>]*>")


def get_pages(app: Flask) -> list[str]:
    """Every intake page a browser can GET without arguments (English and French)."""
    return sorted(
        rule.rule.replace("<any(ar,en,es,fr,ru,zh):lang>", "fr")
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.endpoint.startswith("intake.")
        and not (set(rule.arguments) - {"lang"})
    )  # fmt: skip


def test_every_script_tag_on_every_page_has_the_hash_of_what_is_served(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    tags = []
    for path in get_pages(app):
        response = client.get(path)
        if response.status_code == 200 and response.mimetype == "text/html":
            tags += SCRIPT.findall(response.get_data(as_text=True))
    assert len(tags) >= 6  # the report page, in both languages
    for tag in tags:
        src = re.search(r'src="([^"]+)"', tag)
        integrity = re.search(r'integrity="sha384-([^"]+)"', tag)
        assert src and integrity, tag
        served = client.get(src.group(1))
        assert served.status_code == 200
        digest = base64.b64encode(hashlib.sha384(served.get_data()).digest()).decode()
        served.close()
        assert integrity.group(1) == digest, src.group(1)


@pytest.fixture
def vendor_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "vendor"
    shutil.copytree(VENDOR, copy)
    return copy


def test_an_untouched_copy_of_the_vendored_files_starts(vendor_copy: Path) -> None:
    create_app({"TESTING": True, "VENDOR_FOLDER": str(vendor_copy)})


@pytest.mark.parametrize("change", ["altered", "unlisted", "missing", "no manifest"])
def test_the_intake_refuses_to_start_when_a_vendored_file_does_not_match(
    vendor_copy: Path, change: str
) -> None:
    wrappers = vendor_copy / "libsodium" / "libsodium-wrappers.js"
    if change == "altered":
        wrappers.write_bytes(wrappers.read_bytes().replace(b"crypto_", b"crypt0_", 1))
    elif change == "unlisted":
        (vendor_copy / "libsodium" / "extra.js").write_text("fetch('https://example.org')")
    elif change == "missing":
        wrappers.unlink()
    else:
        (vendor_copy / "MANIFEST.sha256").unlink()
    with pytest.raises(IntegrityError):
        create_app({"TESTING": True, "VENDOR_FOLDER": str(vendor_copy)})


def test_the_admin_apps_script_tags_carry_the_hash_of_what_is_served(admin_app: Flask) -> None:
    account = make_account(admin_app, "focal_point", mechanisms=("CAT",))
    client = admin_app.test_client()
    sign_in(admin_app, client, account)
    [tag] = SCRIPT.findall(account_page(client))
    src = re.search(r'src="([^"]+)"', tag)
    integrity = re.search(r'integrity="sha384-([^"]+)"', tag)
    assert src and integrity, tag
    served = client.get(src.group(1))
    digest = base64.b64encode(hashlib.sha384(served.get_data()).digest()).decode()
    served.close()
    assert integrity.group(1) == digest
