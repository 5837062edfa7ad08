"""reprisal-decrypt: the offline reviewer's tool.

    reprisal-decrypt keygen --out KEYFILE [--suite {1,2}] [--passphrase-file F | --unprotected]
    reprisal-decrypt open --key KEYFILE [--passphrase-file F] BUNDLE --out DIR

`keygen` makes a hybrid (suite 2, X-Wing: X25519 + ML-KEM-768) key unless `--suite 1` asks for a
classical X25519 key (docs/spec/rptenv-v2.md); `open` reads key files and bundles of either suite.

It never prints decrypted content or a secret: `keygen` prints only the public key, `open` only
one line per item (id, kind, size). Data is written to a temporary file and renamed into place only
once the whole envelope has verified. Exit status: 0 success, 1 error, 2 usage.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import sys
import tempfile
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

from .bundle import open_bundle
from .envelope import EnvelopeReader
from .errors import RptenvError
from .keyfile import dump_key_file, is_unprotected_key_file, load_key_file
from .keys import CaseKey, generate_hybrid_key, generate_keypair, public_key_to_base64
from .stanzas import SUITE_CLASSICAL, SUITE_HYBRID

__all__ = ["main"]

_MAX_NAME_LENGTH = 120
_RESERVED_NAMES = frozenset({"data", "metadata.json", "report.json"})
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)


class CliError(Exception):
    """An error to report as one line on stderr (exit status 1)."""


def _describe(error: RptenvError) -> str:
    return f"{error} ({type(error).__name__})"


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


# --- passphrases -------------------------------------------------------------------------------


def _read_passphrase_file(path: str) -> str:
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise CliError(f"cannot read passphrase file {path}: {error.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CliError(f"passphrase file {path} is not UTF-8") from None
    passphrase = text.split("\n", 1)[0].removesuffix("\r")
    if not passphrase:
        raise CliError(f"passphrase file {path} has an empty first line")
    return passphrase


def _ask(prompt: str) -> str:
    """A passphrase typed on the terminal. Without a terminal getpass would read it from standard
    input, echoed (or fail on its end); refused instead, with what to do."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", getpass.GetPassWarning)
            return getpass.getpass(prompt)
    except (getpass.GetPassWarning, EOFError):
        raise CliError(
            "there is no terminal to type the passphrase on: put it on the first line of a file "
            "(readable by you only) and give --passphrase-file FILE"
        ) from None


def _ask_new_passphrase() -> str:
    passphrase = _ask("New passphrase: ")
    if not passphrase:
        raise CliError("the passphrase must not be empty")
    if _ask("Repeat the passphrase: ") != passphrase:
        raise CliError("the passphrases do not match")
    return passphrase


# --- files -------------------------------------------------------------------------------------


def _write_new_file(path: Path, data: bytes) -> None:
    """Create `path` with mode 0600 and write `data`; never overwrite an existing file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        raise CliError(f"{path} already exists; refusing to overwrite it") from None
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _safe_file_name(name: object) -> str | None:
    """A harmless file name derived from an attachment's name, or None."""
    if not isinstance(name, str):
        return None
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c if c.isalnum() or c in "._-+() " else "_" for c in name)
    cleaned = cleaned.strip(" .")
    if len(cleaned) > _MAX_NAME_LENGTH:
        stem, dot, suffix = cleaned.rpartition(".")
        if dot and 0 < len(suffix) <= 16:
            cleaned = stem[: _MAX_NAME_LENGTH - len(suffix) - 1] + "." + suffix
        else:
            cleaned = cleaned[:_MAX_NAME_LENGTH]
    if not cleaned or cleaned.casefold() in _RESERVED_NAMES:
        return None
    if cleaned.split(".", 1)[0].upper() in _WINDOWS_DEVICES:
        cleaned = "_" + cleaned
    return cleaned


def _data_file_name(metadata: dict[str, object]) -> str:
    kind = metadata.get("kind")
    if kind == "report":
        return "report.json"
    if kind == "attachment":
        return _safe_file_name(metadata.get("name")) or "data"
    return "data"


