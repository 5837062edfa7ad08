"""Strict base64 and JSON decoding shared by the key, key-file and bundle modules."""

from __future__ import annotations

import base64
import binascii
import json

from .errors import FormatError

__all__ = ["b64decode_exact", "b64encode", "strict_json_loads"]


def b64encode(data: bytes) -> str:
    """Standard base64 with padding (RFC 4648 section 4)."""
    return base64.b64encode(data).decode("ascii")


def b64decode_exact(text: object, length: int | None, what: str) -> bytes:
    """Decode canonical standard base64; FormatError unless valid (and `length` bytes long)."""
    if not isinstance(text, str):
        raise FormatError(f"{what}: expected a base64 string")
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raise FormatError(f"{what}: invalid base64") from None
    if b64encode(data) != text:
        raise FormatError(f"{what}: non-canonical base64")
    if length is not None and len(data) != length:
        raise FormatError(f"{what}: expected {length} bytes, got {len(data)}")
    return data


def _reject_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise FormatError("duplicate key in JSON object")
        result[key] = value
    return result


def _reject_constant(name: str) -> object:
    raise FormatError(f"non-standard JSON constant {name}")


def strict_json_loads(data: bytes | str, what: str) -> dict[str, object]:
    """Parse a UTF-8 JSON object; reject duplicate keys, NaN/Infinity and non-objects."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value = json.loads(
            text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant
        )
    except UnicodeDecodeError:
        raise FormatError(f"{what}: not valid UTF-8") from None
    except (json.JSONDecodeError, RecursionError):
        raise FormatError(f"{what}: not valid JSON") from None
    if not isinstance(value, dict):
        raise FormatError(f"{what}: not a JSON object")
    return value
