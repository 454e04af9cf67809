"""Plain records shared by the store, the services and the edges (CLI, UI): frozen dataclasses and
the constants that name their fields. Nothing here reads the store or knows a database driver."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date as _date
from pathlib import Path
from typing import ClassVar

from index import fusion
from ingest.types import GongwenInfo, MinutesInfo, Skipped
from kb.errors import InvalidInput
from kb.snippets import mark

FUSION_METHODS = fusion.METHODS  # what SearchConfig.fusion may name
RETRIEVERS = ("hybrid", "dense", "keyword")  # what kb.search(retriever=…) accepts
DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")  # how dates are stored and compared: 2024, 2024-03, 2024-03-15


def check_date(value: str) -> str:
    """A date as typed, trimmed, if it is one of the stored forms and a real day ("" stays "")."""
    value = value.strip()
    if not value:
        return value
    try:
        if not DATE.fullmatch(value):
            raise ValueError(value)
        year, month, day = (int(part) for part in (value.split("-") + ["1", "1"])[:3])
        _date(year, month, day)
    except ValueError:
        raise InvalidInput(f"日期 {value} 不对，应写成 2024-03-15（或 2024-03、2024）") from None
    return value


def section_below(title: str, section: Sequence[str]) -> tuple[str, ...]:
    """A passage's headings without the document's own title: a Markdown or Word file whose first
    heading is its title would otherwise cite "《标题》，标题 > 一、…" under that very title."""
    def same(a: str) -> str:
        return re.sub(r"\s+", "", a).strip("《》")

    parts = tuple(s for s in section if s and s.strip())
    while parts and same(parts[0]) == same(title):
        parts = parts[1:]
    return parts


def doc_id_for(content_hash: str) -> str:
    """A document's id: a prefix of its content hash, short enough to type."""
    return content_hash[:12]


def page_range(start: int | None, end: int | None) -> str:
    """"第3页" / "第3–4页" / "" for unpaged documents."""
    if start is None:
        return ""
    return f"第{start}页" if end in (None, start) else f"第{start}–{end}页"


# ---- documents and chunks ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DocumentRecord:
    """A stored document without its full text."""

    id: str
    title: str
    kind: str
    date: str | None
    path: str
    format: str
    content_hash: str
    tags: tuple[str, ...]
    chunk_count: int
    char_count: int
    page_count: int
    added_at: str
    updated_at: str
    minutes: MinutesInfo | None
    metadata: dict
    warnings: tuple[str, ...]
    gongwen: GongwenInfo | None = None  # the 公文 parts recognised at import (ingest.gongwen)
    classification: str | None = None  # 密级 on the first page (kept only where an administrator allows it)
    handling_marks: tuple[str, ...] = ()  # 内部资料, 注意保存 … on the first page

    @property
    def file_name(self) -> str:
        return Path(self.path).name

    @property
    def marks(self) -> tuple[str, ...]:
        """The badges the first page's marks give: the 密级 first, then the handling marks."""
        return ((self.classification,) if self.classification else ()) + self.handling_marks

    def citation(self, page: str = "") -> str:
        """《关于……的意见》（中发〔2024〕3号）第3页 for a 公文, 《标题》第3页 otherwise."""
        return cite(self.gongwen.title if self.gongwen and self.gongwen.title else self.title,
                    self.gongwen.number if self.gongwen else None, page)


def cite(title: str, number: str | None = None, page: str = "") -> str:
    """《标题》（发文字号）第3页: the parts that are known."""
    return f"《{title}》" + (f"（{number}）" if number else "") + page


@dataclass(frozen=True)
class Version:
    """Another stored version of a document's work (a near-duplicate linked at import)."""

    document: DocumentRecord
    similarity: float | None  # of its direct link to the document asked about; None: linked through others


@dataclass(frozen=True)
class ChunkRecord:
    """A stored chunk with its document's identity."""

    id: int
    doc_id: str
    ordinal: int
    text: str
    search_text: str
    start: int
    end: int
    page_start: int | None
    page_end: int | None
    section: tuple[str, ...]
    embed_key: str


@dataclass(frozen=True)
class PageSpan:
    """Where one page of a document lies in its text (character offsets)."""

    number: int
    start: int
    end: int


