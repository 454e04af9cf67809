"""CSV files for Excel: UTF-8 with a BOM (so Excel reads the Chinese), CRLF line ends, and every cell
that a spreadsheet would run as a formula kept as text. Every CSV kb writes goes through `table`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from kb.export import labels
from kb.export.model import ExportList
from kb.records import Attendance

COLUMNS = ("序号", "标题", "类型", "日期", "页码", "章节", "摘录", "导读", "状态", "发文字号")
ATTENDANCE_COLUMNS = ("姓名", "参加次数", "发言次数", "主持次数", "学习次数", "出勤率", "缺席")
# A cell starting with one of these is run as a formula (or starts one: tab and CR are stripped by some
# importers, exposing what follows) by Excel, LibreOffice and others; a leading apostrophe keeps it
# text (OWASP's advice for CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | None


def safe_cell(value: Cell) -> str:
    """A cell as text that no spreadsheet runs as a formula (numbers written by kb pass as they are)."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def table(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """A CSV file of a header and rows, every cell made safe (utf-8-sig, CRLF)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def render_list(lst: ExportList) -> bytes:
    """A 学习材料清单 as CSV bytes."""
    return table(COLUMNS, (
        [
            item.number,
            labels.clean_text(item.title),
            labels.kind_label(item.kind),
            labels.clean_text(item.date),
            labels.page_label(item),
            labels.section_label(item),
            labels.clean_text(item.text),
            labels.clean_text(item.note),
            labels.status_label(item),
            labels.clean_text(item.doc_number),
        ]
        for item in lst.items
    ))


def render_attendance(result: Attendance) -> bytes:
    """出勤统计 as CSV bytes: one row a member (names come from minutes: untrusted, kept as text)."""
    return table(ATTENDANCE_COLUMNS, (
        [m.name, m.attended, m.spoke, m.hosted, m.sessions, f"{m.rate:.0%}", "；".join(m.missed)]
        for m in result.members
    ))
