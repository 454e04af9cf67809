"""The session archive (学习档案): every minutes document is a session; corrections, attendance, coverage."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from index.fusion import zscore_fusion
from index.tokenize import tokenize
from ingest.minutes import NAME_SPLIT
from ingest.normalize import for_search
from ingest.types import MinutesInfo
from kb.errors import InvalidInput
from kb.representation import embed_key
from kb.snippets import mark
from kb.store import DATE, DocumentRecord, Filters, Store, now

if TYPE_CHECKING:
    from kb.library import KnowledgeBase

EDITABLE = ("date", "theme", "host", "location", "attendees", "speakers")
FIELD_NAMES = {"date": "日期", "theme": "主题", "host": "主持人", "location": "地点",
               "attendees": "参加人员", "speakers": "发言人"}
_LIST_FIELDS = ("attendees", "speakers")

# Coverage fuses two scorings of sessions (their best passages, their theme lines) by z-scores, as
# the search itself does (index.fusion.zscore_fusion): a session far ahead on passages stays ahead
# even when its theme line is worded differently. On the sample archive the session a topic was
# studied in scores 5-7, a second session on the same topic about 2, unrelated ones below 1.5.
# A session counts as having covered a topic when it stands out that far AND its minutes hold most
# of the topic's words: a ranking always has a first place, even for a topic no session studied.
COVERED_MIN = 1.5
WORDS_MIN = 0.75


@dataclass(frozen=True)
class Session:
    """One study session (集体学习), from its minutes plus the organiser's corrections."""

    doc_id: str
    title: str
    path: str
    date: str | None
    theme: str | None
    host: str | None
    location: str | None
    attendees: tuple[str, ...]
    speakers: tuple[str, ...]
    recorder: str | None
    edited: tuple[str, ...] = ()  # fields whose value is a correction, not what was extracted

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None

    @property
    def label(self) -> str:
        """"2024-03-19 推进全面从严治党…" — the theme, or the title when the theme is unknown."""
        return f"{self.date or '日期不详'} {self.theme or self.title}"

    def to_dict(self) -> dict:
        return {
            "doc_id": self.doc_id, "title": self.title, "path": self.path, "date": self.date,
            "theme": self.theme, "host": self.host, "location": self.location,
            "attendees": list(self.attendees), "speakers": list(self.speakers), "recorder": self.recorder,
            "edited": list(self.edited),
        }


def _session(doc: DocumentRecord, edit: dict | None) -> Session:
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
    for name in EDITABLE:
        value = (edit or {}).get(name)
        if value is None:
            continue
        values[name] = tuple(json.loads(value)) if name in _LIST_FIELDS else (value or None)
        edited.append(name)
    return Session(doc_id=doc.id, title=doc.title, path=doc.path, recorder=minutes.recorder,
                   edited=tuple(edited), **values)


def _edits(store: Store) -> dict[str, dict]:
    return {r["doc_id"]: dict(r) for r in store.db.execute("SELECT * FROM session_edits")}


def _matches_theme(session: Session, theme: str) -> bool:
    needle = for_search(theme).strip()
    return any(needle in for_search(text) for text in (session.theme or "", session.title))


def sessions(kb: KnowledgeBase, *, year: int | str | None = None, theme: str | None = None) -> list[Session]:
    """Every minutes document as a session, oldest first; year and theme (a substring of the theme
    line or title) narrow the list. Sessions of unknown date come last and match no year."""
    edits = _edits(kb.store)
    found = [_session(doc, edits.get(doc.id)) for doc in kb.documents(Filters(kind="minutes"))]
    return sorted(narrow(found, year=year, theme=theme), key=lambda s: (s.date is None, s.date or "", s.title))


def narrow(found: Sequence[Session], *, year: int | str | None = None, theme: str | None = None) -> list[Session]:
    """The sessions of a year whose theme line or title contains `theme` (either None: no limit), in order."""
    if year is not None:
        found = [s for s in found if s.date and s.date[:4] == str(year)]
    if theme and theme.strip():
        found = [s for s in found if _matches_theme(s, theme)]
    return list(found)


def session(kb: KnowledgeBase, ref: str) -> Session:
    """The session of one minutes document (by id, id prefix, title or file name)."""
    doc = kb.document(ref)
    if doc.kind != "minutes":
        raise InvalidInput(f"《{doc.title}》不是会议纪要，不是一次学习活动：用 kb sessions 查看学习档案")
    row = kb.store.db.execute("SELECT * FROM session_edits WHERE doc_id = ?", (doc.id,)).fetchone()
    return _session(doc, dict(row) if row else None)