@dataclass(frozen=True)
class Filters:
    """Restricts search and listing. Dates compare by prefix, so "2024" or "2024-03" work too."""

    kind: str | None = None
    since: str | None = None
    until: str | None = None
    tags: tuple[str, ...] = ()  # a document matches if it has any of them
    doc_ids: tuple[str, ...] = ()
    issuer: str | None = None  # 发文机关: one of a document's issuers (joint documents match each)
    genre: str | None = None  # 文种 of a 公文: 通知, 意见, 讲话 … (ingest.gongwen.KINDS)
    year: int | None = None  # the year of the document's date

    def is_empty(self) -> bool:
        return not (self.kind or self.since or self.until or self.tags or self.doc_ids or self.issuer
                    or self.genre or self.year)


@dataclass(frozen=True)
class Facets:
    """How many documents each value of a filter would keep: (value, count), most documents first."""

    issuers: tuple[tuple[str, int], ...] = ()
    genres: tuple[tuple[str, int], ...] = ()
    years: tuple[tuple[int, int], ...] = ()  # newest first

    def to_dict(self) -> dict:
        return {"issuers": dict(self.issuers), "genres": dict(self.genres),
                "years": {str(y): n for y, n in self.years}}


# ---- search -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hit:
    """One search result: a passage with its document's citation and why it matched."""

    chunk_id: int
    doc_id: str
    title: str
    date: str | None
    kind: str
    path: str
    tags: tuple[str, ...]
    page_start: int | None
    page_end: int | None
    section: tuple[str, ...]
    score: float
    text: str
    snippet: str
    highlights: tuple[tuple[int, int], ...]  # spans of matched terms within `snippet`
    start: int  # character offsets of the passage in its document
    end: int
    gongwen: GongwenInfo | None = None  # the document's 公文 parts, when it is one
    marks: tuple[str, ...] = ()  # the document's first-page marks (内部资料 …), shown as badges
    versions: tuple[str, ...] = ()  # other stored versions of the same work (near-duplicates), by id
    # The passage's meaning is far from the query's (its cosine is under the model's measured line,
    # kb.calibration): shown, but not claimed as a match.
    weak: bool = False

    @property
    def pages(self) -> str:
        return page_range(self.page_start, self.page_end)

    @property
    def citation(self) -> str:
        """《关于……的意见》（中发〔2024〕3号）第3页 — the title as the document names itself, its number, the page."""
        title = self.gongwen.title if self.gongwen and self.gongwen.title else self.title
        return cite(title, self.gongwen.number if self.gongwen else None, self.pages)

    def marked_snippet(self, before: str = "【", after: str = "】") -> str:
        return mark(self.snippet, self.highlights, before, after)

    def to_dict(self) -> dict:
        return {
            "chunk_id": self.chunk_id,
            "doc_id": self.doc_id,
            "title": self.title,
            "date": self.date,
            "kind": self.kind,
            "path": self.path,
            "tags": list(self.tags),
            "page_start": self.page_start,
            "page_end": self.page_end,
            "section": list(self.section),
            "score": round(self.score, 6),
            "snippet": self.snippet,
            "marked_snippet": self.marked_snippet(),
            "start": self.start,
            "end": self.end,
            "citation": self.citation,
            "gongwen": gongwen_dict(self.gongwen),
            "marks": list(self.marks),
            "versions": list(self.versions),
            "weak": self.weak,
        }


def gongwen_dict(info: GongwenInfo | None) -> dict | None:
    """A document's 公文 parts as JSON-ready values (None when it is not one)."""
    if info is None:
        return None
    return {"issuers": list(info.issuers), "number": info.number, "title": info.title,
            "recipients": list(info.recipients), "date": info.date, "kind": info.kind}


def nothing_matches_well(hits: Sequence[Hit]) -> bool:
    """True when there are hits but every one is a weak match (say so, still show the closest)."""
    return bool(hits) and all(hit.weak for hit in hits)


# ---- ingest reports ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    """One file in the ingest report."""

    path: str
    title: str
    doc_id: str
    chunks: int = 0
    note: str = ""  # e.g. "与 X 内容相同", "文件已移动", warnings


