"""Domain types produced by ingestion: documents, pages, headings, minutes, chunks, skipped files."""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.twins import TwinSignature

THEORY = "theory"
MINUTES = "minutes"
OUTPUT = "output"  # a member's study output (学习成果): never detected, only named at import
KINDS = (THEORY, MINUTES, OUTPUT)


@dataclass(frozen=True)
class Page:
    """A page of a paged source (PDF), as a span of Document.text."""

    number: int  # 1-based page number in the source file
    start: int  # character offset into Document.text
    end: int


@dataclass(frozen=True)
class Heading:
    """A heading line found in a document; `start` is its offset into Document.text."""

    start: int
    level: int  # 1 = top level (一、 / 第X章), deeper numbers nest below it
    title: str


@dataclass(frozen=True)
class Speech:
    """One speaker's contribution recorded in session minutes (发言)."""

    speaker: str
    text: str


@dataclass(frozen=True)
class MinutesInfo:
    """Fields extracted from a minutes document (会议纪要 / 学习记录)."""

    date: str | None = None  # ISO "YYYY-MM-DD" (or "YYYY-MM")
    location: str | None = None
    host: str | None = None  # 主持人
    attendees: tuple[str, ...] = ()  # 参加人员 / 出席
    recorder: str | None = None  # 记录人
    theme: str | None = None  # 学习主题 / 议题 / 学习内容
    speeches: tuple[Speech, ...] = ()  # 发言摘要, in order

    @property
    def speakers(self) -> tuple[str, ...]:
        """Distinct speakers in order of first speech."""
        return tuple(dict.fromkeys(s.speaker for s in self.speeches))


@dataclass(frozen=True)
class GongwenInfo:
    """The parts of an official document (公文, GB/T 9704) recognised in its text (ingest/gongwen.py)."""

    issuers: tuple[str, ...] = ()  # 发文机关, joint issuers in order ("中共中央", "国务院")
    number: str | None = None  # 发文字号 in the standard's form: "中发〔2024〕3号"
    title: str | None = None  # 公文标题, lines joined, without 《》
    recipients: tuple[str, ...] = ()  # 主送机关
    date: str | None = None  # 成文日期 (or a speech's delivery date), ISO
    kind: str | None = None  # 文种: 通知, 意见, 讲话, 报告 … (ingest.gongwen.KINDS)

    @property
    def issuer(self) -> str | None:
        """The issuers as one display string (joint issuers joined by 、)."""
        return "、".join(self.issuers) or None

    @property
    def year(self) -> str | None:
        return self.date[:4] if self.date else None

    def citation(self, page: int | None = None) -> str | None:
        """《关于……的意见》（中发〔2024〕3号）第3页 — what an export cites; None without a title."""
        if not self.title:
            return None
        number = f"（{self.number}）" if self.number else ""
        return f"《{self.title}》{number}" + (f"第{page}页" if page else "")


@dataclass(frozen=True)
class Document:
    """A file read and normalised: display text plus structure and metadata."""

    path: str  # absolute source path
    title: str
    text: str  # normalised display text; pages are joined with "\n"
    kind: str  # THEORY, MINUTES or OUTPUT
    date: str | None  # "YYYY-MM-DD", "YYYY-MM" or "YYYY"
    content_hash: str  # sha256 hex of the file's bytes: the document's identity
    format: str  # "pdf" | "docx" | "txt" | "md" | "html"
    pages: tuple[Page, ...] = ()  # empty for formats without pages
    headings: tuple[Heading, ...] = ()
    minutes: MinutesInfo | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)  # JSON-serialisable extras
    warnings: tuple[str, ...] = ()  # non-fatal notes for the ingest report (Chinese)
    gongwen: GongwenInfo | None = None  # official-document parts, when the text has that form
    classification: str | None = None  # 密级 mark on the first page, normalised: "机密★1年", "秘密", …
    handling_marks: tuple[str, ...] = ()  # 内部资料, 注意保存 … printed on the first page

    @cached_property
    def signature(self) -> TwinSignature:
        """The near-duplicate signature of the text (computed on first use; see ingest/twins.py)."""
        from ingest.twins import signature  # deferred: only importing needs it, and it pulls datasketch

        return signature(self.text)

    def page_at(self, offset: int) -> int | None:
        """Page number containing character `offset`, or None for unpaged documents (and the
        separators between pages); the last page also takes any offset past its end."""
        i = bisect.bisect_right(self._page_starts, offset) - 1
        if i < 0:
            return None
        page = self.pages[i]
        return page.number if offset < page.end or i == len(self.pages) - 1 else None

    @cached_property
    def _page_starts(self) -> list[int]:
        # The chunker asks twice per chunk: a bisect keeps an 800-page book from costing chunks × pages.
        return [page.start for page in self.pages]


@dataclass(frozen=True)
class Chunk:
    """A retrieval unit: Document.text[start:end] with its page span and heading path."""

    ordinal: int  # position within the document, from 0
    text: str
    start: int
    end: int
    page_start: int | None
    page_end: int | None
    section: tuple[str, ...] = ()  # heading path, outermost first


@dataclass(frozen=True)
class Skipped:
    """A file that could not be read, with what is wrong and what to do (both in Chinese)."""

    path: str
    problem: str
    fix: str

    @property
    def reason(self) -> str:
        return f"{self.path}：{self.problem}。{self.fix}"
