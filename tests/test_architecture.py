"""The arrows point one way (admin -> reprisal_intake -> crypto) and the intake never holds a secret key."""

from __future__ import annotations

import ast
import gc
import subprocess
import sys
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from nacl.public import PrivateKey

from tests.factories import make_reviewer

ROOT = Path(__file__).resolve().parent.parent
STDLIB = set(sys.stdlib_module_names)


def imported_modules(package: str) -> dict[str, set[str]]:
    """Top-level module names each file of ``package`` imports (absolute imports only)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def referenced_names(package: str) -> set[str]:
    names: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.alias):
                names.add(node.name.split(".")[-1])
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
    return names


def test_crypto_needs_only_the_standard_library_pynacl_and_cryptographys_mlkem() -> None:
    # kyber-py (a test dependency) only for X-Wing's derandomized encapsulation (test vectors).
    for path, modules in imported_modules("crypto").items():
        allowed = {"nacl", "crypto", "cryptography"}
        if path == "crypto/xwing.py":
            allowed.add("kyber_py")
        outside = modules - STDLIB - allowed
        assert not outside, f"{path} imports {outside}"


def test_reprisal_intake_never_imports_admin() -> None:
    for path, modules in imported_modules("reprisal_intake").items():
        assert "admin" not in modules, path


def test_the_intake_code_never_opens_a_sealed_key() -> None:
    names = referenced_names("reprisal_intake")
    for forbidden in ("open_case_key", "load_key_file", "unwrap_secret_key", "open_bundle"):
        assert forbidden not in names, forbidden


def test_a_running_intake_has_not_loaded_the_admin_package() -> None:
    script = (
        "import sys\n"
        "from reprisal_intake import create_app, schema\n"
        "from reprisal_intake.db import get_db\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    schema.upgrade(get_db().bind)\n"
        "assert app.test_client().get('/report').status_code == 200\n"
        "loaded = sorted(m for m in sys.modules if m == 'admin' or m.startswith('admin.'))\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_no_secret_key_outlives_a_submission(app: Flask, client: FlaskClient) -> None:
    from tests.intake.test_submit import submit

    make_reviewer(app, "CAT")
    gc.collect()
    before = {id(o) for o in gc.get_objects() if isinstance(o, PrivateKey)}
    assert submit(client).status_code == 200
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, PrivateKey) and id(o) not in before]
    assert alive == [], "the case key or the submitter key is still reachable after the request"
