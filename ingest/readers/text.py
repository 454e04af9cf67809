"""Plain text and Markdown reader: encoding detection, Markdown headings and light markup removal."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.encoding import UndecodableText, decode
from ingest.errors import UnreadableFile
from ingest.extracted import Extracted, TextBuilder
from ingest.limits import Budget
from ingest.options import ReadOptions

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_FENCE = re.compile(r"^\s*(```|~~~)")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|~~|`)")
_MD_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_MD_PREFIX = re.compile(r"^\s*(?:>\s?)+|^\s*[-*+]\s+")  # quote markers and list bullets


def decode_file(path: Path, data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode a text file, or raise UnreadableFile saying how to fix its encoding."""
    try:
        return decode(data, declared)
    except UndecodableText:
        raise UnreadableFile(
            path,
            "无法识别文件的文字编码（可能不是文本文件，或内容已损坏）",
            "请用记事本等编辑器打开确认内容，另存为UTF-8编码后重新导入",
        ) from None


def read_text(path: Path, data: bytes, options: ReadOptions, budget: Budget) -> Extracted:
    """Read a .txt file: every line is kept; headings are found later from Chinese numbering."""
    text, encoding = decode_file(path, data)
    builder = TextBuilder(budget)
    for line in text.splitlines():
        builder.add(line)
    return Extracted(builder.text, metadata={"encoding": encoding})


def read_markdown(path: Path, data: bytes, options: ReadOptions, budget: Budget) -> Extracted:
    """Read Markdown: # headings become headings; links, emphasis and fences are reduced to their text."""
    text, encoding = decode_file(path, data)
    builder = TextBuilder(budget)
    for line in text.splitlines():
        if _MD_FENCE.match(line) or _MD_RULE.match(line):
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            builder.add(_strip_markup(heading.group(2)), heading_level=len(heading.group(1)))
        else:
            builder.add(_strip_markup(_MD_PREFIX.sub("", line)))
    first = builder.headings[0].title if builder.headings else None
    return Extracted(
        builder.text, headings=tuple(builder.headings), title=first, metadata={"encoding": encoding}
    )


def _strip_markup(line: str) -> str:
    return _MD_EMPHASIS.sub("", _MD_LINK.sub(r"\1", _MD_IMAGE.sub(r"\1", line)))
