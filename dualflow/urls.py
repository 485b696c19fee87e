"""Where the application may send a browser next: paths of this site only."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def _unsafe(target: str) -> bool:
    # Browsers read a backslash as a slash and drop tabs and newlines, so "/\\evil",
    # "/\t/evil" and "//evil" all lead to the host "evil".
    if "\\" in target or any(ord(char) < 32 or 127 <= ord(char) < 160 for char in target):
        return True
    parts = urlsplit(target)
    return bool(parts.scheme or parts.netloc) or not target.startswith("/") or (
        target.startswith("//")
    )


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path of this site, else None: the one check for every redirect
    whose destination comes from the request (a `next` field, a link stored with a message).

    The decoded form is checked too: "/%2F%2Fevil" is refused, since a proxy or a second hop
    that decodes the path would turn it into "//evil".
    """
    if not target or not isinstance(target, str):
        return None
    if _unsafe(target) or _unsafe(unquote(target)):
        return None
    return target