@dataclass(frozen=True)
class NearDuplicate:
    """A document imported as a version of one already stored (nearly the same text), linked to it."""

    path: str
    doc_id: str
    title: str
    twin_id: str
    twin_title: str
    similarity: float  # estimated share of the shorter text found in the longer, 0–1

    @property
    def note(self) -> str:
        return (f"与已入库的《{self.twin_title}》（{self.twin_id}）内容近似，相似度 {self.similarity:.0%}，"
                f"已关联为同一作品的不同版本")


@dataclass
class IngestReport:
    added: list[Entry] = field(default_factory=list)
    updated: list[Entry] = field(default_factory=list)
    unchanged: list[Entry] = field(default_factory=list)
    duplicates: list[Entry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoded: int = 0  # chunk texts that had to be encoded (the rest came from the cache)
    refused: list[str] = field(default_factory=list)  # paths refused for a classification mark (also skipped)
    near_duplicates: list[NearDuplicate] = field(default_factory=list)  # added and linked to their twin

    @property
    def read_count(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged) + len(self.duplicates)

    @property
    def nothing_read(self) -> bool:
        """True when files were given but none could be read (the CLI then exits 1)."""
        return self.read_count == 0 and bool(self.skipped)

    def summary(self) -> dict:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "duplicates": len(self.duplicates),
            "skipped": len(self.skipped),
            "encoded": self.encoded,
            "refused": len(self.refused),
            "near_duplicates": len(self.near_duplicates),
            "skipped_reasons": [s.reason for s in self.skipped],
        }


@dataclass(frozen=True)
class Progress:
    """Reported to a callback as files are processed."""

    done: int
    total: int
    path: str
    stage: str  # "read" (files) | "done" (every file read and committed) | "vectors" (passages encoded)

    @property
    def fraction(self) -> float:
        """How far along, 0..1 (a stage with nothing to do is complete)."""
        return min(max(self.done / self.total, 0.0), 1.0) if self.total > 0 else 1.0

    @property
    def reading(self) -> str:
        """"3/5": the file being read now, counted from 1 and never past the total."""
        return f"{min(self.done + 1, self.total)}/{self.total}"


ProgressFn = Callable[[Progress], None]

@dataclass
class CheckReport:
    """What `kb check` found: counts, problems (each one line saying what to do) and notes."""

    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# ImportJob.state
QUEUED, RUNNING, FINISHED, FAILED = "queued", "running", "finished", "failed"
JOB_STATE_LABELS = {QUEUED: "排队中", RUNNING: "正在导入", FINISHED: "已完成", FAILED: "未完成"}


@dataclass(frozen=True)
class ImportJob:
    """An import handed to the import worker, as the person who asked for it sees it."""

    id: int
    owner: str  # the name of whoever asked for it
    label: str  # what was asked, in words ("上传 3 个文件")
    state: str  # QUEUED | RUNNING | FINISHED | FAILED
    submitted_at: str
    ahead: int = 0  # while queued: how many imports run before it
    progress: Progress | None = None
    report: IngestReport | None = None
    error: str | None = None  # why it did not finish (one line)

    @property
    def active(self) -> bool:
        return self.state in (QUEUED, RUNNING)


# ---- synced folders ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class GoneFile:
    """A document whose file is no longer in its synced folder: listed for an organiser to confirm its
    removal from the knowledge base (or to keep it)."""

    folder: str
    doc_id: str
    title: str
    path: str
    noticed_at: str
    kept: bool = False


@dataclass(frozen=True)
class SyncedFolder:
    """A folder kb sync keeps in step with the knowledge base, with its last run and its gone files."""

    path: str
    every_seconds: int | None  # how often `kb sync --every` / the schedule repeats it (None: by hand)
    added_at: str
    added_by: str
    last_run_at: str | None
    last_report: dict | None  # SyncResult.summary() of the last run
    gone: tuple[GoneFile, ...] = ()

    @property
    def waiting(self) -> tuple[GoneFile, ...]:
        """Gone files an organiser has not decided on yet."""
        return tuple(g for g in self.gone if not g.kept)


