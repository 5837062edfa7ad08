"""reprisal-decrypt: the offline reviewer's tool.

    reprisal-decrypt keygen --out KEYFILE [--suite {1,2}] [--passphrase-file F | --unprotected]
    reprisal-decrypt open --key KEYFILE [--passphrase-file F] BUNDLE --out DIR
    reprisal-decrypt org-keygen --out ORGKEY [--passphrase-file F | --unprotected]
    reprisal-decrypt sign-reader --org-key ORGKEY --public-key B64 --holder TEXT --role ROLE
        [--mechanism CODE ...] [--not-before DATE] [--not-after DATE] [--suite N] --out RECORD
    reprisal-decrypt revoke-reader --org-key ORGKEY --public-key B64 [--suite N] --out RECORD
    reprisal-decrypt show-record RECORD --org-public-key B64

`keygen` makes a hybrid (suite 2, X-Wing: X25519 + ML-KEM-768) key unless `--suite 1` asks for a
classical X25519 key (docs/spec/rptenv-v2.md); `open` reads key files and bundles of either suite.

It never prints decrypted content or a secret: `keygen` prints only the public key, `open` only
one line per item (id, kind, size). Data is written to a temporary file and renamed into place only
once the whole envelope has verified. Exit status: 0 success, 1 error, 2 usage.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import getpass
import json
import os
import sys
import tempfile
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import nacl.signing

from ._encoding import b64decode_exact, b64encode
from .bundle import open_bundle
from .envelope import EnvelopeReader
from .errors import RptenvError
from .keyfile import dump_key_file, is_unprotected_key_file, load_key_file
from .keys import CaseKey, generate_hybrid_key, generate_keypair, public_key_to_base64
from .orgkey import dump_org_key, is_unprotected_org_key, load_org_key
from .records import (
    ROLES,
    SUITE_PUBLIC_KEY_SIZES,
    ReaderRecord,
    parse_org_public_keys,
    sign_reader,
    sign_revocation,
    verify_record,
)
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


def _passphrase_of(
    key_path: str, unprotected: bool, passphrase_file: str | None, unprotected_use: str
) -> str | None:
    """The passphrase of an existing key file: none (with a warning) for an unprotected one, else
    from --passphrase-file or the terminal."""
    if unprotected:
        _warn(f'{key_path} is NOT passphrase-protected ("kdf": "none"; {unprotected_use})')
        return None
    if passphrase_file is not None:
        return _read_passphrase_file(passphrase_file)
    return _ask(f"Passphrase for {key_path}: ")


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
    unprotected = is_unprotected_key_file(key_text)
    passphrase = _passphrase_of(args.key, unprotected, args.passphrase_file, "for tests only")
    key = load_key_file(key_text, passphrase)

    out = Path(args.out)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open_bundle(args.bundle, key) as bundle:
        if not bundle.authenticated:
            _warn(
                f"bundle version {bundle.version}: its manifest is NOT authenticated; the items "
                "are, but an item may have been left out or a routing field changed"
            )
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


def _org_keygen(args: argparse.Namespace) -> int:
    passphrase: str | None
    if args.unprotected:
        _warn('writing an UNPROTECTED organisation key ("kdf": "none"); for a local trial only')
        passphrase = None
    elif args.passphrase_file is not None:
        passphrase = _read_passphrase_file(args.passphrase_file)
    else:
        passphrase = _ask_new_passphrase()
    key = nacl.signing.SigningKey.generate()
    _write_new_file(Path(args.out), dump_org_key(key, passphrase).encode("utf-8"))
    print(b64encode(bytes(key.verify_key)))
    return 0


def _load_org_key(args: argparse.Namespace) -> nacl.signing.SigningKey:
    try:
        text = Path(args.org_key).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CliError(f"key file {args.org_key} is not UTF-8") from None
    unprotected = is_unprotected_org_key(text)
    passphrase = _passphrase_of(args.org_key, unprotected, args.passphrase_file, "local trial only")
    return load_org_key(text, passphrase)


def _date_argument(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _describe_record(record: object) -> str:
    if isinstance(record, ReaderRecord):
        mechanisms = ",".join(record.mechanisms) or "every mechanism"
        return (
            f"reader {record.id}: {record.holder!r}, {record.role} for {mechanisms}, "
            f"suite {record.suite}, valid {record.not_before} to {record.not_after}, "
            f"key {b64encode(record.public_key)}"
        )
    assert hasattr(record, "public_key")
    return f"revocation of key {b64encode(record.public_key)}"


def _suite_of_key(public_key: bytes) -> int:
    """The suite of a public key by its length (32 bytes X25519, 1216 bytes X-Wing)."""
    for suite, size in SUITE_PUBLIC_KEY_SIZES.items():
        if len(public_key) == size:
            return suite
    raise CliError(f"a {len(public_key)}-byte public key: pass its --suite")


def _sign_reader(args: argparse.Namespace) -> int:
    public_key = b64decode_exact(args.public_key, None, "--public-key")
    suite = args.suite or _suite_of_key(public_key)
    not_before = args.not_before or datetime.datetime.now(datetime.UTC).date()
    not_after = args.not_after or not_before + datetime.timedelta(days=365)
    if args.role == "focal_point" and not args.mechanisms:
        raise CliError("a focal point's record needs --mechanism CODE")
    key = _load_org_key(args)
    text = sign_reader(
        key,
        public_key=public_key,
        holder=args.holder,
        role=args.role,
        mechanisms=args.mechanisms,
        not_before=not_before,
        not_after=not_after,
        suite=suite,
    )
    _write_new_file(Path(args.out), text.encode("utf-8"))
    print(_describe_record(verify_record(text, [bytes(key.verify_key)])))
    return 0


def _revoke_reader(args: argparse.Namespace) -> int:
    public_key = b64decode_exact(args.public_key, None, "--public-key")
    suite = args.suite or _suite_of_key(public_key)
    key = _load_org_key(args)
    text = sign_revocation(key, public_key=public_key, suite=suite)
    _write_new_file(Path(args.out), text.encode("utf-8"))
    print(_describe_record(verify_record(text, [bytes(key.verify_key)])))
    return 0


def _show_record(args: argparse.Namespace) -> int:
    text = Path(args.record).read_bytes()
    print(_describe_record(verify_record(text, parse_org_public_keys(args.org_public_key))))
    return 0


def _add_passphrase_options(command: argparse.ArgumentParser, unprotected: bool) -> None:
    group = command.add_mutually_exclusive_group()
    group.add_argument(
        "--passphrase-file", metavar="F", help="read the passphrase from the first line of F"
    )
    if unprotected:
        group.add_argument(
            "--unprotected", action="store_true", help="no passphrase (local trials only)"
        )


def _add_record_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    org_keygen = commands.add_parser(
        "org-keygen", help="create the offline organisation signing key; print its public key"
    )
    org_keygen.add_argument("--out", required=True, metavar="ORGKEY", help="key file to create")
    _add_passphrase_options(org_keygen, unprotected=True)
    org_keygen.set_defaults(handler=_org_keygen)

    sign = commands.add_parser("sign-reader", help="certify a reader's public key (a record file)")
    sign.add_argument("--org-key", required=True, metavar="ORGKEY")
    _add_passphrase_options(sign, unprotected=False)
    sign.add_argument("--public-key", required=True, metavar="BASE64")
    sign.add_argument(
        "--suite", type=int, metavar="N", help="1: X25519, 2: X-Wing (default: by key length)"
    )
    sign.add_argument("--holder", required=True, metavar="TEXT", help="who holds the key")
    sign.add_argument("--role", required=True, choices=ROLES)
    sign.add_argument(
        "--mechanism",
        dest="mechanisms",
        action="append",
        default=[],
        metavar="CODE",
        help="a mechanism whose new cases this key reads (repeatable; none: an escrow key for all)",
    )
    sign.add_argument("--not-before", type=_date_argument, metavar="YYYY-MM-DD")
    sign.add_argument("--not-after", type=_date_argument, metavar="YYYY-MM-DD")
    sign.add_argument("--out", required=True, metavar="RECORD", help="record file to create")
    sign.set_defaults(handler=_sign_reader)

    revoke = commands.add_parser("revoke-reader", help="revoke a reader's key for good")
    revoke.add_argument("--org-key", required=True, metavar="ORGKEY")
    _add_passphrase_options(revoke, unprotected=False)
    revoke.add_argument("--public-key", required=True, metavar="BASE64")
    revoke.add_argument("--suite", type=int, metavar="N", help="default: by key length")
    revoke.add_argument("--out", required=True, metavar="RECORD", help="record file to create")
    revoke.set_defaults(handler=_revoke_reader)

    show = commands.add_parser("show-record", help="verify a record file and describe it")
    show.add_argument("record", metavar="RECORD")
    show.add_argument("--org-public-key", required=True, metavar="BASE64[,BASE64...]")
    show.set_defaults(handler=_show_record)


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
    _add_record_commands(commands)
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
