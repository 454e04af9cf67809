"""Dates written in Chinese documents and file names, as ISO strings ("YYYY-MM-DD", "YYYY-MM", "YYYY")."""

from __future__ import annotations

import datetime as dt
import re

_CN_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "O": 0, "Ｏ": 0}
_CN = "〇零○一二三四五六七八九十"
_PATTERNS = (
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*[日号])?"),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<sep>[-/.])(?P<m>\d{1,2})(?:(?P=sep)(?P<d>\d{1,2}))?(?!\d|\.\d)"),
    re.compile(rf"(?P<y>[{_CN}]{{4}})\s*年\s*(?P<m>十[一二]?|[一二三四五六七八九])\s*月"
               rf"(?:\s*(?P<d>[二三]?十[一二三四五六七八九]?|[一二三四五六七八九])\s*[日号])?"),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)"),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*年"),
)
_COMPACT = 3  # index of the YYYYMMDD pattern: only trusted in file names
HEAD_CHARS = 3000  # a document's own date is near its top


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if all(c in _CN_DIGIT for c in text):  # 二〇二四: digit by digit
        return int("".join(str(_CN_DIGIT[c]) for c in text))
    tens, _, ones = text.partition("十")  # 十八, 二十, 三十一
    return (_CN_DIGIT.get(tens, 1) if tens else 1) * 10 + (_CN_DIGIT[ones] if ones else 0)


def _iso(match: re.Match[str]) -> tuple[str, int] | None:
    """(ISO date, precision 1–3) for a match, or None when it is not a real date."""
    groups = match.groupdict()
    try:
        year = _number(groups["y"])
        month = _number(groups["m"]) if groups.get("m") else None
        day = _number(groups["d"]) if groups.get("d") else None
        if not 1900 <= year <= 2100:
            return None
    except (KeyError, ValueError):
        return None
    if month is None:
        return f"{year:04d}", 1
    if not 1 <= month <= 12:
        return None
    if day is not None:
        try:
            return dt.date(year, month, day).isoformat(), 3
        except ValueError:
            pass  # "2月30日": keep the month
    return f"{year:04d}-{month:02d}", 2


def find_dates(text: str, *, compact: bool = False) -> list[tuple[int, str, int]]:
    """Every date in `text` as (offset, ISO date, precision), in order; overlapping matches keep the
    most precise. `compact` also accepts YYYYMMDD (for file names)."""
    found: dict[int, tuple[int, str, int]] = {}
    taken: list[tuple[int, int]] = []
    for index, pattern in enumerate(_PATTERNS):
        if index == _COMPACT and not compact:
            continue
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue  # a more precise pattern already read this span
            iso = _iso(match)
            if iso:
                found[match.start()] = (match.start(), *iso)
                taken.append(match.span())
    return [found[k] for k in sorted(found)]


def first_date(text: str, *, compact: bool = False) -> str | None:
    """The most precise date in `text`, the earliest among equals (a full date beats a bare year)."""
    dates = find_dates(text, compact=compact)
    if not dates:
        return None
    best = max(precision for _, _, precision in dates)
    return next(iso for _, iso, precision in dates if precision == best)


def document_date(text: str, file_name: str) -> str | None:
    """A document's date: from its first pages, else from its file name."""
    return first_date(text[:HEAD_CHARS]) or first_date(file_name, compact=True)