@dataclass(frozen=True)
class SyncResult:
    """One run of kb sync over one folder: the import of what is new or changed, and what is gone."""

    folder: str
    report: IngestReport
    gone: tuple[GoneFile, ...]  # waiting for confirmation, this run's new ones included
    newly_gone: int  # gone since the last run
    unreachable: bool = False  # the folder itself is missing (an unplugged drive): nothing listed as gone

    def summary(self) -> dict:
        counts = self.report.summary()
        moved = sum(1 for e in self.report.updated if e.note.startswith("文件已从"))
        return {"added": counts["added"], "updated": counts["updated"] - moved, "moved": moved,
                "unchanged": counts["unchanged"], "duplicates": counts["duplicates"], "skipped": counts["skipped"],
                "refused": counts["refused"], "near_duplicates": counts["near_duplicates"],
                "gone": len([g for g in self.gone if not g.kept]), "newly_gone": self.newly_gone,
                "unreachable": self.unreachable}


# ---- reading lists ----------------------------------------------------------------------------------
OK, MISSING, CHANGED = "ok", "missing", "changed"  # ReadingItem.status


@dataclass(frozen=True)
class ReadingItem:
    """A whole document (start is None) or a passage of one, with the organiser's note."""

    id: int
    position: int  # 1-based
    doc_id: str
    title: str
    date: str | None
    kind: str
    start: int | None
    end: int | None
    page_start: int | None
    page_end: int | None
    section: tuple[str, ...]
    text: str | None  # the passage as it was when added
    note: str | None
    status: str  # OK, MISSING (document deleted) or CHANGED (passage no longer in the document)

    @property
    def is_passage(self) -> bool:
        return self.start is not None


@dataclass(frozen=True)
class NewReadingItem:
    """What an item snapshots of its document or passage when it is added."""

    doc_id: str
    title: str
    date: str | None
    kind: str
    start: int | None = None
    end: int | None = None
    page_start: int | None = None
    page_end: int | None = None
    section: tuple[str, ...] = ()
    text: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class ReadingList:
    id: int
    name: str
    topic: str | None
    description: str | None
    created_at: str
    updated_at: str
    items: tuple[ReadingItem, ...]


# ---- year plans -------------------------------------------------------------------------------------
PLAN_FORMATS = ("集中学习", "专题研讨", "现场教学", "专题党课", "交流研讨")
DEFAULT_PLAN_FORMAT = PLAN_FORMATS[0]
MONTHS = range(1, 13)


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


def check_month(month: int) -> int:
    """A month number 1-12, or InvalidInput."""
    try:
        value = int(month)
    except (TypeError, ValueError):
        raise InvalidInput(f"月份 {month} 无效，应为 1 到 12") from None
    if value not in MONTHS:
        raise InvalidInput(f"月份 {month} 无效，应为 1 到 12")
    return value


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
        return self.months[check_month(month) - 1]

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


# ---- the session archive ----------------------------------------------------------------------------
SESSION_FIELDS = ("date", "theme", "host", "location", "attendees", "speakers")  # what organisers may correct
SESSION_FIELD_NAMES = {"date": "日期", "theme": "主题", "host": "主持人", "location": "地点",
                       "attendees": "参加人员", "speakers": "发言人"}


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


@dataclass(frozen=True)
class SessionEdit:
    """The stored corrections of one session: a None field keeps the extracted value; attendees and
    speakers are tuples (an empty tuple is a correction that blanks them)."""

    doc_id: str
    date: str | None = None
    theme: str | None = None
    host: str | None = None
    location: str | None = None
    attendees: tuple[str, ...] | None = None
    speakers: tuple[str, ...] | None = None

    def value(self, name: str) -> str | tuple[str, ...] | None:
        """The correction of one of SESSION_FIELDS (None: none)."""
        value: str | tuple[str, ...] | None = getattr(self, name)
        return value


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


# Coverage fuses two scorings of sessions (their best passages, their theme lines) by z-scores, as
# the search itself does (index.fusion.zscore_fusion): a session far ahead on passages stays ahead
# even when its theme line is worded differently. On the sample archive the session a topic was
# studied in scores 5-7, a second session on the same topic about 2, unrelated ones below 1.5.
# A session counts as having covered a topic when it stands out that far AND its minutes hold most
# of the topic's words: a ranking always has a first place, even for a topic no session studied.
COVERED_MIN = 1.5
WORDS_MIN = 0.75
# A session that studied a topic scores 5-7: the strength bar is the fused score over this, the same
# scale for every topic (not rescaled so that the closest session always reads 1.00).
FULL_MATCH = 6.0
STUDIED, RELATED, NOT_STUDIED = "已学过", "相关", "未学过"
VERDICTS = (STUDIED, RELATED, NOT_STUDIED)  # best first: coverage results are ordered by verdict, then score


