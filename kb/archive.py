"""The session archive (学习档案): every minutes document is a session; corrections, attendance, coverage."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from index.fusion import zscore_fusion
from index.tokenize import tokenize
from ingest.minutes import NAME_SPLIT
from ingest.normalize import for_search
from ingest.types import MinutesInfo
from kb.access import Guard, audited, mutation
from kb.errors import InvalidInput
from kb.export.csv import render_attendance
from kb.lookup import resolve_document
from kb.records import (
    DATE,
    FULL_MATCH,
    SESSION_FIELDS,
    VERDICTS,
    Attendance,
    Coverage,
    DocumentRecord,
    Filters,
    Hit,
    MemberAttendance,
    Session,
    SessionEdit,
)

if TYPE_CHECKING:
    from kb.store import Store

Search = Callable[..., list[Hit]]  # search(query, *, k, filters, per_doc) -> hits
Embed = Callable[[Sequence[str]], np.ndarray]  # vectors of short texts, kept in the store


# ---- pure helpers over records ------------------------------------------------------------------------
def make_session(doc: DocumentRecord, edit: SessionEdit | None) -> Session:
    """The session of a minutes document: what was extracted, overridden by the stored corrections."""
    minutes = doc.minutes or MinutesInfo()
    values: dict[str, Any] = {
        "date": minutes.date or doc.date,
        "theme": minutes.theme,
        "host": minutes.host,
        "location": minutes.location,
        "attendees": tuple(minutes.attendees),
        "speakers": tuple(minutes.speakers),
    }
    edited = []
    for name in SESSION_FIELDS:
        value = edit.value(name) if edit else None
        if value is None:
            continue
        values[name] = value if isinstance(value, tuple) else (value or None)
        edited.append(name)
    return Session(doc_id=doc.id, title=doc.title, path=doc.path, recorder=minutes.recorder,
                   edited=tuple(edited), **values)


def _matches_theme(session: Session, theme: str) -> bool:
    needle = for_search(theme).strip()
    return any(needle in for_search(text) for text in (session.theme or "", session.title))


def narrow(found: Sequence[Session], *, year: int | str | None = None, theme: str | None = None) -> list[Session]:
    """The sessions of a year whose theme line or title contains `theme` (either None: no limit), in order."""
    if year is not None:
        found = [s for s in found if s.date and s.date[:4] == str(year)]
    if theme and theme.strip():
        found = [s for s in found if _matches_theme(s, theme)]
    return list(found)


def split_names(value: str | Sequence[str]) -> tuple[str, ...]:
    """Names from "张三、李四,王五" or a list; blanks and repeats dropped, order kept."""
    parts = NAME_SPLIT.split(value) if isinstance(value, str) else [str(v) for v in value]
    return tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))


def _check_date(value: str) -> str:
    value = value.strip()
    if value and not DATE.fullmatch(value):
        raise InvalidInput(f"日期 {value} 格式不对，应为 2024-03-15（或 2024-03、2024）")
    return value


def attendance_of(found: Sequence[Session], year: int | None = None) -> Attendance:
    """Attendance over the given sessions. Members appear in the order the minutes list them
    (their rank order), a host or speaker counting as present even if the list left them out."""
    order: dict[str, None] = {}
    for s in found:
        order.update(dict.fromkeys([*((s.host,) if s.host else ()), *s.attendees, *s.speakers]))
    members = []
    for name in order:
        present = [s for s in found if name in s.attendees or name == s.host or name in s.speakers]
        members.append(MemberAttendance(
            name=name,
            attended=len(present),
            spoke=sum(name in s.speakers for s in found),
            hosted=sum(name == s.host for s in found),
            sessions=len(found),
            missed=tuple(s.label for s in found if s not in present),
        ))
    return Attendance(year, tuple(found), tuple(members))


def _terms(text: str) -> set[str]:
    # Single characters (的, 和, 推) say little about a topic on their own.
    tokens = set(tokenize(for_search(text)))
    return {t for t in tokens if len(t) > 1} or tokens


def word_cover(topic: str, text: str) -> float:
    """The share of the topic's words (jieba search terms, sub-words included) found in a text."""
    words = _terms(topic)
    normalised = for_search(text)
    return sum(word in normalised for word in words) / len(words) if words else 0.0


