"""Study outputs (kb.outputs): 心得体会, 研讨发言材料 and 调研报告 — documents of the third kind, imported and
searched like any other — attributed to a member, a year and a session or plan month, and a research
report's outcome (成果转化). The texts are the members' own; kb only files them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ingest.types import MINUTES, OUTPUT
from kb.access import Guard, mutation
from kb.errors import InvalidInput, NotFound
from kb.lookup import resolve_document
from kb.records import (
    REPORT,
    DocumentRecord,
    Filters,
    Member,
    OutputRecord,
    Session,
    StudyOutput,
    check_month,
    output_type,
)

if TYPE_CHECKING:
    from kb.store import Store

MemberOf = Callable[[str], Member]  # member(name or alias) -> the member
SessionOf = Callable[[str], Session]
Sessions = Callable[..., list[Session]]


class Outputs:
    """Attributions of study outputs; every change is an organiser's."""

    def __init__(self, store: Store, guard: Guard, member: MemberOf, session: SessionOf, sessions: Sessions):
        self.store = store
        self.guard = guard
        self._member = member
        self._session = session
        self._sessions = sessions

    def all(self, year: int | None = None, member: str | None = None) -> list[StudyOutput]:
        """The attributed outputs (of a year, of a member), by date; a deleted document shows as missing."""
        records = self.store.roster.outputs(year)
        if member is not None:
            wanted = self._member(member).id
            records = [r for r in records if r.member_id == wanted]
        docs = self.store.documents.many([r.doc_id for r in records])
        members = {m.id: m.name for m in self.store.roster.members()}
        labels = {s.doc_id: s.label for s in self._sessions()}
        found = []
        for r in records:
            doc = docs.get(r.doc_id)
            found.append(StudyOutput(
                doc_id=r.doc_id, title=doc.title if doc else "（文档已删除）", date=doc.date if doc else None,
                path=doc.path if doc else "", type=r.type,
                member=members.get(r.member_id) if r.member_id is not None else None, year=r.year,
                session_id=r.session_id, session_label=labels.get(r.session_id) if r.session_id else None,
                month=r.month, outcome=r.outcome, missing=doc is None))
        return sorted(found, key=lambda o: (o.year, o.date or "", o.member or "", o.title))

    def unattributed(self) -> list[DocumentRecord]:
        """Documents imported as study outputs that nobody has attributed yet (for the organiser)."""
        attributed = {r.doc_id for r in self.store.roster.outputs()}
        return [d for d in self.store.documents.matching(Filters(kind=OUTPUT)) if d.id not in attributed]

    @mutation("output.edit", target="ref")
    def attribute(self, ref: str, *, type: str, member: str, year: int | None = None, session: str | None = None,
                  month: int | None = None, outcome: str | None = None) -> StudyOutput:
        """File a document as a member's study output of a year (default: the session's, else the
        document's date), for a session or a plan month. A document imported as a theory text becomes
        a study output; minutes cannot be one."""
        doc = resolve_document(self.store, ref)
        if doc.kind == MINUTES:
            raise InvalidInput(f"《{doc.title}》是会议纪要，不能登记为学习成果")
        kind = output_type(type)
        person = self._member(member)
        held = self._session(session) if session else None
        when = year or (held.year if held else None) or (int(doc.date[:4]) if doc.date else None)
        if when is None:
            raise InvalidInput(f"《{doc.title}》日期不详：请指定年度（--year）")
        text = " ".join((outcome or "").split()) or None
        if text and len(text) > 500:
            raise InvalidInput(f"成果转化情况过长（{len(text)} 字），请控制在 500 字以内")
        with self.store.transaction():
            if doc.kind != OUTPUT:
                self.store.documents.set_kind(doc.id, OUTPUT)
            self.store.roster.put_output(OutputRecord(doc.id, kind, person.id, int(when),
                                                      held.doc_id if held else None,
                                                      check_month(month) if month is not None else None, text))
        return self._one(doc.id)

    @mutation("output.edit", target="ref")
    def set_outcome(self, ref: str, outcome: str | None) -> StudyOutput:
        """Record what a study output (a research report, mostly) led to: the measure or policy (成果转化)."""
        doc = resolve_document(self.store, ref)
        text = " ".join((outcome or "").split()) or None
        if text and len(text) > 500:
            raise InvalidInput(f"成果转化情况过长（{len(text)} 字），请控制在 500 字以内")
        with self.store.transaction():
            record = self.store.roster.output(doc.id)
            if record is None:
                raise NotFound(f"《{doc.title}》还没有登记为学习成果：先用 kb outputs add 登记")
            self.store.roster.put_output(OutputRecord(record.doc_id, record.type, record.member_id, record.year,
                                                      record.session_id, record.month, text))
        return self._one(doc.id)

    @mutation("output.edit", target="ref")
    def forget(self, ref: str) -> None:
        """Withdraw a document's attribution (the document itself stays)."""
        doc = resolve_document(self.store, ref)
        with self.store.transaction():
            if not self.store.roster.delete_output(doc.id):
                raise NotFound(f"《{doc.title}》没有登记为学习成果")

    def _one(self, doc_id: str) -> StudyOutput:
        return next(o for o in self.all() if o.doc_id == doc_id)


def is_outcome_expected(output: StudyOutput) -> bool:
    """Research reports are the outputs whose outcome (成果转化) the assessment asks about."""
    return output.type == REPORT
