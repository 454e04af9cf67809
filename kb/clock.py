"""Time stamps as the knowledge base stores them: local time, ISO format, to the second."""

from __future__ import annotations

from datetime import datetime


def stamp(moment: datetime) -> str:
    """A moment as stored: ISO text to the second, which sorts and compares as the moments do."""
    return moment.isoformat(timespec="seconds")


def now() -> str:
    """Computed here and passed to SQL as a parameter, so every database stores the same text."""
    return stamp(datetime.now())
