"""CSV rendering of reading lists: one row per item, UTF-8 with a BOM so Excel reads the Chinese."""

from __future__ import annotations

import csv
import io

from kb.export import labels
from kb.export.model import ExportList

COLUMNS = ("序号", "标题", "类型", "日期", "页码", "章节", "摘录", "导读", "状态")
# A cell starting with one of these is run as a formula by Excel; a leading apostrophe keeps it text.
_FORMULA_START = ("=", "+", "-", "@")


def _safe(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_list(lst: ExportList) -> bytes:
    """A 学习材料清单 as CSV bytes (utf-8-sig, CRLF line ends as Excel expects)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for item in lst.items:
        writer.writerow([
            str(item.number),
            _safe(labels.clean_text(item.title)),
            labels.kind_label(item.kind),
            labels.clean_text(item.date),
            labels.page_label(item),
            _safe(labels.section_label(item)),
            _safe(labels.clean_text(item.text)),
            _safe(labels.clean_text(item.note)),
            labels.status_label(item),
        ])
    return buffer.getvalue().encode("utf-8-sig")
