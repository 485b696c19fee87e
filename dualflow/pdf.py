"""PDF rendering: a Jinja template under templates/pdf/ turned into PDF/A-3b by WeasyPrint.

Templates get plain data (dicts, dataclasses, strings), never ORM objects, so that a stored
contract can be rendered again from the data it was made from. WeasyPrint fetches resources
only through `StaticOnlyFetcher`: files under `static/` (fonts, logo), nothing else — no
`file://` elsewhere on the disk, no network.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from flask import current_app
from sqlmodel import SQLModel
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from dualflow.config import PROJECT_ROOT

log = logging.getLogger(__name__)

PDF_VARIANT = "pdf/a-3b"
TEMPLATE_FOLDER = "pdf/"


class URLRefused(ValueError):
    """WeasyPrint asked for a resource outside the static folder."""


def static_root() -> Path:
    """The project's static folder (the only place PDFs may load files from)."""
    try:
        folder = current_app.static_folder
    except RuntimeError:
        folder = None
    return Path(folder or PROJECT_ROOT / "static").resolve()


def resolve_static(url: str, root: Path | None = None) -> Path:
    """The file under the static folder that `url` names, or URLRefused."""
    # Accepted: `static:fonts/x.ttf`, and `file://` URLs inside the static folder (relative URLs
    # in a template resolve to those). Everything else is refused: other files, http(s), data.
    root = (root or static_root()).resolve()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "static":
        relative = unquote(parts.path).lstrip("/")
        candidate = root / relative
    elif scheme == "file" and parts.netloc in ("", "localhost"):
        candidate = Path(url2pathname(parts.path))
    else:
        raise URLRefused(f"PDF resources come only from the static folder, not {url!r}")
    try:
        path = candidate.resolve()
    except OSError as error:
        raise URLRefused(f"unreadable resource {url!r}") from error
    if not path.is_relative_to(root) or not path.is_file():
        raise URLRefused(f"PDF resources come only from the static folder, not {url!r}")
    return path


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves files under `static/` and refuses everything else."""

    def __init__(self, root: Path | None = None) -> None:
        super().__init__(allowed_protocols=("static", "file"), allow_redirects=False)
        self.root = (root or static_root()).resolve()

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        """Serve `url` from the static folder, or raise URLRefused."""
        try:
            path = resolve_static(url, self.root)
        except URLRefused:
            log.warning("PDF rendering refused to fetch %s", url)
            raise
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix.lower() in (".ttf", ".otf"):
            media_type = "font/" + path.suffix.lower().lstrip(".")
        return URLFetcherResponse(path.as_uri(), path.read_bytes(),
                                  headers={"Content-Type": media_type})


def _check_plain(value: Any, where: str = "context") -> None:
    """Refuse ORM objects anywhere in the template data."""
    if isinstance(value, SQLModel) and getattr(type(value), "__table__", None) is not None:
        raise TypeError(f"{where} holds a {type(value).__name__} row; pass plain data to PDFs")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_plain(item, f"{where}[{key!r}]")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_plain(item, f"{where}[{index}]")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            _check_plain(getattr(value, item.name), f"{where}.{item.name}")


def render_html(template_name: str, context: dict[str, Any]) -> str:
    """The HTML of a PDF template (for tests and debugging)."""
    if not template_name.startswith(TEMPLATE_FOLDER):
        template_name = TEMPLATE_FOLDER + template_name
    _check_plain(context)
    # Straight from the Jinja environment: no context processors, so nothing of the current
    # request or user ends up in a document, only the data given.
    return current_app.jinja_env.get_template(template_name).render(**context)


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render `templates/pdf/<template_name>` with plain-data `context` to PDF/A-3b bytes."""
    # Deterministic for the same data: the template fixes the metadata (title, author,
    # `dcterms.created`), and WeasyPrint derives the PDF identifier from the content.
    html = render_html(template_name, context)
    fetcher = StaticOnlyFetcher()
    document = HTML(string=html, base_url=fetcher.root.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(pdf_variant=PDF_VARIANT, font_config=FontConfiguration())


def sha256(content: bytes) -> str:
    """Hex SHA-256 of a stored document."""
    return hashlib.sha256(content).hexdigest()
