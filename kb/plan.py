"""The year study plan (年度学习计划): a main line, a theme a month, a drafted reading list for each."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kb.archive import Session, covered_by, sessions
from kb.errors import InvalidInput, NotFound
from kb.export.model import ExportPlan, PlanMonth
from kb.presets import load_presets
from kb.reading_list import ReadingList, draft_reading_list, to_export
from kb.store import Filters, now

if TYPE_CHECKING:
    from kb.library import KnowledgeBase

MONTHS = range(1, 13)
FORMATS = ("集中学习", "专题研讨", "现场教学", "专题党课", "交流研讨")
DEFAULT_FORMAT = FORMATS[0]
# Proposed plans alternate reading together, discussing, and learning on site.
PROPOSED_FORMATS = ("集中学习", "专题研讨", "集中学习", "现场教学")
READINGS_PER_MONTH = 5


@dataclass(frozen=True)
class MonthPlan:
    month: int
    theme: str
    format: str
    note: str | None
    list_name: str | None  # the month's reading list
    list_topic: str | None  # the topic that list was drafted for
    readings: int  # items in that list

    @property
    def stale_list(self) -> bool:
        """The theme changed since the reading list was drafted."""
        return bool(self.list_name and self.theme and self.list_topic and self.list_topic != self.theme)

    def to_dict(self) -> dict:
        return {"month": self.month, "theme": self.theme, "format": self.format, "note": self.note,
                "list": self.list_name, "readings": self.readings, "stale_list": self.stale_list}


@dataclass(frozen=True)
class Plan:
    id: int
    year: int
    title: str  # "" means the default title
    main_line: str
    unit: str | None
    created_at: str
    updated_at: str
    months: tuple[MonthPlan, ...]  # always twelve, January first

    @property
    def display_title(self) -> str:
        return self.title or f"{self.year}年度理论学习中心组学习计划"

    def month(self, month: int) -> MonthPlan:
        return self.months[_check_month(month) - 1]

    def to_dict(self) -> dict:
        return {"year": self.year, "title": self.display_title, "main_line": self.main_line,
                "unit": self.unit, "created_at": self.created_at, "updated_at": self.updated_at,
                "months": [m.to_dict() for m in self.months]}


@dataclass(frozen=True)
class ThemeProposal:
    """A preset theme proposed for a month, with when past sessions last studied it."""

    theme: str
    preset_id: str
    last_covered: str | None  # date of the latest session that covered it; None: never
    covered_by: tuple[str, ...]  # those sessions' labels


def _check_year(year: int) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise InvalidInput(f"年份 {year} 无效，应为四位数字，如 2026") from None
    if not 1900 <= value <= 2999:
        raise InvalidInput(f"年份 {year} 无效，应为四位数字，如 2026")
    return value


def _check_month(month: int) -> int:
    try:
        value = int(month)
    except (TypeError, ValueError):
        raise InvalidInput(f"月份 {month} 无效，应为 1 到 12") from None
    if value not in MONTHS:
        raise InvalidInput(f"月份 {month} 无效，应为 1 到 12")
    return value


def month_list_name(year: int, month: int, theme: str) -> str:
    """The name of a month's drafted reading list, e.g. "2026年3月 党风廉政建设"."""
    return f"{_list_prefix(year, month)}{theme.strip() or '学习材料'}"


def _list_prefix(year: int, month: int) -> str:
    return f"{year}年{month}月 "


# ---- reading and writing plans ------------------------------------------------------------------------
def _plan_id(kb: KnowledgeBase, year: int) -> int:
    row = kb.store.db.execute("SELECT id FROM plans WHERE year = ?", (_check_year(year),)).fetchone()
    if row is None:
        raise NotFound(f"还没有 {year} 年的学习计划：用 kb plan-new {year} --main-line “…” 创建")
    return row[0]


def get_plan(kb: KnowledgeBase, year: int) -> Plan:
    """The plan of a year (NotFound if there is none)."""
    db = kb.store.db
    plan_id = _plan_id(kb, year)
    row = db.execute("SELECT * FROM plans WHERE id = ?", (plan_id,)).fetchone()
    months = db.execute(
        """SELECT m.month, m.theme, m.format, m.note, l.name AS list_name, l.topic AS list_topic,
                  (SELECT count(*) FROM reading_list_items i WHERE i.list_id = l.id) AS readings
           FROM plan_months m LEFT JOIN reading_lists l ON l.id = m.list_id
           WHERE m.plan_id = ? ORDER BY m.month""",
        (plan_id,),
    ).fetchall()
    by_month = {r["month"]: r for r in months}
    return Plan(
        id=plan_id, year=row["year"], title=row["title"], main_line=row["main_line"], unit=row["unit"],
        created_at=row["created_at"], updated_at=row["updated_at"],
        months=tuple(
            MonthPlan(month=m, theme=r["theme"], format=r["format"], note=r["note"], list_name=r["list_name"],
                      list_topic=r["list_topic"], readings=r["readings"] if r["list_name"] else 0)
            if (r := by_month.get(m)) else MonthPlan(m, "", DEFAULT_FORMAT, None, None, None, 0)
            for m in MONTHS
        ),
    )