# ---- the service --------------------------------------------------------------------------------------
class Archive:
    """Sessions from minutes, their corrections, attendance and past coverage of topics (kb.archive)."""

    # Pure helpers the edges use on sessions they already hold.
    narrow = staticmethod(narrow)
    attendance_of = staticmethod(attendance_of)
    split_names = staticmethod(split_names)
    word_cover = staticmethod(word_cover)

    def __init__(self, store: Store, guard: Guard, search: Search, embed: Embed):
        self.store = store
        self.guard = guard
        self._search = search
        self._embed = embed

    # ---- sessions -------------------------------------------------------------------------------
    def sessions(self, *, year: int | str | None = None, theme: str | None = None) -> list[Session]:
        """Every minutes document as a session, oldest first; year and theme (a substring of the theme
        line or title) narrow the list. Sessions of unknown date come last and match no year."""
        edits = self.store.sessions.all()
        found = [make_session(doc, edits.get(doc.id)) for doc in self.store.documents.matching(Filters(kind="minutes"))]
        return sorted(narrow(found, year=year, theme=theme), key=lambda s: (s.date is None, s.date or "", s.title))

    def session(self, ref: str) -> Session:
        """The session of one minutes document (by id, id prefix, title or file name)."""
        doc = resolve_document(self.store, ref)
        if doc.kind != "minutes":
            raise InvalidInput(f"《{doc.title}》不是会议纪要，不是一次学习活动：用 kb sessions 查看学习档案")
        return make_session(doc, self.store.sessions.get(doc.id))

    @mutation("session.edit", target="ref")
    def edit_session(
        self,
        ref: str,
        *,
        date: str | None = None,
        theme: str | None = None,
        host: str | None = None,
        location: str | None = None,
        attendees: str | Sequence[str] | None = None,
        speakers: str | Sequence[str] | None = None,
        reset: Sequence[str] = (),
    ) -> Session:
        """Correct what extraction got wrong (None leaves a field as it is; "" or () blanks it);
        `reset` names fields that go back to the extracted value."""
        current = self.session(ref)
        unknown = [name for name in reset if name not in SESSION_FIELDS]
        if unknown:
            raise InvalidInput(f"无法恢复字段 {'、'.join(unknown)}：可选 {'、'.join(SESSION_FIELDS)}")
        given = {
            "date": _check_date(date) if date is not None else None,
            "theme": theme.strip() if theme is not None else None,
            "host": host.strip() if host is not None else None,
            "location": location.strip() if location is not None else None,
            "attendees": split_names(attendees) if attendees is not None else None,
            "speakers": split_names(speakers) if speakers is not None else None,
        }
        with self.store.transaction():
            stored = self.store.sessions.get(current.doc_id)
            merged: dict[str, Any] = {name: (stored.value(name) if stored else None) for name in SESSION_FIELDS}
            merged.update({name: value for name, value in given.items() if value is not None})
            merged.update({name: None for name in reset})
            self.store.sessions.put(SessionEdit(doc_id=current.doc_id, **merged))
        return self.session(current.doc_id)

    def attendance(self, year: int | None = None) -> Attendance:
        """Who attended how many sessions of a year (all years with None), who spoke, who hosted."""
        return attendance_of(self.sessions(year=year), year)

    @audited("export", target="year")
    def export_attendance(self, year: int | None = None) -> bytes:
        """出勤统计 as CSV (every cell kept as text by spreadsheets); the export is audited."""
        self.guard.note("出勤统计（csv）")
        return render_attendance(self.attendance(year))

    # ---- coverage -------------------------------------------------------------------------------
    def theme_similarity(self, topic: str, themes: Sequence[str]) -> list[float]:
        """How close each theme line is to the topic: the mean of the share of the topic's words it
        contains and the cosine of their embeddings (clipped at 0), so a shared key word counts even
        where the model is unsure, and a paraphrase counts where no word is shared."""
        if not themes:
            return []
        vectors = self._embed([topic, *themes])
        cosines = np.clip(vectors[1:] @ vectors[0], 0.0, 1.0)
        overlaps = [word_cover(topic, theme) for theme in themes]
        return [float((o + c) / 2) for o, c in zip(overlaps, cosines, strict=True)]

    def coverage(self, topic: str, *, k: int = 5, before: str | None = None,
                 among: Sequence[Session] | None = None) -> list[Coverage]:
        """The past sessions that best match a topic, best first: their minutes' best passages ranked
        by the knowledge base's search, fused with how close their theme lines are to the topic.

        `before` ("2026" or "2026-03-01") keeps sessions dated earlier; `among` limits the sessions.
        """
        if not topic.strip():
            return []
        pool = list(among) if among is not None else self.sessions()
        if before:
            pool = [s for s in pool if s.date and s.date < before]
        if not pool:
            return []
        by_id = {s.doc_id: s for s in pool}
        hits = self._search(topic, k=len(pool), per_doc=True, filters=Filters(kind="minutes", doc_ids=tuple(by_id)))
        hit_of = {h.doc_id: h for h in hits}
        themed = [s for s in pool if s.theme]
        similarity = dict(zip((s.doc_id for s in themed),
                              self.theme_similarity(topic, [s.theme or "" for s in themed]), strict=True))
        ids = list(by_id)
        index = {doc_id: i for i, doc_id in enumerate(ids)}
        themes = sorted(similarity, key=lambda d: -similarity[d])
        fused = zscore_fusion([
            ([index[d] for d in themes], [similarity[d] for d in themes]),
            ([index[h.doc_id] for h in hits], [h.score for h in hits]),  # the search was limited to `pool`
        ])
        out = []
        for i, score in fused[:k + 3]:  # a few more: a 已学过 just below the k-th may outrank a 相关 above it
            doc_id = ids[i]
            hit = hit_of.get(doc_id)
            out.append(Coverage(
                session=by_id[doc_id],
                relevance=min(1.0, max(0.0, score / FULL_MATCH)),
                score=score,
                passage_score=hit.score if hit else None,
                theme_score=similarity.get(doc_id),
                word_cover=word_cover(topic, self.store.documents.text(doc_id)),
                snippet=hit.snippet if hit else "",
                highlights=hit.highlights if hit else (),
                chunk_id=hit.chunk_id if hit else None,
                passage_weak=hit.weak if hit else True,
            ))
        # The verdict first, so a session shown as 已学过 never sits below one shown as 相关.
        out.sort(key=lambda c: (VERDICTS.index(c.verdict), -c.score))
        return out[:k]

    def covered_by(self, topic: str, *, before: str | None = None, among: Sequence[Session] | None = None,
                   limit: int = 3) -> list[Coverage]:
        """The sessions that already studied a topic (see Coverage.covered), best first."""
        return [c for c in self.coverage(topic, k=limit, before=before, among=among) if c.covered]