def split_names(value: str | Sequence[str]) -> tuple[str, ...]:
    """Names from "张三、李四,王五" or a list; blanks and repeats dropped, order kept."""
    parts = NAME_SPLIT.split(value) if isinstance(value, str) else [str(v) for v in value]
    return tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))


def _check_date(value: str) -> str:
    value = value.strip()
    if value and not DATE.fullmatch(value):
        raise InvalidInput(f"日期 {value} 格式不对，应为 2024-03-15（或 2024-03、2024）")
    return value


def edit_session(
    kb: KnowledgeBase,
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
    current = session(kb, ref)
    unknown = [name for name in reset if name not in EDITABLE]
    if unknown:
        raise InvalidInput(f"无法恢复字段 {'、'.join(unknown)}：可选 {'、'.join(EDITABLE)}")
    given = {
        "date": _check_date(date) if date is not None else None,
        "theme": theme.strip() if theme is not None else None,
        "host": host.strip() if host is not None else None,
        "location": location.strip() if location is not None else None,
        "attendees": json.dumps(split_names(attendees), ensure_ascii=False) if attendees is not None else None,
        "speakers": json.dumps(split_names(speakers), ensure_ascii=False) if speakers is not None else None,
    }
    with kb.store.transaction() as db:
        row = db.execute("SELECT * FROM session_edits WHERE doc_id = ?", (current.doc_id,)).fetchone()
        merged = {name: (row[name] if row else None) for name in EDITABLE}
        merged.update({name: value for name, value in given.items() if value is not None})
        merged.update({name: None for name in reset})
        if all(value is None for value in merged.values()):
            db.execute("DELETE FROM session_edits WHERE doc_id = ?", (current.doc_id,))
        else:
            db.execute(
                f"INSERT OR REPLACE INTO session_edits(doc_id, {', '.join(EDITABLE)}, updated_at) "
                f"VALUES (?, {', '.join('?' * len(EDITABLE))}, ?)",
                [current.doc_id, *(merged[name] for name in EDITABLE), now()],
            )
    return session(kb, current.doc_id)


def carry_edits(store: Store, old_doc_id: str, new_doc_id: str) -> None:
    """A minutes file was replaced by a new version: its corrections follow it (inside the caller's
    transaction). Corrections stored for the new content (an earlier version come back) give way."""
    if old_doc_id == new_doc_id:
        return
    if store.db.execute("SELECT 1 FROM session_edits WHERE doc_id = ?", (old_doc_id,)).fetchone():
        store.db.execute("DELETE FROM session_edits WHERE doc_id = ?", (new_doc_id,))
        store.db.execute("UPDATE session_edits SET doc_id = ? WHERE doc_id = ?", (new_doc_id, old_doc_id))


# ---- attendance -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MemberAttendance:
    """One member's record over the sessions counted (学习考勤)."""

    name: str
    attended: int  # sessions attended (listed, hosted or spoke)
    spoke: int  # sessions in which the member gave a 发言
    hosted: int
    sessions: int  # sessions counted
    missed: tuple[str, ...]  # labels of the sessions missed

    @property
    def rate(self) -> float:
        return self.attended / self.sessions if self.sessions else 0.0

    def to_dict(self) -> dict:
        return {"name": self.name, "attended": self.attended, "spoke": self.spoke, "hosted": self.hosted,
                "sessions": self.sessions, "rate": round(self.rate, 4), "missed": list(self.missed)}


@dataclass(frozen=True)
class Attendance:
    year: int | None  # None: all years
    sessions: tuple[Session, ...]
    members: tuple[MemberAttendance, ...]

    def to_dict(self) -> dict:
        return {"year": self.year, "sessions": len(self.sessions),
                "members": [m.to_dict() for m in self.members]}


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


def attendance(kb: KnowledgeBase, year: int | None = None) -> Attendance:
    """Who attended how many sessions of a year (all years with None), who spoke, who hosted."""
    return attendance_of(sessions(kb, year=year), year)


# ---- coverage ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Coverage:
    """A past session that studied a topic, with how closely it matches and why."""

    session: Session
    relevance: float  # 0..1: the fused score over the closest session's
    score: float  # the fused z-score (see COVERED_MIN)
    passage_score: float | None  # the best minutes passage's search score (None: no passage matched)
    theme_score: float | None  # 0..1 similarity of the theme line (None: no theme line)
    word_cover: float  # share of the topic's words that the minutes contain
    snippet: str  # the best passage, shortened around the matched terms
    highlights: tuple[tuple[int, int], ...]  # spans of matched terms within `snippet`
    chunk_id: int | None

    @property
    def covered(self) -> bool:
        return self.score >= COVERED_MIN and self.word_cover >= WORDS_MIN

    def marked_snippet(self, before: str = "【", after: str = "】") -> str:
        return mark(self.snippet, self.highlights, before, after)

    def to_dict(self) -> dict:
        return {**self.session.to_dict(), "relevance": round(self.relevance, 4),
                "passage_score": None if self.passage_score is None else round(self.passage_score, 6),
                "theme_score": None if self.theme_score is None else round(self.theme_score, 4),
                "word_cover": round(self.word_cover, 4),
                "covered": self.covered, "snippet": self.snippet, "marked_snippet": self.marked_snippet(),
                "chunk_id": self.chunk_id}


def _theme_vectors(kb: KnowledgeBase, texts: Sequence[str]) -> np.ndarray:
    """Vectors of short texts, cached in the store's embedding table like chunk vectors."""
    text_of = {embed_key(t): t for t in texts}
    return kb.stored_vectors([embed_key(t) for t in texts], lambda missing: [text_of[k] for k in missing])


def _terms(text: str) -> set[str]:
    # Single characters (的, 和, 推) say little about a topic on their own.
    tokens = set(tokenize(for_search(text)))
    return {t for t in tokens if len(t) > 1} or tokens


def word_cover(topic: str, text: str) -> float:
    """The share of the topic's words (jieba search terms, sub-words included) found in a text."""
    words = _terms(topic)
    normalised = for_search(text)
    return sum(word in normalised for word in words) / len(words) if words else 0.0


def theme_similarity(kb: KnowledgeBase, topic: str, themes: Sequence[str]) -> list[float]:
    """How close each theme line is to the topic: the mean of the share of the topic's words it
    contains and the cosine of their embeddings (clipped at 0), so a shared key word counts even
    where the model is unsure, and a paraphrase counts where no word is shared."""
    if not themes:
        return []
    vectors = _theme_vectors(kb, [topic, *themes])
    cosines = np.clip(vectors[1:] @ vectors[0], 0.0, 1.0)
    overlaps = [word_cover(topic, theme) for theme in themes]
    return [float((o + c) / 2) for o, c in zip(overlaps, cosines, strict=True)]


def coverage(
    kb: KnowledgeBase, topic: str, *, k: int = 5, before: str | None = None,
    among: Sequence[Session] | None = None,
) -> list[Coverage]:
    """The past sessions that best match a topic, best first: their minutes' best passages ranked
    by the knowledge base's search, fused with how close their theme lines are to the topic.

    `before` ("2026" or "2026-03-01") keeps sessions dated earlier; `among` limits the sessions.
    """
    if not topic.strip():
        return []
    pool = list(among) if among is not None else sessions(kb)
    if before:
        pool = [s for s in pool if s.date and s.date < before]
    if not pool:
        return []
    by_id = {s.doc_id: s for s in pool}
    hits = kb.search(topic, k=len(pool), per_doc=True,
                     filters=Filters(kind="minutes", doc_ids=tuple(by_id)))
    hit_of = {h.doc_id: h for h in hits}
    themed = [s for s in pool if s.theme]
    similarity = dict(zip((s.doc_id for s in themed),
                          theme_similarity(kb, topic, [s.theme or "" for s in themed]), strict=True))
    ids = list(by_id)
    index = {doc_id: i for i, doc_id in enumerate(ids)}
    themes = sorted(similarity, key=lambda d: -similarity[d])
    fused = zscore_fusion([
        ([index[d] for d in themes], [similarity[d] for d in themes]),
        ([index[h.doc_id] for h in hits], [h.score for h in hits]),  # the search was limited to `pool`
    ])
    best = fused[0][1] if fused and fused[0][1] > 0 else 1.0
    out = []
    for i, score in fused[:k]:
        doc_id = ids[i]
        hit = hit_of.get(doc_id)
        out.append(Coverage(
            session=by_id[doc_id],
            relevance=min(1.0, max(0.0, score / best)),
            score=score,
            passage_score=hit.score if hit else None,
            theme_score=similarity.get(doc_id),
            word_cover=word_cover(topic, kb.text(doc_id)),
            snippet=hit.snippet if hit else "",
            highlights=hit.highlights if hit else (),
            chunk_id=hit.chunk_id if hit else None,
        ))
    return out


def covered_by(kb: KnowledgeBase, topic: str, *, before: str | None = None,
               among: Sequence[Session] | None = None, limit: int = 3) -> list[Coverage]:
    """The sessions that already studied a topic (see Coverage.covered), best first."""
    return [c for c in coverage(kb, topic, k=limit, before=before, among=among) if c.covered]