def plan_years(kb: KnowledgeBase) -> list[int]:
    """Years that have a plan, latest first."""
    return [r[0] for r in kb.store.db.execute("SELECT year FROM plans ORDER BY year DESC")]


def all_plans(kb: KnowledgeBase) -> list[Plan]:
    return [get_plan(kb, year) for year in plan_years(kb)]


def create_plan(
    kb: KnowledgeBase,
    year: int,
    main_line: str = "",
    *,
    title: str = "",
    unit: str | None = None,
    themes: Sequence[str] = (),
    formats: Sequence[str] = (),
) -> Plan:
    """A new plan for a year with up to twelve themes (January first) and their formats."""
    year = _check_year(year)
    if len(themes) > 12 or len(formats) > 12:
        raise InvalidInput("一年最多安排 12 个月的主题")
    stamp = now()
    try:
        with kb.store.transaction() as db:
            cursor = db.execute(
                "INSERT INTO plans(year, title, main_line, unit, created_at, updated_at) VALUES (?,?,?,?,?,?)",
                (year, title.strip(), main_line.strip(), (unit or "").strip() or None, stamp, stamp),
            )
            db.executemany(
                "INSERT INTO plan_months(plan_id, month, theme, format) VALUES (?,?,?,?)",
                [(cursor.lastrowid, m, themes[m - 1].strip() if m <= len(themes) else "",
                  (formats[m - 1].strip() if m <= len(formats) else "") or DEFAULT_FORMAT) for m in MONTHS],
            )
    except sqlite3.IntegrityError:
        raise InvalidInput(f"{year} 年的学习计划已存在：用 kb plan-show {year} 查看，或 kb plan-set 修改") from None
    return get_plan(kb, year)


def _touch(kb: KnowledgeBase, plan_id: int) -> None:
    kb.store.db.execute("UPDATE plans SET updated_at = ? WHERE id = ?", (now(), plan_id))


def update_plan(kb: KnowledgeBase, year: int, *, main_line: str | None = None, title: str | None = None,
                unit: str | None = None) -> Plan:
    """Change the main line, title or issuing unit (None leaves a field as it is)."""
    plan_id = _plan_id(kb, year)
    changes = {"main_line": main_line, "title": title, "unit": unit}
    changes = {k: v.strip() for k, v in changes.items() if v is not None}
    if changes:
        with kb.store.transaction() as db:
            db.execute(f"UPDATE plans SET {', '.join(f'{k} = ?' for k in changes)} WHERE id = ?",
                       [*changes.values(), plan_id])
            _touch(kb, plan_id)
    return get_plan(kb, year)


def set_month(
    kb: KnowledgeBase,
    year: int,
    month: int,
    *,
    theme: str | None = None,
    format: str | None = None,
    note: str | None = None,
    list_name: str | None = None,
) -> Plan:
    """Edit one month (None leaves a field as it is); list_name links an existing reading list,
    "" unlinks it (the list itself stays)."""
    month = _check_month(month)
    plan_id = _plan_id(kb, year)
    changes: dict[str, object] = {}
    if theme is not None:
        changes["theme"] = theme.strip()
    if format is not None:
        if not format.strip():
            raise InvalidInput(f"学习形式不能为空，可选：{'、'.join(FORMATS)}")
        changes["format"] = format.strip()
    if note is not None:
        changes["note"] = note.strip() or None
    if list_name is not None:
        changes["list_id"] = kb.lists.get(list_name.strip()).id if list_name.strip() else None
    if changes:
        with kb.store.transaction() as db:
            db.execute(f"UPDATE plan_months SET {', '.join(f'{k} = ?' for k in changes)} "
                       "WHERE plan_id = ? AND month = ?", [*changes.values(), plan_id, month])
            _touch(kb, plan_id)
    return get_plan(kb, year)


def delete_plan(kb: KnowledgeBase, year: int, *, delete_lists: bool = False) -> None:
    """Delete a year's plan; its drafted reading lists stay unless delete_lists."""
    plan = get_plan(kb, year)
    with kb.store.transaction() as db:
        db.execute("DELETE FROM plans WHERE id = ?", (plan.id,))
    if delete_lists:
        for month in plan.months:
            if month.list_name:
                kb.lists.delete(month.list_name)


