"""Signs that a PDF's text layer maps glyphs to the wrong characters (measured: see docs/ingest.md)."""

from __future__ import annotations

import re

# Each pattern occurs zero times in 3.4 M Chinese characters of clean text (docs/ingest.md, "字形映射")
# and marks a glyph read as the wrong character: an ASCII symbol between two Chinese characters
# ("小康}会"), 笫 for 第, 牟/曰 for 年/日 after a number, unmapped glyphs (U+FFFD, private use, radicals).
_ANOMALY = re.compile(
    r"(?<=[\u4e00-\u9fff])[{}=<>|\\^_~`@#$](?=[\u4e00-\u9fff])"
    r"|笫|(?<=\d)\s*[牟曰](?=\s*\d)"
    "|[\ufffd\ue000-\uf8ff\U000f0000-\U0010ffff\u2e80-\u2fdf]"
)
CJK = re.compile(r"[\u4e00-\u9fff]")  # a common Chinese character
MIN_ANOMALIES = 3
MIN_RATE = 0.1  # anomalies per 10,000 Chinese characters; the 804-page sample has 0.35
EXAMPLE_CONTEXT = 4


def glyph_anomalies(text: str) -> list[str]:
    """Each suspicious spot in `text`, with a few characters of context."""
    return [
        text[max(0, m.start() - EXAMPLE_CONTEXT) : m.end() + EXAMPLE_CONTEXT].replace("\n", "")
        for m in _ANOMALY.finditer(text)
    ]


def glyph_warning(text: str) -> str | None:
    """A warning for the ingest report when the text layer looks mis-mapped, else None."""
    found = glyph_anomalies(text)
    if len(found) < MIN_ANOMALIES:  # the usual case: no need to count every Chinese character
        return None
    cjk = len(CJK.findall(text))
    if len(found) * 10_000 < MIN_RATE * max(cjk, 1):
        return None
    examples = "”“".join(found[:3])
    return (
        f"文字层疑似存在字形映射错误：发现{len(found)}处异常字符（如“{examples}”），"
        "个别字词可能检索不到；如有原始文档，建议改为导入原始文档"
    )
