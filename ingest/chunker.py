"""Split a Document into retrieval chunks: whole sentences, packed to a target size, within sections."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ingest.types import Chunk, Document, Heading


@dataclass(frozen=True)
class ChunkerConfig:
    """Chunk sizes in characters of Document.text (tuned by evaluation; keep them plain numbers)."""

    target_chars: int = 300  # a chunk is closed once it reaches this size
    max_chars: int = 500  # hard limit; only a longer single sentence is ever cut
    overlap_chars: int = 60  # whole trailing sentences of a chunk repeated at the start of the next
    min_chars: int = 100  # a sub-heading starts a new chunk once the current one has this much
    hard_level: int = 1  # headings at this level or above are never straddled

    def __post_init__(self) -> None:
        if not 0 < self.target_chars <= self.max_chars:
            raise ValueError("need 0 < target_chars <= max_chars")
        if not 0 <= self.overlap_chars < self.target_chars:
            raise ValueError("need 0 <= overlap_chars < target_chars")


# A sentence ends after 。！？；… (with any closing quotes or brackets), at "." after a Latin word,
# and at every line break.
_SENTENCE_END = re.compile(r"[。！？；!?;…]+[”’」』）)》〉\]\"']*|(?<=[a-z])\.(?=\s)|\n")
_SOFT_BREAK = re.compile(r"[，,、：:]\s*|\s+")
_NON_SPACE = re.compile(r"\S")


def sentences(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Spans of sentences, trimmed of whitespace; a sentence longer than max_chars is cut, preferring
    a comma or space in its second half."""
    spans: list[tuple[int, int]] = []
    position = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start() if match.group() == "\n" else match.end()
        _add_sentence(text, position, end, max_chars, spans)
        position = match.end()
    _add_sentence(text, position, len(text), max_chars, spans)
    return spans


def _add_sentence(text: str, start: int, end: int, max_chars: int, spans: list[tuple[int, int]]) -> None:
    first = _NON_SPACE.search(text, start, end)
    if first is None:
        return
    start = first.start()
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > max_chars:
        cut = start + max_chars
        breaks = [m.end() for m in _SOFT_BREAK.finditer(text, start + max_chars // 2, cut) if m.end() <= cut]
        cut = breaks[-1] if breaks else cut
        piece_end = cut
        while text[piece_end - 1].isspace():
            piece_end -= 1
        spans.append((start, piece_end))
        following = _NON_SPACE.search(text, cut, end)
        if following is None:  # cannot happen: text[end - 1] is not a space
            return
        start = following.start()
    spans.append((start, end))


class _Sections:
    """Heading path at any offset: headings sorted by start, each with the path it opens."""

    def __init__(self, headings: tuple[Heading, ...]):
        ordered = sorted(headings, key=lambda h: h.start)
        self.starts = [h.start for h in ordered]
        self.paths: list[tuple[str, ...]] = []
        stack: list[Heading] = []
        for heading in ordered:
            while stack and stack[-1].level >= heading.level:
                stack.pop()
            stack.append(heading)
            self.paths.append(tuple(h.title for h in stack))

    def at(self, offset: int) -> tuple[str, ...]:
        index = bisect.bisect_right(self.starts, offset) - 1
        return self.paths[index] if index >= 0 else ()


def chunk_document(doc: Document, config: ChunkerConfig = ChunkerConfig()) -> list[Chunk]:
    """Chunks of `doc`: whole sentences packed up to target_chars (never past max_chars), a new chunk at
    each top-level heading, `overlap_chars` of trailing sentences repeated; text == doc.text[start:end]."""
    spans = sentences(doc.text, config.max_chars)
    heading_levels = _heading_sentences(doc.headings, spans)
    sections = _Sections(doc.headings)
    chunks: list[Chunk] = []
    current: list[int] = []  # sentence indexes of the open chunk
    fresh = 0  # how many of them are not overlap from the previous chunk
    section_first = 0  # first sentence of the innermost section: overlap never reaches before it

    def close() -> None:
        nonlocal current, fresh
        if fresh:
            start, end = spans[current[0]][0], spans[current[-1]][1]
            chunks.append(
                Chunk(len(chunks), doc.text[start:end], start, end, doc.page_at(start), doc.page_at(end - 1),
                      sections.at(start))
            )
        current, fresh = [], 0

    def overlap(previous: list[int]) -> list[int]:
        """The closed chunk's last sentences that fit in overlap_chars, to open the next chunk with."""
        tail: list[int] = []
        for index in reversed(previous):
            if index < section_first or spans[previous[-1]][1] - spans[index][0] > config.overlap_chars:
                break
            tail.insert(0, index)
        return tail if len(tail) < len(previous) else []

    for index, (_, end) in enumerate(spans):
        level = heading_levels.get(index)
        if level is not None:
            if fresh and (level <= config.hard_level or _size(spans, current) >= config.min_chars):
                close()
            if not fresh:
                current = []  # no overlap into a new section
            section_first = index
        while current and end - spans[current[0]][0] > config.max_chars:
            if fresh:
                previous = current
                close()
                current = overlap(previous)
            else:
                current = current[1:]  # overlap that no longer fits beside this sentence
        current.append(index)
        fresh += 1
        if _size(spans, current) >= config.target_chars:
            previous = current
            close()
            current = overlap(previous)
    close()
    return chunks


def _size(spans: list[tuple[int, int]], indexes: list[int]) -> int:
    return spans[indexes[-1]][1] - spans[indexes[0]][0] if indexes else 0


def _heading_sentences(headings: tuple[Heading, ...], spans: list[tuple[int, int]]) -> dict[int, int]:
    """Sentence index -> level of the (highest) heading that starts in that sentence."""
    ends = [end for _, end in spans]
    levels: dict[int, int] = {}
    for heading in headings:
        index = bisect.bisect_right(ends, heading.start)  # first sentence ending after the heading's start
        if index < len(spans):
            levels[index] = min(levels.get(index, heading.level), heading.level)
    return levels
