"""Text normalisation: clean display text, and the search form (`for_search`) for indexing and queries."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

# Full-width letters, digits and the symbols Chinese text never uses as punctuation become ASCII in
# display text; Chinese punctuation proper (，：；！？（）“” …) stays as typed.
_FULLWIDTH_SYMBOLS = "＃＄％＆＊＋－．／＜＝＞＠＼＾＿｀｜"
_DISPLAY_TABLE: dict[int, int | str | None] = {
    **{cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)},  # ０-９
    **{cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)},  # Ａ-Ｚ
    **{cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)},  # ａ-ｚ
    **{ord(c): ord(c) - 0xFEE0 for c in _FULLWIDTH_SYMBOLS},
    **{cp: " " for cp in (0x3000, 0x00A0, 0x2002, 0x2003, 0x2007, 0x2009, 0x202F, 0x205F)},
    **{cp: None for cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD)},  # zero-width, soft hyphen
    **{cp: None for cp in range(0xE000, 0xF900)},  # private use: unmapped glyphs that render as boxes
    **{cp: None for cp in (*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F)},  # control characters
    ord("\r"): "\n",
    ord("\f"): "\n",
    ord("\t"): " ",
}
# The search form folds every full-width ASCII form (including Chinese-style punctuation) and case.
_SEARCH_TABLE: dict[int, int | str | None] = {
    **{cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)},
    **{cp: cp + 32 for cp in range(ord("A"), ord("Z") + 1)},
    **{cp: cp + 32 - 0xFEE0 for cp in range(0xFF21, 0xFF3B)},
    0x3000: " ",
}
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_PLANE_PUA = re.compile("[\U000f0000-\U0010ffff]")


def clean_line(line: str) -> str:
    """One line of display text: ASCII forms of full-width letters and digits, single spaces, trimmed."""
    return _SPACES.sub(" ", _PLANE_PUA.sub("", line.translate(_DISPLAY_TABLE))).strip()


def normalize_text(text: str) -> str:
    """Display text: NFC, full-width ASCII made half-width, whitespace unified, blank lines dropped."""
    text = _PLANE_PUA.sub("", unicodedata.normalize("NFC", text).translate(_DISPLAY_TABLE))
    return "\n".join(line for line in (_SPACES.sub(" ", raw).strip() for raw in text.split("\n")) if line)


def for_search(text: str) -> str:
    """The form used for indexing and queries: traditional → simplified, half-width, ASCII lower-case."""
    text = text.translate(_SEARCH_TABLE)
    if _traditional_chars().search(text):
        text = _t2s()(text)
    return text


def fold_characters(text: str) -> str:
    """The search form character by character: full-width folded, lower case, traditional characters
    mapped by OpenCC's character table without its phrases. For fingerprints, which need the same form for
    the same text fast (t2s with phrases costs ~0.1 s per 20,000 characters), not the right word."""
    return text.translate(_SEARCH_TABLE).translate(_t2s_characters())


@lru_cache(maxsize=1)
def _t2s_characters() -> dict[int, str]:
    import opencc

    table: dict[int, str] = {}
    try:
        path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
        for line in path.read_text(encoding="utf-8").splitlines():
            source, targets = line.split("\t", 1)
            target = targets.split(" ")[0]
            if len(source) == 1 and target != source:
                table[ord(source)] = target
    except (OSError, ValueError):
        return {}  # dictionaries not where expected: traditional and simplified copies just differ
    return table


@lru_cache(maxsize=1)
def _t2s() -> Callable[[str], str]:
    """Traditional to simplified conversion of a text."""
    import opencc  # deferred: only texts with traditional characters need it

    convert: Callable[[str], str] = opencc.OpenCC("t2s").convert
    return convert


@lru_cache(maxsize=1)
def _traditional_chars() -> re.Pattern[str]:
    """Characters that t2s can change: a text without any is already simplified, so conversion is skipped.

    OpenCC's dictionaries are the source of truth: every character whose own mapping differs, plus every
    character a phrase rewrites (e.g. 沈 in 沈默 → 沉默).
    """
    import opencc

    folder = Path(opencc.__file__).parent / "dictionary"
    chars: set[str] = set()
    try:
        for line in (folder / "TSCharacters.txt").read_text(encoding="utf-8").splitlines():
            source, targets = line.split("\t", 1)
            if targets.split(" ")[0] != source:
                chars.add(source)
        phrase_chars: set[str] = set()
        for line in (folder / "TSPhrases.txt").read_text(encoding="utf-8").splitlines():
            source, targets = line.split("\t", 1)
            target = targets.split(" ")[0]
            if any(c in chars for c in source):
                continue  # the phrase can only match a text that already triggers conversion
            if len(source) != len(target):
                phrase_chars.update(source)
            else:
                phrase_chars.update(s for s, t in zip(source, target, strict=True) if s != t)
        chars |= phrase_chars
    except (OSError, ValueError):
        return re.compile(r"[^\x00-\x7f]")  # dictionaries not where expected: convert every non-ASCII text
    return re.compile("[" + "".join(sorted(re.escape(c) for c in chars)) + "]")