# ---- drafting ---------------------------------------------------------------------------------------
def _reading_filters(kb: KnowledgeBase) -> Filters:
    """Readings come from theory documents; minutes only when the knowledge base has nothing else."""
    return Filters(kind="theory") if kb.store.count_documents(kind="theory") else Filters()


def draft_month(kb: KnowledgeBase, year: int, month: int, *, k: int = READINGS_PER_MONTH, replace: bool = False,
                filters: Filters | None = None) -> ReadingList | None:
    """Draft the month's reading list from its theme (None when the month has no theme yet).

    A month that has a list keeps it unless `replace`; replacing deletes a list drafted for this
    month (named "{year}年{month}月 …") but only unlinks one the organiser chose.
    """
    current = get_plan(kb, year).month(month)
    if not current.theme:
        return None
    if current.list_name and not replace:
        return kb.lists.get(current.list_name)
    name = month_list_name(year, month, current.theme)
    if current.list_name:
        set_month(kb, year, month, list_name="")
        if current.list_name.startswith(_list_prefix(year, month)):
            kb.lists.delete(current.list_name)
    if name in kb.lists.names():
        if not replace:
            set_month(kb, year, month, list_name=name)
            return kb.lists.get(name)
        kb.lists.delete(name)
    lst = draft_reading_list(kb, name, current.theme, k=k, filters=filters or _reading_filters(kb),
                             description=f"{year}年{month}月学习主题：{current.theme}")
    set_month(kb, year, month, list_name=lst.name)
    return lst


def draft_plan(kb: KnowledgeBase, year: int, *, k: int = READINGS_PER_MONTH, replace: bool = False) -> Plan:
    """Draft the reading list of every month that has a theme (and no list, unless `replace`)."""
    filters = _reading_filters(kb)
    for month in get_plan(kb, year).months:
        draft_month(kb, year, month.month, k=k, replace=replace, filters=filters)
    return get_plan(kb, year)


# ---- proposals and coverage -------------------------------------------------------------------------
def propose_themes(kb: KnowledgeBase, year: int, count: int = 12) -> list[ThemeProposal]:
    """Twelve themes to start a year's plan from: the preset study themes, then the problem fields,
    those past sessions (before the year) studied least recently first, never-studied ones first of all."""
    year = _check_year(year)
    before = [s for s in sessions(kb) if s.date and s.date < str(year)]
    candidates = sorted(load_presets(), key=lambda p: p.group != "themes")  # stable: keeps file order
    proposals = []
    for preset in candidates:
        # By its name and by its example query: a short name alone can miss a session that studied it.
        found: dict[str, Session] = {}
        for topic in dict.fromkeys((preset.name, preset.query)) if before else ():
            found.update((c.session.doc_id, c.session) for c in covered_by(kb, topic, among=before))
        dates = [s.date for s in found.values() if s.date]
        proposals.append(ThemeProposal(theme=preset.name, preset_id=preset.id,
                                       last_covered=max(dates) if dates else None,
                                       covered_by=tuple(s.label for s in sorted(found.values(),
                                                                                 key=lambda s: s.date or ""))))
    order = {p.preset_id: i for i, p in enumerate(proposals)}
    proposals.sort(key=lambda p: (p.last_covered is not None, p.last_covered or "", order[p.preset_id]))
    return proposals[:count]


def proposed_formats(count: int = 12) -> list[str]:
    return [PROPOSED_FORMATS[i % len(PROPOSED_FORMATS)] for i in range(count)]


def month_coverage(kb: KnowledgeBase, year: int, theme: str, among: Sequence[Session] | None = None) -> list[str]:
    """Lines naming the sessions before `year` that already studied a theme, latest first."""
    if not theme.strip():
        return []
    found = covered_by(kb, theme, before=str(year), among=among)
    ordered = sorted(found, key=lambda c: c.session.date or "", reverse=True)
    return [f"{c.session.label}（{'主持：' + c.session.host if c.session.host else '主持人不详'}）" for c in ordered]


def to_export_plan(kb: KnowledgeBase, plan: Plan, *, with_coverage: bool = True) -> ExportPlan:
    """The plan as the export renderers' model, with each month's readings and past coverage."""
    pool = sessions(kb) if with_coverage else []
    months = []
    for month in plan.months:
        readings = to_export(kb.lists.get(month.list_name)).items if month.list_name else ()
        lines = month_coverage(kb, plan.year, month.theme, among=pool) if with_coverage and pool else []
        months.append(PlanMonth(month=month.month, theme=month.theme or "（待定）", format=month.format,
                                readings=readings, coverage=tuple(lines), note=month.note))
    return ExportPlan(year=plan.year, title=plan.title, main_line=plan.main_line, unit=plan.unit,
                      months=tuple(months))
