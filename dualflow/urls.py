"""Where the application may send a browser next: kept as a name for `dualflow.web.safe_next`,
which is where the check lives."""

from __future__ import annotations

from dualflow.web import safe_next

__all__ = ["safe_next"]
