"""Decode the bytes of a text file whose encoding is not declared (UTF-8/16, GB18030, Big5, ...)."""

from __future__ import annotations

import codecs

import charset_normalizer

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its BOM starts with the UTF-16-LE one
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Chinese files are GB18030 (a superset of GBK and GB2312) or Big5; trying only these first stops
# the detector from reading a short Chinese text as Korean or Japanese.
_CHINESE = ["gb18030", "big5"]
_UTF16 = ["utf_16_le", "utf_16_be"]
# Declared or detected names that GB18030 reads identically (it is their superset).
_GB_FAMILY = {
    "gbk", "gb2312", "gb_2312", "gb2312-80", "cp936", "ms936", "euc-cn", "euccn", "x-gbk", "hz-gb-2312",
}


class UndecodableText(ValueError):
    """The bytes are not text in any encoding we can recognise."""


def canonical(encoding: str) -> str:
    """Encoding name to decode with: the GBK family is read as GB18030."""
    name = encoding.strip().lower()
    return "gb18030" if name in _GB_FAMILY or name.replace("_", "-") in _GB_FAMILY else name


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode `data`, returning (text, encoding name); raise UndecodableText when nothing fits."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name), name
    if declared:
        try:
            name = canonical(declared)
            return data.decode(name), name
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration is common; fall through to detection
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Text without NUL bytes is never UTF-16 for CJK or ASCII content; with many it is little else.
    candidates = _UTF16 if data.count(0) > len(data) // 8 else _CHINESE
    for isolation in (candidates, None):
        best = charset_normalizer.from_bytes(data, cp_isolation=isolation).best()
        if best is not None:
            name = canonical(best.encoding)
            text = data.decode(name)
            if not _looks_binary(text):
                return text, name
    raise UndecodableText("no encoding fits")


def _looks_binary(text: str) -> bool:
    controls = sum(1 for c in text if c < " " and c not in "\t\n\r\f\v")
    return controls > max(2, len(text) // 100)
