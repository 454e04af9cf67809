"""The year study plan (年度学习计划): a main line, a theme a month, a drafted reading list for each."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from kb.access import Guard, audited, mutation
from kb.archive import Archive
from kb.errors import Conflict, InvalidInput, NotFound
from kb.export import render_plan
from kb.export.model import ExportPlan, PlanMonth
from kb.lists import ReadingLists, export_model
from kb.presets import load_presets
from kb.presets import preset as find_preset
from kb.records import (
    PLAN_FORMATS,
    Filters,
    Plan,
    ReadingList,
    Session,
    ThemeProposal,
    check_month,
)

if TYPE_CHECKING:
    from kb.store import Store

# Proposed plans alternate reading together, discussing, and learning on site.
PROPOSED_FORMATS = ("集中学习", "专题研讨", "集中学习", "现场教学")
READINGS_PER_MONTH = 5


def check_year(year: int) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise InvalidInput(f"年份 {year} 无效，应为四位数字，如 2026") from None
    if not 1900 <= value <= 2999:
        raise InvalidInput(f"年份 {year} 无效，应为四位数字，如 2026")
    return value


def month_list_name(year: int, month: int, theme: str) -> str:
    """The name of a month's drafted reading list, e.g. "2026年3月 党风廉政建设"."""
    return f"{_list_prefix(year, month)}{theme.strip() or '学习材料'}"


def _list_prefix(year: int, month: int) -> str:
    return f"{year}年{month}月 "


def proposed_formats(count: int = 12) -> list[str]:
    return [PROPOSED_FORMATS[i % len(PROPOSED_FORMATS)] for i in range(count)]


def theme_search(theme: str) -> str:
    """The search a month's readings are drafted by: a preset theme's own query (its name and first
    example, Preset.query), since a name of a few characters ("党建工作中的重点") also matches readings
    that merely share a word with it; any other theme as written."""
    found = find_preset(theme)
    return found.query if found else theme


