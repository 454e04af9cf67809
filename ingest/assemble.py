"""Turn a reader's Extracted text into a Document: headings, title, date, kind, minutes fields, 公文 parts
and the marks on its first page."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

from ingest.dates import dated
from ingest.extracted import Extracted
from ingest.gongwen import organisations, recognise
from ingest.headings import pattern_headings
from ingest.marks import HEAD_LINES, find_marks, mark_line
from ingest.minutes import looks_like_minutes, parse_minutes
from ingest.types import KINDS, MINUTES, OUTPUT, THEORY, Document, GongwenInfo, Page

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
    found_title = extracted.title or _first_line_title(text)
    gongwen = recognise(text, title=found_title)
    title = _official_title(found_title, gongwen) or path.stem
    is_minutes = kind == MINUTES or (kind is None and looks_like_minutes(title, text))
    minutes = parse_minutes(text, headings) if is_minutes else None
    metadata = dict(extracted.metadata)
    date: str | None
    if minutes and minutes.date:
        date, metadata["date_source"] = minutes.date, "minutes"
    elif gongwen and gongwen.date:
        date, metadata["date_source"] = gongwen.date, "date_line"
    else:
        date, source = dated(text, path.name, title=title, metadata=extracted.metadata)
        if source:
            metadata["date_source"] = source
    marks = find_marks(_first_page_head(text, extracted.pages, extracted.metadata))
    return Document(
        path=str(path),
        title=title,
        text=text,
        kind=OUTPUT if kind == OUTPUT else MINUTES if is_minutes else THEORY,
        date=date,
        content_hash=hashlib.sha256(data).hexdigest(),
        format=format,
        pages=extracted.pages,
        headings=headings,
        minutes=minutes,
        metadata=metadata,
        warnings=tuple(extracted.warnings),
        gongwen=gongwen,
        classification=marks.classification,
        handling_marks=marks.handling,
    )


def _official_title(found: str | None, gongwen: GongwenInfo | None) -> str | None:
    """The 公文 title replaces what the reader found when that is the issuer's mark ("中共XX县委文件", the
    largest type on a red-header page) or nothing, or when a document number vouches for the 公文 form."""
    if not gongwen or not gongwen.title:
        return found
    if not found or gongwen.number or organisations(re.sub(r"\s*文\s*件$", "", found)):
        return gongwen.title
    return found


def _first_page_head(text: str, pages: tuple[Page, ...], metadata: Mapping[str, str]) -> list[str]:
    """Where marks are printed: the first lines of the first page with text (and its last lines, the foot
    of a cover), the page header a DOCX keeps apart, and the running lines a PDF's layout clean-up dropped."""
    extra = [line for key in ("page_header", "running_lines") for line in metadata.get(key, "").split("\n")]
    page = next((p for p in pages if p.end > p.start), None)
    if page is None:
        return text.split("\n", HEAD_LINES)[:HEAD_LINES] + extra
    lines = text[page.start : page.end].split("\n")
    return lines[:HEAD_LINES] + lines[HEAD_LINES:][-3:] + extra


_OCCASION_LINE = re.compile(r"(?:\d{4}年|[一二〇零○]{4}年|在)")


def _first_line_title(text: str) -> str | None:
    """The first line, when it reads like a title: short, not a sentence, not a field line.

    A second line starting with a dash (——副标题) is the subtitle and belongs to the title.
    """
    lines = text.split("\n", 12)
    while len(lines) > 1 and mark_line(lines[0]) is not None:  # 份号, 密级, 内部资料 stand above the title
        lines = lines[1:]
    first = lines[0].strip()
    if not first or len(first) > MAX_TITLE_LINE or _NOT_A_TITLE.search(first):
        return None
    subtitle = (lines[1].strip() if len(lines) > 1 else "").lstrip("—-").strip()
    # "——2025年1月15日在……会议上" is a delivery note, not a subtitle: it starts with a date or 在.
    if lines[1:] and lines[1].strip().startswith(("——", "--", "—")) and subtitle \
            and not _OCCASION_LINE.match(subtitle) and len(subtitle) <= MAX_TITLE_LINE:
        return first + "——" + subtitle
    return first
