"""Snippets: the part of a chunk that best shows why it matched, with the matched terms located."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.normalize import for_search

# The fixed wording of a minutes title ("…理论学习中心组2024年第1次集体学习会议纪要") says nothing about
# the topic: a query's 集体 or 学习 found there is not why the passage matched, so it is not marked.
BOILERPLATE = re.compile(r"(?:理论学习)?中心组(?:\d{4}年)?(?:第[\d一二三四五六七八九十]+次)?"
                         r"(?:集体|专题)?(?:学习)?(?:研讨)?(?:会议)?纪要|集体学习会议纪要|学习会议纪要")


def boilerplate_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in BOILERPLATE.finditer(text)]


def find_terms(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans in `text` where any term occurs, longest terms first,
    none inside the boilerplate of a minutes title.

    Matching runs on the normalised form, so 學習 in the text is found for 学习 in the query; the
    normaliser maps character for character, so offsets carry over to the display text.
    """
    haystack = for_search(text)
    if len(haystack) != len(text):  # a rare many-to-one conversion: fall back to the raw text
        haystack = text.lower()
    taken = [False] * len(text)
    for start, end in boilerplate_spans(text):
        for i in range(start, end):
            taken[i] = True
    spans = []
    for term in sorted({t for t in terms if t.strip()}, key=len, reverse=True):
        start = haystack.find(term)
        while start != -1:
            end = start + len(term)
            if not any(taken[start:end]):
                spans.append((start, end))
                for i in range(start, end):
                    taken[i] = True
            start = haystack.find(term, end)
    return sorted(spans)


def best_window(text: str, spans: Sequence[tuple[int, int]], width: int) -> tuple[int, int]:
    """The window of `width` characters covering the most matched characters, snapped to sentences."""
    if len(text) <= width:
        return 0, len(text)
    def covered(lo: int) -> int:
        return sum(min(e, lo + width) - max(s, lo) for s, e in spans if s < lo + width and e > lo)

    best_start, best_score = 0, -1
    for start, _ in spans or [(0, 0)]:
        lo = max(0, min(start - width // 4, len(text) - width))
        score = covered(lo)
        if score > best_score:
            best_start, best_score = lo, score
    # Start at a sentence boundary when one is close, so the snippet reads naturally, unless that
    # pushes matched terms out of the window's end (terms at the very end of a long line).
    for i in range(best_start, max(best_start - 30, 0) - 1, -1):
        if i == 0 or text[i - 1] in "。！？；\n":
            if covered(i) >= best_score:
                best_start = i
            break
    return best_start, min(len(text), best_start + width)


def make_snippet(text: str, terms: Sequence[str], width: int) -> tuple[str, tuple[tuple[int, int], ...]]:
    """(snippet, highlight spans relative to the snippet) with … where text was cut."""
    spans = find_terms(text, terms)
    lo, hi = best_window(text, spans, width)
    prefix = "…" if lo > 0 else ""
    suffix = "…" if hi < len(text) else ""
    shift = len(prefix) - lo
    inside = tuple((max(s, lo) + shift, min(e, hi) + shift) for s, e in spans if s < hi and e > lo)
    return prefix + text[lo:hi].replace("\n", " ") + suffix, inside


def mark(snippet: str, spans: Sequence[tuple[int, int]], before: str = "【", after: str = "】") -> str:
    """Wrap each highlight span in markers (e.g. 【】 for the terminal, <mark> for HTML)."""
    out, last = [], 0
    for start, end in spans:
        out += [snippet[last:start], before, snippet[start:end], after]
        last = end
    out.append(snippet[last:])
    return "".join(out)