@dataclass(frozen=True)
class Coverage:
    """A past session that studied a topic, with how closely it matches and why."""

    session: Session
    relevance: float  # 0..1: the fused score over FULL_MATCH (a strength bar, the same scale for every topic)
    score: float  # the fused z-score (see COVERED_MIN)
    passage_score: float | None  # the best minutes passage's search score (None: no passage matched)
    theme_score: float | None  # 0..1 similarity of the theme line (None: no theme line)
    word_cover: float  # share of the topic's words that the minutes contain
    snippet: str  # the best passage, shortened around the matched terms
    highlights: tuple[tuple[int, int], ...]  # spans of matched terms within `snippet`
    chunk_id: int | None
    passage_weak: bool = False  # the best passage's meaning is far from the topic (Hit.weak)

    @property
    def covered(self) -> bool:
        return self.score >= COVERED_MIN and self.word_cover >= WORDS_MIN

    @property
    def verdict(self) -> str:
        """已学过: stands out among the sessions and its minutes hold most of the topic's words;
        相关: stands out with a passage that matches the topic's meaning, or holds half its words;
        未学过: otherwise (a ranking always has a first place, even for a topic no session studied)."""
        if self.covered:
            return STUDIED
        if self.score >= COVERED_MIN and ((self.passage_score is not None and not self.passage_weak)
                                          or self.word_cover >= 0.5):
            return RELATED
        return NOT_STUDIED

    def marked_snippet(self, before: str = "【", after: str = "】") -> str:
        return mark(self.snippet, self.highlights, before, after)

    def to_dict(self) -> dict:
        return {**self.session.to_dict(), "relevance": round(self.relevance, 4),
                "passage_score": None if self.passage_score is None else round(self.passage_score, 6),
                "theme_score": None if self.theme_score is None else round(self.theme_score, 4),
                "word_cover": round(self.word_cover, 4),
                "covered": self.covered, "verdict": self.verdict,
                "snippet": self.snippet, "marked_snippet": self.marked_snippet(),
                "chunk_id": self.chunk_id}


# ---- accounts and the audit log ---------------------------------------------------------------------
@dataclass(frozen=True)
class Account:
    """A person who may log in to the shared knowledge base (never carries the password hash)."""

    name: str
    role: str  # member | organiser | admin (kb.access.ROLES)
    enabled: bool
    created_at: str
    updated_at: str
    last_login_at: str | None = None


@dataclass(frozen=True)
class LoginPolicy:
    """How logins and sessions behave; stored in the knowledge base, changed by an administrator."""

    max_failures: int = 5  # wrong passwords in a row before a name is locked …
    lockout_minutes: int = 15  # … for this long
    idle_minutes: int = 60  # a session unused this long ends
    session_hours: int = 12  # a session ends this long after its login, used or not

    LIMITS: ClassVar[dict[str, tuple[int, int]]] = {
        "max_failures": (1, 100), "lockout_minutes": (1, 24 * 60), "idle_minutes": (5, 7 * 24 * 60),
        "session_hours": (1, 30 * 24)}
    LABELS: ClassVar[dict[str, str]] = {
        "max_failures": "连续输错密码的次数上限", "lockout_minutes": "锁定分钟数",
        "idle_minutes": "无操作自动退出的分钟数", "session_hours": "登录有效的小时数"}

    def checked(self) -> LoginPolicy:
        """The policy, or InvalidInput naming the first value out of its range."""
        for name, (low, high) in self.LIMITS.items():
            value = getattr(self, name)
            if not isinstance(value, int) or not low <= value <= high:
                raise InvalidInput(f"{self.LABELS[name]}应为 {low} 到 {high} 之间的整数，而不是 {value}")
        return self


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log (操作日志): who did what to which object, when, and how it ended
    (kb.access: ok, denied, failed, error)."""

    at: str
    actor: str
    role: str
    action: str
    target: str | None
    outcome: str
    detail: str | None = None
    id: int | None = None  # given by the store


@dataclass(frozen=True)
class AuditQuery:
    """Which audit rows to show: by person, action, outcome and date (inclusive; "2025-03" means the month)."""

    actor: str | None = None
    action: str | None = None
    outcome: str | None = None
    since: str | None = None
    until: str | None = None


# ---- the study record: roster, sign-ins, make-up study, study outputs, assessment -------------------
PRESENT, LEAVE, ABSENT = "present", "leave", "absent"  # SignIn.status
SIGNIN_STATUSES = (PRESENT, LEAVE, ABSENT)
SIGNIN_LABELS = {PRESENT: "出席", LEAVE: "请假", ABSENT: "缺席"}
REFLECTION, SPEECH, REPORT = "心得体会", "研讨发言材料", "调研报告"  # StudyOutput.type
OUTPUT_TYPES = (REFLECTION, SPEECH, REPORT)


def signin_status(value: str) -> str:
    """A sign-in status from its code or its Chinese label (出席/请假/缺席), or InvalidInput."""
    text = str(value).strip()
    by_label = {label: code for code, label in SIGNIN_LABELS.items()}
    if text in SIGNIN_LABELS:
        return text
    if text in by_label:
        return by_label[text]
    raise InvalidInput(f"签到状态 {value} 无效，可选：出席、请假、缺席")


def output_type(value: str) -> str:
    """A study output's type (心得体会/研讨发言材料/调研报告), or InvalidInput."""
    text = str(value).strip()
    if text not in OUTPUT_TYPES:
        raise InvalidInput(f"学习成果类型 {value} 无效，可选：{'、'.join(OUTPUT_TYPES)}")
    return text


