"""Helpers shared by the administration and catalogue tests."""

from __future__ import annotations

import email
import re
from email import policy as email_policy
from pathlib import Path

from tests.conftest import count_queries


def queries_for(app, client, url: str) -> int:
    """How many SQL statements one GET of `url` sends (after a warm-up request)."""
    assert client.get(url).status_code == 200
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def mails(outbox: Path) -> list[email.message.EmailMessage]:
    """The messages in the outbox, oldest first."""
    return [
        email.message_from_bytes(path.read_bytes(), policy=email_policy.default)
        for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    ]


def invitation_path(message) -> str:
    """The path of the invitation link in a message's text part."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https?://[^/\s]+(/invitation/\S+)", text)
    assert match, text
    return match.group(1)


def main_html(response) -> str:
    """The page's <main> element only, so that the navigation bar cannot satisfy a check."""
    page = response.get_data(as_text=True)
    return page[page.index("<main"):page.index("</main>")]
