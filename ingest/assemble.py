"""Turn a reader's Extracted text into a Document: headings, title, date, kind and minutes fields."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ingest.dates import document_date
from ingest.extracted import Extracted
from ingest.headings import pattern_headings
from ingest.minutes import looks_like_minutes, parse_minutes
from ingest.types import KINDS, MINUTES, THEORY, Document

MAX_TITLE_LINE = 50
_NOT_A_TITLE = re.compile(r"[。；，,;]$|^[^:：]{1,8}[:：]")  # a sentence, or a "时间：…" field line


def build_document(
    path: Path, data: bytes, extracted: Extracted, *, format: str, kind: str | None
) -> Document:
    """Assemble the Document for `path` (whose bytes are `data`); `kind` overrides detection."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    text = extracted.text
    explicit = tuple(extracted.headings)
    base = max((h.level for h in explicit), default=0)
    found = pattern_headings(text, skip=frozenset(h.start for h in explicit), base_level=base)
    headings = tuple(sorted((*explicit, *found), key=lambda h: h.start))
    title = extracted.title or _first_line_title(text) or path.stem
    is_minutes = kind == MINUTES or (kind is None and looks_like_minutes(title, text))
    minutes = parse_minutes(text, headings) if is_minutes else None
    date = (minutes.date if minutes else None) or document_date(text, path.name)
    return Document(
        path=str(path),
        title=title,
        text=text,
        kind=MINUTES if is_minutes else THEORY,
        date=date,
        content_hash=hashlib.sha256(data).hexdigest(),
        format=format,
        pages=extracted.pages,
        headings=headings,
        minutes=minutes,
        metadata=dict(extracted.metadata),
        warnings=tuple(extracted.warnings),
    )


_OCCASION_LINE = re.compile(r"(?:\d{4}年|[一二〇零○]{4}年|在)")


def _first_line_title(text: str) -> str | None:
    """The first line, when it reads like a title: short, not a sentence, not a field line.

    A second line starting with a dash (——副标题) is the subtitle and belongs to the title.
    """
    lines = text.split("\n", 2)
    first = lines[0].strip()
    if not first or len(first) > MAX_TITLE_LINE or _NOT_A_TITLE.search(first):
        return None
    subtitle = (lines[1].strip() if len(lines) > 1 else "").lstrip("—-").strip()
    # "——2025年1月15日在……会议上" is a delivery note, not a subtitle: it starts with a date or 在.
    if lines[1:] and lines[1].strip().startswith(("——", "--", "—")) and subtitle \
            and not _OCCASION_LINE.match(subtitle) and len(subtitle) <= MAX_TITLE_LINE:
        return first + "——" + subtitle
    return first