class Plans:
    """Year plans: read, create, edit, draft their readings, propose themes, export (kb.plans)."""

    FORMATS = PLAN_FORMATS
    proposed_formats = staticmethod(proposed_formats)
    month_list_name = staticmethod(month_list_name)

    def __init__(self, store: Store, guard: Guard, lists: ReadingLists, archive: Archive):
        self.store = store
        self.guard = guard
        self.lists = lists
        self.archive = archive

    # ---- reading --------------------------------------------------------------------------------
    def _plan_id(self, year: int) -> int:
        plan_id = self.store.plans.id_of(check_year(year))
        if plan_id is None:
            raise NotFound(f"还没有 {year} 年的学习计划：用 kb plan-new {year} --main-line “…” 创建")
        return plan_id

    def get(self, year: int) -> Plan:
        """The plan of a year (NotFound if there is none)."""
        plan = self.store.plans.get(self._plan_id(year))
        if plan is None:  # deleted by another writer a moment ago
            raise NotFound(f"还没有 {year} 年的学习计划：用 kb plan-new {year} --main-line “…” 创建")
        return plan

    def years(self) -> list[int]:
        """Years that have a plan, latest first."""
        return self.store.plans.years()

    def all(self) -> list[Plan]:
        return [self.get(year) for year in self.years()]

    def list_groups(self) -> list[tuple[str, list[str]]]:
        """Reading lists as an organiser looks for them: lists of no plan first (most recently changed
        first), then each year plan's month lists under the plan's title, in month order."""
        names = self.lists.names()
        groups = []
        in_plans: set[str] = set()
        for plan in self.all():
            monthly = [m.list_name for m in sorted(plan.months, key=lambda m: m.month)
                       if m.list_name and m.list_name in names and m.list_name not in in_plans]
            in_plans.update(monthly)
            if monthly:
                groups.append((plan.display_title, monthly))
        own = [name for name in names if name not in in_plans]
        return ([("学习清单", own)] if own else []) + groups

    # ---- writing --------------------------------------------------------------------------------
    @mutation("plan.create", target="year")
    def create(self, year: int, main_line: str = "", *, title: str = "", unit: str | None = None,
               themes: Sequence[str] = (), formats: Sequence[str] = ()) -> Plan:
        """A new plan for a year with up to twelve themes (January first) and their formats."""
        year = check_year(year)
        if len(themes) > 12 or len(formats) > 12:
            raise InvalidInput("一年最多安排 12 个月的主题")
        try:
            self.store.plans.create(year, title.strip(), main_line.strip(), (unit or "").strip() or None,
                                    [t.strip() for t in themes], [f.strip() for f in formats])
        except Conflict:
            raise InvalidInput(f"{year} 年的学习计划已存在：用 kb plan-show {year} 查看，或 kb plan-set 修改") from None
        return self.get(year)

    @mutation("plan.edit", target="year")
    def update(self, year: int, *, main_line: str | None = None, title: str | None = None,
               unit: str | None = None) -> Plan:
        """Change the main line, title or issuing unit (None leaves a field as it is)."""
        plan_id = self._plan_id(year)
        changes = {k: v.strip() for k, v in {"main_line": main_line, "title": title, "unit": unit}.items()
                   if v is not None}
        self.store.plans.update(plan_id, **changes)
        return self.get(year)

    @mutation("plan.edit", target="year")
    def set_month(self, year: int, month: int, *, theme: str | None = None, format: str | None = None,
                  note: str | None = None, list_name: str | None = None) -> Plan:
        """Edit one month (None leaves a field as it is); list_name links an existing reading list,
        "" unlinks it (the list itself stays)."""
        month = check_month(month)
        plan_id = self._plan_id(year)
        changes: dict[str, object] = {}
        if theme is not None:
            changes["theme"] = theme.strip()
        if format is not None:
            if not format.strip():
                raise InvalidInput(f"学习形式不能为空，可选：{'、'.join(PLAN_FORMATS)}")
            changes["format"] = format.strip()
        if note is not None:
            changes["note"] = note.strip() or None
        if list_name is not None:
            changes["list_id"] = self.lists.get(list_name.strip()).id if list_name.strip() else None
        self.store.plans.set_month(plan_id, month, **changes)
        return self.get(year)

    @mutation("plan.delete", target="year")
    def delete(self, year: int, *, delete_lists: bool = False) -> None:
        """Delete a year's plan; its drafted reading lists stay unless delete_lists."""
        plan = self.get(year)
        with self.store.transaction():
            self.store.plans.delete(plan.id)
        if delete_lists:
            for month in plan.months:
                if month.list_name:
                    self.lists.delete(month.list_name)

    # ---- drafting -------------------------------------------------------------------------------
    @mutation("plan.edit", target="year")
    def draft_month(self, year: int, month: int, *, k: int = READINGS_PER_MONTH, replace: bool = False,
                    filters: Filters | None = None) -> ReadingList | None:
        """Draft the month's reading list from its theme (None when the month has no theme yet).

        A month that has a list keeps it unless `replace`; replacing deletes a list drafted for this
        month (named "{year}年{month}月 …") but only unlinks one the organiser chose.
        """
        current = self.get(year).month(month)
        if not current.theme:
            return None
        if current.list_name and not replace:
            return self.lists.get(current.list_name)
        name = month_list_name(year, month, current.theme)
        if current.list_name:
            self.set_month(year, month, list_name="")
            if current.list_name.startswith(_list_prefix(year, month)):
                self.lists.delete(current.list_name)
        if name in self.lists.names():
            if not replace:
                self.set_month(year, month, list_name=name)
                return self.lists.get(name)
            self.lists.delete(name)
        lst = self.lists.draft(name, current.theme, k=k, filters=filters or self.lists.reading_filters(),
                               description=f"{year}年{month}月学习主题：{current.theme}",
                               uses=self._uses(year, month), search_for=theme_search(current.theme))
        self.set_month(year, month, list_name=lst.name)
        return lst

    def _uses(self, year: int, month: int) -> Counter[str]:
        """How many of the plan's other months already hand out each document."""
        uses: Counter[str] = Counter()
        names = set(self.lists.names())
        for other in self.get(year).months:
            if other.month != month and other.list_name and other.list_name in names:
                uses.update({item.doc_id for item in self.lists.get(other.list_name).items})
        return uses

    @mutation("plan.edit", target="year")
    def draft(self, year: int, *, k: int = READINGS_PER_MONTH, replace: bool = False) -> Plan:
        """Draft the reading list of every month that has a theme (and no list, unless `replace`)."""
        filters = self.lists.reading_filters()
        for month in self.get(year).months:
            self.draft_month(year, month.month, k=k, replace=replace, filters=filters)
        return self.get(year)

    # ---- proposals and coverage -----------------------------------------------------------------
    def propose_themes(self, year: int, count: int = 12, *, distinct: bool = True) -> list[ThemeProposal]:
        """Twelve themes to start a year's plan from: the preset study themes, then the problem fields,
        those past sessions (before the year) studied least recently first, never-studied ones first of all;
        with `distinct`, a theme that would hand out the same readings as an earlier one goes last."""
        year = check_year(year)
        before = [s for s in self.archive.sessions() if s.date and s.date < str(year)]
        candidates = sorted(load_presets(), key=lambda p: p.group != "themes")  # stable: keeps file order
        proposals = []
        for preset in candidates:
            # By its name and by its example query: a short name alone can miss a session that studied it.
            found: dict[str, Session] = {}
            for topic in dict.fromkeys((preset.name, preset.query)) if before else ():
                found.update((c.session.doc_id, c.session) for c in self.archive.covered_by(topic, among=before))
            dates = [s.date for s in found.values() if s.date]
            proposals.append(ThemeProposal(theme=preset.name, preset_id=preset.id,
                                           last_covered=max(dates) if dates else None,
                                           covered_by=tuple(s.label for s in sorted(found.values(),
                                                                                     key=lambda s: s.date or ""))))
        order = {p.preset_id: i for i, p in enumerate(proposals)}
        proposals.sort(key=lambda p: (p.last_covered is not None, p.last_covered or "", order[p.preset_id]))
        return self._distinct(proposals, count) if distinct else proposals[:count]

    def _distinct(self, proposals: list[ThemeProposal], count: int) -> list[ThemeProposal]:
        """The first `count` proposals, skipping a theme that would hand out the same readings as one
        already chosen (half or more of its drafted readings shared): for this knowledge base the two
        are one theme. Skipped themes fill up the end only if too few distinct ones remain."""
        filters = self.lists.reading_filters()
        chosen: list[tuple[ThemeProposal, set[str]]] = []
        skipped = []
        for proposal in proposals:
            if len(chosen) == count:
                break
            docs = {h.doc_id for h in self.lists.picks(proposal.theme, READINGS_PER_MONTH, filters)}
            if docs and any(len(docs & other) * 2 >= len(docs) for _, other in chosen):
                skipped.append(proposal)
            else:
                chosen.append((proposal, docs))
        return ([p for p, _ in chosen] + skipped)[:count]

    def month_coverage(self, year: int, theme: str, among: Sequence[Session] | None = None) -> list[str]:
        """Lines naming the sessions before `year` that already studied a theme, latest first."""
        if not theme.strip():
            return []
        found = self.archive.covered_by(theme, before=str(year), among=among)
        ordered = sorted(found, key=lambda c: c.session.date or "", reverse=True)
        return [f"{c.session.label}（{'主持：' + c.session.host if c.session.host else '主持人不详'}）"
                for c in ordered]

    def to_export(self, plan: Plan, *, with_coverage: bool = True) -> ExportPlan:
        """The plan as the export renderers' model, with each month's readings and past coverage."""
        pool = self.archive.sessions() if with_coverage else []
        months = []
        for month in plan.months:
            readings = export_model(self.store, self.lists.get(month.list_name)).items if month.list_name else ()
            lines = self.month_coverage(plan.year, month.theme, among=pool) if with_coverage and pool else []
            months.append(PlanMonth(month=month.month, theme=month.theme or "（待定）", format=month.format,
                                    readings=readings, coverage=tuple(lines), note=month.note))
        return ExportPlan(year=plan.year, title=plan.title, main_line=plan.main_line, unit=plan.unit,
                          months=tuple(months))

    @audited("export", target="year")
    def export(self, year: int, fmt: str, *, with_coverage: bool = True) -> bytes:
        """The year's plan as a file to hand out (docx, md or pdf); the export is audited."""
        model = self.to_export(self.get(year), with_coverage=with_coverage)
        try:
            data = render_plan(model, fmt)
        except ValueError as e:
            raise InvalidInput(str(e)) from e
        self.guard.note(f"学习计划（{fmt}）")
        return data
