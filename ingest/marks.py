"""Classification (密级) and handling marks (内部资料, 注意保存 …) printed at the top of a document's first page.

GB/T 9704 puts the 份号, the 密级 with its 保密期限 (机密★1年) and the 紧急程度 at the top left of the first
page, each on a line of its own. A line counts as a mark line only when it holds nothing but such marks, so
running text that merely uses the words ("保守党和国家秘密", "这份内部资料") never does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

LEVELS = ("绝密", "机密", "秘密")
HANDLING_MARKS = (
    "内部资料", "内部文件", "内部发行", "内部刊物", "内部参考", "内部参阅", "内部传阅", "内部使用",
    "注意保存", "妥善保管", "注意保密", "请勿外传", "不得外传", "请勿翻印", "阅后收回", "用后收回",
)
HEAD_LINES = 8  # the 版头 lines that can carry marks: 份号, 密级, 紧急程度 come before the issuer's mark
MAX_MARK_LINE = 40

_STAR = "★☆*＊"
_CN_NUMBER = "一二三四五六七八九十"
_SECRECY = (
    rf"(?P<level>{'|'.join(LEVELS)})"
    rf"(?P<star>[{_STAR}])?(?P<period>长期|\d{{1,3}}(?:年|个月|月)|[{_CN_NUMBER}]{{1,3}}(?:年|个月))?"
)
_TOKEN = re.compile(
    rf"{_SECRECY}|(?P<handling>{'|'.join(HANDLING_MARKS)})|(?P<copy>\d{{6}})|(?P<urgency>特急|加急|特提|平急)"
)
_SEPARATORS = re.compile(r"[\s、，,·•/|｜:：;；()（）\[\]【】“”\"'《》<>-]+")


@dataclass(frozen=True)
class Marks:
    """What the head of a first page says about a document's handling."""

    classification: str | None = None  # the 密级 as printed, normalised: "机密★1年", "秘密★", "绝密"
    handling: tuple[str, ...] = ()  # "内部资料", "注意保存" …, in order of appearance


def mark_line(line: str) -> Marks | None:
    """The marks on `line` when it consists of marks only (spaces and separators aside), else None."""
    compact = _SEPARATORS.sub("", line)
    if not compact or len(line) > MAX_MARK_LINE:
        return None
    classification: str | None = None
    handling: list[str] = []
    position = 0
    while position < len(compact):
        token = _TOKEN.match(compact, position)
        if token is None or token.end() == position:
            return None  # something other than a mark: running text, a title, a name
        if token.group("level"):
            star = "★" if token.group("star") or token.group("period") else ""
            classification = classification or token.group("level") + star + (token.group("period") or "")
        elif token.group("handling"):
            handling.append(token.group("handling"))
        position = token.end()
    return Marks(classification, tuple(dict.fromkeys(handling)))


def find_marks(lines: Iterable[str]) -> Marks:
    """Marks found on the given head lines (the first page's first lines, and any running header)."""
    classification: str | None = None
    handling: list[str] = []
    for line in lines:
        marks = mark_line(line)
        if marks is None:
            continue
        classification = classification or marks.classification
        handling.extend(marks.handling)
    return Marks(classification, tuple(dict.fromkeys(handling)))


def classification_level(mark: str | None) -> str | None:
    """绝密 / 机密 / 秘密 of a normalised classification mark, or None."""
    return next((level for level in LEVELS if mark and mark.startswith(level)), None)