@dataclass(frozen=True)
class Member:
    """A member of the study group (中心组成员) on the roster, in rank order."""

    id: int
    name: str
    post: str  # 职务
    joined: str | None  # first day on the group (a DATE; None: from the start)
    left: str | None  # last day on the group (None: still a member)
    position: int  # rank order on the roster
    aliases: tuple[str, ...] = ()  # other names minutes use for the member (张书记)

    def serves_on(self, date: str | None) -> bool:
        """Whether the member was on the group on a date (dates compare as text, so "2025" works)."""
        if date is None:
            return self.left is None
        return (self.joined is None or self.joined[:len(date)] <= date) and (self.left is None or date <= self.left)

    def serves_in(self, year: int) -> bool:
        """Whether the member was on the group some time in a year."""
        return ((self.joined is None or self.joined[:4] <= str(year))
                and (self.left is None or self.left[:4] >= str(year)))

    def to_dict(self) -> dict:
        return {"name": self.name, "post": self.post, "joined": self.joined, "left": self.left,
                "aliases": list(self.aliases)}


@dataclass(frozen=True)
class NameUse:
    """A name that minutes mention, and whom it means: a member (by name or alias), nobody (ignored by
    the organiser: a recorder, a guest), or not yet known (unmatched: to map or ignore)."""

    name: str
    member: str | None  # the member's roster name
    how: str  # "name" | "alias" | "ignored" | "unmatched"
    sessions: tuple[str, ...]  # labels of the sessions that mention it
    suggestions: tuple[str, ...] = ()  # members an unmatched name may mean (same surname)

    def to_dict(self) -> dict:
        return {"name": self.name, "member": self.member, "how": self.how, "sessions": list(self.sessions),
                "suggestions": list(self.suggestions)}


@dataclass(frozen=True)
class SignInEdit:
    """What an organiser recorded of one member at one session: a None field keeps what the minutes say."""

    doc_id: str
    member_id: int
    status: str | None = None
    reason: str | None = None  # why on leave (请假事由)
    lead: bool | None = None  # gave a lead speech (重点发言)


@dataclass(frozen=True)
class MakeupRecord:
    """Make-up study (补学) for a missed session, as stored."""

    doc_id: str  # the missed session's minutes
    member_id: int
    date: str
    studied: tuple[str, ...]  # ids of the documents studied
    reflection_id: str | None  # the member's 心得体会 that proves it
    note: str | None = None


@dataclass(frozen=True)
class Makeup:
    """Make-up study with the titles of what it names (a deleted document keeps its id, title "（已删除）")."""

    session_id: str
    session_label: str
    member: str
    date: str
    studied: tuple[tuple[str, str], ...]  # (doc id, title)
    reflection: tuple[str, str] | None  # (doc id, title)
    note: str | None

    def to_dict(self) -> dict:
        return {"session": self.session_label, "session_id": self.session_id, "member": self.member,
                "date": self.date, "studied": [{"id": i, "title": t} for i, t in self.studied],
                "reflection": {"id": self.reflection[0], "title": self.reflection[1]} if self.reflection else None,
                "note": self.note}


