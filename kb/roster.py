"""The study group's roster (kb.roster): members, the names minutes use for them, sign-in sheets per
session (出席/请假/缺席, the organiser's record winning over what the minutes say) and make-up study (补学)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ingest.types import OUTPUT
from kb.access import Guard, mutation
from kb.errors import Conflict, InvalidInput, NotFound
from kb.lookup import resolve_document
from kb.records import (
    DATE,
    LEAVE,
    PRESENT,
    REFLECTION,
    Makeup,
    MakeupRecord,
    Member,
    NameUse,
    OutputRecord,
    Session,
    SignIn,
    SignInEdit,
    SignInSheet,
    signin_status,
)

if TYPE_CHECKING:
    from kb.store import Store

Sessions = Callable[..., list[Session]]  # sessions(year=…) -> sessions, oldest first
SessionOf = Callable[[str], Session]  # session(ref) -> the session of one minutes document

NAME, ALIAS, IGNORED, UNMATCHED = "name", "alias", "ignored", "unmatched"  # NameUse.how


def _text(value: str | None, what: str, limit: int = 200) -> str:
    text = " ".join((value or "").split())
    if len(text) > limit:
        raise InvalidInput(f"{what}过长（{len(text)} 字），请控制在 {limit} 字以内")
    return text


def _date(value: str | None, what: str) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if not DATE.fullmatch(text):
        raise InvalidInput(f"{what} {text} 格式不对，应为 2025-03-15（或 2025-03、2025）")
    return text


@dataclass(frozen=True)
class Names:
    """Whom each name means: the roster's names, then the organiser's aliases and ignored names."""

    members: dict[int, Member]
    mapped: dict[str, int | None]

    def resolve(self, name: str) -> tuple[int | None, str]:
        """(member id or None, how: name | alias | ignored | unmatched)."""
        for member in self.members.values():
            if member.name == name:
                return member.id, NAME
        if name in self.mapped:
            member_id = self.mapped[name]
            return (member_id, ALIAS) if member_id is not None else (None, IGNORED)
        return None, UNMATCHED

    def ids(self, names: Sequence[str]) -> set[int]:
        return {member_id for name in names if (member_id := self.resolve(name)[0]) is not None}

    def suggestions(self, name: str) -> tuple[str, ...]:
        """Members an unmatched name may mean: those of the same surname (张书记 → 张建华)."""
        return tuple(m.name for m in self.members.values() if name and m.name[:1] == name[:1])


def named_in(session: Session) -> list[str]:
    """Every name a session mentions, host first, in order."""
    return list(dict.fromkeys([*((session.host,) if session.host else ()), *session.attendees, *session.speakers]))


class Roster:
    """Members, names, sign-in sheets and make-up study; every change is an organiser's."""

    def __init__(self, store: Store, guard: Guard, sessions: Sessions, session: SessionOf):
        self.store = store
        self.guard = guard
        self._sessions = sessions
        self._session = session

    # ---- members ------------------------------------------------------------------------------------
    def members(self, year: int | None = None) -> list[Member]:
        """The roster in rank order; with a year, only who was on the group that year."""
        found = self.store.roster.members()
        return [m for m in found if m.serves_in(year)] if year is not None else found

    def member(self, name: str) -> Member:
        """A member by name or another name of theirs; InvalidInput if nobody on the roster has it."""
        wanted = name.strip()
        names = self._names()
        member_id, _ = names.resolve(wanted)
        if member_id is None:
            raise NotFound(f"名册中没有 {wanted}：先用 kb roster add 登记成员，或用 kb roster alias 说明这是谁")
        return names.members[member_id]

    def member_of_actor(self) -> Member | None:
        """The member the acting account is (its name is a member's name or another name of theirs)."""
        names = self._names()
        member_id, _ = names.resolve(self.guard.actor.name)
        return names.members.get(member_id) if member_id is not None else None

    @mutation("roster.edit", target="name")
    def add_member(self, name: str, *, post: str = "", joined: str | None = None, left: str | None = None) -> Member:
        """Put a member on the roster (last in rank order)."""
        clean = _text(name, "姓名", 40)
        if not clean:
            raise InvalidInput("请填写成员姓名")
        joined, left = _date(joined, "任职日期"), _date(left, "离任日期")
        _check_span(joined, left)
        if clean in self.store.roster.names():
            raise InvalidInput(f"{clean} 已登记为其他成员的别名或已忽略的名字：先用 kb roster unalias {clean} 取消")
        try:
            with self.store.transaction():
                self.store.roster.add_member(clean, _text(post, "职务", 80), joined, left)
        except Conflict:
            raise InvalidInput(f"名册中已有 {clean}") from None
        return self.member(clean)

    @mutation("roster.edit", target="name")
    def update_member(self, name: str, *, new_name: str | None = None, post: str | None = None,
                      joined: str | None = None, left: str | None = None, position: int | None = None) -> Member:
        """Change a member's name, post, dates ("" clears a date) or place in rank order (1 = first)."""
        member = self.member(name)
        changes: dict[str, str | int | None] = {}
        if new_name is not None and new_name.strip() != member.name:
            changes["name"] = _text(new_name, "姓名", 40)
            if not changes["name"]:
                raise InvalidInput("请填写成员姓名")
        if post is not None:
            changes["post"] = _text(post, "职务", 80)
        if joined is not None:
            changes["joined"] = _date(joined, "任职日期")
        if left is not None:
            changes["left"] = _date(left, "离任日期")
        _check_span(changes.get("joined", member.joined), changes.get("left", member.left))  # type: ignore[arg-type]
        try:
            with self.store.transaction():
                if position is not None:
                    self._move(member, position)
                self.store.roster.update_member(member.id, **changes)
        except Conflict:
            raise InvalidInput(f"名册中已有 {changes.get('name')}") from None
        return self.member(str(changes.get("name", member.name)))

    def _move(self, member: Member, position: int) -> None:
        order = [m for m in self.store.roster.members() if m.id != member.id]
        index = min(max(int(position), 1), len(order) + 1) - 1
        order.insert(index, member)
        for rank, m in enumerate(order, start=1):
            if m.position != rank:
                self.store.roster.update_member(m.id, position=rank)

    @mutation("roster.edit", target="name")
    def remove_member(self, name: str) -> Member:
        """Take a member off the roster, which only a member without records may be (others leave: a left date)."""
        member = self.member(name)
        try:
            with self.store.transaction():
                self.store.roster.delete_member(member.id)
        except Conflict:
            raise InvalidInput(f"{member.name} 已有签到、补学或学习成果记录，不能删除：请登记离任日期（kb roster edit "
                               f"{member.name} --left 日期）") from None
        return member

    # ---- names --------------------------------------------------------------------------------------
    def _names(self) -> Names:
        return Names({m.id: m for m in self.store.roster.members()}, self.store.roster.names())

    def names(self, year: int | None = None) -> list[NameUse]:
        """Every name the minutes (of a year) mention, whom it means, and the sessions that mention it;
        unmatched names first, for the organiser to map or ignore."""
        names = self._names()
        uses: dict[str, list[str]] = {}
        for session in self._sessions(year=year):
            for name in named_in(session):
                uses.setdefault(name, []).append(session.label)
        found = []
        for name, labels in uses.items():
            member_id, how = names.resolve(name)
            found.append(NameUse(name, names.members[member_id].name if member_id is not None else None, how,
                                 tuple(labels), names.suggestions(name) if how == UNMATCHED else ()))
        return sorted(found, key=lambda u: (u.how != UNMATCHED, u.how == IGNORED, u.name))

    @mutation("roster.edit", target="alias")
    def map_name(self, alias: str, member: str | None) -> NameUse:
        """Say that a name in minutes means a member (张书记 → 张建华), or nobody (None: ignore it)."""
        clean = _text(alias, "名字", 40)
        if not clean:
            raise InvalidInput("请填写纪要中出现的名字")
        names = self._names()
        if any(m.name == clean for m in names.members.values()):
            raise InvalidInput(f"{clean} 是名册中成员的姓名，不能再作为别名或忽略")
        target = self.member(member) if member is not None else None
        with self.store.transaction():
            self.store.roster.map_name(clean, target.id if target else None)
        return NameUse(clean, target.name if target else None, ALIAS if target else IGNORED, ())

    @mutation("roster.edit", target="alias")
    def unmap_name(self, alias: str) -> None:
        """Forget what a name was said to mean (it is unmatched again where minutes use it)."""
        with self.store.transaction():
            if not self.store.roster.unmap_name(alias.strip()):
                raise NotFound(f"没有登记过名字 {alias.strip()}：用 kb roster names 查看")

    # ---- sign-in sheets -----------------------------------------------------------------------------
    def sheet(self, ref: str) -> SignInSheet:
        """The sign-in sheet of one session (by its minutes' id, title or file name)."""
        return self._sheets([self._session(ref)])[0]

    def sheets(self, year: int | None = None) -> list[SignInSheet]:
        """The sign-in sheets of a year's sessions (all years with None), oldest first."""
        return self._sheets(self._sessions(year=year))

    def _sheets(self, sessions: Sequence[Session]) -> list[SignInSheet]:
        names = self._names()
        # Why a colleague was away is theirs and the organisers' to know: a member reading the sheets
        # sees everyone's 出席/请假/缺席 but only their own leave reason.
        private = not self.guard.allows("signin.edit")
        own = names.resolve(self.guard.actor.name)[0] if private else None
        edits: dict[tuple[str, int], SignInEdit] = {
            (e.doc_id, e.member_id): e for e in self.store.roster.signins([s.doc_id for s in sessions])}
        makeups = {(m.session_id, m.member): m for m in self._makeups(sessions, names)}
        sheets = []
        for session in sessions:
            present = names.ids(named_in(session))
            spoke = names.ids(session.speakers)
            rows = []
            for member in names.members.values():
                if not member.serves_on(session.date):  # joined later or left before: not due, not counted
                    continue
                edit = edits.get((session.doc_id, member.id))
                status = (edit.status if edit and edit.status else None) or (
                    PRESENT if member.id in present else "absent")
                # Only a member who was there can have given a lead speech.
                lead = status == PRESENT and (edit.lead if edit and edit.lead is not None else member.id in spoke)
                reason = edit.reason if edit and (not private or member.id == own) else None
                rows.append(SignIn(member=member.name, post=member.post, status=status,
                                   reason=reason, spoke=member.id in spoke, lead=lead,
                                   recorded=bool(edit and edit.status),
                                   makeup=makeups.get((session.doc_id, member.name)) if status != PRESENT else None))
            unmatched = tuple(n for n in named_in(session) if names.resolve(n)[1] == UNMATCHED)
            sheets.append(SignInSheet(session, tuple(rows), unmatched))
        return sheets

    @mutation("signin.edit", target="ref")
    def sign(self, ref: str, member: str, *, status: str | None = None, reason: str | None = None,
             lead: bool | None = None, reset: bool = False) -> SignIn:
        """Record a member at a session: 出席/请假/缺席 (with the reason for leave) and whether they gave a
        lead speech (重点发言); what is not given keeps what was recorded or what the minutes say.
        `reset` forgets the organiser's record (back to the minutes)."""
        session = self._session(ref)
        person = self.member(member)
        with self.store.transaction():
            old = next(iter(e for e in self.store.roster.signins([session.doc_id]) if e.member_id == person.id), None)
            if reset:
                edit = SignInEdit(session.doc_id, person.id)
            else:
                code = signin_status(status) if status is not None else (old.status if old else None)
                why = _text(reason, "请假事由") if reason is not None else (old.reason if old else None)
                if why and (code or "") != LEAVE:
                    raise InvalidInput(f"只有请假需要填写事由：请同时把 {person.name} 登记为请假")
                edit = SignInEdit(session.doc_id, person.id, code, why or None,
                                  lead if lead is not None else (old.lead if old else None))
            self.store.roster.put_signin(edit)
        return next(r for r in self.sheet(session.doc_id).rows if r.member == person.name)

    # ---- make-up study ------------------------------------------------------------------------------
    def _makeups(self, sessions: Sequence[Session] | None, names: Names) -> list[Makeup]:
        wanted = {s.doc_id: s for s in sessions} if sessions is not None else None
        labels = {s.doc_id: s.label for s in (sessions if sessions is not None else self._sessions())}
        found = []
        for record in self.store.roster.makeups():
            if wanted is not None and record.doc_id not in wanted:
                continue
            member = names.members.get(record.member_id)
            titles = self.store.documents.many(
                [*record.studied, *([record.reflection_id] if record.reflection_id else [])])
            found.append(Makeup(
                session_id=record.doc_id, session_label=labels.get(record.doc_id, f"（纪要 {record.doc_id} 已删除）"),
                member=member.name if member else "", date=record.date,
                studied=tuple((d, titles[d].title if d in titles else "（已删除）") for d in record.studied),
                reflection=(record.reflection_id, titles[record.reflection_id].title
                            if record.reflection_id in titles else "（已删除）") if record.reflection_id else None,
                note=record.note))
        return found

    def makeups(self, year: int | None = None, member: str | None = None) -> list[Makeup]:
        """Make-up study recorded for the sessions of a year (all with None), of one member or all."""
        found = self._makeups(self._sessions(year=year) if year is not None else None, self._names())
        if member is not None:
            name = self.member(member).name
            found = [m for m in found if m.member == name]
        return found

    @mutation("makeup.edit", target="ref")
    def record_makeup(self, ref: str, member: str, *, date: str, studied: Sequence[str] = (),
                      reflection: str | None = None, note: str | None = None) -> Makeup:
        """Record 补学 for a session a member missed: when, which documents were studied (ids, titles or
        file names) and the reflection (心得体会, a study output) that proves it. The reflection, if not
        yet attributed, becomes the member's 心得体会 for that session."""
        session = self._session(ref)
        person = self.member(member)
        row = next((r for r in self.sheet(session.doc_id).rows if r.member == person.name), None)
        if row is None or row.status == PRESENT:
            raise InvalidInput(f"{person.name} 出席了 {session.label}，无需补学：如签到有误，请先更正签到")
        day = _date(date, "补学日期")
        if day is None:
            raise InvalidInput("请填写补学日期")
        if session.date and day < session.date:
            raise InvalidInput(f"补学日期 {day} 早于该次学习（{session.date}）")
        docs = [resolve_document(self.store, r) for r in studied]
        reflected = resolve_document(self.store, reflection) if reflection else None
        if reflected is not None and reflected.kind != OUTPUT:
            raise InvalidInput(
                f"《{reflected.title}》不是学习成果：心得体会请以“学习成果”类型导入（kb ingest --kind output）")
        with self.store.transaction():
            if reflected is not None:
                attributed = self.store.roster.output(reflected.id)
                if attributed is None:
                    self.store.roster.put_output(OutputRecord(
                        reflected.id, REFLECTION, person.id, int(session.year or day[:4]), session.doc_id))
                elif attributed.member_id not in (None, person.id):
                    raise InvalidInput(f"《{reflected.title}》已登记为其他成员的学习成果")
            self.store.roster.put_makeup(MakeupRecord(session.doc_id, person.id, day,
                                                      tuple(dict.fromkeys(d.id for d in docs)),
                                                      reflected.id if reflected else None,
                                                      _text(note, "备注") or None))
        return next(m for m in self.makeups(member=person.name) if m.session_id == session.doc_id)

    @mutation("makeup.edit", target="ref")
    def remove_makeup(self, ref: str, member: str) -> None:
        """Forget the 补学 recorded for a member's missed session."""
        session = self._session(ref)
        person = self.member(member)
        with self.store.transaction():
            if not self.store.roster.delete_makeup(session.doc_id, person.id):
                raise NotFound(f"没有 {person.name} 对 {session.label} 的补学记录")


def _check_span(joined: str | None, left: str | None) -> None:
    if joined and left and left < joined:
        raise InvalidInput(f"离任日期 {left} 早于任职日期 {joined}")

