"""Dates written in Chinese documents and file names, as ISO strings ("YYYY-MM-DD", "YYYY-MM", "YYYY")."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

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


# A line that states a document's own date: the date alone, bracketed or after a dash, with a weekday, or
# followed by the occasion (在…会议上, …通过, …印发) — not a sentence that mentions a date.
_CLAUSE = r"[^。；，,;！？!?：:“”]"
_DATE_LINE_REST = re.compile(
    r"^(?:"
    r"|[（(]?\s*(?:星期|周)[一二三四五六日天]\s*[）)]?"  # 2021年12月24日 星期五
    rf"|{_CLAUSE}{{0,30}}?(?:在|于){_CLAUSE}{{0,80}}?(?:会|上|讲话|报告|发言|致辞){_CLAUSE}{{0,40}}"  # ——…日在……会议上
    rf"|{_CLAUSE}{{0,60}}?(?:通过|印发|发布|公布|修订|修正|施行|签发)"  # （2023年3月13日…会议通过）
    rf"|[，,]\s*[\u4e00-\u9fff·]{{2,12}}[）)]"  # （2018年7月25日，约翰内斯堡）
    rf"|[\u4e00-\u9fff ]{{1,10}}"  # 2023年5月4日会议: a short heading that opens with its date
    r")[）)]?。?$"
)
_DATE_LINE_OPEN = re.compile(r"^[\s（(【\[—―–\-－~～]*")
_ISSUE_LINE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*年\s*第\s*\d{1,3}\s*期")  # 观察与思考 2019年第9期
MAX_DATE_LINE = 100
MAX_ISSUE_LINE = 40


def date_line(line: str) -> str | None:
    """The date a line states when the line is a date line (see _DATE_LINE_REST), else None."""
    line = line.strip()
    if not line or len(line) > MAX_DATE_LINE:
        return None
    opened = _DATE_LINE_OPEN.match(line)
    body = line[opened.end() if opened else 0 :]
    for offset, iso, precision in find_dates(body):
        if offset != 0:
            break
        rest = body[_date_end(body) :].strip()
        # Words after a bare year or month make a title ("2024年工作总结"), not a date line.
        if (precision == 3 or not rest.strip("）)")) and _DATE_LINE_REST.match(rest):
            return iso
        break
    issue = _ISSUE_LINE.search(line)
    if issue and len(line) <= MAX_ISSUE_LINE and not re.search(r"[。；，,;]", line):
        return issue.group("y")
    return None


def _date_end(text: str) -> int:
    """End offset of the date that `text` starts with."""
    for index, pattern in enumerate(_PATTERNS):
        if index == _COMPACT:
            continue
        match = pattern.match(text)
        if match:
            return match.end()
    return 0


def head_date_line(lines: list[str], limit: int = 20) -> str | None:
    """The most precise date line among a document's first `limit` lines, the first among equals: a
    newspaper's "2021年12月24日 星期五" beats a reviewed book's "2021年10月" above it."""
    found = [iso for iso in map(date_line, lines[:limit]) if iso]
    return max(found, key=len) if found else None


def tail_date_line(lines: list[str], limit: int = 8) -> str | None:
    """The last date line among a document's last `limit` lines (a 成文日期 or a signature date)."""
    return next((iso for iso in map(date_line, reversed(lines[-limit:])) if iso), None)


# python-docx's default template carries this creation time; files it wrote keep it unless set.
_TEMPLATE_STAMPS = ("2013-12-23T23:15:00",)


def metadata_date(metadata: Mapping[str, str]) -> str | None:
    """The file's own creation date (DOCX core properties, PDF /CreationDate) as YYYY-MM-DD, when plausible."""
    created = (metadata.get("created") or "").strip()
    if not created or created.startswith(_TEMPLATE_STAMPS):
        return None
    match = re.match(r"((?:19|20)\d{2})-(\d{2})-(\d{2})", created)
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups())).isoformat()
    except ValueError:
        return None


def document_date(
    text: str, file_name: str, *, title: str = "", metadata: Mapping[str, str] | None = None
) -> str | None:
    """A document's own date (see dated)."""
    return dated(text, file_name, title=title, metadata=metadata)[0]


def dated(
    text: str, file_name: str, *, title: str = "", metadata: Mapping[str, str] | None = None
) -> tuple[str | None, str | None]:
    """(date, where it came from) for a document, in order of trust: a date line near its top or at its
    end ("date_line"); a date in its title ("title"); in its file name ("file_name"); its file's creation
    date ("created"); else a date in its opening line, the lede ("text"). Dates deeper in the running
    text are never taken: measured on the shared corpora they are the year under review, a quotation or
    a history more often than the document's date (a modern article quoting "1961年1月11日" is not from
    1961). A year or month from the title or file name takes the day from the lede when they agree."""
    lines = text.split("\n")
    own = head_date_line(lines) or tail_date_line(lines)
    if own:
        return own, "date_line"
    lede = first_date(_lede(lines, title))
    for found, source in ((first_date(title), "title"), (first_date(file_name, compact=True), "file_name")):
        if found:
            return (lede if lede and lede.startswith(found) else found), source
    created = metadata_date(metadata or {})
    if created:
        return created, "created"
    return (lede, "text") if lede else (None, None)


def _lede(lines: list[str], title: str) -> str:
    """The document's first line that is not its title."""
    for line in lines:
        line = line.strip()
        if line and not (title and (line in title or title in line)):
            return line
    return ""
