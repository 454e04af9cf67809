"""Chinese heading patterns (第X章, 一、, （一）, 1., ...) found at the start of a line."""

from __future__ import annotations

import re

from ingest.types import Heading

_NUM = "一二三四五六七八九十百零〇两"
# (rank, pattern): a lower rank nests outside a higher one. Levels are the ranks a document actually
# uses, renumbered from 1, so a text that only has 一、 and （一） gets levels 1 and 2.
_MARKERS: tuple[tuple[int, re.Pattern[str]], ...] = tuple(
    (rank, re.compile(pattern))
    for rank, pattern in (
        (0, rf"第[{_NUM}\d]+(?:编|部分)"),
        (1, rf"第[{_NUM}\d]+章"),
        (2, rf"第[{_NUM}\d]+节"),
        (3, rf"第[{_NUM}\d]+条"),
        (4, r"[一二三四五六七八九十]{1,3}、"),
        (5, r"[（(][一二三四五六七八九十]{1,3}[）)]"),
        (6, r"\d{1,2}[.．、](?!\d)"),
        (7, r"[（(]\d{1,2}[）)]"),
    )
)
_ARTICLE_RANK = 3
MAX_TITLE = 40
_SENTENCE_END = re.compile(r"[。！？；!?;]")


def marker_rank(line: str) -> int | None:
    """Rank of the heading marker that `line` starts with, or None."""
    for rank, pattern in _MARKERS:
        if pattern.match(line):
            return rank
    return None


def heading_title(line: str) -> str | None:
    """The heading a line starts with: the line, or its first sentence, when short enough; else None."""
    found = _ranked_heading(line)
    return found[1] if found else None


def _ranked_heading(line: str) -> tuple[int, str] | None:
    """(marker rank, heading title) of a line that starts with a heading, else None."""
    rank = marker_rank(line)
    if rank is None:
        return None
    first = _SENTENCE_END.split(line, maxsplit=1)[0].strip()
    if rank == 6 and len(first) < 3:
        return None  # "1." alone, or a number that starts a sentence
    if len(first) <= MAX_TITLE:
        return rank, first
    if rank == _ARTICLE_RANK:  # 第X条 opens a long article: the marker is its title
        match = _MARKERS[_ARTICLE_RANK][1].match(line)
        return (rank, match.group()) if match else None
    return None


def pattern_headings(text: str, *, skip: frozenset[int] = frozenset(), base_level: int = 0) -> list[Heading]:
    """Headings marked by Chinese numbering at line starts; lines starting at an offset in `skip` are
    left out (they are headings already), and levels start below `base_level`."""
    found: list[tuple[int, int, str]] = []
    offset = 0
    for line in text.split("\n"):
        if offset not in skip:
            heading = _ranked_heading(line)
            if heading is not None:
                found.append((offset, *heading))
        offset += len(line) + 1
    levels = {rank: base_level + i + 1 for i, rank in enumerate(sorted({rank for _, rank, _ in found}))}
    return [Heading(start, levels[rank], title) for start, rank, title in found]