@dataclass(frozen=True)
class SignIn:
    """One member at one session as the archive holds it: the organiser's record where there is one,
    else what the minutes say (named among the attendees, the host or the speakers: present)."""

    member: str
    post: str
    status: str  # PRESENT | LEAVE | ABSENT
    reason: str | None
    spoke: bool  # in the minutes' 发言摘要
    lead: bool  # 重点发言: the organiser's record, else whether the member spoke
    recorded: bool  # the status is the organiser's, not the minutes'
    makeup: Makeup | None = None

    @property
    def status_label(self) -> str:
        return SIGNIN_LABELS[self.status]

    def to_dict(self) -> dict:
        return {"member": self.member, "post": self.post, "status": self.status, "status_label": self.status_label,
                "reason": self.reason, "spoke": self.spoke, "lead": self.lead, "recorded": self.recorded,
                "makeup": self.makeup.to_dict() if self.makeup else None}


@dataclass(frozen=True)
class SignInSheet:
    """A session's sign-in sheet (签到表): every member due, and the names the minutes mention that
    match nobody on the roster."""

    session: Session
    rows: tuple[SignIn, ...]
    unmatched: tuple[str, ...]

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.rows)

    def to_dict(self) -> dict:
        return {"session": self.session.to_dict(), "rows": [r.to_dict() for r in self.rows],
                "unmatched": list(self.unmatched)}


@dataclass(frozen=True)
class OutputRecord:
    """A study output's attribution (学习成果), as stored."""

    doc_id: str
    type: str  # OUTPUT_TYPES
    member_id: int | None
    year: int
    session_id: str | None = None  # the session it was written for
    month: int | None = None  # the plan month it answers
    outcome: str | None = None  # 成果转化: the measure or policy it led to (research reports)


@dataclass(frozen=True)
class StudyOutput:
    """A study output with its document's title and date and its member's name."""

    doc_id: str
    title: str
    date: str | None
    path: str
    type: str
    member: str | None
    year: int
    session_id: str | None
    session_label: str | None
    month: int | None
    outcome: str | None
    missing: bool = False  # the document was deleted since

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "title": self.title, "date": self.date, "type": self.type,
                "member": self.member, "year": self.year, "session": self.session_label, "month": self.month,
                "outcome": self.outcome, "missing": self.missing}


@dataclass(frozen=True)
class AssessmentRules:
    """What the local implementing rules ask of each member in a year (考核标准), an organiser's setting."""

    min_attendance: float = 0.8  # sessions attended over sessions due
    min_outputs: int = 1  # 心得体会 or 调研报告 a year
    makeup_required: bool = True  # every missed session (leave or absence) needs 补学
    reflection_required: bool = True  # every 补学 needs a written reflection

    LABELS: ClassVar[dict[str, str]] = {
        "min_attendance": "出勤率下限", "min_outputs": "每年心得体会或调研报告篇数下限",
        "makeup_required": "缺课须补学", "reflection_required": "补学须提交心得体会"}

    def checked(self) -> AssessmentRules:
        """The rules, or InvalidInput naming the first value out of range."""
        if not isinstance(self.min_attendance, int | float) or not 0 <= self.min_attendance <= 1:
            raise InvalidInput(
                f"{self.LABELS['min_attendance']}应在 0 到 1 之间（如 0.8），而不是 {self.min_attendance}")
        outputs = self.min_outputs
        if not isinstance(outputs, int) or isinstance(outputs, bool) or not 0 <= outputs <= 50:
            raise InvalidInput(f"{self.LABELS['min_outputs']}应为 0 到 50 之间的整数，而不是 {self.min_outputs}")
        for name in ("makeup_required", "reflection_required"):
            if not isinstance(getattr(self, name), bool):
                raise InvalidInput(f"{self.LABELS[name]}应为是或否")
        return self

    def describe(self) -> str:
        parts = [f"出勤率不低于 {self.min_attendance:.0%}", f"全年心得体会或调研报告不少于 {self.min_outputs} 篇"]
        if self.makeup_required:
            parts.append("请假或缺席须补学" + ("并提交心得体会" if self.reflection_required else ""))
        return "；".join(parts)

    def to_dict(self) -> dict:
        return {"min_attendance": self.min_attendance, "min_outputs": self.min_outputs,
                "makeup_required": self.makeup_required, "reflection_required": self.reflection_required}


