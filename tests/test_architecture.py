"""The structure the code keeps: the arrows point one way (admin -> reprisal_intake -> crypto), no
import cycle, no reach into another module's private names, test helpers in tests/support/, and the
intake never holds a secret key."""

from __future__ import annotations

import ast
import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from nacl.public import PrivateKey

from tests.factories import make_reviewer
from tests.support.intake import submit

ROOT = Path(__file__).resolve().parent.parent
STDLIB = set(sys.stdlib_module_names)
PACKAGES = ("admin", "reprisal_intake", "crypto")
# crypto may use the standard library, PyNaCl, and ML-KEM from `cryptography` (for X-Wing), no more.
CRYPTO_MAY_IMPORT = {"nacl", "crypto"}
CRYPTO_MAY_IMPORT_MODULES = {
    "cryptography.hazmat.primitives.asymmetric.mlkem",
    "cryptography.exceptions",  # to say plainly that this OpenSSL build lacks ML-KEM
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def python_files(*packages: str) -> Iterator[Path]:
    for package in packages:
        yield from sorted((ROOT / package).rglob("*.py"))


def imports(path: Path) -> Iterator[tuple[str, str | None, ast.AST]]:
    """Every import in ``path``, at any depth (function-level too), as (module, name, node):
    ``import a.b`` gives ("a.b", None); ``from .x import y`` gives (absolute x, "y")."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            for alias in node.names:
                yield module, alias.name, node


def imported_modules(package: str) -> dict[str, set[str]]:
    """The full module names each file of ``package`` imports."""
    return {
        str(path.relative_to(ROOT)): {module for module, _name, _node in imports(path)}
        for path in python_files(package)
    }


def top_level(modules: set[str]) -> set[str]:
    return {module.split(".")[0] for module in modules}


def import_graph() -> dict[str, set[str]]:
    """Module -> the first-party modules it imports (``from p import m`` points at p.m when m is a
    module, else at p). A package's ``__init__`` run on the way to a submodule is not counted: only
    what a module names."""
    paths = {module_name(path): path for path in python_files(*PACKAGES)}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        edges: set[str] = set()
        for module, imported, _node in imports(path):
            if imported is not None and f"{module}.{imported}" in paths:
                edges.add(f"{module}.{imported}")
            elif module in paths:
                edges.add(module)
        edges.discard(name)
        graph[name] = edges
    return graph


def strongly_connected_components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively (the graph is small, but recursion depth is not ours to pick)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
    return components


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


def test_crypto_needs_only_the_standard_library_pynacl_and_ml_kem() -> None:
    for path, modules in imported_modules("crypto").items():
        outside = {
            module
            for module in modules
            if module.split(".")[0] not in STDLIB | CRYPTO_MAY_IMPORT
            and module not in CRYPTO_MAY_IMPORT_MODULES
            # kyber-py (a test dependency), only for X-Wing's derandomized encapsulation (vectors).
            and not (path == "crypto/xwing.py" and module.startswith("kyber_py."))
        }
        assert not outside, f"{path} imports {outside}"


def test_reprisal_intake_never_imports_admin() -> None:
    for path, modules in imported_modules("reprisal_intake").items():
        assert "admin" not in top_level(modules), path


def test_admin_never_imports_the_intake_app() -> None:
    """The reviewers' process shares the models and rules, never the public app's views or upload
    code: reprisal_intake.intake is the intake's own package."""
    for path, modules in imported_modules("admin").items():
        intake = {
            m
            for m in modules
            if m == "reprisal_intake.intake" or m.startswith("reprisal_intake.intake.")
        }
        assert not intake, f"{path} imports {intake}"


def test_no_import_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 100  # every module of the three packages was read
    cycles = [c for c in strongly_connected_components(graph) if len(c) > 1]
    assert cycles == [], f"modules that import each other, directly or around a loop: {cycles}"


def test_no_private_name_crosses_a_module() -> None:
    """``from x import _y`` and ``x._y`` with ``x`` a first-party module are reaches into x's
    internals: make the name public where it is shared, or keep it where it is used."""
    problems = []
    for path in python_files(*PACKAGES, "tests", "bench"):
        tree = ast.parse(path.read_text(), str(path))
        module_aliases: set[str] = set()
        for module, name, node in imports(path):
            first_party = module.split(".")[0] in {*PACKAGES, "tests"}
            if not first_party:
                continue
            if name is not None and name.startswith("_") and not name.startswith("__"):
                problems.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {module}.{name}")
            for alias in node.names:  # type: ignore[attr-defined]
                if alias.name == (name or module):
                    module_aliases.add(alias.asname or alias.name.split(".")[0])
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in module_aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                problems.append(
                    f"{path.relative_to(ROOT)}:{node.lineno} uses {node.value.id}.{node.attr}"
                )
    assert problems == []


def test_no_file_points_outside_the_repository_for_the_documents() -> None:
    """The normative documents are in docs/; nothing may send a reader to the old sibling folder."""
    old = "../" + "shared"
    files = (
        subprocess.run(["git", "ls-files", "-z"], capture_output=True, cwd=ROOT, check=True)
        .stdout.decode()
        .split("\0")
    )
    found = []
    for name in filter(None, files):
        path = ROOT / name
        if not path.is_file():
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        if old in text:
            found.append(name)
    assert found == []


def test_test_modules_import_helpers_only_from_tests_support() -> None:
    """A test module never imports another test module (nor a conftest): shared helpers live in
    tests/support/ or tests/factories.py."""
    problems = []
    for path in python_files("tests"):
        for module, name, node in imports(path):
            if module.split(".")[0] != "tests":
                continue
            target = f"{module}.{name}" if name else module
            if not (
                module in {"tests.support", "tests.factories"}
                or module.startswith("tests.support.")
                or target.startswith("tests.support.")
            ):
                problems.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {target}")
    assert problems == []


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


def test_a_running_admin_app_has_not_loaded_the_intake_app() -> None:
    script = (
        "import sys\n"
        "from admin import create_app\n"
        "from admin.cli import cli\n"
        "app = create_app()\n"
        "from reprisal_intake import schema\n"
        "from reprisal_intake.db import get_db\n"
        "with app.app_context():\n"
        "    schema.upgrade(get_db().bind)\n"
        "assert app.test_client().get('/signin').status_code == 200\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('reprisal_intake.intake'))\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_no_secret_key_outlives_a_submission(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    gc.collect()
    before = {id(o) for o in gc.get_objects() if isinstance(o, PrivateKey)}
    assert submit(client).status_code == 200
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, PrivateKey) and id(o) not in before]
    assert alive == [], "the case key or the submitter key is still reachable after the request"
