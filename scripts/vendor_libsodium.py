#!/usr/bin/env python3
"""Copy libsodium.js from node_modules into reprisal_intake/static/vendor and rewrite the manifest.

Why two files: since 0.8 the npm packages no longer ship the single-file `dist/browsers/sodium.js`.
`libsodium` (dist/modules/libsodium.js) is libsodium compiled by Emscripten, holding BOTH the
WebAssembly build (embedded as base64, never fetched) and a pure-JavaScript (wasm2js) build that is
used when WebAssembly is missing or refused (Tor Browser "Safer", a CSP without 'wasm-unsafe-eval').
`libsodium-wrappers` (dist/modules/libsodium-wrappers.js) is the high-level API. Both are UMD:
loaded by plain <script src> in this order they define the globals `libsodium` and then `sodium`.
The files are copied byte for byte; MANIFEST.sha256 pins them and tests/js/test_vendored_manifest.py
checks it.

Upgrade:
    npm install --save-exact --save-dev libsodium-wrappers@X.Y.Z   (or `npm ci` for the pinned one)
    python3 scripts/vendor_libsodium.py
    python3 scripts/vendor_libsodium.py --check      (verify only; exit 1 on any difference)

The libsodium (C library) licence is not in the npm packages. It is taken from the libsodium source
tree that PyNaCl's sdist bundles (src/libsodium/LICENSE), downloaded with pip when the vendored copy
is missing or --refresh-libsodium-license is given, or from --libsodium-license PATH.
Standard library only.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "reprisal_intake" / "static" / "vendor"
TARGET = VENDOR / "libsodium"
MANIFEST = VENDOR / "MANIFEST.sha256"
LOCKFILE = ROOT / "package-lock.json"

# (npm package, path inside the package, file name under static/vendor/libsodium)
FROM_NPM = [
    ("libsodium", "dist/modules/libsodium.js", "libsodium.js"),
    ("libsodium-wrappers", "dist/modules/libsodium-wrappers.js", "libsodium-wrappers.js"),
    ("libsodium-wrappers", "LICENSE", "LICENSE.libsodium.js.txt"),
]
C_LICENSE_NAME = "LICENSE.libsodium.txt"
PYNACL_SDIST = "pynacl==1.6.2"  # bundles the libsodium source tree, with its LICENSE
SOURCE_NAME = "SOURCE.txt"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_text(vendor: Path) -> str:
    """sha256sum format, paths relative to static/vendor, every file except the manifest."""
    lines = []
    for path in sorted(p for p in vendor.rglob("*") if p.is_file()):
        rel = path.relative_to(vendor).as_posix()
        if rel == MANIFEST.name:
            continue
        lines.append(f"{sha256_file(path)}  {rel}\n")
    return "".join(lines)


def locked_packages() -> dict[str, dict[str, str]]:
    lock = json.loads(LOCKFILE.read_text(encoding="utf-8"))
    result = {}
    for name in {name for name, _, _ in FROM_NPM}:
        entry = lock["packages"].get(f"node_modules/{name}")
        if entry is None:
            sys.exit(f"{name} is not in package-lock.json; run npm install first")
        installed = json.loads((NODE_MODULES / name / "package.json").read_text(encoding="utf-8"))
        if installed["version"] != entry["version"]:
            sys.exit(
                f"node_modules/{name} is {installed['version']} but the lockfile pins "
                f"{entry['version']}; run `npm ci`"
            )
        result[name] = {"version": entry["version"], "integrity": entry.get("integrity", "")}
    return result


def fetch_c_license(dest: Path) -> str:
    """Extract src/libsodium/LICENSE from PyNaCl's sdist (downloaded with pip)."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(  # noqa: S603 - fixed arguments, this interpreter's pip
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                "--dest",
                tmp,
                PYNACL_SDIST,
            ],
            check=True,
        )
        (sdist,) = Path(tmp).glob("*.tar.gz")
        with tarfile.open(sdist) as archive:
            member = next(
                m for m in archive.getmembers() if m.name.endswith("/src/libsodium/LICENSE")
            )
            handle = archive.extractfile(member)
            assert handle is not None
            dest.write_bytes(handle.read())
        return f"{PYNACL_SDIST} sdist, {member.name}"


def source_text(packages: dict[str, dict[str, str]], c_license_origin: str) -> str:
    lines = [
        "Provenance of the files in this folder (written by scripts/vendor_libsodium.py).\n",
        "Copied byte for byte; load libsodium.js, then libsodium-wrappers.js, by <script src>.\n\n",
    ]
    for package, inner, name in FROM_NPM:
        info = packages[package]
        lines.append(
            f"{name}: npm {package}@{info['version']} {inner} (tarball {info['integrity']})\n"
        )
    lines.append(
        f"{C_LICENSE_NAME}: licence of libsodium (the C library), from {c_license_origin}\n"
    )
    return "".join(lines)


def build(staging: Path, args: argparse.Namespace) -> None:
    """Write the complete vendor tree for libsodium into `staging` (a copy of static/vendor)."""
    packages = locked_packages()
    target = staging / "libsodium"
    old_c_license = TARGET / C_LICENSE_NAME
    old_source = TARGET / SOURCE_NAME
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for package, inner, name in FROM_NPM:
        shutil.copyfile(NODE_MODULES / package / inner, target / name)
        # A gzip copy beside each, sent with Content-Encoding: gzip (scripts/compress_static.py).
        data = (target / name).read_bytes()
        (target / f"{name}.gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))

    c_license = target / C_LICENSE_NAME
    if args.libsodium_license:
        shutil.copyfile(args.libsodium_license, c_license)
        origin = f"{args.libsodium_license} (given on the command line)"
    elif old_c_license.exists() and not args.refresh_libsodium_license:
        shutil.copyfile(old_c_license, c_license)
        origin = previous_origin(old_source)
    else:
        origin = fetch_c_license(c_license)
    (target / SOURCE_NAME).write_text(source_text(packages, origin), encoding="utf-8")
    (staging / MANIFEST.name).write_text(manifest_text(staging), encoding="utf-8")


def previous_origin(source: Path) -> str:
    if source.exists():
        for line in source.read_text(encoding="utf-8").splitlines():
            prefix = f"{C_LICENSE_NAME}: licence of libsodium (the C library), from "
            if line.startswith(prefix):
                return line[len(prefix) :]
    return "the previously vendored copy"


def tree(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify only, change nothing")
    parser.add_argument("--libsodium-license", type=Path, help="libsodium's LICENSE file to use")
    parser.add_argument(
        "--refresh-libsodium-license",
        action="store_true",
        help=f"download the C library's licence again (from the {PYNACL_SDIST} sdist)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / "vendor"
        if VENDOR.exists():
            shutil.copytree(VENDOR, staging)
        else:
            staging.mkdir()
        build(staging, args)
        before, after = tree(VENDOR), tree(staging)
        changed = sorted(
            name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
        )
        if args.check:
            for name in changed:
                print(f"differs: {name}")
            print("vendored libsodium is up to date" if not changed else "run without --check")
            return 1 if changed else 0
        if VENDOR.exists():
            shutil.rmtree(VENDOR)
        shutil.copytree(staging, VENDOR)
    for name in changed:
        print(f"updated: {name}")
    print(f"wrote {MANIFEST.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
