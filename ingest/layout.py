"""Clean-up of text taken from page layouts (PDF, OCR): running headers and footers, page numbers,
lines broken inside a sentence, and the spaces a PDF puts between Chinese characters."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ingest.headings import marker_rank
from ingest.normalize import clean_line

_EDGE = 3  # lines at each end of a page where headers, footers and page numbers live
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–_·\s]*\d{1,4}[-—–_·\s]*|第\s*\d{1,4}\s*页(?:\s*[/／,，]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*[/／]\s*\d{1,4}|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?|[ivxlc]{1,6})$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_WHITESPACE = re.compile(r"\s+")
_FOOTNOTE_MARK = re.compile(r"^[①-⑳⑴-⒇㈠-㈩]+$|^\[\d{1,3}\]$")
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65“”‘’…—·"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_SPACE_BY_PUNCT = re.compile(f"(?<=[{_CJK_PUNCT}]) +| +(?=[{_CJK_PUNCT}])")
_SPACE_CJK_ALNUM = re.compile(f"(?<=[{_CJK}]) +(?=[0-9A-Za-z])|(?<=[0-9A-Za-z%]) +(?=[{_CJK}])")
_OPENS_CONTINUATION = re.compile(r"^[，。、；：！？）》」』”’,;:!?)]")
_SENTENCE_END = re.compile(r"[。！？!?…]$")
_LABELLED = re.compile(r"^[^，。：:]{1,12}[：:]")  # "王芳同志：…", "时间：…" open a new paragraph
FULL_LINE = 0.85  # a line this close to the page's full width was wrapped by layout, not by the author
TITLE_SIZE_RATIO = 1.25  # a title line is set this much larger than the page's body text
MAX_TITLE = 60


def strip_running_lines(pages: Sequence[Sequence[str]]) -> list[list[str]]:
    """Drop page numbers and the header/footer lines repeated at the edges of many pages."""
    edges = [_edge_indexes(lines) for lines in pages]
    counts: Counter[str] = Counter()
    for lines, indexes in zip(pages, edges, strict=True):
        counts.update({_running_key(lines[i]) for i in indexes})
    threshold = max(3, int(0.4 * len(pages) + 0.999))
    running = {key for key, n in counts.items() if key and n >= threshold}
    cleaned = []
    for lines, indexes in zip(pages, edges, strict=True):
        drop = {
            i for i in indexes if _running_key(lines[i]) in running or _PAGE_NUMBER.match(lines[i].strip())
        }
        cleaned.append([line for i, line in enumerate(lines) if i not in drop])
    return cleaned


def _edge_indexes(lines: Sequence[str]) -> list[int]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return sorted(set(filled[:_EDGE] + filled[-_EDGE:]))


def _running_key(line: str) -> str:
    """Lines equal up to digits and spacing are the same running header ("第3页" ~ "第4页")."""
    return _DIGITS.sub("#", _WHITESPACE.sub("", line))


def join_broken_lines(lines: Sequence[str]) -> list[str]:
    """Rejoin lines that the layout wrapped: a full-width line continues on the next one unless that
    is indented or starts a heading. Lines come raw (indentation kept); paragraphs come out cleaned."""
    widths = [_width(line.strip()) for line in lines]
    full = _full_width(widths)
    paragraphs: list[str] = []
    previous_width = 0.0
    for raw, width in zip(lines, widths, strict=True):
        line = clean_line(raw)
        if not line:
            continue
        if paragraphs and _continues(paragraphs[-1], previous_width, raw, line, full):
            paragraphs[-1] = _glue(paragraphs[-1], line)
        else:
            paragraphs.append(line)
        previous_width = width
    return [tighten_spacing(p) for p in paragraphs]


def _continues(previous: str, previous_width: float, raw: str, line: str, full: float) -> bool:
    if _FOOTNOTE_MARK.match(line) or _OPENS_CONTINUATION.match(line):
        return True
    if raw[:2].isspace() or raw.startswith("\u3000") or marker_rank(line) is not None:
        return False
    if _SENTENCE_END.search(previous) and _LABELLED.match(line):
        return False
    return full > 0 and previous_width >= FULL_LINE * full and not _FOOTNOTE_MARK.match(previous)


def _glue(left: str, right: str) -> str:
    if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return f"{left} {right}"
    return left + right


def _width(line: str) -> float:
    """Printed width in em: Chinese characters are one, ASCII about a half."""
    return sum(0.5 if c.isascii() else 1.0 for c in line)


def _full_width(widths: Sequence[float]) -> float:
    """The width of a full line on this page: a high percentile, so one long heading does not set it."""
    real = sorted(w for w in widths if w >= 4)
    if len(real) < 3:
        return 0.0  # too few lines to tell wrapped from short: keep every break
    return real[int(0.9 * (len(real) - 1))]


def tighten_spacing(line: str) -> str:
    """Remove the spaces a PDF puts inside Chinese text: next to Chinese punctuation, between Chinese and
    Latin letters or digits, and around single letter-spaced characters ("实事求 是 派" → "实事求是派").
    Spaces between multi-character words ("张建华 李明") are kept: they may separate names."""
    line = _SPACE_BY_PUNCT.sub("", line)
    line = _SPACE_CJK_ALNUM.sub("", line)
    if " " not in line:
        return line
    tokens = line.split(" ")
    out = [tokens[0]]
    for previous, token in zip(tokens, tokens[1:], strict=False):
        left = out[-1]
        single = _is_single_cjk(previous) or _is_single_cjk(token)
        if left and token and _CJK_CHAR.match(left[-1]) and _CJK_CHAR.match(token[0]) and single:
            out[-1] = left + token
        else:
            out.append(token)
    return " ".join(out)


def _is_single_cjk(token: str) -> bool:
    return len(token) == 1 and bool(_CJK_CHAR.match(token))


def largest_line(runs: list[tuple[float, str]]) -> str | None:
    """The text set in the largest type among a page's (type size, text) runs, when clearly larger than the
    body text: the layout title of a PDF or OFD without a metadata title."""
    sizes = sorted(size for size, text in runs for _ in text.strip())
    if not sizes:
        return None
    body = sizes[len(sizes) // 2]
    top = max(size for size, _ in runs)
    if top <= 0 or top < TITLE_SIZE_RATIO * body:
        return None
    title = "".join(text for size, text in runs if size == top)
    title = re.sub(r"\s+", "", title) if _CJK_CHAR.search(title) else " ".join(title.split())
    return title[:MAX_TITLE] if len(title) >= 2 else None
