"""Make an x25519 key pair for Tor onion-service client authorization (the admin service).

    .venv/bin/python deploy/tor/onion_client_auth.py NAME --onion ADDRESS.onion --out DIR

writes two files into DIR (mode 0600):

* ``NAME.auth`` (server side): copy to ``/var/lib/tor/reprisal-admin/authorized_clients/`` on the
  server (owned by the tor user, e.g. debian-tor), then reload tor. Contains only the public key:
  ``descriptor:x25519:<base32 public key>``.
* ``NAME.auth_private`` (client side): give it to the focal point over a safe channel; in Tor Browser
  they paste the key when asked, or tor reads it from its ``ClientOnionAuthDir``. Contains
  ``<address without .onion>:descriptor:x25519:<base32 private key>``. Delete your copy afterwards.

The key pair is generated with PyNaCl (libsodium), the same x25519 that Tor uses; base32 without padding.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import sys
from pathlib import Path

from nacl.public import PrivateKey

ONION_V3 = re.compile(r"^[a-z2-7]{56}$")
NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def b32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


def client_auth_lines(onion: str, key: PrivateKey | None = None) -> tuple[str, str]:
    """The server line (``.auth``) and the client line (``.auth_private``) for a new or given key."""
    address = onion.strip().lower().removesuffix(".onion")
    if not ONION_V3.match(address):
        raise ValueError("not a v3 onion address (56 base32 characters)")
    key = key or PrivateKey.generate()
    server = f"descriptor:x25519:{b32(bytes(key.public_key))}"
    client = f"{address}:descriptor:x25519:{b32(bytes(key))}"
    return server, client


def _write(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "name", help="a label for the focal point's device (letters, digits, - and _)"
    )
    parser.add_argument("--onion", required=True, help="the admin service's .onion address")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the two files")
    args = parser.parse_args(argv)
    if not NAME.match(args.name):
        parser.error("NAME may hold only letters, digits, - and _")
    try:
        server, client = client_auth_lines(args.onion)
    except ValueError as error:
        parser.error(str(error))
    try:
        _write(args.out / f"{args.name}.auth", server)
        _write(args.out / f"{args.name}.auth_private", client)
    except FileExistsError as error:
        print(f"{error.filename} exists; choose another name", file=sys.stderr)
        return 1
    print(
        f"Wrote {args.out / (args.name + '.auth')} (server) and {args.name}.auth_private (client)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
