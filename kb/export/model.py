"""Plain frozen records the export renderers take; `from_reading_list` maps a stored list onto them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kb.records import MISSING, ReadingList


@dataclass(frozen=True)
class ExportItem:
    """One entry of a reading list: a passage of a source document, or the whole document."""

    number: int
    title: str
    date: str | None  # "2024-03-18", "2024-03" or "2024"
    kind: str  # "theory" | "minutes"
    page_start: int | None
    page_end: int | None
    section: tuple[str, ...]  # heading path inside the source, outermost first
    text: str | None  # None when the whole document is to be read
    note: str | None  # 导读 / 要点
    missing: bool = False  # the source document was deleted since the list was made
    doc_number: str | None = None  # the source's 发文字号 when it is a 公文 (中发〔2024〕3号), cited with the title


@dataclass(frozen=True)
class SessionHeader:
    """The optional header of a handout for one study session (each part left out when empty)."""

    time: str = ""  # 时间, e.g. "2026年3月18日上午9:00"
    place: str = ""  # 地点
    host: str = ""  # 主持
    audience: str = ""  # 参加范围


@dataclass(frozen=True)
class ExportList:
    """A reading list (学习材料清单) ready to render."""

    name: str
    topic: str | None
    description: str | None
    created: str  # ISO date
    items: tuple[ExportItem, ...]
    unit: str | None = None  # the issuing unit printed above the title (optional)
    session: SessionHeader | None = None  # 时间/地点/主持/参加范围 (optional)


@dataclass(frozen=True)
class PlanMonth:
    """One month of a year study plan."""

    month: int
    theme: str
    format: str  # 专题研讨 / 集中学习 / 现场教学 / 专题党课 / 交流研讨
    readings: tuple[ExportItem, ...]
    coverage: tuple[str, ...]  # past sessions that already covered the theme, one line each
    note: str | None


@dataclass(frozen=True)
class ExportPlan:
    """A year study plan (年度学习计划) ready to render."""

    year: int
    title: str  # empty means the default "{year}年度理论学习中心组学习计划"
    main_line: str  # 主线
    unit: str | None  # the issuing unit, e.g. "中共某某委员会理论学习中心组"
    months: tuple[PlanMonth, ...]


def from_reading_list(lst: ReadingList, numbers: Mapping[str, str] | None = None, *, unit: str | None = None,
                      session: SessionHeader | None = None) -> ExportList:
    """The reading list as the export renderers' plain model; `numbers` gives the 发文字号 of the
    items' documents that are 公文, by document id; `unit` and `session` the optional header."""
    numbers = numbers or {}
    return ExportList(
        unit=(unit or "").strip() or None,
        session=session,
        name=lst.name,
        topic=lst.topic,
        description=lst.description,
        created=lst.created_at[:10],
        items=tuple(
            ExportItem(
                number=item.position,
                title=item.title,
                date=item.date,
                kind=item.kind,
                page_start=item.page_start,
                page_end=item.page_end,
                section=item.section,
                text=item.text,
                note=item.note,
                missing=item.status == MISSING,
                doc_number=numbers.get(item.doc_id),
            )
            for item in lst.items
        ),
    )
