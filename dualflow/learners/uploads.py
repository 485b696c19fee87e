"""Carry a checked upload from the dry run to the import without keeping it on the server.

The dry-run page holds the file itself (compressed) and a signed, timed ticket with its SHA-256,
the user and the school; any worker can import it, and nothing lingers on disk.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib

from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from dualflow.errors import DomainError
from dualflow.learners.importing import MAX_FILE_BYTES

MAX_AGE_SECONDS = 3600
_SALT = "dualflow.learners.import"


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pack(data: bytes, *, filename: str, user_id: int, school_id: int, secret: str,
         columns: dict[str, str] | None = None) -> tuple[str, str]:
    """The file as compressed base64 and a signed ticket naming it, its user, its school and
    the column choices the dry run read it with."""
    payload = base64.b64encode(zlib.compress(data, 6)).decode("ascii")
    ticket = _serializer(secret).dumps(
        {"u": user_id, "s": school_id, "n": filename, "h": _digest(data), "c": columns or {}}
    )
    return payload, ticket


def unpack(payload: str, ticket: str, *, user_id: int,
           secret: str) -> tuple[bytes, str, int, dict[str, str]]:
    """File bytes, file name, school id and column choices back from `pack`, or a
    DomainError."""
    again = _("Laad het bestand opnieuw op en controleer het opnieuw.")
    try:
        info = _serializer(secret).loads(ticket or "", max_age=MAX_AGE_SECONDS)
    except SignatureExpired:
        raise DomainError(_("De controle is meer dan een uur oud.") + " " + again) from None
    except BadSignature:
        raise DomainError(again) from None
    if not isinstance(info, dict) or info.get("u") != user_id:
        raise DomainError(again)
    try:
        inflater = zlib.decompressobj()
        data = inflater.decompress(base64.b64decode(payload or "", validate=True),
                                   MAX_FILE_BYTES + 1)
    except (binascii.Error, ValueError, zlib.error):
        raise DomainError(again) from None
    if _digest(data) != info.get("h"):
        raise DomainError(again)
    columns = info.get("c") or {}
    if not isinstance(columns, dict):
        raise DomainError(again)
    return (data, str(info.get("n") or ""), int(info.get("s") or 0),
            {str(key): str(value) for key, value in columns.items()})
