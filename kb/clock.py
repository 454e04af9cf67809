"""Time stamps as the knowledge base stores them: local time, ISO format, to the second."""

from __future__ import annotations

from datetime import datetime


def now() -> str:
    """Computed here and passed to SQL as a parameter, so every database stores the same text."""
    return datetime.now().isoformat(timespec="seconds")
