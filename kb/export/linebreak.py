"""Chinese line breaking for reportlab: no line starts with closing punctuation (，。、；：？！）》” …).

reportlab's CJK wrapping hangs a character that may not start a line at the end of the line above,
but only characters in its ALL_CANNOT_START (the Japanese set, without the full-width ，；：？！》”),
and only one: after ”。 the 。 still starts the next line. Both are fixed here, in the only two
places that can be: the list is extended, and each paragraph's lines are mended after reportlab
splits them (cjkFragSplit for mixed styles, wordSplit for one style), moving a line's leading
closing marks to the end of the line above (where they hang into the margin, as reportlab hangs
the first one). A library that did this would be preferred; no
maintained one plugs into reportlab.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib import textsplit as _textsplit
from reportlab.platypus import paragraph as _paragraph

# GB/T 15834 and common practice: these never begin a line.
NO_LINE_START = "，。、；：？！）》〉」』】〕］｝”’…％‰·"

_original_split = _paragraph.cjkFragSplit
_original_word_split = _paragraph.wordSplit


def _mended(lines: list[Any]) -> None:
    """Move each line's leading closing marks to the end of the line before it."""
    for above, line in zip(lines, lines[1:], strict=False):
        words = getattr(line, "words", None)
        before = getattr(above, "words", None)
        if not words or not before or not isinstance(before[-1].text, str):
            continue
        moved = ""
        while words and isinstance(words[0].text, str) and words[0].text[:1] in NO_LINE_START:
            first = words[0]
            count = len(first.text) - len(first.text.lstrip(NO_LINE_START))
            moved += first.text[:count]
            first.text = first.text[count:]
            if first.text:
                break
            words.pop(0)
        if moved:
            before[-1].text += moved


def _split(frags: Any, maxWidths: Any, calcBounds: Any, encoding: str = "utf8") -> Any:  # noqa: N803
    result = _original_split(frags, maxWidths, calcBounds, encoding)
    _mended(result.lines)
    return result


def _word_split(text: Any, *args: Any, **kwargs: Any) -> Any:
    """reportlab's split of a one-style paragraph into (extra space, text) lines, mended the same way."""
    lines = _original_word_split(text, *args, **kwargs)
    out: list[list[Any]] = []
    for space, line in lines:
        if out and isinstance(line, str) and line[:1] in NO_LINE_START:
            count = len(line) - len(line.lstrip(NO_LINE_START))
            out[-1][1] += line[:count]
            line = line[count:]
            if not line:
                continue
        out.append([space, line])
    return [(space, line) for space, line in out]


def install() -> None:
    """Apply both fixes (idempotent)."""
    for module in (_paragraph, _textsplit):
        module.ALL_CANNOT_START += "".join(c for c in NO_LINE_START if c not in module.ALL_CANNOT_START)
    _paragraph.cjkFragSplit = _split
    _paragraph.wordSplit = _word_split
