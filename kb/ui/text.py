"""Pure presentation helpers for the UI: untrusted text made plain, labels, escaped highlights,
context windows, grouping."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kb.kinds import KIND_LABELS
from kb.records import Hit, section_below

SENTENCE_ENDS = "。！？；!?;\n"
# Every ASCII punctuation character: CommonMark lets a backslash make any of them literal, which
# covers Markdown (links, images, emphasis, headings, lists, tables), raw HTML and entities (< > &),
# and Streamlit's own additions (:emoji: and :color[…] directives, $math$).
_MARKUP = re.compile(r"([!-/:-@\[-`{-~])")
# GitHub-flavoured Markdown also turns bare addresses into links (http://…, www.…, name@host) by
# matching the text after escapes are undone; an invisible WORD JOINER (U+2060) inside each trigger
# keeps them text.
_AUTOLINK = re.compile(r"(\\:)(?=\\/\\/)|(?<=www)(?=\\\.)|(?=\\@)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """`text` from a document or a person (a title, file name, list or plan name, minutes field, note)
    made safe to pass where Streamlit reads Markdown — st.markdown/caption/title/subheader, alerts,
    toasts, widget labels and radio/pills options: it shows exactly as written, nothing interpreted.
    Runs of white space (line breaks too) become one space, so a title stays on its line."""
    escaped = _MARKUP.sub(r"\\\1", " ".join(str(text).split()))
    return _AUTOLINK.sub(lambda m: (m.group(1) or "") + WORD_JOINER, escaped)


def plain_lines(text: object) -> str:
    """Like plain(), keeping the line breaks (for descriptions and notes of several lines)."""
    return "  \n".join(plain(line) for line in str(text).splitlines() if line.strip())


def kind_label(kind: str | None) -> str:
    return KIND_LABELS.get(kind or "", kind or "未分类")


def highlight_html(text: str, spans: Sequence[tuple[int, int]], tag: str = "mark") -> str:
    """`text` HTML-escaped piece by piece, with each (start, end) span wrapped in <tag>.

    Escaping each piece separately keeps the spans' character offsets valid: escaping first
    would shift them, marking first would let the text inject markup.
    """
    out, last = [], 0
    for start, end in sorted(spans):
        start, end = max(start, last), min(end, len(text))
        if start >= end:
            continue
        out += [html.escape(text[last:start]), f"<{tag}>", html.escape(text[start:end]), f"</{tag}>"]
        last = end
    out.append(html.escape(text[last:]))
    return "".join(out)


def has_words(query: str) -> bool:
    """Whether a query holds anything searchable: a letter, digit or Chinese character."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in query)


@dataclass(frozen=True)
class Context:
    """A passage with the document text around it, cut at sentence boundaries."""

    before: str
    passage: str
    after: str
    cut_before: bool  # text was left out before `before`
    cut_after: bool


def surrounding(text: str, start: int, end: int, chars: int = 300) -> Context:
    """The passage text[start:end] with about `chars` characters either side, snapped outwards to
    the nearest sentence end so the context starts and stops on whole sentences."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    lo = max(0, start - chars)
    if lo > 0:
        # Walk back (at most 80 characters) to just after a sentence end.
        for i in range(lo, max(lo - 80, 0) - 1, -1):
            if i == 0 or text[i - 1] in SENTENCE_ENDS:
                lo = i
                break
    hi = min(len(text), end + chars)
    if hi < len(text):
        for i in range(hi, min(hi + 80, len(text)) + 1):
            if i == len(text) or text[i - 1] in SENTENCE_ENDS:
                hi = i
                break
    return Context(text[lo:start], text[start:end], text[end:hi], lo > 0, hi < len(text))


def context_html(ctx: Context) -> str:
    """The context as HTML: the passage marked, line breaks kept, everything escaped."""

    def lines(s: str) -> str:
        return html.escape(s).replace("\n", "<br>")

    return (
        ("…" if ctx.cut_before else "")
        + f'<span class="kb-ctx">{lines(ctx.before)}</span>'
        + f'<span class="kb-passage">{lines(ctx.passage)}</span>'
        + f'<span class="kb-ctx">{lines(ctx.after)}</span>'
        + ("…" if ctx.cut_after else "")
    )


def section_label(section: Sequence[str], title: str = "") -> str:
    """"一、… › （二）…", leaving out the document's own title (shown above it)."""
    return " › ".join(section_below(title, section))


def citation(date: str | None, kind: str | None, pages: str = "", section: Sequence[str] = (),
             title: str = "") -> str:
    """"理论文章 · 2024-04-12 · 第3页 · 一、学习内容" — the parts that are known."""
    parts = [kind_label(kind), date or "日期不详", pages, section_label(section, title)]
    return " · ".join(p for p in parts if p)


def group_by_document(hits: Iterable[Hit]) -> list[list[Hit]]:
    """Hits grouped by document, documents in the order of their best hit, hits in rank order."""
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(hit.doc_id, []).append(hit)
    return list(groups.values())


def months_between(first: str, last: str) -> list[str]:
    """Every "YYYY-MM" from first to last inclusive (both "YYYY-MM…" strings)."""
    y, m = int(first[:4]), (int(first[5:7]) if len(first) >= 7 else 1)
    end_y, end_m = int(last[:4]), (int(last[5:7]) if len(last) >= 7 else 12)
    out = []
    while (y, m) <= (end_y, end_m):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def date_bounds(first: str, last: str, options: Sequence[str]) -> tuple[str | None, str | None]:
    """(since, until) filter values for a chosen month range; None where the range is open.
    (Filters takes "until 2024-06" to include every day of June.)"""
    since = first if options and first != options[0] else None
    until = last if options and last != options[-1] else None
    return since, until


def format_bytes(n: int | None) -> str:
    if not n:
        return "0 B"
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def unique_name(wanted: str, taken: Iterable[str]) -> str:
    """`wanted`, or `wanted（2）`, `wanted（3）` … whichever is not taken yet."""
    taken = set(taken)
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted}（{n}）" in taken:
        n += 1
    return f"{wanted}（{n}）"


def list_name_for(topic: str | None) -> str:
    """A default reading-list name for a topic: "党风廉政建设 学习清单"."""
    topic = " ".join((topic or "").split())
    if not topic:
        return "我的学习清单"
    short = topic.split(" ")[0][:20]
    return f"{short} 学习清单"
