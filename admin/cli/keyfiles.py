"""Reading a reader's key file on the command line: unprotected, with --passphrase-file, or asked."""

from __future__ import annotations

from pathlib import Path

import click

from crypto.errors import RptenvError
from crypto.keyfile import is_unprotected_key_file, load_key_file
from crypto.stanzas import ReaderKey


def load_reader_key(key_file: Path, passphrase_file: Path | None) -> ReaderKey:
    text = key_file.read_text(encoding="utf-8")
    try:
        if is_unprotected_key_file(text):
            return load_key_file(text, None)
        if passphrase_file is not None:
            passphrase = passphrase_file.read_text(encoding="utf-8").split("\n", 1)[0]
        else:
            passphrase = click.prompt(f"Passphrase for {key_file}", hide_input=True)
        return load_key_file(text, passphrase)
    except RptenvError as error:
        raise click.UsageError(f"{key_file}: {error}") from None
