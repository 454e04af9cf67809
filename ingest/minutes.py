"""Minutes (会议纪要 / 学习记录): recognise them; extract date, place, host, attendees, theme, speeches."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.dates import first_date
from ingest.normalize import for_search
from ingest.types import Heading, MinutesInfo, Speech

# Traditional forms of the characters in our labels and verbs, so Big5 minutes are read too (the
# patterns accept either; extracted names and values stay as written).
_TRADITIONAL = dict(
    zip("参员时间点记录题习学内会议纪发说谈强调认为讨", "參員時間點記錄題習學內會議紀發說談強調認為討", strict=True)
)


def _either(pattern: str) -> str:
    """`pattern` with every simplified character that has a traditional form accepting both."""
    return "".join(f"[{c}{_TRADITIONAL[c]}]" if c in _TRADITIONAL else c for c in pattern)


# Field labels as they appear at a line start, most specific first; 列席/缺席 are deliberately absent.
_FIELDS: dict[str, tuple[str, ...]] = {
    "date": ("会议时间", "学习时间", "时间", "日期"),
    "location": ("会议地点", "学习地点", "地点"),
    "host": ("主持人", "主持"),
    "attendees": (
        "参加人员", "出席人员", "参会人员", "参学人员", "参加人", "出席人", "参会人", "出席", "参加",
    ),
    "recorder": ("记录人", "记录"),
    "theme": ("学习主题", "会议主题", "会议议题", "学习内容", "议题", "主题"),
}
FIELD_LINES = 40  # the header block of minutes is at the top
MIN_FIELDS = 3  # this many of 时间/地点/主持/参加/记录 make a document minutes
_TITLE = re.compile(_either("纪要|学习记录|会议记录"))


def _label_pattern(labels: Sequence[str]) -> str:
    return "|".join(r"\s*".join(_either(re.escape(c)) for c in label) for label in labels)


_FIELD_LINE = {
    name: re.compile(rf"^\s*(?:{_label_pattern(labels)})\s*[:：]\s*(?P<value>.*)$")
    for name, labels in _FIELDS.items()
}
_BRACKETED = re.compile(r"[（(][^）)]*[）)]|[【\[][^】\]]*[】\]]")
NAME_SPLIT = re.compile(r"[、，,；;\s]+")  # between names in a list of people
_NAME_TAIL = re.compile(r"(?:等(?:\d+|[一二三四五六七八九十]+)?(?:人|名|位)?|同志|共\d+人)+$")
_CJK_NAME = r"[\u4e00-\u9fff·]{2,4}?"
_SPEECH_VERBS = _either(r"(?:在?(?:交流|研讨|作)?(?:发言|交流)(?:中|时)?)?(?:指出|表示|认为|谈到|强调|提出|说)?")
_SPEAKER = re.compile(
    rf"^(?P<name>{_CJK_NAME})(?P<comrade>同志)?(?P<title>[（(][^）)]{{1,20}}[）)])?"
    rf"(?:(?P<verb>{_SPEECH_VERBS})[，,：:]|\s*[：:])\s*(?P<text>.*)$"
)
_NOT_NAMES = {
    "会议", "大家", "与会", "全体", "本次", "同志们", "会上", "最后", "首先", "其次", "另外", "此外", "同时",
    "时间", "地点", "主持", "主持人", "记录", "记录人", "议题", "主题", "内容", "学习内容", "参加人员",
    "列席人员", "出席人员", "要求", "会议要求", "会议强调", "会议指出", "会议认为", "总之", "总结", "备注",
    "附件",
}
_SPEECH_SECTION = re.compile(_either("发言|交流|研讨"))


def field_count(text: str) -> int:
    """How many distinct minutes fields (时间, 地点, 主持, 参加, 记录) label lines near the top."""
    lines = text.split("\n")[:FIELD_LINES]
    names = ("date", "location", "host", "attendees", "recorder")
    return sum(1 for name in names if any(_FIELD_LINE[name].match(line) for line in lines))


def looks_like_minutes(title: str, text: str) -> bool:
    """Minutes by title (会议纪要, 学习记录) or by a header block of field lines."""
    return bool(_TITLE.search(title)) or field_count(text) >= MIN_FIELDS


def parse_minutes(text: str, headings: Sequence[Heading] = ()) -> MinutesInfo:
    """Extract the fields of minutes from display text (with its headings, to find the 发言 section)."""
    values: dict[str, str] = {}
    for line in text.split("\n")[:FIELD_LINES]:
        for name, pattern in _FIELD_LINE.items():
            match = pattern.match(line)
            if match and name not in values:
                values[name] = match.group("value").strip()
                break
    attendees = names(values.get("attendees", ""))
    hosts = names(values.get("host", ""))
    recorders = names(values.get("recorder", ""))
    known = set(attendees) | set(hosts)
    return MinutesInfo(
        date=first_date(values["date"]) if values.get("date") else None,
        location=values.get("location") or None,
        host=hosts[0] if hosts else None,
        attendees=attendees,
        recorder=recorders[0] if recorders else None,
        theme=values.get("theme") or None,
        speeches=tuple(_speeches(text, headings, known)),
    )


def names(value: str) -> tuple[str, ...]:
    """Names listed in a field: brackets (titles) removed, split on 、，; and spaces, 同志/等N人 dropped."""
    found = []
    for part in NAME_SPLIT.split(_BRACKETED.sub(" ", value)):
        name = _NAME_TAIL.sub("", part.strip().strip("。.：:"))
        if name and name not in found:
            found.append(name)
    return tuple(found)


def _speech_region(text: str, headings: Sequence[Heading]) -> tuple[int, int]:
    """The 发言 section (up to the next heading at its level or above), else everything after the header."""
    ordered = sorted(headings, key=lambda h: h.start)
    for i, heading in enumerate(ordered):
        if _SPEECH_SECTION.search(heading.title):
            end = next((h.start for h in ordered[i + 1 :] if h.level <= heading.level), len(text))
            line_end = text.find("\n", heading.start)
            return (len(text) if line_end < 0 else line_end + 1), end
    return 0, len(text)


def _speeches(text: str, headings: Sequence[Heading], known: set[str]) -> list[Speech]:
    start, end = _speech_region(text, headings)
    heading_starts = {h.start for h in headings}
    speeches: list[tuple[str, list[str]]] = []
    offset = start
    for line in text[start:end].split("\n"):
        line_start, offset = offset, offset + len(line) + 1
        if line_start in heading_starts or any(p.match(line) for p in _FIELD_LINE.values()):
            if speeches and line_start in heading_starts:
                break  # a sub-heading after the speeches ends them
            continue
        speaker = _speaker(line, known)
        if speaker:
            speeches.append((speaker[0], [speaker[1]] if speaker[1] else []))
        elif speeches and line.strip():
            speeches[-1][1].append(line.strip())
    return [Speech(name, "\n".join(parts).strip()) for name, parts in speeches]


def _speaker(line: str, known: set[str]) -> tuple[str, str] | None:
    """(name, text after the colon) when a line opens someone's speech."""
    match = _SPEAKER.match(line.strip())
    if not match:
        return None
    name = match.group("name")
    marked = bool(match.group("comrade") or match.group("title") or match.group("verb"))
    folded = for_search(name)
    if folded in _NOT_NAMES or folded.startswith(("会议", "大家", "全体")):
        return None
    if known and name not in known and not marked:
        return None  # an unknown word before a colon ("重点：…") when we know who attended
    if not known and not marked and len(name) > 3:
        return None
    return name, match.group("text").strip()