@dataclass(frozen=True)
class MemberAssessment:
    """One member's year (考核评价): facts and counts, and which rules they fall short of, with why."""

    name: str
    post: str
    due: int  # sessions held while a member
    attended: int
    leave: int
    absent: int
    made_up: int  # missed sessions with 补学
    lead: int  # 重点发言
    reflections: int
    speeches: int  # 研讨发言材料
    reports: int  # 调研报告
    outcomes: int  # reports with a recorded 成果转化
    shortfalls: tuple[str, ...]  # one line each, empty when every rule is met

    @property
    def rate(self) -> float:
        return self.attended / self.due if self.due else 1.0

    @property
    def passed(self) -> bool:
        return not self.shortfalls

    def to_dict(self) -> dict:
        return {"name": self.name, "post": self.post, "due": self.due, "attended": self.attended,
                "leave": self.leave, "absent": self.absent, "made_up": self.made_up, "rate": round(self.rate, 4),
                "lead": self.lead, "reflections": self.reflections, "speeches": self.speeches,
                "reports": self.reports, "outcomes": self.outcomes, "passed": self.passed,
                "shortfalls": list(self.shortfalls)}


DONE, MOVED, NOT_DONE, PENDING = "done", "moved", "not_done", "pending"  # MonthCompletion.status
COMPLETION_LABELS = {DONE: "按期开展", MOVED: "调整时间开展", NOT_DONE: "未开展", PENDING: "尚未到期"}


@dataclass(frozen=True)
class MonthCompletion:
    """A plan month held against the sessions of its year (学习计划完成情况)."""

    month: int
    theme: str
    status: str  # DONE | MOVED | NOT_DONE | PENDING
    session: Session | None  # the session that studied the theme
    score: float | None  # how closely its theme matched (None: the organiser's link)
    corrected: bool  # the organiser said which session (or none)

    @property
    def status_label(self) -> str:
        return COMPLETION_LABELS[self.status]

    def to_dict(self) -> dict:
        return {"month": self.month, "theme": self.theme, "status": self.status, "status_label": self.status_label,
                "session": self.session.label if self.session else None,
                "session_id": self.session.doc_id if self.session else None,
                "score": None if self.score is None else round(self.score, 4), "corrected": self.corrected}


@dataclass(frozen=True)
class GroupAssessment:
    """The group's year: plan completion, sessions held per month, themes covered, totals."""

    year: int
    plan_title: str | None  # None: no plan for the year
    months: tuple[MonthCompletion, ...]  # the plan's themed months
    unplanned: tuple[Session, ...]  # sessions that answer no plan month
    sessions: tuple[Session, ...]
    per_month: tuple[int, ...]  # sessions held in each month, January first
    members: tuple[MemberAssessment, ...]
    outputs: tuple[StudyOutput, ...]
    rules: AssessmentRules

    def count(self, status: str) -> int:
        return sum(m.status == status for m in self.months)

    @property
    def completion(self) -> float | None:
        """Plan months held (on time or moved) over the months due; None without a plan month due."""
        due = [m for m in self.months if m.status != PENDING]
        return sum(m.status in (DONE, MOVED) for m in due) / len(due) if due else None

    @property
    def attendance(self) -> float | None:
        due = sum(m.due for m in self.members)
        return sum(m.attended for m in self.members) / due if due else None

    @property
    def short(self) -> tuple[MemberAssessment, ...]:
        return tuple(m for m in self.members if not m.passed)

    def to_dict(self) -> dict:
        return {"year": self.year, "plan": self.plan_title, "rules": self.rules.to_dict(),
                "months": [m.to_dict() for m in self.months], "unplanned": [s.label for s in self.unplanned],
                "sessions": len(self.sessions), "per_month": list(self.per_month),
                "themes": [s.theme or s.title for s in self.sessions],
                "completion": None if self.completion is None else round(self.completion, 4),
                "attendance": None if self.attendance is None else round(self.attendance, 4),
                "members": [m.to_dict() for m in self.members],
                "outputs": [o.to_dict() for o in self.outputs]}