def _write_verified(directory: Path, name: str, pieces: Iterable[bytes]) -> int:
    """Stream into a temporary file in `directory`; rename it to `name` only when complete.

    `pieces` raises (a bad envelope) before it ends; then the temporary file is removed.
    """
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".partial-")
    size = 0
    try:
        with os.fdopen(fd, "wb") as file:
            for piece in pieces:
                file.write(piece)
                size += len(piece)
            file.flush()
            os.fsync(file.fileno())
        target = directory / name
        if target.exists():
            raise CliError(f"a file named like this item's data already exists in {directory}")
        os.rename(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return size


def _write_item(out: Path, item_id: str, reader: EnvelopeReader) -> int:
    item_dir = out / item_id
    try:
        item_dir.mkdir(mode=0o700)
    except FileExistsError:
        raise CliError(f"{item_dir} already exists; use an empty output directory") from None
    data_name = _data_file_name(reader.metadata)
    try:
        size = _write_verified(item_dir, data_name, reader.chunks())
        metadata = json.dumps(reader.metadata, indent=2, ensure_ascii=False) + "\n"
        _write_verified(item_dir, "metadata.json", [metadata.encode("utf-8")])
    except BaseException:
        for name in (data_name, "metadata.json"):
            (item_dir / name).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            item_dir.rmdir()
        raise
    return size


# --- commands ----------------------------------------------------------------------------------


def _keygen(args: argparse.Namespace) -> int:
    passphrase: str | None
    if args.unprotected:
        _warn('writing an UNPROTECTED key file ("kdf": "none"); use it for tests only')
        passphrase = None
    elif args.passphrase_file is not None:
        passphrase = _read_passphrase_file(args.passphrase_file)
    else:
        passphrase = _ask_new_passphrase()
    key: CaseKey = generate_hybrid_key() if args.suite == SUITE_HYBRID else generate_keypair()
    text = dump_key_file(key, passphrase)
    _write_new_file(Path(args.out), text.encode("utf-8"))
    print(public_key_to_base64(key.public_key))
    return 0


def _open(args: argparse.Namespace) -> int:
    try:
        key_text = Path(args.key).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CliError(f"key file {args.key} is not UTF-8") from None
    passphrase: str | None
    if is_unprotected_key_file(key_text):
        _warn(f'{args.key} is NOT passphrase-protected ("kdf": "none"; for tests only)')
        passphrase = None
    elif args.passphrase_file is not None:
        passphrase = _read_passphrase_file(args.passphrase_file)
    else:
        passphrase = _ask(f"Passphrase for {args.key}: ")
    key = load_key_file(key_text, passphrase)

    out = Path(args.out)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open_bundle(args.bundle, key) as bundle:
        listed = bundle.manifest["items"]
        assert isinstance(listed, list)  # checked by open_bundle
        done = 0
        try:
            for item, reader in bundle.items():
                size = _write_item(out, str(item["id"]), reader)
                print(f"{item['id']}\t{item['kind']}\t{size} bytes", flush=True)
                done += 1
        except RptenvError as error:
            failed = listed[done]["id"] if done < len(listed) else "?"
            raise CliError(f"item {failed}: {_describe(error)}") from None
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reprisal-decrypt", description="Offline key generation and case bundle decryption."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    keygen = commands.add_parser("keygen", help="create a reviewer key file; print the public key")
    keygen.add_argument("--out", required=True, metavar="KEYFILE", help="key file to create")
    keygen.add_argument(
        "--suite",
        type=int,
        choices=(SUITE_CLASSICAL, SUITE_HYBRID),
        default=SUITE_HYBRID,
        help="2: hybrid post-quantum X-Wing key (default); 1: classical X25519 key",
    )
    protection = keygen.add_mutually_exclusive_group()
    protection.add_argument(
        "--passphrase-file", metavar="F", help="read the passphrase from the first line of F"
    )
    protection.add_argument(
        "--unprotected", action="store_true", help="no passphrase (for tests only)"
    )
    keygen.set_defaults(handler=_keygen)

    open_ = commands.add_parser("open", help="decrypt a case bundle into a directory")
    open_.add_argument("--key", required=True, metavar="KEYFILE", help="your key file")
    open_.add_argument(
        "--passphrase-file", metavar="F", help="read the passphrase from the first line of F"
    )
    open_.add_argument("bundle", metavar="BUNDLE", help="the case bundle (.zip)")
    open_.add_argument("--out", required=True, metavar="DIR", help="output directory")
    open_.set_defaults(handler=_open)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tool; return the exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        status: int = args.handler(args)
    except CliError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except RptenvError as error:
        print(f"error: {_describe(error)}", file=sys.stderr)
        return 1
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        print(f"error: {error.strerror or error}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
